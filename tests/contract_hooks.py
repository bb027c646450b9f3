"""schemathesis hooks for tests/test_contract.py (loaded through SCHEMATHESIS_HOOKS).

A few of the service's rules relate one value to another (a space's element budget
and nesting depth, a Box's bounds against its shape, each other and its dtype, a
pettingzoo deployment's agent ids), which JSON Schema cannot state; the OpenAPI
document states them in prose. Positive cases that break them are not valid requests,
so they are dropped here; every other positive case must be accepted, and negative
cases are all kept.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import schemathesis
from schemathesis import GenerationMode

from pydantic import ValidationError

from snippetgen import Deployment
from snippetgen.serve.models import MAX_SPACE_DEPTH, MAX_SPACE_ELEMENTS


def _elements(space: Any, depth: int = 0) -> float:
    """Elements a space's example value holds (infinity past the depth limit)."""
    if depth > MAX_SPACE_DEPTH:
        return math.inf
    if not isinstance(space, dict):
        return 0
    kind = space.get("type")
    if kind == "Box":
        return math.prod(space.get("shape") or [])
    if kind in ("Discrete", "MultiBinary"):
        n = space.get("n", 1)
        return math.prod(n) if isinstance(n, list) else n
    if kind == "MultiDiscrete":
        return len(space.get("nvec", []))
    if kind in ("Dict", "Tuple"):
        spaces = space.get("spaces") or []
        children = spaces.values() if isinstance(spaces, dict) else spaces
        return sum(_elements(child, depth + 1) for child in children)
    # A pettingzoo mapping of agent id to space.
    return sum(_elements(child, depth + 1) for child in space.values())


def _shape(bound: Any) -> tuple[int, ...] | None:
    """The shape of nested lists (None when ragged); () for a number."""
    if not isinstance(bound, list):
        return ()
    inner = {_shape(item) for item in bound}
    if len(inner) > 1 or None in inner:
        return None
    return (len(bound), *(inner.pop() if inner else ()))


def _leaves(bound: Any) -> list[float]:
    if isinstance(bound, list):
        return [leaf for item in bound for leaf in _leaves(item)]
    return [bound]


def _box_is_writable(box: dict) -> bool:
    """Bounds of no other shape than the Box's, low <= high, and an example value (0
    clipped into the bounds) that the dtype can hold."""
    shape = tuple(box.get("shape", ()))
    low, high = box.get("low"), box.get("high")
    for bound in (low, high):
        if bound is not None and _shape(bound) not in ((), shape):
            return False
    lows = _leaves(low) if low is not None else [-math.inf]
    highs = _leaves(high) if high is not None else [math.inf]
    size = max(len(lows), len(highs))
    lows, highs = lows * (size // len(lows)), highs * (size // len(highs))
    if any(lo > hi for lo, hi in zip(lows, highs, strict=True)):
        return False
    dtype = np.dtype(box.get("dtype", "float32"))
    for lo, hi in zip(lows, highs, strict=True):
        fill = min(max(0.0, lo), hi)
        if dtype.kind in "iu":
            info = np.iinfo(dtype)
            if not info.min <= math.ceil(fill) <= info.max:
                return False
        elif dtype.kind == "f" and abs(fill) > np.finfo(dtype).max:
            return False
    return True


def _spaces(space: Any):
    """Every space inside a space (or a mapping of agent id to space), itself included."""
    if isinstance(space, dict):
        yield space
        inner = space.get("spaces") if space.get("type") in ("Dict", "Tuple") else None
        if inner is None and "type" not in space:
            inner = space
        if isinstance(inner, dict):
            inner = list(inner.values())
        for child in inner or []:
            yield from _spaces(child)


def follows_the_stated_rules(body: Any) -> bool:
    deployment = body.get("deployment") if isinstance(body, dict) else None
    if not isinstance(deployment, dict):
        return True
    spaces = [deployment.get(field) for field in ("observation_space", "action_space")]
    if any(_elements(space) > MAX_SPACE_ELEMENTS for space in spaces):
        return False
    for space in spaces:
        for inner in _spaces(space):
            if inner.get("type") == "Box" and not _box_is_writable(inner):
                return False
    if _over_a_budget(deployment):
        return False
    agents = deployment.get("agents")
    if deployment.get("env_type") == "pettingzoo" and agents:
        return all(set(space) == set(agents) for space in spaces if isinstance(space, dict))
    return True


def _over_a_budget(deployment: dict) -> bool:
    """Whether the library refuses the deployment for one of its stated budgets (the
    arrays, listed values, Dict keys and agent ids a space makes every snippet print)."""
    try:
        Deployment.model_validate(deployment)
    except ValidationError as error:
        return any("are allowed" in item["msg"] for item in error.errors())
    except (TypeError, ValueError):
        return False
    return False


@schemathesis.hook
def filter_case(context, case) -> bool:
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return True
    return follows_the_stated_rules(case.body)
