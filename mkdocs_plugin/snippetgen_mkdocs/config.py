"""The plugin's options in mkdocs.yml, checked by MkDocs' own config validation."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c

from snippetgen.rules import RuleTableError, rule_table

from .markdown import HEADING_LEVELS, STYLES

ON_ERROR = ("warn", "fail")


class RuleChoice(c.BaseConfigOption[str]):
    """One id from the rule table; looked up when validated, so new rows need no code."""

    def __init__(self, what: str, ids: Callable[[], Iterable[str]], default: str | None = None):
        super().__init__()
        self.what = what
        self.ids = ids
        self.default = default

    def run_validation(self, value: object) -> str:
        try:
            known = list(self.ids())
        except RuleTableError as exc:
            raise c.ValidationError(str(exc)) from None
        if not isinstance(value, str) or value not in known:
            raise c.ValidationError(
                f"unknown {self.what} {value!r}; choose one of: {', '.join(known)}"
            )
        return value


def profile_ids() -> list[str]:
    return list(rule_table().profiles)


def tab_ids() -> list[str]:
    return list(rule_table().tabs)


class PlaceholdersConfig(base.Config):
    """What docs show instead of a deployment's real values; unset: the fence options', else the built-ins."""

    name = c.Optional(c.Type(str))
    api_key = c.Optional(c.Type(str))
    endpoint = c.Optional(c.Type(str))
    obs = c.Optional(c.Type(str))


class SnippetgenConfig(base.Config):
    """`plugins: - snippetgen: {...}` in mkdocs.yml.

    An option left out falls back to the same option of the `snippetgen_mkdocs.fence`
    Markdown extension when it is listed, so a site sets them once for both
    MkDocs and Zensical, and then to the built-in default.
    """

    profile = c.Optional(RuleChoice("profile", profile_ids))
    # Empty: every tab the situation has, in the page's order.
    tabs = c.Optional(c.ListOfItems(RuleChoice("tab", tab_ids)))
    placeholders = c.SubConfig(PlaceholdersConfig)
    on_error = c.Choice(ON_ERROR, default="warn")
    style = c.Optional(c.Choice(STYLES))
    heading_level = c.Optional(c.Choice(HEADING_LEVELS))

    def given(self) -> dict[str, Any]:
        """The site-wide options set here (placeholders field by field), without on_error."""
        options: dict[str, Any] = {
            key: self[key]
            for key in ("profile", "tabs", "style", "heading_level")
            if self[key] is not None
        }
        placeholders = {k: v for k, v in dict(self.placeholders).items() if v is not None}
        if placeholders:
            options["placeholders"] = placeholders
        return options
