"""A rendered block as Markdown: content tabs (pymdownx.tabbed), or headings and code blocks.

The fence parses these lines with the page's parser, passing how a snippet's code becomes
lines (by default a fenced block; there, already highlighted HTML).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from snippetgen.docs import Rendered, SnippetView, TabView

CodeWriter = Callable[[SnippetView], list[str]]


def _indent(lines: list[str], by: str = "    ") -> list[str]:
    return [by + line if line else "" for line in lines]


def code_block(snippet: SnippetView) -> list[str]:
    """The snippet as a fenced code block; the fence outruns any backtick run in the code."""
    longest = max((len(run) for run in re.findall(r"`+", snippet.code)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + snippet.lexer, *snippet.code.split("\n"), fence]


def inline_code(text: str) -> str:
    """`text` as a code span, whatever backticks it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def escape_text(text: str) -> str:
    """Plain text that Markdown prints as it is."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!])", r"\\\1", html.escape(text, quote=False))


def _install(snippet: SnippetView) -> list[str]:
    return [f"Install: {inline_code(snippet.install)}", ""] if snippet.install else []


def chat_settings(tab: TabView) -> list[str]:
    """The chat playground's settings as a paragraph and a list."""
    if tab.chat is None:
        return []
    items = ["- " + "".join(inline_code(t) if code else t for t, code in item) for item in tab.chat.items]
    return [tab.chat.intro, "", *items, *([""] if items else [])]


def _tab_label(title: str) -> str:
    return '"' + title.replace('"', "&quot;") + '"'


def to_markdown(block: Rendered, code: CodeWriter = code_block) -> list[str]:
    return tabbed(block.tabs, code) if block.tabbed else plain(block.tabs, block.heading_level, code)


def tabbed(tabs: tuple[TabView, ...], code: CodeWriter = code_block) -> list[str]:
    """Content tabs; several languages nest as inner tabs. `===!` starts a new set, so blocks never merge."""
    out: list[str] = []
    for i, tab in enumerate(tabs):
        out += [f"==={'!' if i == 0 else ''} {_tab_label(tab.title)}", ""]
        if tab.kind == "chat":
            out += _indent(chat_settings(tab))
        elif len(tab.snippets) == 1:
            out += _indent([*_install(tab.snippets[0]), *code(tab.snippets[0]), ""])
        else:
            for j, snippet in enumerate(tab.snippets):
                out += _indent([f"==={'!' if j == 0 else ''} {_tab_label(snippet.label)}", ""])
                out += _indent([*_install(snippet), *code(snippet), ""], by=" " * 8)
    return out


def plain(tabs: tuple[TabView, ...], heading_level: int, code: CodeWriter = code_block) -> list[str]:
    """A heading per tab (a sub-heading per language) and code blocks: no extension needed."""
    out: list[str] = []
    for tab in tabs:
        out += ["#" * heading_level + " " + escape_text(tab.title), ""]
        if tab.kind == "chat":
            out += chat_settings(tab)
        for snippet in tab.snippets:
            if len(tab.snippets) > 1:
                out += ["#" * min(heading_level + 1, 6) + " " + escape_text(snippet.label), ""]
            out += [*_install(snippet), *code(snippet), ""]
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
