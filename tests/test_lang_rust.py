"""Rust: every cell built in one `cargo build` and run against the sandbox, the .npy helpers
against the shared vectors, the literal filter read back byte for byte, rustfmt's fixed point,
and one cell run exactly as its install and run lines say."""

from __future__ import annotations

import base64
import json
import os
import random
import subprocess
from pathlib import Path

import numpy as np
import pytest

from snippetgen import Deployment, literals, render_snippet
from snippetgen.arrays import js_headers
from snippetgen.render import ENVIRONMENT
from snippetgen.sandbox import Sandbox
from test_formatters import hostile_renders  # noqa: F401 (the fixture)
from test_manual_http_languages import (
    EXAMPLES,
    FAKE,
    SPACE_DEPLOYMENTS,
    USER_KEY,
    check_calls,
    check_observations,
)
from builds import BUILDS
from toolchains import command, environment, runner

RUST = BUILDS["rust"]
RUN_LIMIT_SECONDS = 120  # against a hung program, not a timing assertion
VECTORS = Path(__file__).parent / "fixtures" / "npy"
MANIFEST = json.loads((VECTORS / "manifest.json").read_text())
OK = [v for v in MANIFEST if v["expect"] == "ok"]
REFUSED = [v for v in MANIFEST if v["expect"] == "refused"]
@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(EXAMPLES, user_key=USER_KEY) as sb:
        yield sb


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The .npy and string program of the tests below, built as the suite builds snippets.

    The cells themselves run in test_manual_http_languages.py and test_stream.py, built there."""
    folder = tmp_path_factory.mktemp("rust-program")
    (folder / "main.rs").write_text(arrays_program(), encoding="utf-8")
    RUST.build([folder])
    return {"arrays-program": (folder, None)}


def run_built(folder: Path, env: dict) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ["PATH"], "HOME": str(folder), "LANG": "C.UTF-8", **environment("rust"), **env}
    return subprocess.run(RUST.program(folder), cwd=folder, env=clean, capture_output=True, text=True,
                          encoding="utf-8", timeout=RUN_LIMIT_SECONDS)


# ---------------------------------------------------------------- one program: arrays and strings


def hostile_strings(n: int = 400) -> list[str]:
    """Seeded strings over every BMP class: controls, bidi, zero-width, separators, quotes, emoji."""
    rng = random.Random(18)
    special = ["\0", "\x1b", "\r", "\n", "\t", "\x7f", "\x85", "\u061c", "\u200b", "\u200e", "\u2028", "\u2029",
               "\u202e", "\u2066", "\ufeff", '"', "'", "\\", "{", "}", "$", "`", "🦀", "é", "\ud7ff", "\ue000"]
    out = ["".join(special), "".join(chr(c) for c in range(0x20)), "\\u{41}", "{}{{}}", "\"#"]
    for _ in range(n):
        chars = [rng.choice(special) if rng.random() < 0.5 else chr(rng.choice(
            [rng.randrange(0x20, 0x7f), rng.randrange(0xa0, 0xd800), rng.randrange(0xe000, 0x10000)]))
            for _ in range(rng.randrange(1, 12))]
        out.append("".join(chars))
    return out


STRINGS = hostile_strings()
# Every dtype a space sends, NaN, infinities and -0.0 among them, 0-d to many axes, and long.
SENT = [
    np.zeros((2, 3), dtype=np.float32),
    np.array([[0.5, -1.25], [3.0, 1e-30]]),
    np.array([0.1, -2.5, np.nan, np.inf, -0.0], dtype=np.float32),
    np.arange(-3, 3, dtype=np.int8),
    np.array([0, 255, 7], dtype=np.uint8),
    np.array([-32768, 32767], dtype=np.int16),
    np.array([[-(2**31), 2**31 - 1]], dtype=np.int32),
    np.array([-(2**63), 2**60 + 1, -5], dtype=np.int64),
    np.array([2**64 - 1, 3], dtype=np.uint64),
    np.array([True, False, True]),
    np.array([0.1, -2.5, 65504], dtype=np.float16),
    np.array(7, dtype=np.int64),
    np.full((2, 2, 2, 2, 2, 2, 2), 1.5, dtype=np.float32),
    np.arange(256, dtype=np.float64),
]
PROGRAM = """
fn main() {{
    let args: Vec<String> = std::env::args().collect();
    if args.len() > 1 {{
        from_npy(&json!(VECTORS[args.len() - 2]));
        return;
    }}
    let read: Vec<Value> = VECTORS.iter().zip(REFUSED).filter(|(_, r)| !**r).map(|(v, _)| from_npy(&json!(v))).collect();
    let written = vec![{written}];
    let sent = vec![{sent}];
    let strings = [{strings}];
    let hex: Vec<String> = strings.iter().map(|s| s.bytes().map(|b| format!("{{b:02x}}")).collect()).collect();
    let tree = from_wire(&{tree});
    println!("{{}}", json!({{"read": read, "written": written, "sent": sent, "strings": hex, "tree": tree}}));
}}

