"""Algorithm + env type → situation (SPEC §4), from the rule table's data."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from snippetgen import ClassificationError, Deployment, classify


@pytest.mark.parametrize(
    "algorithm, env_type, situation",
    [
        ("PPO", "gym", "gym"),
        ("DQN", "gym", "gym"),
        ("Rainbow DQN", "gym", "gym"),
        ("rainbow_dqn", "gym", "gym"),
        ("TD3", "gym", "gym"),
        ("RecurrentPPO", "gym", "recurrent_ppo"),
        ("Recurrent PPO", "gym", "recurrent_ppo"),
        ("MyRecurrentA2C", "gym", "recurrent_ppo"),
        ("MADDPG", "pettingzoo", "pettingzoo"),
        ("MATD3", "pettingzoo", "pettingzoo"),
        ("IPPO", "pettingzoo", "pettingzoo"),
        ("GRPO", "llm", "llm"),
        ("DPO", "llm", "llm"),
        ("SFT", "llm", "llm"),
        ("LLMPPO", "llm", "llm"),
        ("LLMReinforce", "llm", "llm"),
        ("GSPO", "llm", "llm"),
        ("CISPO", "llm", "llm"),
        ("Supervised", "supervised", "supervised"),
        ("LatentPPO", "gym", "latent_ppo"),
    ],
)
def test_known_algorithms(algorithm, env_type, situation):
    assert classify(algorithm, env_type) == situation


@pytest.mark.parametrize(
    "env_type, situation",
    [("gym", "gym"), ("pettingzoo", "pettingzoo"), ("llm", "llm"), ("supervised", "supervised")],
)
def test_unknown_algorithm_falls_back_to_env_family(env_type, situation):
    assert classify("BrandNewAlgo", env_type) == situation


@pytest.mark.parametrize(
    "algorithm, env_type",
    [("GRPO", "gym"), ("PPO", "llm"), ("MADDPG", "gym"), ("LatentPPO", "supervised"), ("DQN", "pettingzoo")],
)
def test_contradiction_names_both(algorithm, env_type):
    with pytest.raises(ClassificationError) as info:
        classify(algorithm, env_type)
    assert repr(algorithm) in str(info.value) and repr(env_type) in str(info.value)


def test_contradiction_is_a_validation_error_of_the_deployment():
    with pytest.raises(ValidationError, match="'GRPO'.*'gym'"):
        Deployment(name="x", algorithm="GRPO", env_type="gym")
