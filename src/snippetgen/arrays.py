"""Array trees on the wire, both sides (CONTRACT.md, "Arrays on the wire").

Every array leaf is `base64(np.save(array, allow_pickle=False))`, ASCII. Dicts
stay objects, tuples and lists become arrays, `None` stays `None`. A snippet
sends one unbatched observation, so `to_wire` adds the leading batch axis of 1
and `from_wire` removes it; the sandbox's arrays carry their batch axis, so
`encode_tree` and `decode_tree` keep it.

- The `.npy` format: `npy_header` writes np.save's header byte for byte (every
  version); `npy_bytes` a whole file, `read_npy` reads one, refusing what a
  reader in another language would misread (big-endian data, Fortran order).
  tests/fixtures/npy/ holds NumPy's own bytes for every language to check against.
- One tree walker, `walk`; every tree operation below is a use of it.
- What a snippet needs to put a deployment's arrays on the wire (`template_values`):
  which helpers to write, the headers a JavaScript snippet holds as constants, and
  the large uniform arrays a shell snippet builds in a variable (`shell_wire`).

Wire trees are plain data: a template still prints them through a literal filter.
"""

from __future__ import annotations

import ast
import base64
import binascii
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from .lazy import LazyModule
from .spaces import DictSpace, TupleSpace

if TYPE_CHECKING:
    import numpy as np

    from .literals import Code
else:
    np = LazyModule("numpy")

# ---------------------------------------------------------------- the .npy format

MAGIC = b"\x93NUMPY"
ALIGN = 64
"""np.save pads the header so the data starts at a multiple of 64 bytes."""
GROWTH_AXIS_DIGITS = 21
"""np.save leaves room in the header for the first axis to grow to this many digits."""
MAX_HEADER_BYTES = 10_000
"""np.load's limit (max_header_size): a longer header is refused before it is parsed."""
_HEADER_KEYS = {"descr", "fortran_order", "shape"}


class NpyError(ValueError):
    """Bytes that are no `.npy` array this module reads; the message says why."""


def _framed(text: str, version: int) -> bytes:
    """Magic, version, header length, then the header padded with spaces and a newline."""
    if version not in (1, 2, 3):
        raise ValueError(f".npy version {version}.0 does not exist (1.0, 2.0 and 3.0 do)")
    encoded = text.encode("utf-8" if version == 3 else "latin-1")
    length_bytes = 2 if version == 1 else 4
    used = len(MAGIC) + 2 + length_bytes + len(encoded) + 1
    length = len(encoded) + 1 + ALIGN - used % ALIGN
    if length >= 1 << (8 * length_bytes):
        raise ValueError(f"a header of {length} bytes is too long for .npy version {version}.0")
    prefix = MAGIC + bytes((version, 0)) + length.to_bytes(length_bytes, "little")
    return prefix + encoded + b" " * (length - len(encoded) - 1) + b"\n"


def npy_header(
    descr, shape: tuple[int, ...], *, fortran_order: bool = False, version: int | None = None
) -> bytes:
    """The header np.save writes before an array's data, byte for byte.

    `descr` as numpy.lib.format.dtype_to_descr gives it ("<f4", "|b1", or a list for
    structured dtypes). `version` 1, 2 or 3; None picks the first that holds the header,
    as np.save does (2 for a header over 64 KiB, 3 for one that is not latin-1).
    """
    shape = tuple(int(n) for n in shape)
    text = f"{{'descr': {descr!r}, 'fortran_order': {fortran_order!r}, 'shape': {shape!r}, }}"
    if shape:
        text += " " * (GROWTH_AXIS_DIGITS - len(repr(shape[-1 if fortran_order else 0])))
    if version is not None:
        return _framed(text, version)
    try:
        return _framed(text, 1)
    except ValueError:  # too long, or not latin-1 (UnicodeEncodeError is a ValueError)
        pass
    try:
        return _framed(text, 2)
    except UnicodeEncodeError:
        return _framed(text, 3)


def header(dtype: str, shape: tuple[int, ...]) -> bytes:
    """np.save's header for an array of this dtype name ("float32") and shape."""
    return npy_header(np.dtype(dtype).str, shape)