const VECTORS: &[&str] = &[{vectors}];
const REFUSED: &[bool] = &[{refused}];
"""


def helpers() -> str:
    """A Rust file's head and array helpers, rendered from the snippets' own partials."""
    context = {"arrays": True, "api_key": "k", "endpoint": "http://127.0.0.1:9", "timeout": 30,
               "npy_headers": js_headers(*SENT), "writes_headers": True, "answers_tree": True, "situation": "gym"}
    parts = ["_head", "_npy_headers", "_npy", "_from_npy", "_post"]
    return "".join(ENVIRONMENT.get_template(f"manual_http/rust/{p}.rs.jinja").render(context) for p in parts)


def _written(vector: dict) -> str:
    values = np.array(vector["values"], dtype=vector["dtype"]).reshape(vector["shape"]).ravel()
    literal = literals.rust(values)  # npy!(NPY_..., [...]): swap the constant for npy_header(...)
    head = f'npy_header({literals.rust(vector["descr"])}, &[{", ".join(map(str, vector["shape"]))}])'
    return head.join([literal[:5], literal[literal.index(", "):]])


WRITES = [v for v in OK if v["version"] == 1 and v["shape"]]
TREE = {"move": np.array(1, dtype=np.int64), "both": [np.array([0.5], dtype=np.float32), None]}


def arrays_program() -> str:
    """The snippets' helpers, then a main() printing what they read, write and print."""
    from snippetgen.arrays import to_wire

    return helpers() + PROGRAM.format(
        written=", ".join(_written(v) for v in WRITES),
        sent=", ".join(literals.rust(a) for a in SENT),
        strings=", ".join(literals.rust(s) for s in STRINGS),
        tree=literals.rust(to_wire(TREE)),
        vectors=", ".join(literals.rust(base64.b64encode((VECTORS / v["file"]).read_bytes()).decode()) for v in MANIFEST),
        refused=", ".join("true" if v["expect"] == "refused" else "false" for v in MANIFEST),
    )


@pytest.fixture(scope="module")
def program(built):
    folder, _ = built["arrays-program"]
    result = run_built(folder, {})
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    # `program x x ...` reads vector n (n arguments after the first) alone: a refusal exits non-zero.
    refusals = {
        v["file"]: subprocess.run([*RUST.program(folder), *["x"] * (n + 1)], capture_output=True, text=True,
                                  timeout=RUN_LIMIT_SECONDS)
        for n, v in enumerate(MANIFEST) if v["expect"] == "refused"
    }
    return {"found": found, "writes": WRITES, "refused": refusals}


def test_rust_reads_every_ok_vector_with_shape_and_values(program):
    for vector, read in zip(OK, program["found"]["read"], strict=True):
        assert read["shape"] == vector["shape"][1:], vector["file"]
        want = np.array(vector["values"], dtype=vector["dtype"]).astype(np.float64).tolist()
        got = [float(v) for v in read["values"]]
        assert got == want, vector["file"]


def test_rust_refuses_big_endian_and_fortran_order_saying_so(program):
    assert REFUSED
    for vector in REFUSED:
        result = program["refused"][vector["file"]]
        why = "big-endian" if vector["descr"].startswith(">") else "Fortran order"
        assert result.returncode != 0 and why in result.stderr, (vector["file"], result.stderr)


def test_rust_writes_numpys_bytes(program):
    for vector, written in zip(program["writes"], program["found"]["written"], strict=True):
        assert base64.b64decode(written) == (VECTORS / vector["file"]).read_bytes(), vector["file"]
    from snippetgen.arrays import npy_base64

    assert program["found"]["sent"] == [npy_base64(a) for a in SENT]


def test_rust_reads_a_tree_of_answers(program):
    assert program["found"]["tree"] == {"move": {"shape": [], "values": [1]},
                                        "both": [{"shape": [1], "values": [0.5]}, None]}


def test_rust_string_literals_read_back_byte_for_byte(program):
    assert program["found"]["strings"] == [s.encode("utf-8").hex() for s in STRINGS]
    for text in STRINGS:
        literal = literals.rust(text)
        assert not any(ord(c) < 0x20 or c in "\x7f\u2028\u202e\ufeff\u200b" for c in literal), literal


def test_a_lone_surrogate_is_refused():
    with pytest.raises(ValueError, match="lone surrogate U\\+D800"):
        literals.rust("a\ud800")


# ---------------------------------------------------------------- rustfmt's fixed point

SNAPSHOTS = Path(__file__).parent / "snapshots" / "manual_http" / "rust"


