"""Each language's tools as its declaration (snippetgen.languages) names them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from snippetgen.languages import LANGUAGES


@dataclass(frozen=True)
class Build:
    """How the suite builds saved snippets of a compiled language: all at once, then runs each."""

    build: Callable[[list[Path]], None]
    """Builds the saved `<folder>/<filename>` of every folder, in as few toolchain runs as it can;
    fails the test (pytest.fail) with the toolchain's message when one does not build."""
    program: Callable[[Path], list[str]]
    """The argv that runs what was built in `folder`, with absolute paths (any cwd)."""


BUILDS: dict[str, Build] = {}
"""The compiled languages' builds, by language id."""


def command(argv: tuple[str, ...]) -> list[str]:
    """A declared command, with this interpreter for python and the tool's full path."""
    tool = sys.executable if argv[0] == "python" else shutil.which(argv[0])
    if tool is None:
        pytest.fail(f"{argv[0]} is missing: run `bash tests/run.sh` (it installs what the tests run)", pytrace=False)
    return [tool, *argv[1:]]


def runner(language: str) -> list[str]:
    return command(LANGUAGES[language].runner)


@functools.cache
def _go_env() -> dict[str, str]:
    # One build cache for the whole suite (and across runs): a snippet run in a clean
    # environment would otherwise rebuild net/http and the rest of the standard library.
    go = command(("go",))[0]
    found = subprocess.run([go, "env", "GOCACHE", "GOPATH"], capture_output=True, text=True, check=True)
    cache, path = found.stdout.splitlines()
    return {"GOCACHE": cache, "GOPATH": path, "GOFLAGS": "-buildvcs=false", "GOTOOLCHAIN": "local"}


def environment(language: str) -> dict[str, str]:
    """What a language's runner needs beyond a clean environment (PATH, HOME, LANG)."""
    return _go_env() if LANGUAGES[language].runner[0] == "go" else {}


def syntax_error(code: str, language: str, directory: Path) -> str | None:
    """The language's syntax check over the code saved in `directory`; None when it passes."""
    declared = LANGUAGES[language]
    if declared.syntax_check is None:
        try:
            compile(code, declared.filename("snippet"), "exec")
        except SyntaxError as error:
            return str(error)
        return None
    source = directory / declared.filename("snippet")
    source.write_text(code, encoding="utf-8")
    result = subprocess.run([*command(declared.syntax_check), str(source)], capture_output=True, text=True)
    return result.stderr or f"exit {result.returncode}" if result.returncode else None


# Last: each build module reads Build and command from here.
from build_cpp import BUILD as _CPP  # noqa: E402

BUILDS["cpp"] = _CPP