def npy_bytes(array) -> bytes:
    """np.save(array, allow_pickle=False)'s bytes. Always C order and little-endian, what
    every reader takes: np.save would write a Fortran-ordered array in Fortran order."""
    array = np.asanyarray(array)
    if array.dtype.hasobject:
        raise ValueError("Object arrays cannot be saved when allow_pickle=False")
    little = array.dtype.newbyteorder("<")
    if little != array.dtype:
        array = array.astype(little)
    return npy_header(np.lib.format.dtype_to_descr(array.dtype), array.shape) + array.tobytes()


def _big_endian(dtype) -> bool:
    return dtype.newbyteorder("<") != dtype


def _header(raw: bytes) -> tuple[dict, int]:
    """The header's fields and where the data starts."""
    if raw[:4] == b"PK\x03\x04":
        raise NpyError("not a single .npy array (an .npz archive)")
    if raw[: len(MAGIC)] != MAGIC or len(raw) < 10:
        raise NpyError("not a .npy array (numpy.save, allow_pickle=False)")
    major, minor = raw[6], raw[7]
    if major not in (1, 2, 3) or minor != 0:
        raise NpyError(f"not a .npy array: format version {major}.{minor} (1.0, 2.0 and 3.0 are read)")
    start = 10 if major == 1 else 12
    length = int.from_bytes(raw[8:start], "little")
    if length > MAX_HEADER_BYTES:
        raise NpyError(f"not a .npy array: a header of {length} bytes (at most {MAX_HEADER_BYTES} are read)")
    if len(raw) < start + length:
        raise NpyError("not a .npy array: the header is cut short")
    try:
        # What np.load does too: a literal, never code.
        fields = ast.literal_eval(raw[start : start + length].decode("utf-8" if major == 3 else "latin-1"))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise NpyError("not a .npy array: its header is no Python literal") from None
    if not isinstance(fields, dict) or fields.keys() != _HEADER_KEYS:
        raise NpyError(f"not a .npy array: its header holds other keys than {sorted(_HEADER_KEYS)}")
    shape = fields["shape"]
    if not (isinstance(shape, tuple) and all(type(n) is int and n >= 0 for n in shape)):
        raise NpyError("not a .npy array: its shape is not a tuple of sizes")
    if not isinstance(fields["fortran_order"], bool):
        raise NpyError("not a .npy array: fortran_order is not True or False")
    return fields, start + length


def read_npy(raw: bytes, *, portable: bool = True) -> np.ndarray:
    """The array of one `.npy` file (any version), as np.load(allow_pickle=False) reads it.

    NpyError for anything else and, when `portable`, for what the snippets' readers in
    other languages refuse: big-endian data and Fortran order (np.save writes neither
    from a C-ordered array on x86 or ARM). The sandbox, like the Arena server's np.load,
    reads both (`portable=False`). Bytes after the data are ignored, as np.load does.
    """
    fields, start = _header(raw)
    try:
        dtype = np.lib.format.descr_to_dtype(fields["descr"])
    except Exception:
        # The descr itself stays out of the message: it is the sender's text, of any length.
        raise NpyError("not a .npy array: its descr describes no dtype") from None
    if dtype.hasobject:
        raise NpyError("not a .npy array (numpy.save, allow_pickle=False): object arrays need pickle")
    if portable and _big_endian(dtype):
        raise NpyError(f"a big-endian .npy array ({dtype.str}): send it little-endian, "
                       "as np.save writes on x86 and ARM (array.astype(array.dtype.newbyteorder('<')))")
    if portable and fields["fortran_order"]:
        raise NpyError("a .npy array in Fortran order: send it in C order (np.ascontiguousarray(array))")
    shape = fields["shape"]
    count = math.prod(shape)
    size = count * dtype.itemsize
    if len(raw) - start < size:
        raise NpyError(f"not a .npy array: {len(raw) - start} bytes of data, its header says {size}")
    if size == 0:
        return np.zeros(shape, dtype)
    # A copy: writable, as np.load's arrays are, and not holding on to `raw`.
    order: Literal["C", "F"] = "F" if fields["fortran_order"] else "C"
    return np.frombuffer(raw, dtype=dtype, count=count, offset=start).reshape(shape, order=order).copy()


# ---------------------------------------------------------------- the one tree walker


