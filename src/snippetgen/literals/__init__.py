"""Literal filters: a Python value in, source text of a target language out.

Templates print values only through these filters (the renderer refuses any
other printed value), so a deployment named `x"; rm -rf ~; "` is just a strange
string in every snippet.
"""

from __future__ import annotations

import json as _json
import math
import re
import secrets
from typing import TYPE_CHECKING

from ..arrays import ShellArray, built, npy_header_name, shell_arrays, uniform, walk
from ..languages import LANGUAGES
from ..lazy import LazyModule, loaded
from ..unsafe import PATTERN as _UNSAFE
from ._cpp import cpp
from ._csharp import csharp
from ._go import go
from ._java import java
from ._rust import rust
from .code import Code

if TYPE_CHECKING:
    import numpy as np

    from .. import prettier
else:
    np = LazyModule("numpy")
    # Loaded by the first JavaScript value: `import snippetgen` stays light.
    prettier = LazyModule("snippetgen.prettier")




def _plain_leaf(value):
    if loaded("numpy") and isinstance(value, np.ndarray):
        return value.tolist()
    if loaded("numpy") and isinstance(value, np.generic):
        return value.item()
    return value


def _plain(value):
    """NumPy values → plain Python values, for JSON and JavaScript."""
    return walk(value, _plain_leaf)


