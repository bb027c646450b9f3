"""Finding `arena-snippet` fences in a page, and writing tabs back as Markdown.

The scanner knows just enough Markdown to skip other fenced blocks, so a
directive shown inside a longer fence (as in a how-to page) stays text. The
writers are shared by the plugin and the fence; each passes how a snippet's
code becomes lines (a fenced block, an indented block, or already-built HTML).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from snippetgen import Snippet, Tab

INFO_STRING = "arena-snippet"

# How a block is written: content tabs, headings and code blocks, or tabs when the site can.
Style = Literal["auto", "tabbed", "plain"]
STYLES: tuple[Style, ...] = get_args(Style)
HEADING_LEVELS = (1, 2, 3, 4, 5, 6)

CodeWriter = Callable[["Snippet"], list[str]]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")

# Inner tab labels (or sub-headings) when a tab holds several languages.
_LANGUAGE_LABELS = {
    "python": "Python",
    "shell": "Shell",
    "curl": "curl",
    "javascript": "JavaScript",
}


@dataclass(frozen=True)
class Block:
    """One directive: where it sits in the page (0-based line indexes) and its body."""

    start: int
    end: int  # the closing fence's line; equal to start when the fence never closes
    indent: str
    body: str
    closed: bool

    @property
    def body_start(self) -> int:
        return self.start + 1


def find_blocks(lines: list[str]) -> Iterator[Block]:
    """Every `arena-snippet` fence outside other fences, in page order."""
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening or (opening["fence"][0] == "`" and "`" in opening["info"]):
            i += 1
            continue
        fence, indent = opening["fence"], opening["indent"]
        end = _closing(lines, i + 1, fence)
        words = opening["info"].split()
        if words and words[0] == INFO_STRING:
            closed = end < len(lines)
            body_lines = lines[i + 1 : end] if closed else []
            body = "\n".join(_dedent(line, indent) for line in body_lines)
            yield Block(i, end if closed else i, indent, body, closed)
            if not closed:
                i += 1
                continue
        i = end + 1


def _closing(lines: list[str], start: int, fence: str) -> int:
    """Index of the fence's closing line, or len(lines) when it runs to the end."""
    for j in range(start, len(lines)):
        text = lines[j].strip()
        if text.startswith(fence[0] * len(fence)) and not text.strip(fence[0]):
            return j
    return len(lines)


def _dedent(line: str, indent: str) -> str:
    """The line without the fence's indentation (at most that much), keeping YAML nesting."""
    leading = len(line) - len(line.lstrip(" \t"))
    return line[min(leading, len(indent)) :]


def rewrite(markdown: str, replace: Callable[[Block], list[str]]) -> str:
    """The page with each directive replaced by `replace(block)` (lines without the indent)."""
    lines = markdown.split("\n")
    out: list[str] = []
    done = 0
    for block in find_blocks(lines):
        out.extend(lines[done : block.start])
        # Blank lines around the output, so it never runs into a paragraph.
        if out and out[-1].strip():
            out.append("")
        out.extend(block.indent + line if line else "" for line in replace(block))
        while out and not out[-1]:
            out.pop()
        done = block.end + 1
        if done >= len(lines) or lines[done].strip():
            out.append("")
    if not done:
        return markdown
    out.extend(lines[done:])
    return "\n".join(out)


# ---------------------------------------------------------------- writing


def _indent(lines: list[str], by: str = "    ") -> list[str]:
    return [by + line if line else "" for line in lines]


def fence_tag(snippet: Snippet) -> str:
    """The fence's language tag, from the snippet's file name (.py → python, .sh → bash)."""
    return _lexer_alias(snippet.filename) or snippet.language


@lru_cache(maxsize=64)
def _lexer_alias(filename: str) -> str | None:
    # Pygments scans every lexer per lookup: a few ms, paid once per file name.
    from pygments.lexers import get_lexer_for_filename
    from pygments.util import ClassNotFound

    try:
        return get_lexer_for_filename(filename).aliases[0]
    except ClassNotFound:
        return None


def language_label(language: str) -> str:
    return _LANGUAGE_LABELS.get(language, language)


