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


HELPERS = {"wire": to_wire}
"""Jinja filters that return data, not source text: print their result through a literal filter."""
