"""Request → cell → skeleton (once per shape) → fill → Snippet.

The one path: a request (context.py) names its cell's template (rules.py); the
skeleton store gives that template's skeleton for the request's shape
(skeletons.py), and filling it with the shown and then the copied values gives
the two codes of the snippet.

`black_cache=False` takes the reference path instead: Jinja renders the template
with the values and black formats the whole Python text. Both give the same text,
byte for byte (tests/test_fast_path.py); the reference is the benchmark's baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .caches import DiskStore, Memo, cache_dir, footprint
from .context import (
    DEFAULT_PROMPT,
    GENERATE_PARAMS,
    REQUEST_TIMEOUT_SECONDS,
    KeyDisplay,
    Placeholders,
    Request,
    mask_key,
)
from .deployment import Deployment
from .languages import Language, LanguageId
from .literals import Code
from .rules import DEFAULT_VARIANT, TEMPLATE_DIR, RuleTable, Situation, TabId, TabRule, rule_table
from .skeletons import Const, SkeletonStore, SnippetError, environment, format_python_naive, imported_packages

__all__ = [
    "DEFAULT_PROMPT",
    "GENERATE_PARAMS",
    "REQUEST_TIMEOUT_SECONDS",
    "KeyDisplay",
    "Placeholders",
    "Request",
    "Snippet",
    "SnippetError",
    "check_profile",
    "format_python_naive",
    "mask_key",
    "missing_values",
    "render_snippet",
    "render_snippets",
    "renderer",
]

SNIPPET_CACHE_BYTES = 16 << 20
"""Rendered snippets (shown and copied code), a few KB each: about a thousand recent ones."""


class Snippet(BaseModel):
    """One block of copy-paste code."""

    model_config = ConfigDict(frozen=True, defer_build=True, hide_input_in_errors=True)

    tab: TabId
    language: LanguageId
    variant: str = Field(DEFAULT_VARIANT, description="`request`, or a variant in rules.toml [variants].")
    profile: str
    situation: Situation
    code: str = Field(description="The code shown on screen; never holds the real key.")
    copy_code: str = Field(repr=False, description="The code the copy icon copies.")
    filename: str = Field(description="A file name to save the code under.")
    install: str | None = Field(description="What to install before running it.")
    run: str = Field(description="How to run it once saved.")


def _snippet_size(snippet: Snippet) -> int:
    # The two codes are nearly all of it; the other fields are short names.
    return footprint(snippet.code) + footprint(snippet.copy_code) + 1024


class Renderer:
    """The compiled templates and caches of one loaded rule table."""

    def __init__(self, table: RuleTable) -> None:
        self.table = table
        self.env = environment(TEMPLATE_DIR)
        package = Path(__file__).parent
        sources = sorted(package.glob("*.py")) + sorted(p for p in TEMPLATE_DIR.rglob("*") if p.is_file())
        self.skeletons = SkeletonStore(self.env, table.packages, DiskStore(cache_dir(), sources))
        self.snippets = Memo(SNIPPET_CACHE_BYTES, _snippet_size)
        # Only cells that resolve are kept, so the table bounds it: never evicted.
        self.cells: dict[tuple, _Cell] = {}

    def cell(
        self, profile: str, situation: Situation, tab: TabId, language: str | None, variant: str
    ) -> _Cell:
        """The cell's template, route and language, checked once; SnippetError naming the choices."""
        key = (profile, situation, tab, language, variant)
        found = self.cells.get(key)
        if found is None:
            found = self.cells[key] = _resolve(self.table, *key)
        return found


class _Cell:
    """One cell of the table as a snippet needs it; its snippets differ only in their codes."""

    def __init__(
        self,
        table: RuleTable,
        profile: str,
        situation: Situation,
        tab: TabId,
        tab_rule: TabRule,
        declared: Language,
        variant: str,
    ) -> None:
        self.template = table.template(profile, situation, tab, declared.id, variant)
        self.route = table.suffix(situation, variant)
        self.language = declared
        self.requires = tab_rule.requires
        self.env_package = table.situations[situation].env_package if tab_rule.with_env_package else None
        self.fields: dict[str, Any] = {
            "tab": tab,
            "language": declared.id,
            "variant": variant,
            "profile": profile,
            "situation": situation,
            "code": "",
            "copy_code": "",
            "filename": declared.filename(tab),
            "run": declared.run_line(tab),
        }
        # By (packages the code imports, whether the env package is required).
        self._blanks: dict[tuple[tuple[str, ...], bool], Snippet] = {}

    def snippet(self, code: str, copy_code: str, packages: tuple[str, ...], env_id: str | None) -> Snippet:
        with_env = bool(env_id and self.env_package)
        blank = self._blanks.get((packages, with_env))
        if blank is None:
            env_packages = [self.env_package] if with_env and self.env_package else []
            requires = list(dict.fromkeys([*self.requires, *packages, *env_packages]))
            install = ("pip install " + " ".join(requires)) if requires else self.language.install
            blank = self._blanks[packages, with_env] = Snippet.model_construct(**self.fields, install=install)
        return blank.model_copy(update={"code": code, "copy_code": copy_code})


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


