"""Array trees in their wire form (CONTRACT.md, "Arrays on the wire").

Every array leaf is `base64(np.save(array, allow_pickle=False))`, ASCII. Dicts
stay objects, tuples and lists become arrays, `None` stays `None`. A snippet
sends one unbatched observation, so `to_wire` adds the leading batch axis of 1.
The result is plain data: a template still prints it through a literal filter.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .lazy import LazyModule

if TYPE_CHECKING:
    import numpy as np
else:
    np = LazyModule("numpy")


class WireError(ValueError):
    """Text that is not a base64 `.npy` array, with where it was found."""


def encode(array) -> str:
    """One leaf, as is: base64 of its `.npy` bytes."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def decode(text, where: str = "array") -> np.ndarray:
    """The reverse of `encode`; WireError names `where` when `text` is no such array."""
    if not isinstance(text, str):
        raise WireError(f"{where}: expected a base64 .npy string, got {type(text).__name__}")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise WireError(f"{where}: not valid base64") from None
    try:
        array = np.load(io.BytesIO(raw), allow_pickle=False)
    except Exception:
        # allow_pickle=False makes object arrays fail here too, as they should.
        raise WireError(f"{where}: not a .npy array (numpy.save, allow_pickle=False)") from None
    if not isinstance(array, np.ndarray):
        raise WireError(f"{where}: not a single .npy array")
    return array


def npy_base64(array) -> str:
    """One unbatched leaf with the batch axis of 1 added."""
    return encode(np.expand_dims(np.asarray(array), 0))


def to_wire(tree):
    """The JSON-ready form of an unbatched array tree, as the deployment reads it."""
    if tree is None:
        return None
    if isinstance(tree, dict):
        return {str(key): to_wire(value) for key, value in tree.items()}
    if isinstance(tree, (tuple, list)):
        return [to_wire(value) for value in tree]
    if isinstance(tree, (np.ndarray, np.generic)):
        return npy_base64(tree)
    raise TypeError(f"not an array tree leaf: {type(tree).__name__}")


def from_wire(tree):
    """The reverse of `to_wire`: arrays back (batch axis removed), lists as tuples."""
    if tree is None:
        return None
    if isinstance(tree, dict):
        return {key: from_wire(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return tuple(from_wire(value) for value in tree)
    # squeeze, not [0]: a 0-d leaf stays an array rather than a NumPy scalar.
    return np.squeeze(decode(tree), axis=0)


BUILT_OVER = 64
"""A uniform array of more elements is built by the snippet, never printed value by value."""


def uniform(array: np.ndarray) -> bool:
    """Whether every element has the same bits (so -0.0 differs from 0.0), with more than one."""
    flat = np.ascontiguousarray(array).reshape(-1)
    if flat.size < 2:
        return False
    rows = flat.view(np.uint8).reshape(flat.size, flat.dtype.itemsize)
    return bool((rows == rows[0]).all())


def built(array) -> bool:
    """Whether a snippet writes code that builds this array rather than its values."""
    return isinstance(array, np.ndarray) and array.size > BUILT_OVER and uniform(array)


@dataclass(frozen=True)
class ShellArray:
    """A wire leaf a shell snippet builds in a variable: base64 of np.save's header, then
    one element's bytes `count` times (batch axis included in the header)."""

    name: str
    header: str
    item: bytes
    count: int


def _shell_array(array: np.ndarray, name: str) -> ShellArray:
    from .npy import header

    npy_header = header(array.dtype.name, (1, *array.shape))
    return ShellArray(
        name=name,
        header=base64.b64encode(npy_header).decode("ascii"),
        item=np.ascontiguousarray(array).reshape(-1)[:1].tobytes(),
        count=array.size,
    )


def _built_leaves(tree) -> int:
    if isinstance(tree, dict):
        return sum(_built_leaves(value) for value in tree.values())
    if isinstance(tree, (tuple, list)):
        return sum(_built_leaves(value) for value in tree)
    return int(built(tree))


def shell_wire(tree, name: str = "OBS"):
    """`to_wire` for a shell snippet: each large uniform leaf becomes a ShellArray the
    snippet fills in a variable (`name`, or `name_1`, `name_2`, ... for several)."""
    several = _built_leaves(tree) > 1
    count = 0

    def walk(node):
        nonlocal count
        if isinstance(node, dict):
            return {str(key): walk(value) for key, value in node.items()}
        if isinstance(node, (tuple, list)):
            return [walk(value) for value in node]
        if built(node):
            count += 1
            return _shell_array(node, f"{name}_{count}" if several else name)
        return to_wire(node)

    return walk(tree)


def shell_arrays(tree) -> list[ShellArray]:
    """The ShellArray leaves of a `shell_wire` tree, in order."""
    if isinstance(tree, ShellArray):
        return [tree]
    if isinstance(tree, dict):
        return [leaf for value in tree.values() for leaf in shell_arrays(value)]
    if isinstance(tree, (tuple, list)):
        return [leaf for value in tree for leaf in shell_arrays(value)]
    return []


HELPERS = {"wire": shell_wire, "shell_arrays": shell_arrays}
"""Jinja filters that return data, not source text: print their result through a literal filter."""
