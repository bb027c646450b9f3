"""What a sandbox deployment checks in a request and answers, per CONTRACT.md.

Answers are deterministic, shaped like a real agent's (a leading batch axis,
one action per agent), and made of exactly the fields the real client accepts.
"""

from __future__ import annotations

import numpy as np

from ..arrays import WireError, leaves, walk
from ..deployment import Deployment
from ..rules import rule_table
from ..spaces import Discrete, example

HIDDEN_KEYS = ("h", "c")
HIDDEN_SIZE = 8
GENERATE_PARAM_TYPES: dict[str, type | tuple[type, ...]] = {
    "max_new_tokens": int,
    "temperature": (int, float),
    "top_p": (int, float),
    "do_sample": bool,
}


def suffix(deployment: Deployment) -> str:
    """The one inference route this deployment serves: get_action, predict or generate."""
    return rule_table().situations[deployment.situation].suffix


def agent_info(deployment: Deployment) -> dict:
    """The `agent` object of `GET /status` (exactly the fields the real client allows)."""
    situation = deployment.situation
    return {
        "algo": deployment.algorithm,
        "multi_agent": situation == "pettingzoo",
        "llm": situation == "llm",
        "recurrent": situation == "recurrent_ppo",
        # The released client calls predict only on agents reported as supervised,
        # and LatentPPO is served through predict.
        "supervised": suffix(deployment) == "predict",
    }


# ---------------------------------------------------------------- checks


def batch_of(tree, where: str) -> int:
    found = list(leaves(tree))
    if not found:
        raise WireError(f"{where}: holds no array")
    first = found[0][1]
    if first.ndim == 0:
        raise WireError(f"{where}: arrays need a leading batch axis (shape (1, ...) for one sample)")
    return first.shape[0]


def _check_like(value, expected, batch: int, where: str) -> None:
    if isinstance(expected, dict):
        if not isinstance(value, dict) or set(value) != set(expected):
            raise WireError(f"{where}: expected an object with keys {sorted(expected)}")
        for key in expected:
            _check_like(value[key], expected[key], batch, f"{where}.{key}")
    elif isinstance(expected, tuple):
        if not isinstance(value, tuple) or len(value) != len(expected):
            raise WireError(f"{where}: expected a list of {len(expected)} arrays")
        for i, (v, e) in enumerate(zip(value, expected, strict=True)):
            _check_like(v, e, batch, f"{where}.{i}")
    else:
        if not isinstance(value, np.ndarray):
            raise WireError(f"{where}: expected an array")
        want = (batch, *expected.shape)
        if value.shape != want:
            raise WireError(
                f"{where}: shape {list(value.shape)}, expected {list(want)} (batch axis first)"
            )


def check_observation(deployment: Deployment, obs, batch: int, where: str) -> None:
    """Raise WireError unless `obs` fits the deployment's observation space."""
    if obs is None:
        raise WireError(f"{where}: missing")
    space = deployment.observation_space
    if deployment.env_type == "pettingzoo":
        agents = set(deployment.agent_ids)
        if not isinstance(obs, dict) or not obs:
            raise WireError(f"{where}: expected an object of agent id -> observation")
        unknown = sorted(set(obs) - agents) if agents else []
        if unknown:
            raise WireError(f"{where}: unknown agent ids {unknown}; this deployment has {sorted(agents)}")
        for agent, value in obs.items():
            if isinstance(space, dict):
                _check_like(value, example(space[agent]), batch, f"{where}.{agent}")
            elif batch_of(value, f"{where}.{agent}") != batch:
                raise WireError(f"{where}.{agent}: batch axis is not batch_size {batch}")
        return
    if space is not None:
        _check_like(obs, example(space), batch, where)
    elif batch_of(obs, where) != batch:
        raise WireError(f"{where}: batch axis is not batch_size {batch}")


