"""The renderer's caches: a bounded in-memory LRU, and rendered skeletons on disk.

The disk store lets a new process render its first panel without Jinja, numpy or
black, like black's own cache. An entry is a skeleton: template text with slots
where the deployment's name, endpoint, key and prompt go, never the values
themselves. Entries sit under a folder named by a fingerprint of everything that
shapes a skeleton (this package's code, the templates, Python and the installed
black, jinja2, numpy and pydantic), so any change starts a fresh folder.

`SNIPPETGEN_CACHE_DIR` picks the folder (empty: no disk cache); the default is
`$XDG_CACHE_HOME/snippetgen` or `~/.cache/snippetgen`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

_MISSING = object()


class LRU:
    """A dict of at most `maxsize` entries that forgets the least recently used one."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            value = self._data.get(key, _MISSING)
            if value is _MISSING:
                return default
            self._data.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            if len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


def cache_dir() -> Path | None:
    """Where skeletons are kept on disk, or None when the disk cache is off."""
    configured = os.environ.get("SNIPPETGEN_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "snippetgen"


class DiskStore:
    """JSON entries under `root/<fingerprint>/`; every OS error is a miss, never a failure."""

    def __init__(self, root: Path | None, sources: list[Path]) -> None:
        self._root = root
        self._sources = sources
        self._folder: Path | None = None

    def _dir(self) -> Path | None:
        if self._root is None:
            return None
        if self._folder is None:
            self._folder = self._root / f"skeletons-{fingerprint(self._sources)[:24]}"
        return self._folder

    def _path(self, key: str) -> Path | None:
        folder = self._dir()
        if folder is None:
            return None
        import hashlib

        return folder / (hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest() + ".json")

    def get(self, key: str) -> Any:
        path = self._path(key)
        if path is None:
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, value: Any) -> None:
        path = self._path(key)
        if path is None:
            return
        import tempfile

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written aside and renamed into place: a concurrent reader sees all of it or nothing.
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(value, f, ensure_ascii=True)
                os.replace(temp, path)
            except BaseException:
                os.unlink(temp)
                raise
        except OSError:
            pass


def fingerprint(sources: list[Path]) -> str:
    """A hash of the files and installed packages a skeleton depends on."""
    import hashlib

    digest = hashlib.sha256(sys.version.encode())
    for package in ("black", "jinja2", "numpy", "pydantic", "pydantic_core"):
        spec = importlib.util.find_spec(package)
        origin = spec.origin if spec is not None and spec.origin else "-"
        try:
            stat = os.stat(origin)
            origin = f"{origin}:{stat.st_size}:{stat.st_mtime_ns}"
        except OSError:
            pass
        digest.update(origin.encode())
    for path in sources:
        digest.update(str(path).encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"-")
    return digest.hexdigest()
