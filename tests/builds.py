"""Compiled snippets, each distinct code built once per run and many in one toolchain run.

A snippet's code names its build folder (`<root>/<language>/<sha256>`), so the same code
rendered by two tests, or by the two profiles of a shared cell, is built once. The root is
shared by the xdist workers of a run, and a lock per language lets one worker build a batch
while the other waits for it instead of building the same code again.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from snippetgen.languages import LANGUAGES
import build_cpp
import build_csharp
import build_go
import build_java
import build_rust
from toolchains import Build, runner

BUILDS: dict[str, Build] = {
    "go": build_go.BUILD,
    "csharp": build_csharp.BUILD,
    "cpp": build_cpp.BUILD,
    "java": build_java.BUILD,
    "rust": build_rust.BUILD,
}
"""The compiled languages' builds, by language id."""

_root: Path | None = None
_DONE = ".built"


def set_root(root: Path) -> None:
    global _root
    _root = root


def has_root() -> bool:
    return _root is not None


def root() -> Path:
    """The folder the run's builds (and batched syntax checks) share."""
    if _root is None:
        raise RuntimeError("builds.set_root() was not called (conftest does it for the session)")
    return _root


def _folder(language: str, code: str) -> Path:
    return root() / language / hashlib.sha256(code.encode("utf-8")).hexdigest()[:20]


@contextmanager
def locked(name: str) -> Iterator[None]:
    """Holds the run's lock on `<root>/<name>` (made if missing), across xdist workers."""
    (root() / name).mkdir(parents=True, exist_ok=True)
    with open(root() / name / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def once(name: str, missing: Callable[[], dict[Path, str]], make: Callable[[dict[Path, str]], None]) -> None:
    """`make(missing())` under the run's lock on `name`, unless nothing is missing. What is
    made is marked only once complete, so `missing` is first asked without the lock: a run
    never waits on another worker's batch of other codes."""
    if not missing():
        return
    with locked(name):
        todo = missing()
        if todo:
            make(todo)


def prebuild(language: str, codes: Iterable[str]) -> None:
    """Build every one of `codes` not built yet, in one batch (no-op for interpreted languages)."""
    build = BUILDS.get(language)
    if build is None:
        return
    folders = {_folder(language, code): code for code in codes}
    filename = LANGUAGES[language].filename("manual_http")

    def unbuilt() -> dict[Path, str]:
        return {folder: code for folder, code in folders.items() if not (folder / _DONE).exists()}

    def make(todo: dict[Path, str]) -> None:
        for folder, code in todo.items():
            folder.mkdir(parents=True, exist_ok=True)
            (folder / filename).write_text(code, encoding="utf-8")
        build.build(list(todo))
        for folder in todo:
            (folder / _DONE).touch()

    once(language, unbuilt, make)


def command(language: str, code: str, path: Path) -> list[str]:
    """What runs `code`, saved as `path` (the file is written either way): the language's
    runner on the file, or the program built from the code."""
    path.write_text(code, encoding="utf-8")
    build = BUILDS.get(language)
    if build is None:
        return [*runner(language), str(path)]
    prebuild(language, [code])
    return build.program(_folder(language, code))
