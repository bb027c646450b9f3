"""The service under test: uvicorn in a thread on a free 127.0.0.1 port, stopped on exit."""

from __future__ import annotations

import json
import socket
import threading
import time

import uvicorn

from snippetgen import Deployment

STARTUP_DEADLINE = 60


class RunningService:
    """`with RunningService(app) as service: service.url` — the app served until the block ends."""

    def __init__(self, app, **config):
        self.app = app
        self.config = config
        self._sock: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> RunningService:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=1,
            **self.config,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        self._sock, self._server, self._thread = sock, server, thread
        deadline = time.monotonic() + STARTUP_DEADLINE
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError("the service never started")
            time.sleep(0.02)
        return self

    @property
    def port(self) -> int:
        assert self._sock is not None
        return self._sock.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=60)
        if self._sock is not None:
            self._sock.close()


def deployment_json(deployment: Deployment) -> dict:
    """A deployment as a dashboard would send it: every field, the real key included."""
    data = json.loads(deployment.model_dump_json(exclude={"api_key"}))
    if deployment.api_key is not None:
        data["api_key"] = deployment.api_key.get_secret_value()
    return data


WAIT_SECONDS = 60
"""How long a test waits for a condition: far longer than it takes on a busy machine."""


def wait_until(condition, what: str, seconds: float = WAIT_SECONDS) -> None:
    """Poll `condition` until it holds; fail saying `what` never happened."""
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, what
        time.sleep(0.02)
