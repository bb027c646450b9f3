"""Deployment → rule → template → black → Snippet.

Two ways lead to the same text, byte for byte (tests/test_fast_path.py):

- naive (`black_cache=False`): Jinja renders the template with the deployment's
  values and black formats the whole Python text. The reference, and the
  benchmark's baseline.
- skeleton (the default): a template is rendered once per *shape* (everything
  but the values: example observation, masks, agents, which values are absent)
  with the values (name, endpoint, key, prompt, env id) left as slots, and a
  Python skeleton is formatted by black once. A render fills the slots: with
  the slot's literal filter, or in Python, where a slot is a whole
  `NAME = value` line, with the line black would write (`assignment.py`).
  Shown and copied code are two fillings of one skeleton. Skeletons are kept in
  memory and on disk (`caches.py`), so new values, even in a new process,
  render without Jinja, numpy or black; an identical request is a memo hit.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from . import literals, npy, wire
from .assignment import assignment
from .caches import DiskStore, Memo, cache_dir, digest
from .deployment import Deployment
from .languages import Language, LanguageId
from .lazy import LazyModule
from .rules import TEMPLATE_DIR, RuleTable, Situation, TabId, TabRule, rule_table
from .spaces import example, mask_example

if TYPE_CHECKING:
    import jinja2
    import numpy as np
else:
    np = LazyModule("numpy")

KeyDisplay = Literal["masked", "env", "placeholders"]
"""How a snippet holds the API key.

- ``masked``: the shown code has a masked key; the copied code has the real one.
- ``env``: both read the ``ARENA_API_KEY`` environment variable.
- ``placeholders``: docs mode; name, endpoint and key are placeholders.
"""

GENERATE_PARAMS = {"max_new_tokens": 100, "temperature": 0.7, "top_p": 0.9, "do_sample": True}
DEFAULT_PROMPT = "Write a haiku about reinforcement learning."
REQUEST_TIMEOUT_SECONDS = 30


class SnippetError(ValueError):
    """A snippet that cannot be rendered for this deployment, and why."""


class Placeholders(BaseModel):
    """What docs show instead of a real deployment's values (as on the page)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str = "YOUR_DEPLOYMENT_NAME"
    api_key: str = "YOUR_API_KEY"
    endpoint: str = "YOUR_ENDPOINT"
    obs: str = "<YOUR_OBS_HERE>"



class Snippet(BaseModel):
    """One block of copy-paste code."""

    model_config = ConfigDict(frozen=True, defer_build=True, hide_input_in_errors=True)

    tab: TabId
    language: LanguageId
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


class _NeedsValues(Exception):
    """The template does more with a value than print its literal: render it with the values."""

    def __init__(self, message: str, slot: str | None = None) -> None:
        super().__init__(message)
        self.slot = slot


_UNKNOWN = object()


class _Slot:
    """Stands for a value while a skeleton renders; `known` when the skeleton is keyed on it."""

    __slots__ = ("known", "name")

    def __init__(self, name: str, known: object = _UNKNOWN) -> None:
        self.name = name
        self.known = known

    @property
    def value(self):
        if self.known is _UNKNOWN:
            raise _NeedsValues(f"the template reads {self.name}.value", self.name)
        return self.known


@dataclass(frozen=True)
class _Reads:
    """A template that reads one slot's value: its skeletons are keyed on that value too."""

    slot: str


class _SlotCode(literals.Code):
    """The token a literal filter printed for a slot."""


def _only_literals(value):
    if isinstance(value, literals.Code):
        return value
    import jinja2

    # The value itself stays out of the message: it may be the API key.
    raise jinja2.TemplateError(
        f"a template printed a {type(value).__name__} without a literal filter (py, sh, json, js)"
    )


def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_only_literals,
        # Templates compile once; `mkdocs serve` reloads them with the rule table.
        auto_reload=False,
    )

    def literal_filter(name: str, write):
        @jinja2.pass_context
        def literal(context, value, **options):
            if isinstance(value, _Slot):
                uses = context["_slot_uses"]
                uses.append((value.name, name, options))
                return _SlotCode(f"{context['_slot_token']}{len(uses) - 1}_")
            if isinstance(value, _SlotCode):
                raise _NeedsValues("a slot's literal went through a second filter")
            if isinstance(value, Const):
                value = value.value
            return write(value, **options)

        return literal

    env.filters.update({name: literal_filter(name, f) for name, f in literals.FILTERS.items()})
    env.filters.update(wire.HELPERS)
    return env


