"""The MkDocs plugin: `plugins: [snippetgen]` in mkdocs.yml."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.pages import Page
from mkdocs.utils.meta import get_data

from .config import SnippetgenConfig

log = get_plugin_logger("snippetgen")


@dataclass(frozen=True)
class _Rendered:
    """A block's Markdown lines, or what is wrong with it (and the body line, when known)."""

    lines: list[str] | None = None
    error: str | None = None
    body_line: int | None = None


class SnippetgenPlugin(BasePlugin[SnippetgenConfig]):
    """Turns each `arena-snippet` block into the panel's tabs, with placeholder values."""

    def __init__(self) -> None:
        self._serving = False
        self._cache: dict[tuple[str, bool, bool], _Rendered] = {}

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self._serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        from .block import SUPERFENCES, TABBED, needs_tabbed, site_settings
        from .directive import DirectiveError
        from .fence import EXTENSION

        self._cache.clear()
        extensions = {e for e in config.markdown_extensions if isinstance(e, str)}
        self._can_tab = {TABBED, SUPERFENCES} <= extensions
        self._superfences = SUPERFENCES in extensions
        self._admonition = "admonition" in extensions
        self._root = os.path.dirname(config.config_file_path or "") or os.getcwd()
        shared = dict(config.mdx_configs.get(EXTENSION) or {}) if EXTENSION in extensions else {}
        given = self.config.given()
        if "placeholders" in shared and "placeholders" in given:
            given["placeholders"] = {**shared["placeholders"], **given["placeholders"]}
        try:
            self.settings = site_settings({**shared, **given}, f"markdown_extensions {EXTENSION}")
        except DirectiveError as exc:
            raise PluginError(exc.message) from None
        if self.settings.style == "tabbed" and not self._can_tab:
            raise PluginError(needs_tabbed("style: tabbed"))
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        self._cache.clear()
        if self._serving:
            from snippetgen.rules import rule_table

            # A template or rules.toml edit during `mkdocs serve` reloads the table.
            rule_table.cache_clear()

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        from snippetgen.rules import TEMPLATE_DIR

        server.watch(str(TEMPLATE_DIR))
        return server

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Any
    ) -> str | None:
        from . import markdown as md

        if md.INFO_STRING not in markdown:
            return None
        offset: list[int] = []  # computed on the first error only

        def replace(block: md.Block) -> list[str]:
            rendered = self._rendered(block)
            if rendered.lines is not None:
                return rendered.lines
            body_line = rendered.body_line
            line = block.start if body_line is None else block.body_start + body_line
            if not offset:
                offset.append(_front_matter_lines(page))
            text = f"{self._where(page)}:{line + offset[0] + 1}: {rendered.error}"
            if self.config.on_error == "fail":
                raise PluginError(text)
            log.warning(text)
            return md.error_box(text, admonition=self._admonition)

        return md.rewrite(markdown, replace)

    def _rendered(self, block: Any) -> _Rendered:
        """Identical blocks render once per build."""
        fenced = self._superfences or not block.indent
        key = (block.body, block.closed, fenced)
        if key not in self._cache:
            self._cache[key] = self._render(block, fenced)
        return self._cache[key]

    def _render(self, block: Any, fenced: bool) -> _Rendered:
        from . import markdown as md
        from .block import to_markdown, unexpected
        from .directive import DirectiveError

        if not block.closed:
            return _Rendered(error=f"this {md.INFO_STRING} block has no closing fence")
        try:
            code = md.code_block if fenced else md.indented_code
            lines = to_markdown(block.body, self.settings, can_tab=self._can_tab, code=code)
            return _Rendered(lines=lines)
        except DirectiveError as exc:
            return _Rendered(error=exc.message, body_line=exc.body_line)
        except Exception as exc:  # a bug must not print a traceback into a docs build
            return _Rendered(error=unexpected(exc))

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
