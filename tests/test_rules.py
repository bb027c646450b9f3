"""The rule table is data, checked when loaded (SPEC §8)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from snippetgen.rules import (
    DEFAULT_VARIANT,
    RULES_FILE,
    TEMPLATE_DIR,
    RuleTableError,
    coverage_matrix,
    load,
    rule_table,
)


@pytest.fixture
def copy(tmp_path) -> Path:
    """A writable copy of the templates folder."""
    target = tmp_path / "templates"
    shutil.copytree(TEMPLATE_DIR, target)
    return target


def test_installed_table_loads_and_covers_every_cell():
    table = rule_table()
    expected = set(table.all_cells())
    defined = dict(table.defined_cells())
    assert expected == set(defined)
    assert len(expected) >= 18
    assert {cell[:4] for cell in expected if cell[4] == DEFAULT_VARIANT} == set(table.expected_cells())


def test_the_rule_table_lists_no_cells():
    assert "[cells" not in RULES_FILE.read_text()


def test_shared_templates_serve_every_profile_and_a_profile_folder_wins():
    table = rule_table()
    for profile in table.profiles:
        assert table.template(profile, "gym", "manual_http", "curl") == "manual_http/curl/get_action.sh.jinja"
        assert table.template(profile, "pettingzoo", "manual_http", "python") == "manual_http/python/get_action.py.jinja"
        assert table.template(profile, "recurrent_ppo", "manual_http", "javascript") == (
            "manual_http/javascript/recurrent_ppo.mjs.jinja"
        )
        assert table.template(profile, "latent_ppo", "arena_client", "python") == (
            f"{profile}/arena_client/python/predict.py.jinja"
        )
    # A situation's own file, then its route's, then the folder's default.
    assert table.template("documented", "llm", "arena_cli", "shell") == "documented/arena_cli/shell/llm.sh.jinja"
    assert table.template("documented", "supervised", "arena_cli", "shell") == "documented/arena_cli/shell/default.sh.jinja"


def test_missing_template_is_named(copy):
    victim = rule_table().template("agilerl-arena-1", "supervised", "arena_cli", "shell")
    (copy / victim).unlink()
    with pytest.raises(RuleTableError, match="missing cell: agilerl-arena-1 / supervised / arena_cli / shell"
                       r" \(no agilerl-arena-1/arena_cli/shell/supervised.sh.jinja or .*predict.sh.jinja"):
        load(copy / RULES_FILE.name)


def test_orphan_template_is_named(copy):
    (copy / "documented" / "unused.py.jinja").write_text("x = 1\n")
    (copy / "manual_http" / "python" / "default.py.jinja").write_text("x = 1\n")  # every cell has its own
    with pytest.raises(RuleTableError, match="orphan template.*documented/unused.py.jinja") as info:
        load(copy / RULES_FILE.name)
    assert "manual_http/python/default.py.jinja" in str(info.value)


def test_a_profile_folder_replaces_the_shared_one(copy):
    own = copy / "documented" / "manual_http" / "curl"
    own.mkdir(parents=True)
    (own / "default.sh.jinja").write_text("echo {{ name|sh }}\n")
    (own / "default.stream.sh.jinja").write_text("echo {{ route }}\n")  # the folder holds every variant
    # The shared curl templates still serve the other profile, so none is orphaned.
    table = load(copy / RULES_FILE.name)
    assert table.template("documented", "llm", "manual_http", "curl", "stream") == (
        "documented/manual_http/curl/default.stream.sh.jinja"
    )
    assert table.template("documented", "llm", "manual_http", "curl") == "documented/manual_http/curl/default.sh.jinja"
    assert table.template("agilerl-arena-1", "llm", "manual_http", "curl") == "manual_http/curl/generate.sh.jinja"


def test_an_included_template_must_exist(copy):
    template = copy / "manual_http" / "python" / "predict.py.jinja"
    template.write_text(template.read_text() + '{% include "manual_http/python/_nowhere.py.jinja" %}\n')
    with pytest.raises(RuleTableError, match="included template manual_http/python/_nowhere.py.jinja"):
        load(copy / RULES_FILE.name)


def test_a_variant_needs_a_template_for_every_cell_it_names(copy):
    rules = copy / RULES_FILE.name
    stream = copy / "manual_http" / "python" / "generate_stream.py.jinja"
    kept = stream.read_text()
    stream.unlink()
    with pytest.raises(RuleTableError, match=r"missing cell: documented / llm / manual_http / python / stream"
                       r" \(no manual_http/python/llm.stream.py.jinja or manual_http/python/generate_stream.py.jinja"):
        load(rules)
    stream.write_text(kept)
    table = load(rules)
    assert table.variants_of("llm", "manual_http") == ("request", "stream")
    assert table.variants_of("llm", "arena_cli") == ("request",)
    assert table.variants_of("gym", "manual_http") == ("request",)
    assert table.suffix("llm", "stream") == "generate_stream"
    assert table.template("documented", "llm", "manual_http", "curl", "stream") == (
        "manual_http/curl/generate_stream.sh.jinja"
    )


def test_malformed_table_is_one_error(copy):
    rules = copy / RULES_FILE.name
    rules.write_text("[situations.gym\n")
    with pytest.raises(RuleTableError, match="rules.toml"):
        load(rules)


def test_coverage_matrix_lists_every_profile_and_tab():
    text = coverage_matrix(rule_table())
    for profile in rule_table().profiles:
        assert f"{profile} / manual_http / python" in text
    assert "every cell covered exactly once" in text
    assert "get_action*" in text  # a shared template is marked


def test_every_declared_language_is_used_and_prints_values_through_a_known_filter():
    from snippetgen import literals
    from snippetgen.languages import LANGUAGES, Language

    used = {language for tab in rule_table().tabs.values() for language in tab.languages}
    assert used == set(LANGUAGES)
    for declared in LANGUAGES.values():
        assert declared.literal in literals.FILTERS, declared.id
        # The run line names the saved file, unless the toolchain finds it by its fixed name.
        assert "{filename}" in declared.run or declared.file != Language.file, declared.id


def test_a_tab_knows_its_kind():
    kinds = {tab_id: tab.kind for tab_id, tab in rule_table().tabs.items()}
    assert kinds == {"chat_playground": "chat", "arena_client": "code", "arena_cli": "code", "manual_http": "code"}
