"""The default render path equals black over the whole text, and keeps black, Jinja and
numpy off the hot path.

- `NAME = "text"` lines written by assignment.py equal black's, over thousands of values;
- random deployments render byte-equal through the default path and `black_cache=False`;
- after warm-up, new values render with `black.format_str` raising;
- a new process renders from the skeletons on disk without importing black or numpy,
  and those skeletons never hold a deployment's name, endpoint or key;
- an identical request is answered from memory, and two requests share a memo key
  exactly when everything they render from is equal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import black
import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snippetgen import Deployment, Placeholders, render_panel, render_snippet
from snippetgen.assignment import _width_table, assignment
from snippetgen.caches import DiskStore
from snippetgen.examples import example_deployment, examples
from snippetgen.context import DEFAULT_PROMPT, Request, _exact_json
from snippetgen.render import renderer
from snippetgen.rules import TEMPLATE_DIR
from snippetgen.skeletons import build, environment
from snippetgen.rules import SITUATIONS, rule_table
from snippetgen.spaces import MAX_AGENT_ID_LENGTH
from snippetgen.unsafe import PATTERN as UNSAFE
from space_cases import SPACES

KEY_DISPLAYS = ("masked", "env", "placeholders")
PROFILES = tuple(rule_table().profiles)
CODE_CELLS = sorted({(tab, language, variant) for _, _, tab, language, variant in rule_table().all_cells()})


def black_line(name: str, text: str) -> str:
    return black.format_str(f"{name} = {text!r}\n", mode=black.Mode()).rstrip("\n")


# ---------------------------------------------------------------- constant lines

_SPECIAL = [*"'\"\\ \n\t\r\x00\x1b\x7f\u2028\u3042\u4e00\u0301é€ａ", "\U0001f680", "\\'", "'''", '"""']
_CHUNKS = st.one_of(
    st.sampled_from(_SPECIAL),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=10),
    st.integers(1, 90).map(lambda n: "x" * n),
    st.integers(1, 45).map(lambda n: "名" * n),
)
texts = st.lists(_CHUNKS, max_size=8).map("".join)
constant_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,90}", fullmatch=True)


@settings(max_examples=3000, deadline=None, derandomize=True, database=None)
@given(constant_names, texts)
def test_a_constant_line_is_what_black_writes(name, text):
    assert assignment(name, text) == black_line(name, text)


@pytest.mark.parametrize("name", ["A", "API_KEY", "DEPLOYMENT_NAME", "N" * 40, "N" * 83, "N" * 90])
@pytest.mark.parametrize("unit", ["a", "名", "🚀", "é", "\u0301", "'", '"', "\\", "\n"])
def test_constant_lines_around_the_line_length(name, unit):
    # Widths from just under to just over 88 columns, for the line and for the value alone.
    for count in range(30, 96):
        for tail in ("", "'", '"'):
            text = unit * count + tail
            assert assignment(name, text) == black_line(name, text), (name, text)


def test_the_width_table_is_blacks_own():
    from black._width_table import WIDTH_TABLE

    assert _width_table()[1] == sorted(tuple(row) for row in WIDTH_TABLE)


# ---------------------------------------------------------------- random deployments

_TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
hostile = st.lists(
    st.one_of(
        st.sampled_from(["'", '"', "\\", "\n", "$(x)", "`x`", "名前", "🚀", "\u2028", "x" * 90]),
        st.just("_SNIPPETGEN_SLOT_"),
        st.text(_TEXT, max_size=8),
    ),
    min_size=1,
    max_size=6,
).map("".join)
# Deployment refuses unsafe.py's code points in names and agent ids; prompts keep them.
safe_text = hostile.map(lambda s: UNSAFE.sub("", s))
names = safe_text.filter(lambda s: s.strip() and len(s) <= 1000)
keys = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=60)
endpoints = st.builds(
    lambda host, path: f"https://{host}.example.com/{path}",
    st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9._~/-]{0,120}", fullmatch=True),
)
spaces = st.sampled_from(sorted(SPACES)).map(SPACES.__getitem__)
agent_ids = st.lists(
    st.from_regex(r"[a-z_]{1,8}_[0-9]", fullmatch=True)
    | safe_text.filter(lambda s: len(s) <= MAX_AGENT_ID_LENGTH),
    min_size=1,
    max_size=3,
    unique=True,
)


