"""The rule table (`templates/rules.toml`): loaded, checked, and printed as a matrix."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .languages import LANGUAGES, Language, LanguageId

if TYPE_CHECKING:
    import jinja2

Situation = Literal["gym", "recurrent_ppo", "pettingzoo", "llm", "supervised", "latent_ppo"]
TabId = Literal["chat_playground", "arena_client", "arena_cli", "manual_http"]
EnvType = Literal["gym", "pettingzoo", "llm", "supervised"]

SITUATIONS: tuple[Situation, ...] = get_args(Situation)
TABS: tuple[TabId, ...] = get_args(TabId)

# The wheel ships the templates inside the package; a source checkout keeps
# them at the top level, beside src/.
_PACKAGED = Path(__file__).parent / "templates"
TEMPLATE_DIR = _PACKAGED if _PACKAGED.is_dir() else Path(__file__).parents[2] / "templates"
RULES_FILE = TEMPLATE_DIR / "rules.toml"
TEMPLATE_SUFFIX = ".jinja"


class RuleTableError(Exception):
    """The rule table or the template folder is inconsistent."""


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class SituationRule(_Row):
    title: str
    env_type: EnvType
    suffix: Literal["get_action", "generate", "predict"]
    algorithms: tuple[str, ...] = ()
    name_contains: str | None = None
    fallback: bool = False
    env_package: str | None = None


class TabRule(_Row):
    title: str
    languages: tuple[LanguageId, ...] = ()
    """The tab's snippet languages (languages.py), in tab order; none for a settings tab."""
    situations: tuple[Situation, ...] | None = None
    # pip packages every snippet of the tab needs; Python snippets add what they import.
    requires: tuple[str, ...] = ()
    # Whether the situation's env package (gymnasium, ...) is required when the deployment has an env id.
    with_env_package: bool = False

    @property
    def kind(self) -> Literal["code", "chat"]:
        return "code" if self.languages else "chat"

    def applies_to(self, situation: Situation) -> bool:
        return self.situations is None or situation in self.situations

    def language(self, language_id: str) -> Language | None:
        return LANGUAGES[language_id] if language_id in self.languages else None


class ProfileRule(_Row):
    title: str


Cells = dict[str, dict[TabId, dict[LanguageId, dict[Situation, str]]]]


class RuleTable(_Row):
    situations: dict[Situation, SituationRule]
    tabs: dict[TabId, TabRule]
    profiles: dict[str, ProfileRule] = Field(min_length=1)
    packages: dict[str, str] = {}
    cells: Cells

    def template(self, profile: str, situation: Situation, tab: TabId, language: LanguageId) -> str:
        """The template path for one cell; KeyError when the cell does not exist."""
        return self.cells[profile][tab][language][situation]

    def expected_cells(self):
        """Every (profile, situation, tab, language) the page describes."""
        for profile in self.profiles:
            for situation in self.situations:
                for tab_id, tab in self.tabs.items():
                    if tab.applies_to(situation):
                        for language in tab.languages:
                            yield profile, situation, tab_id, language

    def defined_cells(self):
        for profile, tabs in self.cells.items():
            for tab_id, languages in tabs.items():
                for language, situations in languages.items():
                    for situation, template in situations.items():
                        yield (profile, situation, tab_id, language), template


def _referenced(env: jinja2.Environment, name: str) -> set[str]:
    import jinja2.meta

    assert env.loader is not None
    source = env.loader.get_source(env, name)[0]
    found = set()
    for ref in jinja2.meta.find_referenced_templates(env.parse(source)):
        if ref is None:
            raise RuleTableError(f"{name}: includes a template by a computed name")
        found |= {ref} | _referenced(env, ref)
    return found


def check(table: RuleTable, template_dir: Path) -> None:
    """Raise RuleTableError unless the table and the template folder agree."""
    problems = []
    if list(table.situations) != list(SITUATIONS):
        problems.append(f"situations must be, in order: {', '.join(SITUATIONS)}")
    if list(table.tabs) != list(TABS):
        problems.append(f"tabs must be, in order: {', '.join(TABS)}")
    for profile in table.cells:
        if profile not in table.profiles:
            problems.append(f"cells.{profile}: no such profile in [profiles]")

    expected = set(table.expected_cells())
    defined = dict(table.defined_cells())
    for cell in sorted(expected - defined.keys()):
        problems.append("missing cell: {} / {} / {} / {}".format(*cell))
    for cell in sorted(defined.keys() - expected):
        problems.append("cell the page does not describe: {} / {} / {} / {}".format(*cell))

    import jinja2  # loaded when a table is checked, not on `import snippetgen`

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(template_dir))
    on_disk = {
        p.relative_to(template_dir).as_posix()
        for p in template_dir.rglob(f"*{TEMPLATE_SUFFIX}")
    }
    used = set()
    for cell, template in sorted(defined.items()):
        if template not in on_disk:
            problems.append("{} / {} / {} / {}: template {} does not exist".format(*cell, template))
            continue
        used |= {template} | _referenced(env, template)
    for orphan in sorted(on_disk - used):
        problems.append(f"orphan template (no cell uses it): {orphan}")
    if problems:
        raise RuleTableError(f"{RULES_FILE.name}: " + "; ".join(problems))


def load(path: Path = RULES_FILE) -> RuleTable:
    """Read and check a rule table file."""
    try:
        with path.open("rb") as f:
            table = RuleTable.model_validate(tomllib.load(f))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleTableError(f"{path}: {exc}") from None
    except ValidationError as exc:
        raise RuleTableError(f"{path}: {exc}") from None
    check(table, path.parent)
    return table


@cache
def rule_table() -> RuleTable:
    """The installed rule table, loaded and checked once per process."""
    return load()


def coverage_matrix(table: RuleTable) -> str:
    """A text table: one row per (profile, tab, language), one column per situation."""
    defined = dict(table.defined_cells())
    width = max(len(s) for s in SITUATIONS)
    header = f"{'profile / tab / language':44}" + " ".join(f"{s:>{width}}" for s in SITUATIONS)
    lines = [header, "-" * len(header)]
    for profile in table.profiles:
        for tab_id, tab in table.tabs.items():
            if tab.kind == "chat":
                marks = ["chat" if tab.applies_to(s) else "-" for s in SITUATIONS]
                lines.append(f"{profile + ' / ' + tab_id:44}" + " ".join(f"{m:>{width}}" for m in marks))
                continue
            for language in tab.languages:
                marks = [
                    "yes" if (profile, s, tab_id, language) in defined else "MISSING"
                    for s in SITUATIONS
                ]
                label = f"{profile} / {tab_id} / {language}"
                lines.append(f"{label:44}" + " ".join(f"{m:>{width}}" for m in marks))
    cells = len(defined)
    templates = len(set(defined.values()))
    lines.append("")
    lines.append(f"{cells} cells, {templates} templates, every cell covered exactly once.")
    return "\n".join(lines)
