"""What the service lets in: the Host allow-list, the token guard and the body limit.

All are plain ASGI middleware; the first two decide before any byte of the body
is read, the last while it is read.
Paths are judged as routes see them (relative to the mount or `root_path`), so
mounting the app under a prefix never opens a guarded route.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

import anyio
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "snippetgen_page"
LOGIN_PATH = "/page/session"
BAD_HOST = "the Host header names no host this service answers for (see --allowed-host)"
NOT_AUTHENTICATED = "Not authenticated: send Authorization: Bearer <SNIPPETGEN_SERVICE_TOKEN>"
# Routes that never carry a key: the API description, its docs and the page's assets,
# and the form that signs the page in.
PUBLIC_PREFIXES = ("/static/", "/docs/assets/")
PUBLIC_PATHS = frozenset({"/openapi.json", "/docs", LOGIN_PATH})
_REACHED = "snippetgen.host_allowed"
# What BodyLimit reads and drops of a refused body, at most, before it answers.
DRAIN_BYTES = 4 * 1024 * 1024
DRAIN_SECONDS = 1.0


def route_path(scope: Scope) -> str:
    """The path the app's routes match: scope["path"] without the mount's or proxy's root_path."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root) :] or "/"
    return path


class HostAllowList(TrustedHostMiddleware):
    """Starlette's Host check, with its refusal as the JSON 400 the OpenAPI document states.

    A page on another domain that resolves to 127.0.0.1 (DNS rebinding) sends its
    own Host, so it is refused before it can read anything.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]):
        super().__init__(self._allowed, allowed_hosts=list(allowed_hosts), www_redirect=False)
        self.inner = app

    async def _allowed(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[_REACHED] = True
        await self.inner(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        refused = False

        async def answer(message: Message) -> None:
            nonlocal refused
            if scope.get(_REACHED):
                await send(message)
            elif not refused:
                # The parent's own plain-text refusal: answered as JSON instead.
                refused = True
                await JSONResponse({"detail": BAD_HOST}, status_code=400)(scope, receive, send)

        await super().__call__(scope, receive, answer)


def session_value(token: str) -> str:
    """The page's cookie: derived from the token, so the cookie never is the token itself."""
    return hmac.new(token.encode("ascii"), b"snippetgen page session", hashlib.sha256).hexdigest()


def same_token(given: str, token: str) -> bool:
    """Constant time: how long it takes does not tell how much of the token matched."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("ascii"))


def _header(scope: Scope, name: bytes) -> bytes:
    return next((v for k, v in scope["headers"] if k == name), b"")


def _cookie(scope: Scope, name: str) -> str:
    from http.cookies import CookieError, SimpleCookie

    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(_header(scope, b"cookie").decode("latin-1"))
    except CookieError:
        return ""
    morsel = cookie.get(name)
    return morsel.value if morsel is not None else ""


class TokenGuard:
    """With a token set, nothing that can return a key answers without it.

    /v1/ takes `Authorization: Bearer <token>`; the page takes that or its session
    cookie (set by the sign-in form at /page/session). Everything else but the
    public paths is refused too, so a new route is guarded before anyone thinks of it.
    """

    def __init__(self, app: ASGIApp, token: str):
        self.app = app
        self.token = token.encode("ascii")
        self.session = session_value(token).encode("ascii")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = route_path(scope)
        api = path == "/v1" or path.startswith("/v1/")
        public = not api and (path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES))
        allowed = public or self._bearer(scope) or (not api and self._signed_in(scope))
        scope.setdefault("state", {})["signed_in"] = allowed and not public
        if allowed or path == "/":
            # The page itself answers a visitor who is not signed in with the sign-in form.
            await self.app(scope, receive, send)
            return
        response = JSONResponse(
            {"detail": NOT_AUTHENTICATED}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )
        await response(scope, receive, send)

    def _bearer(self, scope: Scope) -> bool:
        scheme, _, given = _header(scope, b"authorization").partition(b" ")
        # compare_digest: the time taken does not tell how much of the token matched.
        return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self.token)

    def _signed_in(self, scope: Scope) -> bool:
        given = _cookie(scope, SESSION_COOKIE).encode("latin-1", "replace")
        return hmac.compare_digest(given, self.session)


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
