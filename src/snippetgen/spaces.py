"""Observation and action spaces in their JSON form, and example values for them.

The JSON form mirrors Gymnasium's spaces (`{"type": "Box", "shape": [4]}`), so a
snippet can build an observation the deployed agent accepts.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    model_config = ConfigDict(frozen=True, extra="forbid")


class Box(_Space):
    type: Literal["Box"]
    shape: tuple[Annotated[int, Field(ge=1)], ...]
    dtype: Dtype = "float32"
    low: Bound | None = None
    high: Bound | None = None

    @model_validator(mode="after")
    def _bounds_fit_shape(self) -> Box:
        for name in ("low", "high"):
            bound = getattr(self, name)
            if isinstance(bound, list) and np.shape(bound) != self.shape:
                raise ValueError(
                    f"{name} has shape {list(np.shape(bound))}, "
                    f"expected a number or shape {list(self.shape)}"
                )
        low, high = self._bound_arrays()
        if np.any(low > high):
            raise ValueError("low must not exceed high")
        return self

    def _bound_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        low = -np.inf if self.low is None else self.low
        high = np.inf if self.high is None else self.high
        return (
            np.broadcast_to(np.asarray(low, dtype=np.float64), self.shape),
            np.broadcast_to(np.asarray(high, dtype=np.float64), self.shape),
        )


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


class DictSpace(_Space):
    type: Literal["Dict"]
    spaces: dict[str, Space] = Field(min_length=1)


class TupleSpace(_Space):
    type: Literal["Tuple"]
    spaces: tuple[Space, ...] = Field(min_length=1)


Space = Annotated[
    Box | Discrete | MultiDiscrete | MultiBinary | DictSpace | TupleSpace,
    Field(discriminator="type"),
]

DictSpace.model_rebuild()
TupleSpace.model_rebuild()


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
