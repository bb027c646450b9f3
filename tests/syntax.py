"""Syntax checks of many snippets in one checker run, where a run costs far more than a file.

g++ checks a batch as one translation unit on the precompiled header (nlohmann/json makes a
run seconds long), google-java-format a batch in one JVM, node a batch of modules in one
process. A code's result is kept under the build root by its digest, so the xdist workers
and the profiles sharing a cell check it once; toolchains.syntax_error answers from there.
A batch that fails is checked again file by file, so each code gets its own message.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

from snippetgen.languages import LANGUAGES
import build_cpp
import builds
from toolchains import command

CHECK_LIMIT_SECONDS = 600  # against a hung checker, not a timing assertion
_PASSED = ""


def _run(argv: list[str]) -> str | None:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=CHECK_LIMIT_SECONDS)
    return (result.stderr or f"exit {result.returncode}") if result.returncode else None


def _one_by_one(argv: list[str], sources: list[Path]) -> dict[Path, str | None]:
    return {source: _run([*argv, str(source)]) for source in sources}


def _cpp(sources: list[Path]) -> dict[Path, str | None]:
    # The snippets' own #include lines are no-ops after the precompiled header (include guards).
    header, _ = build_cpp.precompiled()
    argv = [*command(LANGUAGES["cpp"].syntax_check), "-include", str(header)]
    unity = sources[0].parent / "batch.cpp"
    unity.write_text("".join(f'namespace snippet_{i} {{\n#include "{source}"\n}}\n'
                             for i, source in enumerate(sources)), encoding="utf-8")
    if _run([*argv, str(unity)]) is None:
        return dict.fromkeys(sources)
    return _one_by_one(argv, sources)


def _java(sources: list[Path]) -> dict[Path, str | None]:
    argv = command(LANGUAGES["java"].syntax_check)
    if _run([*argv, *map(str, sources)]) is None:
        return dict.fromkeys(sources)
    return _one_by_one(argv, sources)


# What `node --check` does to a .mjs file: parse it as a module, early errors included.
_NODE_PARSE = """
const { SourceTextModule } = require("node:vm");
const { readFileSync } = require("node:fs");
let failed = false;
for (const file of process.argv.slice(1)) {
  try { new SourceTextModule(readFileSync(file, "utf8"), { identifier: file }); }
  catch (error) { failed = true; console.error(`${file}: ${error}`); }
}
process.exit(failed ? 1 : 0);
"""


def _javascript(sources: list[Path]) -> dict[Path, str | None]:
    # vm.SourceTextModule is behind this flag on Node 20; --no-warnings keeps stderr for errors.
    node = [*command(("node",)), "--experimental-vm-modules", "--no-warnings"]
    if _run([*node, "-e", _NODE_PARSE, *map(str, sources)]) is None:
        return dict.fromkeys(sources)
    return _one_by_one(command(LANGUAGES["javascript"].syntax_check), sources)


BATCHES: dict[str, Callable[[list[Path]], dict[Path, str | None]]] = {
    "cpp": _cpp,
    "java": _java,
    "javascript": _javascript,
}


def _result(language: str, code: str) -> Path:
    digest = hashlib.sha256(code.encode("utf-8")).hexdigest()[:20]
    return builds.root() / f"{language}.syntax" / digest


def precheck(language: str, codes: Iterable[str]) -> None:
    """Check every one of `codes` not checked yet in one batch (no-op where files go one by one)."""
    batch = BATCHES.get(language)
    if batch is None:
        return
    results = {_result(language, code): code for code in codes}

    def unchecked() -> dict[Path, str]:
        return {result: code for result, code in results.items() if not result.exists()}

    def check(todo: dict[Path, str]) -> None:
        sources = {}
        for result, code in todo.items():
            folder = result.with_suffix(".source")
            folder.mkdir(exist_ok=True)
            source = folder / LANGUAGES[language].filename("snippet")
            source.write_text(code, encoding="utf-8")
            sources[source] = result
        for source, error in batch(list(sources)).items():
            # Whole or not at all: checked() reads results without the lock.
            partial = sources[source].with_suffix(".partial")
            partial.write_text(_PASSED if error is None else error, encoding="utf-8")
            partial.replace(sources[source])

    builds.once(f"{language}.syntax", unchecked, check)


def checked(language: str, code: str) -> tuple[bool, str | None]:
    """(whether a batch checked `code`, its error or None)."""
    if language not in BATCHES or not builds.has_root():
        return False, None
    result = _result(language, code)
    if not result.exists():
        return False, None
    text = result.read_text(encoding="utf-8")
    return True, None if text == _PASSED else text
