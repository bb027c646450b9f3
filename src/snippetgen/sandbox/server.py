"""The sandbox: an Arena-compatible HTTP server on 127.0.0.1 that records what it receives.

A Starlette app served by uvicorn on a thread of its own, so tests and the service
can start and stop it around their own code.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from pydantic import SecretStr

from ..deployment import Deployment
from .arena import MAX_BATCH as MAX_BATCH  # the limits, where the tests read them
from .arena import MAX_SESSION_CHARS as MAX_SESSION_CHARS
from .arena import MAX_SESSIONS as MAX_SESSIONS
from .arena import Arena, Reply, detail
from .stream import StreamControl

if TYPE_CHECKING:
    import uvicorn
    from starlette.requests import Request
    from starlette.responses import Response

HOST = "127.0.0.1"
PLATFORM = "/api/cli/v1/inference/deployments"
# Deployment URLs carry an index, never the name: names are arbitrary text.
DEPLOYMENT_PREFIX = "/d/"
MAX_BODY = 64 * 1024 * 1024
# How long stop() lets requests in flight finish before it closes their connections.
GRACE_SECONDS = 2.0
# A client that stalls mid-request is dropped after this long.
REQUEST_TIMEOUT_SECONDS = 30
# Open connections and requests at once; more are answered 503 by uvicorn.
MAX_CONNECTIONS = 256
STARTUP_SECONDS = 60
# After cutting the connections, how long stop() waits for the server's thread to end.
CUT_SECONDS = 2.0
# What the sandbox keeps, so it runs for days in constant memory. The request log
# keeps the newest requests within both bounds (always the newest one): plenty for
# a test, which clears it and then reads a handful of requests.
RECORD_LIMIT = 1000
RECORD_BYTES = 16 * 1024 * 1024
_TOKEN = re.compile(r"[\x21-\x7e]+")


@dataclass
class Received:
    """One request as the sandbox received it."""

    method: str
    path: str
    deployment: str | None
    token: str | None = field(repr=False)
    body: object
    arrays: dict[str, tuple[tuple[int, ...], str]]
    status: int = 0
    query: dict[str, str] = field(default_factory=dict)
    # Body bytes, for the request log's byte bound.
    size: int = field(default=0, repr=False, compare=False)


class Sandbox:
    """An Arena-compatible server for trying and testing snippets.

        with Sandbox(examples(), user_key="...") as sb:
            sb.deployments[0].endpoint   # http://127.0.0.1:PORT/d/0
            sb.received                  # what arrived, in order

    Each deployment is served at `/d/<index>` and accepts its own API key (as
    Manual HTTP sends it) or the platform user key (as the released client
    sends it). The platform lookups under `/api/cli/v1/inference/deployments`
    accept the user key only.
    """

    def __init__(
        self,
        deployments: Iterable[Deployment] | None = None,
        *,
        user_key: str | None = None,
        port: int = 0,
        on_received: Callable[[Received], None] | None = None,
    ):
        if deployments is None:
            from ..examples import examples

            deployments = examples()
        deployments = list(deployments)
        names = [d.name for d in deployments]
        if len(set(names)) != len(names):
            raise ValueError("deployment names must be unique: the platform looks them up by name")
        if user_key is not None and not _TOKEN.fullmatch(user_key):
            raise ValueError("user_key must be printable ASCII without spaces (a Bearer token)")
        self.user_key = user_key or f"sandbox-user-{secrets.token_hex(8)}"
        self._arena = Arena(deployments, self.user_key, self.endpoint)
        self._port = port
        self._on_received = on_received
        self._lock = threading.Lock()
        self._received: deque[Received] = deque()
        self._received_bytes = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._bound_port: int | None = None
        self.streams = StreamControl()
        """How generate_stream answers: hold the last chunk, or fail (sandbox/stream.py)."""

    # ------------------------------------------------------------ lifecycle

    def start(self) -> Sandbox:
        """Listen and serve on a thread of its own.

        Raises OSError when the port cannot be bound, ImportError without uvicorn
        and Starlette (the serve extra).
        """
        if self._server is not None:
            return self
        import uvicorn

        from ..serve.command import _bind

        app = _app(self)
        sock = _bind(HOST, self._port)
        config = uvicorn.Config(
            app,
            # The process's logging stays as its owner set it up.
            log_config=None,
            lifespan="off",
            server_header=False,
            limit_concurrency=MAX_CONNECTIONS,
            timeout_graceful_shutdown=int(GRACE_SECONDS) + 1,
        )
        server = uvicorn.Server(config)

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            await server.serve(sockets=[sock])

        thread = threading.Thread(target=asyncio.run, args=(serve(),), name="snippetgen-sandbox", daemon=True)
        thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        try:
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("the sandbox did not start")
                time.sleep(0.005)
        except BaseException:  # a stop signal included: the thread ends on its own
            server.should_exit = True
            if not thread.is_alive():
                sock.close()
            raise
        self._server, self._thread = server, thread
        self._bound_port = sock.getsockname()[1]
        return self

    def stop(self, grace: float = GRACE_SECONDS) -> None:
        """Stop accepting, give requests in flight `grace` seconds, then cut them.

        Returns within `grace` + CUT_SECONDS seconds whatever the clients do.
        """
        server, thread, loop = self._server, self._thread, self._loop
        if server is None or thread is None:
            return
        self._server = self._thread = self._loop = None
        # uvicorn closes idle connections at once and cancels what is left after this.
        server.config.timeout_graceful_shutdown = int(grace) + 1
        server.should_exit = True
        thread.join(grace)
        if thread.is_alive() and loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop ended meanwhile
                loop.call_soon_threadsafe(_cut, server)
            thread.join(CUT_SECONDS)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------ public state

    @property
    def port(self) -> int:
        """The port it listens on (after stop(), the port it listened on)."""
        if self._bound_port is None:
            raise RuntimeError("the sandbox has not been started")
        return self._bound_port

    @property
    def base_url(self) -> str:
        """The platform API base (ARENA_BASE_URL)."""
        return f"http://{HOST}:{self.port}"

    def endpoint(self, index: int) -> str:
        return f"{self.base_url}{DEPLOYMENT_PREFIX}{index}"

    @property
    def deployments(self) -> list[Deployment]:
        """The served deployments, pointed at the sandbox, with the sandbox's keys."""
        keys = self._arena.keys()
        return [
            s.deployment.model_copy(update={"endpoint": self.endpoint(i), "api_key": SecretStr(key)})
            for i, (s, key) in enumerate(zip(self._arena.served, keys, strict=True))
        ]

    def deployment(self, name: str) -> Deployment:
        index = self._arena.by_name.get(name)
        if index is None:
            raise KeyError(name)
        return self.deployments[index]

    @property
    def received(self) -> list[Received]:
        """The newest requests, oldest first: at most RECORD_LIMIT, with at most
        RECORD_BYTES of bodies between them (always the newest request)."""
        with self._lock:
            return list(self._received)

    def clear(self) -> None:
        with self._lock:
            self._received.clear()
            self._received_bytes = 0

    def rotate_key(self, name: str) -> str:
        """Give a deployment a new API key; the old one answers 401 from now on."""
        index = self._arena.by_name.get(name)
        if index is None:
            raise KeyError(name)
        return self._arena.rotate_key(index)

    # ------------------------------------------------------------ requests

    def _record(self, received: Received) -> None:
        with self._lock:
            self._received.append(received)
            self._trim()

    def _record_body(self, received: Received, size: int) -> None:
        with self._lock:
            received.size = size
            if any(r is received for r in reversed(self._received)):
                self._received_bytes += size
                self._trim()

    def _trim(self) -> None:
        while len(self._received) > 1 and (
            len(self._received) > RECORD_LIMIT or self._received_bytes > RECORD_BYTES
        ):
            self._received_bytes -= self._received.popleft().size

    def _notify(self, received: Received) -> None:
        if self._on_received is not None:
            self._on_received(received)


