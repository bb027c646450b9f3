"""`arena-snippet` blocks as a pymdownx.superfences custom fence (Zensical, MkDocs, Python-Markdown).

`format` renders a block (`snippetgen.docs.render_block`), writes it as Markdown and parses that with
the page's own parser: tabs are numbered with the page's, code is highlighted as its fences.
superfences takes an ordinary exception from `format` as "not this fence", so a bad block
raises a SuperFencesException (a PluginError too under MkDocs): one line, not a traceback.
Loaded by the config file before any page: only the standard library and Markdown here.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markdown import Extension
from markdown.preprocessors import Preprocessor

if TYPE_CHECKING:
    from markdown import Markdown

    from snippetgen.docs import Rendered, SiteOptions

EXTENSION = "snippetgen_mkdocs.fence"
INFO_STRING = "arena-snippet"


def format(source: str, language: str, css_class: str, options: dict, md: Markdown, **kwargs: Any) -> str:
    """superfences `format`: the block's tabs as HTML; a bad block fails the build with one line."""
    from snippetgen.docs import BlockError, unexpected

    from .markdown import to_markdown

    def code(snippet: Any) -> list[str]:  # highlighted as a fence of its lexer on this page, stashed
        return [md.htmlStash.store(_highlighted(md, snippet.lexer, snippet.code))]

    try:
        return _to_html(to_markdown(_rendered(md, source), code), css_class, md)
    except BlockError as exc:
        return _error(md, exc.message, _block_start(md), exc.line, css_class)
    except Exception as exc:  # a bug must not print a traceback into a docs build either
        return _error(md, unexpected(exc), _block_start(md), None, css_class)


def validator(language: str, inputs: dict, options: dict, attrs: dict, md: Markdown) -> bool:
    """superfences `validator`: options on the fence line are an error, not a reason to skip the block."""
    if inputs:
        names = ", ".join(sorted(inputs))
        problem = f"the fence line takes no options ({names}); write every key in the block"
        raise _failure(md, f"snippetgen: {_where(md, None, None)}: {problem}")
    return True


class SnippetgenExtension(Extension):
    """`snippetgen_mkdocs.fence` in markdown_extensions: site-wide options (checked at the first block,
    so a mistake reads like a bad block), and unclosed blocks as errors. `on_error`, set by the MkDocs
    plugin, reports a bad block (or raises), which then shows as a box."""

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.site: SiteOptions | None = None
        self.on_error: Callable[[str], None] | None = None
        self.cache: dict[tuple[str, bool], Rendered] = {}
        super().__init__()

    def extendMarkdown(self, md: Markdown) -> None:
        md.registerExtension(self)
        # Around superfences (25), which leaves a fence that never closes as text.
        after = _Unclosed(md)
        md.preprocessors.register(_Unclosed(md, after), "snippetgen_page_length", 26)
        md.preprocessors.register(after, "snippetgen_unclosed", 24)

    def site_options(self) -> SiteOptions:
        if self.site is None:
            from snippetgen.docs import site_options

            self.site = site_options(self.options, f"markdown_extensions {EXTENSION}")
        return self.site


def makeExtension(**options: Any) -> SnippetgenExtension:
    return SnippetgenExtension(**options)


class _Unclosed(Preprocessor):
    """Before superfences: notes the page's length. After: a fence still open at the end is an error."""

    def __init__(self, md: Markdown, after: _Unclosed | None = None) -> None:
        super().__init__(md)
        self.after, self.page_length = after, 0

    def run(self, lines: list[str]) -> list[str]:
        if self.after is not None:
            self.after.page_length = len(lines)
            return lines
        fences = self.md.preprocessors["fenced_code_block"]
        if getattr(fences, "fence", None) is None or getattr(fences, "lang", None) != INFO_STRING:
            return lines
        # The open fence took every line after its opening one, as superfences got the page.
        open_for = len(fences.code) + 1  # type: ignore[attr-defined]
        message = f"this {INFO_STRING} block has no closing fence"
        box = self.md.htmlStash.store(_error(self.md, message, self.page_length - open_for, None, ""))
        return [*lines[:-open_for], box, *lines[len(lines) - open_for + 1 :]]


def _extension(md: Markdown) -> SnippetgenExtension | None:
    return next((e for e in md.registeredExtensions if isinstance(e, SnippetgenExtension)), None)


def _rendered(md: Markdown, source: str) -> Rendered:
    """The block rendered; identical blocks once per extension (per build under the plugin)."""
    from snippetgen.docs import SiteOptions, render_block

    extension = _extension(md)
    key = (source, _can_tab(md))
    if extension is None:
        return render_block(source, SiteOptions(), can_tab=key[1])
    if key not in extension.cache:
        extension.cache[key] = render_block(source, extension.site_options(), can_tab=key[1])
    return extension.cache[key]


def _can_tab(md: Markdown) -> bool:
    return "tabbed" in md.parser.blockprocessors


def _highlighted(md: Markdown, language: str, code: str) -> str:
    # The same lookup superfences does for a fence line: the last entry that takes the language.
    fences = md.preprocessors["fenced_code_block"]
    for entry in reversed(fences.extension.superfences):  # type: ignore[attr-defined]
        options: dict[str, Any] = {}
        attrs: dict[str, Any] = {}
        if entry["test"](language) and entry["validator"](language, {}, options, attrs, md):
            return entry["formatter"](
                src=code, language=language, md=md, options=options, classes=[], id_value="", attrs=attrs
            )
    raise RuntimeError(f"no fence of this site takes language {language!r}")


