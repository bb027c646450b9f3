"""How the suite builds saved C# snippets: every file in one `mcs` run, each run by its folder.

mcs builds one assembly per run, and every snippet declares `static class Program`: so each
saved file is compiled inside a namespace of its own (`using` directives are legal there),
behind a `#line` directive that keeps the compiler's messages on the saved file's own lines,
next to a launcher whose Main runs the Program.Main of the namespace it is given (with the
arguments after it). An
exception a snippet throws is rethrown as itself, so it exits as the snippet would alone.
The declared run line, one `mcs` per file, is checked as typed by tests/test_lang_csharp.py.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from snippetgen.languages import LANGUAGES
from toolchains import Build, command

FILENAME = LANGUAGES["csharp"].filename("manual_http")
REFERENCES = ["-r:System.Net.Http"]
"""What the run line references (mcs -r:System.Net.Http)."""
BUILD_LIMIT_SECONDS = 300
"""Against a hung compiler, not a timing assertion."""

LAUNCHER = """
namespace SnippetBuild
{
    static class Launcher
    {
        static void Main(string[] args)
        {
            var main = System.Type.GetType(args[0] + ".Program").GetMethod("Main", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public);
            try
            {
                var rest = System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Skip(args, 1));
                main.Invoke(null, main.GetParameters().Length == 0 ? null : new object[] { rest });
            }
            catch (System.Reflection.TargetInvocationException thrown)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(thrown.InnerException).Throw();
            }
        }
    }
}
"""

def namespace(folder: Path) -> str:
    return "Snippet_" + hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]


def build(folders: list[Path]) -> None:
    """One mcs run over the saved file of every folder; pytest.fail with mcs's messages."""
    if not folders:
        return
    mcs = command(("mcs",))[0]
    # One assembly per batch, beside the folders; each folder names it (builds may come from
    # another xdist worker, so nothing is kept in this process).
    out = folders[0].parent / ("batch-" + namespace(folders[0]))
    out.mkdir(exist_ok=True)
    parts = [LAUNCHER]
    for folder in folders:
        source = (folder / FILENAME).resolve()
        # The file as saved, inside its own namespace; #line keeps errors on its lines.
        parts.append(f"namespace {namespace(folder)}\n{{\n#line 1 \"{source}\"\n{source.read_text(encoding='utf-8')}\n#line default\n}}\n")
    combined = out / "snippets.cs"
    combined.write_text("".join(parts), encoding="utf-8")
    program = out / "snippets.exe"
    result = subprocess.run(
        [mcs, *REFERENCES, "-main:SnippetBuild.Launcher", f"-out:{program}", str(combined)],
        capture_output=True, text=True, timeout=BUILD_LIMIT_SECONDS,
    )
    if result.returncode != 0 or "warning" in result.stdout + result.stderr:
        pytest.fail(f"mcs failed:\n{(result.stdout + result.stderr)[-5000:]}", pytrace=False)
    for folder in folders:
        (folder / "assembly").write_text(str(program), encoding="utf-8")


def program(folder: Path) -> list[str]:
    assembly = folder / "assembly"
    if not assembly.exists():
        pytest.fail(f"{folder} was not built (build_csharp.build)", pytrace=False)
    return [command(("mono",))[0], assembly.read_text(encoding="utf-8"), namespace(folder)]


BUILD = Build(build=build, program=program)
