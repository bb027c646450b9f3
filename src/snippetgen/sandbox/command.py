"""`python -m snippetgen sandbox`: serve deployments on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import json
import queue
import signal
import sys
import threading
from collections.abc import Sequence

from pydantic import TypeAdapter, ValidationError

from ..deployment import Deployment
from ..literals import shell
from ..rules import rule_table
from .server import Received, Sandbox

_DEPLOYMENTS = TypeAdapter(list[Deployment])
INSTALL_HINT = 'the sandbox needs uvicorn and Starlette: pip install "snippetgen[serve]"'


class _BadInput(Exception):
    """A problem with the command line or the deployments file: one line, exit status 2."""


def shown(text: str) -> str:
    """A name as a quoted one-line string: control and invisible characters escaped."""
    quoted = json.dumps(text, ensure_ascii=False)
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in quoted)


def _load(path: str) -> list[Deployment]:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise _BadInput(f"{path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _BadInput(f"{path}: not JSON ({exc})") from None
    if not isinstance(data, list) or not data:
        raise _BadInput(f"{path}: expected a non-empty JSON list of deployments")
    try:
        return _DEPLOYMENTS.validate_python(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"[{'.'.join(str(p) for p in e['loc'])}] {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise _BadInput(f"{path}: invalid deployment: {problems}") from None


def _log_line(received: Received) -> str:
    where = "" if received.deployment is None else f" {shown(received.deployment)}"
    arrays = ", ".join(f"{k} {dtype}{list(shape)}" for k, (shape, dtype) in received.arrays.items())
    return f"{received.status} {received.method} {received.path}{where}" + (
        f"  [{arrays}]" if arrays else ""
    )


def _banner(sb: Sandbox) -> str:
    situations = rule_table().situations
    lines = [
        "Arena sandbox (snippetgen): an Arena-compatible server for trying snippets.",
        "",
        "Arena client and CLI:",
        f"  export ARENA_BASE_URL={shell(sb.base_url)}",
        f"  export ARENA_API_KEY={shell(sb.user_key)}",
        "",
        "Deployments (Manual HTTP uses the Endpoint and API key):",
    ]
    for d in sb.deployments:
        assert d.api_key is not None  # the sandbox gives every deployment a key
        lines += [
            f"  {shown(d.name)}  ({situations[d.situation].title}, {shown(d.algorithm)}, {d.status})",
            f"    Endpoint: {d.endpoint}",
            f"    API key:  {d.api_key.get_secret_value()}",
        ]
    lines += ["", f"Listening on {sb.base_url}; Ctrl-C stops it."]
    return "\n".join(lines)


# Request lines waiting for stdout. When stdout does not keep up (a pipe nobody
# reads), further lines are counted, not kept, so memory stays bounded.
LOG_BACKLOG = 1000


class _Log:
    """The server puts lines; the main thread takes them and says what was dropped."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Received] = queue.Queue(LOG_BACKLOG)
        self._dropped = 0
        self._lock = threading.Lock()

    def put(self, received: Received) -> None:
        try:
            self._queue.put_nowait(received)
        except queue.Full:
            with self._lock:
                self._dropped += 1

    def take(self, timeout: float) -> str:
        """The next line; raises queue.Empty after `timeout` seconds without one."""
        # Queued lines are older than the dropped ones: they come first.
        with contextlib.suppress(queue.Empty):
            return _log_line(self._queue.get_nowait())
        with self._lock:
            dropped, self._dropped = self._dropped, 0
        if dropped:
            return f"({dropped} request lines left out: stdout did not keep up)"
        return _log_line(self._queue.get(timeout=timeout))


class _Stop(Exception):
    """SIGINT or SIGTERM arrived."""


def _stop(signum, frame):
    raise _Stop


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m snippetgen sandbox ARGS`: the options are declared with the other commands."""
    from ..cli import main as cli

    return cli(["sandbox", *(sys.argv[1:] if argv is None else argv)])


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        print("snippetgen sandbox: --port must be between 0 and 65535", file=sys.stderr)
        return 2
    # The server's thread only queues its log lines: the main thread alone writes to
    # stdout, so a stdout nobody reads never holds up serving or stopping.
    log = _Log()
    try:
        deployments = _load(args.deployments) if args.deployments else None
        sandbox = Sandbox(
            deployments,
            user_key=args.user_key,
            port=args.port,
            on_received=None if args.quiet else log.put,
        )
    except (_BadInput, ValueError) as exc:
        print(f"snippetgen sandbox: {exc}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        sandbox.start()
    except _Stop:
        print("sandbox stopped", flush=True)
        return 0
    except ImportError as exc:
        if exc.name not in ("uvicorn", "starlette"):
            raise
        print(f"snippetgen sandbox: {INSTALL_HINT}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"snippetgen sandbox: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    # Whether the stop signal may have cut a line short: the last message starts a line of its own.
    mid_line = True
    try:
        print(_banner(sandbox), flush=True)
        mid_line = False
        while True:
            # A timed wait: the loop also looks at pending signals at least this often.
            with contextlib.suppress(queue.Empty):
                line = log.take(timeout=0.5)
                mid_line = True
                print(line, flush=True)
                mid_line = False
    except (_Stop, KeyboardInterrupt):
        pass
    finally:
        # A second Ctrl-C does not cut the bounded stop short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        sandbox.stop()
    print("\nsandbox stopped" if mid_line else "sandbox stopped", flush=True)
    return 0
