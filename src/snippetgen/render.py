"""Deployment → rule → template → black → Snippet.

Python snippets are formatted with black. Its cost is paid once per distinct
template text: templates render the deployment's constants (name, endpoint,
key, prompt) as placeholders, black formats that text once (cached), and only
the constant assignments are formatted per call. The result is identical to
formatting the whole final text with black (`format_python_naive`), which the
test suite checks cell by cell.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import black
import jinja2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from . import literals, npy, wire
from .deployment import Deployment
from .rules import TEMPLATE_DIR, Language, Situation, TabId, rule_table
from .spaces import example, mask_example

KeyDisplay = Literal["masked", "env", "placeholders"]
"""How a snippet holds the API key.

- ``masked``: the shown code has a masked key; the copied code has the real one.
- ``env``: both read the ``ARENA_API_KEY`` environment variable.
- ``placeholders``: docs mode; name, endpoint and key are placeholders.
"""

GENERATE_PARAMS = {"max_new_tokens": 100, "temperature": 0.7, "top_p": 0.9, "do_sample": True}
DEFAULT_PROMPT = "Write a haiku about reinforcement learning."
REQUEST_TIMEOUT_SECONDS = 30
_BLACK_MODE = black.Mode()


class SnippetError(ValueError):
    """A snippet that cannot be rendered for this deployment, and why."""


class Placeholders(BaseModel):
    """What docs show instead of a real deployment's values (as on the page)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "YOUR_DEPLOYMENT_NAME"
    api_key: str = "YOUR_API_KEY"
    endpoint: str = "YOUR_ENDPOINT"
    obs: str = "<YOUR_OBS_HERE>"


class Snippet(BaseModel):
    """One block of copy-paste code."""

    model_config = ConfigDict(frozen=True)

    tab: TabId
    language: Language
    profile: str
    situation: Situation
    code: str = Field(description="The code shown on screen; never holds the real key.")
    copy_code: str = Field(repr=False, description="The code the copy icon copies.")
    filename: str = Field(description="A file name to save the code under.")
    install: str | None = Field(description="What to install before running it.")
    run: str = Field(description="How to run it once saved.")


@dataclass(frozen=True, repr=False)
class Const:
    """A deployment-specific value that the template assigns to a named constant."""

    value: object


# ---------------------------------------------------------------- Jinja setup

_TOKEN = "_SNIPPETGEN_CONST_"


def _literal_filter(write):
    @jinja2.pass_context
    def literal(context, value, **options):
        if isinstance(value, Const):
            recorder = context.get("_constants")
            if recorder is not None and write is literals.python:
                recorder.append(write(value.value))
                return literals.Code(f"{_TOKEN}{len(recorder) - 1}")
            value = value.value
        return write(value, **options)

    return literal


def _only_literals(value):
    if isinstance(value, literals.Code):
        return value
    # The value itself stays out of the message: it may be the API key.
    raise jinja2.TemplateError(
        f"a template printed a {type(value).__name__} without a literal filter (py, sh, json, js)"
    )


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_only_literals,
    )
    env.filters.update({name: _literal_filter(f) for name, f in literals.FILTERS.items()})
    env.filters.update(wire.HELPERS)
    return env


ENVIRONMENT = _environment()


# ---------------------------------------------------------------- formatting

_CONST_LINE = re.compile(rf"^([A-Za-z_][A-Za-z0-9_]*) = {_TOKEN}(\d+)$", re.MULTILINE)
_STATEMENT_START = re.compile(r"\n(?=[A-Za-z_][A-Za-z0-9_]* = )")


def format_python_naive(code: str) -> str:
    """black over the whole text: the reference the fast path must equal."""
    return black.format_str(code, mode=_BLACK_MODE)


@lru_cache(maxsize=1024)
def _format_skeleton(skeleton: str) -> str:
    return black.format_str(skeleton, mode=_BLACK_MODE)


def _format_python(skeleton: str, constants: list[str]) -> str:
    """Black-format a template's output whose constants are placeholders, then fill them."""
    formatted = _format_skeleton(skeleton)
    found = _CONST_LINE.findall(formatted)
    if sorted(int(i) for _, i in found) != list(range(len(constants))):
        raise jinja2.TemplateError(
            "a Python template must use each constant once, as `NAME = {{ value|py }}` "
            "on a line of its own at the top level"
        )
    assignments = "".join(f"{name} = {constants[int(i)]}\n" for name, i in found)
    # black may wrap a long value in parentheses over several lines, so a new
    # statement starts only where a line starts with `NAME = `.
    statements = _STATEMENT_START.split(black.format_str(assignments, mode=_BLACK_MODE).rstrip("\n"))
    # Checked before filling: a value may itself contain the placeholder text.
    if _TOKEN in _CONST_LINE.sub("", formatted):
        raise jinja2.TemplateError("a constant placeholder was used outside `NAME = value`")
    filled = iter(statements)
    return _CONST_LINE.sub(lambda _: next(filled), formatted)


# ---------------------------------------------------------------- context


def mask_key(key: str) -> str:
    """The key as shown on screen."""
    # Show the last four characters only of a key long enough to keep the rest secret.
    return "•" * 8 + (key[-4:] if len(key) >= 20 else "")


def _action_masks(deployment: Deployment):
    if not deployment.action_mask:
        return None
    if deployment.env_type == "pettingzoo":
        spaces = deployment.action_space or {}
        masks = {agent: mask_example(spaces.get(agent)) for agent in deployment.agent_ids}
        return masks if masks and all(m is not None for m in masks.values()) else None
    return mask_example(deployment.action_space)


