"""The library's render calls, one at a time.

Requests are handled in a thread pool. Rendering is CPU-bound, so under the GIL
running renders side by side gains nothing but contention; one at a time keeps
each request's latency close to its render time.
"""

from __future__ import annotations

import threading

from .. import Deployment, KeyDisplay, Panel, Snippet, render_panel, render_snippet
from ..languages import LanguageId
from ..rules import DEFAULT_VARIANT, TabId

_LOCK = threading.Lock()


def panel(deployment: Deployment, *, profile: str, key_display: KeyDisplay = "masked") -> Panel:
    with _LOCK:
        return render_panel(deployment, profile=profile, key_display=key_display)


def snippet(
    deployment: Deployment,
    tab: TabId,
    *,
    language: LanguageId | None,
    profile: str,
    key_display: KeyDisplay,
    variant: str = DEFAULT_VARIANT,
) -> Snippet:
    with _LOCK:
        return render_snippet(
            deployment, tab, language=language, variant=variant, profile=profile, key_display=key_display
        )
