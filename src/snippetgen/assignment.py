"""`NAME = "text"` exactly as black writes it, without running black.

A snippet's constants are the only lines whose text changes with the deployment,
so the renderer writes them here and runs black once per template shape. For a
top-level assignment of one string, black (stable style, 88 columns) does three
things, each followed below:

1. quotes (`normalize_string_quotes` in black/strings.py): double quotes unless
   they need more backslashes than single quotes;
2. width (`str_width`): East Asian wide characters count two columns;
3. a line that is too wide gets its value wrapped in parentheses on a line of
   its own, indented by four, when that line fits; when it does not, black
   leaves the long line as it is (`_maybe_split_omitting_optional_parens` in
   black/linegen.py).

tests/test_fast_path.py checks this against black itself on thousands of values.
"""

from __future__ import annotations

import bisect
import importlib.util
import re
from functools import cache, lru_cache
from pathlib import Path

LINE_LENGTH = 88


def string_literal(text: str) -> str:
    """`repr(text)` with black's choice of quotes."""
    literal = repr(text)
    # repr picks double quotes only for text with a ' and no ": black keeps those.
    if literal[0] == '"' or text.count('"') > text.count("'"):
        return literal
    # repr escapes each ' (with both kinds in the text) and never a ".
    return '"' + literal[1:-1].replace("\\'", "'").replace('"', '\\"') + '"'


def assignment(name: str, text: str) -> str:
    """The line(s), without the final newline, black writes for `name = text`."""
    literal = string_literal(text)
    line = f"{name} = {literal}"
    if width(line) <= LINE_LENGTH or 4 + width(literal) > LINE_LENGTH:
        return line
    return f"{name} = (\n    {literal}\n)"


def width(text: str) -> int:
    """Columns black counts for `text` (its `str_width`)."""
    if text.isascii():
        return len(text)
    # ASCII is one column each: only the other characters are looked up, each once.
    return len(text) + sum(map(_extra_columns, _NON_ASCII.findall(text)))


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=4096)
def _extra_columns(char: str) -> int:
    """Columns black counts for one character, less one."""
    starts, rows = _width_table()
    code = ord(char)
    i = bisect.bisect_right(starts, code) - 1
    return (max(rows[i][2], 0) if i >= 0 and code <= rows[i][1] else 1) - 1


@cache
def _width_table() -> tuple[list[int], list[tuple[int, int, int]]]:
    """black's own table of characters not one column wide: (first, last, width) rows.

    Read from black's source file rather than imported, because importing any
    part of black loads all of it (~0.2 s).
    """
    rows: list[tuple[int, int, int]] = []
    spec = importlib.util.find_spec("black")
    if spec is not None and spec.submodule_search_locations:
        source = Path(next(iter(spec.submodule_search_locations))) / "_width_table.py"
        try:
            found = re.findall(r"\((\d+), (\d+), (-?\d+)\)", source.read_text(encoding="utf-8"))
            rows = [(int(a), int(b), int(w)) for a, b, w in found]
        except OSError:
            pass
    if not rows:
        from black._width_table import WIDTH_TABLE

        rows = [tuple(row) for row in WIDTH_TABLE]  # type: ignore[misc]
    rows.sort()
    return [row[0] for row in rows], rows
