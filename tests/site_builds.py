"""Building docs sites as their users do: `mkdocs build` and `zensical build`, into temporary directories.

Zensical has no output option: it writes the site and its cache inside the project,
so it always builds a copy of the sources.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

BUILD_TIMEOUT = 300


def mkdocs_build(config: Path, site_dir: Path, *, strict: bool = True, env=None):
    """`mkdocs build` as a user runs it; returns the finished process (text, both streams)."""
    command = [sys.executable, "-m", "mkdocs", "build", "-f", str(config), "-d", str(site_dir)]
    return subprocess.run(
        command + (["--strict"] if strict else []),
        capture_output=True,
        text=True,
        cwd=config.parent,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
        timeout=BUILD_TIMEOUT,
    )


def built(config: Path, site_dir: Path) -> Path:
    result = mkdocs_build(config, site_dir)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return site_dir


def zensical_build(project: Path, config: str = "mkdocs.yml") -> subprocess.CompletedProcess:
    """`zensical build` in `project` (a copy: the site and cache go inside it); its group is gone after."""
    process = subprocess.Popen(
        [sys.executable, "-m", "zensical", "build", "-f", config],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=BUILD_TIMEOUT)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def copied(source: Path, into: Path) -> Path:
    """A copy of a site's sources (config files and docs), without anything built."""
    ignore = shutil.ignore_patterns("site", ".cache", "__pycache__")
    return Path(shutil.copytree(source, into / source.name, ignore=ignore))


def zensical_built(source: Path, into: Path, config: str = "mkdocs.yml") -> Path:
    project = copied(source, into)
    result = zensical_build(project, config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return project / "site"


def sphinx_build(source: Path, out: Path, *args: str) -> tuple[int, str, str]:
    """`sphinx-build -b html` in process (as `python -m sphinx` runs it): exit status, stdout, stderr."""
    import io

    from sphinx.cmd.build import build_main

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = build_main(["-b", "html", "--no-color", *args, str(source), str(out)])
    return status, stdout.getvalue(), stderr.getvalue()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def serve(site: Path):
    """The built site on a free 127.0.0.1 port until the generator is closed."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=60)
