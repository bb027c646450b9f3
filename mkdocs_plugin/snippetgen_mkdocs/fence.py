"""`arena-snippet` blocks as a pymdownx.superfences custom fence: Zensical, MkDocs, Python-Markdown.

    markdown_extensions:
      - snippetgen_mkdocs.fence          # optional: site-wide options
      - pymdownx.superfences:
          custom_fences:
            - name: arena-snippet
              class: arena-snippet
              format: !!python/name:snippetgen_mkdocs.fence.format
      - pymdownx.tabbed:
          alternate_style: true

`format` renders a block with the renderer the MkDocs plugin uses (`block.to_markdown`)
and turns that Markdown into HTML with the page's own Markdown parser, so tabs are
numbered with the page's other tabs and code is highlighted as any fence of the page.

superfences treats an ordinary exception from a format function as "not this
fence" and leaves the block as raw text, so a bad block raises a
SuperFencesException subclass: MkDocs shows it as one error line (it is also a
PluginError there); under Zensical, which wraps it with a traceback, the process
prints the one line instead.

Loaded by the config file before any page: only the standard library and Markdown here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from markdown import Extension
from markdown.preprocessors import Preprocessor

if TYPE_CHECKING:
    from markdown import Markdown

    from snippetgen import Snippet

    from .directive import Settings

EXTENSION = "snippetgen_mkdocs.fence"


def format(
    source: str, language: str, css_class: str, options: dict, md: Markdown, **kwargs: Any
) -> str:
    """superfences `format`: the block's tabs as HTML; a bad block fails the build with one line."""
    from .block import to_markdown, unexpected
    from .directive import DirectiveError

    try:
        lines = to_markdown(source, _settings(md), can_tab=_can_tab(md), code=_code_writer(md))
        return _to_html(lines, css_class, md)
    except DirectiveError as exc:
        raise _failure(md, exc.message, source, exc.body_line) from None
    except Exception as exc:  # a bug must not print a traceback into a docs build either
        raise _failure(md, unexpected(exc), source, None) from None


def validator(language: str, inputs: dict, options: dict, attrs: dict, md: Markdown) -> bool:
    """superfences `validator`: options on the fence line are an error, not a reason to skip the block."""
    if inputs:
        names = ", ".join(sorted(inputs))
        raise _failure(
            md,
            f"the fence line takes no options ({names}); write every key in the block",
            None,
            None,
        )
    return True


# ---------------------------------------------------------------- site-wide options


class SnippetgenExtension(Extension):
    """`snippetgen_mkdocs.fence` in markdown_extensions: site-wide options for every block.

    Options are checked when the first block renders, so a mistake is reported like
    a bad block (one line) rather than as a failure to load the extension.
    """

    def __init__(self, **options: Any) -> None:
        self.options = options
        self._settings: Settings | None = None
        super().__init__()

    def extendMarkdown(self, md: Markdown) -> None:
        md.registerExtension(self)
        # Before superfences (25), which never sees a fence that does not close.
        md.preprocessors.register(_UnclosedFence(md), "snippetgen_unclosed", 26)

    def settings(self) -> Settings:
        if self._settings is None:
            from .block import site_settings

            self._settings = site_settings(self.options, f"markdown_extensions {EXTENSION}")
        return self._settings


def makeExtension(**options: Any) -> SnippetgenExtension:
    return SnippetgenExtension(**options)


class _UnclosedFence(Preprocessor):
    """A block without its closing fence would stay raw text: fail instead."""

    def run(self, lines: list[str]) -> list[str]:
        from .markdown import INFO_STRING, find_blocks

        if any(INFO_STRING in line for line in lines):
            for block in find_blocks(lines):
                if not block.closed:
                    message = f"this {INFO_STRING} block has no closing fence"
                    raise _failure(self.md, message, None, None, unclosed=True)
        return lines


@cache
def _default_settings() -> Settings:
    from .directive import Settings

    return Settings()


def _settings(md: Markdown) -> Settings:
    for extension in md.registeredExtensions:
        if isinstance(extension, SnippetgenExtension):
            return extension.settings()
    return _default_settings()


# ---------------------------------------------------------------- Markdown to HTML


def _can_tab(md: Markdown) -> bool:
    return "tabbed" in md.parser.blockprocessors


def _code_writer(md: Markdown) -> Callable[[Snippet], list[str]]:
    """Each snippet highlighted exactly as a fence of that language on this page, stashed as HTML."""
    from .markdown import code_text, fence_tag

    def write(snippet: Snippet) -> list[str]:
        html = _highlighted(md, fence_tag(snippet), code_text(snippet))
        return [md.htmlStash.store(html)]

    return write