def _env_defined_actions(deployment: Deployment):
    """One example per agent: -1 means the environment does not fix that agent's action."""
    if not deployment.env_defined_actions or not deployment.agent_ids:
        return None
    return {agent: np.array(-1, dtype=np.int64) for agent in deployment.agent_ids}


def _context(
    deployment: Deployment,
    *,
    key_display: KeyDisplay,
    reveal_key: bool,
    placeholders: Placeholders,
    prompt: str,
) -> dict:
    space = deployment.observation_space
    if key_display == "placeholders":
        name, endpoint, api_key = placeholders.name, placeholders.endpoint, placeholders.api_key
    else:
        name, endpoint = deployment.name, deployment.endpoint
        secret = deployment.api_key.get_secret_value()
        api_key = secret if reveal_key else mask_key(secret)
    context = {
        "name": Const(name),
        "endpoint": Const(endpoint),
        "api_key": None if key_display == "env" else Const(api_key),
        "prompt": Const(prompt),
        "env_id": None if deployment.env_id is None else Const(deployment.env_id),
        "situation": deployment.situation,
        "agents": list(deployment.agent_ids),
        "obs": None if space is None else example(space),
        "obs_placeholder": placeholders.obs,
        "action_mask": _action_masks(deployment),
        "wants_action_mask": deployment.action_mask,
        "env_defined_actions": _env_defined_actions(deployment),
        "params": GENERATE_PARAMS,
        "timeout": REQUEST_TIMEOUT_SECONDS,
    }
    return context | npy.context(deployment, context)


def _render_text(template: str, language: Language, context: dict, black_cache: bool) -> str:
    tmpl = ENVIRONMENT.get_template(template)
    if language != "python":
        return tmpl.render(context)
    if not black_cache:
        return format_python_naive(tmpl.render(context))
    constants: list[str] = []
    skeleton = tmpl.render({**context, "_constants": constants})
    return _format_python(skeleton, constants)


@lru_cache(maxsize=1024)
def _imported_packages(code: str) -> tuple[str, ...]:
    """The pip packages a Python snippet imports, in import order."""
    packages = rule_table().packages
    found = []
    for node in ast.walk(ast.parse(code)):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            top = name.partition(".")[0]
            if top in sys.stdlib_module_names:
                continue
            if top not in packages:
                raise SnippetError(f"no pip package known for module {top!r}: add it to [packages]")
            found.append(packages[top])
    return tuple(found)


def check_profile(profile: str) -> None:
    profiles = rule_table().profiles
    if profile not in profiles:
        raise SnippetError(f"unknown profile {profile!r}; choose one of: {', '.join(profiles)}")


def missing_values(deployment: Deployment, key_display: KeyDisplay) -> str | None:
    """Why snippets cannot render yet, or None when they can."""
    if key_display == "placeholders":
        return None
    missing = [
        label
        for label, value in (("API key", deployment.api_key), ("Endpoint", deployment.endpoint))
        if value is None
    ]
    if missing:
        return (
            "You need both API key and Endpoint before snippets render "
            f"(missing: {' and '.join(missing)})."
        )
    return None


def render_snippet(
    deployment: Deployment,
    tab: TabId,
    *,
    language: Language | None = None,
    profile: str = "documented",
    key_display: KeyDisplay = "masked",
    placeholders: Placeholders | None = None,
    prompt: str | None = None,
    black_cache: bool = True,
) -> Snippet:
    """Render the snippet of one tab (in one language) for a deployment.

    `black_cache=False` formats the whole text with black on every call: the
    reference output the cached path must equal, and the benchmark's baseline.
    """
    table = rule_table()
    check_profile(profile)
    tab_rule = table.tabs.get(tab)
    if tab_rule is None or not tab_rule.languages:
        code_tabs = [t for t, rule in table.tabs.items() if rule.languages]
        raise SnippetError(f"tab {tab!r} holds no code; choose one of: {', '.join(code_tabs)}")
    language = language or next(iter(tab_rule.languages))
    lang_rule = tab_rule.languages.get(language)
    if lang_rule is None:
        raise SnippetError(
            f"the {tab_rule.title} tab has no {language!r} snippet; "
            f"choose one of: {', '.join(tab_rule.languages)}"
        )
    reason = missing_values(deployment, key_display)
    if reason:
        raise SnippetError(reason)

    situation = deployment.situation
    template = table.template(profile, situation, tab, language)
    common = {
        "key_display": key_display,
        "placeholders": placeholders or Placeholders(),
        "prompt": DEFAULT_PROMPT if prompt is None else prompt,
    }
    code = _render_text(
        template, language, _context(deployment, reveal_key=False, **common), black_cache
    )
    copy_code = code
    if key_display == "masked":
        copy_code = _render_text(
            template, language, _context(deployment, reveal_key=True, **common), black_cache
        )

    requires = list(lang_rule.requires)
    if language == "python":
        requires += _imported_packages(code)
    env_package = table.situations[situation].env_package
    if lang_rule.with_env_package and deployment.env_id and env_package:
        requires.append(env_package)
    requires = list(dict.fromkeys(requires))
    return Snippet(
        tab=tab,
        language=language,
        profile=profile,
        situation=situation,
        code=code,
        copy_code=copy_code,
        filename=lang_rule.filename,
        install=("pip install " + " ".join(requires)) if requires else lang_rule.install,
        run=lang_rule.run,
    )