def _path(where: str, key) -> str:
    return f"{where}.{key}" if where else str(key)


def walk(tree, leaf: Callable, *, where: str | None = None, sequence: Callable = list):
    """`tree` with each leaf replaced by `leaf(value)`, or with `where` by `leaf(value, path)`.

    Dicts stay dicts (keys as text), tuples and lists become `sequence(...)`, None
    stays None and is no leaf. A path is dotted from `where`, the root's own:
    `obs.0.pos`, or `0.pos` from "".
    """
    if tree is None:
        return None
    if isinstance(tree, dict):
        if where is None:
            return {str(key): walk(value, leaf, sequence=sequence) for key, value in tree.items()}
        return {str(key): walk(value, leaf, where=_path(where, key), sequence=sequence)
                for key, value in tree.items()}
    if isinstance(tree, (tuple, list)):
        if where is None:
            return sequence(walk(value, leaf, sequence=sequence) for value in tree)
        return sequence(
            walk(value, leaf, where=_path(where, i), sequence=sequence) for i, value in enumerate(tree)
        )
    return leaf(tree) if where is None else leaf(tree, where)


def leaves(tree, where: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, leaf) for each leaf of a tree, in order."""
    found: list[tuple[str, Any]] = []
    walk(tree, lambda value, path: found.append((path, value)), where=where)
    return iter(found)


# ---------------------------------------------------------------- the wire form


class WireError(ValueError):
    """Text that is not a base64 `.npy` array, with where it was found."""


def encode(array) -> str:
    """One leaf, as is: base64 of its `.npy` bytes."""
    return base64.b64encode(npy_bytes(array)).decode("ascii")


def decode(text, where: str = "array", *, portable: bool = True) -> np.ndarray:
    """The reverse of `encode`; WireError names `where` when `text` is no such array
    (`portable`: see read_npy)."""
    if not isinstance(text, str):
        raise WireError(f"{where}: expected a base64 .npy string, got {type(text).__name__}")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise WireError(f"{where}: not valid base64") from None
    try:
        return read_npy(raw, portable=portable)
    except NpyError as error:
        raise WireError(f"{where}: {error}") from None
    except Exception:  # whatever else the bytes provoke is a bad request, not a crash
        raise WireError(f"{where}: not a .npy array (numpy.save, allow_pickle=False)") from None


def npy_base64(array) -> str:
    """One unbatched leaf with the batch axis of 1 added."""
    return encode(np.expand_dims(np.asarray(array), 0))


def _wire_leaf(leaf) -> str:
    if isinstance(leaf, (np.ndarray, np.generic)):
        return npy_base64(leaf)
    raise TypeError(f"not an array tree leaf: {type(leaf).__name__}")


def to_wire(tree):
    """The JSON-ready form of an unbatched array tree, as the deployment reads it."""
    return walk(tree, _wire_leaf)


def _unbatched(text) -> np.ndarray:
    # squeeze, not [0]: a 0-d leaf stays an array rather than a NumPy scalar.
    return np.squeeze(decode(text), axis=0)


def from_wire(tree):
    """The reverse of `to_wire`: arrays back (batch axis removed), lists as tuples."""
    return walk(tree, _unbatched, sequence=tuple)


def decode_tree(tree, where: str, arrays: dict[str, tuple[tuple[int, ...], str]]):
    """Decode every leaf of a JSON tree, batch axis kept, as the server reads it (any array
    np.save writes); record each leaf's shape and dtype by dotted path (`where` is the root's)."""

    def leaf(text, path: str) -> np.ndarray:
        array = decode(text, path, portable=False)
        arrays[path] = (tuple(array.shape), array.dtype.name)
        return array

    return walk(tree, leaf, where=where, sequence=tuple)


def encode_tree(tree):
    """Encode every leaf of a tree that has its batch axis already."""
    return walk(tree, encode)


# ---------------------------------------------------------------- large uniform arrays

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


def filled(array) -> bool:
    """Whether a snippet builds this array from one value that is not all zero bytes
    (Go's filled(); zeros need no helper)."""
    return built(array) and bool(np.ascontiguousarray(array).view(np.uint8).any())


@dataclass(frozen=True)
class ShellArray:
    """A wire leaf a shell snippet builds in a variable: base64 of np.save's header, then
    one element's bytes `count` times (batch axis included in the header)."""

    name: str
    header: str
    item: bytes
    count: int


def _shell_array(array: np.ndarray, name: str) -> ShellArray:
    return ShellArray(
        name=name,
        header=base64.b64encode(header(array.dtype.name, (1, *array.shape))).decode("ascii"),
        item=np.ascontiguousarray(array).reshape(-1)[:1].tobytes(),
        count=array.size,
    )


def shell_wire(tree, name: str = "OBS"):
    """`to_wire` for a shell snippet: each large uniform leaf becomes a ShellArray the
    snippet fills in a variable (`name`, or `name_1`, `name_2`, ... for several)."""
    several = sum(built(leaf) for _, leaf in leaves(tree)) > 1
    count = 0

    def leaf(array):
        nonlocal count
        if built(array):
            count += 1
            return _shell_array(array, f"{name}_{count}" if several else name)
        return _wire_leaf(array)

    return walk(tree, leaf)


def shell_arrays(tree) -> list[ShellArray]:
    """The ShellArray leaves of a `shell_wire` tree, in order."""
    return [leaf for _, leaf in leaves(tree) if isinstance(leaf, ShellArray)]


FILTERS = {"wire": shell_wire, "shell_arrays": shell_arrays}
"""Jinja filters that return data, not source text: print their result through a literal filter."""


# ---------------------------------------------------------------- what a snippet needs


def npy_header_name(dtype: str, shape: tuple[int, ...]) -> str:
    """The constant a JavaScript snippet holds np.save's header in: `NPY_FLOAT32_1X4`."""
    return f"NPY_{dtype.upper()}_{'X'.join(str(n) for n in shape)}"


@lru_cache(maxsize=256)
def _header_base64(dtype: str, shape: tuple[int, ...]) -> str:
    return base64.b64encode(header(dtype, shape)).decode("ascii")


def _arrays(tree) -> list[np.ndarray]:
    return [np.asarray(leaf) for _, leaf in leaves(tree)]


def js_headers(*trees) -> list[tuple[Code, str]]:
    """(constant name, base64 header) for each distinct dtype and batched shape sent, in order.

    For a known dtype and shape np.save's header is fixed, so a JavaScript snippet
    holds it as a constant and appends the array's raw bytes: no codec in the snippet."""
    from .literals import Code  # literals reads this module: imported when first needed

    found: dict[str, str] = {}
    for tree in trees:
        for array in _arrays(tree):
            shape = (1, *array.shape)
            name = npy_header_name(array.dtype.name, shape)
            if name not in found:
                found[name] = _header_base64(array.dtype.name, shape)
    return [(Code(name), value) for name, value in found.items()]


def _has_tree(space) -> bool:
    if isinstance(space, dict):
        return any(_has_tree(sub) for sub in space.values())
    return isinstance(space, (DictSpace, TupleSpace))


def template_values(deployment, values: dict) -> dict:
    """Template values saying which array helpers a snippet needs, from the arrays it prints:
    an encoder of one array or a tree walker (Dict and Tuple spaces, per-agent dicts); a
    tree decoder only when an answer can be a tree (a Dict or Tuple action space)."""
    obs, mask, env_defined = values["obs"], values["action_mask"], values["env_defined_actions"]
    multi_agent = deployment.env_type == "pettingzoo"
    return {
        # An unknown space may be a tree; per-agent values always are.
        "sends_tree": obs is None or multi_agent or isinstance(obs, (dict, tuple)),
        "answers_tree": _has_tree(deployment.action_space),
        "npy_headers": js_headers(obs, mask, env_defined),
        # Go builds a large array of one nonzero value with a helper.
        "fills_arrays": any(filled(array) for tree in (obs, mask, env_defined) for array in _arrays(tree)),
        # The CLI's JSON observation is built by Python when printing it would list a large array.
        "obs_json_built": any(built(array) for array in _arrays(obs)),
        # JavaScript writes a header itself only for an array the snippet leaves to the user.
        "writes_headers": obs is None
        or (values["wants_action_mask"] and mask is None)
        or (multi_agent and (mask is None or env_defined is None)),
    }
