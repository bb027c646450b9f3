"""Space budgets: what is refused before anything is allocated, and what stays compact."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from pydantic import ValidationError

from snippetgen import Deployment, literals, render_panel, render_snippet
from snippetgen.arrays import npy_base64, shell_wire, to_wire
from snippetgen.bench import BODY_LIMIT, WORST_PANEL_BYTES, worst_request
from snippetgen.rules import rule_table
from snippetgen.spaces import (
    MAX_AGENT_ID_LENGTH,
    MAX_AGENTS,
    MAX_ARRAYS,
    MAX_ELEMENTS,
    MAX_LISTED_ELEMENTS,
    MAX_NAME_BYTES,
    example,
    mask_example,
)

FAKE = {"endpoint": "https://arena.invalid/deployment", "api_key": "fake-key-for-tests-0000"}
WAIT = 60


def gym(**fields) -> Deployment:
    return Deployment(name="bounded", algorithm="PPO", env_type="gym", **FAKE, **fields)


def pettingzoo(**fields) -> Deployment:
    return Deployment(name="bounded", algorithm="IPPO", env_type="pettingzoo", **FAKE, **fields)


def box(n: int, **fields) -> dict:
    return {"type": "Box", "shape": [n], **fields}


def refusal(make, **fields) -> tuple[tuple, str]:
    """The location and message of the one error `make(**fields)` raises."""
    with pytest.raises(ValidationError) as info:
        make(**fields)
    errors = info.value.errors()
    # A space field tries a single space and an agent mapping: every error names the field.
    assert len({error["loc"][0] for error in errors}) == 1, errors
    budget = [e for e in errors if "allowed" in e["msg"] or "at most" in e["msg"]]
    assert budget, errors
    return budget[0]["loc"], budget[0]["msg"]


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not on PATH")
    return found


# ---------------------------------------------------------------- the worst request


@pytest.mark.parametrize("longest_values", [False, True], ids=["slowest", "largest"])
def test_the_worst_request_fits_the_body_limit_and_renders_a_panel_of_at_most_768_kb(longest_values):
    body = worst_request(longest_values=longest_values)
    text = json.dumps(body)
    assert len(text.encode()) <= BODY_LIMIT
    deployment = Deployment.model_validate_json(json.dumps(body["deployment"]))
    panel = render_panel(deployment, profile=body["profile"])
    assert len(panel.model_dump_json().encode()) <= WORST_PANEL_BYTES
    shown = json.loads(panel.model_dump_json())
    # Every agent's observation reached the snippets, so nothing was left out to get there.
    assert all(agent in json.dumps(shown) for agent in body["deployment"]["agents"])


def test_the_worst_request_is_at_every_budget():
    body = worst_request()["deployment"]
    assert len(body["agents"]) == MAX_AGENTS
    assert all(len(agent) == MAX_AGENT_ID_LENGTH for agent in body["agents"])
    sizes = [space["shape"][0] for space in body["observation_space"].values()]
    assert sum(sizes) == MAX_ELEMENTS and len(set(sizes)) == MAX_AGENTS
    assert len(body["observation_space"]) == MAX_AGENTS and MAX_AGENTS <= MAX_ARRAYS
    assert sizes[0] == MAX_LISTED_ELEMENTS


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "space",
    [
        box(MAX_ELEMENTS + 1),
        {"type": "Box", "shape": [100_000, 100_000]},
        {"type": "MultiBinary", "n": [MAX_ELEMENTS, 2]},
        {"type": "MultiDiscrete", "nvec": [2] * (MAX_ELEMENTS + 1)},
        {"type": "Dict", "spaces": {"a": box(MAX_ELEMENTS // 2 + 1), "b": box(MAX_ELEMENTS // 2)}},
        {"type": "Tuple", "spaces": [box(MAX_ELEMENTS), {"type": "Discrete", "n": 2}]},
    ],
    ids=["box", "box_10_billion", "multi_binary", "multi_discrete", "dict_summed", "tuple_summed"],
)
def test_an_observation_over_the_element_budget_is_refused_naming_the_field(space):
    loc, message = refusal(gym, observation_space=space)
    assert loc[0] == "observation_space"
    assert f"at most {MAX_ELEMENTS}" in message


@pytest.mark.parametrize("n", [MAX_ELEMENTS + 1, 2**62])
def test_a_discrete_action_space_whose_mask_would_exceed_the_budget_is_refused(n):
    loc, message = refusal(gym, action_space={"type": "Discrete", "n": n}, action_mask=True)
    assert loc[0] == "action_space" and str(n) in message


def test_spaces_at_the_budgets_pass():
    frames = {"type": "Box", "shape": [4, 84, 84], "dtype": "uint8", "low": 0, "high": 255}
    atari = {"type": "Box", "shape": [210, 160, 3], "dtype": "uint8", "low": 0, "high": 255}
    for space in (frames, atari, box(MAX_ELEMENTS), {"type": "Discrete", "n": MAX_ELEMENTS}):
        gym(observation_space=space)
    values = list(range(MAX_LISTED_ELEMENTS))
    gym(observation_space=box(MAX_LISTED_ELEMENTS, low=values, high=values))
    gym(observation_space={"type": "Tuple", "spaces": [{"type": "Discrete", "n": 2}] * MAX_ARRAYS})
    keys = [f"{i:03d}".ljust(MAX_NAME_BYTES // MAX_ARRAYS, "k") for i in range(MAX_ARRAYS)]
    gym(observation_space={"type": "Dict", "spaces": {key: {"type": "Discrete", "n": 2} for key in keys}})
    agents = [f"{i:02d}".ljust(MAX_AGENT_ID_LENGTH, "a") for i in range(MAX_AGENTS)]
    pettingzoo(agents=agents, observation_space={a: box(MAX_ELEMENTS // MAX_AGENTS) for a in agents})


def test_bounds_that_leave_each_element_its_own_value_are_limited_to_the_listed_budget():
    values = list(range(MAX_LISTED_ELEMENTS + 1))
    loc, message = refusal(gym, observation_space=box(len(values), low=values, high=values))
    assert loc[0] == "observation_space" and f"at most {MAX_LISTED_ELEMENTS}" in message
    # Per-element bounds that one value satisfies are not listed: 0.5 fits all of these.
    n = MAX_ELEMENTS
    gym(observation_space=box(n, low=[0.5] * n, high=[1.0 + i % 3 for i in range(n)]))


def test_more_arrays_than_the_budget_are_refused():
    space = {"type": "Tuple", "spaces": [{"type": "Discrete", "n": 2}] * (MAX_ARRAYS + 1)}
    loc, message = refusal(gym, observation_space=space)
    assert loc[0] == "observation_space" and f"at most {MAX_ARRAYS}" in message


def test_keys_are_counted_as_json_writes_them():
    # A quote is two bytes in every snippet (\"), so it counts two.
    per_key = MAX_NAME_BYTES // 2 // 2 + 1
    spaces = {'"' * per_key: box(1), '"x' + '"' * (per_key - 1): box(1)}
    loc, message = refusal(gym, observation_space={"type": "Dict", "spaces": spaces})
    assert loc[0] == "observation_space" and f"at most {MAX_NAME_BYTES}" in message
    gym(observation_space={"type": "Dict", "spaces": {"a" * per_key: box(1), "b" * per_key: box(1)}})


def test_agents_over_their_budgets_are_refused_naming_the_field():
    agents = [f"agent_{i}" for i in range(MAX_AGENTS + 1)]
    loc, _ = refusal(pettingzoo, agents=agents)
    assert loc == ("agents",)
    loc, message = refusal(pettingzoo, observation_space={a: box(1) for a in agents})
    assert loc[0] == "observation_space" and f"at most {MAX_AGENTS}" in message
    loc, _ = refusal(pettingzoo, agents=["a" * (MAX_AGENT_ID_LENGTH + 1)])
    assert loc == ("agents", 0)
    per_agent = {"a": box(MAX_ELEMENTS // 2 + 1), "b": box(MAX_ELEMENTS // 2)}
    loc, message = refusal(pettingzoo, observation_space=per_agent)
    assert loc[0] == "observation_space" and f"at most {MAX_ELEMENTS}" in message


def test_validation_refuses_a_huge_space_without_importing_numpy():
    code = (
        "import sys\n"
        "from pydantic import ValidationError\n"
        "from snippetgen import Deployment\n"
        "for space in ({'type': 'Box', 'shape': [100000, 100000]}, {'type': 'Discrete', 'n': 2**62}):\n"
        "    try:\n"
        "        Deployment(name='x', algorithm='PPO', env_type='gym', observation_space=space)\n"
        "    except ValidationError:\n"
        "        pass\n"
        "    else:\n"
        "        raise SystemExit('accepted')\n"
        "from snippetgen.lazy import loaded\n"
        "print(loaded('numpy'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=WAIT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


# ---------------------------------------------------------------- compact snippets


def every_snippet(deployment: Deployment):
    for profile, _situation, tab, language, variant in rule_table().all_cells():
        if _situation == deployment.situation and tab != "chat_playground":
            yield render_snippet(deployment, tab, language=language, profile=profile, variant=variant)


def test_a_large_box_with_per_element_bounds_prints_in_constant_size_everywhere():
    def large(n: int) -> Deployment:
        return gym(
            observation_space=box(n, dtype="float64", low=[0.5] * n, high=[1.0] * n),
            action_space={"type": "Discrete", "n": n},
            action_mask=True,
        )

    small, big = large(1_000), large(100_000)
    for one, other in zip(every_snippet(small), every_snippet(big), strict=True):
        # The same code but for the counts' digits, and short.
        assert 0 <= len(other.copy_code) - len(one.copy_code) < 60, (other.tab, other.language)
        assert len(other.copy_code) < 8000, (other.tab, other.language)
    grown = len(render_panel(big).model_dump_json()) - len(render_panel(small).model_dump_json())
    assert 0 <= grown < 1000


def run_bash(script: str) -> str:
    for name in ("bash", "base64", "seq", "head", "tr"):
        tool(name)
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=WAIT)
    assert result.returncode == 0, result.stderr
    return result.stdout


TREES = {
    "zeros": lambda: np.zeros((3, 8, 9), dtype=np.uint8),
    "float64": lambda: np.full(70, -1.2345678901234567e300),
    "mask": lambda: mask_example(Deployment.model_validate(
        {"name": "m", "algorithm": "DQN", "env_type": "gym", "action_space": {"type": "Discrete", "n": 300}}
    ).action_space),
    "tree": lambda: {
        "a $HOME `id` \\ '": np.full((2, 40), 7, dtype=np.int16),
        "b": (np.full(65, np.float32(0.1)), np.array([1.5, 2.5])),
        "c": np.array(3, dtype=np.int64),
    },
}


@pytest.mark.parametrize("name", TREES)
def test_shell_builds_exactly_the_base64_npy_it_would_print(name):
    tree = TREES[name]()
    wire = shell_wire(tree)
    assert literals.shell_array_lines(wire)  # built, not printed
    lines = literals.shell_array_lines(wire)
    heredoc = run_bash(f"{lines}\ncat {literals.heredoc_json({'obs': wire}, indent=2)}\n")
    word = run_bash(f"{lines}\nprintf '%s' {literals.shell_json({'obs': wire}, indent=2)}\n")
    want = {"obs": to_wire(tree)}
    assert json.loads(heredoc) == want
    assert json.loads(word) == want


def test_a_small_array_is_still_printed_in_full():
    tree = {"obs": shell_wire(np.arange(4, dtype=np.float32))}
    assert literals.shell_array_lines(tree) == ""
    assert literals.heredoc_json(tree, indent=2) == f"<<'JSON'\n{literals.json(tree, indent=2)}\nJSON"
    assert tree["obs"] == npy_base64(np.arange(4, dtype=np.float32))


def test_the_cli_observation_printed_by_python_is_the_json_it_replaces():
    tool("python3")
    space = {
        "type": "Dict",
        "spaces": {
            "frame": {"type": "Box", "shape": [4, 84, 84], "dtype": "uint8", "low": 0, "high": 255},
            "speed": {"type": "Box", "shape": [3], "low": [0.5, -2.0, -1.0], "high": [1.0, -1.0, 1.0]},
            "it's": {"type": "Box", "shape": [100], "dtype": "float32", "low": 0.1, "high": 0.2},
        },
    }
    deployment = gym(observation_space=space)
    code = render_snippet(deployment, "arena_cli").copy_code
    assert len(code) < 1000
    script = code.split("\narena login")[0] + '\nprintf "%s" "$OBS"\n'
    assert json.loads(run_bash(script)) == json.loads(literals.json(example(deployment.observation_space)))