def _to_html(lines: list[str], css_class: str, md: Markdown) -> str:
    """The block's Markdown as HTML, parsed by the page's own block parser and inline patterns."""
    from xml.etree import ElementTree as etree

    root = etree.Element("div", {"class": css_class} if css_class else {})
    tabs = md.parser.blockprocessors["tabbed"] if _can_tab(md) else None
    slugify = getattr(tabs, "slugify", False)
    if slugify:  # slug ids come from a tree pass that never sees this HTML: number these tabs instead
        tabs.slugify = False  # type: ignore[union-attr]
    try:
        md.parser.parseChunk(root, "\n".join(lines).strip("\n"))
    finally:
        if slugify:
            tabs.slugify = slugify  # type: ignore[union-attr]
    for name in ("inline", "prettify", "unescape"):
        if name in md.treeprocessors:
            root = md.treeprocessors[name].run(root) or root
    return md.serializer(root)


# ---------------------------------------------------------------- errors and where they are


def _error(md: Markdown, message: str, start: int | None, body_line: int | None, css_class: str) -> str:
    """Stop the build on a bad block; under the plugin's warn mode, report it and show a box instead."""
    from .markdown import error_box

    text = " ".join(f"{_where(md, start, body_line)}: {message}".split())
    extension = _extension(md)
    if extension is None or extension.on_error is None:
        raise _failure(md, f"snippetgen: {text}")
    extension.on_error(text)
    return _to_html(error_box(text, admonition="admonition" in md.parser.blockprocessors), css_class, md)


def _block_start(md: Markdown) -> int | None:
    """Index, in the lines superfences is scanning (the parser's own), of the fence it is formatting:
    it passes `format` no position, but its scan state holds the fence's lines and where the last
    fence it stored ended; the block is their first run after that."""
    fences = md.preprocessors["fenced_code_block"]
    try:
        block = [fences.first, *fences.code, fences.last]  # type: ignore[attr-defined]
        begin = fences.stack[-1][2] if fences.stack else 0  # type: ignore[attr-defined]
    except AttributeError:
        return None
    lines: list[str] = getattr(md, "lines", [])  # the input of the preprocessor running now
    found = (i for i in range(begin, len(lines)) if lines[i].rstrip() == block[0].rstrip())
    return next((i for i in found if lines[i + 1 : i + len(block)] == block[1:]), None)


def _where(md: Markdown, start: int | None, body_line: int | None) -> str:
    """`page.md:LINE`, counted in the source file (front matter included); what is known of it."""
    page = _page(md)
    if page is None:
        return f"{INFO_STRING} block"
    if start is None:
        return page[0]
    try:
        cut = _front_matter_lines(page[1]())
    except (OSError, UnicodeDecodeError):
        cut = 0
    return f"{page[0]}:{start + (0 if body_line is None else body_line + 1) + cut + 1}"


def _page(md: Markdown) -> tuple[str, Callable[[], str]] | None:
    """(path shown, its source) of the page being rendered, when the build tool says."""
    if "rendering_context" in md.preprocessors:  # Zensical's page context
        context = md.preprocessors["rendering_context"]
        config = getattr(context, "config", {}) or {}
        page, root = getattr(getattr(context, "page", None), "path", None), config.get("root_dir")
        if page and root:
            path = Path(root, config.get("docs_dir") or "docs", page)
            return path.relative_to(root).as_posix(), lambda: path.read_text(encoding="utf-8-sig")
    # MkDocs' link rewriter knows its file (a Registry has no `get`).
    relpath = md.treeprocessors["relpath"] if "relpath" in md.treeprocessors else None  # noqa: SIM401
    file = getattr(relpath, "file", None)
    if file is not None:
        config_file = getattr(getattr(relpath, "config", None), "config_file_path", None)
        root = os.path.dirname(config_file) if config_file else os.getcwd()
        path = file.abs_src_path
        shown = Path(os.path.relpath(path, root)).as_posix() if path else file.src_uri
        return shown, lambda: file.content_string
    return None


def _front_matter_lines(source: str) -> int:
    """Lines the build tool cut from the page's top (YAML front matter, blank lines) before Markdown
    saw it: neither MkDocs nor Zensical passes that count on, so only this comes from the source."""
    cut = re.match(r"-{3}[ \t]*\n(?:.*?\n)?(?:-{3}|\.{3})[ \t]*\n\s*", source, re.DOTALL)
    return cut.group(0).count("\n") if cut else 0


@cache
def failure_type() -> type[Exception]:
    from pymdownx.superfences import SuperFencesException  # type: ignore[import-untyped]

    bases: tuple[type[Exception], ...] = (SuperFencesException,)
    if "mkdocs" in sys.modules:  # MkDocs prints a PluginError as one line and stops the build
        from mkdocs.exceptions import PluginError

        bases = (PluginError, *bases)
    return type("ArenaSnippetError", bases, {"__module__": __name__})


_shown: list[str] = []


def _failure(md: Markdown, text: str) -> Exception:
    """The exception that stops the build with one line (printed alone if it ends a Zensical build)."""
    if "zensical" in sys.modules and "rendering_context" in md.preprocessors:
        _shown.append(text)
        if not getattr(sys.excepthook, "snippetgen", False):
            previous = sys.excepthook

            def excepthook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
                said = next((line for line in _shown if line in str(value)), None)
                if said is None:
                    previous(kind, value, tb)
                else:
                    print(f"Error: {said}", file=sys.stderr)

            excepthook.snippetgen = True  # type: ignore[attr-defined]
            sys.excepthook = excepthook
    return failure_type()(text)
