"""C++17 snippets under test: their .npy codec against NumPy's bytes, the cpp literal
filter against hostile strings, clang-format --style=Google over every snippet, and the
run line as a user types it.

One program (the snippets' own partials and a test main) holds the codec checks and
the hostile strings: one g++ run for the module, the rest runs what it built.
"""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from snippetgen import Deployment, literals, render_snippet
from snippetgen.arrays import js_headers, npy_base64, to_wire
from snippetgen.examples import example_deployment, examples
from snippetgen.languages import LANGUAGES
from snippetgen.render import ENVIRONMENT
from snippetgen.sandbox import Sandbox
from snippetgen.unsafe import UNSAFE
from test_npy_vectors import OK, REFUSED, array, ids, raw, reason
from build_cpp import compile_argv
from builds import BUILDS

STYLE = "--style=Google"
"""The clang-format style every C++ snippet is a fixed point of (languages.py)."""
RUN_LIMIT_SECONDS = 120  # against a hung program, not a timing assertion
SNAPSHOTS = Path(__file__).parent / "snapshots" / "manual_http" / "cpp"

# Every dtype a space sends, 0-d to many axes, NaN, infinity and -0.0 included.
SENT = [
    np.zeros((2, 3), dtype=np.float32),
    np.array([[0.5, -1.25], [3.0, 1e-30]], dtype=np.float64),
    np.array([0.1, -2.5, np.nan, np.inf, -0.0], dtype=np.float32),
    np.array([-0.0, 16777217.0], dtype=np.float64),
    np.arange(-3, 3, dtype=np.int8),
    np.array([0, 255, 7], dtype=np.uint8),
    np.array([-32768, 32767], dtype=np.int16),
    np.array([[-(2**31), 2**31 - 1]], dtype=np.int32),
    np.array([-(2**63), 2**60 + 1, -5], dtype=np.int64),
    np.array([2**64 - 1, 3], dtype=np.uint64),
    np.array([True, False, True], dtype=bool),
    np.array([0.1, -2.5, 65504, 6e-8], dtype=np.float16),
    np.array(7, dtype=np.int64),
    np.full((2, 2, 2, 2, 2, 2, 2, 2, 1), 1.5, dtype=np.float32),
    np.arange(256, dtype=np.float32) / 8,
]
TREE = {"move": np.array(1, dtype=np.int64), "both": [np.array([0.5], dtype=np.float32), None]}

# Seeded: the same hostile strings every run, from every class of BMP code point and a few beyond.
_CLASSES = [
    [chr(c) for c in range(0x20)] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)],
    sorted(UNSAFE),
    ['"', "\\", "'", "?", "??=", "??/", "\n", "\t", "0", "7", "f", " "],
    ["é", "ï", "中", "\u00a0", "\u2028", "\u2029", "\ufeff", "\uffff", "\ufffd"],
    ["🦀", "😀", "\U0010ffff", "\U00010000"],
]


def hostile_strings(count: int = 300) -> list[str]:
    rng = random.Random(18)
    made = ["", "\x00", "\x007", "\\0", "\\x41", "??=", "*/ /* //", '")\n', "\x001\x002"]
    while len(made) < count:
        size = rng.randrange(1, 24)
        made.append("".join(rng.choice(rng.choice(_CLASSES)) for _ in range(size)))
        if rng.random() < 0.2:
            made.append("".join(chr(rng.randrange(0x20, 0xD800)) for _ in range(size)))
    return made


HOSTILE = hostile_strings()

TEST_MAIN = r"""
std::string hex(const std::string& bytes) {
  std::string text;
  for (char c : bytes) {
    text += "0123456789abcdef"[uint8_t(c) >> 4];
    text += "0123456789abcdef"[c & 15];
  }
  return text;
}

std::string file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int main(int argc, char** argv) {
  if (argc == 3) {  // read one .npy file: shape and values as fromNpy gives them
    std::cout << fromNpy(toBase64(file(argv[2]))) << std::endl;
    return 0;
  }
  json out;
%(body)s
  std::cout << out.dump() << std::endl;
}
"""


def helpers(headers) -> str:
    """A C++ file's head and array helpers, rendered from the C++ snippets' own partials."""
    context = {"arrays": True, "api_key": "fake-key-0000", "endpoint": "http://127.0.0.1:9", "timeout": 30,
               "npy_headers": headers, "writes_headers": True, "answers_tree": True, "situation": "gym"}
    parts = ["_includes", "_credentials", "_npy_headers", "_helpers"]
    templates = [ENVIRONMENT.get_template(f"manual_http/cpp/{part}.cpp.jinja") for part in parts]
    text = "".join(template.render(context) for template in templates)
    return "#include <fstream>\n" + text