@st.composite
def deployments(draw):
    situation = draw(st.sampled_from(SITUATIONS))
    base = example_deployment(situation)
    fields = {
        "name": draw(names),
        "algorithm": base.algorithm,
        "env_type": base.env_type,
        "endpoint": draw(endpoints),
        "api_key": draw(keys),
        "page": base.page,
        "status": draw(st.sampled_from(["Deployed", "Pending", "Failed"])),
    }
    if situation == "pettingzoo":
        agents = draw(agent_ids)
        fields["agents"] = agents
        fields["observation_space"] = {agent: draw(spaces) for agent in agents}
        n = st.integers(1, 5)
        fields["action_space"] = {agent: {"type": "Discrete", "n": draw(n)} for agent in agents}
        fields["action_mask"] = draw(st.booleans())
        fields["env_defined_actions"] = draw(st.booleans())
        fields["env_id"] = draw(st.sampled_from([None, "pettingzoo.classic.rps_v2"]))
    elif situation != "llm":
        fields["observation_space"] = draw(st.none() | spaces)
        fields["env_id"] = draw(st.sampled_from([None, "CartPole-v1", "ALE/Pong-v5"]))
        if situation != "supervised":
            fields["action_space"] = {"type": "Discrete", "n": 2}
            fields["action_mask"] = draw(st.booleans())
    return Deployment.model_validate(fields)


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    deployment=deployments(),
    profile=st.sampled_from(PROFILES),
    key_display=st.sampled_from(KEY_DISPLAYS),
    cell=st.sampled_from(CODE_CELLS),
    prompt=st.none() | hostile,
    placeholders=st.sampled_from([None, Placeholders(name="N", endpoint="https://d.example.com", obs="<O>")]),
)
def test_random_deployments_render_as_black_over_the_whole_text(
    deployment, profile, key_display, cell, prompt, placeholders
):
    tab, language, variant = cell
    if variant not in rule_table().variants_of(deployment.situation, tab):
        return
    options = {"language": language, "profile": profile, "key_display": key_display, "prompt": prompt}
    options["variant"] = variant
    options["placeholders"] = placeholders
    fast = render_snippet(deployment, tab, **options)
    naive = render_snippet(deployment, tab, black_cache=False, **options)
    assert fast.code == naive.code
    assert fast.copy_code == naive.copy_code
    assert fast == naive


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(deployments(), st.sampled_from(PROFILES), st.sampled_from(KEY_DISPLAYS), st.booleans())
def test_random_panels_render_as_the_naive_path(deployment, profile, key_display, connected):
    deployment = deployment.model_copy(update={"connected": connected})
    options = {"profile": profile, "key_display": key_display}
    assert render_panel(deployment, **options) == render_panel(deployment, black_cache=False, **options)


# ---------------------------------------------------------------- black off the hot path


def _new_values(deployment: Deployment, n: int) -> Deployment:
    values = ["x", "名前 🚀 " * 12, "q'\"\\" * 30, "y" * 75, f"dep-{n}"]
    value = values[n % len(values)]
    return Deployment.model_validate(
        {
            **deployment.model_dump(exclude={"api_key"}),
            "name": f"{value}-{n}",
            "endpoint": f"https://h{n}.example.com/" + "p" * (n * 7 % 90),
            "api_key": f"new-key-{n}-" + "k" * (n * 5 % 40),
        }
    )


def test_new_values_never_call_black_after_warm_up(monkeypatch):
    for deployment in examples():
        for profile in PROFILES:
            for key_display in KEY_DISPLAYS:
                render_panel(deployment, profile=profile, key_display=key_display)

    def refuse(*args, **kwargs):
        raise AssertionError("black.format_str was called")

    rendered = []
    with monkeypatch.context() as patch:
        patch.setattr(black, "format_str", refuse)
        for n, deployment in enumerate(examples()):
            for profile in PROFILES:
                for key_display in KEY_DISPLAYS:
                    new = _new_values(deployment, n * 10 + len(rendered))
                    prompt = f"a new prompt {n} ' \" \\ ☃ " + "p" * (len(rendered) % 80)
                    options = {"profile": profile, "key_display": key_display, "prompt": prompt}
                    rendered.append((new, options, render_panel(new, **options)))
    # And what they rendered is what black writes.
    for new, options, panel in rendered[::5]:
        assert panel == render_panel(new, black_cache=False, **options)


# ---------------------------------------------------------------- skeletons


