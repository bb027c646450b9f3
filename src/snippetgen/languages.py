"""One declaration per snippet language; everything else reads it.

A language's id names its template folder (`templates/<tab>/<id>/`) and its cells in
the rule table; its title labels it on the reference page and in docs; its lexer
highlights it in the preview, the page and docs; its extension names the file a
user saves (`<tab>.<extension>`); `literal` is the filter its templates print values
with. The rest says how the test suite holds each snippet to its ecosystem: the
formatter it is a fixed point of, its syntax check, how it runs a saved file, and
how many lines a Manual HTTP snippet may show.

Adding a language: a declaration here, its templates, its snapshots.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal


@dataclass(frozen=True)
class Language:
    id: str
    title: str
    extension: str
    lexer: str
    """The Pygments lexer."""
    literal: str
    """The literal filter (literals.FILTERS) its templates print values with."""
    formatter: Literal["black", "prettier", "shfmt", "gofmt", "google-java-format", "clang-format", "rustfmt"]
    """The formatter every snippet is a fixed point of, as the tests run it: black; Prettier 3
    with its defaults; `shfmt -i 2`; gofmt; google-java-format; clang-format (C++; C# with the style
    `{BasedOnStyle: Microsoft, ColumnLimit: 0}`); rustfmt."""
    run: str
    """How a user runs the saved file: `{filename}` is its name."""
    install: str | None
    """What to install first; Python snippets derive theirs from their imports."""
    runner: tuple[str, ...]
    """How the tests run a saved file (the file's path is appended)."""
    syntax_check: tuple[str, ...] | None
    """A command that checks a saved file's syntax (its path appended); None: Python's compile()."""
    line_budgets: Mapping[str, int]
    """Manual HTTP: the most lines shown, per situation."""
    file: str = "{tab}.{extension}"
    """The name a user saves the code under; a toolchain may fix it (Cargo finds `main.rs`)."""
    httpsnippet: tuple[str, str] | None = None
    """httpsnippet's target and client for the same Manual HTTP snippet, when it has one: the
    bench times the set of them side by side (`python -m snippetgen bench --against httpsnippet`)."""

    def filename(self, tab: str) -> str:
        return self.file.format(tab=tab, extension=self.extension)

    def run_line(self, tab: str) -> str:
        return self.run.format(filename=self.filename(tab))


def _budgets(short: int, recurrent: int, pettingzoo: int, llm: int) -> dict[str, int]:
    return {
        "gym": short,
        "supervised": short,
        "latent_ppo": short,
        "recurrent_ppo": recurrent,
        "pettingzoo": pettingzoo,
        "llm": llm,
    }


_DECLARATIONS = (
    Language(
        id="python",
        title="Python",
        extension="py",
        lexer="python",
        literal="py",
        formatter="black",
        run="python {filename}",
        install=None,
        runner=("python",),
        syntax_check=None,
        line_budgets=_budgets(40, 45, 50, 40),
        httpsnippet=("python", "requests"),
    ),
    Language(
        id="shell",
        title="Shell",
        extension="sh",
        lexer="bash",
        literal="sh",
        formatter="shfmt",
        run="bash {filename}",
        install=None,
        runner=("bash",),
        syntax_check=("bash", "-n"),
        line_budgets={},
    ),
    Language(
        id="curl",
        title="curl",
        extension="sh",
        lexer="bash",
        literal="sh",
        formatter="shfmt",
        run="bash {filename}",
        install="curl 7.76 or newer (for --fail-with-body); the Recurrent PPO example also needs jq",
        runner=("bash",),
        syntax_check=("bash", "-n"),
        line_budgets=_budgets(35, 45, 45, 40),
        httpsnippet=("shell", "curl"),
    ),
    Language(
        id="javascript",
        title="JavaScript",
        extension="mjs",
        lexer="javascript",
        literal="js",
        formatter="prettier",
        run="node {filename}",
        install="Node.js 18 or newer, or a browser (fetch, atob, btoa); no packages",
        runner=("node",),
        syntax_check=("node", "--check"),
        line_budgets=_budgets(60, 70, 80, 40),
        httpsnippet=("javascript", "fetch"),
    ),
    Language(
        id="go",
        title="Go",
        extension="go",
        lexer="go",
        literal="go",
        formatter="gofmt",
        run="go run {filename}",
        install="Go 1.21 or newer; the standard library only",
        runner=("go", "run"),
        # Parses without type checking, as node --check does: a placeholder still passes.
        syntax_check=("gofmt", "-l", "-e"),
        line_budgets=_budgets(90, 110, 110, 90),
    ),
    Language(
        id="csharp",
        title="C#",
        extension="cs",
        lexer="csharp",
        literal="cs",
        # clang-format 14, style {BasedOnStyle: Microsoft, ColumnLimit: 0}: no .NET SDK here for
        # dotnet format or CSharpier; with no column limit it keeps line breaks, as dotnet format does.
        formatter="clang-format",
        run="mcs -r:System.Net.Http {filename} && mono manual_http.exe",
        install="Mono (mono-devel), or a .NET 6+ console project (`dotnet new console`, this file as "
        "Program.cs); no packages",
        # Compiles and runs the saved file as the run line does (the suite builds with tests/build_csharp.py).
        runner=("bash", "-c", 'mcs -r:System.Net.Http "$0" && exec mono "${0%.cs}.exe"'),
        # Parses without resolving names, as gofmt -e does: a placeholder still passes.
        syntax_check=("mcs", "--parse"),
        line_budgets=_budgets(90, 110, 110, 90),
    ),
    Language(
        id="rust",
        title="Rust",
        extension="rs",
        lexer="rust",
        literal="rust",
        formatter="rustfmt",
        run="cargo run -q",
        install="Rust with Cargo; in this folder: cargo init && cargo add ureq@3 serde_json@1 base64@0.22",
        # Does in a test's folder what `install` and `run` say, offline (tests/run.sh fetched the crates);
        # a test's folder is its HOME, where cargo init refuses to make a package.
        runner=("bash", "-c", 'cd "$(dirname "$0")" && HOME=/nonexistent cargo init -q'
                " && cargo add -q ureq@3 serde_json@1 base64@0.22 && cargo run -q"),
        # Parses without building, as gofmt -e does for Go: a placeholder still passes.
        syntax_check=("rustfmt", "--edition", "2024", "--emit", "stdout"),
        line_budgets=_budgets(90, 110, 110, 90),
        file="main.rs",
    ),
    Language(
        id="cpp",
        title="C++",
        extension="cpp",
        lexer="cpp",
        literal="cpp",
        # clang-format --style=Google (Debian's clang-format 14): 80 columns, 2-space indents.
        formatter="clang-format",
        run="g++ -std=c++17 {filename} -lcurl -o manual_http && ./manual_http",
        install=(
            "A C++17 compiler with libcurl and nlohmann/json 3: apt install g++ libcurl4-openssl-dev "
            "nlohmann-json3-dev (Homebrew: curl nlohmann-json; vcpkg: curl nlohmann-json)"
        ),
        # The run line, with the saved file's name ($0) and the program run in place of the shell.
        runner=("sh", "-c", 'g++ -std=c++17 "$0" -lcurl -o manual_http && exec ./manual_http'),
        # Types check too; a placeholder stands for an empty json value.
        syntax_check=(
            "g++", "-std=c++17", "-fsyntax-only", "-DYOUR_OBS_HERE=json()", "-DYOUR_INPUTS_HERE=json()",
        ),
        # Over the 90/110 of the other languages: C++17 has no base64, and the .npy codec and
        # the curl call are spelled out (see the snapshots).
        line_budgets=_budgets(130, 140, 150, 65),
    ),
    Language(
        id="java",
        title="Java",
        extension="java",
        lexer="java",
        literal="java",
        formatter="google-java-format",
        # The single-file source launcher compiles and runs it; "*" puts the jars beside it on the class path.
        run='java -cp "*" {filename}',
        install=(
            "Java 17 or newer, and Jackson's jars (com.fasterxml.jackson.core: jackson-databind 2.23.0, "
            "jackson-core 2.23.0, jackson-annotations 2.23) in the folder: "
            "for jar in jackson-databind:2.23.0 jackson-core:2.23.0 jackson-annotations:2.23; "
            "do mvn dependency:copy -Dartifact=com.fasterxml.jackson.core:$jar -DoutputDirectory=.; done"
        ),
        # The tests put the jars on the class path through CLASSPATH (toolchains.environment).
        runner=("java",),
        # Parses without resolving names, as node --check does: a placeholder still passes.
        syntax_check=("google-java-format", "--dry-run"),
        line_budgets=_budgets(90, 110, 110, 90),
    ),
)

LANGUAGES: dict[str, Language] = {language.id: language for language in _DECLARATIONS}

if TYPE_CHECKING:
    LanguageId = str
else:
    # A Literal of the declared ids: pydantic models and the OpenAPI document list them.
    LanguageId = Literal[tuple(LANGUAGES)]


def language(language_id: str) -> Language:
    """The declaration of a language id; KeyError names the known ones."""
    try:
        return LANGUAGES[language_id]
    except KeyError:
        raise KeyError(f"unknown language {language_id!r}; known: {', '.join(LANGUAGES)}") from None