def _written(vector) -> str:
    """npy(npyHeader(descr, {shape}), std::vector<T>{...}): what a user writes for an unknown space."""
    literal = literals.cpp(array(vector))
    shape = ", ".join(map(str, vector["shape"]))
    head = f"npyHeader({literals.cpp(vector['descr'])}, {{{shape}}})"
    return literal.replace(literal[4:literal.index(", ")], head, 1)


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    """The test program, built once: its JSON output, and its path to read files with."""
    folder = tmp_path_factory.mktemp("cpp-arrays")
    writes = [v for v in OK if v["version"] == 1]
    lines = [f"  out[\"sent\"][{i}] = {literals.cpp(a)};" for i, a in enumerate(SENT)]
    lines += [f"  out[\"written\"][{i}] = {_written(v)};" for i, v in enumerate(writes)]
    lines += [f"  out[\"tree\"] = fromWire({literals.cpp(to_wire(TREE))});"]
    lines += [f"  out[\"strings\"][{i}] = hex({literals.cpp(text)});" for i, text in enumerate(HOSTILE)]
    source = folder / "arrays.cpp"
    source.write_text(helpers(js_headers(*SENT)) + TEST_MAIN % {"body": "\n".join(lines)}, encoding="utf-8")
    built = subprocess.run(compile_argv(source, folder / "arrays"), capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-5000:]
    run = subprocess.run([str(folder / "arrays")], capture_output=True, text=True, timeout=RUN_LIMIT_SECONDS)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    out["written"] = dict(zip([v["file"] for v in writes], out["written"], strict=True))
    return {"out": out, "path": folder / "arrays"}


def read_with(program, vector) -> subprocess.CompletedProcess:
    path = Path(__file__).parent / "fixtures" / "npy" / vector["file"]
    return subprocess.run([str(program["path"]), "read", str(path)], capture_output=True, text=True,
                          timeout=RUN_LIMIT_SECONDS)


# ---------------------------------------------------------------- .npy against NumPy's bytes


def test_cpp_sends_the_bytes_numpy_writes(program):
    assert program["out"]["sent"] == [npy_base64(a) for a in SENT]


@pytest.mark.parametrize("vector", [v for v in OK if v["version"] == 1], ids=ids)
def test_cpp_writes_numpys_header_and_bytes(vector, program):
    assert base64.b64decode(program["out"]["written"][vector["file"]]) == raw(vector)


@pytest.mark.parametrize("vector", OK, ids=ids)
def test_cpp_reads_every_ok_vector(vector, program):
    result = read_with(program, vector)
    assert result.returncode == 0, result.stderr
    read = json.loads(result.stdout)
    # fromNpy drops the batch axis; values are plain numbers, bools as true and false.
    assert read["shape"] == vector["shape"][1:]
    assert read["values"] == array(vector).ravel().tolist()


@pytest.mark.parametrize("vector", REFUSED, ids=ids)
def test_cpp_refuses_big_endian_and_fortran_order_saying_so(vector, program):
    result = read_with(program, vector)
    assert result.returncode != 0 and reason(vector) in result.stderr, result.stderr


def test_cpp_reads_a_tree_of_answers(program):
    assert program["out"]["tree"] == {"move": {"shape": [], "values": [1]},
                                      "both": [{"shape": [1], "values": [0.5]}, None]}


# ---------------------------------------------------------------- the literal filter


def test_hostile_strings_come_back_byte_for_byte(program):
    assert program["out"]["strings"] == [text.encode("utf-8").hex() for text in HOSTILE]


def test_cpp_string_literals_are_printable_ascii():
    for text in HOSTILE:
        literal = literals.cpp(text)
        assert literal.isascii() and literal.isprintable(), literal


@pytest.mark.parametrize("surrogate", ["\ud800", "a\udfffb"])
def test_a_lone_surrogate_is_refused(surrogate):
    with pytest.raises(ValueError, match="lone surrogate"):
        literals.cpp(surrogate)


# ---------------------------------------------------------------- clang-format


def long_deployments() -> list[Deployment]:
    fake = {"endpoint": "https://arena.invalid/" + "e" * 300, "api_key": "fake-key-" + "k" * 200}
    nested = {"type": "Dict", "spaces": {
        "k" * 90: {"type": "Tuple", "spaces": [
            {"type": "Box", "low": -1.0, "high": 1.0, "shape": [256], "dtype": "float32"},
            {"type": "Dict", "spaces": {"inner": {"type": "Discrete", "n": 3},
                                        "": {"type": "MultiBinary", "n": 5}}},
        ]},
        "ramp": {"type": "Box", "low": [float(i) for i in range(256)], "high": 1000.0, "shape": [256],
                 "dtype": "float32"},
    }}
    box = {"type": "Box", "low": 0.5, "high": 1.0, "shape": [256], "dtype": "float64"}
    return [
        Deployment(name="n" * 1000, algorithm="PPO", env_type="gym", observation_space=nested,
                   action_space={"type": "Discrete", "n": 4}, **fake),
        Deployment(name="long recurrent", algorithm="RecurrentPPO", env_type="gym", observation_space=box,
                   action_space={"type": "Discrete", "n": 4}, **fake),
        Deployment(name="long pettingzoo", algorithm="IPPO", env_type="pettingzoo",
                   agents=("a" * 64, "b"), observation_space={"a" * 64: nested, "b": box},
                   action_space={"a" * 64: {"type": "Discrete", "n": 256}, "b": {"type": "Discrete", "n": 2}},
                   action_mask=True, env_defined_actions=True, **fake),
        Deployment(name="long predict", algorithm="Supervised", env_type="supervised",
                   observation_space=nested, action_space={"type": "Tuple", "spaces": [box, box]}, **fake),
        Deployment(name="long llm", algorithm="GRPO", env_type="llm", **fake),
    ]


