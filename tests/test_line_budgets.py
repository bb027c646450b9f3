"""A snippet is read before it is run: each cell's shown code stays within its line budget.

Counted on the code shown on screen for the built-in example of the cell's
situation (its default spaces). Manual HTTP is the same contract in both
profiles, so both are held to the budget its language declares (languages.py);
every Arena-client tab gets 30 lines. A stream variant may take STREAM_EXTRA lines more
than its language's one-shot LLM snippet: it reads chunks and checks each for an error.
"""

from __future__ import annotations

import pytest

from snippetgen import render_snippet
from snippetgen.examples import example_deployment
from snippetgen.languages import LANGUAGES
from snippetgen.rules import DEFAULT_VARIANT, rule_table

ARENA_CLIENT = 30
STREAM_EXTRA = 10


def budget(cell) -> int | None:
    _, situation, tab, language, variant = cell
    extra = 0 if variant == DEFAULT_VARIANT else STREAM_EXTRA
    if tab == "manual_http":
        return LANGUAGES[language].line_budgets[situation] + extra
    if tab == "arena_client":
        return ARENA_CLIENT + extra
    return None


BUDGETED = sorted(cell for cell in rule_table().all_cells() if budget(cell) is not None)


@pytest.mark.parametrize("cell", BUDGETED, ids="/".join)
def test_shown_code_fits_its_line_budget(cell):
    profile, situation, tab, language, variant = cell
    code = render_snippet(example_deployment(situation), tab, language=language, profile=profile, variant=variant).code
    lines = len(code.splitlines())
    assert lines <= budget(cell), f"{lines} lines, budget {budget(cell)}"


def test_every_situation_and_manual_http_language_has_a_budget():
    table = rule_table()
    for language in table.tabs["manual_http"].languages:
        assert set(LANGUAGES[language].line_budgets) == set(table.situations), language
    assert {c[2] for c in BUDGETED} == {"manual_http", "arena_client"}
