"""The MkDocs plugin: `plugins: [snippetgen]` in mkdocs.yml."""

from __future__ import annotations

import os

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.pages import Page
from mkdocs.utils.meta import get_data

from snippetgen import Placeholders
from snippetgen.rules import TEMPLATE_DIR, rule_table

from . import markdown as md
from .config import SnippetgenConfig
from .directive import Directive, DirectiveError, Settings, render_located

log = get_plugin_logger("snippetgen")

_TABBED = "pymdownx.tabbed"
_SUPERFENCES = "pymdownx.superfences"


class SnippetgenPlugin(BasePlugin[SnippetgenConfig]):
    """Turns each `arena-snippet` block into the panel's tabs, with placeholder values."""

    def __init__(self) -> None:
        self._serving = False
        self._cache: dict[tuple, tuple[str, object]] = {}

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self._serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self._cache.clear()
        extensions = {e for e in config.markdown_extensions if isinstance(e, str)}
        self._can_tab = {_TABBED, _SUPERFENCES} <= extensions
        self._superfences = _SUPERFENCES in extensions
        self._admonition = "admonition" in extensions
        if self.config.style == "tabbed" and not self._can_tab:
            raise PluginError(_needs_tabbed("style: tabbed"))
        self._root = os.path.dirname(config.config_file_path or "") or os.getcwd()
        placeholders = Placeholders(**dict(self.config.placeholders))
        self._settings = Settings(
            profile=self.config.profile, tabs=tuple(self.config.tabs), placeholders=placeholders
        )
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        self._cache.clear()
        if self._serving:
            # A template or rules.toml edit during `mkdocs serve` reloads the table.
            rule_table.cache_clear()

    def on_serve(self, server, *, config: MkDocsConfig, builder):
        server.watch(str(TEMPLATE_DIR))
        return server

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files
    ) -> str | None:
        if md.INFO_STRING not in markdown:
            return None
        offset: list[int] = []  # computed on the first error only

        def replace(block: md.Block) -> list[str]:
            kind, value = self._rendered(block)
            if kind == "ok":
                return value
            message, body_line = value
            line = block.start if body_line is None else block.body_start + body_line
            if not offset:
                offset.append(_front_matter_lines(page))
            text = f"{self._where(page)}:{line + offset[0] + 1}: {message}"
            if self.config.on_error == "fail":
                raise PluginError(text)
            log.warning(text)
            return md.error_box(text, admonition=self._admonition)

        return md.rewrite(markdown, replace)

    def _rendered(self, block: md.Block) -> tuple[str, object]:
        """("ok", lines) or ("error", (message, body line)); identical blocks render once."""
        fenced = self._superfences or not block.indent
        key = (block.body, block.closed, fenced)
        if key not in self._cache:
            self._cache[key] = self._render(block, fenced)
        return self._cache[key]

    def _render(self, block: md.Block, fenced: bool) -> tuple[str, object]:
        if not block.closed:
            return "error", (f"this {md.INFO_STRING} block has no closing fence", None)
        try:
            directive, tabs = render_located(block.body, self._settings, self._check_style)
            style = directive.style or self.config.style
            if style == "tabbed" or (style == "auto" and self._can_tab):
                return "ok", md.tabbed(tabs)
            return "ok", md.plain(tabs, heading_level=self.config.heading_level, fenced=fenced)
        except DirectiveError as exc:
            return "error", (exc.message, exc.body_line)
        except Exception as exc:  # a bug must not print a traceback into a docs build
            return "error", (f"snippetgen failed on this block: {type(exc).__name__}: {exc}", None)

    def _check_style(self, directive: Directive) -> None:
        if directive.style == "tabbed" and not self._can_tab:
            raise DirectiveError(_needs_tabbed("style: tabbed"), key="style")

    def _where(self, page: Page) -> str:
        path = page.file.abs_src_path
        if not path:
            return page.file.src_uri
        return os.path.relpath(path, self._root).replace(os.sep, "/")


def _front_matter_lines(page: Page) -> int:
    """Lines MkDocs cut from the top of the source (front matter) before this hook."""
    try:
        source = page.file.content_string
    except (OSError, ValueError):
        return 0
    markdown, _ = get_data(source)
    return len(source.splitlines()) - len(markdown.splitlines())


def _needs_tabbed(what: str) -> str:
    return (
        f"{what} needs markdown_extensions {_TABBED} (alternate_style: true) " f"and {_SUPERFENCES}"
    )
