"""Paste-safe (SPEC §13): no code point a terminal acts on reaches pasted code raw.

Two layers, each checked on its own:

- `Deployment` refuses unsafe.py's code points in every field a snippet prints,
  naming the field and the code point, never the value;
- every literal filter escapes any it is handed, and what it writes still reads
  back to the value: run by python, bash and node, many literals per process.

The paste-jacking name below ends a bracketed paste (ESC[201~), clears the line
(^U) and runs what follows (CR) in a terminal that pastes it raw.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import types
import typing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, SecretStr, ValidationError

from snippetgen import Deployment, literals, render_snippet
from snippetgen.assignment import assignment
from snippetgen.examples import example_deployment
from snippetgen.rules import rule_table
from snippetgen.unsafe import PATTERN, UNSAFE, check, describe
from test_literals import go_read_back

FAKE_KEY = "fake-key-0123456789"
PASTE_JACK = "agent\x1b[201~\x15echo PWNED\r"
UNSAFE_CHARS = sorted(UNSAFE)
CELLS = sorted(rule_table().all_cells())


def raw_unsafe(text: str) -> list[str]:
    return sorted({describe(ch) for ch in text if ch in UNSAFE})


# ---------------------------------------------------------------- the one definition


def test_the_set_is_exactly_the_specs():
    expected = {
        *range(0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0),  # C0 but \t \n, DEL, C1
        *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C,  # bidi
        *range(0x200B, 0x200E), 0xFEFF, 0x2028, 0x2029,  # zero-width, BOM, separators
    }
    assert {ord(ch) for ch in UNSAFE} == expected
    assert "\n" not in UNSAFE and "\t" not in UNSAFE
    every = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF)
    assert {m.group() for m in PATTERN.finditer(every)} == UNSAFE


def test_errors_name_the_code_point_and_where_it_is():
    with pytest.raises(ValueError) as info:
        check("agent\u202ex")
    expected = "must not contain U+202E RIGHT-TO-LEFT OVERRIDE (a bidi control), found at index 5"
    assert str(info.value) == expected
    assert describe("\x1b") == "U+001B (a control character)"
    assert describe("\ufeff") == "U+FEFF ZERO WIDTH NO-BREAK SPACE (a byte order mark)"


# ---------------------------------------------------------------- Deployment refuses them

SPACE = {"type": "Discrete", "n": 3}


def pettingzoo(agent: str, **fields) -> dict:
    spaces = {"player_0": SPACE, agent: SPACE}
    return {"name": "rps", "algorithm": "IPPO", "env_type": "pettingzoo", "agents": ["player_0", agent],
            "observation_space": spaces, "action_space": spaces, **fields}


def gym(**fields) -> dict:
    return {"name": "agent", "algorithm": "PPO", "env_type": "gym", "api_key": FAKE_KEY, **fields}


def dict_space(key: str) -> dict:
    return {"type": "Dict", "spaces": {"pos": SPACE, key: SPACE}}


# Every place a Deployment holds text a snippet prints: (field, the deployment with `value`
# there, the message's prefix). The agent-id rows leave `agents` out, so only the mapping says it.
PLACES = {
    "name": ("name", lambda v: gym(name=v), ""),
    "algorithm": ("algorithm", lambda v: gym(algorithm="PPO" + v), ""),
    "endpoint": ("endpoint", lambda v: gym(endpoint="https://agent.example.com/" + v), ""),
    "env_id": ("env_id", lambda v: gym(env_id=v), ""),
    "agents": ("agents", lambda v: pettingzoo(v), "agent id 1 "),
    "observation_space agent id": (
        "observation_space", lambda v: {**pettingzoo(v), "agents": None}, "agent id 1 "
    ),
    "action_space agent id": (
        "action_space",
        lambda v: {**pettingzoo(v), "agents": None, "observation_space": None},
        "agent id 1 ",
    ),
    # An agent may be called "type": still a mapping of agents, still checked.
    "agent id beside an agent called type": (
        "observation_space",
        lambda v: {**pettingzoo(v), "agents": None, "observation_space": {"type": SPACE, v: SPACE}},
        "agent id 1 ",
    ),
    "observation_space Dict key": (
        "observation_space", lambda v: gym(observation_space=dict_space(v)), "key 1 "
    ),
    "action_space Dict key": ("action_space", lambda v: gym(action_space=dict_space(v)), "key 1 "),
}
# Offsets of the value inside the field, for the index an error gives.
OFFSET = {"algorithm": 3, "endpoint": len("https://agent.example.com/")}


@pytest.mark.parametrize("place", PLACES)
def test_the_paste_jacking_value_is_refused_naming_field_and_code_point(place):
    field, build, prefix = PLACES[place]
    with pytest.raises(ValidationError) as info:
        Deployment.model_validate(build(PASTE_JACK))
    errors = info.value.errors()
    index = OFFSET.get(place, 0) + 5
    expected = f"{prefix}must not contain U+001B (a control character), found at index {index}"
    assert any(e["loc"][0] == field and e["msg"] == f"Value error, {expected}" for e in errors), errors
    text = str(info.value)
    assert "PWNED" not in text and "fake-key" not in text and not raw_unsafe(text)


@pytest.mark.parametrize("place", PLACES)
def test_every_unsafe_code_point_is_refused_in_every_place(place):
    field, build, _ = PLACES[place]
    for char in UNSAFE_CHARS:
        with pytest.raises(ValidationError) as info:
            Deployment.model_validate(build(f"x{char}y"))
        assert any(e["loc"][0] == field and describe(char) in e["msg"] for e in info.value.errors()), (
            describe(char), info.value.errors())


@pytest.mark.parametrize("place", PLACES)
def test_newline_and_tab_stay_ordinary_text(place):
    field, build, _ = PLACES[place]
    if place in ("endpoint", "env_id"):
        # A URL and an env id had no room for them before: still refused, by their own rules.
        with pytest.raises(ValidationError) as info:
            Deployment.model_validate(build("a\nb\tc"))
        assert "U+" not in str(info.value)
    else:
        found = texts(Deployment.model_validate(build("a\nb\tc")).model_dump()[field])
        assert any(text.endswith("a\nb\tc") for text in found), found


def texts(value) -> set[str]:
    """Every string in a dumped field, keys included."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set(value).union(*map(texts, value.values()))
    if isinstance(value, (list, tuple)):
        return set().union(*map(texts, value))
    return set()


