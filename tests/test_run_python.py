"""Manual HTTP Python snippets, both profiles, run unchanged against the sandbox.

Each cell is rendered for the built-in example of its situation, re-pointed at the
sandbox (endpoint and key are the only values that differ from what a user copies),
saved to a file and run with `python manual_http.py`. The sandbox records what
arrived: the Bearer token and every decoded array's shape and dtype.
"""

from __future__ import annotations

import numpy as np
import pytest

from snippetgen import render_snippet
from snippetgen.examples import example_deployment
from snippetgen.render import DEFAULT_PROMPT, GENERATE_PARAMS
from snippetgen.rules import rule_table
from snippetgen.sandbox import Sandbox
from snippetgen.spaces import example as space_example

CELLS = sorted(
    cell for cell in rule_table().expected_cells() if cell[2:] == ("manual_http", "python")
)


def cell_id(cell) -> str:
    return "/".join(cell)


def flat(tree, path: str) -> dict[str, tuple[tuple[int, ...], str]]:
    """Dotted path -> (shape with the batch axis of 1, dtype) for each array of a tree."""
    if isinstance(tree, dict):
        return {k: v for key, sub in tree.items() for k, v in flat(sub, f"{path}.{key}").items()}
    if isinstance(tree, tuple):
        return {k: v for i, sub in enumerate(tree) for k, v in flat(sub, f"{path}.{i}").items()}
    array = np.asarray(tree)
    return {path: ((1, *array.shape), array.dtype.name)}


def expected_observation(deployment) -> dict:
    field = "inputs" if rule_table().situations[deployment.situation].suffix == "predict" else "obs"
    return flat(space_example(deployment.observation_space), field)


def urlpath(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def render(deployment, profile: str):
    return render_snippet(
        deployment, "manual_http", language="python", profile=profile, key_display="masked"
    )


@pytest.mark.parametrize("cell", CELLS, ids=cell_id)
def test_manual_http_python_runs_against_the_sandbox(cell, sandbox, run_snippet):
    profile, situation, _, _ = cell
    deployment = sandbox.deployment(example_deployment(situation).name)
    key = deployment.api_key.get_secret_value()
    suffix = rule_table().situations[situation].suffix
    sandbox.clear()

    result = run_snippet(render(deployment, profile), base_url=sandbox.base_url, api_key="unused")

    assert result.returncode == 0, result.stdout + result.stderr
    calls = sandbox.received
    assert calls, "the snippet sent nothing"
    assert {(r.deployment, r.token, r.status) for r in calls} == {(deployment.name, key, 200)}
    assert {r.path for r in calls} == {f"{urlpath(deployment.endpoint)}/{suffix}"}

    if situation == "llm":
        (call,) = calls
        assert call.body == {"prompts": [DEFAULT_PROMPT], "params": GENERATE_PARAMS}
        assert "Sandbox completion" in result.stdout
        return
    observation = expected_observation(deployment)
    assert observation, "the example deployment has an observation space"
    for call in calls:
        assert {k: v for k, v in call.arrays.items() if k in observation} == observation
    if situation == "pettingzoo":
        for agent in deployment.agent_ids:
            n = deployment.action_space[agent].n
            assert call.arrays[f"action_mask.{agent}"] == ((1, n), "int8")
            assert call.arrays[f"env_defined_actions.{agent}"] == ((1,), "int64")
    if situation == "recurrent_ppo":
        assert calls[0].body["hidden_state"] is None
        assert all(c.arrays["hidden_state.h"] == ((1, 8), "float32") for c in calls[1:])
        assert len(calls) > 1


def test_key_from_the_environment_runs_too(sandbox, run_snippet):
    deployment = sandbox.deployment(example_deployment("gym").name)
    snippet = render_snippet(deployment, "manual_http", language="python", key_display="env")
    assert deployment.api_key.get_secret_value() not in snippet.copy_code
    sandbox.clear()
    result = run_snippet(
        snippet, base_url=sandbox.base_url, api_key=deployment.api_key.get_secret_value()
    )
    assert result.returncode == 0, result.stderr
    assert [r.status for r in sandbox.received] == [200]


@pytest.mark.parametrize("cell", CELLS, ids=cell_id)
def test_wrong_key_exits_non_zero_with_the_servers_401(cell, sandbox, run_snippet):
    profile, situation, _, _ = cell
    deployment = sandbox.deployment(example_deployment(situation).name)
    wrong = deployment.model_copy(update={"api_key": type(deployment.api_key)("fake-wrong-key-0000")})
    sandbox.clear()
    result = run_snippet(render(wrong, profile), base_url=sandbox.base_url, api_key="unused")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "401" in output and "Invalid or expired API key" in output
    assert "Traceback" not in output
    assert [r.status for r in sandbox.received] == [401]


def test_another_deployments_key_gets_the_servers_403(sandbox, run_snippet):
    gym, llm = sandbox.deployment(example_deployment("gym").name), sandbox.deployment(example_deployment("llm").name)
    borrowed = gym.model_copy(update={"api_key": llm.api_key})
    result = run_snippet(render(borrowed, "documented"), base_url=sandbox.base_url, api_key="unused")
    assert result.returncode != 0
    assert "403" in result.stderr and "not allowed to use this deployment" in result.stderr


def test_a_rotated_key_fails_at_once_and_the_new_one_works(run_snippet):
    with Sandbox([example_deployment("gym")], user_key="fake-user-key-rotation") as sb:
        before = sb.deployments[0]
        assert run_snippet(render(before, "documented"), base_url=sb.base_url, api_key="x").returncode == 0
        sb.rotate_key(before.name)
        old = run_snippet(render(before, "documented"), base_url=sb.base_url, api_key="x")
        assert old.returncode != 0 and "401" in old.stderr
        new = run_snippet(render(sb.deployments[0], "documented"), base_url=sb.base_url, api_key="x")
        assert new.returncode == 0, new.stderr
        assert [r.status for r in sb.received] == [200, 401, 200]


@pytest.mark.parametrize("situation", ["gym", "llm"])
def test_stopped_sandbox_gives_a_connection_error_not_a_hang(situation, run_snippet):
    with Sandbox([example_deployment(situation)]) as sb:
        deployment = sb.deployments[0]
    # Stopped: nothing listens on the port any more.
    result = run_snippet(render(deployment, "documented"), base_url="http://127.0.0.1:9", api_key="x")
    assert result.returncode != 0
    assert "ConnectionError" in result.stderr and "Connection refused" in result.stderr
