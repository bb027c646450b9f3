"""Arrays on the wire (CONTRACT.md): base64 `.npy` leaves inside JSON trees."""

from __future__ import annotations

import base64
import binascii
import io

import numpy as np


class WireError(ValueError):
    """A request body that does not follow the contract; answered with 422."""


def encode(array) -> str:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def decode(text, where: str) -> np.ndarray:
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


def decode_tree(tree, where: str, arrays: dict[str, tuple[tuple[int, ...], str]]):
    """Decode every leaf of a JSON tree; record each leaf's shape and dtype by dotted path."""
    if tree is None:
        return None
    if isinstance(tree, dict):
        return {key: decode_tree(value, f"{where}.{key}", arrays) for key, value in tree.items()}
    if isinstance(tree, list):
        return tuple(decode_tree(value, f"{where}.{i}", arrays) for i, value in enumerate(tree))
    array = decode(tree, where)
    arrays[where] = (tuple(array.shape), array.dtype.name)
    return array


def encode_tree(tree):
    if tree is None:
        return None
    if isinstance(tree, dict):
        return {key: encode_tree(value) for key, value in tree.items()}
    if isinstance(tree, (tuple, list)):
        return [encode_tree(value) for value in tree]
    return encode(tree)


def leaves(tree, where: str = ""):
    """(dotted path, array) for each array of a decoded tree."""
    if tree is None:
        return
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from leaves(value, f"{where}.{key}" if where else str(key))
    elif isinstance(tree, tuple):
        for i, value in enumerate(tree):
            yield from leaves(value, f"{where}.{i}" if where else str(i))
    else:
        yield where, tree
