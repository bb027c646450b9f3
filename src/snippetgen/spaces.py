"""Observation and action spaces in their JSON form, and example values for them.

The JSON form mirrors Gymnasium's spaces (`{"type": "Box", "shape": [4]}`), so a
snippet can build an observation the deployed agent accepts.
"""

from __future__ import annotations

import json
import math
import operator
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Literal, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

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

# Budgets on what a space's example makes a snippet print, checked from the declared
# shapes before any array exists. A uniform array prints in constant size in every
# language, so MAX_ELEMENTS bounds memory and time only: 2**17 admits a 210x160x3 Atari
# frame (100,800) and stacked 4x84x84 frames. What is printed item by item appears up to
# 10 times in a panel (code and copy code of 5 snippets): values that bounds leave
# different, arrays, Dict keys and agent ids. MAX_LISTED_ELEMENTS, MAX_ARRAYS,
# MAX_NAME_BYTES and MAX_AGENTS keep the worst panel under 768 KB (bench: "worst request").
MAX_ELEMENTS = 2**17
"""Elements of one field's example values: observations, action masks, per-agent values."""
MAX_LISTED_ELEMENTS = 256
"""Of those, elements whose bounds leave no single value for all, so each is printed."""
MAX_ARRAYS = 32
"""Arrays one field's example holds: leaves of Dict and Tuple spaces, summed over agents."""
MAX_NAME_BYTES = 2048
"""Bytes of one field's Dict keys and agent ids written as JSON (escapes included), summed."""
MAX_AGENTS = 32
"""Agents of a PettingZoo deployment (`agents`, and agent id → space mappings)."""
MAX_AGENT_ID_LENGTH = MAX_NAME_BYTES // MAX_AGENTS
"""Characters of one id in `agents`."""


class Cost(NamedTuple):
    """What a space's example values (and action mask) hold, summed over its parts."""

    elements: int = 0
    listed: int = 0
    """Elements printed one by one: their bounds leave no single value for all."""
    arrays: int = 0
    names: int = 0
    """Bytes of Dict keys and agent ids written as JSON."""


