"""How the suite builds C++ snippets: nlohmann/json makes one g++ run take seconds, so
the headers the snippets include are precompiled once per run, and nlohmann::json and
std::regex instantiated once in an object; the snippets of a batch build as one translation
unit with both, at -O0. The snippet's source is the user's, byte for byte."""

from __future__ import annotations

import functools
import hashlib
import subprocess
import tempfile
from pathlib import Path

import pytest

from snippetgen.languages import LANGUAGES
from toolchains import Build, command

FLAGS = ("-std=c++17", "-O0")
"""g++ uses a precompiled header only when it was built with the same flags."""
HEADERS = ("curl/curl.h", "cstring", "iostream", "nlohmann/json.hpp", "regex")
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


def _namespace(folder: Path) -> str:
    return "snippet_" + hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]


def _unity(folders: list[Path]) -> str:
    """Every snippet in a namespace of its own, in one translation unit: its #include lines are
    no-ops there (the precompiled header included them first, and they have include guards), its
    main() is an ordinary function, and the program's main() runs the one it is called by."""
    filename = LANGUAGES["cpp"].filename("manual_http")
    parts = [f'namespace {_namespace(f)} {{\n#include "{(f / filename).resolve()}"\n}}\n' for f in folders]
    # A snippet's main() returns nothing and exits non-zero with std::exit: its value is not read.
    arms = "".join(f'  if (name == "{_namespace(f)}") return {_namespace(f)}::main(), 0;\n' for f in folders)
    return ("".join(parts) + "#include <string>\n\nint main(int, char** argv) {\n"
            "  std::string name = argv[0];\n  name = name.substr(name.rfind('/') + 1);\n"
            f"{arms}  return 2;\n}}\n")


def build(folders: list[Path]) -> None:
    """One g++ run over all the folders' snippets (nlohmann::json's templates are then compiled
    once, not once per snippet); each folder gets a link to the program, named for its snippet."""
    precompiled()
    batch = folders[0].parent / f"batch-{_namespace(folders[0])}"
    batch.mkdir(exist_ok=True)
    (batch / "snippets.cpp").write_text(_unity(folders), encoding="utf-8")
    built = subprocess.run(compile_argv(batch / "snippets.cpp", batch / "snippets"), capture_output=True,
                           text=True, timeout=BUILD_LIMIT_SECONDS)
    if built.returncode:
        pytest.fail(f"g++ failed:\n{built.stderr[-6000:]}", pytrace=False)
    for folder in folders:
        link = folder / _namespace(folder)
        link.unlink(missing_ok=True)
        link.symlink_to(batch / "snippets")


def program(folder: Path) -> list[str]:
    return [str(Path(folder).resolve() / _namespace(folder))]


BUILD = Build(build=build, program=program)
