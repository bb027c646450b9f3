"""One `arena-snippet` block, from its YAML body to Markdown: the renderer the plugin and the fence share.

Each front-end adds only its glue: the plugin splices the Markdown into the page
and reports errors with file and line; the fence turns it into HTML with the
page's own Markdown parser and fails the build on a bad block.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from snippetgen import Placeholders
from snippetgen.rules import rule_table

from . import markdown as md
from .directive import (
    Directive,
    DirectiveError,
    Settings,
    known_id,
    located,
    render_located,
)
from .markdown import Style

TABBED = "pymdownx.tabbed"
SUPERFENCES = "pymdownx.superfences"


def to_markdown(
    body: str, settings: Settings, *, can_tab: bool, code: md.CodeWriter = md.code_block
) -> list[str]:
    """The block as Markdown lines: content tabs when asked for and possible, headings otherwise.

    Raises DirectiveError (with the body line when known) for anything wrong with the block.
    """

    def check(directive: Directive) -> None:
        if directive.style == "tabbed" and not can_tab:
            raise DirectiveError(needs_tabbed("style: tabbed"), key="style")

    directive, tabs = render_located(body, settings, check)
    style = directive.style or settings.style
    if style == "tabbed" or (style == "auto" and can_tab):
        return md.tabbed(tabs, code)
    return md.plain(tabs, heading_level=settings.heading_level, code=code)


def needs_tabbed(what: str) -> str:
    return f"{what} needs markdown_extensions {TABBED} (alternate_style: true) and {SUPERFENCES}"


def unexpected(exc: Exception) -> str:
    """A bug's message, on one line: a docs build shows this instead of a traceback."""
    return " ".join(f"snippetgen failed on this block: {type(exc).__name__}: {exc}".split())


class SiteOptions(BaseModel):
    """Site-wide options given as Markdown extension options (the fence's counterpart of the plugin's)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile: str = "documented"
    tabs: tuple[str, ...] = ()
    placeholders: Placeholders = Field(default_factory=Placeholders)
    style: Style = "auto"
    heading_level: int = Field(default=4, ge=1, le=6)

    @field_validator("tabs", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("profile")
    @classmethod
    def _profile(cls, value: str) -> str:
        return known_id("profile", value, rule_table().profiles)

    @field_validator("tabs")
    @classmethod
    def _tabs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for tab in value:
            known_id("tab", tab, rule_table().tabs)
        return value


def site_settings(options: Mapping[str, Any], where: str) -> Settings:
    """Settings from extension options; a bad option is a DirectiveError naming `where` and the option."""
    try:
        checked = SiteOptions.model_validate(dict(options))
    except ValidationError as exc:
        problem = located(exc, {}, known=list(SiteOptions.model_fields)).message
        raise DirectiveError(f"{where}: {problem}") from None
    return Settings(
        profile=checked.profile,
        tabs=checked.tabs,
        placeholders=checked.placeholders,
        style=checked.style,
        heading_level=checked.heading_level,
    )