def code_text(snippet: Snippet) -> str:
    """The code as a code block holds it: no trailing newline."""
    return snippet.code.rstrip("\n")


def code_block(snippet: Snippet) -> list[str]:
    """The snippet as a fenced code block; the fence outruns any backtick run in the code."""
    longest = max((len(run) for run in re.findall(r"`+", snippet.code)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + fence_tag(snippet), *code_text(snippet).split("\n"), fence]


def indented_code(snippet: Snippet) -> list[str]:
    """The snippet as an indented code block: plain Python-Markdown reads fences at the top level only."""
    return _indent(code_text(snippet).split("\n"))


def inline_code(text: str) -> str:
    """`text` as a code span, whatever backticks it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def escape_text(text: str) -> str:
    """Plain text that Markdown prints as it is."""
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+\-.!])", r"\\\1", text)


def _install(snippet: Snippet) -> list[str]:
    return [f"Install: {inline_code(snippet.install)}", ""] if snippet.install else []


def chat_settings(tab: Tab) -> list[str]:
    """The chat playground as text: what it posts, how it writes turns and reads answers."""
    chat = tab.chat
    if chat is None:
        return ["The chat playground needs both API key and Endpoint.", ""]
    params = json.dumps(chat.params)
    return [
        "The playground posts each turn to the generate path with the deployment API key.",
        "",
        f"- Generate URL: {inline_code(chat.generate_url)}, "
        f"header {inline_code('Authorization: Bearer ' + (chat.api_key or '$ARENA_API_KEY'))}",
        f"- Conversation: one line per turn, starting {inline_code(chat.user_prefix.strip())} "
        f"or {inline_code(chat.assistant_prefix.strip())}, ending with "
        f"{inline_code(chat.assistant_prefix.strip())} for the model to continue; "
        "sent as the single prompt",
        f"- Completion: {inline_code(chat.completion_field)}, the first result row",
        f"- Params: {inline_code(params)}",
        "",
    ]


def _tab_label(title: str) -> str:
    return '"' + title.replace('"', "&quot;") + '"'


def tabbed(tabs: list[Tab], code: CodeWriter = code_block) -> list[str]:
    """Material content tabs (pymdownx.tabbed); several languages nest as inner tabs."""
    out: list[str] = []
    for i, tab in enumerate(tabs):
        # `===!` starts a new tab set, so two directives in a row never merge.
        out += [f"==={'!' if i == 0 else ''} {_tab_label(tab.title)}", ""]
        out += _indent(_tabbed_body(tab, code))
    return out


def _tabbed_body(tab: Tab, code: CodeWriter) -> list[str]:
    if not tab.snippets:
        return chat_settings(tab)
    if len(tab.snippets) == 1:
        return _install(tab.snippets[0]) + code(tab.snippets[0]) + [""]
    out: list[str] = []
    for i, snippet in enumerate(tab.snippets):
        out += [f"==={'!' if i == 0 else ''} {_tab_label(language_label(snippet.language))}", ""]
        out += _indent(_install(snippet) + code(snippet) + [""])
    return out


def plain(tabs: list[Tab], *, heading_level: int, code: CodeWriter = code_block) -> list[str]:
    """A heading per tab (a sub-heading per language) and code blocks: no extension needed."""
    out: list[str] = []
    for tab in tabs:
        out += ["#" * heading_level + " " + escape_text(tab.title), ""]
        if not tab.snippets:
            out += chat_settings(tab)
            continue
        for snippet in tab.snippets:
            if len(tab.snippets) > 1:
                sub = "#" * min(heading_level + 1, 6)
                out += [f"{sub} {escape_text(language_label(snippet.language))}", ""]
            out += _install(snippet) + code(snippet) + [""]
    return out


def error_box(message: str, *, admonition: bool) -> list[str]:
    """A visible box in the page saying what is wrong."""
    if admonition:
        return ['!!! danger "arena-snippet error"', "", "    " + escape_text(message), ""]
    return [
        '<div class="admonition danger snippetgen-error" '
        'style="border-left: 4px solid #c62828; padding: 0.4em 0.8em;">'
        f"<strong>arena-snippet error</strong><br>{html.escape(message)}</div>",
        "",
    ]
