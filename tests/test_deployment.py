"""The Deployment model: what it accepts, and errors that name the field but never the key."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from snippetgen import Deployment

FAKE_KEY = "fake-key-0123456789abcdef"
BASE = {"name": "agent", "algorithm": "PPO", "env_type": "gym"}


def make(**fields) -> Deployment:
    return Deployment(**{**BASE, **fields})


def error_of(**fields) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        make(**fields)
    return info.value


def test_minimal_deployment_has_page_defaults():
    d = make()
    assert (d.status, d.connected, d.page, d.endpoint, d.api_key) == ("Deployed", True, "classic_rl", None, None)
    assert d.situation == "gym"


def test_json_input_is_validated_like_python_input():
    text = json.dumps({**BASE, "api_key": FAKE_KEY, "endpoint": "https://arena.example.com/d"})
    deployment = Deployment.model_validate_json(text)
    assert deployment == make(api_key=FAKE_KEY, endpoint="https://arena.example.com/d")
    assert deployment.api_key is not None and deployment.api_key.get_secret_value() == FAKE_KEY
    with pytest.raises(ValidationError) as info:
        Deployment.model_validate_json(json.dumps({**BASE, "api_key": f"{FAKE_KEY} x"}))
    assert [e["loc"] for e in info.value.errors()] == [("api_key",)]
    assert FAKE_KEY not in str(info.value.errors()) and FAKE_KEY not in str(info.value)


def test_frozen_and_unknown_fields_rejected():
    d = make()
    with pytest.raises(ValidationError):
        d.name = "other"
    assert error_of(colour="blue").errors()[0]["loc"] == ("colour",)


@pytest.mark.parametrize(
    "endpoint, expected",
    [
        ("https://agent.example.com/", "https://agent.example.com"),
        ("http://127.0.0.1:8000/d/1//", "http://127.0.0.1:8000/d/1"),
        ("https://agent.example.com/v1/deploy", "https://agent.example.com/v1/deploy"),
    ],
)
def test_endpoint_normalized(endpoint, expected):
    assert make(endpoint=endpoint).endpoint == expected


@pytest.mark.parametrize(
    "endpoint, message",
    [
        ("ftp://agent.example.com", "http:// or https://"),
        ("agent.example.com", "http:// or https://"),
        ("https://user:pw@agent.example.com", "user info"),
        ("https://agent.example.com/?a=1", "query"),
        ("https://agent.example.com/#top", "fragment"),
        ("https://agent.example.com/a b", "whitespace"),
        (" https://agent.example.com", "whitespace"),
        ("https:///path", "host"),
    ],
)
def test_bad_endpoint_named(endpoint, message):
    error = error_of(endpoint=endpoint)
    assert error.errors()[0]["loc"] == ("endpoint",)
    assert message in str(error)


def test_api_key_is_secret_everywhere():
    d = make(api_key=FAKE_KEY, endpoint="https://a.example.com")
    assert FAKE_KEY not in repr(d)
    assert FAKE_KEY not in str(d)
    assert FAKE_KEY not in d.model_dump_json()
    assert d.api_key.get_secret_value() == FAKE_KEY


@pytest.mark.parametrize("bad_key", ["has space-0123456789", "new\nline-0123456789", "ключ-0123456789"])
def test_bad_api_key_error_does_not_show_it(bad_key):
    error = error_of(api_key=bad_key)
    assert error.errors()[0]["loc"] == ("api_key",)
    assert bad_key not in str(error)
    assert bad_key not in repr(error.errors())


def test_errors_of_other_fields_do_not_show_the_key():
    error = error_of(api_key=FAKE_KEY, endpoint="ftp://x", status="Sleeping")
    assert {e["loc"][0] for e in error.errors()} == {"endpoint", "status"}
    assert FAKE_KEY not in str(error)


@pytest.mark.parametrize(
    "field, value",
    [
        ("name", ""),
        ("name", "   "),
        ("name", "a\x00b"),
        ("algorithm", ""),
        ("env_type", "atari"),
        ("status", "Running"),
        ("page", "home"),
        ("connected", "maybe"),
    ],
)
def test_bad_field_named(field, value):
    assert error_of(**{field: value}).errors()[0]["loc"][0] == field


def test_hostile_name_is_just_data():
    name = 'x"; rm -rf ~; "\n$(touch pwned)`id`\t☃'
    assert make(name=name).name == name


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "agent\x1b[201~\x15echo PWNED\r", "U+001B (a control character), found at index 5"),
        ("name", "agent\u202ex", "U+202E RIGHT-TO-LEFT OVERRIDE (a bidi control), found at index 5"),
        ("name", "a\x00b", "U+0000 (a control character), found at index 1"),
        ("algorithm", "PPO\u200b", "U+200B ZERO WIDTH SPACE (a zero-width character), found at index 3"),
        ("endpoint", "https://a.example.com/\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE (a byte order mark)"),
        ("env_id", "Cart\x7fPole-v1", "U+007F (a control character), found at index 4"),
    ],
)
def test_code_points_a_terminal_acts_on_are_refused(field, value, message):
    """Paste-safe: the field and the code point named, the value never shown (see test_paste_safe.py)."""
    error = error_of(**{field: value}, api_key=FAKE_KEY)
    assert [e["loc"] for e in error.errors()] == [(field,)]
    assert f"must not contain {message}" in str(error) and FAKE_KEY not in str(error) and value not in str(error)


@pytest.mark.parametrize(
    "space",
    [
        {"type": "Box", "shape": [4], "dtype": "float32"},
        {"type": "Box", "shape": [2, 3], "low": 0, "high": [[1, 2, 3], [4, 5, 6]]},
        {"type": "Discrete", "n": 3},
        {"type": "MultiDiscrete", "nvec": [3, 2]},
        {"type": "MultiBinary", "n": 4},
        {"type": "Dict", "spaces": {"pos": {"type": "Box", "shape": [2]}, "id": {"type": "Discrete", "n": 5}}},
        {"type": "Tuple", "spaces": [{"type": "Discrete", "n": 2}, {"type": "MultiBinary", "n": [2, 2]}]},
    ],
)
def test_observation_spaces_accepted(space):
    assert make(observation_space=space).observation_space is not None


@pytest.mark.parametrize(
    "space, fragment",
    [
        ({"type": "Box", "shape": [0]}, "greater than or equal to 1"),
        ({"type": "Box", "shape": [2], "dtype": "complex64"}, "dtype"),
        ({"type": "Box", "shape": [2], "low": [0, 0, 0]}, "low has shape"),
        ({"type": "Box", "shape": [1], "low": 2, "high": 1}, "low must not exceed high"),
        ({"type": "Discrete", "n": 0}, "greater than or equal to 1"),
        ({"type": "Graph"}, "type"),
        ({"type": "Dict", "spaces": {}}, "at least 1"),
    ],
)
def test_bad_observation_space(space, fragment):
    error = error_of(observation_space=space)
    assert error.errors()[0]["loc"][0] == "observation_space"
    assert fragment in str(error)


def test_pettingzoo_spaces_are_per_agent():
    spaces = {"a": {"type": "Discrete", "n": 3}, "b": {"type": "Discrete", "n": 3}}
    d = Deployment(name="x", algorithm="IPPO", env_type="pettingzoo", observation_space=spaces)
    assert d.agent_ids == ("a", "b")
    assert "mapping of agent id" in str(
        pytest.raises(ValidationError, Deployment, name="x", algorithm="IPPO", env_type="pettingzoo",
                      observation_space={"type": "Discrete", "n": 3}).value
    )
    assert "single space" in str(error_of(observation_space=spaces))
    with pytest.raises(ValidationError, match="must match agents"):
        Deployment(name="x", algorithm="IPPO", env_type="pettingzoo", observation_space=spaces, agents=["a"])


def test_env_id_shapes():
    assert make(env_id="ALE/Pong-v5").env_id == "ALE/Pong-v5"
    assert "CartPole-v1" in str(error_of(env_id="Cart Pole"))
    with pytest.raises(ValidationError, match="rps_v2"):
        Deployment(name="x", algorithm="IPPO", env_type="pettingzoo", env_id="pettingzoo/classic")


def test_pettingzoo_facts_only_for_pettingzoo():
    assert "pettingzoo deployments only" in str(error_of(env_defined_actions=True))
    assert "pettingzoo deployments only" in str(error_of(agents=["a"]))


def test_a_space_and_a_mapping_of_agents_are_told_apart_by_type():
    from snippetgen.spaces import Box

    box = {"type": "Box", "shape": [2]}
    single = Deployment(name="n", algorithm="PPO", env_type="gym", observation_space=Box.model_validate(box))
    assert isinstance(single.observation_space, Box)
    agents = Deployment(name="n", algorithm="MADDPG", env_type="pettingzoo", observation_space={"a": box})
    assert isinstance(agents.observation_space, dict) and isinstance(agents.observation_space["a"], Box)
    with pytest.raises(ValidationError, match="type"):
        Deployment(name="n", algorithm="PPO", env_type="gym", observation_space={"type": "Nope"})
