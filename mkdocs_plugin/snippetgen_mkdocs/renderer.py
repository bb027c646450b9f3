"""The docs renderer: a block's YAML body and the site's options become tabs, or a located error.

Front-end neutral: `render_block` returns plain data a front-end turns into its markup,
or raises BlockError with the body line of the key at fault. It renders through
`snippetgen.render_panel` in placeholder mode: a docs block never holds a real key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel, ConfigDict, ValidationError

from snippetgen import ClassificationError, Deployment, RuleTableError, SnippetError, Tab, render_panel
from snippetgen.examples import example
from snippetgen.languages import LANGUAGES

from .options import LanguageIds, ProfileId, SiteOptions, SituationId, Style, TabIds

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

    from snippetgen import Snippet
    from snippetgen.panel import ChatPlayground
    from snippetgen.rules import Situation

# Facts about the environment travel together: a block naming any of them replaces the
# built-in example's set, so a CartPole space never ends up beside another env's id.
ENV_FIELDS = ("env_id", "observation_space", "action_space", "agents", "action_mask", "env_defined_actions")
_SECRET_KEYS = {"api_key", "endpoint", "key", "token"}
# Inner tab labels (or sub-headings) when a tab holds several languages.


class BlockError(Exception):
    """What is wrong with a block, and where: a body line (0-based) or the key at fault."""

    def __init__(self, message: str, line: int | None = None, *, key: str | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.key = key


class Directive(BaseModel):
    """The YAML body of an `arena-snippet` block."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    situation: SituationId | None = None
    algorithm: str | None = None
    env_type: str | None = None
    tabs: TabIds | None = None
    languages: LanguageIds | None = None
    profile: ProfileId | None = None
    style: Style | None = None
    name: str | None = None
    env_id: str | None = None
    observation_space: dict | None = None
    action_space: dict | None = None
    agents: tuple[str, ...] | None = None
    action_mask: bool | None = None
    env_defined_actions: bool | None = None


@dataclass(frozen=True)
class SnippetView:
    """A snippet: inner tab label (or sub-heading), Pygments lexer (the fence tag), code (no last newline)."""

    language: str
    label: str
    lexer: str
    code: str
    install: str | None
    run: str


@dataclass(frozen=True)
class TabView:
    id: str
    title: str
    snippets: tuple[SnippetView, ...]
    chat: ChatPlayground | None  # settings shown as text, for a tab without code


@dataclass(frozen=True)
class Rendered:
    """Content tabs, or (not tabbed) a heading per tab at `heading_level` and a sub-heading per language."""

    tabbed: bool
    heading_level: int
    tabs: tuple[TabView, ...]


def _snippet(s: Snippet) -> SnippetView:
    declared = LANGUAGES[s.language]
    return SnippetView(s.language, declared.title, declared.lexer, s.code.rstrip("\n"), s.install, s.run)


def view(tabs: Sequence[Tab]) -> tuple[TabView, ...]:
    return tuple(TabView(t.id, t.title, tuple(map(_snippet, t.snippets)), t.chat) for t in tabs)


def needs_tabbed(what: str) -> str:
    extensions = "pymdownx.tabbed (alternate_style: true) and pymdownx.superfences"
    return f"{what} needs markdown_extensions {extensions}"


def render_block(body: str, options: SiteOptions, *, can_tab: bool) -> Rendered:
    """The block's tabs; BlockError (with the body line when known) for anything wrong with it."""
    directive, lines = parse(body)
    try:
        if directive.style == "tabbed" and not can_tab:
            raise BlockError(needs_tabbed("style: tabbed"), key="style")
        style = directive.style or options.style
        tabs = view(_select(directive, options, *_panel(directive, options)))
        return Rendered(style == "tabbed" or (style == "auto" and can_tab), options.heading_level, tabs)
    except BlockError as exc:
        if exc.line is None and exc.key:
            exc.line = lines.get(exc.key)
        raise
    except ValidationError as exc:
        raise located(exc, lines, known=list(Directive.model_fields)) from None
    except (ClassificationError, SnippetError, RuleTableError) as exc:
        raise BlockError(str(exc), _line_of(lines, "algorithm", "situation")) from None


def unexpected(exc: Exception) -> str:
    """A bug's message, on one line: a docs build shows this instead of a traceback."""
    return " ".join(f"snippetgen failed on this block: {type(exc).__name__}: {exc}".split())


def parse(body: str) -> tuple[Directive, dict[str, int]]:
    """The directive, and the body line (0-based) of each top-level key."""
    import yaml  # only pages with a block pay for it

    def invalid(exc: yaml.YAMLError) -> BlockError:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return BlockError(f"invalid YAML: {problem}", mark.line if mark else None)

    # One pass: the node tree gives each key's line, and the same tree becomes the data.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(body)
    try:
        node = loader.get_single_node()
        if node is None:
            raise BlockError("empty arena-snippet block; write at least `situation: gym`", 0)
        if not isinstance(node, yaml.MappingNode):
            what = "an arena-snippet block holds `key: value` lines, like `situation: gym`"
            raise BlockError(what, node.start_mark.line)
        lines: dict[str, int] = {}
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise BlockError("a key must be a plain word, like `situation`", key.start_mark.line)
            if key.value in lines:
                raise BlockError(f"duplicate key {key.value!r}", key.start_mark.line)
            lines[key.value] = key.start_mark.line
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise invalid(exc) from None
    finally:
        loader.dispose()
    if secret := next((key for key in data if key in _SECRET_KEYS), None):
        where = "pages show placeholders, set in the site's options under `placeholders`"
        raise BlockError(f"{secret!r} does not belong in a docs page: {where}", lines.get(str(secret)))
    try:
        return Directive.model_validate(data), lines
    except RuleTableError as exc:
        raise BlockError(str(exc)) from None
    except ValidationError as exc:
        raise located(exc, lines, known=list(Directive.model_fields)) from None


