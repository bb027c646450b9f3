"""How the sandbox streams `generate_stream`: one HTTP chunk per text chunk.

Tests steer it through `Sandbox.streams`: hold each stream's last chunk back until
they release it (so they can see the first chunk arrive while the stream is still
open, without timing anything), or end streams with an error chunk.

    with sandbox.streams.hold_last() as release:
        ...                       # the first chunks are out, the last one waits
        release.set()
    with sandbox.streams.failing("model crashed"):
        ...                       # streams end with "\\n[ERROR: model crashed]"
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator

ERROR_PREFIX = "\n[ERROR:"
"""A chunk starting with this is the deployment's error message (CONTRACT.md)."""
# A held chunk goes out after this long anyway, so a test that forgets to release
# it (or dies) never leaves a connection open for ever.
HOLD_LIMIT_SECONDS = 120.0
_POLL_SECONDS = 0.005


def error_chunk(message: str) -> str:
    return f"{ERROR_PREFIX} {message}]"


class StreamControl:
    """The settings every stream reads when it starts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._gate: threading.Event | None = None
        self._error: str | None = None
        self._open = 0

    @property
    def open(self) -> int:
        """Streams being sent now: one whose client went away is no longer counted."""
        with self._lock:
            return self._open

    @contextlib.contextmanager
    def hold_last(self) -> Iterator[threading.Event]:
        """Streams started inside hold their last chunk until the event is set (at exit at the latest)."""
        gate = threading.Event()
        with self._lock:
            self._gate = gate
        try:
            yield gate
        finally:
            gate.set()
            with self._lock:
                if self._gate is gate:
                    self._gate = None

    @contextlib.contextmanager
    def failing(self, message: str = "the sandbox was told to fail this stream") -> Iterator[None]:
        """Streams started inside send their first half, then an error chunk as their last."""
        with self._lock:
            self._error = message
        try:
            yield
        finally:
            with self._lock:
                self._error = None

    def body(self, chunks: list[str]) -> AsyncIterator[bytes]:
        """The answer's body: the chunks as this stream's settings say, each encoded alone."""
        with self._lock:
            gate, error = self._gate, self._error
        if error is not None:
            chunks = [*chunks[: max(1, len(chunks) // 2)], error_chunk(error)]
        return self._send(chunks, gate)

    async def _send(self, chunks: list[str], gate: threading.Event | None) -> AsyncIterator[bytes]:
        with self._lock:
            self._open += 1
        try:
            for i, chunk in enumerate(chunks):
                if gate is not None and i == len(chunks) - 1:
                    await _wait(gate)
                yield chunk.encode()
        finally:
            with self._lock:
                self._open -= 1


async def _wait(gate: threading.Event) -> None:
    # Polled, not waited on in a thread: a cancelled stream (client gone, sandbox
    # stopping) then leaves nothing behind.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + HOLD_LIMIT_SECONDS
    while not gate.is_set() and loop.time() < deadline:
        await asyncio.sleep(_POLL_SECONDS)
