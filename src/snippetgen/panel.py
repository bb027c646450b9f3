"""The expanded row of the Agents page: components block, tabs and snippets."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .caches import Memo
from .chat import COMPLETION_FIELD, ROLE_PREFIX, STREAM_ERROR_PREFIX
from .context import GENERATE_PARAMS, KeyDisplay, Placeholders, Request
from .deployment import Deployment
from .render import Snippet, check_profile, missing_values, snippet
from .rules import RuleTable, Situation, TabId, rule_table

STREAM_VARIANT = "stream"
NOT_FOUND = "No deployment found for this agent"
NOT_FOUND_HINT = "Click Connect first or wait until status leaves Pending."
STATUS_WARNING = "Status is {status}: calls may fail until you reconnect."
ROTATE_NOTE = (
    "Rotate deployment API key opens a confirmation dialog; after confirm, "
    "the old key stops working immediately."
)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True, hide_input_in_errors=True)


class Component(_Model):
    """One row of the components block: a value shown, and the value its copy icon copies."""

    id: Literal["api_key", "endpoint"]
    label: str
    use: str
    display: str
    copy_value: str | None = Field(repr=False)


class ChatPlayground(_Model):
    """What the chat playground UI needs to talk to the deployment."""

    generate_url: str
    stream_url: str | None = Field(
        None, description="The deployment's generate_stream URL (one `prompt`, plain-text chunks back)."
    )
    route: str = Field(
        "generate",
        description="The route the playground sends a turn to: `generate_stream` when it streams the reply.",
    )
    api_key: str | None = Field(repr=False, description="None when read from ARENA_API_KEY.")
    user_prefix: str = ROLE_PREFIX["user"]
    assistant_prefix: str = ROLE_PREFIX["assistant"]
    completion_field: str = COMPLETION_FIELD
    stream_error_prefix: str = Field(
        STREAM_ERROR_PREFIX, description="A streamed chunk starting with this is the deployment's error."
    )
    params: dict = GENERATE_PARAMS


class Tab(_Model):
    id: TabId
    title: str
    kind: Literal["code", "chat"] = Field(description="code: snippets; chat: the playground's settings.")
    snippets: list[Snippet] = []
    chat: ChatPlayground | None = None


class Panel(_Model):
    """Everything the expanded row shows. `model_dump_json()` is the dashboard's payload."""

    deployment_name: str
    situation: Situation
    profile: str
    expanded: bool
    message: str | None = None
    hint: str | None = None
    warning: str | None = None
    components: list[Component] = []
    rotate_key_note: str | None = None
    snippets_unavailable: str | None = None
    tabs: list[Tab] = []
    default_tab: TabId | None = None


def _expands(deployment: Deployment) -> bool:
    if deployment.page == "classic_rl":
        return deployment.status == "Deployed" and deployment.connected
    return deployment.status == "Deployed"


def _components(request: Request) -> list[Component]:
    endpoint: str | None
    if request.key_display == "placeholders":
        key_copied: str | None = request.placeholders.api_key
        endpoint = request.placeholders.endpoint
    else:
        key_copied = request.secret_key
        endpoint = request.deployment.endpoint
    return [
        Component(
            id="api_key",
            label="API key",
            use="Bearer token for inference HTTP",
            display=request.shown_key,
            copy_value=key_copied,
        ),
        Component(
            id="endpoint",
            label="Endpoint",
            use="Base URL for the deployment; the Manual HTTP snippet adds the path suffix",
            display=endpoint or "",
            copy_value=endpoint,
        ),
    ]


def _chat(request: Request, route: str, stream_route: str | None) -> ChatPlayground:
    endpoint: str | None
    key: str | None
    if request.key_display == "placeholders":
        endpoint, key = request.placeholders.endpoint, request.placeholders.api_key
    else:
        endpoint = request.deployment.endpoint
        key = request.secret_key if request.key_display == "masked" else None
    return ChatPlayground(
        generate_url=f"{endpoint}/{route}",
        stream_url=f"{endpoint}/{stream_route}" if stream_route else None,
        route=stream_route or route,
        api_key=key,
    )


def _stream_route(table: RuleTable, situation: Situation) -> str | None:
    """The route of the situation's stream variant, which the playground streams from."""
    rule = table.variants.get(STREAM_VARIANT)
    return table.suffix(situation, STREAM_VARIANT) if rule and situation in rule.situations else None


PANEL_CACHE_BYTES = 32 << 20
"""Whole panels, up to ~100 KB each: a few hundred recent rows answered from memory."""


class _PanelCache:
    """Panels by request key, for one rule table (a reloaded table starts afresh)."""

    def __init__(self) -> None:
        self.table: RuleTable | None = None
        self.memo = Memo(PANEL_CACHE_BYTES)

    def current(self) -> Memo:
        table = rule_table()
        if table is not self.table:
            self.table, self.memo = table, Memo(PANEL_CACHE_BYTES)
        return self.memo


panels = _PanelCache()


def render_panel(
    deployment: Deployment,
    *,
    profile: str = "documented",
    key_display: KeyDisplay = "masked",
    placeholders: Placeholders | None = None,
    prompt: str | None = None,
    black_cache: bool = True,
) -> Panel:
    """Render the whole "Invoke an agent" panel for one deployment row.

    An identical request again returns the same Panel object from memory (keys
    never leave memory), so treat it as read-only. `black_cache=False` renders
    every snippet the naive way; see `render_snippet`.
    """
    request = Request(
        deployment, profile=profile, key_display=key_display, placeholders=placeholders, prompt=prompt
    )
    memo = panels.current()
    if black_cache:
        found = memo.get(request.key)
        if found is not None:
            return found
    panel = _panel(request, rule_table(), black_cache)
    if black_cache:
        memo.put(request.key, panel)
    return panel


def _panel(request: Request, table: RuleTable, black_cache: bool) -> Panel:
    deployment, key_display = request.deployment, request.key_display
    check_profile(request.profile)
    situation = deployment.situation
    base = {"deployment_name": deployment.name, "situation": situation, "profile": request.profile}
    warning = None
    if deployment.status in ("Pending", "Failed"):
        warning = STATUS_WARNING.format(status=deployment.status)
    if key_display != "placeholders" and not _expands(deployment):
        return Panel(**base, expanded=False, message=NOT_FOUND, hint=NOT_FOUND_HINT, warning=warning)

    reason = missing_values(deployment, key_display)
    tabs = []
    for tab_id, rule in table.tabs.items():
        if not rule.applies_to(situation):
            continue
        if rule.kind == "chat":
            route = table.situations[situation].suffix
            chat = None if reason else _chat(request, route, _stream_route(table, situation))
            tabs.append(Tab(id=tab_id, title=rule.title, kind="chat", chat=chat))
            continue
        snippets = []
        if not reason:
            # The one-shot snippets, then each variant's (the LLM stream), in language order.
            snippets = [
                snippet(request, tab_id, language, variant, black_cache=black_cache, remember=False)
                for variant in table.variants_of(situation, tab_id)
                for language in rule.languages
            ]
        tabs.append(Tab(id=tab_id, title=rule.title, kind="code", snippets=snippets))
    return Panel(
        **base,
        expanded=True,
        warning=warning,
        components=_components(request),
        rotate_key_note=ROTATE_NOTE,
        snippets_unavailable=reason,
        tabs=tabs,
        default_tab=tabs[0].id,
    )
