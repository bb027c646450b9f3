"""Rendering in this process: every example's panel on both paths, and the worst request."""

from __future__ import annotations

import json
import statistics
import time
from functools import partial

from ..deployment import MAX_ENDPOINT_LENGTH, MAX_KEY_LENGTH, Deployment
from ..examples import examples
from ..panel import render_panel
from .measure import BenchError, fresh, p50, p50_each


def panels(profile: str, rounds: int, samples: int) -> dict[str, float]:
    columns = ("naive ms", "new µs", "repeat µs", "naive/new", "naive/repeat")
    print(f"{'panel':15}" + "".join(f"{c:>13}" for c in columns))
    naive_total = new_total = 0.0
    repeats = []
    for deployment in examples():
        one = fresh(deployment)
        if render_panel(one, profile=profile) != render_panel(one, profile=profile, black_cache=False):
            raise BenchError(f"{deployment.situation}: the default and naive outputs differ")
        naive = p50(partial(render_panel, deployment, profile=profile, black_cache=False), rounds)
        new = p50_each(partial(render_panel, profile=profile), [fresh(deployment) for _ in range(samples)])
        repeat = p50(partial(render_panel, deployment, profile=profile), samples)
        naive_total, new_total = naive_total + naive, new_total + new
        repeats.append(repeat)
        print(
            f"{deployment.situation:15} {naive * 1e3:13.2f} {new * 1e6:12.1f} {repeat * 1e6:12.1f}"
            f" {naive / new:11.0f}x {naive / repeat:11.0f}x"
        )
    total = f"{'all six':15} {naive_total * 1e3:13.2f} {new_total * 1e6:12.1f} {'':12}"
    print(f"{total} {naive_total / new_total:11.0f}x")
    print(
        f"p50 of {rounds} naive and {samples} other renders; 'new' renders a deployment never rendered\n"
        "before (new name, endpoint, key); outputs are identical on both paths"
    )
    return {"ratio": naive_total / new_total, "repeat": statistics.median(repeats)}


# ---------------------------------------------------------------- the worst request

BODY_LIMIT = 1024 * 1024
"""The service's request body limit: the worst request is the worst one under it."""
WORST_PANEL_BYTES = 768_000
WORST_RENDER_SECONDS = 0.1


def _max_length(field: str) -> int:
    return next(m.max_length for m in Deployment.model_fields[field].metadata if hasattr(m, "max_length"))


def worst_request(*, longest_values: bool = False) -> dict:
    """The `POST /v1/panel` body that costs most under the space budgets and the body limit:
    a PettingZoo deployment at every budget at once. Each agent's id takes its full share of
    the name budget; each observation is a float64 array with per-element bounds (the most
    numbers to validate) that leave one value, 1.0 (built from its 8 bytes in curl), with
    distinct shapes (so distinct .npy headers); agent 0's instead lists its values one by one
    (no single value fits its bounds), each with the longest float64 text; every agent has an
    action mask of its own size and an env-defined action; the name is as long as allowed.

    `longest_values`: the largest panel instead of the slowest request: each array's one
    value has the longest float64 text, so its bounds are numbers (lists of it would pass
    the body limit)."""
    from ..spaces import MAX_AGENT_ID_LENGTH, MAX_AGENTS, MAX_ELEMENTS, MAX_LISTED_ELEMENTS

    agents = [f"agent_{i:02d}".ljust(MAX_AGENT_ID_LENGTH, "x") for i in range(MAX_AGENTS)]
    listed = [-(1 + i / MAX_LISTED_ELEMENTS) * 1.2345678901234567e-300 for i in range(MAX_LISTED_ELEMENTS)]
    # Distinct sizes, filling the element budget exactly.
    sizes = [(MAX_ELEMENTS - len(listed)) // (MAX_AGENTS - 1) - i for i in range(MAX_AGENTS - 1)]
    sizes[0] += MAX_ELEMENTS - len(listed) - sum(sizes)
    observation: dict[str, dict[str, object]] = {
        agent: {"type": "Box", "shape": [n], "dtype": "float64", "low": [1] * n, "high": [1] * n}
        for agent, n in zip(agents[1:], sizes, strict=True)
    }
    if longest_values:
        for space in observation.values():
            space["low"] = space["high"] = -1.2345678901234567e-300
    observation = {
        agents[0]: {"type": "Box", "shape": [len(listed)], "dtype": "float64", "low": listed, "high": listed},
        **observation,
    }
    actions = {
        agent: {"type": "Discrete", "n": MAX_ELEMENTS // MAX_AGENTS - i} for i, agent in enumerate(agents)
    }
    deployment = {
        "name": "n" * _max_length("name"),
        "algorithm": "MADDPG",
        "env_type": "pettingzoo",
        "endpoint": "https://agents.example.com/".ljust(MAX_ENDPOINT_LENGTH, "e"),
        "api_key": "fake-key-".ljust(MAX_KEY_LENGTH, "0"),
        "agents": agents,
        "observation_space": observation,
        "action_space": actions,
        "action_mask": True,
        "env_defined_actions": True,
    }
    return {"deployment": deployment, "profile": "documented"}


def worst(samples: int, *, longest_values: bool = False) -> dict[str, float]:
    body = worst_request(longest_values=longest_values)
    size = len(json.dumps(body).encode())
    if size > BODY_LIMIT:
        raise BenchError(f"the worst request is {size} bytes, over the {BODY_LIMIT}-byte body limit")
    deployment = Deployment.model_validate_json(json.dumps(body["deployment"]))
    profile = body["profile"]
    start = time.perf_counter()
    render_panel(fresh(deployment), profile=profile)
    first = time.perf_counter() - start
    fresh_ones = [fresh(deployment) for _ in range(min(samples, 200))]
    new = p50_each(partial(render_panel, profile=profile), fresh_ones)
    validate = p50(partial(Deployment.model_validate_json, json.dumps(body["deployment"])), 20)
    panel_bytes = len(render_panel(fresh(deployment), profile=profile).model_dump_json().encode())
    label = "worst_request(longest_values=True)" if longest_values else "worst_request()"
    print(
        f"{label:36} new values {new * 1e3:6.1f} ms  panel {panel_bytes:,} bytes  "
        f"(body {size:,} bytes; validation {validate * 1e3:.1f} ms; new shape, black: {first * 1e3:.0f} ms)"
    )
    return {"worst_new": new, "worst_bytes": panel_bytes}
