"""The code points no pasted value may carry raw (paste-safe, SPEC §13).

A terminal or an editor acts on them instead of showing them: ESC starts a
control sequence (ESC[201~ ends a bracketed paste), CR or ^U edit the command
line, bidi controls reorder what the reader sees, zero-width characters and
the BOM hide text. `Deployment` refuses them in every field a snippet prints;
each literal filter also escapes any it is handed. Newline and tab are not
here: they are ordinary text in a name, and every filter already quotes them.
"""

from __future__ import annotations

import re
import unicodedata

# (first, last, what it is): one table, read by the set, the pattern and the errors.
_RANGES = (
    (0x00, 0x08, "a control character"),
    (0x0B, 0x1F, "a control character"),
    (0x7F, 0x9F, "a control character"),  # DEL and C1
    (0x061C, 0x061C, "a bidi control"),
    (0x200B, 0x200D, "a zero-width character"),
    (0x200E, 0x200F, "a bidi control"),
    (0x2028, 0x2029, "a line or paragraph separator"),
    (0x202A, 0x202E, "a bidi control"),
    (0x2066, 0x2069, "a bidi control"),
    (0xFEFF, 0xFEFF, "a byte order mark"),
)

UNSAFE = frozenset(chr(c) for first, last, _ in _RANGES for c in range(first, last + 1))
"""Every code point a pasted value must never carry raw (all in the BMP)."""

CLASS = "".join(f"\\u{first:04x}-\\u{last:04x}" for first, last, _ in _RANGES)
"""The inside of a regex class of UNSAFE, in the `\\uXXXX` form Python and ECMA-262 share."""

PATTERN = re.compile(f"[{CLASS}]")
"""Matches one code point of UNSAFE."""


def describe(char: str) -> str:
    """`U+202E RIGHT-TO-LEFT OVERRIDE (a bidi control)`; controls have no name."""
    code = ord(char)
    kind = next(kind for first, last, kind in _RANGES if first <= code <= last)
    name = unicodedata.name(char, "")
    return f"U+{code:04X} {name} ({kind})" if name else f"U+{code:04X} ({kind})"


def check(text: str, what: str = "") -> str:
    """`text`, or a ValueError naming its first unsafe code point and where it is.

    The message never repeats the text: it may be a key, and it is what is unsafe.
    """
    found = PATTERN.search(text)
    if found is not None:
        raise ValueError(
            f"{what}must not contain {describe(found.group())}, found at index {found.start()}"
        )
    return text


def check_keys(mapping: dict, what: str = "key") -> dict:
    """`mapping`, or a ValueError naming the position (never the text) of a bad key."""
    for position, key in enumerate(mapping):
        if isinstance(key, str):  # others are refused as keys by the model's type
            check(key, f"{what} {position} ")
    return mapping
