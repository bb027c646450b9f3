"""How the suite builds Rust snippets: every saved main.rs a `[[bin]]` of ONE package, so ureq,
rustls and serde_json compile once per machine (one target directory under ~/.cache), offline
against the crates tests/run.sh fetched for tests/rust/Cargo.lock."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from toolchains import Build, command

PINNED = Path(__file__).parent / "rust"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "snippetgen" / "rust"
PACKAGE = CACHE / "snippets"
TARGET = CACHE / "target"
# Safety net against a hung toolchain, not a timing assertion.
BUILD_LIMIT_SECONDS = 1200


def environment() -> dict[str, str]:
    """Cargo's own homes (a test's HOME is its folder), the shared target, and no network."""
    cargo_home = os.environ.get("CARGO_HOME") or str(Path.home() / ".cargo")
    rustup_home = os.environ.get("RUSTUP_HOME") or str(Path.home() / ".rustup")
    return {"CARGO_HOME": cargo_home, "RUSTUP_HOME": rustup_home, "CARGO_TARGET_DIR": str(TARGET),
            "CARGO_NET_OFFLINE": "true"}


def _name(folder: Path) -> str:
    return "s" + hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]


def _manifest(folders: list[Path]) -> str:
    pinned = (PINNED / "Cargo.toml").read_text(encoding="utf-8")
    head = pinned[: pinned.index("[[bin]]")]
    bins = "".join(f'[[bin]]\nname = "{_name(f)}"\npath = "{(f / "main.rs").resolve()}"\n\n' for f in folders)
    return head + bins


def cargo(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": str(Path.home()), **environment()}
    return subprocess.run([command(("cargo",))[0], *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=BUILD_LIMIT_SECONDS)


def build(folders: list[Path]) -> None:
    """One `cargo build` of every folder's main.rs; pytest.fail with cargo's message if one fails."""
    PACKAGE.mkdir(parents=True, exist_ok=True)
    # Two pytest workers share the package: one writes and builds it at a time.
    with open(CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        (PACKAGE / "Cargo.toml").write_text(_manifest(folders), encoding="utf-8")
        shutil.copyfile(PINNED / "Cargo.lock", PACKAGE / "Cargo.lock")
        result = cargo(["build", "--offline", "--locked", "--bins", "--message-format", "short", "-q"], PACKAGE)
    if result.returncode:
        pytest.fail(f"cargo build failed:\n{result.stderr[-6000:]}", pytrace=False)


def program(folder: Path) -> list[str]:
    return [str(TARGET / "debug" / _name(folder))]


BUILD = Build(build=build, program=program)
