"""Rust literals: string literals, numbers, `json!` trees, and arrays as
`npy!(NPY_<DTYPE>_<SHAPE>, [0.5f32, ...])`, laid out as rustfmt (max_width 100) prints them."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from ..arrays import built, uniform
from ..lazy import LazyModule, loaded
from ..unsafe import CLASS
from ._elements import Elements
from .code import Code, code_point

if TYPE_CHECKING:
    import numpy as np
else:
    np = LazyModule("numpy")

WIDTH = 100
"""rustfmt's max_width."""
SMALL = 60
"""rustfmt's fn_call_width and array_width (60% of max_width): wider arguments or items break."""
SHORT_ITEM = 10
"""rustfmt's short_array_element_width_threshold: arrays of items this short fill lines."""

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
_SPECIAL = re.compile(rf'["\\\x00-\x1f\x7f\ud800-\udfff{CLASS}]')


def _rust_string(text: str) -> str:
    """A Rust string literal: `\\u{..}` for controls and unsafe.py's code points; the rest raw."""
    return f'"{_SPECIAL.sub(_escape, text)}"'


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = code_point(char, "Rust")
    return _ESCAPES.get(char) or f"\\u{{{code:x}}}"


# The slice element holding each dtype's bytes as np.save writes them (to_le_bytes).
_TYPES = {
    "float32": "f32",
    "float64": "f64",
    "int8": "i8",
    "int16": "i16",
    "int32": "i32",
    "int64": "i64",
    "uint8": "u8",
    "uint16": "u16",
    "uint32": "u32",
    "uint64": "u64",
    "bool": "u8",  # np.save writes a bool as one byte, 0 or 1
}
# No f16 on stable Rust, and NaN payloads and -0.0 are safest as bits: such arrays go as their bits.
_BITS = {"float16": "u16", "float32": "u32", "float64": "u64"}


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"a Rust literal cannot be {value}")
    return repr(value)  # always holds "." or "e": a float literal


_ELEMENTS = Elements("Rust", _TYPES, _BITS, lambda value, _dtype: _float(value), true="1", false="0")


def _values(value: np.ndarray) -> tuple[str, str | list[str]]:
    """(header, the values argument as text, or its items when listed)."""
    fills = uniform(value)
    header, element, items = _ELEMENTS.items(value, fills=fills)
    # The first item's suffix types the array.
    items[0] += element
    if fills:
        # A large array of one value lives on the heap.
        return header, f"{'vec!' if built(value) else ''}[{items[0]}; {value.size}]"
    return header, items


def _array(value: np.ndarray) -> str:
    header, values = _values(value)
    listed = values if isinstance(values, str) else f"[{', '.join(values)}]"
    return f"npy!({header}, {listed})"


def _tree(value) -> str:
    """A value inside `json!`: null, bare `{..}` and `[..]`."""
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_tree(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_rust_string(str(k))}: {_tree(v)}" for k, v in value.items()) + "}"
    return _rust(value)


def _rust(value) -> str:
    if value is None:
        return "Value::Null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _rust_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, np.ndarray):
        return _array(value)
    if isinstance(value, np.generic):
        return _rust(value.item())
    if isinstance(value, (list, tuple, dict)):
        return f"json!({_tree(value)})"
    raise TypeError(f"no Rust literal for {type(value).__name__}")


def _has_dict(value) -> bool:
    if isinstance(value, dict):
        return True
    return isinstance(value, (list, tuple)) and any(_has_dict(v) for v in value)


def _array_lines(head: str, value: np.ndarray, tail: str, indent: int) -> list[str]:
    """`head npy::<T>(H, &[...])tail` broken as rustfmt breaks a call whose arguments do not fit."""
    pad = " " * indent
    header, values = _values(value)
    call = "npy!("
    listed = not isinstance(values, str)
    slice_text = f"[{', '.join(values)}]" if listed else values
    args = f"{header}, {slice_text}"
    line = f"{pad}{head}{call}{args}){tail}"
    if len(line) <= WIDTH and len(args) <= SMALL:
        return [line]
    # rustfmt moves a call that then fits on one line below `let name =`.
    below = f"{pad}    {call}{args}){tail}"
    if head.endswith("= ") and len(below) <= WIDTH and len(args) <= SMALL:
        return [f"{pad}{head.rstrip()}", below]
    inner = pad + " " * 4
    lines = [f"{pad}{head}{call}", f"{inner}{header},"]
    # array_width counts what is between the brackets.
    if not listed or (len(f"{inner}{slice_text},") <= WIDTH and len(slice_text) - 2 <= SMALL):
        lines.append(f"{inner}{slice_text},")
    else:
        deeper = inner + " " * 4
        lines.append(f"{inner}[")
        if all(len(item) <= SHORT_ITEM for item in values):
            rows = [deeper]
            for item in values:
                # The separator after the last item on a line counts too: 99 columns.
                if rows[-1] != deeper and len(f"{rows[-1]} {item},") > WIDTH - 1:
                    rows.append(deeper)
                rows[-1] = f"{rows[-1]}{' ' if rows[-1] != deeper else ''}{item},"
            if len(rows) == 1:
                rows[0] = rows[0][:-1]  # one row of items: no trailing comma
            lines.extend(rows)
        else:
            lines.extend(f"{deeper}{item}," for item in values)
        lines.append(f"{inner}],")
    lines.append(f"{pad}){tail}")
    return lines


