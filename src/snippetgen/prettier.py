"""JavaScript laid out as Prettier 3 prints it (default options), without running Prettier.

A JavaScript snippet prints values (constants, example observations, masks) whose
text changes with the deployment, so the renderer lays them out here, the way
assignment.py writes Python constants as black would. This is a small port of
Prettier's own machinery, for the few kinds of node a snippet's values make:

1. a document of groups, indents and lines, printed by Prettier's algorithm
   (`printDocToString` and `fits` in prettier/doc.mjs; prettier_doc.py): a group
   stays on one line when it fits in 80 columns, up to the next possible line
   break after it;
2. the docs Prettier builds for strings, numbers, object keys, objects, arrays,
   calls and assignments (print/assignment.js, array.js, object.js,
   call-arguments.js in Prettier's source), each rule mirrored below;
3. columns counted as Prettier counts them (`getStringWidth`, in prettier_doc.py),
   with Prettier's own tables (`_prettier_tables.py`, generated from the installed
   Prettier).

tests/test_formatters.py runs Prettier itself over thousands of values.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from . import _prettier_tables as tables
from .prettier_doc import (
    LINE,
    PRINT_WIDTH,
    SOFTLINE,
    BreakParent,
    Fill,
    Group,
    IfBreak,
    Indent,
    IndentIfBreak,
    conditional_group,
    print_doc,
    width,
    will_break,
)

# ---------------------------------------------------------------- literals


def string(literal: str) -> str:
    """A string literal with Prettier's quotes: double, unless the text holds more
    double quotes than single ones (print/string.js, utils/get-preferred-quote.js)."""
    content = literal[1:-1]
    quote = "'" if content.count('"') > content.count("'") else '"'
    if literal[0] == quote:
        return literal
    other = '"' if quote == "'" else "'"

    def requote(match: re.Match[str]) -> str:
        escaped, bare = match.group(1), match.group(2)
        if escaped:
            return other if escaped == other else match.group()
        return "\\" + bare if bare == quote else bare

    return quote + re.sub(r"""\\(["'\\])|(["'])""", requote, content) + quote


def number(text: str) -> str:
    """A number literal as Prettier prints it (utils/print-number.js); a sign stays in front."""
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    if len(digits) > 1 and digits[0] in "0123456789.":  # not NaN or Infinity
        digits = digits.lower()
        digits = re.sub(r"^([+-]?[\d.]+e)(?:\+|(-))?0*(?=\d)", lambda m: m[1] + (m[2] or ""), digits)
        digits = re.sub(r"^([+-]?[\d.]+)e[+-]?0+$", r"\1", digits)
        digits = re.sub(r"^([+-])?\.", lambda m: (m.group(1) or "") + "0.", digits)
        digits = re.sub(r"(\.\d+?)0+(?=e|$)", r"\1", digits)
        digits = re.sub(r"\.(?=e|$)", "", digits)
    return sign + digits


def _js_number_string(text: str) -> str:
    """String(Number(text)) for a text of digits with at most one point."""
    value = float(text)
    if value == 0:
        return "0"
    if value == float("inf"):
        return "Infinity"
    _, digit_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple))
    k, n = len(digits), exponent + len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"


@cache
def _es5_identifier() -> re.Pattern[str]:
    return re.compile(tables.ES5_IDENTIFIER.removeprefix("^").removesuffix("$"))


def key(literal: str, value: str, *, computed: bool = False) -> str:
    """An object key: unquoted where Prettier's quoteProps "as-needed" drops the quotes
    (an ES5 identifier, or a simple number that reads back as itself)."""
    printed = string(literal)
    if computed:
        return f"[{printed}]"
    if printed[1:-1] != value:
        return printed
    if _es5_identifier().fullmatch(value):
        return value
    if re.fullmatch(r"\d+|\d+\.\d+", value) and _js_number_string(value) == value:
        return number(value)
    return printed


# ---------------------------------------------------------------- nodes

_ids = itertools.count()  # group ids, for IfBreak and IndentIfBreak


@dataclass(eq=False)
class Node:
    """What Prettier's layout rules ask of a node: its type, its entry count, and its doc.

    kind: "string", "number" (a numeric literal), "signed" (-number), "boolean",
    "object", "array", "call", or "other" (null, NaN, -Infinity, 1n, ...).
    """

    kind: str
    doc: object
    size: int = 0
    concise: bool = field(default=False)


def text_node(kind: str, text: str) -> Node:
    return Node(kind, text)


