"""`python -m snippetgen serve`: the panels as a JSON service, and a reference panel page.

    from snippetgen.serve import ServiceSettings, create_app
    app = create_app(ServiceSettings())     # an ASGI app (FastAPI); needs snippetgen[serve]

Importing this package does not import the web framework; `create_app` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .settings import ServiceSettings, SettingsError

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["ServiceSettings", "SettingsError", "create_app"]


def create_app(settings: ServiceSettings | None = None, *, sandbox: Any = None) -> FastAPI:
    """The service's ASGI app; see `snippetgen.serve.app.create_app`."""
    from .app import create_app as build

    return build(settings, sandbox=sandbox)