def _highlighted(md: Markdown, language: str, code: str) -> str:
    # The same lookup superfences does for a fence line: the last entry that takes the language.
    fences = md.preprocessors["fenced_code_block"]
    for entry in reversed(fences.extension.superfences):  # type: ignore[attr-defined]
        if not entry["test"](language):
            continue
        options: dict[str, Any] = {}
        attrs: dict[str, Any] = {}
        if entry["validator"](language, {}, options, attrs, md):
            return entry["formatter"](
                src=code,
                language=language,
                md=md,
                options=options,
                classes=[],
                id_value="",
                attrs=attrs,
            )
    raise RuntimeError(f"no fence of this site takes language {language!r}")


def _to_html(lines: list[str], css_class: str, md: Markdown) -> str:
    """The block's Markdown as HTML, parsed by the page's own block parser and inline patterns."""
    from xml.etree import ElementTree as etree

    root = etree.Element("div", {"class": css_class} if css_class else {})
    tabs = md.parser.blockprocessors["tabbed"] if _can_tab(md) else None
    slugify = getattr(tabs, "slugify", False)
    if slugify:
        # Slug ids come from a tree pass over the page, which never sees this HTML:
        # number these tabs like unslugged ones instead.
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


# ---------------------------------------------------------------- failing


@cache
def _failure_type() -> type[Exception]:
    from pymdownx.superfences import SuperFencesException  # type: ignore[import-untyped]

    bases: tuple[type[Exception], ...] = (SuperFencesException,)
    if "mkdocs" in sys.modules:
        # MkDocs prints a PluginError as one line and stops the build.
        from mkdocs.exceptions import PluginError

        bases = (PluginError, *bases)
    return type("ArenaSnippetError", bases, {"__module__": __name__})


def _failure(
    md: Markdown, message: str, source: str | None, body_line: int | None, *, unclosed: bool = False
) -> Exception:
    """The exception that stops the build, saying where (page:line when known) and what."""
    where = _where(md, source, body_line, unclosed=unclosed)
    text = " ".join(f"snippetgen: {where or 'arena-snippet block'}: {message}".split())
    if _under_zensical(md):
        _show_one_line(text)
    return _failure_type()(text)


def _source_file(md: Markdown) -> tuple[str, str] | None:
    """(path shown, path on disk) of the page being rendered, when the build tool says."""
    if "rendering_context" in md.preprocessors:  # Zensical's page context
        context = md.preprocessors["rendering_context"]
        config = getattr(context, "config", {}) or {}
        page = getattr(getattr(context, "page", None), "path", None)
        root = config.get("root_dir")
        if page and root:
            page_path = os.path.join(root, config.get("docs_dir") or "docs", page)
            return os.path.relpath(page_path, root).replace(os.sep, "/"), page_path
    if "relpath" in md.treeprocessors:  # MkDocs' link rewriter knows its file
        processor = md.treeprocessors["relpath"]
        file = getattr(processor, "file", None)
        path = getattr(file, "abs_src_path", None)
        config_file = getattr(getattr(processor, "config", None), "config_file_path", None)
        if path:
            root = os.path.dirname(config_file) if config_file else os.getcwd()
            return os.path.relpath(path, root).replace(os.sep, "/"), path
    return None


def _where(md: Markdown, source: str | None, body_line: int | None, *, unclosed: bool) -> str | None:
    """`page.md:LINE`, counted in the source file as the plugin counts it; what is known of it."""
    from .markdown import find_blocks

    found = _source_file(md)
    if found is None:
        return None
    shown, path = found
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().split("\n")
    except (OSError, UnicodeDecodeError):
        return shown
    for block in find_blocks(lines):
        if unclosed and not block.closed:
            return f"{shown}:{block.start + 1}"
        if source is not None and block.closed and _same(block.body, source):
            line = block.start if body_line is None else block.body_start + body_line
            return f"{shown}:{line + 1}"
    return shown


def _same(body: str, source: str) -> bool:
    def norm(text: str) -> list[str]:
        return [line.rstrip() for line in text.expandtabs(4).strip("\n").split("\n")]

    return norm(body) == norm(source)


def _under_zensical(md: Markdown) -> bool:
    return "zensical" in sys.modules and "rendering_context" in md.preprocessors


_shown: list[str] = []


def _show_one_line(text: str) -> None:
    """When the failure ends the process, print its line instead of the tracebacks wrapped around it."""
    _shown.append(text)
    if getattr(sys.excepthook, "snippetgen", False):
        return
    previous = sys.excepthook

    def excepthook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        said = str(value)
        for line in _shown:
            if line in said:
                print(f"Error: {line}", file=sys.stderr)
                return
        previous(kind, value, tb)

    excepthook.snippetgen = True  # type: ignore[attr-defined]
    sys.excepthook = excepthook
