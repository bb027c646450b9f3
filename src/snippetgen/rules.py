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


class VariantRule(_Row):
    """A second snippet of a cell: its own template, selected by `variant=`."""

    title: str
    situations: tuple[Situation, ...]
    tabs: tuple[TabId, ...]
    suffix: str | None = Field(None, pattern=r"^[a-z_]+$")
    """The route it calls, when not the situation's."""


DEFAULT_VARIANT = "request"
Cell = tuple[str, Situation, TabId, LanguageId, str]
"""(profile, situation, tab, language, variant)."""


class RuleTable(_Row):
    situations: dict[Situation, SituationRule]
    tabs: dict[TabId, TabRule]
    profiles: dict[str, ProfileRule] = Field(min_length=1)
    variants: dict[str, VariantRule] = {}
    packages: dict[str, str] = {}
    cells: dict[Cell, str] = Field({}, exclude=True)
    """Each cell's template, found in the template tree when the table loads."""

    def template(
        self,
        profile: str,
        situation: Situation,
        tab: TabId,
        language: LanguageId,
        variant: str = DEFAULT_VARIANT,
    ) -> str:
        """The template path for one cell; KeyError when the cell does not exist."""
        return self.cells[profile, situation, tab, language, variant]

    def variants_of(self, situation: Situation, tab: TabId) -> tuple[str, ...]:
        """The cell's variants: the default first."""
        extra = (v for v, rule in self.variants.items() if situation in rule.situations and tab in rule.tabs)
        return (DEFAULT_VARIANT, *extra)

    def suffix(self, situation: Situation, variant: str = DEFAULT_VARIANT) -> str:
        """The route a cell's snippet calls: ENDPOINT/<suffix>."""
        rule = self.variants.get(variant)
        return (rule.suffix if rule and rule.suffix else None) or self.situations[situation].suffix

    def expected_cells(self):
        """Every (profile, situation, tab, language) the page describes: its default variant."""
        for profile, situation, tab, language, variant in self.all_cells():
            if variant == DEFAULT_VARIANT:
                yield profile, situation, tab, language

    def all_cells(self):
        """Every (profile, situation, tab, language, variant) the page describes."""
        for profile in self.profiles:
            for situation in self.situations:
                for tab_id, tab in self.tabs.items():
                    if tab.applies_to(situation):
                        for language in tab.languages:
                            for variant in self.variants_of(situation, tab_id):
                                yield profile, situation, tab_id, language, variant

    def defined_cells(self):
        """(cell, template) for every cell, variants included."""
        return self.cells.items()

    def candidates(self, template_dir: Path, cell: Cell) -> tuple[str, ...]:
        """Where a cell's template may be, first found wins (see rules.toml)."""
        profile, situation, tab, language, variant = cell
        folder = f"{profile}/{tab}/{language}"
        if not (template_dir / folder).is_dir():
            folder = f"{tab}/{language}"
        route = self.situations[situation].suffix
        if variant == DEFAULT_VARIANT:
            stems: tuple[str, ...] = (situation, route, "default")
        else:
            own = self.variants[variant].suffix
            stems = (f"{situation}.{variant}", own or f"{route}.{variant}", f"default.{variant}")
        extension = LANGUAGES[language].extension
        return tuple(f"{folder}/{stem}.{extension}{TEMPLATE_SUFFIX}" for stem in dict.fromkeys(stems))


def _referenced(env: jinja2.Environment, name: str, on_disk: set[str]) -> set[str]:
    """The templates `name` includes, directly or not (those not on disk included, unread)."""
    import jinja2.meta

    assert env.loader is not None
    source = env.loader.get_source(env, name)[0]
    found = set()
    for ref in jinja2.meta.find_referenced_templates(env.parse(source)):
        if ref is None:
            raise RuleTableError(f"{name}: includes a template by a computed name")
        found |= {ref} | (_referenced(env, ref, on_disk) if ref in on_disk else set())
    return found


def _cell_name(cell: Cell) -> str:
    profile, situation, tab, language, variant = cell
    name = f"{profile} / {situation} / {tab} / {language}"
    return name if variant == DEFAULT_VARIANT else f"{name} / {variant}"


