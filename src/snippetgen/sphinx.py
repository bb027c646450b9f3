"""The Sphinx extension, `extensions = ["snippetgen.sphinx"]`: the `arena-snippet` directive, in
reStructuredText (`.. arena-snippet::`) and MyST (```` ```{arena-snippet} ````), its body the YAML
block the Markdown fence takes, parsed and rendered by `snippetgen.docs`.

With sphinx_design the tabs are its tab-set components (synced across the page by tab id and
language id), else a rubric per tab; code is Sphinx's own literal blocks, highlighted by its
lexer. Site options are conf.py values `snippetgen_<option>`. A bad block is a warning at the
line of the key at fault, and an error box in its place: never the block's text.
"""

from __future__ import annotations

import importlib.metadata
import zlib
from functools import cache
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, is_directive_registered

from .docs import (
    BlockError,
    Rendered,
    SiteOptions,
    SnippetView,
    TabView,
    render_block,
    site_options,
    unexpected,
)
from .rules import TEMPLATE_DIR

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

logger = logging.getLogger(__name__)

NAME = "arena-snippet"
PREFIX = "snippetgen_"
TABS_NEED = "extensions sphinx_design in conf.py"
VERSION = importlib.metadata.version("snippetgen")


def setup(app: Sphinx) -> dict[str, Any]:
    for option in SiteOptions.model_fields:  # None: the renderer's default
        app.add_config_value(PREFIX + option, None, "env")
    app.add_directive(NAME, ArenaSnippet)
    # A new snippetgen version is a new environment: every page with a block renders again.
    return {
        "version": VERSION,
        "env_version": zlib.crc32(VERSION.encode()),
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }


def options(config: Config) -> SiteOptions:
    """The site options from conf.py; a bad one is a BlockError naming it, which each block reports
    (as the Markdown fence does): a Sphinx error here would end the build with a traceback."""
    given = {o: getattr(config, PREFIX + o) for o in SiteOptions.model_fields}
    try:
        return site_options({o: v for o, v in given.items() if v is not None}, "conf.py")
    except BlockError as exc:
        raise BlockError(exc.message.replace("conf.py: ", "conf.py " + PREFIX, 1)) from None


@cache
def _dependencies() -> tuple[str, ...]:
    """The rule table and every template: editing one re-reads the pages that hold a block."""
    return tuple(str(path) for path in sorted(TEMPLATE_DIR.rglob("*")) if path.is_file())


class ArenaSnippet(SphinxDirective):
    has_content = True

    def run(self) -> list[nodes.Node]:
        for path in _dependencies():
            self.env.note_dependency(path)
        try:
            can_tab = is_directive_registered("tab-set")  # sphinx_design is loaded
            rendered = render_block(
                "\n".join(self.content), options(self.config), can_tab=can_tab, tabs_need=TABS_NEED
            )
            return [_block(rendered)]
        except BlockError as exc:
            return self._error(exc.message, exc.line)
        except Exception as exc:  # a bug must not print a traceback into a docs build either
            return self._error(unexpected(exc), None)

    def _where(self, body_line: int | None) -> tuple[str, int]:
        """(source file, 1-based line) of the block's body line (0-based), or of the directive."""
        source, line = self.get_source_info()  # an included file's own name and line, under rST
        if body_line is None or not 0 <= body_line < len(self.content):
            return source, line or self.lineno
        if type(self.state).__module__.startswith("myst_parser"):
            # MyST: lineno is the fence's line and content_offset the body's first line below it
            # (a blank line it dropped); its content StringList counts from 0.
            return source, self.lineno + self.content_offset + body_line + 1
        origin, offset = self.content.info(body_line)  # docutils keeps each line's own origin
        return (origin or source, offset + 1) if offset is not None else (source, line or self.lineno)

    def _error(self, message: str, body_line: int | None) -> list[nodes.Node]:
        text = " ".join(f"{NAME}: {message}".split())
        # The message quotes ids as written: no curly quotes.
        box = nodes.admonition("", classes=["error", "snippetgen-error"], support_smartquotes=False)
        box.source, box.line = self._where(body_line)
        box += nodes.title("", f"{NAME} error")
        box += nodes.paragraph("", f"line {box.line}: {text}")
        logger.warning(text, location=box, type="snippetgen", subtype="block")
        return [box]


# ---------------------------------------------------------------- the rendered block as nodes


def _component(name: str, *children: nodes.Node, **attributes: Any) -> nodes.container:
    """A sphinx_design component, as its own directives make them (its transform writes the HTML)."""
    node = nodes.container("", *children, is_div=True, design_component=name, classes=[f"sd-{name}"])
    node.update_all_atts(attributes)
    return node


def _tab_set(items: list[tuple[str, str, list[nodes.Node]]], group: str) -> nodes.container:
    """One tab per (label, sync id, content); tabs of one group follow each other across the page."""
    tab_set = _component("tab-set")
    for label, sync_id, content in items:
        rubric = nodes.rubric("", label, classes=["sd-tab-label"], sync_id=sync_id, sync_group=group)
        tab_set += _component("tab-item", rubric, _component("tab-content", *content), selected=False)
    return tab_set


def _block(rendered: Rendered) -> nodes.Element:
    root = nodes.container("", classes=[NAME])
    if rendered.tabbed:
        root += _tab_set([(t.title, t.id, _tab_content(t)) for t in rendered.tabs], "snippetgen-tab")
        return root
    level = rendered.heading_level
    for tab in rendered.tabs:
        root += nodes.rubric("", tab.title, **{"heading-level": level})
        root += _chat(tab)
        for snippet in tab.snippets:
            if len(tab.snippets) > 1:
                root += nodes.rubric("", snippet.label, **{"heading-level": min(level + 1, 6)})
            root += _code(snippet)
    return root


def _tab_content(tab: TabView) -> list[nodes.Node]:
    if len(tab.snippets) <= 1:
        return [*_chat(tab), *(node for s in tab.snippets for node in _code(s))]
    items = [(s.label, s.sync, _code(s)) for s in tab.snippets]
    return [_tab_set(items, "snippetgen-language")]


def _code(snippet: SnippetView) -> list[nodes.Node]:
    out: list[nodes.Node] = []
    if snippet.install:
        out.append(nodes.paragraph("", "Install: ", nodes.literal("", snippet.install)))
    out.append(nodes.literal_block(snippet.code, snippet.code, language=snippet.lexer))
    return out


def _chat(tab: TabView) -> list[nodes.Node]:
    if tab.chat is None:
        return []
    runs = [[nodes.literal("", t) if code else nodes.Text(t) for t, code in item] for item in tab.chat.items]
    items = [nodes.list_item("", nodes.paragraph("", "", *run)) for run in runs]
    return [nodes.paragraph("", tab.chat.intro), *([nodes.bullet_list("", *items)] if items else [])]