def check_per_agent(deployment: Deployment, tree, batch: int, where: str) -> None:
    """Multi-agent masks and env-defined actions are {agent_id: array or null}."""
    if tree is None:
        return
    if deployment.env_type != "pettingzoo":
        if batch_of(tree, where) != batch:
            raise WireError(f"{where}: batch axis is not batch_size {batch}")
        return
    if not isinstance(tree, dict):
        raise WireError(f"{where}: a multi-agent deployment takes {{agent_id: array}}, not one array")
    for agent, value in tree.items():
        if value is not None and batch_of(value, f"{where}.{agent}") != batch:
            raise WireError(f"{where}.{agent}: batch axis is not batch_size {batch}")


def check_hidden_state(hidden, batch: int) -> None:
    if hidden is None:
        return
    shape = (batch, HIDDEN_SIZE)
    if not isinstance(hidden, dict) or set(hidden) != set(HIDDEN_KEYS) or any(
        not isinstance(hidden[k], np.ndarray) or hidden[k].shape != shape for k in HIDDEN_KEYS
    ):
        raise WireError(
            "hidden_state: send back the hidden_state of the previous answer "
            "(or null on the first step of an episode)"
        )


def check_generate_params(params) -> None:
    if params is None:
        return
    if not isinstance(params, dict):
        raise WireError("params: expected an object")
    for key, value in params.items():
        kind = GENERATE_PARAM_TYPES.get(key)
        if kind is None:
            raise WireError(f"params.{key}: unknown; expected some of {sorted(GENERATE_PARAM_TYPES)}")
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise WireError(f"params.{key}: wrong type {type(value).__name__}")


def check_prompt(prompt, where: str) -> str:
    if not isinstance(prompt, str) or not prompt.strip():
        raise WireError(f"{where}: expected a non-empty string")
    return prompt


# ---------------------------------------------------------------- answers


def _batched_example(space, batch: int):
    if space is None:
        return np.zeros(batch, dtype=np.int64)
    return walk(example(space), lambda leaf: np.repeat(leaf[np.newaxis], batch, axis=0), sequence=tuple)


def _one_action(space, batch: int, mask, env_defined):
    action = _batched_example(space, batch)
    if not (space is None or isinstance(space, Discrete)):
        return action
    start = space.start if isinstance(space, Discrete) else 0
    if isinstance(mask, np.ndarray) and mask.size:
        # The first allowed action of each row.
        action = np.argmax(mask.reshape(batch, -1).astype(bool), axis=1).astype(np.int64) + start
    if isinstance(env_defined, np.ndarray) and env_defined.size:
        fixed = env_defined.reshape(batch, -1)[:, 0]
        # -1 (or NaN): the environment does not fix this row's action.
        chosen = np.isfinite(fixed) & (fixed >= 0)
        action = np.where(chosen, np.nan_to_num(fixed).astype(np.int64), action)
    return action


def actions(deployment: Deployment, obs, batch: int, mask, env_defined):
    """The decoded action tree: one array per agent for multi-agent, batch axis first."""
    space = deployment.action_space
    if deployment.env_type == "pettingzoo":
        mask = mask or {}
        env_defined = env_defined or {}
        return {
            agent: _one_action(
                space.get(agent) if isinstance(space, dict) else None,
                batch,
                mask.get(agent),
                env_defined.get(agent),
            )
            for agent in obs
        }
    return _one_action(space, batch, mask, None)


def next_hidden_state(hidden, batch: int) -> dict:
    """Each step adds one, so a test can see that the snippet threads the state."""
    if hidden is None:
        return {k: np.ones((batch, HIDDEN_SIZE), dtype=np.float32) for k in HIDDEN_KEYS}
    return {k: (hidden[k] + 1).astype(np.float32) for k in HIDDEN_KEYS}


def predictions(deployment: Deployment, inputs, batch: int):
    if deployment.action_space is not None and not isinstance(deployment.action_space, dict):
        return _batched_example(deployment.action_space, batch)
    first = next(leaves(inputs))[1]
    return first.reshape(batch, -1).astype(np.float64).sum(axis=1).astype(np.float32)


def completion(prompt: str) -> str:
    return f"Sandbox completion for a prompt of {len(prompt)} characters."
