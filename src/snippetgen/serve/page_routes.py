"""The reference "Invoke an agent" page's routes: the page, its sign-in, its rows' actions.

page.py renders what these answer. The rows' routes need the page's header, which a
cross-site form or <img> cannot send.
"""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from .. import ChatMessage, generate_request, read_completion, rule_table
from . import page, stream
from .guard import LOGIN_PATH, SESSION_COOKIE, same_token, session_value
from .models import redact
from .settings import ServiceSettings

# Page requests carry this header: a cross-site form or <img> cannot send it.
PAGE_HEADER = "X-Snippetgen-Page"
# The page is self-contained: scripts, styles and data come from this origin only.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
NO_STORE = {"Cache-Control": "no-store"}
MAX_CHAT_MESSAGES = 100
CHAT_TIMEOUT_SECONDS = 30
NOT_LIVE = "the examples are not live deployments: start the service with --sandbox"


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


def page_routes(app: FastAPI, rows: page.Rows, settings: ServiceSettings) -> None:
    """The page at /, its sign-in form, its rows' fragments and actions, and its assets."""
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
