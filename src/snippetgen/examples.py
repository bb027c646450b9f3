"""Built-in example deployments, one per situation, for previews, docs and the sandbox."""

from __future__ import annotations

from .deployment import Deployment
from .rules import Situation

_HOST = "https://arena.example.com/deployments"

_EXAMPLES: dict[Situation, dict] = {
    "gym": {
        "name": "cartpole-ppo",
        "algorithm": "PPO",
        "env_type": "gym",
        "env_id": "CartPole-v1",
        "observation_space": {"type": "Box", "shape": [4], "dtype": "float32"},
        "action_space": {"type": "Discrete", "n": 2},
    },
    "recurrent_ppo": {
        "name": "cartpole-recurrent",
        "algorithm": "RecurrentPPO",
        "env_type": "gym",
        "env_id": "CartPole-v1",
        "observation_space": {"type": "Box", "shape": [4], "dtype": "float32"},
        "action_space": {"type": "Discrete", "n": 2},
    },
    "pettingzoo": {
        "name": "rps-ippo",
        "algorithm": "IPPO",
        "env_type": "pettingzoo",
        "env_id": "pettingzoo.classic.rps_v2",
        "agents": ["player_0", "player_1"],
        "observation_space": {
            "player_0": {"type": "Discrete", "n": 4},
            "player_1": {"type": "Discrete", "n": 4},
        },
        "action_space": {
            "player_0": {"type": "Discrete", "n": 3},
            "player_1": {"type": "Discrete", "n": 3},
        },
        "action_mask": True,
        "env_defined_actions": True,
    },
    "llm": {
        "name": "gsm8k-grpo",
        "algorithm": "GRPO",
        "env_type": "llm",
        "page": "advanced_training",
    },
    "supervised": {
        "name": "digits-classifier",
        "algorithm": "Supervised",
        "env_type": "supervised",
        "page": "advanced_training",
        "observation_space": {"type": "Box", "shape": [8, 8], "dtype": "float32", "low": 0, "high": 16},
    },
    "latent_ppo": {
        "name": "pendulum-latent",
        "algorithm": "LatentPPO",
        "env_type": "gym",
        # Pendulum needs no compiled extra (LunarLander needs Box2D).
        "env_id": "Pendulum-v1",
        "observation_space": {
            "type": "Box",
            "shape": [3],
            "dtype": "float32",
            "low": [-1.0, -1.0, -8.0],
            "high": [1.0, 1.0, 8.0],
        },
    },
}


def example_deployment(situation: Situation, **overrides) -> Deployment:
    """The built-in example deployment of one situation, with fake credentials."""
    data = _EXAMPLES[situation]
    fields = {
        "endpoint": f"{_HOST}/{data['name']}",
        "api_key": f"example-key-{data['name']}-0000",
        **data,
        **overrides,
    }
    return Deployment.model_validate(fields)


def examples(**overrides) -> list[Deployment]:
    """One example deployment per situation, in the page's order."""
    return [example_deployment(situation, **overrides) for situation in _EXAMPLES]
