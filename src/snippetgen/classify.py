"""Algorithm name + environment type → situation, from the rule table's data."""

from __future__ import annotations

import re

from .rules import EnvType, Situation, rule_table


class ClassificationError(ValueError):
    """The algorithm belongs to a family that does not run on the given env type."""


def _key(name: str) -> str:
    # "Rainbow DQN", "rainbow_dqn" and "RainbowDQN" are one algorithm.
    return re.sub(r"[^0-9a-z]", "", name.lower())


def classify(algorithm: str, env_type: EnvType) -> Situation:
    """The situation a deployment's snippets are written for.

    A listed algorithm decides; a name containing a situation's `name_contains`
    (Recurrent PPO is detected by name) comes next; an unknown algorithm falls
    back to its env type's family. An algorithm listed for another env type is
    a contradiction and raises ClassificationError naming both.
    """
    situations = rule_table().situations
    key = _key(algorithm)
    for situation, rule in situations.items():
        if key in {_key(a) for a in rule.algorithms}:
            if rule.env_type != env_type:
                raise ClassificationError(
                    f"algorithm {algorithm!r} is a {rule.title} algorithm, which runs "
                    f"on env_type {rule.env_type!r}, but env_type is {env_type!r}"
                )
            return situation
    for situation, rule in situations.items():
        if rule.name_contains and rule.name_contains in key and rule.env_type == env_type:
            return situation
    for situation, rule in situations.items():
        if rule.fallback and rule.env_type == env_type:
            return situation
    raise ClassificationError(f"no situation handles env_type {env_type!r}")
