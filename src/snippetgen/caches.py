"""The renderer's caches: memos bounded in bytes and keyed by digests, and skeletons on disk.

In memory, every cache is a cachetools LRU bounded in bytes (`Memo`), keyed by
`digest()` of everything that decides the cached value: a request is hashed,
never kept whole as a key.

The disk store lets a new process render its first panel without Jinja, numpy or
black, like black's own cache. An entry is a skeleton: template text with slots
where the deployment's name, endpoint, key and prompt go, never the values
themselves. Entries sit under a folder named by a fingerprint of everything that
shapes a skeleton (this package's code, the templates, Python and the installed
black, jinja2, numpy and pydantic), so any change starts a fresh folder.

`SNIPPETGEN_CACHE_DIR` picks the folder (empty: no disk cache); the default is
`$XDG_CACHE_HOME/snippetgen` or `~/.cache/snippetgen`. Folders and files are
created private (0700 and 0600, whatever the umask). A folder that is a symbolic
link, belongs to another user or is writable by its group or others is never read
nor written: the process renders from memory alone and logs one warning naming it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import marshal
import os
import secrets
import stat
import sys
import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

from cachetools import LRUCache

T = TypeVar("T")

# ---------------------------------------------------------------- digests


def digest(tag: str, *parts: object) -> bytes:
    """A 32-byte BLAKE2b of an unambiguous encoding of `tag` and `parts`.

    Equal digests mean equal parts. `tag` names what is keyed and its version.
    Parts are None, bool, int, str, bytes, or tuples/lists of them.
    """
    try:
        # marshal is a serialization (loads gives the parts back), so different parts
        # encode differently; version 2 writes no back-references and no interning flag,
        # so equal parts encode alike. And it is C: a request's key costs about a µs.
        encoded = b"m" + marshal.dumps((tag, parts), 2)  # type: ignore[arg-type]
    except ValueError:  # a str subclass, say
        out = bytearray(b"e")
        _encode(tag, out)
        _encode(parts, out)
        encoded = bytes(out)
    return hashlib.blake2b(encoded, digest_size=32).digest()


def _encode(value: object, out: bytearray) -> None:
    if value is None:
        out += b"N"
    elif value is True or value is False:
        out += b"T" if value else b"F"
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        out += b"s" + len(data).to_bytes(8, "big") + data
    elif isinstance(value, bytes):
        out += b"b" + len(value).to_bytes(8, "big") + value
    elif isinstance(value, int):
        data = str(value).encode("ascii")
        out += b"i" + len(data).to_bytes(8, "big") + data
    elif isinstance(value, (tuple, list)):
        out += b"t" + len(value).to_bytes(8, "big")
        for item in value:
            _encode(item, out)
    else:
        raise TypeError(f"cannot digest a {type(value).__name__}")


# ---------------------------------------------------------------- memory


def footprint(value: object) -> int:
    """About how many bytes a cached value holds, each object counted where it is reached.

    Walks str, bytes, numbers, None, tuples, lists, sets, dicts and objects' __dict__
    (pydantic models, dataclasses). Fast rather than exact (sys.getsizeof costs more
    than the rest together): a str is its characters at CPython's width, ASCII one byte
    and anything else counted at four, plus its header; other objects a fixed size.
    """
    kind = type(value)
    if kind is str:
        return _text_size(value)  # type: ignore[arg-type]
    if kind is list or kind is tuple or kind is set or kind is frozenset:
        items: Any = value
        size = _CONTAINER + 8 * len(value)  # type: ignore[arg-type]
    elif kind is dict:
        assert isinstance(value, dict)
        items = [*value, *value.values()]
        size = _CONTAINER + 16 * len(value)
    else:
        fields = getattr(value, "__dict__", None)
        if fields is None or isinstance(value, type):
            return len(value) + _CONTAINER if kind is bytes else _SCALAR  # type: ignore[arg-type]
        items = fields.values()
        size = _OBJECT + 16 * len(fields)
    for item in items:
        if type(item) is str:
            size += len(item) + _TEXT if item.isascii() else 4 * len(item) + _WIDE_TEXT
        else:
            size += footprint(item)
    return size


def _text_size(text: str) -> int:
    return len(text) + _TEXT if text.isascii() else 4 * len(text) + _WIDE_TEXT


# CPython's sizes (64-bit), rounded up: an ASCII str's header, another str's, a number
# or None, an empty container, an object with its __dict__.
_TEXT, _WIDE_TEXT, _SCALAR, _CONTAINER, _OBJECT = 49, 80, 32, 64, 200


# A key (a digest, maybe in a tuple with names), the LRU's bookkeeping, the (size, value) pair.
ENTRY_OVERHEAD = 256


class Memo:
    """A thread-safe LRU of at most `budget` bytes (by `footprint`).

    Keys are small: digests, or digests with names from the rule table, never a
    request itself. A value larger than the whole budget is simply not kept.
    """

    def __init__(self, budget: int, sizeof: Callable[[Any], int] = footprint) -> None:
        self.budget = budget
        self._sizeof = sizeof
        # Entries are (size, value): the size is measured once, outside the lock.
        self._cache: LRUCache[Hashable, tuple[int, Any]] = LRUCache(maxsize=budget, getsizeof=_first)
        # cachetools caches are not thread-safe, and an LRU read reorders entries.
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            entry = self._cache.get(key)
        return default if entry is None else entry[1]

    def put(self, key: Hashable, value: Any) -> None:
        size = self._sizeof(value) + ENTRY_OVERHEAD
        if size > self.budget:
            return
        with self._lock:
            self._cache[key] = (size, value)

    @property
    def currsize(self) -> int:
        """The bytes held now."""
        with self._lock:
            return int(self._cache.currsize)

    def __len__(self) -> int:
        with self._lock:
            return len(self._cache)


def _first(entry: tuple[int, Any]) -> int:
    return entry[0]


# ---------------------------------------------------------------- disk


ENTRY_BYTES = 1 << 20
"""The largest entry read or written: far above any skeleton a template writes (a few KB)."""

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC
# Opening relative to a checked folder's descriptor needs *at() calls and O_NOFOLLOW.
_SUPPORTED = os.open in os.supports_dir_fd and hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_DIRECTORY")

_warned = False
_warn_lock = threading.Lock()


def _warn_once(folder: Path, reason: str) -> None:
    # Logged, not warnings.warn: a caller running with warnings as errors must still get
    # its snippets, and a service's logs are where an operator reads it. Once per process.
    global _warned
    with _warn_lock:
        if _warned:
            return
        _warned = True
    import logging

    logging.getLogger("snippetgen.cache").warning(
        "snippetgen: not using the skeleton cache in %s: %s; rendering from memory only", folder, reason
    )


class _Refused(Exception):
    """A cache folder that must not be trusted, and why."""

    def __init__(self, folder: Path, reason: str) -> None:
        super().__init__(f"{folder}: {reason}")
        self.folder = folder
        self.reason = reason


def cache_dir() -> Path | None:
    """Where skeletons are kept on disk, or None when the disk cache is off."""
    configured = os.environ.get("SNIPPETGEN_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "snippetgen"


def _check(fd: int, folder: Path) -> None:
    """Refuses a folder that another user could write into."""
    info = os.fstat(fd)
    if not stat.S_ISDIR(info.st_mode):
        raise _Refused(folder, "it is not a folder")
    if info.st_uid != os.geteuid():
        raise _Refused(folder, f"it belongs to another user (uid {info.st_uid})")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise _Refused(folder, f"its group or others may write to it (mode {stat.S_IMODE(info.st_mode):04o})")


def _open_folder(name: str | Path, folder: Path, dir_fd: int | None) -> int:
    """Opens (creating it private when missing) and checks one folder; the caller closes it."""
    created = False
    try:
        fd = _open_dir(name, folder, dir_fd)
    except FileNotFoundError:
        try:
            os.mkdir(name, 0o700, dir_fd=dir_fd)
            created = True
        except FileExistsError:
            pass
        fd = _open_dir(name, folder, dir_fd)
    try:
        if created:
            os.fchmod(fd, 0o700)  # the umask may have taken bits from mkdir's mode
        _check(fd, folder)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_dir(name: str | Path, folder: Path, dir_fd: int | None) -> int:
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        raise
    except OSError as error:
        if _is_link(name, dir_fd):
            raise _Refused(folder, "it is a symbolic link") from error
        raise


def _is_link(name: str | Path, dir_fd: int | None) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _make_parents(root: Path) -> None:
    """Creates the folders above the root that are missing, private too (0700)."""
    missing = []
    parent = root.parent
    while not os.path.lexists(parent) and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, 0o700)
            os.chmod(folder, 0o700)
        except FileExistsError:
            pass


def _read_all(fd: int, limit: int) -> bytes:
    chunks, size = [], 0
    while size <= limit:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


class _Corrupt(Exception):
    """An entry that is not one this store writes."""


class DiskStore:
    """JSON entries under `root/skeletons-<fingerprint>/`.

    Every OS error is a miss, never a failure. Each operation opens the root and
    the entry folder without following links and checks both (owner, mode) on the
    opened descriptors, then works relative to them, so a folder swapped after a
    check is never used. A refused folder turns the store off for the process.
    """

    def __init__(self, root: Path | None, sources: list[Path]) -> None:
        self._root = root
        self._sources = sources
        self._name: str | None = None
        self._off = root is None or not _SUPPORTED

    @property
    def folder(self) -> Path | None:
        """The entry folder, or None when the disk cache is off."""
        if self._root is None:
            return None
        if self._name is None:
            self._name = f"skeletons-{fingerprint(self._sources)[:24]}"
        return self._root / self._name

    def _open(self, create: bool) -> int | None:
        """The checked entry folder's descriptor, or None (off, refused, missing, OS error)."""
        if self._off:
            return None
        folder = self.folder
        assert self._root is not None and folder is not None
        try:
            if create:
                _make_parents(self._root)
            elif not os.path.lexists(folder):
                return None
            root_fd = _open_folder(self._root, self._root, None)
            try:
                return _open_folder(folder.name, folder, root_fd)
            finally:
                os.close(root_fd)
        except _Refused as refused:
            self._off = True
            _warn_once(refused.folder, refused.reason)
        except OSError:
            pass
        return None

    def get(self, key: str, load: Callable[[bytes], T] = json.loads) -> T | None:
        """The entry `load` makes of the stored bytes; an entry it refuses is deleted."""
        folder_fd = self._open(create=False)
        if folder_fd is None:
            return None
        name = key + ".json"
        try:
            try:
                raw = self._read(name, folder_fd)
            except FileNotFoundError:
                return None
            except (OSError, _Corrupt):
                raw = None
            if raw is not None:
                try:
                    return load(raw)
                except Exception:  # whatever is wrong with an entry, it is re-rendered
                    pass
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=folder_fd)
            return None
        finally:
            os.close(folder_fd)

    @staticmethod
    def _read(name: str, folder_fd: int) -> bytes:
        # Non-blocking: a FIFO planted as an entry cannot hang the open.
        flags = os.O_RDONLY | _NOFOLLOW | _CLOEXEC | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(name, flags, dir_fd=folder_fd)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
                raise _Corrupt(name)
            if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) or info.st_size > ENTRY_BYTES:
                raise _Corrupt(name)
            raw = _read_all(fd, ENTRY_BYTES)
            if len(raw) > ENTRY_BYTES:
                raise _Corrupt(name)
            return raw
        finally:
            os.close(fd)

    def put(self, key: str, value: Any) -> None:
        data = json.dumps(value, ensure_ascii=True).encode("ascii")
        if len(data) > ENTRY_BYTES:
            return
        folder_fd = self._open(create=True)
        if folder_fd is None:
            return
        temp = f".{secrets.token_hex(8)}.tmp"
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
            fd = os.open(temp, flags, 0o600, dir_fd=folder_fd)
            try:
                try:
                    os.fchmod(fd, 0o600)  # whatever the umask took from the mode
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view) :]
                finally:
                    os.close(fd)
                # Written aside and renamed into place: a concurrent reader sees all of it or nothing.
                os.replace(temp, key + ".json", src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
            except BaseException:
                os.unlink(temp, dir_fd=folder_fd)
                raise
        except OSError:
            pass
        finally:
            os.close(folder_fd)


def fingerprint(sources: list[Path]) -> str:
    """A hash of the files and installed packages a skeleton depends on."""
    hasher = hashlib.sha256(sys.version.encode())
    for package in ("black", "jinja2", "numpy", "pydantic", "pydantic_core"):
        spec = importlib.util.find_spec(package)
        origin = spec.origin if spec is not None and spec.origin else "-"
        try:
            info = os.stat(origin)
            origin = f"{origin}:{info.st_size}:{info.st_mtime_ns}"
        except OSError:
            pass
        hasher.update(origin.encode())
    for path in sources:
        hasher.update(str(path).encode())
        try:
            hasher.update(path.read_bytes())
        except OSError:
            hasher.update(b"-")
    return hasher.hexdigest()
