"""Modules that cost a lot to import, loaded on first use.

`import snippetgen` stays light: numpy loads when a snippet first needs an
example array, black when a template shape is first formatted.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any


class LazyModule:
    """Stands in for a module and imports it on the first attribute access."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        value = getattr(importlib.import_module(self._name), attr)
        setattr(self, attr, value)  # later lookups find it without coming here
        return value


def loaded(name: str) -> bool:
    """Whether a module is imported; when numpy is not, no value can be a NumPy array."""
    return name in sys.modules
