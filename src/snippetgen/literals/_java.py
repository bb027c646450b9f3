"""Java literals: ASCII string literals, numbers, `map(...)` / `List.of(...)` trees, and arrays
as `npy(NPY_<DTYPE>_<SHAPE>, new float[] {...})`, laid out as google-java-format prints them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..arrays import built, npy_header_name
from ..lazy import LazyModule
from .code import Code, code_point

if TYPE_CHECKING:
    import numpy as np
else:
    np = LazyModule("numpy")

JAVA_LINE = 100
"""google-java-format's column limit."""

_NAMED = {'"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}
_SPECIAL = re.compile(r'[^ -~]|["\\]')


def _java_string(text: str) -> str:
    """A Java string literal in ASCII source: named escapes, `\\ooo` for the other ASCII
    controls (NUL included), `\\uXXXX` (surrogate pairs past the BMP) for the rest of
    non-ASCII, unsafe.py's code points among them. ASCII source compiles the same under
    any locale, which Java 17's launcher reads the file in."""
    return f'"{_SPECIAL.sub(_escape, text)}"'


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = code_point(char, "Java")
    if char == "\\":
        # google-java-format splits a long literal before `\t`, even `\\t`: a backslash
        # before a `t` goes in octal so that no split lands inside an escape.
        return "\\134" if match.string[match.end() : match.end() + 1] == "t" else "\\\\"
    if char in _NAMED:
        return _NAMED[char]
    if code < 0x20 or code == 0x7F:
        # Three octal digits always: a digit that follows stays a digit.
        return f"\\{code:03o}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    high, low = divmod(code - 0x10000, 0x400)
    return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"


def _java_int(value: int) -> str:
    if -(2**31) <= value < 2**31:
        return str(value)
    if -(2**63) <= value < 2**63:
        return f"{value}L"
    raise ValueError(f"a Java long cannot hold {value}")


def _java_double(value: float) -> str:
    if math.isnan(value):
        return "Double.NaN"
    if math.isinf(value):
        return "Double.POSITIVE_INFINITY" if value > 0 else "Double.NEGATIVE_INFINITY"
    text = repr(value)
    # An integral value prints as an int literal, except -0.0: the int -0 is 0.
    return text[:-2] if text.endswith(".0") and "e" not in text and text != "-0.0" else text


def _java_float(value: float) -> str:
    """A float element, from the shortest text that reads back as the same float32."""
    if math.isnan(value):
        return "Float.NaN"
    if math.isinf(value):
        return "Float.POSITIVE_INFINITY" if value > 0 else "Float.NEGATIVE_INFINITY"
    text = _java_double(value)
    return text if text.lstrip("-").isdigit() else f"{text}f"


# The Java array each dtype's values are written from. The snippet's npy() narrows each value
# to the header's dtype, so int8 and uint8 (Java has no unsigned types) go as an int[]: Jackson,
# which reads the arrays, takes a byte[] for base64 binary.
_JAVA_TYPES = {
    "float32": "float",
    "float64": "double",
    "int8": "int",
    "int16": "int",
    "int32": "int",
    "int64": "long",
    "uint8": "int",
    "uint16": "int",
    "uint32": "long",
    "uint64": "long",
    "bool": "boolean",
}


# ---------------------------------------------------------------- layout


@dataclass(frozen=True)
class _Atom:
    text: str


@dataclass(frozen=True)
class _Call:
    name: str
    args: tuple


@dataclass(frozen=True)
class _Array:
    opener: str
    items: tuple[str, ...]


def _flat(node) -> str:
    if isinstance(node, _Atom):
        return node.text
    if isinstance(node, _Call):
        return f"{node.name}({', '.join(_flat(a) for a in node.args)})"
    return f"{node.opener} {{{', '.join(node.items)}}}"


def _element(value, kind: str) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "float":
        bits = int(np.float32(value).view(np.uint32))
        if math.isnan(value) and bits != 0x7FC00000:
            # A NaN other than Java's own keeps its bits.
            return f"Float.intBitsToFloat(0x{bits:08x})"
        return _java_float(float(str(value)))
    if kind == "double":
        bits = int(np.float64(value).view(np.uint64))
        if math.isnan(value) and bits != 0x7FF8000000000000:
            return f"Double.longBitsToDouble(0x{bits:016x}L)"
        return _java_double(float(value))
    return _java_int(int(value))


def _array_node(value: np.ndarray):
    name = value.dtype.name
    flat = value.ravel()
    if name not in _JAVA_TYPES and name != "float16":
        raise TypeError(f"no Java array for dtype {name}")
    items: list[str] | None = None
    if name == "float16":
        # Java 17 has no float16: the header names the dtype, the items are its bits.
        kind, items = "short", [f"(short) 0x{n:04x}" for n in flat.view("<u2").tolist()]
    elif name == "uint64":
        kind, items = "long", [_java_int(n) if n < 2**63 else f"0x{n:x}L" for n in flat.tolist()]
    else:
        kind = _JAVA_TYPES[name]
    header = _Atom(npy_header_name(name, (1, *value.shape)))
    java_type = kind
    # An array of zeros (beyond a few) is built at its size: Java zero-fills a new array.
    zeros = not np.ascontiguousarray(value).view(np.uint8).any()
    if built(value) or (zeros and value.size > 4):
        if zeros:
            return _Call("npy", (header, _Atom(f"new {java_type}[{value.size}]")))
        first = items[0] if items is not None else _element(flat[0], kind)
        if kind == "short" and not first.startswith("("):
            first = f"(short) {first}"
        elif kind == "long" and not first.endswith("L"):
            first = f"{first}L"
        elif kind == "float" and first.lstrip("-").isdigit():
            first = f"{first}f"
        return _Call("npy", (header, _Call("filled", (_Atom(str(value.size)), _Atom(first)))))
    if items is None:
        items = [_element(v, kind) for v in flat]
    return _Call("npy", (header, _Array(f"new {java_type}[]", tuple(items))))


def _node(value):
    if value is None:
        return _Atom("null")
    if isinstance(value, bool):
        return _Atom("true" if value else "false")
    if isinstance(value, str):
        return _Atom(_java_string(value))
    if isinstance(value, int):
        return _Atom(_java_int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"JSON cannot hold {value}")
        return _Atom(_java_double(value))
    if isinstance(value, np.ndarray):
        return _array_node(value)
    if isinstance(value, np.generic):
        return _node(value.item())
    if isinstance(value, (list, tuple)):
        # List.of refuses null; Arrays.asList holds it.
        name = "Arrays.asList" if any(v is None for v in value) else "List.of"
        return _Call(name, tuple(_node(v) for v in value))
    if isinstance(value, dict):
        if len(value) > 10:
            # Map.of takes at most ten entries.
            return _entries(value)
        args = []
        for k, v in value.items():
            args += [_Atom(_java_string(str(k))), _node(v)]
        return _Call("Map.of", tuple(args))
    raise TypeError(f"no Java literal for {type(value).__name__}")


def _entries(value: dict) -> _Call:
    pairs = ((_Atom(_java_string(str(k))), _node(v)) for k, v in value.items())
    return _Call("Map.ofEntries", tuple(_Call("Map.entry", pair) for pair in pairs))


def _string_components(body: str) -> list[str]:
    """StringWrapper.stringComponents: the literal's source text (quotes off) cut before
    whitespace and `\\t`, and after a run of `\\r` / `\\n` escapes."""
    result, start, idx = [], 0, 0
    while idx < len(body):
        if body[idx].isspace() or body.startswith("\\t", idx):
            pass
        elif _escaped_newline(body, idx):
            while (length := _escaped_newline(body, idx)) > 0:
                idx += length
        else:
            idx += 1
            continue
        result.append(body[start:idx])
        start = idx
        idx += 1
    if start < len(body):
        result.append(body[start:])
    return [piece for piece in result if piece]


def _escaped_newline(text: str, idx: int) -> int:
    for escape in ("\\r\\n", "\\r", "\\n"):
        if text.startswith(escape, idx):
            return len(escape)
    return 0


def _reflow(literal: str, column: int, trailing: int) -> str:
    """StringWrapper.reflow for a literal that starts a line at `column`, first in its chain."""
    pieces = _string_components(literal[1:-1])
    width = JAVA_LINE - column - 2
    lines: list[str] = []
    first = True
    while pieces:
        length, line = 0, []
        if sum(map(len, pieces)) <= width:
            width -= trailing
        while pieces and (length <= 4 or length + len(pieces[0]) <= width):
            text = pieces.pop(0)
            line.append(text)
            length += len(text)
            if text.endswith(("\\n", "\\r")):
                break
        lines.append("".join(line))
        if first:
            width -= 6
            first = False
    pieces = [f'"{line}"' for line in lines]
    if all(len(piece) < _FILL_BELOW for piece in pieces):
        # Short operands fill their lines, as google-java-format packs them on its next run.
        filled = _fill(pieces, column, column + 4, " + ", trailing, lead="+ ")
        return "\n".join(filled)
    return ("\n" + " " * (column + 4) + "+ ").join(pieces)


_FILL_BELOW = 10
"""google-java-format's MAX_ITEM_LENGTH_FOR_FILLING: items all shorter than this fill lines."""


def _fill(items: list[str], column: int, inner: int, separator: str, trailing: int, lead: str = "") -> list:
    """Items packed on lines: the first at `column` (its indent left out), the rest at `inner`
    after `lead`; `trailing` columns kept free on the last line."""
    lines: list[str] = []
    line = items[0]
    start = column
    for i, item in enumerate(items[1:], start=1):
        end = trailing if i == len(items) - 1 else 0
        if start + len(line) + len(separator) + len(item) + end > JAVA_LINE:
            lines.append(line)
            line, start = " " * inner + lead + item, 0
        else:
            line += separator + item
    lines.append(line)
    return lines


def _lay(node, column: int, trailing: str) -> list[str]:
    """The lines of `node` starting at `column` (the first line without its indent), followed
    by `trailing` on its last line, as google-java-format breaks them."""
    flat = _flat(node)
    if column + len(flat) + len(trailing) <= JAVA_LINE:
        return [flat + trailing]
    if isinstance(node, _Atom):
        if node.text.startswith('"'):
            return (_reflow(node.text, column, len(trailing)) + trailing).split("\n")
        return [flat + trailing]
    if isinstance(node, _Call) and node.name == "Map.of":
        # Broken over lines, a Map.of would put keys and values on lines of their own.
        pairs = zip(node.args[::2], node.args[1::2], strict=True)
        node = _Call("Map.ofEntries", tuple(_Call("Map.entry", pair) for pair in pairs))
        if column + len(_flat(node)) + len(trailing) <= JAVA_LINE:
            return [_flat(node) + trailing]
    inner = column + 4
    if isinstance(node, _Array):
        # Short items fill the lines; one long item puts every item on a line of its own.
        items = [item + ("," if i < len(node.items) - 1 else "") for i, item in enumerate(node.items)]
        if all(len(item) < _FILL_BELOW for item in node.items):
            body = _fill([" " * (column + 2) + items[0], *items[1:]], 0, column + 2, " ", 0)
        else:
            body = [" " * (column + 2) + item for item in items]
        return [node.opener + " {", *body, " " * column + "}" + trailing]
    args = ", ".join(_flat(a) for a in node.args)
    if inner + len(args) + 1 + len(trailing) <= JAVA_LINE:
        return [node.name + "(", " " * inner + args + ")" + trailing]
    flats = [_flat(a) for a in node.args]
    if all(len(flat) < _FILL_BELOW for flat in flats):
        items = [flat + ("," if i < len(flats) - 1 else ")") for i, flat in enumerate(flats)]
        body = _fill([" " * inner + items[0], *items[1:]], 0, inner, " ", len(trailing))
        return [node.name + "(", *body[:-1], body[-1] + trailing]
    lines = [node.name + "("]
    for i, arg in enumerate(node.args):
        end = ")" + trailing if i == len(node.args) - 1 else ","
        laid = _lay(arg, inner, end)
        lines += [" " * inner + laid[0], *laid[1:]]
    return lines


def java(value, *, assign: str | None = None, indent: int = 0) -> Code:
    """A Java expression for `value`: strings as ASCII literals (every code point of
    unsafe.py escaped, lone surrogates refused), numbers, booleans, null; Dict and Tuple
    trees as `Map.of(k, v, ...)` and `List.of(...)`; a NumPy array as `npy(NPY_<DTYPE>_<SHAPE>,
    new float[] {...})`, its wire form (the snippet defines npy() and the header).

    With `assign` ("static final String ENDPOINT =", "Object obs ="), the statement
    `assign value;` laid out as google-java-format prints it at `indent` spaces: broken
    after `=`, then per argument, arrays filled, long strings reflowed. With `assign`
    ending in "," ('body.put("action_mask",'), the call statement `assign value);`."""
    node = _node(value)
    if assign is None:
        return Code(_flat(node))
    if assign.endswith(","):
        name, first = assign[:-1].split("(", 1)
        return Code("\n".join(_lay(_Call(name, (_Atom(first), node)), indent, ";")))
    line = f"{assign} {_flat(node)};"
    if indent + len(line) <= JAVA_LINE:
        return Code(line)
    return Code("\n".join([assign, *_indented(_lay(node, indent + 4, ";"), indent + 4)]))


def _indented(lines: list[str], column: int) -> list[str]:
    return [" " * column + lines[0], *lines[1:]]
