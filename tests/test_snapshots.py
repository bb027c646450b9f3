"""Every cell of the rule table: a reviewed snapshot, valid syntax, black-stable Python.

Snapshots mirror the template tree, one per distinct cell: the code on screen for
the built-in example deployment of a situation, at
tests/snapshots/<template folder>/<situation>[.<variant>].<extension>, so a template
shared by every profile has one snapshot that every profile's render must equal.
Refresh with `pytest tests/test_snapshots.py --snapshot-update` and read the diff
as code.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snippetgen import render_snippet
from snippetgen.examples import example_deployment
from snippetgen.render import format_python_naive
from snippetgen.languages import LANGUAGES
from snippetgen.rules import DEFAULT_VARIANT, rule_table
import syntax
from toolchains import syntax_error
from snippetgen.unsafe import PATTERN as UNSAFE

SNAPSHOTS = Path(__file__).parent / "snapshots"
KEY_DISPLAYS = ("masked", "env", "placeholders")


def snapshot_path(cell) -> Path:
    """Where a cell's snapshot is, relative to SNAPSHOTS (cell: with its variant)."""
    profile, situation, tab, language, variant = cell
    folder = Path(rule_table().template(*cell)).parent
    mark = "" if variant == DEFAULT_VARIANT else f".{variant}"
    return folder / f"{situation}{mark}.{LANGUAGES[language].extension}"


DISTINCT: dict[Path, list] = {}
for _cell in sorted(rule_table().all_cells()):
    DISTINCT.setdefault(snapshot_path(_cell), []).append(_cell)


def render(cell, **options):
    profile, situation, tab, language, *variant = cell
    return render_snippet(
        example_deployment(situation), tab, language=language, profile=profile, variant=variant[0] if variant else DEFAULT_VARIANT,
        **options,
    )


def check_syntax(code: str, language: str, tmp_path: Path) -> None:
    assert syntax_error(code, language, tmp_path) is None, syntax_error(code, language, tmp_path)
    if LANGUAGES[language].formatter == "black":
        assert format_python_naive(code) == code, "not black-stable"


@pytest.mark.parametrize("path", sorted(DISTINCT), ids=str)
def test_snapshot(path, snapshot):
    codes = {cell: render(cell).code for cell in DISTINCT[path]}
    first = next(iter(codes.values()))
    assert all(code == first for code in codes.values()), f"the cells sharing {path} render differently"
    snapshot.snapshot_dir = SNAPSHOTS / path.parent
    snapshot.assert_match(first, path.name)


@pytest.fixture(scope="module")
def _syntax_prechecked():
    """The codes test_syntax checks, in one batch per language whose checker takes many."""
    for language in syntax.BATCHES:
        snippets = [render(cell, key_display=key_display) for cell in rule_table().all_cells()
                    if cell[3] == language for key_display in KEY_DISPLAYS]
        syntax.precheck(language, {code for s in snippets for code in (s.code, s.copy_code)})


@pytest.mark.parametrize("key_display", KEY_DISPLAYS)
def test_syntax(cell, key_display, tmp_path, _syntax_prechecked):
    snippet = render(cell, key_display=key_display)
    check_syntax(snippet.code, snippet.language, tmp_path)
    if snippet.copy_code != snippet.code:
        check_syntax(snippet.copy_code, snippet.language, tmp_path)


def test_cached_black_equals_black_over_the_final_text(cell):
    assert render(cell) == render(cell, black_cache=False)


def test_shown_code_never_holds_the_key(cell):
    snippet = render(cell)
    key = example_deployment(cell[1]).api_key.get_secret_value()
    assert key not in snippet.code
    assert key not in repr(snippet)


def test_copied_code_holds_the_key_where_the_tab_uses_one(cell):
    snippet = render(cell)
    key = example_deployment(cell[1]).api_key.get_secret_value()
    # The Arena client and CLI authenticate with `arena login`; only raw HTTP carries the key.
    if cell[2] == "manual_http":
        assert key in snippet.copy_code
    else:
        assert snippet.copy_code == snippet.code


def test_env_mode_reads_the_environment(cell):
    snippet = render(cell, key_display="env")
    key = example_deployment(cell[1]).api_key.get_secret_value()
    assert key not in snippet.code and snippet.code == snippet.copy_code
    if cell[2] == "manual_http":
        assert "ARENA_API_KEY" in snippet.code


def test_docs_mode_uses_placeholders(cell):
    snippet = render(cell, key_display="placeholders")
    deployment = example_deployment(cell[1])
    assert deployment.name not in snippet.code
    assert deployment.endpoint not in snippet.code
    assert "YOUR_DEPLOYMENT_NAME" in snippet.code or "YOUR_ENDPOINT" in snippet.code


def test_every_snapshot_belongs_to_a_cell():
    on_disk = {p.relative_to(SNAPSHOTS) for p in SNAPSHOTS.rglob("*") if p.is_file()}
    assert on_disk - set(DISTINCT) == set(), "snapshots of cells the rule table no longer has"


PYTHON_CELLS = [c for c in rule_table().expected_cells() if c[3] == "python"]
values = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=130)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Deployment refuses unsafe.py's code points in names; prompts keep them.
@given(st.sampled_from(PYTHON_CELLS), values.map(lambda s: UNSAFE.sub("", s)).filter(str.strip), values,
       st.integers(0, 120))
def test_cached_black_equals_black_for_any_value(cell, name, prompt, path_length):
    # Long values make black wrap a constant in parentheses; the cache must follow.
    profile, situation, tab, language = cell
    deployment = example_deployment(situation, name=name, endpoint="https://e.example.com/" + "p" * path_length)
    options = {"language": language, "profile": profile, "prompt": prompt}
    fast = render_snippet(deployment, tab, **options)
    assert fast == render_snippet(deployment, tab, black_cache=False, **options)
    ast.parse(fast.copy_code)


def test_a_raw_value_in_a_template_is_refused():
    from jinja2 import TemplateError

    from snippetgen.render import ENVIRONMENT
    from snippetgen.skeletons import Const

    with pytest.raises(TemplateError, match="without a literal filter") as info:
        ENVIRONMENT.from_string("KEY = {{ key }}").render(key=Const("secret-key-value"))
    assert "secret-key-value" not in str(info.value)
    assert ENVIRONMENT.from_string("KEY = {{ key|py }}").render(key=Const("k")) == "KEY = 'k'"