class _Space(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    @property
    def cost(self) -> Cost:
        """What this space's example values hold (its parts' summed, for Dict and Tuple).
        Cheap: a field's budgets are checked once, after its whole tree is validated."""
        parts = getattr(self, "spaces", None)
        if isinstance(parts, dict):
            return _sum_costs([child.cost for child in parts.values()], names=_name_bytes(parts))
        if isinstance(parts, tuple):
            return _sum_costs([child.cost for child in parts])
        raise NotImplementedError


def _sum_costs(costs: list[Cost], names: int = 0) -> Cost:
    return Cost(
        elements=sum(cost.elements for cost in costs),
        listed=sum(cost.listed for cost in costs),
        arrays=sum(cost.arrays for cost in costs),
        names=names + sum(cost.names for cost in costs),
    )


def check_budget(cost: Cost) -> None:
    """ValueError when an example of this cost exceeds a budget."""
    if cost.elements > MAX_ELEMENTS:
        raise ValueError(
            f"its example values would hold {cost.elements} elements; at most {MAX_ELEMENTS} are allowed"
        )
    if cost.listed > MAX_LISTED_ELEMENTS:
        raise ValueError(
            f"its bounds leave no single value for all elements, so its example lists "
            f"{cost.listed} values one by one; at most {MAX_LISTED_ELEMENTS} are allowed"
        )
    if cost.arrays > MAX_ARRAYS:
        raise ValueError(
            f"its example values would hold {cost.arrays} arrays; at most {MAX_ARRAYS} are allowed"
        )
    if cost.names > MAX_NAME_BYTES:
        raise ValueError(
            f"its Dict keys and agent ids take {cost.names} bytes written as JSON; "
            f"at most {MAX_NAME_BYTES} are allowed"
        )


def _name_bytes(keys) -> int:
    # As JSON writes them: a control character takes 6 bytes (\u0001), as in every snippet.
    return sum(len(json.dumps(key, ensure_ascii=False).encode()) - 2 for key in keys)


def space_cost(space) -> Cost:
    """The Cost of a space, or of a mapping of agent id to space (agent ids included)."""
    if isinstance(space, dict):
        return _sum_costs([sub.cost for sub in space.values()], names=_name_bytes(space))
    return space.cost


def within_budget(space):
    """`space` (or a mapping of agent id to space), or a ValueError naming the budget it exceeds."""
    check_budget(space_cost(space))
    return space


def _product(shape: tuple[int, ...], limit: int) -> int:
    """math.prod, stopping once it passes `limit` (a shape can declare 2**62 elements)."""
    total = 1
    for n in shape:
        total *= n
        if total > limit:
            return total
    return total


class BoxSummary(NamedTuple):
    cost: Cost
    fill: float | int | None
    """One value every element may take, when the bounds allow one (None: they differ)."""


class Box(_Space):
    type: Literal["Box"]
    shape: tuple[Annotated[int, Field(ge=1)], ...]
    dtype: Dtype = "float32"
    low: Bound | None = None
    high: Bound | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Box:
        # Kept as the cached value: functools.cached_property takes a lock on each
        # first read in Python 3.11, a cost every Box would pay.
        self.__dict__["summary"] = self._summary()
        return self

    @cached_property
    def summary(self) -> BoxSummary:
        """Its cost and its fill value, read from the declared shape and bounds."""
        return self._summary()

    def _summary(self) -> BoxSummary:
        # Plain Python, so validating a deployment does not import numpy.
        size = _product(self.shape, MAX_ELEMENTS)
        check_budget(Cost(elements=size))
        lows = _numbers(self.low, "low", self.shape, -math.inf)
        highs = _numbers(self.high, "high", self.shape, math.inf)
        if len(lows) == 1 or len(highs) == 1:
            # A number bounds every element: compare it with each element of the other.
            if max(lows) > min(highs):
                raise ValueError("low must not exceed high")
        elif any(map(operator.gt, lows, highs)):
            raise ValueError("low must not exceed high")
        low, high = max(lows), min(highs)
        fill = min(max(0, low), high)
        if self.dtype not in _FLOAT_DTYPES and self.dtype != "bool" and isinstance(fill, float):
            fill = math.ceil(fill) if math.isfinite(fill) else fill
        if low <= fill <= high:
            return BoxSummary(Cost(elements=size, arrays=1), fill)
        return BoxSummary(Cost(elements=size, listed=size, arrays=1), None)

    @property
    def cost(self) -> Cost:
        return self.summary.cost

    def _bound_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        low = -np.inf if self.low is None else self.low
        high = np.inf if self.high is None else self.high
        return (
            np.broadcast_to(np.asarray(low, dtype=np.float64), self.shape),
            np.broadcast_to(np.asarray(high, dtype=np.float64), self.shape),
        )


_FLOAT_DTYPES = ("float16", "float32", "float64")


def _shape(bound: list, name: str) -> tuple[tuple[int, ...], list, set[type]]:
    """`np.shape` of nested lists, which must not be ragged, their leaves in order, and the
    leaves' types.

    Level by level, with C-speed checks (map, set): a bound can hold 10**5 numbers."""
    shape: list[int] = [len(bound)]
    level = bound
    while True:
        types = set(map(type, level))
        if list not in types:
            return tuple(shape), level, types
        lengths = set(map(len, level)) if types == {list} else set()
        if len(lengths) != 1:
            raise ValueError(f"{name} holds lists of different lengths")
        shape.append(lengths.pop())
        level = [leaf for item in level for leaf in item]


def _numbers(bound: Bound | None, name: str, shape: tuple[int, ...], missing: float) -> list:
    """The elements of a bound (one for a number) as ints and floats, checked against `shape`."""
    if bound is None:
        return [missing]
    leaves: list = [bound]
    types = {type(bound)}
    if isinstance(bound, list):
        found, leaves, types = _shape(bound, name)
        if found != shape:
            raise ValueError(f"{name} has shape {list(found)}, expected a number or shape {list(shape)}")
    if types <= {int, float}:
        # What JSON gives: Python compares ints and floats exactly, with no conversion pass.
        return leaves
    try:
        # float() reads text too, which a bound is not.
        if types & {str, bytes, bytearray}:
            raise TypeError
        return list(map(float, leaves))
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or nested lists of numbers") from None


class Discrete(_Space):
    type: Literal["Discrete"]
    n: Annotated[int, Field(ge=1)]
    start: int = 0

    @property
    def cost(self) -> Cost:
        # Its action mask holds n elements.
        return Cost(elements=self.n, arrays=1)


class MultiDiscrete(_Space):
    type: Literal["MultiDiscrete"]
    nvec: tuple[Annotated[int, Field(ge=1)], ...] = Field(min_length=1)

    @property
    def cost(self) -> Cost:
        return Cost(elements=len(self.nvec), arrays=1)


class MultiBinary(_Space):
    type: Literal["MultiBinary"]
    n: Annotated[int, Field(ge=1)] | tuple[Annotated[int, Field(ge=1)], ...]

    @property
    def cost(self) -> Cost:
        shape = (self.n,) if isinstance(self.n, int) else self.n
        return Cost(elements=_product(shape, MAX_ELEMENTS), arrays=1)


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


AgentSpaces = Annotated[
    dict[str, Space], Field(min_length=1, max_length=MAX_AGENTS), AfterValidator(within_budget)
]
"""A PettingZoo environment's spaces: agent id → space."""


SpaceOrAgents = Annotated[
    Annotated[Space, AfterValidator(within_budget)] | AgentSpaces, Field(union_mode="left_to_right")
]
"""A deployment's observation or action space: one space, or one per agent. Tried in that
order, so a space (the common case) is validated once, never also as a mapping of agents.
Budgets hold per field: a Dict or Tuple space's parts are counted together, once."""

AgentIds = Annotated[
    tuple[Annotated[str, Field(max_length=MAX_AGENT_ID_LENGTH)], ...], Field(max_length=MAX_AGENTS)
]
"""A PettingZoo environment's agent ids, in order."""


def example(space) -> object:
    """An example value that is a member of `space`.

    Leaves are NumPy arrays (a Discrete observation is a 0-d int64 array, as
    Gymnasium gives it); Dict spaces give dicts and Tuple spaces give tuples.
    A mapping of agent id to space gives a dict of examples per agent.
    """
    if isinstance(space, dict):
        return {agent: example(sub) for agent, sub in space.items()}
    if isinstance(space, Box):
        if space.summary.fill is not None:
            # One value for every element: no bound arrays are built. An int beyond 64 bits
            # goes through float64, as bound arrays do; astype casts as it did for those.
            value = space.summary.fill
            if isinstance(value, int) and not -(2**63) <= value < 2**64:
                value = float(value)
            return np.full(space.shape, np.asarray(value).astype(space.dtype))
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