# ---------------------------------------------------------------- formatting


def format_python_naive(code: str) -> str:
    """black over the whole text: the reference the skeleton path must equal."""
    import black

    return black.format_str(code, mode=black.Mode())


ASSIGNMENT_CACHE_BYTES = 1 << 20
"""black's lines for constants that are not text (None): a handful of short lines."""
_black_assignments = Memo(ASSIGNMENT_CACHE_BYTES)


def _black_assignment(line: str) -> str:
    key = digest("assignment/1", line)
    found = _black_assignments.get(key)
    if found is None:
        found = format_python_naive(line + "\n").rstrip("\n")
        _black_assignments.put(key, found)
    return found


def _python_assignment(name: str, value: object) -> str:
    if isinstance(value, str):
        return assignment(name, value)
    return _black_assignment(f"{name} = {literals.python(value)}")


# CPython 3.11's ast.parse can fail ("AST constructor recursion depth mismatch")
# when two threads parse at once.
_AST_LOCK = threading.Lock()


def _imported_packages(code: str) -> tuple[str, ...]:
    """The pip packages a Python snippet imports, in import order (remembered per rule table)."""
    state = renderer()
    key = digest("imports/1", code)
    found = state.imports.get(key)
    if found is None:
        found = _parse_imports(code, state.table.packages)
        state.imports.put(key, found)
    return found


def _parse_imports(code: str, packages: dict[str, str]) -> tuple[str, ...]:
    found = []
    with _AST_LOCK:
        tree = ast.parse(code)
    for node in ast.walk(tree):
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
        assert isinstance(spaces, dict)
        masks = {agent: mask_example(spaces.get(agent)) for agent in deployment.agent_ids}
        return masks if masks and all(m is not None for m in masks.values()) else None
    return mask_example(deployment.action_space)


def _env_defined_actions(deployment: Deployment):
    """One example per agent: -1 means the environment does not fix that agent's action."""
    if not deployment.env_defined_actions or not deployment.agent_ids:
        return None
    return {agent: np.array(-1, dtype=np.int64) for agent in deployment.agent_ids}


def _values(
    deployment: Deployment,
    *,
    key_display: KeyDisplay,
    reveal_key: bool,
    placeholders: Placeholders,
    prompt: str,
) -> dict[str, Any]:
    """The slots: values that templates only print, through a literal filter."""
    endpoint: str | None
    if key_display == "placeholders":
        name, endpoint, api_key = placeholders.name, placeholders.endpoint, placeholders.api_key
    else:
        assert deployment.api_key is not None  # missing_values() said so
        name, endpoint = deployment.name, deployment.endpoint
        secret = deployment.api_key.get_secret_value()
        api_key = secret if reveal_key else mask_key(secret)
    return {
        "name": name,
        "endpoint": endpoint,
        "api_key": None if key_display == "env" else api_key,
        "prompt": prompt,
        "env_id": deployment.env_id,
    }


_SLOT_FIELDS = ("name", "endpoint", "api_key", "env_id")
"""Deployment fields that reach templates only as slots."""
_SLOT_FIELD_SET = set(_SLOT_FIELDS)


