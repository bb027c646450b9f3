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
from urllib.parse import parse_qs

import anyio
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import (
    ChatMessage,
    Panel,
    Snippet,
    SnippetError,
    generate_request,
    read_completion,
    rule_table,
)
from ..render import missing_values
from . import contract, page, rendering, stream
from .guard import LOGIN_PATH, SESSION_COOKIE, HostAllowList, TokenGuard, same_token, session_value
from .models import PanelRequest, SnippetRequest, error_entries, panel_schema, redact, submitted_keys
from .settings import ServiceSettings

API_PREFIX = "/v1/"
# Page requests carry this header: a cross-site form or <img> cannot send it.
PAGE_HEADER = "X-Snippetgen-Page"
# The page is self-contained: scripts, styles and data come from this origin only.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
NO_STORE = {"Cache-Control": "no-store"}
MAX_CHAT_MESSAGES = 100
DRAIN_BYTES = 4 * 1024 * 1024
DRAIN_SECONDS = 1.0
CHAT_TIMEOUT_SECONDS = 30
NOT_LIVE = "the examples are not live deployments: start the service with --sandbox"
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


class _TooLarge(HTTPException):
    def __init__(self, limit: int):
        super().__init__(413, f"the request body is over {limit} bytes")


class BodyLimit:
    """413 for a body over the limit, decided while it is read: never more than the
    limit is held, and a declared Content-Length over it is refused before reading.

    Before answering, up to DRAIN_BYTES more of the body are read and dropped (for at
    most DRAIN_SECONDS), so a client still sending gets the 413 instead of a reset.
    """

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None and not declared.isdigit():
            await JSONResponse({"detail": "invalid Content-Length"}, status_code=400)(scope, receive, send)
            return
        if declared is not None and int(declared) > self.max_bytes:
            if int(declared) <= self.max_bytes + DRAIN_BYTES:
                await _drain(receive)
            detail = _TooLarge(self.max_bytes).detail
            response = JSONResponse({"detail": detail}, status_code=413, headers={"Connection": "close"})
            await response(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    if message.get("more_body", False):
                        await _drain(receive)
                    # An HTTPException: the framework answers it as JSON.
                    raise _TooLarge(self.max_bytes)
            return message

        await self.app(scope, counted, send)


async def _drain(receive: Receive) -> None:
    """Read and drop what is left of a refused body, within DRAIN_BYTES and DRAIN_SECONDS."""
    dropped = 0
    with anyio.move_on_after(DRAIN_SECONDS):
        while dropped <= DRAIN_BYTES:
            message = await receive()
            dropped += len(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body", False):
                return


# ---------------------------------------------------------------- page bodies


class ChatTurn(BaseModel):
    """The page's chat playground: the conversation so far, last message the user's."""

    model_config = ConfigDict(extra="forbid")

    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_CHAT_MESSAGES)


class CopyText(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True)

    text: str


def _from_page(x_snippetgen_page: Annotated[str | None, Header()] = None) -> None:
    if x_snippetgen_page != "1":
        raise HTTPException(403, f"page requests carry the {PAGE_HEADER} header")


def _profile(profile: str) -> str:
    if profile not in rule_table().profiles:
        raise HTTPException(422, f"unknown profile; choose one of: {', '.join(rule_table().profiles)}")
    return profile


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
    _page_routes(app, rows, settings)
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


# ---------------------------------------------------------------- the page


def _page_routes(app: FastAPI, rows: page.Rows, settings: ServiceSettings) -> None:
    html_headers = {"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff", **NO_STORE}
    from_page = [Depends(_from_page)]
    profiles = Query("documented", max_length=100)
    token = settings.token.get_secret_value() if settings.token is not None else None

    def row(index: int):
        try:
            return rows.get(index)
        except LookupError:
            raise HTTPException(404, "no such row") from None

    def sign_in(request: Request, status: int, message: str = "") -> HTMLResponse:
        html = page.sign_in(base=request.scope.get("root_path", ""), message=message)
        return HTMLResponse(html, status_code=status, headers=html_headers)

    @app.get("/", include_in_schema=False)
    def index(request: Request, profile: str = profiles) -> HTMLResponse:
        if token is not None and not request.state.signed_in:
            return sign_in(request, 401)
        html = page.page(rows, _profile(profile), base=request.scope.get("root_path", ""))
        return HTMLResponse(html, headers=html_headers)

    @app.post(LOGIN_PATH, include_in_schema=False)
    async def session(request: Request) -> Response:
        base = request.scope.get("root_path", "")
        if token is None:
            return RedirectResponse(base + "/", status_code=303)
        # A one-field urlencoded form, read without a multipart parser.
        try:
            fields = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=4)
        except ValueError:  # more fields than the form has
            fields = {}
        given = (fields.get("token") or [""])[0]
        if not same_token(given, token):
            return sign_in(request, 401, "That is not the service's token.")
        answer = RedirectResponse(base + "/", status_code=303, headers=NO_STORE)
        answer.set_cookie(
            SESSION_COOKIE,
            session_value(token),
            path=base + "/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return answer

    @app.get("/page/rows/{index}", include_in_schema=False, dependencies=from_page)
    def fragment(index: int, profile: str = profiles) -> HTMLResponse:
        html = page.panel_fragment(index, row(index), _profile(profile), rows.live)
        return HTMLResponse(html, headers=html_headers)

    @app.get("/page/rows/{index}/copy", include_in_schema=False, dependencies=from_page)
    def copy(
        index: int,
        profile: str = profiles,
        component: str | None = None,
        tab: str | None = None,
        language: str | None = None,
        variant: str = Query("request", max_length=100),
    ) -> JSONResponse:
        text = page.copy_text(
            row(index), _profile(profile), component=component, tab=tab, language=language, variant=variant
        )
        if text is None:
            raise HTTPException(404, "nothing to copy there")
        return JSONResponse(CopyText(text=text).model_dump(), headers=NO_STORE)

    @app.post("/page/rows/{index}/rotate", include_in_schema=False, dependencies=from_page)
    def rotate(index: int) -> JSONResponse:
        deployment = row(index)
        if rows.sandbox is None:
            raise HTTPException(409, NOT_LIVE)
        rows.sandbox.rotate_key(deployment.name)
        return JSONResponse({"rotated": True}, headers=NO_STORE)

    @app.post("/page/rows/{index}/chat", include_in_schema=False, dependencies=from_page)
    async def chat(index: int, turn: ChatTurn) -> JSONResponse:
        deployment = row(index)
        if rows.sandbox is None:
            raise HTTPException(409, NOT_LIVE)
        reply = await _generate(deployment, turn.messages)
        return JSONResponse({"reply": reply}, headers=NO_STORE)

    @app.post("/page/rows/{index}/chat/stream", include_in_schema=False, dependencies=from_page)
    async def chat_stream(index: int, turn: ChatTurn) -> Response:
        deployment = row(index)
        if rows.sandbox is None:
            raise HTTPException(409, NOT_LIVE)
        return await stream.stream_turn(deployment, turn.messages, NO_STORE)

    # Routes match in order: the generated stylesheet before the static folder.
    @app.get("/static/highlight.css", include_in_schema=False)
    def highlight_css() -> Response:
        return Response(page.highlight_css(), media_type="text/css")

    app.mount("/static", StaticFiles(directory=page.STATIC_DIR), name="static")


async def _generate(deployment, messages: list[ChatMessage]) -> str:
    """One chat playground turn, sent to the deployment as the playground would."""
    import httpx

    # generate_request and read_completion raise ValueError (ChatError) with a message to show.
    try:
        request = generate_request(deployment, messages)
    except ValueError as exc:
        raise HTTPException(409, str(exc)) from None
    secret = request.headers["Authorization"].removeprefix("Bearer ")
    try:
        # trust_env=False: no proxy from the environment; the call goes where the endpoint says.
        async with httpx.AsyncClient(timeout=CHAT_TIMEOUT_SECONDS, trust_env=False) as client:
            answer = await client.post(request.url, headers=request.headers, json=request.json_body)
    except httpx.HTTPError as exc:
        raise HTTPException(502, f"the deployment did not answer ({type(exc).__name__})") from None
    try:
        data = answer.json()
    except json.JSONDecodeError:
        data = None
    if answer.status_code != 200 or not isinstance(data, dict):
        detail = data.get("detail") if isinstance(data, dict) else None
        message = f"the deployment answered {answer.status_code}"
        if isinstance(detail, str):
            message += f": {detail}"
        raise HTTPException(502, redact(message, [secret]))
    try:
        return read_completion(data)
    except ValueError as exc:
        raise HTTPException(502, redact(str(exc), [secret])) from None


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
