"""The sandbox: an Arena-compatible HTTP server on 127.0.0.1 that records what it receives.

A Starlette app served by uvicorn on a thread of its own, so tests and the service
can start and stop it around their own code.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
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
from . import answers
from .stream import StreamControl
from .wire import WireError, decode_tree, encode_tree

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
# Per deployment: sessions, and the characters one session keeps (a long chat).
MAX_SESSIONS = 256
MAX_SESSION_CHARS = 64_000
# Rows per call (batch_size, the inputs' batch axis, prompts): an answer's size
# follows it, and a zero-width array makes a huge batch_size cost nothing to send.
MAX_BATCH = 1024
_TOKEN = re.compile(r"[\x21-\x7e]+")
ARRAY_FIELDS = ("obs", "action_mask", "env_defined_actions", "hidden_state", "inputs")


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


class _Reply(Exception):
    """Stop handling a request and answer with this status and JSON body."""

    def __init__(self, status: int, body: dict):
        self.status = status
        self.body = body


def _detail(status: int, message: str) -> _Reply:
    return _Reply(status, {"detail": message})


@dataclass
class _Served:
    deployment: Deployment
    key: str
    sessions: dict[str, list[dict]] = field(default_factory=dict)
    # Characters kept per session, against MAX_SESSION_CHARS.
    session_chars: dict[str, int] = field(default_factory=dict)


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
        self._served = [
            _Served(d, d.api_key.get_secret_value() if d.api_key else _new_key(i))
            for i, d in enumerate(deployments)
        ]
        self._by_name = {s.deployment.name: i for i, s in enumerate(self._served)}
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
        with self._lock:
            keys = [s.key for s in self._served]
        return [
            s.deployment.model_copy(update={"endpoint": self.endpoint(i), "api_key": SecretStr(key)})
            for i, (s, key) in enumerate(zip(self._served, keys, strict=True))
        ]

    def deployment(self, name: str) -> Deployment:
        index = self._by_name.get(name)
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
        index = self._by_name.get(name)
        if index is None:
            raise KeyError(name)
        new = _new_key(index)
        with self._lock:
            self._served[index].key = new
        return new

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

    def _authorize_platform(self, token: str | None) -> None:
        if token is None:
            raise _detail(401, "Not authenticated: send Authorization: Bearer <ARENA_API_KEY>")
        if not _same(token, self.user_key):
            raise _detail(401, "Invalid API key")

    def _authorize_deployment(self, index: int, token: str | None) -> None:
        if token is None:
            raise _detail(401, "Not authenticated: send Authorization: Bearer <API key>")
        with self._lock:
            keys = [s.key for s in self._served]
        # Compared in constant time, and all of them, so timing tells nothing about the keys.
        matches = [_same(token, key) for key in keys]
        if _same(token, self.user_key) or matches[index]:
            return
        if any(matches):
            raise _detail(403, "This API key is not allowed to use this deployment")
        raise _detail(401, "Invalid or expired API key")

    def _lookup(self, query: dict[str, str]) -> int:
        name = query.get("name")
        if name is None:
            raise _detail(422, "query parameter 'name' is required")
        index = self._by_name.get(name)
        if index is None:
            raise _detail(404, f"No deployment named {name!r}")
        return index

    def _row(self, index: int) -> dict:
        served = self._served[index]
        d = served.deployment
        with self._lock:
            key = served.key
        return {
            "name": d.name,
            "url": self.endpoint(index),
            "api_key": key,
            "status": d.status,
            "algorithm": d.algorithm,
            "env_type": d.env_type,
        }

    def _platform(self, method: str, route: str, query: dict, token: str | None):
        self._authorize_platform(token)
        if route == "/one" and method == "GET":
            return self._row(self._lookup(query))
        if route == "/list" and method == "GET":
            name = query.get("name")
            return [self._row(i) for i, s in enumerate(self._served) if name in (None, s.deployment.name)]
        if route == "/rotate_key" and method == "POST":
            index = self._lookup(query)
            name = self._served[index].deployment.name
            return {"name": name, "api_key": self.rotate_key(name)}
        raise _detail(404, "Not Found")

    def _deployment_call(self, index: int, method: str, route: str, body, arrays: dict):
        served = self._served[index]
        d = served.deployment
        if route == "/status" and method == "GET":
            return {
                "success": True,
                "deployment_id": f"sandbox-{index}",
                "instance_id": "sandbox-0",
                "agent": answers.agent_info(d),
            }
        if d.status != "Deployed":
            raise _detail(503, f"Deployment status is {d.status}; try again once it is Deployed")
        if (route == "/sessions" or route.startswith("/sessions/")) and method in ("GET", "DELETE"):
            return self._sessions(served, method, route)
        if method != "POST" or route not in ("/get_action", "/predict", "/generate", "/generate_stream"):
            raise _detail(404, "Not Found")
        if not isinstance(body, dict):
            raise _detail(422, "expected a JSON object body")
        wanted = answers.suffix(d)
        called = route.removeprefix("/").removesuffix("_stream")
        if called != wanted:
            raise _detail(400, f"This deployment answers /{wanted}, not {route}")
        try:
            tree = {k: decode_tree(body[k], k, arrays) for k in ARRAY_FIELDS if k in body}
            if route == "/get_action":
                return self._get_action(d, body, tree)
            if route == "/predict":
                return self._predict(d, tree)
            if route == "/generate":
                return self._generate(served, body)
            return self._generate_stream(served, body)
        except WireError as exc:
            raise _detail(422, str(exc)) from None

    def _get_action(self, d: Deployment, body: dict, tree: dict) -> dict:
        batch = body.get("batch_size")
        if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
            raise WireError("batch_size: expected a positive integer")
        _check_batch(batch, "batch_size")
        answers.check_observation(d, tree.get("obs"), batch, "obs")
        answers.check_per_agent(d, tree.get("action_mask"), batch, "action_mask")
        answers.check_per_agent(d, tree.get("env_defined_actions"), batch, "env_defined_actions")
        action = answers.actions(
            d, tree["obs"], batch, tree.get("action_mask"), tree.get("env_defined_actions")
        )
        answer = {"action": encode_tree(action)}
        if d.situation == "recurrent_ppo":
            if "hidden_state" not in body:
                raise WireError("hidden_state: required for a recurrent agent (null on the first step)")
            answers.check_hidden_state(tree["hidden_state"], batch)
            answer["hidden_state"] = encode_tree(answers.next_hidden_state(tree["hidden_state"], batch))
        return answer

    def _predict(self, d: Deployment, tree: dict) -> dict:
        inputs = tree.get("inputs")
        if inputs is None:
            raise WireError("inputs: missing")
        batch = answers.batch_of(inputs, "inputs")
        _check_batch(batch, "inputs: batch axis")
        if d.observation_space is not None:
            answers.check_observation(d, inputs, batch, "inputs")
        return {
            "results": encode_tree(answers.predictions(d, inputs, batch)),
            "batch_size": batch,
            "inference_time_ms": 0.1,
            "success": True,
        }

    def _remember(self, served: _Served, session_id, turns: list[tuple[str, str]]) -> None:
        """Add (prompt, reply) turns to a session, all or none."""
        if session_id is None:
            return
        if not isinstance(session_id, str) or not session_id.strip():
            raise WireError("session_id: expected a non-empty string")
        added = sum(len(prompt) + len(reply) for prompt, reply in turns)
        with self._lock:
            kept = served.session_chars.get(session_id)
            if kept is None and len(served.sessions) >= MAX_SESSIONS:
                raise _detail(
                    409,
                    f"session_id: this deployment already keeps {MAX_SESSIONS} sessions, the "
                    "sandbox's limit; DELETE /sessions/<session_id> to free one",
                )
            if (kept or 0) + added > MAX_SESSION_CHARS:
                raise _detail(
                    409,
                    f"session_id: the session would keep more than {MAX_SESSION_CHARS} characters, "
                    "the sandbox's limit; DELETE /sessions/<session_id> or use a new session_id",
                )
            served.session_chars[session_id] = (kept or 0) + added
            messages = served.sessions.setdefault(session_id, [])
            for prompt, reply in turns:
                messages += [{"role": "user", "content": prompt}, {"role": "assistant", "content": reply}]

    def _generate(self, served: _Served, body: dict) -> dict:
        prompts = body.get("prompts")
        if not isinstance(prompts, list) or not prompts:
            raise WireError("prompts: expected a non-empty list of strings")
        _check_batch(len(prompts), "prompts: count")
        for i, prompt in enumerate(prompts):
            answers.check_prompt(prompt, f"prompts.{i}")
        answers.check_generate_params(body.get("params"))
        results = [{"prompt": p, "completion": answers.completion(p)} for p in prompts]
        self._remember(served, body.get("session_id"), [(r["prompt"], r["completion"]) for r in results])
        return {
            "results": results,
            "batch_size": len(results),
            "inference_time_ms": 0.1,
            "tokens_per_second": 100.0,
            "success": True,
        }

    def _generate_stream(self, served: _Served, body: dict) -> list[str]:
        prompt = answers.check_prompt(body.get("prompt"), "prompt")
        answers.check_generate_params(body.get("params"))
        reply = answers.completion(prompt)
        self._remember(served, body.get("session_id"), [(prompt, reply)])
        return [word + " " for word in reply.split(" ")[:-1]] + [reply.split(" ")[-1]]

    def _sessions(self, served: _Served, method: str, route: str):
        parts = route.split("/")[2:]
        with self._lock:
            if not parts and method == "GET":
                return {"sessions": [{"session_id": sid} for sid in served.sessions]}
            if len(parts) == 1 and parts[0] in served.sessions:
                if method == "DELETE":
                    del served.sessions[parts[0]]
                    del served.session_chars[parts[0]]
                    return {"success": True}
                return {"session_id": parts[0], "messages": list(served.sessions[parts[0]])}
        raise _detail(404, "No such session")


def _same(token: str, key: str) -> bool:
    # Bytes: compare_digest takes str only when it is ASCII, and a header may not be.
    return hmac.compare_digest(token.encode("utf-8", "surrogatepass"), key.encode("utf-8", "surrogatepass"))


def _check_batch(rows: int, where: str) -> None:
    if rows > MAX_BATCH:
        raise WireError(f"{where}: {rows} rows; the sandbox answers at most {MAX_BATCH} per call")


def _new_key(index: int) -> str:
    return f"sandbox-key-{index}-{secrets.token_hex(8)}"


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
    """The JSON body, or None; a _Reply for a body that is too large or not JSON."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY:
        raise _detail(413, "body too large")
    chunks: list[bytes] = []
    size = 0
    async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise _detail(413, "body too large")
            chunks.append(chunk)
    raw = b"".join(chunks)
    sandbox._record_body(received, len(raw))
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _detail(400, "body is not JSON") from None


def _route(sandbox: Sandbox, received: Received, path: str, query: dict, body):
    if path.startswith(PLATFORM + "/"):
        return sandbox._platform(received.method, path[len(PLATFORM) :], query, received.token)
    if path.startswith(DEPLOYMENT_PREFIX):
        index_text, _, rest = path[len(DEPLOYMENT_PREFIX) :].partition("/")
        if not index_text.isdigit() or int(index_text) >= len(sandbox._served):
            raise _detail(404, "No such deployment")
        index = int(index_text)
        received.deployment = sandbox._served[index].deployment.name
        sandbox._authorize_deployment(index, received.token)
        return sandbox._deployment_call(index, received.method, "/" + rest, body, received.arrays)
    raise _detail(404, "Not Found")


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
        except _Reply as reply:
            response = json_answer(received, reply.status, reply.body)
        except Exception as exc:  # a bug in the sandbox: answer, don't drop the connection
            response = json_answer(received, 500, {"detail": f"sandbox error: {type(exc).__name__}: {exc}"})
        sandbox._notify(received)
        return response

    # Every path, so a wrong one still gets a JSON detail (and a token check under /d/).
    return Starlette(routes=[Route("/{path:path}", handle, methods=["GET", "POST", "DELETE"])])