def _cut(server: uvicorn.Server) -> None:
    """Close the connections still open: their requests then see the client gone."""
    for connection in list(server.server_state.connections):
        # abort, not close: close would first wait to send what a stalled client never reads.
        connection.transport.abort()


def _token(request: Request) -> str | None:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token or None


async def _read_body(sandbox: Sandbox, request: Request, received: Received):
    """The JSON body, or None; a Reply for a body that is too large or not JSON."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY:
        raise detail(413, "body too large")
    chunks: list[bytes] = []
    size = 0
    async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise detail(413, "body too large")
            chunks.append(chunk)
    raw = b"".join(chunks)
    sandbox._record_body(received, len(raw))
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise detail(400, "body is not JSON") from None


def _route(sandbox: Sandbox, received: Received, path: str, query: dict, body):
    if path.startswith(PLATFORM + "/"):
        return sandbox._arena.platform(received.method, path[len(PLATFORM) :], query, received.token)
    if path.startswith(DEPLOYMENT_PREFIX):
        index_text, _, rest = path[len(DEPLOYMENT_PREFIX) :].partition("/")
        arena = sandbox._arena
        if not index_text.isdigit() or int(index_text) >= len(arena.served):
            raise detail(404, "No such deployment")
        index = int(index_text)
        received.deployment = arena.served[index].deployment.name
        arena.authorize_deployment(index, received.token)
        return arena.deployment_call(index, received.method, "/" + rest, body, received.arrays)
    raise detail(404, "Not Found")


def _app(sandbox: Sandbox) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import ClientDisconnect
    from starlette.responses import Response, StreamingResponse
    from starlette.routing import Route

    def json_answer(received: Received, status: int, payload) -> Response:
        received.status = status
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return Response(json.dumps(payload).encode(), status, headers, media_type="application/json")

    def stream_answer(received: Received, chunks: list[str]) -> Response:
        received.status = 200
        return StreamingResponse(sandbox.streams.body(chunks), media_type="text/plain")

    async def handle(request: Request) -> Response:
        # The path as sent, not percent-decoded; the query as the platform reads it.
        path = (request.scope.get("raw_path") or request.scope["path"].encode()).decode("latin-1")
        query_string = request.scope["query_string"].decode("latin-1")
        query = {k: v[-1] for k, v in parse_qs(query_string, keep_blank_values=True).items()}
        received = Received(
            method=request.method,
            path=path,
            deployment=None,
            token=_token(request),
            body=None,
            arrays={},
            query=query,
        )
        sandbox._record(received)
        try:
            body = await _read_body(sandbox, request, received)
            received.body = body
            answer = _route(sandbox, received, path, query, body)
            if isinstance(answer, list) and path.endswith("/generate_stream"):
                response = stream_answer(received, answer)
            else:
                response = json_answer(received, 200, answer)
        except ClientDisconnect:
            return Response(status_code=499)  # nobody reads it: the client went away
        except TimeoutError:
            response = json_answer(received, 408, {"detail": "the request body did not arrive in time"})
        except Reply as reply:
            response = json_answer(received, reply.status, reply.body)
        except Exception as exc:  # a bug in the sandbox: answer, don't drop the connection
            response = json_answer(received, 500, {"detail": f"sandbox error: {type(exc).__name__}: {exc}"})
        sandbox._notify(received)
        return response

    # Every path, so a wrong one still gets a JSON detail (and a token check under /d/).
    return Starlette(routes=[Route("/{path:path}", handle, methods=["GET", "POST", "DELETE"])])
