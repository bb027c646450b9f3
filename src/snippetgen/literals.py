"""Literal filters: a Python value in, source text of a target language out.

Templates print values only through these filters (the renderer refuses any
other printed value), so a deployment named `x"; rm -rf ~; "` is just a strange
string in every snippet.
"""

from __future__ import annotations

import json as _json
import math

import numpy as np


class Code(str):
    """Source text made by a literal filter: safe to print into a template."""


def _plain(value):
    """NumPy values → plain Python values, for JSON and JavaScript."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
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


def javascript(value) -> Code:
    """A JavaScript expression for `value`: JSON with every non-ASCII character escaped,
    so U+2028 and U+2029 cannot end a line in older engines."""
    return Code(_json.dumps(_plain(value), ensure_ascii=True, allow_nan=False))


FILTERS = {"py": python, "sh": shell, "json": json, "js": javascript}