def _data(deployment: Deployment, placeholders: Placeholders) -> dict[str, Any]:
    """The rest of the context: it may shape the text, so it is part of a skeleton's key."""
    space = deployment.observation_space
    data = {
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
    return data | npy.context(deployment, data)


def _context(
    deployment: Deployment,
    *,
    key_display: KeyDisplay,
    reveal_key: bool,
    placeholders: Placeholders,
    prompt: str,
) -> dict:
    values = _values(
        deployment, key_display=key_display, reveal_key=reveal_key, placeholders=placeholders, prompt=prompt
    )
    slots = {name: None if value is None else Const(value) for name, value in values.items()}
    return {**slots, **_data(deployment, placeholders)}


# ---------------------------------------------------------------- skeletons

_TOKEN = "_SNIPPETGEN_SLOT_"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_CONVENTION = (
    "a Python template must use each constant once, as `NAME = {{ value|py }}` "
    "on a line of its own at the top level"
)


Fill = tuple[str, str, dict, str | None]


@dataclass(frozen=True)
class Skeleton:
    """A rendered template with slots: texts[0], fill 0, texts[1], ..., texts[-1].

    A fill is (slot, literal filter, its options, Python constant name or None).
    """

    texts: tuple[str, ...]
    fills: tuple[Fill, ...]
    packages: tuple[str, ...] = ()

    def fill(self, values: dict[str, Any]) -> str:
        out = [self.texts[0]]
        for (slot, filter_name, options, constant), text in zip(self.fills, self.texts[1:], strict=True):
            if constant is not None:
                out.append(_python_assignment(constant, values[slot]))
            else:
                out.append(literals.FILTERS[filter_name](values[slot], **options))
            out.append(text)
        return "".join(out)

    def to_json(self) -> dict:
        return {"texts": self.texts, "fills": self.fills, "packages": self.packages}


def build_skeleton(
    env: jinja2.Environment,
    template: str,
    language: LanguageId,
    data: dict,
    slots: dict[str, bool],
    known: dict[str, Any] | None = None,
) -> Skeleton | _Reads | None:
    """Render a template with its slots left open (those with a value).

    `known` gives the values of slots the template reads. Returns _Reads when the
    template reads another slot's value, None when it needs all the values.
    """
    import secrets

    known = known or {}
    # A fresh token per render: no value in `data` (an agent id, say) can forge one.
    token = f"{_TOKEN}{secrets.token_hex(4)}_"
    uses: list[tuple[str, str, dict]] = []
    open_slots = {
        slot: _Slot(slot, known.get(slot, _UNKNOWN)) if present else None for slot, present in slots.items()
    }
    context = {**data, **open_slots, "_slot_uses": uses, "_slot_token": token}
    try:
        text = env.get_template(template).render(context)
    except _NeedsValues as needs:
        # The key differs between shown and copied code: never a skeleton's key.
        if needs.slot is not None and needs.slot != "api_key" and not known:
            return _Reads(needs.slot)
        return None
    printed = sorted(int(i) for i in re.findall(rf"{token}(\d+)_", text))
    if printed != list(range(len(uses))):
        return None  # a slot printed twice, or filtered and not printed
    if language != "python":
        pieces = re.split(rf"{token}(\d+)_", text)
        fills: tuple[Fill, ...] = tuple((*uses[int(i)], None) for i in pieces[1::2])
        return Skeleton(tuple(pieces[0::2]), fills)

    formatted = format_python_naive(text)
    pieces = re.split(rf"^({_NAME}) = {token}(\d+)_$", formatted, flags=re.MULTILINE)
    texts, names, indices = pieces[0::3], pieces[1::3], [int(i) for i in pieces[2::3]]
    if any(token in t for t in texts) or any(uses[i][1] != "py" for i in indices):
        import jinja2

        raise jinja2.TemplateError(_CONVENTION)
    fills = tuple((uses[i][0], "py", {}, name) for name, i in zip(names, indices, strict=True))
    return Skeleton(tuple(texts), fills, _imported_packages(formatted))


# ---------------------------------------------------------------- renderer state

# Byte budgets of the in-memory caches (entries are measured by caches.footprint).
SKELETON_CACHE_BYTES = 32 << 20
"""Skeletons, a few KB each: every template for a few thousand shapes, as a docs build or
a busy dashboard meets them, so new values almost never run Jinja or black."""
SNIPPET_CACHE_BYTES = 16 << 20
"""Rendered snippets (shown and copied code), a few KB each: about a thousand recent ones."""
PANEL_CACHE_BYTES = 32 << 20
"""Whole panels, up to ~100 KB each: a few hundred recent rows answered from memory."""
IMPORTS_CACHE_BYTES = 1 << 20
"""The packages each formatted Python text imports: a short tuple per text."""

_MISS = object()


class Renderer:
    """Compiled templates and caches for one loaded rule table."""

    def __init__(self, table: RuleTable) -> None:
        self.table = table
        self.env = _environment()
        self.skeletons = Memo(SKELETON_CACHE_BYTES)
        self.snippets = Memo(SNIPPET_CACHE_BYTES)
        self.panels = Memo(PANEL_CACHE_BYTES)
        self.imports = Memo(IMPORTS_CACHE_BYTES)
        package = Path(__file__).parent
        sources = sorted(package.glob("*.py")) + sorted(p for p in TEMPLATE_DIR.rglob("*") if p.is_file())
        self.disk = DiskStore(cache_dir(), sources)

    def skeleton(self, template: str, language: LanguageId, request: Request) -> Skeleton | None:
        # The template and language are the rule table's names; the shape, a digest.
        key = (template, language, request.shape())
        found = self.skeletons.get(key, _MISS)
        if found is _MISS:
            name = digest("skeleton/1", *key).hex()
            found = self.disk.get(name, lambda raw: _entry(raw, language, request.slots()))
            if found is None:
                found = build_skeleton(self.env, template, language, request.data(), request.slots())
                if found is None:
                    self.disk.put(name, {"needs_values": True})
                elif isinstance(found, _Reads):
                    self.disk.put(name, {"reads": found.slot})
                else:
                    self.disk.put(name, found.to_json())
            elif isinstance(found, _NeedsValuesEntry):
                found = None
            self.skeletons.put(key, found)
        if isinstance(found, _Reads):
            return self._keyed_on_value(key, found.slot, template, language, request)
        return found

    def _keyed_on_value(
        self, key: tuple, slot: str, template: str, language: LanguageId, request: Request
    ) -> Skeleton | None:
        # Kept in memory only: the value (a prompt, say) stays off the disk.
        value = request.values(reveal_key=False)[slot]
        key = (*key, slot, digest("value/1", value))
        found = self.skeletons.get(key, _MISS)
        if found is _MISS:
            data, slots = request.data(), request.slots()
            built = build_skeleton(self.env, template, language, data, slots, {slot: value})
            found = built if isinstance(built, Skeleton) else None
            self.skeletons.put(key, found)
        return found


class _NeedsValuesEntry:
    """A stored entry saying the template needs the values themselves."""


_NEEDS_VALUES = _NeedsValuesEntry()

# The options each literal filter takes (keyword-only: `indent`, `width`).
_FILTER_OPTIONS = {
    name: {p.name for p in inspect.signature(write).parameters.values() if p.kind is p.KEYWORD_ONLY}
    for name, write in literals.FILTERS.items()
}


# What a text option may hold: `assign` is printed as code, so only a declaration or a
# property path; `key` goes through the filter's own quoting.
_ASSIGN = re.compile(rf"(?:(?:const|let) )?{_NAME}(?:\.{_NAME})*")


def _is_option(name: str, value: object) -> bool:
    if value is None or type(value) is int:
        return True
    if type(value) is not str:
        return False
    return name == "key" or (name == "assign" and _ASSIGN.fullmatch(value) is not None)


def _entry(raw: bytes, language: LanguageId, slots: dict[str, bool]) -> Skeleton | _Reads | _NeedsValuesEntry:
    """A stored entry, checked to be exactly what `Renderer.skeleton` writes; ValueError otherwise."""
    data = json.loads(raw)
    if type(data) is not dict:
        raise ValueError("not an object")
    present = {slot for slot, has_value in slots.items() if has_value}
    keys = data.keys()
    if keys == {"needs_values"} and data["needs_values"] is True:
        return _NEEDS_VALUES
    if keys == {"reads"}:
        slot = data["reads"]
        if type(slot) is not str or slot not in present or slot == "api_key":
            raise ValueError("reads an unknown slot")
        return _Reads(slot)
    if keys != {"texts", "fills", "packages"}:
        raise ValueError("unexpected keys")
    texts, fills, packages = data["texts"], data["fills"], data["packages"]
    if type(texts) is not list or not all(type(text) is str for text in texts):
        raise ValueError("texts")
    if type(fills) is not list or len(texts) != len(fills) + 1:
        raise ValueError("fills")
    known_packages = set(rule_table().packages.values())
    if type(packages) is not list or not all(type(p) is str and p in known_packages for p in packages):
        raise ValueError("packages")
    if language != "python" and packages:
        raise ValueError("packages")
    checked: list[Fill] = []
    for fill in fills:
        if type(fill) is not list or len(fill) != 4:
            raise ValueError("a fill")
        slot, filter_name, options, constant = fill
        if type(slot) is not str or slot not in present:
            raise ValueError("a fill's slot")
        if type(filter_name) is not str or filter_name not in literals.FILTERS:
            raise ValueError("a fill's filter")
        if type(options) is not dict or not set(options) <= _FILTER_OPTIONS[filter_name]:
            raise ValueError("a fill's options")
        if not all(_is_option(name, value) for name, value in options.items()):
            raise ValueError("a fill's options")
        if language == "python":
            named = type(constant) is str and re.fullmatch(_NAME, constant)
            if filter_name != "py" or options or not named:
                raise ValueError("a fill's constant")
        elif constant is not None:
            raise ValueError("a fill's constant")
        checked.append((slot, filter_name, options, constant))
    return Skeleton(tuple(texts), tuple(checked), tuple(packages))


_renderer: Renderer | None = None


def renderer() -> Renderer:
    """The state for the current rule table (a reloaded table, as under `mkdocs serve`, starts afresh)."""
    global _renderer
    table = rule_table()
    state = _renderer
    if state is None or state.table is not table:
        state = _renderer = Renderer(table)
    return state


def __getattr__(name: str):
    if name == "ENVIRONMENT":  # the Jinja environment, built on first use
        return renderer().env
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------- requests

def _secret(value: object) -> object:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


@lru_cache(maxsize=1)
def _default_placeholders() -> Placeholders:
    return Placeholders()


@lru_cache(maxsize=1)
def _exact_json() -> pydantic_core.SchemaSerializer:
    """Deployments as JSON text, but with NaN and infinities kept apart from null."""
    Deployment.model_rebuild()  # builds the deferred schema
    schema = Deployment.__pydantic_core_schema__
    return pydantic_core.SchemaSerializer(schema, {"ser_json_inf_nan": "constants"})


class Request:
    """One render request: its memo key, the values of its slots, and its shape."""

    def __init__(
        self,
        deployment: Deployment,
        *,
        profile: str = "documented",
        key_display: KeyDisplay = "masked",
        placeholders: Placeholders | None = None,
        prompt: str | None = None,
    ) -> None:
        self.deployment = deployment
        self.profile = profile
        self.key_display = key_display
        self.placeholders = placeholders or _default_placeholders()
        self.prompt = DEFAULT_PROMPT if prompt is None else prompt
        self._rest = _exact_json().to_json(deployment, exclude=_SLOT_FIELD_SET)
        fields = deployment.__dict__
        self.key = digest(
            "request/1",
            self._rest,
            [_secret(fields[name]) for name in _SLOT_FIELDS],
            profile,
            key_display,
            list(self.placeholders.__dict__.values()),
            self.prompt,
        )
        """A digest of everything the output depends on, the real key included: the memos' key."""
        self._shown: dict[str, Any] | None = None
        self._data: dict[str, Any] | None = None
        self._shape: bytes | None = None

    def __repr__(self) -> str:
        return f"Request({self.deployment!r}, profile={self.profile!r}, key_display={self.key_display!r})"

    def values(self, *, reveal_key: bool) -> dict[str, Any]:
        if reveal_key or self._shown is None:
            values = _values(
                self.deployment,
                key_display=self.key_display,
                reveal_key=reveal_key,
                placeholders=self.placeholders,
                prompt=self.prompt,
            )
            if reveal_key:
                return values
            self._shown = values
        return self._shown

    def slots(self) -> dict[str, bool]:
        """Each slot, and whether it has a value (a template tests it for none)."""
        return {name: value is not None for name, value in self.values(reveal_key=False).items()}

    def shape(self) -> bytes:
        """A digest of everything but the slot values that reaches a template: a skeleton's key."""
        if self._shape is None:
            slots = [(name, present) for name, present in self.slots().items()]
            self._shape = digest("shape/1", self._rest, list(self.placeholders.__dict__.values()), slots)
        return self._shape

    def data(self) -> dict[str, Any]:
        if self._data is None:
            self._data = _data(self.deployment, self.placeholders)
        return self._data

    def context(self, *, reveal_key: bool) -> dict:
        return _context(
            self.deployment,
            key_display=self.key_display,
            reveal_key=reveal_key,
            placeholders=self.placeholders,
            prompt=self.prompt,
        )

    def snippet(self, tab: TabId, language: LanguageId | None = None, *, black_cache: bool = True) -> Snippet:
        """The snippet of one tab (in one language); see render_snippet."""
        state = renderer()
        # Stored only once rendered, so the tab and language are then the rule table's names.
        key = (self.key, tab, language)
        if black_cache:
            found = state.snippets.get(key)
            if found is not None:
                return found
        table = state.table
        check_profile(self.profile)
        tab_rule = table.tabs.get(tab)
        if tab_rule is None or tab_rule.kind != "code":
            code_tabs = [t for t, rule in table.tabs.items() if rule.kind == "code"]
            raise SnippetError(f"tab {tab!r} holds no code; choose one of: {', '.join(code_tabs)}")
        chosen = tab_rule.languages[0] if language is None else language
        declared = tab_rule.language(chosen)
        if declared is None:
            raise SnippetError(
                f"the {tab_rule.title} tab has no {chosen!r} snippet; "
                f"choose one of: {', '.join(tab_rule.languages)}"
            )
        reason = missing_values(self.deployment, self.key_display)
        if reason:
            raise SnippetError(reason)
        snippet = self._render(state, tab, tab_rule, declared, black_cache)
        if black_cache:
            state.snippets.put(key, snippet)
        return snippet

    def _render(
        self, state: Renderer, tab: TabId, tab_rule: TabRule, declared: Language, black_cache: bool
    ) -> Snippet:
        language = declared.id
        situation = self.deployment.situation
        template = state.table.template(self.profile, situation, tab, language)
        masked = self.key_display == "masked"
        skeleton = state.skeleton(template, language, self) if black_cache else None
        if skeleton is not None:
            code = skeleton.fill(self.values(reveal_key=False))
            copy_code = skeleton.fill(self.values(reveal_key=True)) if masked else code
            packages = skeleton.packages
        else:
            # The naive path, and templates that need the values themselves.
            tmpl = state.env.get_template(template)
            code = tmpl.render(self.context(reveal_key=False))
            copy_code = tmpl.render(self.context(reveal_key=True)) if masked else code
            packages = ()
            if language == "python":
                code = format_python_naive(code)
                copy_code = format_python_naive(copy_code) if masked else code
                packages = _imported_packages(code)

        requires = [*tab_rule.requires, *packages]
        env_package = state.table.situations[situation].env_package
        if tab_rule.with_env_package and self.deployment.env_id and env_package:
            requires.append(env_package)
        requires = list(dict.fromkeys(requires))
        return Snippet(
            tab=tab,
            language=language,
            profile=self.profile,
            situation=situation,
            code=code,
            copy_code=copy_code,
            filename=declared.filename(tab),
            install=("pip install " + " ".join(requires)) if requires else declared.install,
            run=declared.run_line(tab),
        )


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
    language: LanguageId | None = None,
    profile: str = "documented",
    key_display: KeyDisplay = "masked",
    placeholders: Placeholders | None = None,
    prompt: str | None = None,
    black_cache: bool = True,
) -> Snippet:
    """Render the snippet of one tab (in one language) for a deployment.

    `black_cache=False` renders with Jinja and formats the whole text with black
    on every call: the reference output the default path must equal, and the
    benchmark's baseline.
    """
    request = Request(
        deployment, profile=profile, key_display=key_display, placeholders=placeholders, prompt=prompt
    )
    return request.snippet(tab, language, black_cache=black_cache)
