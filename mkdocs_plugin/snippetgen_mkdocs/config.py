"""The plugin's options in mkdocs.yml, checked by MkDocs' own config validation."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from mkdocs.config import base
from mkdocs.config import config_options as c

from snippetgen import Placeholders
from snippetgen.rules import RuleTableError, rule_table

STYLES = ("auto", "tabbed", "plain")
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
        if value not in known:
            raise c.ValidationError(
                f"unknown {self.what} {value!r}; choose one of: {', '.join(known)}"
            )
        return value  # type: ignore[return-value]


def profile_ids() -> list[str]:
    return list(rule_table().profiles)


def tab_ids() -> list[str]:
    return list(rule_table().tabs)


def _default(field: str) -> str:
    return Placeholders.model_fields[field].default


class PlaceholdersConfig(base.Config):
    """What docs show instead of a deployment's real values."""

    name = c.Type(str, default=_default("name"))
    api_key = c.Type(str, default=_default("api_key"))
    endpoint = c.Type(str, default=_default("endpoint"))
    obs = c.Type(str, default=_default("obs"))


class SnippetgenConfig(base.Config):
    """`plugins: - snippetgen: {...}` in mkdocs.yml."""

    profile = RuleChoice("profile", profile_ids, default="documented")
    # Empty: every tab the situation has, in the page's order.
    tabs = c.ListOfItems(RuleChoice("tab", tab_ids), default=[])
    placeholders = c.SubConfig(PlaceholdersConfig)
    on_error = c.Choice(ON_ERROR, default="warn")
    style = c.Choice(STYLES, default="auto")
    heading_level = c.Choice((1, 2, 3, 4, 5, 6), default=4)
