"""How the suite builds C++ snippets: nlohmann/json makes one g++ run take seconds, so
the headers the snippets include are precompiled once per run, and nlohmann::json and
std::regex instantiated once in an object; every snippet builds with both, at -O0, two
at a time (the machine's cores). The snippet's source is the user's, byte for byte."""

from __future__ import annotations

import functools
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from snippetgen.languages import LANGUAGES
from toolchains import Build, command

FLAGS = ("-std=c++17", "-O0")
"""g++ uses a precompiled header only when it was built with the same flags."""
HEADERS = ("curl/curl.h", "cstring", "iostream", "nlohmann/json.hpp", "regex")
PARALLEL = 2
BUILD_LIMIT_SECONDS = 300  # against a hung compiler, not a timing assertion


# Instantiated once in an object each build links, not again in every snippet.
INSTANTIATED = ("nlohmann::basic_json<>", "std::basic_regex<char>")


def _gpp(*argv: str) -> None:
    result = subprocess.run([*command(("g++",)), *FLAGS, *argv], capture_output=True, text=True,
                            timeout=BUILD_LIMIT_SECONDS)
    if result.returncode:
        pytest.fail(f"g++ cannot build the C++ snippets' shared header: {result.stderr[-2000:]}",
                    pytrace=False)


@functools.cache
def precompiled() -> tuple[Path, Path]:
    """A header of what the snippets include (nlohmann/json.hpp and <regex> cost most), next
    to its .gch, and the object holding its class templates' code, built once per run."""
    folder = Path(tempfile.mkdtemp(prefix="snippetgen-cpp-pch-"))
    header = folder / "snippet.hpp"
    includes = "".join(f"#include <{name}>\n" for name in HEADERS)
    header.write_text(includes + "".join(f"extern template class {name};\n" for name in INSTANTIATED),
                      encoding="utf-8")
    instances = folder / "instances.cpp"
    instantiations = "".join(f"template class {name};\n" for name in INSTANTIATED)
    instances.write_text(f'#include "{header.name}"\n{instantiations}', encoding="utf-8")
    _gpp("-x", "c++-header", str(header), "-o", f"{header}.gch")
    _gpp("-c", str(instances), "-o", str(folder / "instances.o"))
    return header, folder / "instances.o"


def compile_argv(source: Path, program: Path) -> list[str]:
    # -include: the precompiled header comes before the snippet's first token, as g++ requires.
    header, instances = precompiled()
    return [*command(("g++",)), *FLAGS, "-include", str(header), str(source), str(instances), "-lcurl", "-o",
            str(program)]


def _build_one(folder: Path) -> tuple[Path, subprocess.CompletedProcess]:
    source = folder / LANGUAGES["cpp"].filename("manual_http")
    built = subprocess.run(compile_argv(source, folder / "manual_http"), capture_output=True, text=True,
                           timeout=BUILD_LIMIT_SECONDS)
    return folder, built


def build(folders: list[Path]) -> None:
    precompiled()
    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(_build_one, folders))
    failed = [f"{folder}:\n{result.stderr[-3000:]}" for folder, result in results if result.returncode]
    if failed:
        pytest.fail("g++ failed:\n" + "\n".join(failed), pytrace=False)


def program(folder: Path) -> list[str]:
    return [str(Path(folder).resolve() / "manual_http")]


BUILD = Build(build=build, program=program)
