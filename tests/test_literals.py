"""Literal filters: each writes a literal of its language that reads back to exactly the value."""

from __future__ import annotations

import ast
import json
import os
import shlex
import subprocess

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snippetgen import literals
from snippetgen.unsafe import PATTERN as UNSAFE
from toolchains import environment, runner

NASTY = [
    "",
    "'",
    '"',
    "\\",
    "\\'",
    "a\nb",
    "\r\n",
    "$(touch /tmp/pwned)",
    "`id`",
    "${HOME}",
    "\u2028\u2029",
    "'; rm -rf ~; '",
    "\t\x0b\x0c",
    "🦀 naïve",
    "x" * 400,
    "agent\x1b[201~\x15echo PWNED\r",
    "\u202e\u2066\u200b\ufeff\x7f\x85 it's",
]
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")) | st.sampled_from(NASTY)


@settings(max_examples=2000)
@given(text)
def test_python_literal_evaluates_back(value):
    assert ast.literal_eval(literals.python(value)) == value


@settings(max_examples=2000)
@given(text)
def test_shell_word_splits_back(value):
    word = literals.shell(value)
    if UNSAFE.search(value):
        # ANSI-C quotes, which shlex cannot read: bash reads them back in test_paste_safe.py.
        assert word.startswith("$'") and not UNSAFE.search(word)
    else:
        assert shlex.split(word) == [value]


@settings(max_examples=1000)
@given(text)
def test_json_and_javascript_read_back(value):
    assert json.loads(literals.json(value)) == value and not UNSAFE.search(literals.json(value))
    js = literals.javascript(value)
    assert not UNSAFE.search(js) and json.loads(js) == value


@pytest.mark.parametrize("value", NASTY)
def test_shell_word_through_real_bash(value, tmp_path):
    import subprocess

    out = subprocess.run(
        ["bash", "-c", f"printf %s {literals.shell(value)}"], capture_output=True, env={"HOME": str(tmp_path)}
    )
    assert out.returncode == 0 and out.stdout.decode("utf-8") == value
    assert not (tmp_path / "pwned").exists()


def test_python_containers_and_numbers():
    value = {"a": [1, 2.5, None, True], "b": (1,), "c": ()}
    assert ast.literal_eval(literals.python(value)) == value
    assert literals.python(float("inf")) == 'float("inf")'


@pytest.mark.parametrize(
    "array",
    [
        np.zeros((2, 3), dtype=np.float32),
        np.array(3, dtype=np.int64),
        np.array([1, 2, 3], dtype=np.uint8),
        np.ones(4, dtype=bool),
    ],
)
def test_python_literal_of_arrays(array):
    rebuilt = eval(literals.python(array), {"np": np})  # noqa: S307 - our own literal
    assert rebuilt.dtype == array.dtype and rebuilt.shape == array.shape and (rebuilt == array).all()


def test_filters_mark_their_output_as_code():
    assert all(isinstance(f("x"), literals.Code) for f in literals.FILTERS.values())


def test_shell_refuses_what_it_cannot_quote():
    with pytest.raises(ValueError):
        literals.shell("a\x00b")
    with pytest.raises(TypeError):
        literals.shell(["a"])


@pytest.mark.parametrize(
    "array, literal",
    [
        (np.zeros(4, dtype=np.float32), "npy(NPY_FLOAT32_1X4, new Float32Array(4).fill(0))"),
        (np.array(3, dtype=np.int64), "npy(NPY_INT64_1, new BigInt64Array([3n]))"),
        (np.array([2**64 - 1], dtype=np.uint64), "npy(NPY_UINT64_1X1, new BigUint64Array([18446744073709551615n]))"),
        (np.array([[True, False]]), "npy(NPY_BOOL_1X1X2, new Uint8Array([1, 0]))"),
        (np.array([0.1, np.nan, -np.inf, -0.0], dtype=np.float32),
         "npy(NPY_FLOAT32_1X4, new Float32Array([0.1, NaN, -Infinity, -0]))"),
        (np.array([0.1, 0.1], dtype=np.float16), "npy(NPY_FLOAT16_1X2, new /* float16 bits */ Uint16Array(2).fill(0x2e66))"),
    ],
)
def test_javascript_arrays_are_typed_arrays_behind_their_npy_header(array, literal):
    # The header constant names the dtype and the shape with the batch axis of 1 first.
    assert literals.javascript(array) == literal


