"""The site-wide options of every docs front-end, and the rule-table ids a block may name.

The fence extension's options, the MkDocs plugin's config (generated from SiteOptions)
and a block's keys all check ids through the types here: one place, against the rule table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from snippetgen import Placeholders
from snippetgen.render import check_profile
from snippetgen.rules import rule_table

# How a block is written: content tabs, headings and code blocks, or tabs when the site can.
Style = Literal["auto", "tabbed", "plain"]


def _known(what: str, ids: Callable[[], Iterable[str]]) -> AfterValidator:
    def check(value: str) -> str:
        if value not in (known := list(ids())):
            raise ValueError(f"unknown {what} {value!r}; choose one of: {', '.join(known)}")
        return value

    return AfterValidator(check)


def all_languages() -> list[str]:
    """Every snippet language of the rule table, in first-seen order."""
    return list(dict.fromkeys(lang for tab in rule_table().tabs.values() for lang in tab.languages))


_one_or_many = BeforeValidator(lambda value: [value] if isinstance(value, str) else value)
ProfileId = Annotated[str, AfterValidator(lambda value: check_profile(value) or value)]  # the library's check
SituationId = Annotated[str, _known("situation", lambda: rule_table().situations)]
TabIds = Annotated[tuple[Annotated[str, _known("tab", lambda: rule_table().tabs)], ...], _one_or_many]
LanguageIds = Annotated[tuple[Annotated[str, _known("language", all_languages)], ...], _one_or_many]


class SiteOptions(BaseModel):
    """Defaults a block can override. `tabs` empty: every tab the situation has, in the page's order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile: ProfileId = "documented"
    tabs: TabIds = ()
    placeholders: Placeholders = Field(default_factory=Placeholders)
    style: Style = "auto"
    heading_level: int = Field(default=4, ge=1, le=6)


def site_options(options: Mapping[str, Any], where: str) -> SiteOptions:
    """SiteOptions from a front-end's options; a bad one is a BlockError naming `where` and the option."""
    from .renderer import BlockError, located

    try:
        return SiteOptions.model_validate(dict(options))
    except ValidationError as exc:
        problem = located(exc, {}, known=list(SiteOptions.model_fields)).message
        raise BlockError(f"{where}: {problem}") from None
