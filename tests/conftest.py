"""Shared fixtures. The rule table's cells parametrize most tests."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import settings
from playwright.sync_api import expect, sync_playwright

from snippetgen.examples import example_deployment as _example_deployment
from snippetgen.examples import examples
from snippetgen.rules import DEFAULT_VARIANT, rule_table
from snippetgen.sandbox import Sandbox

import builds
import toolchains

# The renderer keeps skeletons on disk (caches.py): the suite uses a folder of its own.
_SKELETON_CACHE = tempfile.mkdtemp(prefix="snippetgen-test-cache-")
os.environ["SNIPPETGEN_CACHE_DIR"] = _SKELETON_CACHE
atexit.register(shutil.rmtree, _SKELETON_CACHE, ignore_errors=True)


def all_cells():
    """Every (profile, situation, tab, language, variant) cell of the rule table."""
    return sorted(rule_table().all_cells())


def cell_id(cell) -> str:
    """profile/situation/tab/language, and /variant beyond the default one."""
    return "/".join(cell[:4] if cell[4:] == (DEFAULT_VARIANT,) else cell)


# Pages are tested in Debian's Chromium (Playwright cannot download its own here).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run `bash tests/run.sh`"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# Browser assertions wait for a condition, never for a speed: a busy machine only slows them.
expect.set_options(timeout=60_000)

# CI replays the same examples every run, so a result never depends on the draw;
# locally, property tests draw fresh examples each run.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(params=all_cells(), ids=cell_id)
def cell(request):
    return request.param


@pytest.fixture
def example_deployment():
    return _example_deployment


# ---------------------------------------------------------------- running snippets


SANDBOX_USER_KEY = "fake-user-key-for-tests-0001"
# A snippet that hangs fails its test at this bound instead of stalling the suite.
SNIPPET_TIMEOUT = 180
_RUNNERS = {"python": [sys.executable], "shell": ["bash"]}


@pytest.fixture(scope="session", autouse=True)
def _build_root(tmp_path_factory):
    """One folder of compiled snippets for the whole run, shared by its xdist workers."""
    base = tmp_path_factory.getbasetemp()
    builds.set_root((base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "builds")


@pytest.fixture(scope="session")
def sandbox():
    """The sandbox serving the built-in examples on a free 127.0.0.1 port, for the session."""
    with Sandbox(examples(), user_key=SANDBOX_USER_KEY) as sb:
        yield sb


def snippet_environment(home: Path, *, base_url: str, api_key: str) -> dict[str, str]:
    """A user's environment for the Arena client and CLI: its own HOME, sandbox URL, user key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARENA_")}
    env.update(
        HOME=str(home),
        ARENA_BASE_URL=base_url,
        ARENA_API_KEY=api_key,
        # The `arena` entry point lives beside this interpreter.
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        COLUMNS="250",
        NO_COLOR="1",
        PYTHONIOENCODING="utf-8",
    )
    return env


@pytest.fixture
def run_snippet(tmp_path_factory):
    """Save a snippet's copied code to a file in a fresh HOME and run it as its tab says.

    Returns the CompletedProcess (text mode, both streams captured).
    """

    def run(snippet, *, base_url: str, api_key: str, home: Path | None = None):
        home = home or tmp_path_factory.mktemp("home")
        path = home / snippet.filename
        # Other languages run as their declaration says (built first if compiled), with its
        # toolchain's environment.
        if snippet.language in _RUNNERS:
            path.write_text(snippet.copy_code, encoding="utf-8")
            argv = [*_RUNNERS[snippet.language], str(path)]
        else:
            argv = builds.command(snippet.language, snippet.copy_code, path)
        env = snippet_environment(home, base_url=base_url, api_key=api_key) | toolchains.environment(snippet.language)
        return subprocess.run(
            argv,
            cwd=home,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=SNIPPET_TIMEOUT,
        )

    return run


# A page that may load only what 127.0.0.1 serves: anything else is refused and fails the test.
@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    refused: list[str] = []

    def local_only(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", local_only)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()
    assert refused == [], "the page asked for assets that are not served locally"