def rust(value, *, assign: str | None = None, indent: int = 0, tree: bool = False) -> Code:
    """A Rust expression for `value`: strings as string literals (every control and code
    point of unsafe.py escaped, lone surrogates refused), numbers, bools; Dict and Tuple
    trees as `json!` (null inside); a NumPy array as `npy!(NPY_<DTYPE>_<SHAPE>,
    [0.5f32, ...])`, its wire form (the snippet defines npy() and the header constant).

    With `assign` ("let obs =", `body["action_mask"] =`), the statement `assign value;`
    starting at `indent` levels of four spaces, laid out as rustfmt prints it: an object
    tree is one entry per line when it does not fit on one line (rustfmt leaves `json!({..})`
    as written), a long array breaks as rustfmt breaks the call, a string that then fits
    goes below the `=`. With `tree`, a Dict or Tuple as written inside `json!`."""
    if tree:
        return Code(_tree(value))
    if assign is None:
        return Code(_rust(value))
    pad = " " * (4 * indent)
    head = f"{assign} "
    # A slot value (a str) must not load numpy: the disk cache renders without it.
    if loaded("numpy") and isinstance(value, np.ndarray):
        return Code("\n".join(_array_lines(head, value, ";", 4 * indent))[len(pad):])
    line = f"{pad}{head}{_rust(value)};"
    below = f"{pad}    {_rust(value)};"
    if not isinstance(value, (dict, list, tuple)) and len(line) > WIDTH and len(below) <= WIDTH:
        return Code(f"{assign}\n{below}")
    if not isinstance(value, (dict, list, tuple)) or not value:
        return Code(line[len(pad):])
    if isinstance(value, dict) or _has_dict(value):
        # rustfmt leaves a json! it cannot parse as expressions as written: one entry per line.
        if len(line) <= WIDTH:
            return Code(line[len(pad):])
        return Code("\n".join(_verbatim_lines(head, value, pad))[len(pad):])
    lines = _list_lines(head, value, ";", 4 * indent, macro=True)
    return Code("\n".join(lines)[len(pad):])


def _verbatim_lines(head: str, value, pad: str) -> list[str]:
    inner = pad + " " * 4
    if isinstance(value, dict):
        entries = [f"{inner}{_rust_string(str(k))}: {_tree(v)}," for k, v in value.items()]
        return [f"{pad}{head}json!({{", *entries, pad + "});"]
    entries = [f"{inner}{_tree(v)}," for v in value]
    entries[-1] = entries[-1][:-1]
    return [f"{pad}{head}json!([", *entries, pad + "]);"]


def _item_lines(value, tail: str, indent: int) -> list[str]:
    """One item of a list that rustfmt formats (no dict inside), at `indent` columns."""
    if isinstance(value, np.ndarray):
        return _array_lines("", value, tail, indent)
    if isinstance(value, (list, tuple)) and value:
        return _list_lines("", value, tail, indent, macro=False)
    return [f"{' ' * indent}{_tree(value)}{tail}"]


def _list_lines(head: str, value, tail: str, indent: int, *, macro: bool) -> list[str]:
    """`head json!([...])tail` (or a bare `[...]` inside one) as rustfmt lays out an array of
    expressions: one line when it fits (array_width, unless one item), else one item per line."""
    pad = " " * indent
    opener, closer = ("json!([", "])") if macro else ("[", "]")
    content = ", ".join(_tree(v) for v in value)
    fits = len(value) == 1 or len(content) <= SMALL
    line = f"{pad}{head}{opener}{content}{closer}{tail}"
    if fits and len(line) <= WIDTH:
        return [line]
    below = f"{pad}    {opener}{content}{closer}{tail}"
    if head.endswith("= ") and fits and len(below) <= WIDTH:
        return [f"{pad}{head.rstrip()}", below]
    lines = [f"{pad}{head}{opener}"]
    for n, item in enumerate(value):
        # A macro's last item keeps no trailing comma; an array literal's does.
        last = n == len(value) - 1
        lines.extend(_item_lines(item, "" if last and macro else ",", indent + 4))
    lines.append(f"{pad}{closer}{tail}")
    return lines
