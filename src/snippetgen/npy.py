"""What a snippet needs to put this deployment's arrays on the wire, decided at render time.

- Which helpers to write: an encoder of one array, or the tree walker for Dict
  and Tuple spaces and per-agent dicts; a tree decoder only when an answer can be
  a tree (a Dict or Tuple action space).
- The `.npy` headers a JavaScript snippet sends. For a known dtype and shape,
  np.save's header is fixed, so the snippet holds it as a base64 constant and
  appends the array's raw bytes: no codec library in the snippet.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache

from .literals import Code, fills_go_array, npy_header_name
from .spaces import DictSpace, TupleSpace
from .wire import built


def header(dtype: str, shape: tuple[int, ...]) -> bytes:
    """The bytes np.save writes before the data of an array of this dtype and shape."""
    import numpy as np

    # Written from the dtype and shape alone: no array of that shape is allocated.
    fields = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": shape}
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, fields)
    return buffer.getvalue()


@lru_cache(maxsize=256)
def _header_base64(dtype: str, shape: tuple[int, ...]) -> str:
    return base64.b64encode(header(dtype, shape)).decode("ascii")


def _leaves(tree):
    if isinstance(tree, dict):
        for value in tree.values():
            yield from _leaves(value)
    elif isinstance(tree, (tuple, list)):
        for value in tree:
            yield from _leaves(value)
    elif tree is not None:
        import numpy as np

        yield np.asarray(tree)


def js_headers(*trees) -> list[tuple[Code, str]]:
    """(constant name, base64 header) for each distinct dtype and batched shape sent, in order."""
    found: dict[str, str] = {}
    for tree in trees:
        for array in _leaves(tree):
            shape = (1, *array.shape)
            name = npy_header_name(array.dtype.name, shape)
            if name not in found:
                found[name] = _header_base64(array.dtype.name, shape)
    return [(Code(name), value) for name, value in found.items()]


def _has_tree(space) -> bool:
    if isinstance(space, dict):
        return any(_has_tree(sub) for sub in space.values())
    return isinstance(space, (DictSpace, TupleSpace))


def context(deployment, values: dict) -> dict:
    """Template values saying which array helpers a snippet needs, from the arrays it prints."""
    obs, mask, env_defined = values["obs"], values["action_mask"], values["env_defined_actions"]
    multi_agent = deployment.env_type == "pettingzoo"
    return {
        # An unknown space may be a tree; per-agent values always are.
        "sends_tree": obs is None or multi_agent or isinstance(obs, (dict, tuple)),
        "answers_tree": _has_tree(deployment.action_space),
        "npy_headers": js_headers(obs, mask, env_defined),
        # Go builds a large array of one nonzero value with a helper (zeros need none).
        "fills_arrays": any(fills_go_array(array) for array in _leaves((obs, mask, env_defined))),
        # The CLI's JSON observation is built by Python when printing it would list a large array.
        "obs_json_built": any(built(array) for array in _leaves(obs)),
        # JavaScript writes a header itself only for an array the snippet leaves to the user.
        "writes_headers": obs is None
        or (values["wants_action_mask"] and mask is None)
        or (multi_agent and (mask is None or env_defined is None)),
    }