def _skeleton(source: str, language="shell", data=None):
    env = environment(TEMPLATE_DIR)
    env.loader = jinja2.DictLoader({"t": source})
    return build(env, "t", language, data or {}, {"name": True, "api_key": True}, {})


def test_a_template_never_reads_a_value():
    for source in ("N={{ name.value|upper|sh }}\n", "K={{ api_key.value|sh }}\n"):
        with pytest.raises(jinja2.TemplateError, match="never reads it"):
            _skeleton(source)
    skeleton = _skeleton("N={{ name|sh }}\nK={{ api_key|sh }}\n")
    assert skeleton.fill({"name": "abc", "api_key": "k1"}) == "N='abc'\nK='k1'\n"


def test_a_prompt_inside_a_request_body_still_skips_jinja_for_new_names_and_keys(monkeypatch):
    llm = example_deployment("llm", name="prompt-body-1", api_key="a-long-key-for-masking-0001")
    render_snippet(llm, "manual_http", language="curl")
    template = renderer().env.get_template
    monkeypatch.setattr(renderer().env, "get_template", lambda *a, **k: pytest.fail("Jinja ran"))
    fresh = llm.model_copy(update={"name": "prompt-body-2"})
    got = render_snippet(fresh, "manual_http", language="curl")
    monkeypatch.setattr(renderer().env, "get_template", template)
    assert got == render_snippet(fresh, "manual_http", language="curl", black_cache=False)


def test_a_value_goes_through_one_filter_and_is_printed_once_per_filtering():
    with pytest.raises(jinja2.TemplateError, match="second filter"):
        _skeleton("N={{ name|json|sh }}\n")  # a literal of a literal
    assert _skeleton("N={{ name|sh }} {{ name|sh }}\n").fill({"name": "n", "api_key": "k"}) == "N='n' 'n'\n"
    with pytest.raises(jinja2.TemplateError, match="printed twice"):
        _skeleton("{% set n = name|sh %}N={{ n }} {{ n }}\n")  # one literal printed twice


def test_data_cannot_forge_a_slot():
    # Tokens carry a per-render secret: an agent id that looks like one stays text.
    skeleton = _skeleton("A={{ agent|sh }}\nN={{ name|sh }}\n", data={"agent": "_SNIPPETGEN_SLOT_0_"})
    assert skeleton is not None
    assert skeleton.fill({"name": "real"}) == "A='_SNIPPETGEN_SLOT_0_'\nN='real'\n"


def test_a_python_value_outside_a_constant_line_is_refused():
    with pytest.raises(jinja2.TemplateError, match="NAME = "):
        _skeleton("print({{ name|py }})\n", language="python")


def test_shown_and_copied_code_differ_only_in_the_key():
    deployment = example_deployment("gym", api_key="a-long-key-for-masking-1234")
    snippet = render_snippet(deployment, "manual_http", language="python")
    assert "a-long-key-for-masking-1234" in snippet.copy_code
    assert "a-long-key-for-masking-1234" not in snippet.code
    shown, copied = snippet.code.splitlines(), snippet.copy_code.splitlines()
    assert [i for i, (a, b) in enumerate(zip(shown, copied, strict=True)) if a != b] == [
        shown.index(next(line for line in shown if line.startswith("API_KEY = ")))
    ]


# ---------------------------------------------------------------- memo


def test_an_identical_request_is_answered_from_memory():
    deployment = example_deployment("pettingzoo")
    data = json.loads(deployment.model_dump_json())
    other = Deployment.model_validate({**data, "api_key": "another-key-0042"})
    first = render_panel(deployment)
    assert render_panel(deployment) is first
    assert render_panel(example_deployment("pettingzoo")) is first  # equal, not the same object
    other_key = render_panel(other)
    assert other_key is not first and "another-key-0042" in json.dumps(other_key.model_dump())
    assert render_snippet(deployment, "arena_cli") is render_snippet(deployment, "arena_cli")


def _exact(request: Request) -> tuple:
    """Everything a request's output depends on, as plain values."""
    deployment = request.deployment
    key = deployment.api_key.get_secret_value() if deployment.api_key else None
    rest = _exact_json().to_json(deployment, exclude={"api_key"})
    placeholders = tuple(request.placeholders.__dict__.values())
    return rest, key, request.profile, request.key_display, placeholders, request.prompt


