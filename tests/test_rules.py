"""The rule table is data, checked when loaded (SPEC §8)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from snippetgen.rules import RULES_FILE, TEMPLATE_DIR, RuleTableError, coverage_matrix, load, rule_table


@pytest.fixture
def copy(tmp_path) -> Path:
    """A writable copy of the templates folder."""
    target = tmp_path / "templates"
    shutil.copytree(TEMPLATE_DIR, target)
    return target


def test_installed_table_loads_and_covers_every_cell():
    table = rule_table()
    expected = set(table.expected_cells())
    defined = dict(table.defined_cells())
    assert expected == set(defined)
    assert len(expected) >= 18


def test_missing_template_is_named(copy):
    victim = rule_table().template("documented", "gym", "arena_client", "python")
    (copy / victim).unlink()
    with pytest.raises(RuleTableError, match=f"template {victim} does not exist"):
        load(copy / RULES_FILE.name)


def test_orphan_template_is_named(copy):
    (copy / "documented" / "unused.py.jinja").write_text("x = 1\n")
    with pytest.raises(RuleTableError, match="orphan template.*documented/unused.py.jinja"):
        load(copy / RULES_FILE.name)


def test_missing_cell_is_named(copy):
    rules = copy / RULES_FILE.name
    text = rules.read_text()
    line = 'latent_ppo = "documented/arena_client/predict.py.jinja"\n'
    assert line in text
    rules.write_text(text.replace(line, "", 1))
    with pytest.raises(RuleTableError, match="missing cell: documented / latent_ppo / arena_client / python"):
        load(rules)


def test_cell_the_page_does_not_describe(copy):
    rules = copy / RULES_FILE.name
    rules.write_text(rules.read_text() + '\n[cells.documented.chat_playground.python]\nllm = "documented/arena_client/llm.py.jinja"\n')
    with pytest.raises(RuleTableError, match="chat_playground"):
        load(rules)


def test_malformed_table_is_one_error(copy):
    rules = copy / RULES_FILE.name
    rules.write_text("[situations.gym\n")
    with pytest.raises(RuleTableError, match="rules.toml"):
        load(rules)


def test_coverage_matrix_lists_every_profile_and_tab():
    text = coverage_matrix(rule_table())
    for profile in rule_table().profiles:
        assert f"{profile} / manual_http / python" in text
    assert "MISSING" not in text
    assert "every cell covered exactly once" in text


def test_every_declared_language_is_used_and_prints_values_through_a_known_filter():
    from snippetgen import literals
    from snippetgen.languages import LANGUAGES

    used = {language for tab in rule_table().tabs.values() for language in tab.languages}
    assert used == set(LANGUAGES)
    for declared in LANGUAGES.values():
        assert declared.literal in literals.FILTERS, declared.id
        assert "{filename}" in declared.run, declared.id


def test_a_tab_knows_its_kind():
    kinds = {tab_id: tab.kind for tab_id, tab in rule_table().tabs.items()}
    assert kinds == {"chat_playground": "chat", "arena_client": "code", "arena_cli": "code", "manual_http": "code"}
