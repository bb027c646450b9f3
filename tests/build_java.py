"""How the suite builds saved Java snippets: one JVM compiles them all, then each runs with java."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from snippetgen.languages import LANGUAGES
from toolchains import JAVA_JARS, Build, command, java_jars

COMPILER = Path(__file__).parent / "java" / "BatchCompile.java"
MAIN_CLASS = "ManualHttp"
"""The class every Java snippet declares."""
# Safety net against a hung compiler, not a timing assertion.
BUILD_LIMIT_SECONDS = 600


def jackson() -> str:
    return f"{java_jars(JAVA_JARS / 'jackson')}/*"


def build(folders: list[Path]) -> None:
    """Compiles every `<folder>/manual_http.java` into `<folder>/classes` in one JVM."""
    if not folders:
        return
    filename = LANGUAGES["java"].filename("manual_http")
    # The compiler API takes no `dir/*`: the jars one by one.
    jars = ":".join(str(jar) for jar in sorted(java_jars(JAVA_JARS / "jackson").glob("*.jar")))
    result = subprocess.run(
        [*command(("java",)), str(COMPILER), jars, filename, *map(str, folders)],
        capture_output=True, text=True, timeout=BUILD_LIMIT_SECONDS,
    )
    if result.returncode:
        pytest.fail(f"javac: {result.stderr[-4000:]}", pytrace=False)


# A snippet makes a few calls and exits: the C1 compiler and the serial collector start it sooner.
QUICK_START = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def program(folder: Path) -> list[str]:
    classes = Path(folder).resolve() / "classes"
    return [*command(("java",)), *QUICK_START, "-cp", f"{classes}:{jackson()}", MAIN_CLASS]


BUILD = Build(build=build, program=program)
