"""A table of observation spaces in their JSON form, and Gymnasium's own space for each.

Shared by the space tests and the Manual HTTP run tests, so every space type the
deployment model accepts is both checked for membership and sent over the wire.
"""

from __future__ import annotations

import gymnasium
import numpy as np

SPACES: dict[str, dict] = {
    "box_bounded": {"type": "Box", "shape": [3], "dtype": "float32", "low": [0.5, -2.0, -1.0], "high": [1.0, -1.0, 1.0]},
    "box_image": {"type": "Box", "shape": [2, 3, 3], "dtype": "uint8", "low": 0, "high": 255},
    "box_int": {"type": "Box", "shape": [2, 2], "dtype": "int32", "low": 3, "high": 7},
    "box_float64_scalar": {"type": "Box", "shape": [], "dtype": "float64", "low": -1.5, "high": -0.5},
    "box_float16": {"type": "Box", "shape": [2], "dtype": "float16", "low": 0.1, "high": 0.2},
    "box_bool": {"type": "Box", "shape": [4], "dtype": "bool", "low": 0, "high": 1},
    "discrete": {"type": "Discrete", "n": 5},
    "discrete_start": {"type": "Discrete", "n": 3, "start": -1},
    "multi_discrete": {"type": "MultiDiscrete", "nvec": [3, 2, 4]},
    "multi_binary": {"type": "MultiBinary", "n": 4},
    "multi_binary_2d": {"type": "MultiBinary", "n": [2, 3]},
    # Larger than literals print value by value: each snippet builds them from one value.
    "box_large": {"type": "Box", "shape": [3, 8, 9], "dtype": "uint8", "low": 0, "high": 255},
    "box_large_fill": {"type": "Box", "shape": [70], "dtype": "float64", "low": [0.5] * 70, "high": [1] * 70},
    "dict_large": {
        "type": "Dict",
        "spaces": {
            "frame": {"type": "Box", "shape": [2, 40], "dtype": "float32", "low": -1, "high": 1},
            "level": {"type": "Box", "shape": [65], "dtype": "int16", "low": -7, "high": -3},
            "id": {"type": "Discrete", "n": 3},
        },
    },
    "dict": {
        "type": "Dict",
        "spaces": {
            "position": {"type": "Box", "shape": [2], "dtype": "float32"},
            "mode": {"type": "Discrete", "n": 3},
        },
    },
    "tuple": {
        "type": "Tuple",
        "spaces": [{"type": "Discrete", "n": 2}, {"type": "Box", "shape": [3], "dtype": "float64", "low": 1, "high": 2}],
    },
    "nested": {
        "type": "Dict",
        "spaces": {
            "sensors": {
                "type": "Tuple",
                "spaces": [
                    {"type": "MultiBinary", "n": 3},
                    {"type": "Dict", "spaces": {"speed": {"type": "Box", "shape": [1], "dtype": "float32", "low": 2, "high": 3}}},
                ],
            },
            "target": {"type": "MultiDiscrete", "nvec": [4, 4]},
        },
    },
}


def gymnasium_space(space: dict) -> gymnasium.Space:
    """Gymnasium's own space for a space in its JSON form."""
    kind = space["type"]
    if kind == "Box":
        dtype = np.dtype(space.get("dtype", "float32"))
        low = space.get("low")
        high = space.get("high")
        if dtype == np.bool_:
            low, high = 0, 1
        if low is None:
            low = np.iinfo(dtype).min if np.issubdtype(dtype, np.integer) else -np.inf
        if high is None:
            high = np.iinfo(dtype).max if np.issubdtype(dtype, np.integer) else np.inf
        bound = lambda b: np.asarray(b) if isinstance(b, list) else b  # noqa: E731
        return gymnasium.spaces.Box(low=bound(low), high=bound(high), shape=tuple(space["shape"]), dtype=dtype)
    if kind == "Discrete":
        return gymnasium.spaces.Discrete(space["n"], start=space.get("start", 0))
    if kind == "MultiDiscrete":
        return gymnasium.spaces.MultiDiscrete(space["nvec"])
    if kind == "MultiBinary":
        return gymnasium.spaces.MultiBinary(space["n"])
    if kind == "Dict":
        return gymnasium.spaces.Dict({k: gymnasium_space(v) for k, v in space["spaces"].items()})
    if kind == "Tuple":
        return gymnasium.spaces.Tuple([gymnasium_space(v) for v in space["spaces"]])
    raise ValueError(f"unknown space type {kind!r}")


def batched_leaves(tree, where: str) -> dict[str, tuple[tuple[int, ...], str]]:
    """(shape with the batch axis of 1, dtype) of each leaf, by the sandbox's dotted path."""
    if tree is None:
        return {}
    if isinstance(tree, dict):
        found = {}
        for key, value in tree.items():
            found |= batched_leaves(value, f"{where}.{key}")
        return found
    if isinstance(tree, (tuple, list)):
        found = {}
        for i, value in enumerate(tree):
            found |= batched_leaves(value, f"{where}.{i}")
        return found
    array = np.asarray(tree)
    return {where: ((1, *array.shape), array.dtype.name)}
