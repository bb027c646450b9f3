"""Go literals: interpreted strings, numbers, `map[string]any` / `[]any` trees, and arrays
as `npy(NPY_<DTYPE>_<SHAPE>, []float32{...})`, laid out as gofmt prints them."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from ..arrays import built, filled
from ..lazy import LazyModule
from ..unsafe import CLASS
from ._elements import Elements
from .code import Code, code_point

if TYPE_CHECKING:
    import numpy as np
else:
    np = LazyModule("numpy")


def _go_string(text: str) -> str:
    """A Go interpreted string literal: `\\xHH` for ASCII controls (NUL included), `\\uXXXX` for
    unsafe.py's other code points; the rest raw, as UTF-8 source."""
    return f'"{_GO_SPECIAL.sub(_go_escape, text)}"'


_GO_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}
_GO_SPECIAL = re.compile(rf'["\\\x00-\x1f\x7f\ud800-\udfff{CLASS}]')


def _go_escape(match: re.Match[str]) -> str:
    char = match.group()
    code = code_point(char, "Go")
    if char in _GO_ESCAPES:
        return _GO_ESCAPES[char]
    return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}"


# The Go slice holding each dtype's bytes as np.save writes them (binary.Write, little-endian).
_GO_TYPES = {
    "float32": "float32",
    "float64": "float64",
    "int8": "int8",
    "int16": "int16",
    "int32": "int32",
    "int64": "int64",
    "uint8": "uint8",
    "uint16": "uint16",
    "uint32": "uint32",
    "uint64": "uint64",
    "bool": "bool",
}
# Go has no float16, and its constants no NaN, infinity or negative zero: such arrays go as their bits.
_GO_BITS = {"float16": "uint16", "float32": "uint32", "float64": "uint64"}
GO_LINE = 100
"""The columns (a tab counted as 4) up to which a Go tree stays on one line."""


def _go_float(value: float) -> str:
    text = repr(value)
    return text[:-2] if text.endswith(".0") and "e" not in text else text


_GO_ELEMENTS = Elements("Go", _GO_TYPES, _GO_BITS, lambda value, _dtype: _go_float(value))


def _go_array(value: np.ndarray) -> str:
    """`npy(NPY_..., []float32{...})`: the snippet's npy() appends the values' bytes to the header."""
    fills = built(value)
    header, element, items = _GO_ELEMENTS.items(value, fills=fills)
    if fills and not filled(value):
        values = f"make([]{element}, {value.size})"
    elif fills:
        values = f"filled({value.size}, {element}({items[0]}))"
    else:
        values = f"[]{element}{{{', '.join(items)}}}"
    return f"npy({header}, {values})"


def _go(value) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _go_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a Go constant cannot be {value}")
        return _go_float(value)
    if isinstance(value, np.ndarray):
        return _go_array(value)
    if isinstance(value, np.generic):
        return _go(value.item())
    if isinstance(value, (list, tuple)):
        return "[]any{" + ", ".join(_go(v) for v in value) + "}"
    if isinstance(value, dict):
        entries = ", ".join(f"{_go_string(str(k))}: {_go(v)}" for k, v in value.items())
        return "map[string]any{" + entries + "}"
    raise TypeError(f"no Go literal for {type(value).__name__}")


def _go_columns(text: str) -> int:
    return len(text) + text.count("\t") * 3


def go_key_columns(keys: list[str]) -> list[int]:
    """The column each entry's value starts at, as gofmt aligns `key: value` lines.

    gofmt (go/printer exprList) aligns the values of consecutive one-line entries, but
    starts a new section when a key, or the one before it, is over 40 bytes and its size
    is 2.5 times or at most 1/2.5 the geometric mean of the keys before it in the section;
    within a section the values start one space after the widest `key:` (tabwriter
    counts runes)."""
    sections: list[list[int]] = []
    lnsum, count, previous = 0.0, 0, 0
    for i, key in enumerate(keys):
        size = len(key.encode("utf-8"))
        if i == 0:
            new = True
        elif count == 0 or (previous <= 40 and size <= 40):
            new = False
        else:
            ratio = size / math.exp(lnsum / count)
            new = 2.5 * ratio <= 1 or ratio >= 2.5
        if new:
            # A new section also restarts the mean (linebreak() reports two breaks).
            sections.append([])
            lnsum, count = 0.0, 0
        sections[-1].append(i)
        lnsum, count, previous = lnsum + math.log(size), count + 1, size
    columns = [0] * len(keys)
    for section in sections:
        width = max(len(keys[i]) + 1 for i in section) + 1
        for i in section:
            columns[i] = width
    return columns


def go(value, *, assign: str | None = None, indent: int = 0) -> Code:
    """A Go expression for `value`: strings as interpreted literals (every code point of
    unsafe.py escaped, lone surrogates refused), numbers, bools, nil; Dict and Tuple
    trees as `map[string]any` and `[]any`; a NumPy array as `npy(NPY_<DTYPE>_<SHAPE>,
    []float32{...})`, its wire form (the snippet defines npy() and the header constant).

    With `assign` ("const endpoint =", "obs :="), the statement `assign value`, a tree
    broken one entry per line, as gofmt prints it, when it does not fit on one line
    starting at `indent` tabs."""
    text = _go(value)
    if assign is None:
        return Code(text)
    line = f"{assign} {text}"
    if not isinstance(value, (dict, list, tuple)) or not value or _go_columns(line) + 4 * indent <= GO_LINE:
        return Code(line)
    inner = "\t" * (indent + 1)
    if isinstance(value, dict):
        keys = [_go_string(str(k)) for k in value]
        columns = go_key_columns(keys)
        entries = [
            f"{inner}{key}:{' ' * (column - len(key) - 1)}{_go(item)},"
            for key, column, item in zip(keys, columns, value.values(), strict=True)
        ]
        opener = "map[string]any{"
    else:
        entries = [f"{inner}{_go(item)}," for item in value]
        opener = "[]any{"
    return Code("\n".join([f"{assign} {opener}", *entries, "\t" * indent + "}"]))
