"""`python -m snippetgen serve`: run the service until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import copy
import logging
import os
import signal
import socket
import sys
from collections.abc import Sequence

from .settings import ENV_PREFIX, GRACEFUL_SHUTDOWN_SECONDS, ServiceSettings, SettingsError

INSTALL_HINT = "python -m snippetgen serve needs the serve extra: pip install 'snippetgen[serve]'"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m snippetgen serve",
        description=(
            "Serve the panels as JSON (POST /v1/panel, POST /v1/snippet, GET /v1/schema/panel; "
            "docs at /docs) and the reference 'Invoke an agent' page at /. Stateless: scale "
            "out with --workers or behind any load balancer. Stop it with Ctrl-C."
        ),
        epilog=(
            f"Each option can also come from the environment: {ENV_PREFIX}HOST, {ENV_PREFIX}PORT, "
            f"{ENV_PREFIX}WORKERS, {ENV_PREFIX}SANDBOX, {ENV_PREFIX}ROOT_PATH, "
            f"{ENV_PREFIX}ALLOWED_HOSTS (comma-separated), {ENV_PREFIX}NO_TOKEN_ON_PURPOSE. When "
            f"{ENV_PREFIX}TOKEN is set, every /v1/ route requires 'Authorization: Bearer <token>' "
            "and the page asks for the token once (a cookie keeps it). Panels carry the real API "
            "key in their copied code: run the service behind the dashboard's own authentication."
        ),
    )
    parser.add_argument("--host", help="address to bind (default: 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, help="port (default: 8000; 0 picks a free one)")
    parser.add_argument("--workers", type=int, metavar="N", help="worker processes (default: 1)")
    parser.add_argument(
        "--allowed-host",
        action="append",
        dest="allowed_hosts",
        metavar="NAME",
        help=(
            "also answer requests whose Host header names NAME (repeatable; '*.example.com' for "
            "a domain). Always answered: the bound host, 127.0.0.1, localhost and [::1]; any "
            "other Host gets 400, so a hostile page cannot reach the service by DNS rebinding"
        ),
    )
    parser.add_argument(
        "--root-path",
        metavar="PATH",
        help="the path prefix a proxy serves the service under, like /snippets (default: none)",
    )
    parser.add_argument(
        "--no-token-on-purpose",
        action="store_const",
        const=True,
        help=(
            f"allow a --host beyond loopback without {ENV_PREFIX}TOKEN, because something else "
            "(the dashboard's proxy, a firewall) guards the service; without this flag, that is refused"
        ),
    )
    parser.add_argument(
        "--sandbox",
        action="store_const",
        const=True,
        help="run the sandbox beside the page, so rotate, chat and copied snippets work end to end",
    )
    return parser


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not 0: asyncio turns Nagle off only on sockets that say TCP, and
    # with Nagle on every keep-alive answer waits out the client's delayed ACK (40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    # Listening before the URL is printed: a client that reads it can connect at once.
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


class QuietCancel(logging.Filter):
    """Requests still in flight when a stop's grace period ends are cancelled: uvicorn says
    so in one line, so their CancelledError tracebacks are left out."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError))


def _log_config() -> dict:
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["quiet_cancel"] = {"()": f"{__name__}.QuietCancel"}
    config["handlers"]["default"].setdefault("filters", []).append("quiet_cancel")
    return config


class _Stop:
    """SIGINT/SIGTERM before the server owns the signals: remember, and stop at once."""

    asked = False

    def __call__(self, signum, frame) -> None:
        _Stop.asked = True


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        settings = ServiceSettings.load(
            os.environ,
            host=args.host,
            port=args.port,
            workers=args.workers,
            sandbox=args.sandbox,
            allowed_hosts=args.allowed_hosts,
            root_path=args.root_path,
            no_token_on_purpose=args.no_token_on_purpose,
        )
        if settings.sandbox and settings.workers > 1:
            raise SettingsError("--sandbox runs in one process: it cannot be combined with --workers")
        settings.check_exposure()
    except SettingsError as exc:
        print(f"snippetgen serve: {exc}", file=sys.stderr)
        return 2
    try:
        import uvicorn
        from uvicorn.supervisors import Multiprocess

        from .app import create_app
    except ImportError:
        print(f"snippetgen serve: {INSTALL_HINT}", file=sys.stderr)
        return 2

    # uvicorn re-raises the signal that stopped it once it has finished; with
    # these handlers in place that ends in a clean exit 0, not a signal death.
    stop = _Stop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    try:
        sock = _bind(settings.host, settings.port)
    except OSError as exc:
        where = f"{settings.host}:{settings.port}"
        print(f"snippetgen serve: cannot listen on {where}: {exc.strerror}", file=sys.stderr)
        return 1

    if settings.workers > 1:
        # Worker processes build their app from the environment: hand them the flags too.
        os.environ.update(
            {
                f"{ENV_PREFIX}HOST": settings.host,
                f"{ENV_PREFIX}ALLOWED_HOSTS": ",".join(settings.allowed_hosts),
                f"{ENV_PREFIX}ROOT_PATH": settings.root_path,
            }
        )
    app = "snippetgen.serve.app:app_from_environment" if settings.workers > 1 else create_app(settings)
    config = uvicorn.Config(
        app,
        factory=settings.workers > 1,
        workers=settings.workers,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        log_config=_log_config(),
        log_level="warning",
        access_log=False,
        lifespan="on",
        server_header=False,
        root_path=settings.root_path,
    )
    warning = ""
    if not settings.loopback and settings.token is None:
        warning = f"reachable beyond this machine with no {ENV_PREFIX}TOKEN set, on purpose "
    mode = "with the sandbox " if settings.sandbox else ""
    print(f"snippetgen serve: listening on {_url(sock)} {mode}{warning}(Ctrl-C stops it)", flush=True)
    try:
        if not _Stop.asked:
            if settings.workers > 1:
                Multiprocess(config, sockets=[sock]).run()
            else:
                uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print("snippetgen serve: stopped", flush=True)
    return 0
