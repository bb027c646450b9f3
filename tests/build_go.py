"""Go snippets for the suite: every folder a main package of one module, one `go build`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from toolchains import Build, command, environment

# A safety net against a hung toolchain, not a timing assertion.
BUILD_LIMIT_SECONDS = 600


def build(folders: list[Path]) -> None:
    # `go run manual_http.go` builds the file as a one-file main package; so does this, for
    # all the folders at once, sharing the work go would otherwise repeat per run.
    module = folders[0].parent
    (module / "go.mod").write_text("module snippets\n\ngo 1.21\n")
    env = {"PATH": command(("go",))[0].rsplit("/", 1)[0] + ":/usr/bin:/bin", "HOME": str(module),
           **environment("go")}
    result = subprocess.run(
        [command(("go",))[0], "build", "-ldflags=-s -w", "-o", str(module / "bin") + "/", *(f"./{f.name}" for f in folders)],
        cwd=module, env=env, capture_output=True, text=True, timeout=BUILD_LIMIT_SECONDS,
    )
    if result.returncode != 0:
        pytest.fail(f"go build failed:\n{result.stderr[-4000:]}", pytrace=False)


def program(folder: Path) -> list[str]:
    return [str(folder.parent / "bin" / folder.name)]


BUILD = Build(build=build, program=program)