def check_profile(profile: str, table: RuleTable | None = None) -> None:
    profiles = (rule_table() if table is None else table).profiles
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


def _resolve(
    table: RuleTable, profile: str, situation: Situation, tab: TabId, language: str | None, variant: str
) -> _Cell:
    check_profile(profile, table)
    tab_rule = table.tabs.get(tab)
    if tab_rule is None or tab_rule.kind != "code":
        code_tabs = [t for t, rule in table.tabs.items() if rule.kind == "code"]
        raise SnippetError(f"tab {tab!r} holds no code; choose one of: {', '.join(code_tabs)}")
    chosen = tab_rule.languages[0] if language is None else language
    declared = tab_rule.language(chosen)
    if declared is None:
        choices = ", ".join(tab_rule.languages)
        raise SnippetError(f"the {tab_rule.title} tab has no {chosen!r} snippet; choose one of: {choices}")
    variants = table.variants_of(situation, tab)
    if variant not in variants:
        situation_title = table.situations[situation].title
        raise SnippetError(
            f"no {variant!r} variant of the {tab_rule.title} tab for {situation_title} deployments; "
            f"choose one of: {', '.join(variants)}"
        )
    return _Cell(table, profile, situation, tab, tab_rule, declared, variant)


def snippet(
    request: Request, tab: TabId, language: str | None = None, variant: str = DEFAULT_VARIANT, *,
    black_cache: bool = True, remember: bool = True,
) -> Snippet:
    """The snippet of one cell for a request; see render_snippet. With `remember=False` a
    snippet made afresh is not kept (a panel keeps its snippets itself)."""
    state = renderer()
    key = (request.key, tab, language, variant)
    if black_cache:
        found = state.snippets.get(key)
        if found is not None:
            return found
    cell = state.cell(request.profile, request.deployment.situation, tab, language, variant)
    reason = missing_values(request.deployment, request.key_display)
    if reason:
        raise SnippetError(reason)
    if black_cache:
        data = lambda: {**request.data, "route": Code(cell.route)}  # noqa: E731 (built only on a miss)
        skeleton = state.skeletons.get(cell.template, cell.language.id, request.shape, data, request.slots)
        if request.key_display == "masked":
            code, copy_code = skeleton.fill_pair(request.shown, request.copied)
        else:
            code = copy_code = skeleton.fill(request.shown)
        packages = skeleton.packages
    else:
        code, copy_code, packages = _reference(state, request, cell)
    made = cell.snippet(code, copy_code, packages, request.deployment.env_id)
    if black_cache and remember:
        state.snippets.put(key, made)
    return made


def _reference(state: Renderer, request: Request, cell: _Cell):
    """Jinja with the values, then black over the whole text (Python)."""
    data = {**request.data, "route": Code(cell.route)}
    python = cell.language.formatter == "black"

    def text(values: dict) -> str:
        slots = {name: None if value is None else Const(value) for name, value in values.items()}
        code = state.env.get_template(cell.template).render({**slots, **data})
        return format_python_naive(code) if python else code

    code = text(request.shown)
    copy_code = text(request.copied) if request.key_display == "masked" else code
    packages = imported_packages(code, state.table.packages) if python else ()
    return code, copy_code, packages


def render_snippets(
    deployment: Deployment,
    tab: TabId,
    *,
    languages: Sequence[LanguageId | None] | None = None,
    variant: str = DEFAULT_VARIANT,
    profile: str = "documented",
    key_display: KeyDisplay = "masked",
    placeholders: Placeholders | None = None,
    prompt: str | None = None,
    black_cache: bool = True,
) -> list[Snippet]:
    """The snippets of one tab in each of its languages (or those given; None: the tab's first),
    from one request; see render_snippet."""
    request = Request(
        deployment, profile=profile, key_display=key_display, placeholders=placeholders, prompt=prompt
    )
    chosen: Sequence[str | None] = languages or ()
    if languages is None:
        tab_rule = rule_table().tabs.get(tab)
        chosen = tab_rule.languages if tab_rule is not None and tab_rule.languages else (None,)
    return [snippet(request, tab, language, variant, black_cache=black_cache) for language in chosen]


def render_snippet(
    deployment: Deployment,
    tab: TabId,
    *,
    language: LanguageId | None = None,
    variant: str = DEFAULT_VARIANT,
    profile: str = "documented",
    key_display: KeyDisplay = "masked",
    placeholders: Placeholders | None = None,
    prompt: str | None = None,
    black_cache: bool = True,
) -> Snippet:
    """Render the snippet of one tab (in one language, one variant) for a deployment.

    `black_cache=False` renders with Jinja and formats the whole text with black
    on every call: the reference output the default path must equal, and the
    benchmark's baseline.
    """
    [made] = render_snippets(
        deployment,
        tab,
        languages=(language,),
        variant=variant,
        profile=profile,
        key_display=key_display,
        placeholders=placeholders,
        prompt=prompt,
        black_cache=black_cache,
    )
    return made
