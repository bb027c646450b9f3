"""`agilerl-arena-1` Arena client and CLI snippets, run with the released `agilerl-arena`.

Each cell is rendered for the built-in example of its situation and run as a user
would: `python arena_client.py` / `bash arena_cli.sh` with ARENA_BASE_URL pointing
at the sandbox, ARENA_API_KEY set to the platform user's key and a fresh HOME
(the client caches deployment URLs in ~/.arena). The environments are real:
Gymnasium CartPole-v1 and Pendulum-v1, PettingZoo rock-paper-scissors.
"""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest

from snippetgen import render_snippet
from snippetgen.examples import example_deployment
from snippetgen.render import DEFAULT_PROMPT, GENERATE_PARAMS
from snippetgen.rules import rule_table
from snippetgen.sandbox import Sandbox

PROFILE = "agilerl-arena-1"
PLATFORM = "/api/cli/v1/inference/deployments"
CELLS = sorted(
    cell
    for cell in rule_table().expected_cells()
    if cell[0] == PROFILE and cell[2] in ("arena_client", "arena_cli")
)


def cell_id(cell) -> str:
    return "/".join(cell)


def decode(text):
    return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)


def render(deployment, tab: str, language: str, **options):
    return render_snippet(
        deployment, tab, language=language, profile=PROFILE, key_display="masked", **options
    )


@pytest.mark.parametrize("cell", CELLS, ids=cell_id)
def test_runs_with_the_released_client(cell, sandbox, run_snippet, tmp_path):
    _, situation, tab, language = cell
    deployment = sandbox.deployment(example_deployment(situation).name)
    suffix = rule_table().situations[situation].suffix
    sandbox.clear()

    result = run_snippet(
        render(deployment, tab, language), base_url=sandbox.base_url, api_key=sandbox.user_key, home=tmp_path
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Error" not in output and "Traceback" not in output, output
    calls = sandbox.received
    # The released client sends the caller's own key everywhere, deployment URLs included.
    assert {(r.token, r.status) for r in calls} == {(sandbox.user_key, 200)}
    lookups = [r for r in calls if r.path.startswith(PLATFORM)]
    assert lookups and all(r.query == {"name": deployment.name} for r in lookups)
    inference = [r for r in calls if r.deployment is not None]
    assert all(r.deployment == deployment.name for r in inference)

    if tab == "arena_cli":
        check_cli(situation, deployment, calls, result.stdout, tmp_path)
    else:
        assert [r.path.rsplit("/", 1)[1] for r in inference[:1]] == ["status"]
        steps = [r for r in inference if r.path.endswith("/" + suffix)]
        assert steps, f"no /{suffix} call"
        CHECKS[situation](deployment, steps, result.stdout)


def check_cli(situation, deployment, calls, stdout, home):
    paths = [r.path for r in calls]
    if situation == "llm":
        assert paths[:2] == [f"{PLATFORM}/list", f"{PLATFORM}/one"]
        assert paths[2].endswith("/status") and paths[3].endswith("/generate_stream")
        assert calls[3].body["prompt"] == DEFAULT_PROMPT
        assert "Sandbox completion" in stdout
        return
    # RL and predict: list, then `agent run` selects the deployment (no CLI call sends data).
    assert paths == [f"{PLATFORM}/list", f"{PLATFORM}/one"]
    assert deployment.name in stdout
    cache = json.loads((home / ".arena" / "inference.json").read_text())
    assert cache["active_agent"]["deployment"] == deployment.name


def check_gym(deployment, steps, stdout):
    assert len(steps) == 100
    for step in steps:
        assert step.arrays == {"obs": ((1, 4), "float32")}
        assert step.body["batch_size"] == 1


def check_recurrent(deployment, steps, stdout):
    """The hidden state is threaded step to step and reset to None when an episode ends."""
    assert len(steps) == 100
    episodes, previous = 0, None
    for step in steps:
        assert step.arrays["obs"] == ((1, 4), "float32")
        hidden = step.body["hidden_state"]
        if hidden is None:
            episodes += 1
            previous = 0.0
            continue
        # The sandbox answers hidden + 1, so a threaded state counts the episode's steps.
        value = decode(hidden["h"])
        assert value.shape == (1, 8)
        assert (value == previous + 1).all(), "the previous answer's hidden_state was not sent back"
        previous = float(value[0, 0])
    # CartPole falls within ~10 steps with a constant action, so 100 steps span episodes.
    assert episodes > 1


def check_pettingzoo(deployment, steps, stdout):
    assert len(steps) == 100
    agents = set(deployment.agent_ids)
    for step in steps:
        assert step.arrays == {f"obs.{a}": ((1,), "int64") for a in agents}
        # rps gives no masks: the client still gets a per-agent dict, never one array.
        assert step.body["action_mask"] == {a: None for a in agents}
        assert step.body["env_defined_actions"] == {a: None for a in agents}


def check_llm(deployment, steps, stdout):
    (step,) = steps
    assert step.body == {"prompts": [DEFAULT_PROMPT], "params": GENERATE_PARAMS}
    assert "Sandbox completion for a prompt of" in stdout


def check_predict(deployment, steps, stdout):
    (step,) = steps
    shape = tuple(deployment.observation_space.shape)
    assert step.arrays == {"inputs": ((1, *shape), "float32")}
    assert "results:" in stdout


CHECKS = {
    "gym": check_gym,
    "recurrent_ppo": check_recurrent,
    "pettingzoo": check_pettingzoo,
    "llm": check_llm,
    "supervised": check_predict,
    "latent_ppo": check_predict,
}


def test_every_situation_has_a_check():
    assert set(CHECKS) == set(rule_table().situations)


# ---------------------------------------------------------------- failure modes

FAILURE_CELLS = [("gym", "arena_client", "python"), ("llm", "arena_client", "python"),
                 ("gym", "arena_cli", "shell"), ("llm", "arena_cli", "shell")]


@pytest.mark.parametrize("situation, tab, language", FAILURE_CELLS)
def test_wrong_user_key_exits_non_zero_with_the_401(situation, tab, language, sandbox, run_snippet):
    deployment = sandbox.deployment(example_deployment(situation).name)
    sandbox.clear()
    result = run_snippet(
        render(deployment, tab, language), base_url=sandbox.base_url, api_key="fake-wrong-user-key"
    )
    assert result.returncode != 0
    # The client words the platform's 401 itself; the sandbox's detail is the same phrase.
    assert "Invalid API key" in result.stdout + result.stderr
    assert {r.status for r in sandbox.received} == {401}


@pytest.mark.parametrize("situation, tab, language", FAILURE_CELLS)
def test_stopped_sandbox_gives_a_connection_error_not_a_hang(situation, tab, language, run_snippet):
    with Sandbox([example_deployment(situation)], user_key="fake-user-key-stopped") as sb:
        deployment, base_url = sb.deployments[0], sb.base_url
    result = run_snippet(render(deployment, tab, language), base_url=base_url, api_key=sb.user_key)
    assert result.returncode != 0
    assert "Network error communicating with Arena" in result.stdout + result.stderr


def test_a_deployment_that_is_not_deployed_fails_with_the_servers_answer(run_snippet):
    pending = example_deployment("llm", status="Pending")
    with Sandbox([pending], user_key="fake-user-key-pending") as sb:
        snippet = render(sb.deployments[0], "arena_client", "python")
        result = run_snippet(snippet, base_url=sb.base_url, api_key=sb.user_key)
    assert result.returncode != 0
    assert "503" in result.stderr and "Deployment status is Pending" in result.stderr
