"""The batched syntax checks (tests/syntax.py) find what the one-file checks find."""

from __future__ import annotations

import uuid

import pytest

from snippetgen import render_snippet
from snippetgen.examples import example_deployment
import syntax
from toolchains import syntax_error


@pytest.mark.parametrize("language", syntax.BATCHES)
def test_a_batch_passes_the_good_codes_and_names_the_broken_one(language, tmp_path):
    # A fresh comment makes codes no other test has checked, so the batch runs here.
    mark = f"// {uuid.uuid4()}\n"
    codes = [mark + render_snippet(example_deployment(situation), "manual_http", language=language).code
             for situation in ("gym", "llm")]
    broken = codes[0].replace("{", "", 1)
    syntax.precheck(language, [*codes, broken])
    for code in codes:
        assert syntax.checked(language, code) == (True, None)
    batched, error = syntax.checked(language, broken)
    assert batched and error
    # The one-file check, on a code no batch has seen, agrees.
    alone = broken.replace(mark, f"// {uuid.uuid4()}\n")
    assert syntax.checked(language, alone) == (False, None)
    assert syntax_error(alone, language, tmp_path)
