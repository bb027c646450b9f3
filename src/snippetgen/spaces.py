"""Observation and action spaces in their JSON form, and example values for them.

The JSON form mirrors Gymnasium's spaces (`{"type": "Box", "shape": [4]}`), so a
snippet can build an observation the deployed agent accepts.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .lazy import LazyModule
from .unsafe import check_keys

if TYPE_CHECKING:
    import numpy as np
else:
    np = LazyModule("numpy")

DTYPES = (
    "float16",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
)

Dtype = Literal[DTYPES]  # type: ignore[valid-type]
Bound = float | list


class _Space(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Box(_Space):
    type: Literal["Box"]
    shape: tuple[Annotated[int, Field(ge=1)], ...]
    dtype: Dtype = "float32"
    low: Bound | None = None
    high: Bound | None = None

    @model_validator(mode="after")
    def _bounds_fit_shape(self) -> Box:
        # Plain Python, so validating a deployment does not import numpy.
        for name in ("low", "high"):
            bound = getattr(self, name)
            if isinstance(bound, list) and _shape(bound, name) != self.shape:
                raise ValueError(
                    f"{name} has shape {list(_shape(bound, name))}, "
                    f"expected a number or shape {list(self.shape)}"
                )
        lows = _numbers(self.low, "low", -math.inf)
        highs = _numbers(self.high, "high", math.inf)
        # A number bounds every element: repeat it to the length of the other bound.
        size = max(len(lows), len(highs))
        pairs = zip(lows * (size // len(lows)), highs * (size // len(highs)), strict=True)
        if any(low > high for low, high in pairs):
            raise ValueError("low must not exceed high")
        return self

    def _bound_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        low = -np.inf if self.low is None else self.low
        high = np.inf if self.high is None else self.high
        return (
            np.broadcast_to(np.asarray(low, dtype=np.float64), self.shape),
            np.broadcast_to(np.asarray(high, dtype=np.float64), self.shape),
        )


def _shape(bound: object, name: str) -> tuple[int, ...]:
    """`np.shape` of a number or of nested lists, which must not be ragged."""
    if not isinstance(bound, list):
        return ()
    inner = {_shape(item, name) for item in bound}
    if len(inner) > 1:
        raise ValueError(f"{name} holds lists of different lengths")
    return (len(bound), *(inner.pop() if inner else ()))


def _leaves(bound: object) -> Iterator[Any]:
    if isinstance(bound, list):
        for item in bound:
            yield from _leaves(item)
    else:
        yield bound


def _numbers(bound: Bound | None, name: str, missing: float) -> list[float]:
    """The elements of a bound as floats (one for a number)."""
    if bound is None:
        return [missing]
    try:
        return [float(leaf) for leaf in _leaves(bound)]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or nested lists of numbers") from None


class Discrete(_Space):
    type: Literal["Discrete"]
    n: Annotated[int, Field(ge=1)]
    start: int = 0


class MultiDiscrete(_Space):
    type: Literal["MultiDiscrete"]
    nvec: tuple[Annotated[int, Field(ge=1)], ...] = Field(min_length=1)


class MultiBinary(_Space):
    type: Literal["MultiBinary"]
    n: Annotated[int, Field(ge=1)] | tuple[Annotated[int, Field(ge=1)], ...]


# DictSpace and TupleSpace name Space before it exists: pydantic resolves it on first use.
class DictSpace(_Space):
    type: Literal["Dict"]
    spaces: dict[str, Space] = Field(min_length=1)

    # Snippets print the keys: none may carry a code point a terminal acts on (unsafe.py).
    @field_validator("spaces")
    @classmethod
    def _safe_keys(cls, spaces: dict) -> dict:
        return check_keys(spaces)


class TupleSpace(_Space):
    type: Literal["Tuple"]
    spaces: tuple[Space, ...] = Field(min_length=1)


Space = Annotated[
    Box | Discrete | MultiDiscrete | MultiBinary | DictSpace | TupleSpace,
    Field(discriminator="type"),
]


AgentSpaces = Annotated[dict[str, Space], Field(min_length=1)]
"""A PettingZoo environment's spaces: agent id → space."""


def example(space) -> object:
    """An example value that is a member of `space`.

    Leaves are NumPy arrays (a Discrete observation is a 0-d int64 array, as
    Gymnasium gives it); Dict spaces give dicts and Tuple spaces give tuples.
    A mapping of agent id to space gives a dict of examples per agent.
    """
    if isinstance(space, dict):
        return {agent: example(sub) for agent, sub in space.items()}
    if isinstance(space, Box):
        low, high = space._bound_arrays()
        # asarray: np.clip of a 0-d array gives a NumPy scalar, which is no array leaf.
        fill = np.asarray(np.clip(np.zeros(space.shape), low, high))
        if np.issubdtype(np.dtype(space.dtype), np.integer):
            fill = np.ceil(fill)
        return fill.astype(space.dtype)
    if isinstance(space, Discrete):
        return np.array(space.start, dtype=np.int64)
    if isinstance(space, MultiDiscrete):
        return np.zeros(len(space.nvec), dtype=np.int64)
    if isinstance(space, MultiBinary):
        return np.zeros(space.n, dtype=np.int8)
    if isinstance(space, DictSpace):
        return {key: example(sub) for key, sub in space.spaces.items()}
    if isinstance(space, TupleSpace):
        return tuple(example(sub) for sub in space.spaces)
    raise TypeError(f"not a space: {space!r}")


def mask_example(space) -> np.ndarray | None:
    """An action mask allowing every action of a Discrete space; None for other spaces."""
    if isinstance(space, Discrete):
        return np.ones(space.n, dtype=np.int8)
    return None
