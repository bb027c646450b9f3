"""The MkDocs plugin: `plugins: [snippetgen]` in mkdocs.yml.

It renders blocks with the same superfences fence a Zensical site lists (adding
the fence, and superfences, when the site does not), and adds only what a plugin
can: a bad block as a located warning and an error box (`on_error: warn`), and
a rebuild under `mkdocs serve` when a snippet template changes.
"""

from __future__ import annotations

from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger

from .config import SnippetgenConfig, given

log = get_plugin_logger("snippetgen")

SUPERFENCES = "pymdownx.superfences"
HIGHLIGHT = "pymdownx.highlight"


class SnippetgenPlugin(BasePlugin[SnippetgenConfig]):
    """Turns each `arena-snippet` block into the panel's tabs, with placeholder values."""

    def __init__(self) -> None:
        self._serving = False
        self._extension: Any = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self._serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        from . import fence
        from .options import site_options
        from .renderer import BlockError, needs_tabbed

        names = {e for e in config.markdown_extensions if isinstance(e, str)}
        mdx = config.mdx_configs
        shared = dict(mdx.pop(fence.EXTENSION, {}) or {}) if fence.EXTENSION in names else {}
        mine = given(self.config)
        if "placeholders" in shared and "placeholders" in mine:
            mine["placeholders"] = {**shared["placeholders"], **mine["placeholders"]}
        try:
            self.options = site_options({**shared, **mine}, f"markdown_extensions {fence.EXTENSION}")
        except BlockError as exc:
            raise PluginError(exc.message) from None
        if self.options.style == "tabbed" and "pymdownx.tabbed" not in names:
            raise PluginError(needs_tabbed("style: tabbed"))

        extensions = [e for e in config.markdown_extensions if e != fence.EXTENSION]
        if SUPERFENCES not in names:
            extensions.append(SUPERFENCES)
            if HIGHLIGHT not in names:
                # Other fences stay as stock Python-Markdown writes them: not highlighted.
                extensions.append(HIGHLIGHT)
                mdx[HIGHLIGHT] = {"use_pygments": False}
        # The site's own arena-snippet entry (its validator, say) is kept; its format is this fence's.
        mdx[SUPERFENCES] = superfences = dict(mdx.get(SUPERFENCES) or {})
        fences = superfences.get("custom_fences", [])
        site: dict[str, Any] = next((f for f in fences if f.get("name") == fence.INFO_STRING), {})
        ours = {"name": fence.INFO_STRING, "class": fence.INFO_STRING, **site, "format": fence.format}
        superfences["custom_fences"] = [*(f for f in fences if f is not site), ours]

        self._extension = fence.SnippetgenExtension()
        self._extension.site = self.options
        self._extension.on_error = self._report
        config.markdown_extensions = [*extensions, self._extension]
        return config

    def _report(self, text: str) -> None:
        if self.config.on_error == "fail":
            from .fence import failure_type

            raise failure_type()(text)
        log.warning(text)

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        if self._extension is not None:
            self._extension.cache.clear()
        if self._serving:
            from snippetgen.rules import rule_table

            # A template or rules.toml edit during `mkdocs serve` reloads the table.
            rule_table.cache_clear()

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        from snippetgen.rules import TEMPLATE_DIR

        server.watch(str(TEMPLATE_DIR))
        return server