_CHANGES = [
    {}, {"name": "other name"}, {"endpoint": "https://other.example.com"}, {"api_key": "fake-other-key-0001"},
    {"status": "Failed"}, {"connected": False}, {"env_id": None},
]
_OPTIONS = st.fixed_dictionaries(
    {
        "profile": st.sampled_from(PROFILES),
        "key_display": st.sampled_from(KEY_DISPLAYS),
        "prompt": st.sampled_from([None, DEFAULT_PROMPT, "another prompt"]),
        "placeholders": st.sampled_from([None, Placeholders(), Placeholders(name="N")]),
    }
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(deployments(), st.sampled_from(_CHANGES), _OPTIONS, st.none() | _OPTIONS)
def test_two_requests_share_a_key_exactly_when_everything_they_render_from_is_equal(
    deployment, change, options, other_options
):
    other = Deployment.model_validate({**deployment.model_dump(), **change})
    first, second = Request(deployment, **options), Request(other, **(other_options or options))
    assert (first.key == second.key) == (_exact(first) == _exact(second))
    # A shape is all of it but the slot values (name, endpoint, key, env id, prompt).
    values = {"name", "endpoint", "api_key", "env_id"}
    rest = [_exact_json().to_json(r.deployment, exclude=values) for r in (first, second)]
    same_shape = rest[0] == rest[1] and first.placeholders == second.placeholders
    assert (first.shape == second.shape) == (same_shape and first.slots == second.slots)


def test_nan_infinity_and_none_bounds_are_different_requests():
    box = {"type": "Box", "shape": [1], "dtype": "float32", "low": -1.0}
    bounds = [None, float("nan"), float("inf"), -0.0, 0.0]
    requests = [Request(example_deployment("supervised", observation_space={**box, "high": high})) for high in bounds]
    assert len({r.key for r in requests}) == len({r.shape for r in requests}) == len(bounds)


# ---------------------------------------------------------------- a new process


def _fresh_process(code: str, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SNIPPETGEN_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)


FIRST_PANEL = """
import json, sys
import snippetgen
from snippetgen.examples import example_deployment
from snippetgen.lazy import loaded
assert not {m for m in ("black", "numpy", "pygments") if loaded(m)}, "imported by import snippetgen"
deployment = example_deployment(
    "gym", name="disk-cache-name", api_key="disk-cache-key-0123456789", endpoint="https://disk.example.com/ep"
)
panel = snippetgen.render_panel(deployment)
ran = [m for m in ("black", "numpy") if loaded(m)]
print(json.dumps({"panel": panel.model_dump(mode="json"), "loaded": ran}))
"""


def test_a_new_process_renders_from_disk_without_black_or_numpy(tmp_path):
    first = _fresh_process(FIRST_PANEL, tmp_path)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["loaded"] == ["black", "numpy"]  # an empty cache: black formats
    second = _fresh_process(FIRST_PANEL, tmp_path)
    assert second.returncode == 0, second.stderr
    result = json.loads(second.stdout)
    assert result["loaded"] == []
    deployment = example_deployment("gym", name="disk-cache-name", api_key="disk-cache-key-0123456789",
                         endpoint="https://disk.example.com/ep")
    assert result["panel"] == render_panel(deployment, black_cache=False).model_dump(mode="json")
    entries = list(tmp_path.rglob("*.json"))
    assert entries
    for entry in entries:
        text = entry.read_text(encoding="utf-8")
        for value in ("disk-cache-name", "disk-cache-key-0123456789", "disk.example.com"):
            assert value not in text
    assert not list(tmp_path.rglob("*.tmp"))


def test_the_disk_store_never_fails_a_render(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    store = DiskStore(blocked / "cache", sources=[])
    store.put("k", {"texts": []})
    assert store.get("k") is None
    off = DiskStore(None, sources=[])
    off.put("k", {"texts": []})
    assert off.get("k") is None
    works = DiskStore(tmp_path / "cache", sources=[])
    works.put("k", {"texts": ["a"]})
    assert works.get("k") == {"texts": ["a"]}
    (next((tmp_path / "cache").rglob("*.json"))).write_text("{broken")
    assert works.get("k") is None


def test_a_reloaded_rule_table_starts_afresh():
    before = renderer()
    rule_table.cache_clear()  # what the MkDocs plugin does under `mkdocs serve`
    after = renderer()
    assert after is not before and after.table is rule_table()
    assert render_panel(example_deployment("gym")) == render_panel(example_deployment("gym"), black_cache=False)
