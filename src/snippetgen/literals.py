"""Literal filters: a Python value in, source text of a target language out.

Templates print values only through these filters (the renderer refuses any
other printed value), so a deployment named `x"; rm -rf ~; "` is just a strange
string in every snippet.
"""

from __future__ import annotations

import json as _json
import math
from typing import TYPE_CHECKING

from .lazy import LazyModule, loaded

if TYPE_CHECKING:
    import numpy as np
else:
    np = LazyModule("numpy")


class Code(str):
    """Source text made by a literal filter: safe to print into a template."""


def _plain(value):
    """NumPy values → plain Python values, for JSON and JavaScript."""
    if loaded("numpy") and isinstance(value, np.ndarray):
        return value.tolist()
    if loaded("numpy") and isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


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
            return f"np.full({_py(value.shape)}, {_py(flat[0].item())}, dtype={dtype})"
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


def shell(value) -> Code:
    """One POSIX shell word that expands to exactly `value`: single quotes, `'` → `'\\''`."""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise TypeError(f"no shell word for {type(value).__name__}")
    text = str(value)
    if "\x00" in text:
        raise ValueError("a shell word cannot hold a NUL character")
    return Code("'" + text.replace("'", "'\\''") + "'")


def json(value, *, indent: int | None = None) -> Code:
    """JSON text for `value` (NumPy arrays become nested lists)."""
    return Code(_json.dumps(_plain(value), ensure_ascii=False, indent=indent, allow_nan=False))


def _js(value) -> str:
    if value is None or isinstance(value, bool):
        return _json.dumps(value)
    if isinstance(value, str):
        # U+2028/U+2029 end a line inside a string literal in pre-2019 engines.
        text = _json.dumps(value, ensure_ascii=False)
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return _json.dumps(value)
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, np.ndarray):
        # The snippet defines ndarray()/full(), its counterparts of np.array/np.full.
        dtype = _js(value.dtype.name)
        flat = value.ravel()
        if value.ndim and flat.size and (flat == flat[0]).all():
            return f"full({dtype}, {_js(list(value.shape))}, {_js_number(flat[0])})"
        return f"ndarray({dtype}, {_js_nested(value.tolist())})"
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


def _js_number(value) -> str:
    value = value.item() if isinstance(value, np.generic) else value
    # Past 2**53 a JavaScript number loses integer digits; a BigInt literal keeps them.
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return f"{value}n"
    return _js(value)


def _js_nested(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_js_nested(v) for v in value) + "]"
    return _js_number(value)


def javascript(value) -> Code:
    """A JavaScript expression for `value`. Strings are JSON with U+2028 and U+2029
    escaped, so they cannot end a line in older engines;
    NumPy arrays become `ndarray(dtype, nested)` or `full(dtype, shape, value)` calls."""
    return Code(_js(value))


FILTERS = {"py": python, "sh": shell, "json": json, "js": javascript}
