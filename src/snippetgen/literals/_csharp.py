"""C# literals: regular string literals, numbers, `Dictionary<string, object>` / `object[]`
trees, and arrays as `Npy(NPY_<DTYPE>_<SHAPE>, new float[] { ... })`.

The snippets are formatted with clang-format, style `{BasedOnStyle: Microsoft, ColumnLimit: 0}`:
with no column limit it keeps the line breaks it is given, as `dotnet format` does, so a
literal is laid out here once (one line, or a tree one entry per line) and stays so."""

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

CS_LINE = 100
"""The columns up to which a C# tree stays on one line (clang-format keeps either layout)."""


def _cs_string(text: str) -> str:
    """A C# regular string literal: `\\uXXXX` for controls (NUL included) and unsafe.py's
    code points (never `\\xH..`, which reads up to four hex digits); the rest raw, as UTF-8.
    U+0085, U+2028 and U+2029 end a line in C# source: they are among unsafe.py's."""
    return f'"{_CS_SPECIAL.sub(_cs_escape, text)}"'


_CS_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}
_CS_SPECIAL = re.compile(rf'["\\\x00-\x1f\x7f\ud800-\udfff{CLASS}]')


def _cs_escape(match: re.Match[str]) -> str:
    char = match.group()
    code = code_point(char, "C#")
    return _CS_ESCAPES.get(char) or f"\\u{code:04x}"


# The C# array holding each dtype's bytes as np.save writes them (Buffer.BlockCopy, little-endian).
_CS_TYPES = {
    "float32": "float",
    "float64": "double",
    "int8": "sbyte",
    "int16": "short",
    "int32": "int",
    "int64": "long",
    "uint8": "byte",
    "uint16": "ushort",
    "uint32": "uint",
    "uint64": "ulong",
    "bool": "bool",
}
# .NET Standard 2.0 has no float16, and a C# NaN literal no NumPy payload: such arrays go as their bits.
_CS_BITS = {"float16": "ushort", "float32": "uint", "float64": "ulong"}


def _cs_float(value: float, suffix: str = "") -> str:
    text = repr(value)
    return (text[:-2] if text.endswith(".0") and "e" not in text else text) + suffix


def _cs_integer(n: int, dtype: str = "int64") -> str:
    # A literal over long's range is ulong; long.MinValue's digits alone are no long literal.
    return "long.MinValue" if n == -(2**63) and dtype == "int64" else str(n)


_CS_ELEMENTS = Elements(
    "C#",
    _CS_TYPES,
    _CS_BITS,
    lambda value, dtype: _cs_float(value, "f" if dtype == "float32" else ""),
    _cs_integer,
)


def _cs_array(value: np.ndarray) -> str:
    """`Npy(NPY_..., new float[] { ... })`: the snippet's Npy() appends the values' bytes to the header."""
    fills = built(value)
    header, element, items = _CS_ELEMENTS.items(value, fills=fills)
    if fills and not filled(value):
        values = f"new {element}[{value.size}]"
    elif fills:
        values = f"Enumerable.Repeat<{element}>({items[0]}, {value.size}).ToArray()"
    else:
        values = f"new {element}[] {{ {', '.join(items)} }}"
    return f"Npy({header}, {values})"


def _cs(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _cs_string(value)
    if isinstance(value, int):
        return _cs_integer(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a C# constant for JSON cannot be {value}")
        return _cs_float(value)
    if isinstance(value, np.ndarray):
        return _cs_array(value)
    if isinstance(value, np.generic):
        return _cs(value.item())
    if isinstance(value, (list, tuple)):
        return "new object[] { " + ", ".join(_cs(v) for v in value) + " }" if value else "new object[0]"
    if isinstance(value, dict):
        if not value:
            return "new Dictionary<string, object>()"
        entries = ", ".join(f"[{_cs_string(str(k))}] = {_cs(v)}" for k, v in value.items())
        return "new Dictionary<string, object> { " + entries + " }"
    raise TypeError(f"no C# literal for {type(value).__name__}")


def csharp(value, *, assign: str | None = None, indent: int = 0) -> Code:
    """A C# expression for `value`: strings as regular literals (every code point of
    unsafe.py escaped, lone surrogates refused), numbers, bools, null; Dict and Tuple
    trees as `Dictionary<string, object>` and `object[]`; a NumPy array as
    `Npy(NPY_<DTYPE>_<SHAPE>, new float[] { ... })`, its wire form (the snippet defines
    Npy() and the header constant).

    With `assign` ("const string Endpoint =", "var obs ="), the statement `assign value;`,
    a tree broken one entry per line when it does not fit on one line at `indent` levels."""
    text = _cs(value)
    if assign is None:
        return Code(text)
    line = f"{assign} {text};"
    if not isinstance(value, (dict, list, tuple)) or not value or len(line) + 4 * indent <= CS_LINE:
        return Code(line)
    inner = "    " * (indent + 1)
    if isinstance(value, dict):
        entries = [f"{inner}[{_cs_string(str(k))}] = {_cs(item)}," for k, item in value.items()]
        opener = "new Dictionary<string, object> {"
    else:
        entries = [f"{inner}{_cs(item)}," for item in value]
        opener = "new object[] {"
    return Code("\n".join([f"{assign} {opener}", *entries, "    " * indent + "};"]))
