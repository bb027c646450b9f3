"""Algorithm name + environment type → situation, from the rule table's data."""

from __future__ import annotations

import re

from .rules import EnvType, RuleTable, Situation, rule_table


class ClassificationError(ValueError):
    """The algorithm belongs to a family that does not run on the given env type."""


_NOT_KEY = re.compile(r"[^0-9a-z]")


def _key(name: str) -> str:
    # "Rainbow DQN", "rainbow_dqn" and "RainbowDQN" are one algorithm.
    return _NOT_KEY.sub("", name.lower())


_index: tuple[RuleTable, dict[str, Situation]] | None = None


def _listed(table: RuleTable) -> dict[str, Situation]:
    """Each listed algorithm's key → its situation (the first listing wins), per rule table."""
    global _index
    if _index is None or _index[0] is not table:
        found: dict[str, Situation] = {}
        for situation, rule in table.situations.items():
            for algorithm in rule.algorithms:
                found.setdefault(_key(algorithm), situation)
        _index = (table, found)
    return _index[1]


def classify(algorithm: str, env_type: EnvType) -> Situation:
    """The situation a deployment's snippets are written for.

    A listed algorithm decides; a name containing a situation's `name_contains`
    (Recurrent PPO is detected by name) comes next; an unknown algorithm falls
    back to its env type's family. An algorithm listed for another env type is
    a contradiction and raises ClassificationError naming both.
    """
    table = rule_table()
    situations = table.situations
    key = _key(algorithm)
    listed = _listed(table).get(key)
    if listed is not None:
        rule = situations[listed]
        if rule.env_type != env_type:
            raise ClassificationError(
                f"algorithm {algorithm!r} is a {rule.title} algorithm, which runs "
                f"on env_type {rule.env_type!r}, but env_type is {env_type!r}"
            )
        return listed
    for situation, rule in situations.items():
        if rule.name_contains and rule.name_contains in key and rule.env_type == env_type:
            return situation
    for situation, rule in situations.items():
        if rule.fallback and rule.env_type == env_type:
            return situation
    raise ClassificationError(f"no situation handles env_type {env_type!r}")
