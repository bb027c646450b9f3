"""The service's request bodies, the Panel schema, and error bodies that never hold the key.

Nothing here imports the web framework, so `python -m snippetgen schema` works
without the serve extra.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from .. import Deployment, KeyDisplay, Panel, rule_table
from ..languages import LanguageId
from ..rules import DEFAULT_VARIANT, TabId
from ..spaces import MAX_AGENTS, MAX_ELEMENTS

# Example observations, masks and per-agent values are built as arrays and
# written into the snippets: a space of a billion elements would exhaust memory
# (and make a snippet nobody can paste), so the service refuses it up front.
MAX_SPACE_ELEMENTS = MAX_ELEMENTS  # the library's own budget, refused here from the raw JSON
MAX_SPACE_DEPTH = 16
MAX_PROFILE_LENGTH = 100
LIMIT_ERROR = "service_limit"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
REDACTED = "[redacted]"
MIN_REDACTED_LENGTH = 4


def panel_schema() -> dict[str, Any]:
    """The JSON schema of the Panel a dashboard receives (`model_dump_json()`)."""
    return Panel.model_json_schema(mode="serialization")


# ---------------------------------------------------------------- size budget


class _TooDeep(ValueError):
    pass


def _elements(space: Any, depth: int = 0) -> int:
    """Elements the example value (and mask) of a raw JSON space would hold.

    Malformed parts count as nothing: the Deployment model reports them.
    """
    if depth > MAX_SPACE_DEPTH:
        raise _TooDeep(f"spaces nest deeper than {MAX_SPACE_DEPTH} levels")
    if not isinstance(space, Mapping):
        return 0
    kind = space.get("type")
    if kind == "Box":
        return _product(space.get("shape"))
    if kind == "Discrete":
        n = space.get("n")
        return n if isinstance(n, int) and n > 0 else 1
    if kind == "MultiDiscrete":
        nvec = space.get("nvec")
        return len(nvec) if isinstance(nvec, Sequence) else 0
    if kind == "MultiBinary":
        n = space.get("n")
        return n if isinstance(n, int) and n > 0 else _product(n)
    if kind in ("Dict", "Tuple"):
        spaces = space.get("spaces")
        children: Iterable[Any] = ()
        if isinstance(spaces, Mapping):
            children = spaces.values()
        elif isinstance(spaces, Sequence) and not isinstance(spaces, str):
            children = spaces
        return sum(_elements(child, depth + 1) for child in children)
    if "type" not in space:
        # A PettingZoo mapping of agent id to space.
        return sum(_elements(child, depth + 1) for child in space.values())
    return 0


def _product(shape: Any) -> int:
    if not isinstance(shape, Sequence) or isinstance(shape, str):
        return 0
    sizes = [n for n in shape if isinstance(n, int) and not isinstance(n, bool) and n > 0]
    return math.prod(sizes) if len(sizes) == len(shape) else 0


def _numbers(data: Mapping) -> Iterable[tuple[str, float | int]]:
    """Every number in a deployment's JSON, with the top-level field it sits under."""
    stack: list[tuple[str, Any]] = [(str(k), v) for k, v in data.items()]
    while stack:
        field, item = stack.pop()
        if isinstance(item, Mapping):
            stack.extend((field, v) for v in item.values())
        elif isinstance(item, list):
            stack.extend((field, v) for v in item)
        elif isinstance(item, int | float) and not isinstance(item, bool):
            yield field, item


def _refuse(field: str, message: str) -> PydanticCustomError:
    # The field travels in ctx, so the error entry can name it (deployment.<field>).
    return PydanticCustomError(LIMIT_ERROR, "{message}", {"field": field, "message": message})


def _service_limits(data: Any) -> Any:
    """Refuse what the renderer cannot write, before the model builds any array."""
    if not isinstance(data, Mapping):
        return data
    for field, number in _numbers(data):
        if isinstance(number, float) and not math.isfinite(number):
            raise _refuse(field, "numbers must be finite")
        if isinstance(number, int) and not INT64_MIN <= number <= INT64_MAX:
            raise _refuse(field, "integers must fit in 64 bits")
    for field in ("observation_space", "action_space"):
        try:
            count = _elements(data.get(field))
        except _TooDeep as exc:
            raise _refuse(field, str(exc)) from None
        if count > MAX_SPACE_ELEMENTS:
            raise _refuse(
                field,
                f"its example value would hold {count} elements; "
                f"this service renders spaces of at most {MAX_SPACE_ELEMENTS}",
            )
    agents = data.get("agents")
    if isinstance(agents, Sequence) and not isinstance(agents, str) and len(agents) > MAX_AGENTS:
        raise _refuse("agents", f"at most {MAX_AGENTS} agents")
    return data


BoundedDeployment = Annotated[Deployment, BeforeValidator(_service_limits)]


# ---------------------------------------------------------------- request bodies