def long_renders() -> dict[str, str]:
    base = SPACE_DEPLOYMENTS["gym box_bounded"]
    long_name = base.model_copy(update={"name": "n" * 1000, "endpoint": "https://arena.invalid/" + "e" * 1000})
    renders = {"long-name.rs": render_snippet(long_name, "manual_http", language="rust").copy_code}
    for n, space in enumerate([
        {"type": "Box", "low": -1.0, "high": 1.0, "shape": [256], "dtype": "float32"},
        {"type": "Box", "low": -(2**62), "high": 2**62, "shape": [256], "dtype": "int64"},
        {"type": "Dict", "spaces": {"a": {"type": "Tuple", "spaces": [
            {"type": "Box", "low": 0, "high": 1, "shape": [256], "dtype": "float64"},
            {"type": "Dict", "spaces": {"b": {"type": "Discrete", "n": 3}}}]}}},
        {"type": "Tuple", "spaces": [{"type": "Box", "low": -1.0, "high": 1.0, "shape": [40], "dtype": "float32"},
                                     {"type": "Discrete", "n": 3}]},
    ]):
        for situation, extra in (("gym", {"algorithm": "PPO", "env_type": "gym", "action_space": {"type": "Discrete", "n": 4}}),
                                 ("predict", {"algorithm": "Supervised", "env_type": "supervised"})):
            deployment = Deployment(name=f"long {n}", observation_space=space, **extra, **FAKE)
            renders[f"long-{n}-{situation}.rs"] = render_snippet(deployment, "manual_http", language="rust").copy_code
    for name, deployment in SPACE_DEPLOYMENTS.items():
        renders[f"space-{name.replace(' ', '-')}.rs"] = render_snippet(deployment, "manual_http", language="rust").code
    return renders


def layouts() -> str:
    """Seeded arrays, trees and strings as statements at one and two levels: rustfmt's breaks
    (100 columns, 60 for call arguments and array items, short items filling lines)."""
    rng = np.random.default_rng(18)
    dtypes = ["float32", "float64", "int8", "int32", "int64", "uint8", "bool", "float16"]
    functions = []
    for i in range(160):
        dtype, n = dtypes[i % len(dtypes)], int(rng.choice([1, 2, 3, 5, 8, 13, 20, 40, 64, 65, 100, 256]))
        if dtype == "bool":
            values = rng.integers(0, 2, n).astype(bool)
        elif dtype.startswith("float"):
            values = (rng.standard_normal(n) * 10.0 ** rng.integers(-5, 5)).astype(dtype)
        else:
            info = np.iinfo(dtype)
            values = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True) if i % 4 else np.arange(n) % 9
            values = values.astype(dtype)
        if i % 3 == 0 and n % 4 == 0:
            values = values.reshape(n // 4, 4)
        assign = ["let obs =", 'body["action_mask"] =', "let inputs ="][i % 3]
        nested = i % 2
        for value in (values, {"a": values, "b": [values, None]}, [values, values], ["x" * int(rng.integers(1, 90))]):
            statement = literals.rust(value, assign=assign, indent=1 + nested)
            body = f"    loop {{\n        {statement}\n    }}" if nested else f"    {statement}"
            functions.append(f"fn f{len(functions)}() {{\n{body}\n}}\n")
    return "\n".join(functions)


def test_snapshots_hostile_and_long_renders_are_what_rustfmt_prints(hostile_renders, tmp_path):  # noqa: F811
    files = {p.name: p.read_text(encoding="utf-8") for p in SNAPSHOTS.iterdir()}
    files |= {f"h-{name}": code for name, code, language, _ in hostile_renders if language == "rust"}
    files |= long_renders()
    files["layouts.rs"] = layouts()
    assert len(files) > 100
    for name, code in files.items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    rustfmt = command(("rustfmt",))[0]
    result = subprocess.run([rustfmt, "--edition", "2024", "--check", *sorted(str(tmp_path / n) for n in files)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]


# ---------------------------------------------------------------- as a user types it


def test_the_gym_cell_runs_as_its_install_and_run_lines_say(sandbox, tmp_path):
    deployment = sandbox.deployment(next(d for d in EXAMPLES if d.situation == "gym").name)
    snippet = render_snippet(deployment, "manual_http", language="rust")
    assert snippet.install.endswith("cargo init && cargo add ureq@3 serde_json@1 base64@0.22")
    assert snippet.run == "cargo run -q" and snippet.filename == "main.rs"
    folder = tmp_path / "arena-gym"  # an empty folder (cargo init refuses the home folder itself)
    folder.mkdir()
    (folder / "main.rs").write_text(snippet.copy_code, encoding="utf-8")
    install = snippet.install.split("in this folder: ", 1)[1]
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8", **environment("rust")}
    # The user's commands as typed; CARGO_TARGET_DIR only puts the build where the crates that
    # tests/run.sh built already are, so the suite does not compile rustls a second time.
    sandbox.clear()
    result = subprocess.run(["bash", "-c", f"{install} && {snippet.run}"], cwd=folder, env=env,
                            capture_output=True, text=True, timeout=1200)
    calls = check_calls(sandbox, deployment, result)
    check_observations(deployment, calls)
    assert "action: " in result.stdout
    assert runner("rust")[0].endswith("bash")
