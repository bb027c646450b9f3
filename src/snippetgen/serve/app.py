"""The ASGI app: the JSON API under /v1/, the reference panel page at /, the API docs.

    from snippetgen.serve import ServiceSettings, create_app
    app = create_app(ServiceSettings())      # any ASGI server can run it

Every /v1/ route is a few lines around one public library call; the request
and response bodies are the library's pydantic models, so /openapi.json and
/v1/schema/panel come from them.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ValidationError

from .. import Panel, Snippet, SnippetError
from ..render import missing_values
from . import contract, page, rendering
from .guard import BodyLimit, HostAllowList, TokenGuard
from .models import PanelRequest, SnippetRequest, error_entries, panel_schema, submitted_keys
from .page_routes import NO_STORE, page_routes
from .settings import ServiceSettings

API_PREFIX = "/v1/"
# A space the model accepts can still hold values no snippet can write, such as a
# Box bound beyond its dtype's range: that is bad input (422), not a server fault.
_UNWRITABLE = (ValueError, ArithmeticError)
_Body = TypeVar("_Body", bound=BaseModel)
UNWRITABLE = "its spaces hold values a snippet cannot write (is a bound outside its dtype's range?)"


class InvalidInput(Exception):
    """A 422 whose entries name the bad fields; `secrets` never appear in the answer."""

    def __init__(self, errors: list[dict[str, Any]], secrets: list[str]):
        self.errors = errors
        self.secrets = secrets


# ---------------------------------------------------------------- the app


def create_app(settings: ServiceSettings | None = None, *, sandbox: Any = None) -> FastAPI:
    """The service. `sandbox`: a running Sandbox whose deployments the page lists.

    With `settings.sandbox` and no `sandbox` given, the app starts its own on
    startup and stops it on shutdown.
    """
    settings = settings or ServiceSettings()
    owned = None
    if sandbox is None and settings.sandbox:
        from ..sandbox import Sandbox

        sandbox = owned = Sandbox(page.reference_deployments())
    rows = page.Rows(sandbox)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if owned is not None:
            owned.start()
        try:
            yield
        finally:
            if owned is not None:
                owned.stop()

    app = FastAPI(
        title="snippetgen",
        summary="The copy-paste code that calls a deployed Arena agent, as JSON.",
        description=(
            "Panels carry the real API key in their copied code: run this service "
            "behind the dashboard's own authentication."
        ),
        version=_version(),
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.rows = rows
    # The last added runs first: the Host, then the token, are checked before any byte
    # of the body is read.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if settings.token is not None:
        app.add_middleware(TokenGuard, token=settings.token.get_secret_value())
    app.add_middleware(HostAllowList, allowed_hosts=settings.hosts)

    _exception_handlers(app)
    app.include_router(_api(settings))
    page_routes(app, rows, settings)
    _docs(app)
    _contract(app, token=settings.token is not None)
    app.state.request_schemas = contract.RequestSchemas(app.openapi())
    return app


def _contract(app: FastAPI, *, token: bool) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = contract.tighten(build(), token=token)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_environment() -> FastAPI:
    """The factory worker processes call (`--workers N`): settings from SNIPPETGEN_SERVICE_*."""
    return create_app(ServiceSettings.load(os.environ))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("snippetgen")
    except PackageNotFoundError:
        return "0"


_JSON_TYPES = ("application/json",)


async def _checked_body(
    request: Request, model: type[_Body], path: str, first: Callable[[BaseModel], None] | None = None
) -> _Body:
    """The body as JSON, validated by the model and then by the schema the OpenAPI
    document states for it (so `1` is no boolean, as the document says)."""
    raw = await request.body()
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        error = {"type": "model_attributes_type", "loc": ("body",), "msg": "the body must be a JSON object"}
        raise RequestValidationError([error], body=None)
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        error = {"type": "json_invalid", "loc": ("body",), "msg": "the body is not valid JSON"}
        raise RequestValidationError([error], body=None) from None
    try:
        body = model.model_validate(parsed)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_input=False)]
        raise RequestValidationError(errors, body=parsed) from None
    if first is not None:
        first(body)
    schemas: contract.RequestSchemas = request.app.state.request_schemas
    errors = schemas.errors(path, parsed)
    if errors:
        raise RequestValidationError(errors, body=parsed)
    return body


async def _panel_body(request: Request) -> PanelRequest:
    return await _checked_body(request, PanelRequest, "/v1/panel")


async def _snippet_body(request: Request) -> SnippetRequest:
    body = await _checked_body(request, SnippetRequest, "/v1/snippet", first=_needs_values)
    return body


def _needs_values(body: BaseModel) -> None:
    # The library's own words for the rule the schema states as key_display/endpoint/api_key.
    assert isinstance(body, SnippetRequest)
    reason = missing_values(body.deployment, body.key_display)
    if reason:
        raise _invalid("deployment", reason, body)


def _api(settings: ServiceSettings) -> APIRouter:
    # With a token, the docs show the Bearer scheme; TokenGuard enforces it.
    security = [Depends(HTTPBearer(auto_error=False))] if settings.token is not None else []
    router = APIRouter(prefix="/v1", tags=["panels"], dependencies=security)
    invalid: dict[int | str, dict[str, Any]] = {
        422: {"description": "Invalid input: each entry names a field (never echoing its value)."}
    }

    @router.post("/panel", response_model=Panel, responses=invalid, summary="Render a whole panel")
    def panel(body: Annotated[PanelRequest, Depends(_panel_body)]) -> Response:
        """Exactly `render_panel(Deployment(**deployment), profile=..., key_display=...)`."""
        try:
            result = rendering.panel(body.deployment, profile=body.profile, key_display=body.key_display)
        except SnippetError as exc:
            raise _invalid("deployment", exc, body) from None
        except _UNWRITABLE:
            raise _invalid("deployment", UNWRITABLE, body) from None
        return Response(result.model_dump_json(), media_type="application/json", headers=NO_STORE)

    @router.post("/snippet", response_model=Snippet, responses=invalid, summary="Render one snippet")
    def snippet(body: Annotated[SnippetRequest, Depends(_snippet_body)]) -> Response:
        """Exactly `render_snippet(Deployment(**deployment), tab, language=..., variant=...,
        profile=..., key_display=...)`."""
        try:
            result = rendering.snippet(
                body.deployment,
                body.tab,
                language=body.language,
                variant=body.variant,
                profile=body.profile,
                key_display=body.key_display,
            )
        except SnippetError as exc:
            raise _invalid("deployment", exc, body) from None
        except _UNWRITABLE:
            raise _invalid("deployment", UNWRITABLE, body) from None
        return Response(result.model_dump_json(), media_type="application/json", headers=NO_STORE)

    @router.get("/schema/panel", summary="The Panel JSON schema")
    def schema() -> dict[str, Any]:
        """The JSON schema of the panel `POST /v1/panel` answers (`python -m snippetgen schema`)."""
        return panel_schema()

    return router


def _invalid(field: str, exc: Exception | str, body: PanelRequest) -> InvalidInput:
    key = body.deployment.api_key
    error = {"type": "value_error", "loc": ("body", field), "msg": str(exc)}
    return InvalidInput([error], [key.get_secret_value()] if key else [])


def _exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _unprocessable(exc.errors(), submitted_keys(exc.body))

    @app.exception_handler(InvalidInput)
    async def invalid_input(request: Request, exc: InvalidInput) -> JSONResponse:
        return _unprocessable(exc.errors, exc.secrets)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Never the exception text: it might quote the input.
        return JSONResponse({"detail": "internal error"}, status_code=500)


def _unprocessable(errors, secrets: list[str]) -> JSONResponse:
    return JSONResponse({"detail": error_entries(errors, secrets)}, status_code=422)


# ---------------------------------------------------------------- API docs


def _docs(app: FastAPI) -> None:
    """Swagger UI from the swagger-ui-bundle package: no CDN."""
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

    app.mount("/docs/assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        base = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=base + (app.openapi_url or "/openapi.json"),
            title="snippetgen API",
            swagger_js_url=f"{base}/docs/assets/swagger-ui-bundle.js",
            swagger_css_url=f"{base}/docs/assets/swagger-ui.css",
            swagger_favicon_url=f"{base}/docs/assets/favicon-32x32.png",
            # No badge fetched from the public validator.
            swagger_ui_parameters={"validatorUrl": None},
        )
