"""Example observations: members of their space, and on the wire exactly as CONTRACT.md says."""

from __future__ import annotations

import json

import numpy as np
import pytest
from agilerl.arena.inference import serde
from pydantic import TypeAdapter

from snippetgen.arrays import from_wire, npy_base64, to_wire
from snippetgen.spaces import AgentSpaces, Space, example
from space_cases import SPACES, gymnasium_space

SPACE = TypeAdapter(Space)
# Gymnasium warns when it rounds float16 bounds; the test spaces do that on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:.*precision lowered:UserWarning")


def same_tree(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same_tree(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(same_tree, a, b))
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


@pytest.mark.parametrize("name", SPACES)
def test_example_is_a_member_of_its_gymnasium_space(name):
    value = example(SPACE.validate_python(SPACES[name]))
    space = gymnasium_space(SPACES[name])
    assert space.contains(value), f"{value!r} is not in {space}"


@pytest.mark.parametrize("name", SPACES)
def test_example_keeps_the_space_dtype(name):
    value = example(SPACE.validate_python(SPACES[name]))
    sample = gymnasium_space(SPACES[name]).sample()

    def dtypes(tree):
        if isinstance(tree, dict):
            return {k: dtypes(v) for k, v in tree.items()}
        if isinstance(tree, tuple):
            return tuple(dtypes(v) for v in tree)
        return np.asarray(tree).dtype

    assert dtypes(value) == dtypes(sample)


def test_per_agent_examples_are_members_of_each_agents_space():
    spaces = {"player_0": SPACES["dict"], "player_1": SPACES["box_int"]}
    value = example(TypeAdapter(AgentSpaces).validate_python(spaces))
    assert set(value) == set(spaces)
    for agent, space in spaces.items():
        assert gymnasium_space(space).contains(value[agent])


@pytest.mark.parametrize("name", SPACES)
def test_wire_form_is_the_released_clients_serialization(name):
    value = example(SPACE.validate_python(SPACES[name]))
    # The released client sends tuples as JSON arrays, so compare as JSON.
    assert json.dumps(to_wire(value)) == json.dumps(serde.serialize(value, batched=False))
    assert same_tree(from_wire(to_wire(value)), value)


def test_a_leaf_carries_a_batch_axis_of_one():
    import base64
    import io

    raw = base64.b64decode(npy_base64(np.zeros((2, 3), dtype=np.float32)))
    assert np.load(io.BytesIO(raw), allow_pickle=False).shape == (1, 2, 3)
    assert to_wire(None) is None
    assert to_wire({"a": (np.int64(1), None)})["a"][1] is None
