"""An `arena-snippet` block: its YAML body read, checked, and rendered into tabs.

Rendering goes through `snippetgen.render_panel`, the dashboard's own entry
point, in placeholder mode: a docs directive never holds a real key or endpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from snippetgen import (
    ClassificationError,
    Deployment,
    Placeholders,
    RuleTableError,
    SnippetError,
    Tab,
    render_panel,
)
from snippetgen.examples import example
from snippetgen.rules import rule_table

from .markdown import Style

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

    from snippetgen.rules import Situation

# Facts about the environment travel together: a directive that names any of
# them replaces the built-in example's set, so a CartPole space never ends up
# beside another env's id.
ENV_FIELDS = (
    "env_id",
    "observation_space",
    "action_space",
    "agents",
    "action_mask",
    "env_defined_actions",
)
_SECRET_KEYS = {"api_key", "endpoint", "key", "token"}


class DirectiveError(Exception):
    """What is wrong with a directive, and where: a body line (0-based) or the key at fault."""

    def __init__(self, message: str, body_line: int | None = None, *, key: str | None = None):
        super().__init__(message)
        self.message = message
        self.body_line = body_line
        self.key = key


class Directive(BaseModel):
    """The YAML body of an `arena-snippet` block."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    situation: str | None = None
    algorithm: str | None = None
    env_type: str | None = None
    tabs: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None
    profile: str | None = None
    style: Style | None = None
    name: str | None = None
    env_id: str | None = None
    observation_space: dict | None = None
    action_space: dict | None = None
    agents: tuple[str, ...] | None = None
    action_mask: bool | None = None
    env_defined_actions: bool | None = None

    @field_validator("tabs", "languages", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        return [value] if isinstance(value, str) else value

    @field_validator("situation")
    @classmethod
    def _situation(cls, value):
        return known_id("situation", value, rule_table().situations)

    @field_validator("profile")
    @classmethod
    def _profile(cls, value):
        return known_id("profile", value, rule_table().profiles)

    @field_validator("tabs")
    @classmethod
    def _tabs(cls, value):
        for tab in value or ():
            known_id("tab", tab, rule_table().tabs)
        return value

    @field_validator("languages")
    @classmethod
    def _languages(cls, value):
        for language in value or ():
            known_id("language", language, all_languages())
        return value


def all_languages() -> list[str]:
    """Every snippet language of the rule table, in first-seen order."""
    seen: dict[str, None] = {}
    for tab in rule_table().tabs.values():
        seen.update(dict.fromkeys(tab.languages))
    return list(seen)


def known_id(what: str, value, known) -> str:
    if value is not None and value not in known:
        raise ValueError(f"unknown {what} {value!r}; choose one of: {', '.join(known)}")
    return value


# ---------------------------------------------------------------- reading


def parse(body: str) -> tuple[Directive, dict[str, int]]:
    """The directive, and the body line (0-based) of each top-level key."""
    import yaml  # only pages with a block pay for it

    def invalid(exc: yaml.YAMLError) -> DirectiveError:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return DirectiveError(f"invalid YAML: {problem}", mark.line if mark else None)

    # One pass: the node tree gives each key's line, and the same tree becomes the data.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(body)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise invalid(exc) from None
        if node is None:
            raise DirectiveError("empty arena-snippet block; write at least `situation: gym`", 0)
        if not isinstance(node, yaml.MappingNode):
            raise DirectiveError(
                "an arena-snippet block holds `key: value` lines, like `situation: gym`",
                node.start_mark.line,
            )
        lines: dict[str, int] = {}
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise DirectiveError("a key must be a plain word, like `situation`", key.start_mark.line)
            if key.value in lines:
                raise DirectiveError(f"duplicate key {key.value!r}", key.start_mark.line)
            lines[key.value] = key.start_mark.line
        try:
            data = loader.construct_document(node)
        except yaml.YAMLError as exc:
            raise invalid(exc) from None
    finally:
        loader.dispose()
    for key in data:
        if key in _SECRET_KEYS:
            raise DirectiveError(
                f"{key!r} does not belong in a docs page: pages show placeholders, "
                "set in the site's options under `placeholders`",
                lines.get(str(key)),
            )
    try:
        return Directive.model_validate(data), lines
    except ValidationError as exc:
        raise located(exc, lines, known=list(Directive.model_fields)) from None


def located(exc: ValidationError, lines: dict[str, int], known: list[str]) -> DirectiveError:
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
    if first is None:
        first = next((lines[k] for k in ("algorithm", "situation") if k in lines), None)
    return DirectiveError("; ".join(problems), first)


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
    return [
        error
        for (field, branch), group in branches.items()
        if best[field][1] == branch
        for error in group
    ]


# ---------------------------------------------------------------- rendering


@dataclass(frozen=True)
class Settings:
    """Site-wide defaults a directive can override (plugin options or fence options)."""

    profile: str = "documented"
    # Empty: every tab the situation has.
    tabs: tuple[str, ...] = ()
    placeholders: Placeholders = dataclass_field(default_factory=Placeholders)
    style: Style = "auto"
    heading_level: int = 4


def deployment(directive: Directive) -> Deployment:
    """A placeholder deployment: the situation's built-in example, no key, no endpoint."""
    if directive.situation and (directive.algorithm or directive.env_type):
        raise DirectiveError(
            "give either `situation:` or `algorithm:` + `env_type:`, not both", key="situation"
        )
    overrides: dict[str, Any] = {"endpoint": None, "api_key": None}
    if directive.name is not None:
        overrides["name"] = directive.name
    given = directive.model_fields_set
    if any(field in given for field in ENV_FIELDS):
        for field in ENV_FIELDS:
            value = getattr(directive, field)
            overrides[field] = Deployment.model_fields[field].default if value is None else value
    situation: Situation
    if directive.situation:
        situation = cast("Situation", directive.situation)  # checked by the model
    elif directive.algorithm and directive.env_type:
        overrides["algorithm"] = directive.algorithm
        overrides["env_type"] = directive.env_type
        situation = _classified(directive.algorithm, directive.env_type)
    else:
        raise DirectiveError("say which snippets: `situation:` (or `algorithm:` + `env_type:`)")
    return example(situation, **overrides)


def _classified(algorithm: str, env_type: str) -> Situation:
    # A bare deployment just to classify: Deployment validates env_type and the pair.
    return Deployment(name="x", algorithm=algorithm, env_type=cast(Any, env_type)).situation


def render(directive: Directive, settings: Settings) -> list[Tab]:
    """The panel's tabs that the directive asks for, each with the snippets asked for."""
    placeholders = settings.placeholders
    if directive.name is not None:
        placeholders = placeholders.model_copy(update={"name": directive.name})
    panel = render_panel(
        deployment(directive),
        profile=directive.profile or settings.profile,
        key_display="placeholders",
        placeholders=placeholders,
    )
    return _select(directive, settings, panel.tabs, panel.situation)


def _select(directive: Directive, settings: Settings, tabs: list[Tab], situation: str) -> list[Tab]:
    have = {tab.id: tab for tab in tabs}
    explicit = directive.tabs is not None
    wanted = directive.tabs if directive.tabs is not None else settings.tabs or tuple(have)
    if explicit:
        for tab_id in wanted:
            if tab_id not in have:
                raise DirectiveError(
                    f"tab {tab_id!r} is not shown for situation {situation!r}; "
                    f"it has: {', '.join(have)}",
                    key="tabs",
                )
    languages = directive.languages
    chosen = []
    for tab in tabs:  # the page's order, whatever order `tabs:` lists
        if tab.id not in wanted:
            continue
        if languages is None:
            chosen.append(tab)
            continue
        if not tab.snippets:
            # Settings, not code: shown with `languages:` only when asked for by name.
            if explicit:
                chosen.append(tab)
            continue
        snippets = [s for s in tab.snippets if s.language in languages]
        if snippets:
            chosen.append(tab.model_copy(update={"snippets": snippets}))
        elif explicit:
            raise DirectiveError(
                f"tab {tab.id!r} has no snippet in {', '.join(languages)}; "
                f"it has: {', '.join(s.language for s in tab.snippets)}",
                key="languages",
            )
    if not chosen:
        raise DirectiveError(
            f"nothing to show: no tab of situation {situation!r} matches "
            f"tabs {list(wanted)} and languages {list(languages or [])}",
            key="languages" if languages else "tabs",
        )
    return chosen


def render_located(
    body: str, settings: Settings, check: Callable[[Directive], None] | None = None
) -> tuple[Directive, list[Tab]]:
    """parse, `check`, render; every failure a DirectiveError with a line when one is known."""
    try:
        directive, lines = parse(body)
    except RuleTableError as exc:
        raise DirectiveError(str(exc)) from None
    try:
        if check is not None:
            check(directive)
        return directive, render(directive, settings)
    except DirectiveError as exc:
        if exc.body_line is None:
            exc.body_line = lines.get(exc.key) if exc.key else None
        raise
    except ValidationError as exc:
        raise located(exc, lines, known=list(Directive.model_fields)) from None
    except (ClassificationError, SnippetError, RuleTableError) as exc:
        raise DirectiveError(str(exc), _line_of(lines, "algorithm", "situation")) from None


def _line_of(lines: dict[str, int], *keys: str) -> int | None:
    for key in keys:
        if key in lines:
            return lines[key]
    return None