def array(elements: list[Node]) -> Node:
    """An array literal (print/array.js): numbers fill lines; an array of two or more
    objects (or arrays) of more than one entry each always breaks."""
    if not elements:
        return Node("array", "[]")
    should_break = len(elements) > 1 and all(
        e.kind in ("object", "array") and e.size > 1 and (nxt is None or nxt.kind == e.kind)
        for e, nxt in zip(elements, [*elements[1:], None], strict=True)
    )
    concise = all(e.kind in ("number", "signed") for e in elements)
    group_id = next(_ids)
    if concise:
        trailing = IfBreak(",", "", group_id)
        parts: list = []
        for i, element in enumerate(elements):
            last = i == len(elements) - 1
            parts.append([element.doc, trailing if last else ","])
            if not last:
                parts.append(LINE)
        body: list = [SOFTLINE, Fill(parts)]
    else:
        body = [SOFTLINE]
        for i, element in enumerate(elements):
            body.append(Group(element.doc))
            if i < len(elements) - 1:
                body.append([",", LINE])
        body.append(IfBreak(","))
    doc = Group(["[", Indent(body), SOFTLINE, "]"], brk=should_break, id=group_id)
    return Node("array", doc, len(elements), concise)


def obj(entries: list[tuple[str, Node]]) -> Node:
    """An object literal (print/object.js): `{ a: 1 }` on one line, or one entry per line."""
    if not entries:
        return Node("object", "{}")
    parts: list = []
    for i, (printed_key, value) in enumerate(entries):
        if i:
            parts.extend([",", LINE])
        parts.append(Group(_assignment(printed_key, ":", value, is_property=True)))
    doc = Group(["{", Indent([LINE, *parts]), IfBreak(","), LINE, "}"])
    return Node("object", doc, len(entries))


def call(callee: str, args: list[Node]) -> Node:
    """`callee(args)` (print/call-arguments.js): a lone last object or array argument hugs
    the parentheses; otherwise the arguments go one per line when they do not fit."""
    if not args:
        return Node("call", [callee, "()"])
    printed: list = [[a.doc, ",", LINE] if i < len(args) - 1 else a.doc for i, a in enumerate(args)]

    def all_broken_out() -> Group:
        return Group(["(", Indent([LINE, *printed, ","]), LINE, ")"], brk=True)

    last = args[-1]
    penultimate = args[-2] if len(args) > 1 else None
    group_last = (
        last.kind in ("object", "array")
        and last.size > 0
        and (penultimate is None or penultimate.kind != last.kind)
        and not (len(args) > 1 and last.kind == "array" and last.concise)
    )
    if group_last:
        if any(will_break(p) for p in printed[:-1]):
            return Node("call", [callee, all_broken_out()])
        hugged = conditional_group(
            [
                ["(", *printed, ")"],
                ["(", *printed[:-1], Group(last.doc, brk=True), ")"],
                all_broken_out(),
            ]
        )
        return Node("call", [callee, BreakParent() if any(will_break(p) for p in printed) else "", hugged])
    contents = ["(", Indent([SOFTLINE, *printed]), IfBreak(","), SOFTLINE, ")"]
    return Node("call", [callee, Group(contents, brk=any(will_break(p) for p in printed))])


def _assignment(left: str, operator: str, right: Node, *, is_property: bool = False) -> Group:
    """`left = right` / `key: value` in the layout Prettier's chooseLayout picks."""
    short_key = is_property and width(left) < 2 + 3  # tabWidth + 3
    if right.kind == "string" and not short_key:
        layout = "break-after-operator"
    elif short_key or right.kind in ("number", "boolean"):
        layout = "never-break-after-operator"
    else:
        layout = "fluid"
    if layout == "break-after-operator":
        return Group([Group(left), operator, Group(Indent([LINE, right.doc]))])
    if layout == "never-break-after-operator":
        return Group([Group(left), operator, " ", right.doc])
    group_id = next(_ids)
    after = Group(Indent(LINE), id=group_id)
    return Group([Group(left), operator, after, IndentIfBreak(right.doc, group_id)])


def statement(target: str, value: Node, *, indent: int = 0) -> str:
    """`const NAME = value;` / `let NAME = ...;` / `object.field = value;`, without the indentation."""
    if value.kind == "string":
        assert isinstance(value.doc, str)
        return string_statement(target, value.doc, indent=indent)
    kind, _, name = target.partition(" ")
    if kind in ("const", "let", "var") and name:
        doc: object = Group([kind, " ", _assignment(name, " =", value), ";"])
    else:
        doc = [Group(_assignment(target, " =", value)), ";"]
    return print_doc(doc, indent=indent)


def string_statement(target: str, literal: str, *, indent: int = 0) -> str:
    """`statement` for a string, without building its document: the hot path of a render.
    Prettier's "break-after-operator" layout: a line too wide puts the string on the next."""
    line = f"{target} = {literal};"
    if indent + width(line) <= PRINT_WIDTH:
        return line
    return f"{target} =\n{' ' * (indent + 2)}{literal};"


def property_line(printed_key: str, value: Node, *, indent: int = 0) -> str:
    """`key: value,` as one entry of an object printed one entry per line."""
    return print_doc([Group(_assignment(printed_key, ":", value, is_property=True)), ","], indent=indent)


def expression(value: Node, *, print_width: int = PRINT_WIDTH) -> str:
    return print_doc(value.doc, print_width=print_width)
