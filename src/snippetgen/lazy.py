"""Modules that cost a lot to import, loaded on first use.

`import snippetgen` stays light: numpy loads when a snippet first needs an
example array, black when a template shape is first formatted.

Built on `importlib.util.LazyLoader`, which puts the module in `sys.modules`
before running it: `loaded` tells such a module from a run one.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    _LazyModule = types.ModuleType
else:
    # What LazyLoader turns a module into until its first attribute access.
    _LazyModule = importlib.util._LazyModule

_locks: dict[int, threading.RLock] = {}
_running: set[int] = set()


class _Serialized(_LazyModule):
    """A lazy module whose first use runs it once while other threads wait.

    Python 3.11's LazyLoader marks the module run before running it, so a second
    thread could read a half-run numpy: here it stays lazy, behind a lock, until run.
    """

    def __getattribute__(self, attr: str) -> Any:
        key = id(self)
        if attr == "__spec__":  # what find_spec and `import` read: no reason to run the module
            return types.ModuleType.__getattribute__(self, attr)
        with _locks[key]:
            if type(self) is _Serialized and key not in _running:
                _running.add(key)
                try:
                    super().__getattribute__(attr)  # runs the module
                finally:
                    _running.discard(key)
                    object.__setattr__(self, "__class__", types.ModuleType)
        # The module body (same thread, lock held) reads its attributes plainly.
        return types.ModuleType.__getattribute__(self, attr)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "__class__" and id(self) in _running:
            return  # LazyLoader's "now loaded", said before the module has run
        types.ModuleType.__setattr__(self, name, value)


def LazyModule(name: str) -> types.ModuleType:
    """The module `name`, run on the first attribute access (the LazyLoader recipe)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    _locks[id(module)] = threading.RLock()
    sys.modules[name] = module
    loader.exec_module(module)
    module.__class__ = _Serialized
    return module


def loaded(name: str) -> bool:
    """Whether a module has run; when numpy has not, no value can be a NumPy array."""
    return name in sys.modules and not issubclass(type(sys.modules[name]), _LazyModule)
