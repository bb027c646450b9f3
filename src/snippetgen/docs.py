"""The docs renderer every docs front-end shares: the superfences fence (Zensical, MkDocs), the
MkDocs plugin and the Sphinx extension.

A block's YAML body is parsed into one model (`Block`), rendered through `render_panel` in
placeholder mode (a docs block never holds a real key), and returned as a neutral view (`Rendered`:
tabs, snippets with title, lexer, code, install and run hints, chat settings as text runs) that each
front-end writes as its own markup. Anything wrong is a BlockError with the block line (0-based) of
the key at fault. Here, not in snippetgen_mkdocs, so the Sphinx extension runs without MkDocs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from .classify import ClassificationError
from .deployment import Deployment
from .examples import example_deployment
from .languages import LANGUAGES
from .panel import Tab, render_panel
from .render import Placeholders, SnippetError
from .rules import DEFAULT_VARIANT, RuleTableError, rule_table

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

    from .panel import ChatPlayground
    from .render import Snippet
    from .rules import Situation

# How a block is written: content tabs, headings and code blocks, or tabs when the site can.
Style = Literal["auto", "tabbed", "plain"]
# Facts about the environment travel together: a block naming any of them replaces the
# built-in example's set, so a CartPole space never ends up beside another env's id.
ENV_FIELDS = ("env_id", "observation_space", "action_space", "agents", "action_mask", "env_defined_actions")
_SECRET_KEYS = {"api_key", "endpoint", "key", "token"}


def _known(what: str, ids: Callable[[], Iterable[str]]) -> AfterValidator:
    def check(value: str) -> str:
        if value not in (known := list(ids())):
            raise ValueError(f"unknown {what} {value!r}; choose one of: {', '.join(known)}")
        return value

    return AfterValidator(check)


def all_languages() -> list[str]:
    """Every snippet language of the rule table, in first-seen order."""
    return list(dict.fromkeys(lang for tab in rule_table().tabs.values() for lang in tab.languages))


_one_or_many = BeforeValidator(lambda value: [value] if isinstance(value, str) else value)
ProfileId = Annotated[str, _known("profile", lambda: rule_table().profiles)]
SituationId = Annotated[str, _known("situation", lambda: rule_table().situations)]
TabIds = Annotated[tuple[Annotated[str, _known("tab", lambda: rule_table().tabs)], ...], _one_or_many]
LanguageIds = Annotated[tuple[Annotated[str, _known("language", all_languages)], ...], _one_or_many]
# `both`: each snippet, then its other variants (a stream beside its one-shot request).
VariantId = Annotated[str, _known("variant", lambda: [DEFAULT_VARIANT, *rule_table().variants, "both"])]


class SiteOptions(BaseModel):
    """A site's defaults, which a block can override. `tabs` empty: every tab of the situation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile: ProfileId = "documented"
    tabs: TabIds = ()
    placeholders: Placeholders = Field(default_factory=Placeholders)
    style: Style = "auto"
    heading_level: int = Field(default=4, ge=1, le=6)


class Block(BaseModel):
    """The YAML body of an `arena-snippet` block."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    situation: SituationId | None = None
    algorithm: str | None = None
    env_type: str | None = None
    tabs: TabIds | None = None
    languages: LanguageIds | None = None
    variant: VariantId | None = None
    profile: ProfileId | None = None
    style: Style | None = None
    name: str | None = None
    env_id: str | None = None
    observation_space: dict | None = None
    action_space: dict | None = None
    agents: tuple[str, ...] | None = None
    action_mask: bool | None = None
    env_defined_actions: bool | None = None


class BlockError(Exception):
    """What is wrong with a block, and where: a body line (0-based) or the key at fault."""

    def __init__(self, message: str, line: int | None = None, *, key: str | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.key = key


def site_options(options: Mapping[str, Any], where: str) -> SiteOptions:
    """SiteOptions from a front-end's settings; a bad one is a BlockError naming `where` and the option."""
    try:
        return SiteOptions.model_validate(dict(options))
    except ValidationError as exc:
        raise BlockError(
            f"{where}: {located(exc, {}, known=list(SiteOptions.model_fields)).message}"
        ) from None


# ---------------------------------------------------------------- the neutral view