def resolve(table: RuleTable, template_dir: Path) -> RuleTable:
    """The table with each cell's template found in the tree; RuleTableError unless every
    cell has one and every template file is some cell's or included by one."""
    problems = []
    if list(table.situations) != list(SITUATIONS):
        problems.append(f"situations must be, in order: {', '.join(SITUATIONS)}")
    if list(table.tabs) != list(TABS):
        problems.append(f"tabs must be, in order: {', '.join(TABS)}")
    for name, variant in table.variants.items():
        if name == DEFAULT_VARIANT:
            problems.append(f"variants.{name}: the default variant is not declared")
        for tab in variant.tabs:
            if table.tabs[tab].kind != "code":
                problems.append(f"variants.{name}: tab {tab} holds no code")

    on_disk = {p.relative_to(template_dir).as_posix() for p in template_dir.rglob(f"*{TEMPLATE_SUFFIX}")}
    cells: dict[Cell, str] = {}
    for cell in table.all_cells():
        candidates = table.candidates(template_dir, cell)
        found = next((name for name in candidates if name in on_disk), None)
        if found is None:
            problems.append(f"missing cell: {_cell_name(cell)} (no {' or '.join(candidates)})")
        else:
            cells[cell] = found

    import jinja2  # loaded when a table is checked, not on `import snippetgen`

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(template_dir))
    used = set()
    for template in sorted(set(cells.values())):
        used |= {template} | _referenced(env, template, on_disk)
    for missing in sorted(used - on_disk):
        problems.append(f"included template {missing} does not exist")
    for orphan in sorted(on_disk - used):
        problems.append(f"orphan template (no cell uses it): {orphan}")
    if problems:
        raise RuleTableError(f"{RULES_FILE.name}: " + "; ".join(problems))
    return table.model_copy(update={"cells": cells})


def load(path: Path = RULES_FILE) -> RuleTable:
    """Read and check a rule table file."""
    try:
        with path.open("rb") as f:
            table = RuleTable.model_validate(tomllib.load(f))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleTableError(f"{path}: {exc}") from None
    except ValidationError as exc:
        raise RuleTableError(f"{path}: {exc}") from None
    return resolve(table, path.parent)


@cache
def rule_table() -> RuleTable:
    """The installed rule table, loaded and checked once per process."""
    return load()


def coverage_matrix(table: RuleTable) -> str:
    """A text table: one row per (profile, tab, language, variant), one column per situation,
    each cell naming its template (`*` when the template is shared by every profile)."""
    defined = dict(table.defined_cells())
    width = max(len(s) for s in SITUATIONS) + 2
    for template in defined.values():
        width = max(width, len(Path(template).name.split(".")[0]) + 2)
    profiles = tuple(table.profiles)
    variants = (DEFAULT_VARIANT, *table.variants)
    # Wide enough for the longest row label, a variant's included.
    label_width = max(
        [44] + [len(f"{p} / {t} / {lang} / {v}") + 2 for p, _, t, lang, v in table.all_cells()]
    )
    header = f"{'profile / tab / language':{label_width}}" + "".join(f"{s:>{width}}" for s in SITUATIONS)
    lines = [header, "-" * len(header)]
    for profile in profiles:
        for tab_id, tab in table.tabs.items():
            if tab.kind == "chat":
                marks = ["chat" if tab.applies_to(s) else "-" for s in SITUATIONS]
                label = f"{profile} / {tab_id}"
                lines.append(f"{label:{label_width}}" + "".join(f"{m:>{width}}" for m in marks))
                continue
            for language in tab.languages:
                for variant in variants:
                    marks = []
                    for s in SITUATIONS:
                        template = defined.get((profile, s, tab_id, language, variant))
                        if template is None:
                            marks.append("-")
                            continue
                        shared = not template.startswith(tuple(f"{p}/" for p in profiles))
                        marks.append(Path(template).name.split(".")[0] + ("*" if shared else ""))
                    if variant != DEFAULT_VARIANT and set(marks) == {"-"}:
                        continue
                    label = f"{profile} / {tab_id} / {language}"
                    label += "" if variant == DEFAULT_VARIANT else f" / {variant}"
                    lines.append(f"{label:{label_width}}" + "".join(f"{m:>{width}}" for m in marks))
    templates = set(defined.values())
    shared_count = sum(not t.startswith(tuple(f"{p}/" for p in profiles)) for t in templates)
    lines.append("")
    lines.append(
        f"{len(defined)} cells, {len(templates)} templates ({shared_count} shared by every profile, *); "
        "every cell covered exactly once."
    )
    return "\n".join(lines)
