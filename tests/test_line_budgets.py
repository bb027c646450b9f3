"""A snippet is read before it is run: each cell's shown code stays within its line budget.

Counted on the code shown on screen for the built-in example of the cell's
situation (its default spaces). Manual HTTP is the same contract in both
profiles, so both are held to the budget; every Arena-client tab gets 30 lines.
"""

from __future__ import annotations

import pytest

from snippetgen import render_snippet
from snippetgen.examples import example
from snippetgen.rules import rule_table

# Manual HTTP: situation -> {language: most lines}.
_SHORT = {"python": 40, "javascript": 60, "curl": 35}
MANUAL_HTTP = {
    "gym": _SHORT,
    "supervised": _SHORT,
    "latent_ppo": _SHORT,
    "recurrent_ppo": {"python": 45, "javascript": 70, "curl": 45},
    "pettingzoo": {"python": 50, "javascript": 80, "curl": 45},
    "llm": {"python": 40, "javascript": 40, "curl": 40},
}
ARENA_CLIENT = 30


def budget(cell) -> int | None:
    _, situation, tab, language = cell
    if tab == "manual_http":
        return MANUAL_HTTP[situation][language]
    if tab == "arena_client":
        return ARENA_CLIENT
    return None


BUDGETED = sorted(cell for cell in rule_table().expected_cells() if budget(cell) is not None)


@pytest.mark.parametrize("cell", BUDGETED, ids="/".join)
def test_shown_code_fits_its_line_budget(cell):
    profile, situation, tab, language = cell
    code = render_snippet(example(situation), tab, language=language, profile=profile).code
    lines = len(code.splitlines())
    assert lines <= budget(cell), f"{lines} lines, budget {budget(cell)}"


def test_every_situation_and_manual_http_language_has_a_budget():
    table = rule_table()
    assert set(MANUAL_HTTP) == set(table.situations)
    languages = set(table.tabs["manual_http"].languages)
    assert all(set(budgets) == languages for budgets in MANUAL_HTTP.values())
    assert {c[2] for c in BUDGETED} == {"manual_http", "arena_client"}