class PanelRequest(BaseModel):
    """`POST /v1/panel`: one deployment, rendered as `render_panel(...)`."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    deployment: BoundedDeployment
    profile: str = Field("documented", max_length=MAX_PROFILE_LENGTH, description="Client profile.")
    key_display: KeyDisplay = "masked"

    @field_validator("profile")
    @classmethod
    def _profile(cls, profile: str) -> str:
        profiles = rule_table().profiles
        if profile not in profiles:
            # The value is not quoted back: a caller may have put anything there.
            raise ValueError(f"unknown profile; choose one of: {', '.join(profiles)}")
        return profile


class SnippetRequest(PanelRequest):
    """`POST /v1/snippet`: one tab (and language) of one deployment, as `render_snippet(...)`."""

    tab: TabId
    language: LanguageId | None = Field(None, description="Default: the tab's first language.")
    variant: str = Field(
        DEFAULT_VARIANT,
        max_length=MAX_PROFILE_LENGTH,
        description="`request` (one call), or a variant of the tab's snippets such as `stream` (LLM).",
    )

    @field_validator("tab")
    @classmethod
    def _tab(cls, tab: TabId) -> TabId:
        if rule_table().tabs[tab].kind != "code":
            code_tabs = [t for t, rule in rule_table().tabs.items() if rule.kind == "code"]
            raise ValueError(f"{tab} holds no code; choose one of: {', '.join(code_tabs)}")
        return tab

    @field_validator("language")
    @classmethod
    def _language(cls, language: LanguageId | None, info: ValidationInfo) -> LanguageId | None:
        tab = info.data.get("tab")
        if language is None or tab is None:
            return language
        rule = rule_table().tabs[tab]
        if language not in rule.languages:
            raise ValueError(
                f"the {rule.title} tab has no {language} snippet; choose one of: {', '.join(rule.languages)}"
            )
        return language

    @field_validator("variant")
    @classmethod
    def _variant(cls, variant: str, info: ValidationInfo) -> str:
        tab = info.data.get("tab")
        if tab is None:
            return variant
        table = rule_table()
        title = table.tabs[tab].title
        variants = tab_variants(tab)
        if variant not in variants:
            raise ValueError(f"the {title} tab has no such variant; choose one of: {', '.join(variants)}")
        deployment = info.data.get("deployment")
        if deployment is not None and variant not in table.variants_of(deployment.situation, tab):
            situation = table.situations[deployment.situation].title
            choices = ", ".join(table.variants_of(deployment.situation, tab))
            raise ValueError(f"no {variant} variant of the {title} tab for {situation} deployments; "
                             f"choose one of: {choices}")
        return variant


def tab_variants(tab: TabId) -> tuple[str, ...]:
    """The variants a tab's snippets may have, the default first."""
    table = rule_table()
    return (DEFAULT_VARIANT, *(name for name, rule in table.variants.items() if tab in rule.tabs))


# ---------------------------------------------------------------- error bodies


def submitted_keys(body: Any) -> list[str]:
    """Every string sent under an `api_key` field, at any depth of a request body."""
    found: list[str] = []
    stack = [body]
    while stack and len(found) < 64:
        item = stack.pop()
        if isinstance(item, Mapping):
            for key, value in item.items():
                if key == "api_key" and isinstance(value, str) and value:
                    found.append(value)
                elif isinstance(value, Mapping | list):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(v for v in item if isinstance(v, Mapping | list))
    return found


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        # A key of a few characters is no secret, and would garble every message.
        if len(secret) >= MIN_REDACTED_LENGTH:
            text = text.replace(secret, REDACTED)
    return text


# pydantic's names for its own validators in a location ("tagged-union[...]",
# "function-after[...]"): noise in a field path.
_INTERNAL = re.compile(r"[a-z][a-z-]*\[.*\]")


def error_entries(errors: Iterable[Mapping[str, Any]], secrets: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Validation errors as `{"loc", "field", "msg", "type"}`: never the submitted input.

    pydantic's own entries carry `input` (the submitted value, which may be the
    key) and `ctx`; both are dropped, and any submitted key that shows up in a
    location or a message anyway (as a dict key, or quoted by a validator) is
    replaced by "[redacted]".
    """
    secrets = [s for s in secrets if s]
    entries = []
    for error in errors:
        raw_loc = list(error.get("loc", ()))
        if error.get("type") == LIMIT_ERROR:
            raw_loc.append(error["ctx"]["field"])
        loc = [item if isinstance(item, int) else redact(str(item), secrets) for item in raw_loc]
        inside = loc[1:] if loc[:1] == ["body"] else loc
        path = [item for item in inside if not _INTERNAL.fullmatch(str(item))]
        field = ".".join(str(item) for item in path)
        message = redact(str(error.get("msg", "invalid")), secrets).removeprefix("Value error, ")
        entries.append({"loc": loc, "field": field or "body", "msg": message, "type": error.get("type", "")})
    return entries