def _text_types(annotation, seen: set) -> set[str]:
    """Where free text can sit in a field's type: 'str', or the models that hold text."""
    if annotation is str:
        return {"str"}
    if annotation in (SecretStr, bool, int, float, type(None)) or isinstance(annotation, typing.TypeVar):
        return set()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return set()
        seen.add(annotation)
        found = set()
        hints = typing.get_type_hints(annotation, include_extras=True)
        for field in annotation.model_fields:
            found |= _text_types(hints[field], seen)
        return {annotation.__name__} if found else set()
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return set()
    if origin is typing.Annotated:
        return _text_types(typing.get_args(annotation)[0], seen)
    if annotation is list:
        return set()  # Box bounds: numbers, checked by float() (spaces.py)
    if origin in (typing.Union, types.UnionType, tuple, list, dict):
        found = set()
        for arg in typing.get_args(annotation):
            if arg is not Ellipsis:
                found |= _text_types(arg, seen)
        return found
    raise AssertionError(f"no rule for the type {annotation!r}: say whether it can hold text")


def test_every_field_that_can_hold_text_is_covered():
    """A new field that holds text (or a new space that holds keys) must join PLACES."""
    covered = {field for field, _, _ in PLACES.values()}
    hints = typing.get_type_hints(Deployment, include_extras=True)
    holding_text = {
        field: _text_types(hints[field], set())
        for field in Deployment.model_fields
        if field != "api_key"  # a Bearer token: visible ASCII only (test_deployment.py)
    }
    assert {field for field, kinds in holding_text.items() if kinds} == covered
    # Spaces hold text only as keys: Dict keys, and a pettingzoo mapping's agent ids.
    assert holding_text["observation_space"] == holding_text["action_space"] == {"str", "DictSpace"}


def test_the_api_key_is_visible_ascii_so_holds_none():
    for char in UNSAFE_CHARS:
        with pytest.raises(ValidationError):
            Deployment.model_validate(gym(api_key=f"fake{char}key"))


# ---------------------------------------------------------------- the filters escape them


def test_the_filters_escape_the_paste_jacking_value():
    assert literals.shell(PASTE_JACK) == "$'agent\\x1b[201~\\x15echo PWNED\\x0d'"
    assert literals.json(PASTE_JACK) == '"agent\\u001b[201~\\u0015echo PWNED\\r"'
    assert literals.javascript(PASTE_JACK) == '"agent\\u001b[201~\\u0015echo PWNED\\r"'
    assert literals.python(PASTE_JACK) == "'agent\\x1b[201~\\x15echo PWNED\\r'"
    escaped = '"agent\\u001b[201~\\u0015echo PWNED\\r"'
    assert literals.json({PASTE_JACK: [PASTE_JACK]}) == f"{{{escaped}: [{escaped}]}}"
    assert literals.javascript({"\u202e": "\u2066"}) == '{"\\u202e": "\\u2066"}'
    # Through a filter and then another, as OBS={{ obs|json|sh }} does.
    assert literals.shell(literals.json({"player\u202e": 1})) == "'{\"player\\u202e\": 1}'"
    # Values without them keep the plain single-quoted word.
    assert literals.shell("it's\na\tname") == "'it'\\''s\na\tname'"


