"""An array's elements as the literals of a language whose snippet copies their bytes into
the .npy (Go, C#, C++, Rust): one element type per dtype, and the bits where a value has no
literal of its own."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..arrays import npy_header_name

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Elements:
    """How one language spells an array's elements."""

    language: str
    types: Mapping[str, str]
    """The element type holding each dtype's bytes as np.save writes them."""
    bits: Mapping[str, str]
    """The unsigned type an array of each float dtype goes as when one of its values has no
    literal (float16 always, NaN and infinity; -0.0 too unless `negative_zero` is a literal)."""
    floating: Callable[[float, str], str]
    """A finite float element's literal, given the value and its dtype's name."""
    integer: Callable[[int, str], str] = lambda n, _dtype: str(n)
    true: str = "true"
    false: str = "false"
    negative_zero: bool = False
    """Whether -0.0 has a literal that keeps its sign bit."""

    def items(self, value: np.ndarray, *, fills: bool) -> tuple[str, str, list[str]]:
        """(header constant, element type, item texts): only the first item when `fills`."""
        name = value.dtype.name
        flat = value.ravel()
        floats = value.dtype.kind == "f"
        as_bits = name == "float16" or (floats and not all(self._literal(v) for v in flat.tolist()))
        element = self.bits[name] if as_bits else self.types.get(name)
        if element is None:
            raise TypeError(f"no {self.language} array for dtype {name}")
        items = flat[:1] if fills else flat
        if as_bits:
            # The header names the dtype; the hex items are its bits.
            digits = value.dtype.itemsize * 2
            texts = [f"0x{n:0{digits}x}" for n in items.view(f"<u{value.dtype.itemsize}").tolist()]
        elif floats:
            # str() of a NumPy float is its shortest text that reads back as that dtype.
            texts = [self.floating(float(str(v)), name) for v in items]
        elif value.dtype.kind == "b":
            texts = [self.true if v else self.false for v in items.tolist()]
        else:
            texts = [self.integer(n, name) for n in items.tolist()]
        return npy_header_name(name, (1, *value.shape)), element, texts

    def _literal(self, value: float) -> bool:
        negative_zero = value == 0 and math.copysign(1, value) < 0
        return math.isfinite(value) and (self.negative_zero or not negative_zero)
