"""The MkDocs plugin, `plugins: [snippetgen]`: the same superfences fence a Zensical site lists
(added when the site does not list it), plus what only a plugin can do: a bad block as a located
warning and an error box (`on_error: warn`), and a rebuild under `mkdocs serve` on a template edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, cast, get_args, get_origin

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from snippetgen.docs import SiteOptions
from snippetgen.rules import RuleTableError

log = get_plugin_logger("snippetgen")

SUPERFENCES = "pymdownx.superfences"
HIGHLIGHT = "pymdownx.highlight"


class _Checked(c.BaseConfigOption[Any]):
    """One field of the model, checked by the model's own type (so the rule-table ids too)."""

    def __init__(self, field: FieldInfo):
        super().__init__()
        kind = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
        self.adapter: TypeAdapter[Any] = TypeAdapter(cast(Any, kind))

    def run_validation(self, value: object) -> object:
        try:
            self.adapter.validate_python(value)
        except ValidationError as exc:
            problems = (e["msg"].removeprefix("Value error, ") for e in exc.errors(include_url=False))
            raise c.ValidationError("; ".join(problems)) from None
        except RuleTableError as exc:
            raise c.ValidationError(str(exc)) from None
        return value  # as written: SiteOptions reads it again, merged with the fence's options


def _config_class(model: type[BaseModel]) -> type[base.Config]:
    """A MkDocs config with one optional option per field (a sub-config for a nested model)."""

    def option(field: FieldInfo) -> c.BaseConfigOption:
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            return c.SubConfig(_config_class(kind))
        return c.Optional(c.Choice(get_args(kind)) if get_origin(kind) is Literal else _Checked(field))

    options = {name: option(field) for name, field in model.model_fields.items()}
    return type(f"{model.__name__}Config", (base.Config,), options)


if TYPE_CHECKING:
    _SiteConfig = base.Config
else:
    _SiteConfig = _config_class(SiteOptions)


class SnippetgenConfig(_SiteConfig):
    """`plugins: - snippetgen: {...}`: SiteOptions, each falling back to the fence extension's, and
    on_error (warn: a warning and an error box in the page; fail: stop the build)."""

    on_error = c.Choice(("warn", "fail"), default="warn")

    def given(self) -> dict[str, Any]:
        """The site options set here (sub-options field by field)."""
        out = {}
        for key in SiteOptions.model_fields:
            value = self[key]
            if isinstance(value, base.Config):
                value = {k: v for k, v in value.items() if v is not None} or None
            if value is not None:
                out[key] = value
        return out


class SnippetgenPlugin(BasePlugin[SnippetgenConfig]):
    """Turns each `arena-snippet` block into the panel's tabs, with placeholder values."""

    def __init__(self) -> None:
        self._serving = False
        self._extension: Any = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self._serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        from snippetgen.docs import BlockError, needs_tabbed, site_options

        from . import fence

        names = {e for e in config.markdown_extensions if isinstance(e, str)}
        mdx = config.mdx_configs
        shared = dict(mdx.pop(fence.EXTENSION, {}) or {}) if fence.EXTENSION in names else {}
        mine = self.config.given()
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
            if HIGHLIGHT not in names:  # the site's other fences stay as stock Python-Markdown writes them
                extensions.append(HIGHLIGHT)
                mdx[HIGHLIGHT] = {"use_pygments": False}
        # The site's own arena-snippet entry (its validator, say) is kept, with this fence's format.
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

            rule_table.cache_clear()  # a template or rules.toml edit during `mkdocs serve` reloads it

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        from snippetgen.rules import TEMPLATE_DIR

        server.watch(str(TEMPLATE_DIR))
        return server