def located(exc: ValidationError, lines: dict[str, int], known: list[str]) -> BlockError:
    """One line per problem, naming the field; located at the first field's key."""
    problems: list[str] = []
    first: int | None = None
    for error in _closest_branch(exc.errors(include_url=False, include_input=False)):
        # Union members show up in loc as `tagged-union[...]`: noise to a docs writer.
        loc = [str(part) for part in error["loc"] if "[" not in str(part)]
        field = loc[0] if loc else None
        if first is None and field in lines:
            first = lines[field]
        if error["type"] == "extra_forbidden":
            if len(loc) > 1:
                problems.append(f"{'.'.join(loc[:-1])}: unknown key {loc[-1]!r}")
            else:
                problems.append(f"unknown key {field!r}; known keys: {', '.join(known)}")
            continue
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "string_type":
            message += " (quote the value in YAML)"
        if field is None:
            # A model-level check names its field at the start of the message.
            named = message.split(":", 1)[0]
            if first is None and named in lines:
                first = lines[named]
        problems.append(f"{'.'.join(loc)}: {message}" if loc else message)
    first = _line_of(lines, "algorithm", "situation") if first is None else first
    return BlockError("; ".join(problems), first)


def _closest_branch(errors: Sequence[ErrorDetails]) -> list[ErrorDetails]:
    """Of a union's failed members, keep the one that got furthest into the value."""
    branches: dict[tuple, list[ErrorDetails]] = {}
    for error in errors:
        loc = [str(part) for part in error["loc"]]
        branch = loc[1] if len(loc) > 1 and "[" in loc[1] else None
        branches.setdefault((loc[0] if loc else None, branch), []).append(error)
    best: dict[object, tuple] = {}
    for (field, branch), group in branches.items():
        # A type mismatch at the top of a member says only "not this member".
        depth = max((len(e["loc"]) for e in group if not e["type"].endswith("_type")), default=0)
        if field not in best or depth > best[field][0]:
            best[field] = (depth, branch)
    return [e for (field, branch), group in branches.items() if best[field][1] == branch for e in group]


def _line_of(lines: dict[str, int], *keys: str) -> int | None:
    return next((lines[key] for key in keys if key in lines), None)


def deployment(directive: Directive) -> Deployment:
    """A placeholder deployment: the situation's built-in example, no key, no endpoint."""
    if directive.situation and (directive.algorithm or directive.env_type):
        raise BlockError("give either `situation:` or `algorithm:` + `env_type:`, not both", key="situation")
    overrides: dict[str, Any] = {"endpoint": None, "api_key": None}
    if directive.name is not None:
        overrides["name"] = directive.name
    if any(field in directive.model_fields_set for field in ENV_FIELDS):
        for field in ENV_FIELDS:
            value = getattr(directive, field)
            overrides[field] = Deployment.model_fields[field].default if value is None else value
    situation: Situation
    if directive.situation:
        situation = cast("Situation", directive.situation)  # checked by the model
    elif directive.algorithm and directive.env_type:
        overrides["algorithm"] = directive.algorithm
        overrides["env_type"] = directive.env_type
        # A bare deployment just to classify: Deployment validates env_type and the pair.
        bare = Deployment(name="x", algorithm=directive.algorithm, env_type=cast(Any, directive.env_type))
        situation = bare.situation
    else:
        raise BlockError("say which snippets: `situation:` (or `algorithm:` + `env_type:`)")
    return example(situation, **overrides)


def _panel(directive: Directive, options: SiteOptions) -> tuple[list[Tab], str]:
    placeholders = options.placeholders
    if directive.name is not None:
        placeholders = placeholders.model_copy(update={"name": directive.name})
    profile = directive.profile or options.profile
    panel = render_panel(
        deployment(directive), profile=profile, key_display="placeholders", placeholders=placeholders
    )
    # A block shows the one-shot snippets until it can ask for a variant.
    one_shot = lambda tab: [s for s in tab.snippets if s.variant == "request"]  # noqa: E731
    tabs = [tab.model_copy(update={"snippets": one_shot(tab)}) for tab in panel.tabs]
    return tabs, panel.situation


def _select(directive: Directive, options: SiteOptions, tabs: list[Tab], situation: str) -> list[Tab]:
    """The tabs the block asks for (in the page's order, whatever order `tabs:` lists), with its languages."""
    have = {tab.id: tab for tab in tabs}
    explicit = directive.tabs is not None
    wanted = directive.tabs if directive.tabs is not None else options.tabs or tuple(have)
    if missing := [tab_id for tab_id in wanted if tab_id not in have] if explicit else []:
        shown = f"is not shown for situation {situation!r}; it has: {', '.join(have)}"
        raise BlockError(f"tab {missing[0]!r} {shown}", key="tabs")
    languages = directive.languages
    chosen = []
    for tab in tabs:
        if tab.id not in wanted:
            continue
        if languages is None or (not tab.snippets and explicit):
            # Settings, not code: shown with `languages:` only when asked for by name.
            chosen.append(tab)
            continue
        snippets = [s for s in tab.snippets if s.language in languages]
        if snippets:
            chosen.append(tab.model_copy(update={"snippets": snippets}))
        elif explicit and tab.snippets:
            raise BlockError(
                f"tab {tab.id!r} has no snippet in {', '.join(languages)}; "
                f"it has: {', '.join(s.language for s in tab.snippets)}",
                key="languages",
            )
    if not chosen:
        raise BlockError(
            f"nothing to show: no tab of situation {situation!r} matches "
            f"tabs {list(wanted)} and languages {list(languages or [])}",
            key="languages" if languages else "tabs",
        )
    return chosen