def _py(value) -> str:
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        return f'float("{value}")'
    if isinstance(value, np.ndarray):
        dtype = _py(value.dtype.name)
        if value.ndim == 0:
            return f"np.array({_py(value.item())}, dtype={dtype})"
        flat = value.ravel()
        if flat.size and (flat == flat[0]).all():
            fill = flat[0].item()
            if fill in (0, 1) and not (fill == 0 and math.copysign(1, fill) < 0):
                return f"np.{'ones' if fill else 'zeros'}({_py(value.shape)}, dtype={dtype})"
            return f"np.full({_py(value.shape)}, {_py(fill)}, dtype={dtype})"
        return f"np.array({_py(value.tolist())}, dtype={dtype})"
    if isinstance(value, np.generic):
        return _py(value.item())
    if isinstance(value, tuple):
        inner = ", ".join(_py(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(_py(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py(k)}: {_py(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no Python literal for {type(value).__name__}")


def python(value) -> Code:
    """A Python expression that evaluates to `value` (NumPy arrays use `np`)."""
    return Code(_py(value))


def _u_escape(found: re.Match) -> str:
    return f"\\u{ord(found.group()):04x}"


def _ansi_c_escape(found: re.Match) -> str:
    char = found.group()
    if char in _ANSI_C:
        return _ANSI_C[char]
    # Its UTF-8 bytes: `\xHH` means the same bytes in any locale, unlike `\uHHHH`.
    return "".join(f"\\x{byte:02x}" for byte in char.encode("utf-8"))


_ANSI_C = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\t": "\\t"}
_ANSI_C_SPECIAL = re.compile(f"[\\\\'\n\t]|{_UNSAFE.pattern}")


def shell(value) -> Code:
    """One shell word that expands to exactly `value`: single quotes, `'` → `'\\''`.

    A value with a code point a terminal would act on (unsafe.py) is written in
    ANSI-C quotes instead, `$'…'` (bash, zsh, ksh, POSIX.1-2024), with each such
    code point as `\\xHH` escapes, so what is pasted holds none of them raw.
    """
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise TypeError(f"no shell word for {type(value).__name__}")
    text = str(value)
    if "\x00" in text:
        raise ValueError("a shell word cannot hold a NUL character")
    if _UNSAFE.search(text):
        return Code("$'" + _ANSI_C_SPECIAL.sub(_ansi_c_escape, text) + "'")
    return Code("'" + text.replace("'", "'\\''") + "'")


def json(value, *, indent: int | None = None) -> Code:
    """JSON text for `value` (NumPy arrays become nested lists). Text stays as it is
    but for the code points of unsafe.py, written `\\uXXXX` (outside a string
    JSON text has none of them, so escaping them anywhere is escaping them in strings)."""
    text = _json.dumps(_plain(value), ensure_ascii=False, indent=indent, allow_nan=False)
    return Code(_UNSAFE.sub(_u_escape, text))


# One encoder: json.dumps with options builds a new one per call.
_json_text = _json.JSONEncoder(ensure_ascii=False).encode


def _js(value) -> str:
    if value is None or isinstance(value, bool):
        return _json.dumps(value)
    if isinstance(value, str):
        # unsafe.py's code points as \uXXXX: among them U+2028/U+2029, which end a
        # line inside a string literal in pre-2019 engines.
        return _UNSAFE.sub(_u_escape, _json_text(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return _json.dumps(value)
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, np.ndarray):
        return _js_array(value)
    if isinstance(value, np.generic):
        return _js(value.item())
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_js(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_js_key(str(k))}: {_js(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no JavaScript literal for {type(value).__name__}")


def _js_key(key: str) -> str:
    # In an object literal `"__proto__": v` sets the prototype; a computed key is a plain key.
    return f"[{_js(key)}]" if key == "__proto__" else _js(key)


# The typed array that holds each dtype's bytes as np.save writes them (little-endian).
_TYPED_ARRAYS = {
    "float32": "Float32Array",
    "float64": "Float64Array",
    "int8": "Int8Array",
    "int16": "Int16Array",
    "int32": "Int32Array",
    "int64": "BigInt64Array",
    "uint8": "Uint8Array",
    "uint16": "Uint16Array",
    "uint32": "Uint32Array",
    "uint64": "BigUint64Array",
    "bool": "Uint8Array",
    # JavaScript has no float16 array before Node.js 24: its bits, rounded by NumPy.
    "float16": "Uint16Array",
}


def _js_float(value: float) -> str:
    if value.is_integer() and abs(value) < 2**53:
        return "-0" if math.copysign(1, value) < 0 and value == 0 else str(int(value))
    return _js(value)


def _js_array_parts(value: np.ndarray) -> tuple[str, str, list[str], int, bool]:
    """(header constant, typed array, items, size, whether one item fills them all)."""
    typed = _TYPED_ARRAYS.get(value.dtype.name)
    if typed is None:
        raise TypeError(f"no JavaScript typed array for dtype {value.dtype.name}")
    flat = value.ravel()
    if value.dtype == np.float16:
        typed = "/* float16 bits */ " + typed
    # One element's text for a uniform array: its size never makes the text longer.
    same = uniform(flat)
    items = _js_items(flat[:1] if same else flat)
    header = npy_header_name(value.dtype.name, (1, *value.shape))
    return header, typed, items, flat.size, same or (len(items) > 1 and len(set(items)) == 1)


def _js_items(flat: np.ndarray) -> list[str]:
    if flat.dtype == np.float16:
        return [f"0x{bits:04x}" for bits in flat.view(np.uint16).tolist()]
    if flat.dtype.kind in "iu" and flat.dtype.itemsize == 8:
        return [f"{n}n" for n in flat.tolist()]
    if flat.dtype.kind == "f":
        # The shortest text that reads back to the same float32 or float64.
        return [prettier.number(_js_float(float(str(v)))) for v in flat]
    return [str(n) for n in flat.astype(np.int64).tolist()]


def _js_array(value: np.ndarray) -> str:
    """`npy(NPY_..., new Float32Array([...]))`: the snippet's npy() appends the bytes to the header."""
    header, typed, items, size, fills = _js_array_parts(value)
    values = f"new {typed}({size}).fill({items[0]})" if fills else f"new {typed}([{', '.join(items)}])"
    return f"npy({header}, {values})"


def _number_node(text: str) -> prettier.Node:
    if text.endswith("n") or text.lstrip("-") in ("NaN", "Infinity"):
        return prettier.text_node("other", text)  # BigInt literals and identifiers
    return prettier.text_node("signed" if text.startswith("-") else "number", prettier.number(text))


def _js_node(value) -> prettier.Node:
    """`value` as the node Prettier would print (see prettier.py)."""
    if isinstance(value, str):  # first: the deployment's values, on every render
        return prettier.text_node("string", prettier.string(_js(value)))
    if loaded("numpy") and isinstance(value, np.ndarray):
        header, typed, items, size, fills = _js_array_parts(value)
        if fills:
            typed_array = prettier.call(f"new {typed}", [prettier.text_node("number", str(size))])
            filled = prettier.call(".fill", [_number_node(items[0])])
            values = prettier.Node("call", prettier.Group([typed_array.doc, filled.doc]))
        else:
            values = prettier.call(f"new {typed}", [prettier.array([_number_node(item) for item in items])])
        return prettier.call("npy", [prettier.text_node("other", header), values])
    if loaded("numpy") and isinstance(value, np.generic):
        return _js_node(value.item())
    if isinstance(value, bool):
        return prettier.text_node("boolean", _js(value))
    if isinstance(value, (int, float)):
        return _number_node(_js(value))
    if isinstance(value, (list, tuple)):
        return prettier.array([_js_node(item) for item in value])
    if isinstance(value, dict):
        return prettier.obj([(_prettier_key(str(k)), _js_node(v)) for k, v in value.items()])
    return prettier.text_node("other", _js(value))


def _prettier_key(key: str) -> str:
    literal = _js_key(key)
    computed = literal.startswith("[")
    return prettier.key(literal[1:-1] if computed else literal, key, computed=computed)


def javascript(value, *, width: int | None = None, assign: str | None = None, key: str | None = None,
               indent: int = 0) -> Code:
    """A JavaScript expression for `value`. Strings are JSON with unsafe.py's code
    points escaped, U+2028 and U+2029 among them (they end a line in older
    engines). A NumPy array becomes
    `npy(NPY_<DTYPE>_<SHAPE>, typed array)`, its wire form: the snippet defines
    npy() and the header constant (see arrays.py), the typed array holds the values
    in row-major order.

    Laid out as Prettier prints it (prettier.py): with `assign` ("const NAME",
    "body.field"), the whole statement `assign = value;`; with `key`, the line
    `key: value,` of an object printed one entry per line; `indent` is the
    column the line starts at. With `width`, the value alone in that many columns."""
    if assign is not None and isinstance(value, str):
        return Code(prettier.string_statement(assign, prettier.string(_js(value)), indent=indent))
    if assign is not None:
        return Code(prettier.statement(assign, _js_node(value), indent=indent))
    if key is not None:
        return Code(prettier.property_line(_prettier_key(key), _js_node(value), indent=indent))
    if width is not None:
        return Code(prettier.expression(_js_node(value), print_width=width))
    return Code(_js(value))


def _py_json(value) -> str:
    """A Python expression of `value`'s JSON form: a large uniform array as `[0.0] * n`."""
    if built(value):
        text = _py(value.ravel()[0].item())
        for n in reversed(value.shape):
            text = f"[{text}] * {n}"
        return text
    if isinstance(value, dict):
        # JSON's string literals are Python's too, and their double quotes sit well in a shell word.
        return "{" + ", ".join(f"{json(str(k))}: {_py_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_py_json(v) for v in value) + "]"
    return _py(_plain(value))


def json_by_python(value) -> Code:
    """A Python program that prints `json(value)`, in constant size for a large uniform
    array: a shell snippet runs it (`python3 -c`) rather than holding the values."""
    return Code(f"import json; print(json.dumps({_py_json(value)}))")


def _json_splicing(value, indent: int | None) -> tuple[str, list[tuple[str, str]]]:
    """json(value) with each ShellArray as a token string, and (token, variable name)."""
    # A random token cannot be guessed by a name or key written into the same JSON.
    token = secrets.token_hex(16)
    found: list[tuple[str, str]] = []

    def splice(leaf):
        if isinstance(leaf, ShellArray):
            found.append((f"{token}{len(found)}x", leaf.name))
            return found[-1][0]
        return leaf

    return json(walk(value, splice), indent=indent), found


def _split_at(text: str, found: list[tuple[str, str]]):
    """(text before, variable name) for each token in order, then the text after the last."""
    for token, name in found:
        before, _, text = text.partition(token)
        yield before, name
    yield text, None


def shell_json(value, *, indent: int | None = None) -> Code:
    """One shell word that expands to `json(value)`, each ShellArray leaf spliced in as
    its variable: `'{"obs": "'"$OBS"'"}'`."""
    text, found = _json_splicing(value, indent)
    parts = _split_at(text, found)
    return Code("".join(shell(part) + (f'"${name}"' if name else "") for part, name in parts))


def _heredoc_text(text: str) -> str:
    # In an unquoted here-document only \, $ and ` are special.
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("`", "\\`")


def heredoc_json(value, *, indent: int | None = None) -> Code:
    """A here-document of `json(value)` ending in a JSON line: quoted (`<<'JSON'`) as is,
    or, when ShellArray leaves are spliced in as `$NAME`, unquoted with \\, $ and ` escaped."""
    text, found = _json_splicing(value, indent)
    if not found:
        return Code(f"<<'JSON'\n{text}\nJSON")
    parts = _split_at(text, found)
    body = "".join(_heredoc_text(part) + (f"${name}" if name else "") for part, name in parts)
    return Code(f"<<JSON\n{body}\nJSON")


def shell_array_lines(tree) -> Code:
    """Shell lines that fill the variable of each ShellArray in `tree` with its base64 `.npy`."""
    arrays = shell_arrays(tree)
    if not arrays:
        return Code("")
    lines = ["# Arrays of one value: np.save's header, then the value's bytes per element, as base64."]
    for array in arrays:
        if array.item.count(0) == len(array.item):
            data = f"head -c {array.count * len(array.item)} /dev/zero"
        else:
            item = "".join(f"\\x{byte:02x}" for byte in array.item)
            data = f"printf '{item}%.0s' $(seq {array.count})"
        header = f"base64 -d <<<{shell(array.header)}"
        # One pipeline: shfmt -i 2 writes a `{ a; b; }` group on lines of its own.
        lines.append(f"{array.name}=\"$({header} | cat - <({data}) | base64 | tr -d '\\n')\"")
    return Code("\n".join(lines))


def json_in_sh_quotes(value) -> Code:
    """JSON text for `value`, to write inside a single-quoted shell word: `'` → `'\\''`.

    JSON text holds no code point of unsafe.py raw (json() escapes them), so inside
    single quotes nothing but the quote itself needs a second thought."""
    return Code(json(value).replace("'", "'\\''"))


_OWN = {write.__name__: write for write in (cpp, csharp, go, java, rust)}

FILTERS = {
    "py": python,
    "sh": shell,
    "json": json,
    "js": javascript,
    # A language with a quoting of its own: `_<id>.py` defines `<id>()`, and its declaration
    # names the filter templates call it by.
    **{language.literal: _OWN[language.id] for language in LANGUAGES.values() if language.id in _OWN},
    "json_by_python": json_by_python,
    "sh_json": shell_json,
    "json_in_sh_quotes": json_in_sh_quotes,
    "heredoc_json": heredoc_json,
    "sh_arrays": shell_array_lines,
}
