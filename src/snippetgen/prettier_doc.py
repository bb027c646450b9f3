"""Prettier's documents and its printing algorithm, and the columns it counts.

A document of groups, indents and lines is printed as Prettier's
`printDocToString` and `fits` print it (prettier/doc.mjs): a group stays on one
line when it fits in 80 columns, up to the next possible line break after it.
Columns are counted as Prettier's `getStringWidth` counts them, with its own
tables (`_prettier_tables.py`, generated from the installed Prettier).
prettier.py builds the documents a snippet's values make.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache, lru_cache

from . import _prettier_tables as tables

PRINT_WIDTH = 80

# ---------------------------------------------------------------- columns


def _utf16(text: str) -> str:
    """`text` as UTF-16 code units, one str character each (the regexes are JavaScript's)."""
    return "".join(
        chr(0xD800 + ((ord(c) - 0x10000) >> 10)) + chr(0xDC00 + ((ord(c) - 0x10000) & 0x3FF))
        if ord(c) > 0xFFFF
        else c
        for c in text
    )


def _code_points(units: str):
    i = 0
    while i < len(units):
        code = ord(units[i])
        if 0xD800 <= code < 0xDC00 and i + 1 < len(units) and 0xDC00 <= ord(units[i + 1]) < 0xE000:
            yield 0x10000 + ((code - 0xD800) << 10) + (ord(units[i + 1]) - 0xDC00)
            i += 2
        else:
            yield code
            i += 1


@cache
def _regexes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    emoji = re.compile(tables.EMOJI)
    narrow = re.compile(tables.NARROW_EMOJI.removeprefix("^").removesuffix("$"))
    return emoji, narrow


def _in(ranges: list[int], code: int) -> bool:
    """Whether `code` is in one of the [first, last] pairs flattened in `ranges`."""
    i = bisect_right(ranges, code)
    return i % 2 == 1 or (i > 0 and ranges[i - 1] == code)


_PLAIN = re.compile(r"[\x20-\x7f]*")


def width(text: str) -> int:
    """Columns Prettier counts for `text` (its getStringWidth)."""
    if text.isascii() and (text.isprintable() or _PLAIN.fullmatch(text)):
        return len(text)
    return _wide_width(text)


@cache
def _emoji_units() -> frozenset[str]:
    """Every non-ASCII code unit the emoji regex names: a text with none of them holds no emoji."""
    hex_unit = r"\\u([0-9A-Fa-f]{4})|\\x([0-9A-Fa-f]{2})"
    units: set[str] = set()
    for match in re.finditer(rf"(?:{hex_unit})(?:-(?:{hex_unit}))?", tables.EMOJI):
        first = int(match[1] or match[2], 16)
        last = int(match[3] or match[4], 16) if match[3] or match[4] else first
        units.update(chr(code) for code in range(first, last + 1) if code > 0x7F)
    return frozenset(units)


@lru_cache(maxsize=4096)
def _wide_width(text: str) -> int:
    emoji, narrow = _regexes()
    total = 0

    def count(match: re.Match[str]) -> str:
        nonlocal total
        total += 1 if narrow.fullmatch(match.group()) else 2
        return ""

    astral = max(text) > "\uffff"
    rest = _utf16(text) if astral else text
    if not _emoji_units().isdisjoint(rest):
        rest = emoji.sub(count, rest)
    return total + sum(map(_char_width, _code_points(rest) if astral else map(ord, rest)))


@lru_cache(maxsize=8192)
def _char_width(code: int) -> int:
    if code <= 31 or 127 <= code <= 159 or _in(tables.ZERO_WIDTH_MARKS, code):
        return 0
    return 2 if _in(tables.FULLWIDTH, code) or _in(tables.WIDE, code) else 1


# ---------------------------------------------------------------- documents


@dataclass(eq=False)
class Group:
    contents: object
    brk: bool = False
    id: int | None = None
    expanded: list | None = None


@dataclass(eq=False)
class Indent:
    contents: object


@dataclass(eq=False)
class Line:
    soft: bool = False
    hard: bool = False


@dataclass(eq=False)
class IfBreak:
    brk: object
    flat: object = ""
    group_id: int | None = None


@dataclass(eq=False)
class IndentIfBreak:
    contents: object
    group_id: int


@dataclass(eq=False)
class Fill:
    parts: list
    offset: int = 0


@dataclass(eq=False)
class BreakParent:
    """Breaks the enclosing group, printing nothing itself."""


LINE = Line()
SOFTLINE = Line(soft=True)
HARDLINE = Line(hard=True)
_BREAK, _FLAT = "break", "flat"


def conditional_group(states: list) -> Group:
    return Group(states[0], expanded=states)


def will_break(doc) -> bool:
    """A group that must break or a hard line inside `doc` (doc-utils.js willBreak)."""
    if isinstance(doc, str):
        return False
    if isinstance(doc, list):
        return any(will_break(d) for d in doc)
    if isinstance(doc, Group):
        return doc.brk or will_break(doc.contents)
    if isinstance(doc, (Indent, IndentIfBreak)):
        return will_break(doc.contents)
    if isinstance(doc, Line):
        return doc.hard
    if isinstance(doc, BreakParent):
        return True
    if isinstance(doc, IfBreak):
        return will_break(doc.brk) or will_break(doc.flat)
    if isinstance(doc, Fill):
        return any(will_break(d) for d in doc.parts)
    return False


def _propagate_breaks(doc) -> None:
    """A group holding a group that must break breaks too (doc-utils.js propagateBreaks)."""
    visited: set[int] = set()

    def mark(stack: list[Group]) -> None:
        if stack and stack[-1].expanded is None and not stack[-1].brk:
            stack[-1].brk = True

    def walk(d, stack: list[Group]) -> None:
        if isinstance(d, str):
            return
        if isinstance(d, list):
            for item in d:
                walk(item, stack)
        elif isinstance(d, Group):
            stack.append(d)
            if id(d) not in visited:
                visited.add(id(d))
                for state in d.expanded if d.expanded is not None else [d.contents]:
                    walk(state, stack)
            stack.pop()
            if d.brk:
                mark(stack)
        elif isinstance(d, (Indent, IndentIfBreak)):
            walk(d.contents, stack)
        elif isinstance(d, IfBreak):
            walk(d.brk, stack)
            walk(d.flat, stack)
        elif isinstance(d, Fill):
            for item in d.parts:
                walk(item, stack)
        elif (isinstance(d, Line) and d.hard) or isinstance(d, BreakParent):
            mark(stack)

    walk(doc, [])


def _fits(next_cmd, rest: list, room: int, modes: dict, must_be_flat: bool = False) -> bool:
    rest_index = len(rest)
    cmds = [(next_cmd[1], next_cmd[2])]
    pending_space = False
    while room >= 0:
        if not cmds:
            if rest_index == 0:
                return True
            rest_index -= 1
            cmds.append((rest[rest_index][1], rest[rest_index][2]))
            continue
        mode, d = cmds.pop()
        if isinstance(d, str):
            if d:
                if pending_space:
                    room -= 1
                    pending_space = False
                room -= width(d)
        elif isinstance(d, list):
            cmds.extend((mode, part) for part in reversed(d))
        elif isinstance(d, Fill):
            cmds.extend((mode, part) for part in reversed(d.parts[d.offset :]))
        elif isinstance(d, (Indent, IndentIfBreak)):
            cmds.append((mode, d.contents))
        elif isinstance(d, Group):
            if must_be_flat and d.brk:
                return False
            group_mode = _BREAK if d.brk else mode
            contents = d.expanded[-1] if d.expanded is not None and group_mode == _BREAK else d.contents
            cmds.append((group_mode, contents))
        elif isinstance(d, IfBreak):
            group_mode = modes.get(d.group_id, _FLAT) if d.group_id is not None else mode
            contents = d.brk if group_mode == _BREAK else d.flat
            if contents:
                cmds.append((mode, contents))
        elif isinstance(d, Line):
            if mode == _BREAK or d.hard:
                return True
            if not d.soft:
                pending_space = True
    return False


def print_doc(doc, *, indent: int = 0, print_width: int = PRINT_WIDTH) -> str:
    """The text Prettier prints for `doc`, starting at column `indent` of a line indented so."""
    _propagate_breaks(doc)
    modes: dict[int, str] = {}
    position = indent
    cmds: list[tuple[int, str, object]] = [(indent, _BREAK, doc)]
    out: list[str] = []
    remeasure = False
    while cmds:
        ind, mode, d = cmds.pop()
        if isinstance(d, str):
            out.append(d)
            position += width(d)
        elif isinstance(d, list):
            cmds.extend((ind, mode, part) for part in reversed(d))
        elif isinstance(d, Indent):
            cmds.append((ind + 2, mode, d.contents))
        elif isinstance(d, Group):
            cmd: tuple[int, str, object] | None
            if mode == _FLAT and not remeasure:
                cmd = (ind, _BREAK if d.brk else _FLAT, d.contents)
            else:
                remeasure = False
                room = print_width - position
                cmd = (ind, _FLAT, d.contents)
                if d.brk or not _fits(cmd, cmds, room, modes):
                    if d.expanded is None:
                        cmd = (ind, _BREAK, d.contents)
                    else:
                        cmd = None
                        if not d.brk:
                            for state in d.expanded[1:-1]:
                                if _fits((ind, _FLAT, state), cmds, room, modes):
                                    cmd = (ind, _FLAT, state)
                                    break
                        if cmd is None:
                            cmd = (ind, _BREAK, d.expanded[-1])
            cmds.append(cmd)
            if d.id is not None:
                modes[d.id] = cmd[1]
        elif isinstance(d, Fill):
            _print_fill(d, ind, mode, cmds, print_width - position, modes)
        elif isinstance(d, (IfBreak, IndentIfBreak)):
            group_mode = modes.get(d.group_id) if d.group_id is not None else mode
            contents: object = None
            if group_mode == _BREAK:
                contents = d.brk if isinstance(d, IfBreak) else Indent(d.contents)
            elif group_mode == _FLAT:
                contents = d.flat if isinstance(d, IfBreak) else d.contents
            if contents:
                cmds.append((ind, mode, contents))
        elif isinstance(d, Line):
            if mode == _FLAT and not d.hard:
                if not d.soft:
                    out.append(" ")
                    position += 1
                continue
            if mode == _FLAT:
                remeasure = True
            text = "".join(out).rstrip(" \t")
            out = [text, "\n" + " " * ind]
            position = ind
    return "".join(out)


def _print_fill(d: Fill, ind: int, mode: str, cmds: list, room: int, modes: dict) -> None:
    parts, offset = d.parts, d.offset
    length = len(parts) - offset
    if length == 0:
        return
    content = parts[offset]
    content_fits = _fits((ind, _FLAT, content), [], room, modes, True)
    if length == 1:
        cmds.append((ind, _FLAT if content_fits else _BREAK, content))
        return
    whitespace = parts[offset + 1]
    if length == 2:
        chosen = _FLAT if content_fits else _BREAK
        cmds.extend([(ind, chosen, whitespace), (ind, chosen, content)])
        return
    pair = [content, whitespace, parts[offset + 2]]
    cmds.append((ind, mode, Fill(parts, offset + 2)))
    if _fits((ind, _FLAT, pair), [], room, modes, True):
        cmds.extend([(ind, _FLAT, whitespace), (ind, _FLAT, content)])
    elif content_fits:
        cmds.extend([(ind, _BREAK, whitespace), (ind, _FLAT, content)])
    else:
        cmds.extend([(ind, _BREAK, whitespace), (ind, _BREAK, content)])
