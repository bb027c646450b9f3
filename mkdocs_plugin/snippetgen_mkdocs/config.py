"""The plugin's options in mkdocs.yml: `SiteOptions` field by field, plus `on_error`, checked by MkDocs.

Generated from the model, so an option is added once, in `options.py`. Every
option may be left out: it then falls back to the same option of the
`snippetgen_mkdocs.fence` Markdown extension when that is listed (a site sets
them once for MkDocs and Zensical), and then to the model's default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, cast, get_args, get_origin

from mkdocs.config import base
from mkdocs.config import config_options as c
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from snippetgen.rules import RuleTableError

from .options import SiteOptions


class _Checked(c.BaseConfigOption[Any]):
    """One field of the model, checked by the model's own type (the rule-table ids included)."""

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
        return value  # as written: the model reads it again with the fence's options


def _option(field: FieldInfo) -> c.BaseConfigOption:
    kind = field.annotation
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return c.SubConfig(_config_class(kind))
    if get_origin(kind) is Literal:
        return c.Optional(c.Choice(get_args(kind)))
    return c.Optional(_Checked(field))


def _config_class(model: type[BaseModel]) -> type[base.Config]:
    options = {name: _option(field) for name, field in model.model_fields.items()}
    return type(f"{model.__name__}Config", (base.Config,), options)


def given(config: base.Config) -> dict[str, Any]:
    """The options set in mkdocs.yml (sub-options field by field), without the plugin's own."""
    out: dict[str, Any] = {}
    for key in SiteOptions.model_fields:
        value = config[key]
        if isinstance(value, base.Config):
            value = {k: v for k, v in dict(value).items() if v is not None} or None
        if value is not None:
            out[key] = value
    return out


if TYPE_CHECKING:
    _SiteConfig = base.Config
else:
    _SiteConfig = _config_class(SiteOptions)


class SnippetgenConfig(_SiteConfig):
    """`plugins: - snippetgen: {...}`: the site options, and the plugin's own `on_error`."""

    # warn: a warning and an error box in the page; fail: stop the build.
    on_error = c.Choice(("warn", "fail"), default="warn")