def test_python_repr_escapes_every_unsafe_code_point():
    for char in UNSAFE_CHARS:
        for value in (char, f"a'{char}\"b", {char: [char]}):
            code = literals.python(value)
            assert not raw_unsafe(code) and ast.literal_eval(code) == value, describe(char)
        assert not raw_unsafe(assignment("NAME", f"x{char}" * 60)), describe(char)


@pytest.mark.parametrize("field", ["name", "endpoint", "env_id", "agent id"])
def test_unvalidated_values_reach_no_snippet_raw(field):
    """The filters alone, with Deployment's check bypassed: every cell, every code point."""
    text = "x" + "".join(UNSAFE_CHARS[1:]) + "y"  # all but NUL, which no shell word can hold
    if field == "agent id":
        base = example_deployment("pettingzoo")
        agents = ("player_0", text)
        update = {"agents": agents, **{
            space: {agent: getattr(base, space)["player_0"] for agent in agents}
            for space in ("observation_space", "action_space")
        }}
    else:
        base = example_deployment("pettingzoo" if field == "env_id" else "gym")
        update = {field: {"endpoint": "https://agent.example.com/" + text}.get(field, text)}
    deployment = base.model_copy(update=update)
    rendered = 0
    for profile, situation, tab, language, variant in CELLS:
        if situation != deployment.situation:
            continue
        for key_display in ("masked", "env"):
            options = {"language": language, "profile": profile, "key_display": key_display, "variant": variant}
            snippet = render_snippet(deployment, tab, **options)
            assert not raw_unsafe(snippet.code + snippet.copy_code), (profile, tab, language)
            rendered += 1
    assert rendered >= 8


# ---------------------------------------------------------------- executed: many literals per process

HOSTILE = ["'", '"', "\\", "\\'", "'\\''", "$(touch pwned)", "`id`", "${HOME}", "\n", "\t", "x", "名前", "🚀",
           "\\x1b", "\\u202e", "$'", "-", "--help", " ", "%s", "</script>", "\\n"]
UNSAFE_TEXT = st.sampled_from(UNSAFE_CHARS[1:])  # NUL: the shell refuses it (test_literals.py)
ANY_TEXT = st.text(max_size=4).map(lambda s: s.replace("\x00", ""))
PIECES = st.one_of(UNSAFE_TEXT, st.sampled_from(HOSTILE), ANY_TEXT)
values = st.lists(PIECES, min_size=1, max_size=8).map("".join)


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: run `bash tests/run.sh`"
    return path


def run(argv: list[str], source: str, directory: Path) -> str:
    script = directory / "values"
    script.write_text(source, encoding="utf-8")
    result = subprocess.run([*argv, str(script)], capture_output=True, timeout=120, cwd=directory,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(directory), "LC_ALL": "C"})
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    return result.stdout.decode("utf-8")


def executed(batch: list[str], directory: Path) -> dict[str, list]:
    """Each filter's literals of `batch`, read back by its language: one process each."""
    items = "".join(f"  {literals.python(v)},\n" for v in batch)
    python = f"import json\nprint(json.dumps([\n{items}]))\n"
    # Bash prints each word NUL-terminated, as it expanded it.
    bash = "printf '%s\\0' \\\n" + "".join(f"  {literals.shell(v)} \\\n" for v in batch) + "\n"
    node = (
        "const values = [\n" + "".join(f"  {literals.javascript(v)},\n" for v in batch) + "];\n"
        "const parsed = [\n" + "".join(f"  {literals.json(v)},\n" for v in batch) + "];\n"
        "console.log(JSON.stringify({values, parsed}));\n"
    )
    for source in (python, bash, node):
        assert not raw_unsafe(source), "a literal holds a code point raw"
    from_node = json.loads(run([tool("node")], node, directory))
    return {
        "python": json.loads(run([sys.executable], python, directory)),
        "bash": run([tool("bash")], bash, directory).split("\0")[:-1],
        "javascript": from_node["values"],
        "json (node)": from_node["parsed"],
        "json (python)": [json.loads(literals.json(v)) for v in batch],
    }


def test_every_unsafe_code_point_round_trips_through_every_language(tmp_path):
    batch = [
        text
        for char in UNSAFE_CHARS[1:]
        for text in (char, f"a{char}b", f"'{char}\\", f"{char}$(touch pwned)\n{char}", char * 3 + "名前")
    ] + [PASTE_JACK, "plain 'quoted' name"]
    for language, got in executed(batch, tmp_path).items():
        assert got == batch, language
    # Go once, over the same batch: its literals print the values' UTF-8.
    assert go_read_back(batch, tmp_path) == [text.encode("utf-8") for text in batch]
    assert not (tmp_path / "pwned").exists()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(batch=st.lists(values, min_size=1, max_size=60))
def test_hostile_text_round_trips_through_every_language(batch, tmp_path):
    for language, got in executed(batch, tmp_path).items():
        assert got == batch, language
    assert not (tmp_path / "pwned").exists()
