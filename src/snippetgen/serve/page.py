"""The reference "Invoke an agent" page: agent rows, and each row's expanded panel as HTML.

The HTML only ever holds what the panel shows (masked key, shown code); the
values the copy icons copy are fetched from the service on click.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from .. import Deployment, Panel, Snippet, rule_table
from ..examples import example_deployment, examples
from ..languages import LANGUAGES
from ..rules import DEFAULT_VARIANT
from .rendering import panel as render_panel

if TYPE_CHECKING:
    from ..sandbox import Sandbox

PAGE_DIR = Path(__file__).parent / "page"
STATIC_DIR = Path(__file__).parent / "static"
PAGE_TITLES = {"classic_rl": "Classic RL", "advanced_training": "Advanced Training"}
_HIGHLIGHT_CLASS = "highlight"


def reference_deployments() -> list[Deployment]:
    """The page's rows: one example per situation, then rows that do not expand."""
    host = "https://arena.example.com/deployments"

    def not_ready(situation, name: str, **fields) -> Deployment:
        key = f"example-key-{name}-0000"
        return example_deployment(situation, name=name, endpoint=f"{host}/{name}", api_key=key, **fields)

    return [
        *examples(),
        not_ready("gym", "lunar-dqn-offline", algorithm="DQN", connected=False),
        not_ready("llm", "chat-dpo-pending", algorithm="DPO", status="Pending"),
        not_ready("supervised", "digits-failed", status="Failed"),
    ]


class Rows:
    """The agent rows the page lists: the built-in examples, or the sandbox's live deployments."""

    def __init__(self, sandbox: Sandbox | None = None):
        self.sandbox = sandbox
        self._fixed = None if sandbox is not None else reference_deployments()

    @property
    def live(self) -> bool:
        return self.sandbox is not None

    def all(self) -> list[Deployment]:
        if self.sandbox is not None:
            return self.sandbox.deployments
        assert self._fixed is not None
        return list(self._fixed)

    def get(self, index: int) -> Deployment:
        rows = self.all()
        if not 0 <= index < len(rows):
            raise LookupError(index)
        return rows[index]


# ---------------------------------------------------------------- highlighting


@lru_cache(maxsize=512)
def highlight(code: str, language: str) -> str:
    """HTML of the code with pygments' CSS classes (escaped; masked code only)."""
    from pygments import highlight as pygments_highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name

    return pygments_highlight(code, get_lexer_by_name(LANGUAGES[language].lexer), HtmlFormatter(nowrap=True))


@cache
def highlight_css() -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(f".{_HIGHLIGHT_CLASS}")


# ---------------------------------------------------------------- HTML


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PAGE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        highlight=highlight,
        language_title=lambda language: LANGUAGES[language].title,
        snippet_key=snippet_key,
        snippet_title=snippet_title,
        page_title=PAGE_TITLES.__getitem__,
    )
    return env


def _code_tabs(panel: Panel) -> list[dict[str, Any]]:
    return [
        {"id": tab.id, "title": tab.title, "snippets": tab.snippets}
        for tab in panel.tabs
        if tab.kind == "code"
    ]


def _panel_context(index: int, deployment: Deployment, panel: Panel, live: bool) -> dict[str, Any]:
    chat = next((tab for tab in panel.tabs if tab.kind == "chat"), None)
    return {
        "row": index,
        "deployment": deployment,
        "panel": panel,
        "situation_title": rule_table().situations[panel.situation].title,
        "chat_tab": chat,
        "code_tabs": _code_tabs(panel),
        "live": live,
    }


def panel_fragment(index: int, deployment: Deployment, profile: str, live: bool) -> str:
    """The expanded row of one agent, as the HTML inside its row."""
    panel = render_panel(deployment, profile=profile)
    template = _environment().get_template("panel.html.jinja")
    return template.render(_panel_context(index, deployment, panel, live))


def page(rows: Rows, profile: str, *, base: str = "") -> str:
    """The whole page; `base` is the path the app is served under ("" at the root)."""
    deployments = rows.all()
    items = [
        {
            "fragment": panel_fragment(i, d, profile, rows.live),
            "deployment": d,
            "situation_title": rule_table().situations[d.situation].title,
        }
        for i, d in enumerate(deployments)
    ]
    template = _environment().get_template("index.html.jinja")
    return template.render(
        rows=items,
        live=rows.live,
        profile=profile,
        profiles=list(rule_table().profiles.items()),
        base=base,
    )


def sign_in(*, base: str = "", message: str = "") -> str:
    """The one-field form that signs the page in when the service has a token."""
    return _environment().get_template("sign_in.html.jinja").render(base=base, message=message)


def snippet_of(panel: Panel, tab: str, language: str, variant: str = DEFAULT_VARIANT) -> Snippet | None:
    for panel_tab in panel.tabs:
        if panel_tab.id == tab:
            found = (s for s in panel_tab.snippets if (s.language, s.variant) == (language, variant))
            return next(found, None)
    return None


def snippet_key(snippet: Snippet) -> str:
    """The snippet's id within its tab: its language, and its variant beyond the default."""
    return snippet.language if snippet.variant == DEFAULT_VARIANT else f"{snippet.language}-{snippet.variant}"


def snippet_title(snippet: Snippet) -> str:
    """`Python`, or `Python (Stream)` for a variant (its title in rules.toml), as docs blocks say."""
    title = LANGUAGES[snippet.language].title
    if snippet.variant == DEFAULT_VARIANT:
        return title
    return f"{title} ({rule_table().variants[snippet.variant].title})"


def copy_text(deployment: Deployment, profile: str, *, component: str | None, tab: str | None,
              language: str | None, variant: str = DEFAULT_VARIANT) -> str | None:
    """What a copy icon copies: a component's value or a snippet's copied code."""
    panel = render_panel(deployment, profile=profile)
    if component is not None:
        found = next((c for c in panel.components if c.id == component), None)
        return None if found is None else found.copy_value
    if tab is not None and language is not None:
        snippet = snippet_of(panel, tab, language, variant)
        return None if snippet is None else snippet.copy_code
    return None
