"""Array trees in their wire form (CONTRACT.md, "Arrays on the wire").

Every array leaf becomes `base64(np.save(array[None], allow_pickle=False))`:
a leading batch axis of 1, since a snippet sends one unbatched observation.
Dicts stay objects, tuples and lists become arrays, `None` stays `None`.
The result is plain data: a template still prints it through a literal filter.
"""

from __future__ import annotations

import base64
import io

import numpy as np


def npy_base64(array) -> str:
    """One leaf: base64 of the `.npy` bytes of `array` with a batch axis of 1."""
    buffer = io.BytesIO()
    np.save(buffer, np.expand_dims(np.asarray(array), 0), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def to_wire(tree):
    """The JSON-ready form of an array tree, as the deployment reads it."""
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
    array = np.load(io.BytesIO(base64.b64decode(tree, validate=True)), allow_pickle=False)
    # squeeze, not [0]: a 0-d leaf stays an array rather than a NumPy scalar.
    return np.squeeze(array, axis=0)


HELPERS = {"wire": to_wire}
"""Jinja filters that return data, not source text: print their result through a literal filter."""
