"""The expanded row of the Agents page: components block, tabs and snippets."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .caches import Memo
from .chat import COMPLETION_FIELD, ROLE_PREFIX
from .context import GENERATE_PARAMS, KeyDisplay, Placeholders, Request
from .deployment import Deployment
from .render import Snippet, check_profile, missing_values, snippet
from .rules import RuleTable, Situation, TabId, rule_table

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
    api_key: str | None = Field(repr=False, description="None when read from ARENA_API_KEY.")
    user_prefix: str = ROLE_PREFIX["user"]
    assistant_prefix: str = ROLE_PREFIX["assistant"]
    completion_field: str = COMPLETION_FIELD
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


def _chat(request: Request, route: str) -> ChatPlayground:
    if request.key_display == "placeholders":
        placeholders = request.placeholders
        return ChatPlayground(generate_url=f"{placeholders.endpoint}/{route}", api_key=placeholders.api_key)
    key = request.secret_key if request.key_display == "masked" else None
    return ChatPlayground(generate_url=f"{request.deployment.endpoint}/{route}", api_key=key)


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
            chat = None if reason else _chat(request, table.situations[situation].suffix)
            tabs.append(Tab(id=tab_id, title=rule.title, kind="chat", chat=chat))
            continue
        snippets = []
        if not reason:
            snippets = [
                snippet(request, tab_id, language, black_cache=black_cache) for language in rule.languages
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
