"""Shared fixtures. The rule table's cells parametrize most tests."""

from __future__ import annotations

import pytest

from snippetgen.examples import example
from snippetgen.rules import rule_table


def all_cells():
    """Every (profile, situation, tab, language) cell of the rule table."""
    return sorted(rule_table().expected_cells())


def cell_id(cell) -> str:
    return "/".join(cell)


@pytest.fixture(params=all_cells(), ids=cell_id)
def cell(request):
    return request.param


@pytest.fixture
def example_deployment():
    return example
