"""Each language's tools as its declaration (snippetgen.languages) names them."""

from __future__ import annotations

import functools
import os
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


JAVA_JARS = Path(os.environ.get("SNIPPETGEN_JAVA_JARS", Path.home() / ".cache/snippetgen/java"))
"""Where tests/run.sh puts Jackson's jars (jackson/) and google-java-format's (formatter/)."""
GOOGLE_JAVA_FORMAT = JAVA_JARS / "formatter/google-java-format-1.28.0-all-deps.jar"


def java_jars(path: Path) -> Path:
    """A jar (or folder of jars) of the cache; the test fails naming run.sh when it is missing."""
    if not path.exists() or (path.is_dir() and not any(path.glob("*.jar"))):
        pytest.fail(f"{path} is missing: run `bash tests/run.sh` (it fetches the Java jars)", pytrace=False)
    return path


def command(argv: tuple[str, ...]) -> list[str]:
    """A declared command, with this interpreter for python and the tool's full path."""
    if argv[0] == "google-java-format":
        # A jar, not a program on PATH: run by the JDK's java.
        return [*command(("java", "-jar")), str(java_jars(GOOGLE_JAVA_FORMAT)), *argv[1:]]
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
    if language == "rust":
        from build_rust import environment as rust

        return rust()
    if LANGUAGES[language].runner[0] == "java":
        # Jackson's jars, as `java -cp "*"` finds them beside a user's file.
        return {"CLASSPATH": f"{java_jars(JAVA_JARS / 'jackson')}/*"}
    return _go_env() if LANGUAGES[language].runner[0] == "go" else {}


def syntax_error(code: str, language: str, directory: Path) -> str | None:
    """The language's syntax check over the code saved in `directory`; None when it passes.
    A code that syntax.precheck checked in a batch is answered from its result."""
    import syntax

    batched, error = syntax.checked(language, code)
    if batched:
        return error
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