Text = tuple[tuple[str, bool], ...]
"""Runs of (text, is code): a line a front-end writes with its own code spans."""


@dataclass(frozen=True)
class SnippetView:
    """A snippet: its language's title (inner tab label or sub-heading), lexer, code (no last newline)."""

    language: str
    label: str
    """The language's title, with the variant's beside it when not the default: `Python (Stream)`."""
    sync: str
    """What tabs of the same snippet share across a page: the language id, and the variant's."""
    lexer: str
    code: str
    install: str | None
    run: str


@dataclass(frozen=True)
class ChatText:
    """The chat playground's settings as text: a paragraph, then a list."""

    intro: str
    items: tuple[Text, ...]


@dataclass(frozen=True)
class TabView:
    id: str
    title: str
    kind: Literal["code", "chat"]
    snippets: tuple[SnippetView, ...]
    chat: ChatText | None  # a chat tab's settings, shown as text


@dataclass(frozen=True)
class Rendered:
    """Content tabs, or (not tabbed) a heading per tab at `heading_level` and a sub-heading per language."""

    tabbed: bool
    heading_level: int
    tabs: tuple[TabView, ...]


def _snippet(s: Snippet) -> SnippetView:
    declared = LANGUAGES[s.language]
    label, sync = declared.title, s.language
    if s.variant != DEFAULT_VARIANT:
        label, sync = f"{label} ({rule_table().variants[s.variant].title})", f"{sync}-{s.variant}"
    return SnippetView(s.language, label, sync, declared.lexer, s.code.rstrip("\n"), s.install, s.run)


def chat_text(chat: ChatPlayground | None) -> ChatText:
    """What the playground posts, and how it writes turns and reads answers."""
    if chat is None:
        return ChatText("The chat playground needs both API key and Endpoint.", ())
    user, assistant = chat.user_prefix.strip(), chat.assistant_prefix.strip()
    header = "Authorization: Bearer " + (chat.api_key or "$ARENA_API_KEY")
    items: tuple[Text, ...] = (
        (("Generate URL: ", False), (chat.generate_url, True), (", header ", False), (header, True)),
        (
            ("Conversation: one line per turn, starting ", False),
            (user, True),
            (" or ", False),
            (assistant, True),
            (", ending with ", False),
            (assistant, True),
            (" for the model to continue; sent as the single prompt", False),
        ),
        (("Completion: ", False), (chat.completion_field, True), (", the first result row", False)),
        (("Params: ", False), (json.dumps(chat.params), True)),
    )
    return ChatText("The playground posts each turn to the generate path with the deployment API key.", items)


def view(tabs: Sequence[Tab]) -> tuple[TabView, ...]:
    return tuple(
        TabView(
            t.id,
            t.title,
            t.kind,
            tuple(map(_snippet, t.snippets)),
            chat_text(t.chat) if t.kind == "chat" else None,
        )
        for t in tabs
    )


# ---------------------------------------------------------------- parse and render

MARKDOWN_TABS = "markdown_extensions pymdownx.tabbed (alternate_style: true) and pymdownx.superfences"


def needs_tabbed(what: str, tabs_need: str = MARKDOWN_TABS) -> str:
    return f"{what} needs {tabs_need}"


def render_block(
    body: str, options: SiteOptions, *, can_tab: bool, tabs_need: str = MARKDOWN_TABS
) -> Rendered:
    """The block's tabs; BlockError (with the body line when known) for anything wrong with it.
    `tabs_need` says what the site must enable for `style: tabbed`."""
    block, lines = parse(body)
    try:
        if block.style == "tabbed" and not can_tab:
            raise BlockError(needs_tabbed("style: tabbed", tabs_need), key="style")
        style = block.style or options.style
        tabs = view(_select(block, options, *_panel(block, options)))
        return Rendered(style == "tabbed" or (style == "auto" and can_tab), options.heading_level, tabs)
    except BlockError as exc:
        if exc.line is None and exc.key:
            exc.line = lines.get(exc.key)
        raise
    except ValidationError as exc:
        raise located(exc, lines, known=list(Block.model_fields)) from None
    except (ClassificationError, SnippetError, RuleTableError) as exc:
        raise BlockError(str(exc), _line_of(lines, "algorithm", "situation")) from None


