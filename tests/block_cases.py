"""arena-snippet blocks that are wrong, and what the error must say: shared by the plugin and fence tests."""

from __future__ import annotations

BAD_BLOCKS = [
    ("situation: [gym\ntabs: x", "invalid YAML"),
    ("situation: gym\nsecret_sauce: 1", "unknown key 'secret_sauce'"),
    ("situation: gymm", "unknown situation 'gymm'; choose one of: gym"),
    ("situation: gym\nlanguages: [cobol]", "unknown language 'cobol'"),
    ("situation: gym\nprofile: nope", "unknown profile 'nope'"),
    ("situation: gym\nname: no", "name: Input should be a valid string (quote the value in YAML)"),
    ("situation: gym\napi_key: abc", "'api_key' does not belong in a docs page"),
    (
        "situation: gym\nobservation_space: {type: Discrete}",
        "observation_space.Discrete.n: Field required",
    ),
    ("", "empty arena-snippet block"),
    ("- gym", "holds `key: value` lines"),
    ("tabs: [arena_cli]", "say which snippets"),
    ("situation: gym\nsituation: llm", "duplicate key 'situation'"),
    ("? [a, b]\n: c", "a key must be a plain word"),
    (
        "situation: gym\ntabs: [chat_playground]",
        "tab 'chat_playground' is not shown for situation 'gym'",
    ),
    ("situation: gym\ntabs: arena_cli\nlanguages: curl", "tab 'arena_cli' has no snippet in curl"),
    ("situation: gym\nalgorithm: PPO", "give either `situation:` or `algorithm:` + `env_type:`"),
    ("algorithm: PPO\nenv_type: atari", "env_type: Input should be"),
]