def test_javascript_wraps_long_objects_one_entry_per_line():
    # As `prettier --print-width 40` prints it (tests/test_formatters.py checks 80 columns).
    value = {"player_0": "x" * 30, "__proto__": ["y" * 30, "z"], "short": {"a": 1}}
    assert literals.javascript(value, width=40) == (
        '{\n'
        '  player_0:\n'
        '    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",\n'
        '  ["__proto__"]: [\n'
        '    "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",\n'
        '    "z",\n'
        '  ],\n'
        '  short: { a: 1 },\n'
        '}'
    )
    assert literals.javascript(value, width=1000) == (
        '{ player_0: "' + "x" * 30 + '", ["__proto__"]: ["' + "y" * 30 + '", "z"], short: { a: 1 } }'
    )


def test_python_literal_of_a_uniform_array_keeps_negative_zero():
    rebuilt = eval(literals.python(np.full(2, -0.0)), {"np": np})  # noqa: S307 - our own literal
    assert np.signbit(rebuilt).all()


# ---------------------------------------------------------------- Go: read back by the Go compiler

# Every code point but lone surrogates, NUL and unsafe.py's among them.
GO_TEXT = st.text(st.characters(blacklist_categories=("Cs",))) | st.sampled_from([*NASTY, "\x00", "a\x00b"])


def go_read_back(values: list[str], tmp_path) -> list[bytes]:
    """The bytes of each value's Go literal, as one Go program prints them (hex, one a line)."""
    items = "".join(f"\t{literals.go(v)},\n" for v in values)
    source = (
        'package main\n\nimport "fmt"\n\nvar values = []string{\n' + items + "}\n\n"
        'func main() {\n\tfor _, v := range values {\n\t\tfmt.Printf("%x\\n", v)\n\t}\n}\n'
    )
    assert not UNSAFE.search(source), "a Go literal holds a code point raw"
    (tmp_path / "values.go").write_text(source, encoding="utf-8")
    result = subprocess.run(
        [*runner("go"), "values.go"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), **environment("go")},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return [bytes.fromhex(line) for line in result.stdout.splitlines()]


@settings(max_examples=4, deadline=None)
@given(st.lists(GO_TEXT, min_size=1, max_size=400))
def test_go_literal_compiles_back_to_the_utf8_of_the_value(tmp_path_factory, batch):
    got = go_read_back(batch, tmp_path_factory.mktemp("go"))
    assert got == [value.encode("utf-8") for value in batch]


def test_go_literal_escapes_what_a_terminal_acts_on():
    assert literals.go("agent\x1b[201~\x15echo PWNED\r") == '"agent\\x1b[201~\\x15echo PWNED\\x0d"'
    assert literals.go("\u202e\u2066\u200b\ufeff\x85\u2028\x00") == '"\\u202e\\u2066\\u200b\\ufeff\\u0085\\u2028\\x00"'
    assert literals.go('say "hi"\\\n\t🦀') == '"say \\"hi\\"\\\\\\n\\t🦀"'
    assert literals.go(None) == "nil" and literals.go(True) == "true" and literals.go(-3) == "-3"
    assert literals.go({"a": 1.5, "b": [0.1, None]}) == 'map[string]any{"a": 1.5, "b": []any{0.1, nil}}'


def test_go_literal_refuses_a_lone_surrogate():
    with pytest.raises(ValueError, match="lone surrogate U\\+D800"):
        literals.go("a\ud800")


def test_go_arrays_are_typed_slices_behind_their_npy_header():
    assert literals.go(np.zeros(3, np.float32)) == "npy(NPY_FLOAT32_1X3, []float32{0, 0, 0})"
    assert literals.go(np.array(2)) == "npy(NPY_INT64_1, []int64{2})"
    assert literals.go(np.array([True, False])) == "npy(NPY_BOOL_1X2, []bool{true, false})"
    assert literals.go(np.zeros(100, np.uint8)) == "npy(NPY_UINT8_1X100, make([]uint8, 100))"
    assert literals.go(np.full(70, 0.5)) == "npy(NPY_FLOAT64_1X70, filled(70, float64(0.5)))"
    # No Go constant is NaN or -0: such arrays, and float16 ones, go as their bits.
    assert literals.go(np.array([np.nan, -0.0], np.float32)) == "npy(NPY_FLOAT32_1X2, []uint32{0x7fc00000, 0x80000000})"
    assert literals.go(np.ones(2, np.float16)) == "npy(NPY_FLOAT16_1X2, []uint16{0x3c00, 0x3c00})"