def hostile_renders() -> dict[str, str]:
    """Renders of every situation with hostile deployments, prompts and keys, drawn as
    test_formatters draws them."""
    from hypothesis import strategies as st

    from snippetgen.rules import SITUATIONS
    from test_fast_path import deployments
    from test_formatters import collect
    from test_hostile_values import keys, prompts

    files = {}
    for situation in SITUATIONS:
        cases = collect(st.tuples(deployments().filter(lambda d, s=situation: d.situation == s),
                                  st.none() | prompts, keys), 4)
        for n, (deployment, prompt, key) in enumerate(cases):
            deployment = deployment.model_copy(update={"api_key": type(deployment.api_key)(key)})
            for key_display in ("masked", "env"):
                for variant in (("request", "stream") if situation == "llm" else ("request",)):
                    options = {"key_display": key_display, "prompt": prompt, "variant": variant}
                    snippet = render_snippet(deployment, "manual_http", language="cpp", **options)
                    files[f"hostile-{situation}-{n}-{key_display}-{variant}.cpp"] = snippet.code
                    files[f"hostile-{situation}-{n}-{key_display}-{variant}-copy.cpp"] = snippet.copy_code
    return files


def clang_format() -> str:
    found = shutil.which("clang-format")
    if found is None:
        pytest.fail("clang-format is missing: run `bash tests/run.sh` (it installs Debian's clang-format)",
                    pytrace=False)
    return found


def test_every_cpp_snippet_is_what_clang_format_prints(tmp_path):
    """Snapshots, hostile renders and long values (a 1,000-character name, 256-value arrays,
    nested trees, 100-character keys): one clang-format run over all of them."""
    files = {path.name: path.read_text(encoding="utf-8") for path in SNAPSHOTS.iterdir()}
    assert len(files) == 7
    for deployment in long_deployments():
        for key_display in ("masked", "env", "placeholders"):
            snippet = render_snippet(deployment, "manual_http", language="cpp", key_display=key_display)
            files[f"long-{deployment.situation}-{key_display}.cpp"] = snippet.code
    files |= hostile_renders()
    for name, code in files.items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    result = subprocess.run([clang_format(), STYLE, "--dry-run", "--Werror", *sorted(files)], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0 and not result.stderr, result.stderr[-6000:]


# ---------------------------------------------------------------- built and run


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox([*examples(), *long_deployments()], user_key="fake-user-key-0000") as sb:
        yield sb


def test_long_values_build_and_run_against_the_sandbox(sandbox, tmp_path):
    folders = []
    for n, deployment in enumerate(long_deployments()):
        folder = tmp_path / str(n)
        folder.mkdir()
        snippet = render_snippet(sandbox.deployment(deployment.name), "manual_http", language="cpp")
        (folder / LANGUAGES["cpp"].filename("manual_http")).write_text(snippet.copy_code, encoding="utf-8")
        folders.append((deployment, folder))
    BUILDS["cpp"].build([folder for _, folder in folders])
    for deployment, folder in folders:
        sandbox.clear()
        clean = {"PATH": os.environ["PATH"], "HOME": str(folder), "LANG": "C.UTF-8"}
        result = subprocess.run(BUILDS["cpp"].program(folder), cwd="/", env=clean, capture_output=True,
                                text=True, timeout=RUN_LIMIT_SECONDS)
        assert result.returncode == 0, result.stderr
        calls = sandbox.received
        assert calls and all(call.status == 200 for call in calls), [c.body for c in calls]
        assert all(call.deployment == deployment.name for call in calls)


def test_the_run_line_runs_as_typed_in_an_empty_folder(sandbox, tmp_path):
    """A user saves the gym example as manual_http.cpp in an empty folder and types the run
    line (what `install` names is there: tests/run.sh installs the Debian packages)."""
    declared = LANGUAGES["cpp"]
    deployment = sandbox.deployment(example_deployment("gym").name)
    snippet = render_snippet(deployment, "manual_http", language="cpp")
    (tmp_path / declared.filename("manual_http")).write_text(snippet.copy_code, encoding="utf-8")
    assert declared.run_line("manual_http") == (
        "g++ -std=c++17 manual_http.cpp -lcurl -o manual_http && ./manual_http")
    for package in ("libcurl4-openssl-dev", "nlohmann-json3-dev"):
        assert package in declared.install
    sandbox.clear()
    clean = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    result = subprocess.run(["sh", "-c", declared.run_line("manual_http")], cwd=tmp_path, env=clean,
                            capture_output=True, text=True, timeout=RUN_LIMIT_SECONDS * 2)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("action: {\"shape\":[],\"values\":[")
    (call,) = sandbox.received
    assert call.status == 200 and call.arrays == {"obs": ((1, 4), "float32")}


if __name__ == "__main__":  # the test program's source, to read
    sys.stdout.write(helpers(js_headers(*SENT)))
