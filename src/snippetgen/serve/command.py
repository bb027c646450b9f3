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

from .settings import ENV_PREFIX, GRACEFUL_SHUTDOWN_SECONDS, ServiceSettings, SettingsError

INSTALL_HINT = "python -m snippetgen serve needs the serve extra: pip install 'snippetgen[serve]'"


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


def run(args: argparse.Namespace) -> int:
    """Serve with the options `python -m snippetgen serve` parsed (declared in cli.py)."""
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
