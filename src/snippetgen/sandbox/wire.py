"""Array trees the sandbox receives and answers; leaves use snippetgen.wire.

The sandbox's arrays carry their batch axis already, so leaves are encoded as is.
"""

from __future__ import annotations

from ..wire import WireError, decode, encode

__all__ = ["WireError", "decode", "decode_tree", "encode", "encode_tree", "leaves"]


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
