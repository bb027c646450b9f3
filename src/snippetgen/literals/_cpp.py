"""C++17 literals: `"..."s` strings, numbers, nlohmann::json trees built one leaf per
statement, and arrays as `npy(NPY_<DTYPE>_<SHAPE>, std::vector<float>{...})`, laid out
as `clang-format --style=Google` leaves them."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from ..arrays import built, uniform
from ..lazy import LazyModule
from ._elements import Elements
from .code import Code, code_point

if TYPE_CHECKING:
    import numpy as np
else:
    np = LazyModule("numpy")

CPP_LINE = 80
"""clang-format's column limit in the Google style."""

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}
# Outside printable ASCII, a quote or backslash, and a `?` after a `?` (no trigraph such as
# `??=` for compilers before C++17).
_SPECIAL = re.compile(r'[^ -~]|["\\]|(?<=\?)\?')


def _cpp_string(text: str) -> str:
    """A std::string literal, `"..."s`: printable ASCII as is, `\\n` `\\t` `\\"` `\\\\`, and every
    other byte of the UTF-8 (controls, NUL, unsafe.py's code points, all non-ASCII) as a
    three-digit octal escape, which no following digit extends. ASCII source reads the same
    under any compiler's source charset (MSVC without /utf-8 reads a code page). The `s`
    suffix keeps a NUL inside the string, and clang-format never splits such a token."""
    return f'"{_SPECIAL.sub(_escape, text)}"s'


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code_point(char, "C++")  # refuses a lone surrogate
    if char == "?":
        return "\\?"
    return _ESCAPES.get(char) or "".join(f"\\{byte:03o}" for byte in char.encode("utf-8"))


# The element type holding each dtype's bytes as np.save writes them (npy() copies them).
_CPP_TYPES = {
    "float32": "float",
    "float64": "double",
    "int8": "int8_t",
    "int16": "int16_t",
    "int32": "int32_t",
    "int64": "int64_t",
    "uint8": "uint8_t",
    "uint16": "uint16_t",
    "uint32": "uint32_t",
    "uint64": "uint64_t",
    "bool": "uint8_t",
}
# No float16 in C++17, and NaN or infinity have no literal: such arrays go as their bits.
_CPP_BITS = {"float16": "uint16_t", "float32": "uint32_t", "float64": "uint64_t"}


def _cpp_float(value: float, suffix: str = "") -> str:
    if not math.isfinite(value):
        raise ValueError(f"a C++ literal cannot be {value}")
    text = repr(value)
    return text + suffix


def _cpp_int(value: int) -> str:
    if value == -(2**63):
        return "INT64_MIN"  # 9223372036854775808 is no signed literal
    if -(2**63) < value < 2**63:
        return str(value)
    if 2**63 <= value < 2**64:
        return f"{value}u"
    raise ValueError(f"a C++ integer cannot be {value}: beyond 64 bits")


_CPP_ELEMENTS = Elements(
    "C++",
    _CPP_TYPES,
    _CPP_BITS,
    lambda value, dtype: _cpp_float(value, "f" if dtype == "float32" else ""),
    lambda n, _dtype: _cpp_int(n),
    true="1",
    false="0",
    negative_zero=True,
)


def _cpp_array(value: np.ndarray, *, fill: bool = False) -> str:
    """`npy(NPY_..., std::vector<float>{...})`: the snippet's npy() appends the values' bytes."""
    fills = fill or built(value)
    header, element, texts = _CPP_ELEMENTS.items(value, fills=fills)
    if fills and not np.ascontiguousarray(value).view(np.uint8).any():
        values = f"std::vector<{element}>({value.size})"
    elif fills:
        values = f"std::vector<{element}>({value.size}, {texts[0]})"
    else:
        values = f"std::vector<{element}>{{{', '.join(texts)}}}"
    return f"npy({header}, {values})"


def _cpp(value) -> str:
    if value is None:
        return "nullptr"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _cpp_string(value)
    if isinstance(value, int):
        return _cpp_int(value)
    if isinstance(value, float):
        return _cpp_float(value)
    if isinstance(value, np.ndarray):
        return _cpp_array(value)
    if isinstance(value, np.generic):
        return _cpp(value.item())
    if isinstance(value, (list, tuple)):
        return "json::array()" if not value else _cpp_tree(value)
    if isinstance(value, dict):
        return "json::object()" if not value else _cpp_tree(value)
    raise TypeError(f"no C++ literal for {type(value).__name__}")


def _cpp_tree(value) -> str:
    """A non-empty tree as one expression (only where no statement can go)."""
    if isinstance(value, dict):
        pairs = ", ".join(f"{{{_cpp_string(str(k))}, {_cpp(v)}}}" for k, v in value.items())
        return "json::object({" + pairs + "})"
    return "json::array({" + ", ".join(_cpp(v) for v in value) + "})"


def _leaves(value, path: str):
    """(target, leaf) per statement that builds `value` in `path`, leaf by leaf."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from _leaves(item, f"{path}[{_cpp_string(str(key))}]")
    elif isinstance(value, (list, tuple)) and value:
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]")
    else:
        yield path, value


def _statement(target: str, expression: str, indent: str) -> str:
    """`target = expression;` as clang-format leaves it: on one line when it fits in 80
    columns; else broken after `=` when the right side fits on the next line (4 columns
    in) or is one token (clang-format never splits one); else between clang-format
    off/on, as one line (its own breaks there come out of a search over layouts)."""
    line = f"{indent}{target} = {expression};"
    if len(line) <= CPP_LINE:
        return line
    string = expression.startswith('"') and expression.endswith('"s')
    token = string or not any(c in expression for c in " ({")
    fits = len(f"{indent}    {expression};") <= CPP_LINE
    if (token or fits) and len(f"{indent}{target} =") <= CPP_LINE:
        return f"{indent}{target} =\n{indent}    {expression};"
    return f"{indent}// clang-format off\n{line}\n{indent}// clang-format on"


def _value_statement(target: str, value, indent: str) -> str:
    text = _statement(target, _cpp(value), indent)
    if "clang-format off" in text and isinstance(value, np.ndarray) and uniform(value):
        # Every element the same: built from one value, as a large array always is.
        return _statement(target, _cpp_array(value, fill=True), indent)
    return text


def cpp(value, *, assign: str | None = None, indent: int = 0) -> Code:
    """A C++17 expression for `value`: strings as `"..."s` (std::string, every byte outside
    printable ASCII octal-escaped, lone surrogates refused), numbers, bools, nullptr, a
    NumPy array as `npy(NPY_<DTYPE>_<SHAPE>, std::vector<float>{...})`, its wire form
    (the snippet defines npy() and the header constant).

    With `assign` ("const std::string endpoint", "json obs", `body["action_mask"]`),
    statements that set it, laid out as clang-format --style=Google leaves them,
    starting at `indent` levels of two spaces: a Dict or Tuple tree as the declaration
    (if `assign` declares) then one statement per leaf, `obs["key"s][0] = ...;`."""
    if assign is None:
        return Code(_cpp(value))
    pad = "  " * indent
    tree = isinstance(value, (dict, list, tuple)) and bool(value)
    declares = " " in assign
    lines = []
    if tree:
        variable = assign.rsplit(" ", 1)[-1] if declares else assign
        if declares:
            empty = "json::object()" if isinstance(value, dict) else "json::array()"
            lines.append(f"{pad}{assign} = {empty};")
        lines.extend(_value_statement(target, leaf, pad) for target, leaf in _leaves(value, variable))
    else:
        lines.append(_value_statement(assign, value, pad))
    return Code("\n".join(lines))
