"""The site-wide options of every docs front-end, and the rule-table ids a block may name.

One model: the fence's Markdown extension options, the MkDocs plugin's config
(generated from it in `plugin.py`) and a block's own keys all validate through
the types here, so a profile, tab or language is checked in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from snippetgen import Placeholders
from snippetgen.render import check_profile
from snippetgen.rules import rule_table

# How a block is written: content tabs, headings and code blocks, or tabs when the site can.
Style = Literal["auto", "tabbed", "plain"]


def _known(what: str, ids: Callable[[], Iterable[str]]) -> AfterValidator:
    def check(value: str) -> str:
        known = list(ids())
        if value not in known:
            raise ValueError(f"unknown {what} {value!r}; choose one of: {', '.join(known)}")
        return value

    return AfterValidator(check)


def all_languages() -> list[str]:
    """Every snippet language of the rule table, in first-seen order."""
    seen: dict[str, None] = {}
    for tab in rule_table().tabs.values():
        seen.update(dict.fromkeys(tab.languages))
    return list(seen)


def _profile(value: str) -> str:
    check_profile(value)  # the library's own check and message
    return value


_one_or_many = BeforeValidator(lambda value: [value] if isinstance(value, str) else value)

ProfileId = Annotated[str, AfterValidator(_profile)]
SituationId = Annotated[str, _known("situation", lambda: rule_table().situations)]
TabIds = Annotated[tuple[Annotated[str, _known("tab", lambda: rule_table().tabs)], ...], _one_or_many]
LanguageIds = Annotated[tuple[Annotated[str, _known("language", all_languages)], ...], _one_or_many]


class SiteOptions(BaseModel):
    """Defaults a block can override: profile, tabs, placeholders, style, heading level."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile: ProfileId = "documented"
    # Empty: every tab the situation has, in the page's order.
    tabs: TabIds = ()
    placeholders: Placeholders = Field(default_factory=Placeholders)
    style: Style = "auto"
    heading_level: int = Field(default=4, ge=1, le=6)


def site_options(options: Mapping[str, Any], where: str) -> SiteOptions:
    """SiteOptions from a front-end's options; a bad one is a BlockError naming `where` and the option."""
    from pydantic import ValidationError

    from .renderer import BlockError, located

    try:
        return SiteOptions.model_validate(dict(options))
    except ValidationError as exc:
        problem = located(exc, {}, known=list(SiteOptions.model_fields)).message
        raise BlockError(f"{where}: {problem}") from None
