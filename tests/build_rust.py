"""How the suite builds Rust snippets: every saved main.rs a module of ONE binary of one package,
so ureq, rustls and serde_json compile once per machine (one target directory under ~/.cache) and
one link serves every snippet, offline against the crates tests/run.sh fetched for
tests/rust/Cargo.lock. Each snippet runs through a link named after it: the binary calls the
main() of the module its own name (argv[0]) names."""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import json
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
LINKS = CACHE / "programs"
_BUILDS = itertools.count()
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


def _manifest() -> str:
    pinned = (PINNED / "Cargo.toml").read_text(encoding="utf-8")
    return pinned[: pinned.index("[[bin]]")] + '[[bin]]\nname = "snippets"\npath = "snippets.rs"\n'


def _source(folders: list[Path]) -> str:
    """One module per snippet (include! keeps its file's name in the compiler's messages), and a
    main() that runs the one whose name the program was called by."""
    modules = "".join(
        f"mod {_name(f)} {{\n    include!({json.dumps(str((f / 'main.rs').resolve()))});\n"
        "    pub fn run() {\n        main()\n    }\n}\n" for f in folders
    )
    arms = "".join(f'        "{_name(f)}" => {_name(f)}::run(),\n' for f in folders)
    return (f"{modules}\nfn main() {{\n    let called = std::env::args().next().unwrap_or_default();\n"
            "    match std::path::Path::new(&called).file_name().and_then(|n| n.to_str()).unwrap_or(\"\") {\n"
            f"{arms}        other => panic!(\"no snippet {{other}}\"),\n    }}\n}}\n")


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
        (PACKAGE / "Cargo.toml").write_text(_manifest(), encoding="utf-8")
        (PACKAGE / "snippets.rs").write_text(_source(folders), encoding="utf-8")
        shutil.copyfile(PINNED / "Cargo.lock", PACKAGE / "Cargo.lock")
        result = cargo(["build", "--offline", "--locked", "--message-format", "short", "-q"], PACKAGE)
        if result.returncode:
            pytest.fail(f"cargo build failed:\n{result.stderr[-6000:]}", pytrace=False)
        # A copy per build, so the next build (another worker's) cannot replace it mid-run.
        LINKS.mkdir(parents=True, exist_ok=True)
        _drop_copies_of_ended_runs()
        binary = LINKS / f"build-{os.getpid()}-{next(_BUILDS)}"
        shutil.copyfile(TARGET / "debug" / "snippets", binary)
        binary.chmod(0o755)
    for folder in folders:
        link = LINKS / _name(folder)
        link.unlink(missing_ok=True)
        link.symlink_to(binary)


def _drop_copies_of_ended_runs() -> None:
    for copy in LINKS.glob("build-*"):
        try:
            os.kill(int(copy.name.split("-")[1]), 0)
        except ProcessLookupError:
            copy.unlink(missing_ok=True)
        except (PermissionError, ValueError):
            pass


def program(folder: Path) -> list[str]:
    return [str(LINKS / _name(folder))]


BUILD = Build(build=build, program=program)