def unexpected(exc: Exception) -> str:
    """A bug's message, on one line: a docs build shows this instead of a traceback."""
    return " ".join(f"snippetgen failed on this block: {type(exc).__name__}: {exc}".split())


def parse(body: str) -> tuple[Block, dict[str, int]]:
    """The block, and the body line (0-based) of each top-level key."""
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
        return Block.model_validate(data), lines
    except RuleTableError as exc:
        raise BlockError(str(exc)) from None
    except ValidationError as exc:
        raise located(exc, lines, known=list(Block.model_fields)) from None


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


def deployment(block: Block) -> Deployment:
    """A placeholder deployment: the situation's built-in example, no key, no endpoint."""
    if block.situation and (block.algorithm or block.env_type):
        raise BlockError("give either `situation:` or `algorithm:` + `env_type:`, not both", key="situation")
    overrides: dict[str, Any] = {"endpoint": None, "api_key": None}
    if block.name is not None:
        overrides["name"] = block.name
    if any(field in block.model_fields_set for field in ENV_FIELDS):
        for field in ENV_FIELDS:
            value = getattr(block, field)
            overrides[field] = Deployment.model_fields[field].default if value is None else value
    situation: Situation
    if block.situation:
        situation = cast("Situation", block.situation)  # checked by the model
    elif block.algorithm and block.env_type:
        overrides["algorithm"] = block.algorithm
        overrides["env_type"] = block.env_type
        # A bare deployment just to classify: Deployment validates env_type and the pair.
        bare = Deployment(name="x", algorithm=block.algorithm, env_type=cast(Any, block.env_type))
        situation = bare.situation
    else:
        raise BlockError("say which snippets: `situation:` (or `algorithm:` + `env_type:`)")
    return example_deployment(situation, **overrides)


def _panel(block: Block, options: SiteOptions) -> tuple[list[Tab], str]:
    placeholders = options.placeholders
    if block.name is not None:
        placeholders = placeholders.model_copy(update={"name": block.name})
    profile = block.profile or options.profile
    panel = render_panel(
        deployment(block), profile=profile, key_display="placeholders", placeholders=placeholders
    )
    return panel.tabs, panel.situation


def _select(block: Block, options: SiteOptions, tabs: list[Tab], situation: str) -> list[Tab]:
    """The tabs the block asks for (in the page's order, whatever order `tabs:` lists), with its languages."""
    have = {tab.id: tab for tab in tabs}
    explicit = block.tabs is not None
    wanted = block.tabs if block.tabs is not None else options.tabs or tuple(have)
    if missing := [tab_id for tab_id in wanted if tab_id not in have] if explicit else []:
        shown = f"is not shown for situation {situation!r}; it has: {', '.join(have)}"
        raise BlockError(f"tab {missing[0]!r} {shown}", key="tabs")
    languages = block.languages
    variant = block.variant or DEFAULT_VARIANT
    chosen = []
    for tab in tabs:
        if tab.id not in wanted:
            continue
        if tab.kind == "chat" and (languages is None or explicit):
            # Settings, not code: shown with `languages:` only when asked for by name.
            chosen.append(tab)
            continue
        in_language = [s for s in tab.snippets if languages is None or s.language in languages]
        snippets = [s for s in in_language if variant in ("both", s.variant)]
        if snippets:
            chosen.append(tab.model_copy(update={"snippets": snippets}))
        elif explicit and in_language:
            variants = ", ".join(dict.fromkeys(s.variant for s in in_language))
            raise BlockError(f"tab {tab.id!r} has no {variant!r} snippet; it has: {variants}", key="variant")
        elif explicit and tab.snippets:
            raise BlockError(
                f"tab {tab.id!r} has no snippet in {', '.join(languages or ())}; "
                f"it has: {', '.join(s.language for s in tab.snippets)}",
                key="languages",
            )
    if not chosen:
        raise BlockError(
            f"nothing to show: no tab of situation {situation!r} matches "
            f"tabs {list(wanted)}, languages {list(languages or [])} and variant {variant!r}",
            key="variant" if block.variant else "languages" if languages else "tabs",
        )
    return chosen
