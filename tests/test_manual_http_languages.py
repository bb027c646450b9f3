"""Manual HTTP in every language runs as pasted against the sandbox.

Each snippet is saved to a file and run with the real interpreter (python, bash
with curl, node); the sandbox records what arrived, and the tests check the
token, the path, and the shape and dtype of every decoded array against the
deployment's space, for a table of spaces (tests/space_cases.py).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from pydantic import SecretStr

from snippetgen import Deployment, literals, render_snippet
from snippetgen.arrays import from_wire, header, js_headers, npy_base64, to_wire
from snippetgen.examples import examples
from snippetgen.render import ENVIRONMENT
from snippetgen.languages import LANGUAGES as DECLARED
from snippetgen.rules import rule_table
from snippetgen.sandbox import Sandbox
from snippetgen.spaces import example
import builds
import syntax
from toolchains import environment, runner, syntax_error
from space_cases import SPACES, batched_leaves, gymnasium_space

LANGUAGES = tuple(rule_table().tabs["manual_http"].languages)
INTERPRETERS = {language: runner(language) for language in LANGUAGES}
MANUAL_CELLS = sorted(
    {(p, s, lang) for p, s, tab, lang in rule_table().expected_cells() if tab == "manual_http"}
)
# Safety net against a hung interpreter, not a timing assertion.
RUN_LIMIT_SECONDS = 120
# Gymnasium warns when it rounds float16 bounds; the test spaces do that on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:.*precision lowered:UserWarning")
USER_KEY = "fake-user-key-0000"
FAKE = {"endpoint": "https://arena.invalid/deployment", "api_key": "fake-key-for-tests-0000"}
DISCRETE_4 = {"type": "Discrete", "n": 4}
RECURRENT_SPACES = ("box_bounded", "discrete_start", "dict", "tuple", "nested")
AGENTS = ("player_0", "player_1")


def space_deployments() -> list[Deployment]:
    """One deployment per (space, kind): gym, gym with a mask, recurrent, pettingzoo, predict."""
    made = []
    for name, space in SPACES.items():
        made.append(Deployment(name=f"gym {name}", algorithm="PPO", env_type="gym",
                               observation_space=space, action_space=DISCRETE_4, **FAKE))
        made.append(Deployment(name=f"predict {name}", algorithm="Supervised", env_type="supervised",
                               observation_space=space, **FAKE))
        made.append(Deployment(name=f"pettingzoo {name}", algorithm="IPPO", env_type="pettingzoo",
                               agents=AGENTS, observation_space={a: space for a in AGENTS},
                               action_space={a: DISCRETE_4 for a in AGENTS},
                               action_mask=True, env_defined_actions=True, **FAKE))
        if name in RECURRENT_SPACES:
            made.append(Deployment(name=f"recurrent {name}", algorithm="RecurrentPPO", env_type="gym",
                                   observation_space=space, action_space=DISCRETE_4, **FAKE))
    made.append(Deployment(name="gym masked", algorithm="DQN", env_type="gym", action_mask=True,
                           observation_space=SPACES["box_bounded"], action_space=DISCRETE_4, **FAKE))
    made.append(Deployment(name="pettingzoo mixed", algorithm="MADDPG", env_type="pettingzoo",
                           observation_space={"player_0": SPACES["nested"], "player_1": SPACES["box_int"]},
                           action_space={"player_0": DISCRETE_4, "player_1": {"type": "Discrete", "n": 2}},
                           action_mask=True, env_defined_actions=True, **FAKE))
    made.append(Deployment(name="latent", algorithm="LatentPPO", env_type="gym",
                           observation_space=SPACES["dict"], **FAKE))
    # Answers that are trees: a Dict action space, Tuple predictions.
    made.append(Deployment(name="gym dict action", algorithm="PPO", env_type="gym",
                           observation_space=SPACES["box_int"], action_space=SPACES["dict"], **FAKE))
    made.append(Deployment(name="predict tuple results", algorithm="Supervised", env_type="supervised",
                           observation_space=SPACES["box_bounded"], action_space=SPACES["tuple"], **FAKE))
    # An env that gives neither masks nor env-defined actions.
    made.append(Deployment(name="pettingzoo plain", algorithm="IPPO", env_type="pettingzoo", agents=AGENTS,
                           observation_space={a: SPACES["box_bounded"] for a in AGENTS},
                           action_space={a: DISCRETE_4 for a in AGENTS}, **FAKE))
    return made


SPACE_DEPLOYMENTS = {d.name: d for d in space_deployments()}
# A compiled language runs the table's gym row of every space (each dtype, shape and tree)
# and one deployment of each other kind: its array code does not depend on the situation,
# and every build costs a compile.
COMPILED_SPACE_TABLE = [
    *(name for name in SPACE_DEPLOYMENTS if name.startswith("gym ")),
    "predict box_bool", "predict tuple results", "pettingzoo mixed", "pettingzoo plain",
    "recurrent nested", "recurrent tuple", "latent",
]
SPACE_TABLE = [(name, language) for name in SPACE_DEPLOYMENTS for language in LANGUAGES
               if language not in builds.BUILDS or name in COMPILED_SPACE_TABLE]
EXAMPLES = examples()


@pytest.fixture(scope="module")
def space_sandbox():
    with Sandbox([*EXAMPLES, *SPACE_DEPLOYMENTS.values()], user_key=USER_KEY) as sb:
        yield sb


def run(code: str, language: str, directory: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """Save the snippet and run it with its real interpreter, in a clean environment."""
    filename = DECLARED[language].filename("manual_http")
    argv = builds.command(language, code, directory / filename)
    # No proxy variables: requests to 127.0.0.1 must not leave the machine.
    clean = {"PATH": os.environ["PATH"], "HOME": str(directory), "LANG": "C.UTF-8", **environment(language),
             **(env or {})}
    return subprocess.run(
        argv, cwd=directory, env=clean,
        capture_output=True, text=True, encoding="utf-8", timeout=RUN_LIMIT_SECONDS,
    )


def expected_arrays(deployment: Deployment) -> dict:
    """What the sandbox should decode from one call: dotted path -> (shape, dtype)."""
    suffix = rule_table().situations[deployment.situation].suffix
    field = "inputs" if suffix == "predict" else "obs"
    arrays = batched_leaves(example(deployment.observation_space), field)
    if deployment.action_mask:
        spaces = deployment.action_space
        if deployment.env_type == "pettingzoo":
            arrays |= {f"action_mask.{a}": ((1, spaces[a].n), "int8") for a in deployment.agent_ids}
        else:
            arrays["action_mask"] = ((1, spaces.n), "int8")
    if deployment.env_defined_actions:
        arrays |= {f"env_defined_actions.{a}": ((1,), "int64") for a in deployment.agent_ids}
    return arrays


def check_calls(sandbox, deployment: Deployment, result) -> list:
    """Every call answered 200 on the right path with the right token; returns the calls."""
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    calls = sandbox.received
    assert calls, "the snippet sent nothing"
    suffix = rule_table().situations[deployment.situation].suffix
    path = urlsplit(deployment.endpoint).path + "/" + suffix
    for call in calls:
        assert (call.method, call.path, call.status) == ("POST", path, 200), call.body
        assert call.deployment == deployment.name
        assert call.token == deployment.api_key.get_secret_value()
    return calls


def check_observations(deployment: Deployment, calls) -> None:
    """Every call carried the example observation: right shapes, dtypes, and in the space."""
    if deployment.observation_space is None:
        return
    suffix = rule_table().situations[deployment.situation].suffix
    field = "inputs" if suffix == "predict" else "obs"
    for call in calls:
        received = {k: v for k, v in call.arrays.items() if not k.startswith("hidden_state.")}
        assert received == expected_arrays(deployment)
        sent = from_wire(call.body[field])
        spaces = deployment.observation_space
        if deployment.env_type == "pettingzoo":
            for agent, space in spaces.items():
                assert gymnasium_space(space.model_dump()).contains(sent[agent])
        else:
            assert gymnasium_space(spaces.model_dump()).contains(sent)


def check_recurrent(calls) -> None:
    """The first call sends hidden_state null; each later one the previous answer's."""
    assert len(calls) >= 2
    assert calls[0].body["hidden_state"] is None
    for step, call in enumerate(calls[1:], start=1):
        # The sandbox answers ones, then adds one each step.
        hidden = from_wire(call.body["hidden_state"])
        assert set(hidden) == {"h", "c"} and all((hidden[k] == step).all() for k in hidden)


# ---------------------------------------------------------------- what the tests run


def cell_case(sandbox, cell, key_display):
    profile, situation, language = cell
    deployment = next(d for d in sandbox.deployments[: len(EXAMPLES)] if d.situation == situation)
    return deployment, render_snippet(deployment, "manual_http", language=language, profile=profile,
                                      key_display=key_display)


def space_case(sandbox, name, language):
    deployment = sandbox.deployment(name)
    return deployment, render_snippet(deployment, "manual_http", language=language)


def rejected_case(sandbox, language):
    deployment = sandbox.deployment("gym box_int")
    wrong = deployment.model_copy(update={"api_key": SecretStr("fake-wrong-key-0000")})
    return wrong, render_snippet(wrong, "manual_http", language=language)


@pytest.fixture(scope="module", autouse=True)
def _prebuilt(space_sandbox, hostile_sandbox):
    """Every snippet of a compiled language this module runs, built in one batch per language."""
    for language in set(LANGUAGES) & set(builds.BUILDS):
        cases = [cell_case(space_sandbox, cell, key_display)
                 for cell in MANUAL_CELLS if cell[2] == language for key_display in ("masked", "env")]
        cases += [space_case(space_sandbox, name, lang) for name, lang in SPACE_TABLE if lang == language]
        cases += [hostile_case(hostile_sandbox, situation, language, key_display)
                  for situation in ("gym", "llm") for key_display in ("masked", "env")]
        cases.append(rejected_case(space_sandbox, language))
        builds.prebuild(language, [snippet.copy_code for _, snippet in cases])


# ---------------------------------------------------------------- every cell, as pasted


@pytest.mark.parametrize("key_display", ["masked", "env"])
@pytest.mark.parametrize("cell", MANUAL_CELLS, ids="/".join)
def test_every_manual_http_cell_runs_as_pasted(cell, key_display, space_sandbox, tmp_path):
    profile, situation, language = cell
    deployment, snippet = cell_case(space_sandbox, cell, key_display)
    key = deployment.api_key.get_secret_value()
    env = {"ARENA_API_KEY": key} if key_display == "env" else {}
    space_sandbox.clear()
    result = run(snippet.copy_code, language, tmp_path, env)
    calls = check_calls(space_sandbox, deployment, result)
    check_observations(deployment, calls)
    if situation == "recurrent_ppo":
        check_recurrent(calls)
    if situation == "llm":
        assert calls[0].body["prompts"] == ["Write a haiku about reinforcement learning."]
        assert "Sandbox completion" in result.stdout


# ---------------------------------------------------------------- the table of spaces


@pytest.mark.parametrize(("name", "language"), SPACE_TABLE, ids=[f"{n}-{lang}" for n, lang in SPACE_TABLE])
def test_space_table_arrives_with_shapes_and_dtypes(name, language, space_sandbox, tmp_path):
    deployment, snippet = space_case(space_sandbox, name, language)
    space_sandbox.clear()
    calls = check_calls(space_sandbox, deployment, run(snippet.copy_code, language, tmp_path))
    check_observations(deployment, calls)
    if deployment.situation == "recurrent_ppo":
        check_recurrent(calls)


@pytest.mark.parametrize("language", LANGUAGES)
def test_pettingzoo_shows_the_optional_fields_and_leaves_them_out_as_the_client_does(
    language, space_sandbox, tmp_path
):
    deployment, snippet = space_case(space_sandbox, "pettingzoo plain", language)
    assert "action_mask" in snippet.code and "env_defined_actions" in snippet.code
    space_sandbox.clear()
    (call,) = check_calls(space_sandbox, deployment, run(snippet.copy_code, language, tmp_path))
    # The released client sends a field only when it has a value for it.
    assert set(call.body) == {"obs", "batch_size"}


# ---------------------------------------------------------------- hostile values

MARKER = "pwned"
# Deployment refuses U+2028 and its kin in a name (unsafe.py); the prompt keeps them.
HOSTILE_NAME = f"x\"; touch {MARKER}; \"\n$(touch {MARKER}) `touch {MARKER}` \\ ' 🦀 ${{HOME}}"
# A Bearer token is visible ASCII without spaces, so ${IFS} stands in for them.
HOSTILE_KEY = f"k'\"$(touch${{IFS}}{MARKER})`touch${{IFS}}{MARKER}`;\\|&<>{{}}!*?~#%^[]"
HOSTILE_PROMPT = (
    f"He said \"hi\" & 'bye'\n\\n is not a newline, $(touch {MARKER}) `touch {MARKER}` "
    "${HOME} 🦀 naïve \u2028\u2029\ttab\r\nend \\"
)


@pytest.fixture(scope="module")
def hostile_sandbox():
    hostile = [
        Deployment(name=HOSTILE_NAME + " gym", algorithm="PPO", env_type="gym", endpoint=FAKE["endpoint"],
                   api_key=HOSTILE_KEY, observation_space=SPACES["dict"]),
        Deployment(name=HOSTILE_NAME + " llm", algorithm="GRPO", env_type="llm", endpoint=FAKE["endpoint"],
                   api_key=HOSTILE_KEY),
    ]
    with Sandbox(hostile, user_key=USER_KEY) as sb:
        yield sb


def hostile_case(sandbox, situation, language, key_display):
    deployment = sandbox.deployment(f"{HOSTILE_NAME} {situation}")
    return deployment, render_snippet(deployment, "manual_http", language=language, key_display=key_display,
                                      prompt=HOSTILE_PROMPT)


@pytest.mark.parametrize("key_display", ["masked", "env"])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("situation", ["gym", "llm"])
def test_hostile_name_key_and_prompt_arrive_byte_for_byte(situation, language, key_display, hostile_sandbox, tmp_path):
    deployment, snippet = hostile_case(hostile_sandbox, situation, language, key_display)
    assert deployment.api_key.get_secret_value() == HOSTILE_KEY
    env = {"ARENA_API_KEY": HOSTILE_KEY} if key_display == "env" else {}
    hostile_sandbox.clear()
    calls = check_calls(hostile_sandbox, deployment, run(snippet.copy_code, language, tmp_path, env))
    if situation == "llm":
        assert [call.body["prompts"] for call in calls] == [[HOSTILE_PROMPT]]
    assert not (tmp_path / MARKER).exists(), "an injected command ran"


# ---------------------------------------------------------------- failures show the server's message


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_rejected_call_exits_non_zero_with_the_servers_message(language, space_sandbox, tmp_path):
    _, snippet = rejected_case(space_sandbox, language)
    result = run(snippet.copy_code, language, tmp_path)
    assert result.returncode != 0
    assert "Invalid or expired API key" in result.stdout + result.stderr


# ---------------------------------------------------------------- no space: a marked placeholder

NO_SPACE = [
    Deployment(name="no space gym", algorithm="PPO", env_type="gym", **FAKE),
    Deployment(name="no space recurrent", algorithm="RecurrentPPO", env_type="gym", **FAKE),
    Deployment(name="no space pettingzoo", algorithm="IPPO", env_type="pettingzoo", agents=AGENTS,
               action_mask=True, env_defined_actions=True, **FAKE),
    Deployment(name="no space supervised", algorithm="Supervised", env_type="supervised", **FAKE),
    Deployment(name="no space latent", algorithm="LatentPPO", env_type="gym", **FAKE),
    # A mask the snippet cannot build (no discrete action space): it says where it goes.
    Deployment(name="mask without action space", algorithm="DQN", env_type="gym", action_mask=True,
               observation_space=SPACES["box_int"], **FAKE),
]


KEY_DISPLAYS = ("masked", "env", "placeholders")
SYNTAX_TABLE_LANGUAGES = ("curl", "javascript")


@pytest.fixture(scope="module")
def _syntax_prechecked():
    """The codes of the syntax tests below, in one batch per language whose checker takes many."""
    for language in set(LANGUAGES) & set(syntax.BATCHES):
        codes = {render_snippet(d, "manual_http", language=language, key_display=k).code
                 for d in NO_SPACE for k in KEY_DISPLAYS}
        if language in SYNTAX_TABLE_LANGUAGES:
            snippets = [render_snippet(d, "manual_http", language=language, key_display=k)
                        for d in SPACE_DEPLOYMENTS.values() for k in KEY_DISPLAYS]
            codes |= {code for s in snippets for code in (s.code, s.copy_code)}
        syntax.precheck(language, codes)


@pytest.mark.parametrize("key_display", KEY_DISPLAYS)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("deployment", NO_SPACE, ids=lambda d: d.name)
def test_without_a_space_the_snippet_marks_where_the_observation_goes(deployment, language, key_display, tmp_path,
                                                                       _syntax_prechecked):
    snippet = render_snippet(deployment, "manual_http", language=language, key_display=key_display)
    assert syntax_error(snippet.code, language, tmp_path) is None
    if deployment.observation_space is None:
        assert "YOUR_OBS_HERE" in snippet.code or "YOUR_INPUTS_HERE" in snippet.code
    if deployment.action_mask:
        assert "action_mask" in snippet.code


@pytest.mark.parametrize("key_display", KEY_DISPLAYS)
@pytest.mark.parametrize("language", SYNTAX_TABLE_LANGUAGES)
@pytest.mark.parametrize("name", SPACE_DEPLOYMENTS)
def test_space_table_snippets_pass_their_syntax_check(name, language, key_display, tmp_path, _syntax_prechecked):
    snippet = render_snippet(SPACE_DEPLOYMENTS[name], "manual_http", language=language, key_display=key_display)
    assert syntax_error(snippet.code, language, tmp_path) is None
    assert syntax_error(snippet.copy_code, language, tmp_path) is None


# ---------------------------------------------------------------- JavaScript arrays without a codec

# Every dtype a space can hold, 0-d to many axes: what the snippets send.
SENT_ARRAYS = [
    np.zeros((2, 3), dtype=np.float32),
    np.array([[0.5, -1.25], [3.0, 1e-30]], dtype=np.float64),
    np.array([0.1, -2.5, np.nan, np.inf, -0.0], dtype=np.float32),
    np.arange(-3, 3, dtype=np.int8),
    np.array([0, 255, 7], dtype=np.uint8),
    np.array([-32768, 32767], dtype=np.int16),
    np.array([65535, 1], dtype=np.uint16),
    np.array([[-(2**31), 2**31 - 1]], dtype=np.int32),
    np.array([2**32 - 1], dtype=np.uint32),
    np.array([-(2**63), 2**60 + 1, -5], dtype=np.int64),
    np.array([2**64 - 1, 3], dtype=np.uint64),
    np.array([True, False, True], dtype=bool),
    np.array([0.1, -2.5, 65504, 6e-8, 0.1], dtype=np.float16),
    np.array(7, dtype=np.int64),
    np.full((2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1), 1.5, dtype=np.float32),
]
# What answers come back in: actions (Discrete int64, Box float32/float64, MultiBinary int8) and predictions.
ANSWER_ARRAYS = [
    np.array(2, dtype=np.int64),
    np.array([0, 3, 1], dtype=np.int64),
    np.array([[0.5, -1.25], [3.0, 1e-30]], dtype=np.float32),
    np.array([0.1, -2.5], dtype=np.float64),
    np.array([-(2**31), 7], dtype=np.int32),
    np.array([1, 0, 1], dtype=np.int8),
    np.array([0, 255], dtype=np.uint8),
    np.array([True, False], dtype=bool),
]


def javascript_helpers(headers, *, writes_headers: bool) -> str:
    """The array helpers of a JavaScript snippet, rendered from its own partials."""
    write = ENVIRONMENT.get_template("manual_http/javascript/_npy.mjs.jinja")
    read = ENVIRONMENT.get_template("manual_http/javascript/_from_npy.mjs.jinja")
    return write.render(npy_headers=headers, writes_headers=writes_headers) + read.render(answers_tree=True)


def run_node(source: str, tmp_path: Path):
    path = tmp_path / "arrays.mjs"
    path.write_text(source, encoding="utf-8")
    result = subprocess.run([INTERPRETERS["javascript"][0], str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_javascript_sends_the_bytes_numpy_writes(tmp_path):
    helpers = javascript_helpers(js_headers(SENT_ARRAYS), writes_headers=False)
    arrays = ", ".join(literals.javascript(array) for array in SENT_ARRAYS)
    got = run_node(f"{helpers}\nconsole.log(JSON.stringify([{arrays}]));", tmp_path)
    assert got == [npy_base64(array) for array in SENT_ARRAYS]


def test_javascript_writes_numpys_header_when_the_space_is_unknown(tmp_path):
    cases = [(a.dtype.str, [1, *a.shape]) for a in SENT_ARRAYS if a.dtype != np.float16]
    calls = ", ".join(f"npyHeader({literals.javascript(d)}, {literals.javascript(s)})" for d, s in cases)
    got = run_node(f"{javascript_helpers([], writes_headers=True)}\nconsole.log(JSON.stringify([{calls}]));", tmp_path)
    want = [base64.b64encode(header(np.dtype(d).name, tuple(s))).decode("ascii") for d, s in cases]
    assert got == want


def test_javascript_reads_the_arrays_answers_come_back_in(tmp_path):
    encoded = literals.javascript([npy_base64(array) for array in ANSWER_ARRAYS])
    got = run_node(f"{javascript_helpers([], writes_headers=False)}\n"
                   f"console.log(JSON.stringify({encoded}.map(fromNpy)));", tmp_path)
    for array, answer in zip(ANSWER_ARRAYS, got, strict=True):
        assert answer["shape"] == list(array.shape)
        assert answer["values"] == array.astype(np.float64).ravel().tolist()


def test_javascript_reads_a_tree_of_answers(tmp_path):
    tree = {"move": np.array(1, dtype=np.int64), "both": [np.array([0.5], dtype=np.float32), None]}
    encoded = literals.javascript(to_wire(tree))
    got = run_node(f"{javascript_helpers([], writes_headers=False)}\n"
                   f"console.log(JSON.stringify(fromWire({encoded})));", tmp_path)
    assert got == {"move": {"shape": [], "values": [1]}, "both": [{"shape": [1], "values": [0.5]}, None]}


def test_javascript_names_a_dtype_it_cannot_read(tmp_path):
    source = f"{javascript_helpers([], writes_headers=False)}\nfromNpy({literals.javascript(npy_base64(np.zeros(2, np.float16)))});"
    path = tmp_path / "arrays.mjs"
    path.write_text(source, encoding="utf-8")
    result = subprocess.run([INTERPRETERS["javascript"][0], str(path)], capture_output=True, text=True)
    assert result.returncode != 0 and "unsupported .npy dtype <f2" in result.stderr


# ---------------------------------------------------------------- the JavaScript snippets in a browser

BROWSER_CASES = [*(d.name for d in EXAMPLES), "gym box_float16", "gym nested", "gym dict action",
                 "pettingzoo mixed", "predict box_bool"]
# The page waits on the snippet itself; this bound is only against a hung browser.
BROWSER_WAIT_MS = 120_000


@pytest.mark.parametrize("name", BROWSER_CASES)
def test_javascript_snippet_runs_in_a_browser_too(name, browser, space_sandbox):
    """The same code as a module script: no Node-only API on the way (only the env key mode reads process.env)."""
    deployment = space_sandbox.deployment(name)
    snippet = render_snippet(deployment, "manual_http", language="javascript")
    # Served from the deployment's own origin, so the calls are same-origin (no CORS).
    origin = space_sandbox.base_url
    page = browser.new_page()
    page.route(f"{origin}/snippet/manual_http.mjs",
               lambda route: route.fulfill(content_type="text/javascript", body=snippet.copy_code))
    page.route(f"{origin}/snippet/index.html", lambda route: route.fulfill(content_type="text/html", body=(
        '<!doctype html><script type="module">import("./manual_http.mjs").then('
        '() => { window.outcome = "done"; }, (error) => { window.outcome = String(error); });</script>')))
    logs = []
    page.on("console", lambda message: logs.append(message.text))
    space_sandbox.clear()
    try:
        page.goto(f"{origin}/snippet/index.html")
        page.wait_for_function("window.outcome !== undefined", timeout=BROWSER_WAIT_MS)
        outcome = page.evaluate("window.outcome")
    finally:
        page.close()
    assert outcome == "done", f"the snippet failed in the browser: {outcome}\n{logs}"
    calls = space_sandbox.received
    assert calls and {(c.path.rsplit("/", 1)[1], c.status) for c in calls} <= {
        ("get_action", 200), ("predict", 200), ("generate", 200)}
    check_observations(deployment, calls)
    assert logs, "the snippet printed nothing"


# ---------------------------------------------------------------- Go arrays with the standard library


def go_helpers(headers, *, writes_headers: bool) -> str:
    """A Go file's head and array helpers, rendered from the Go snippets' own partials."""
    context = {"arrays": True, "api_key": "k", "endpoint": "http://127.0.0.1:9", "timeout": 30,
               "npy_headers": headers, "writes_headers": writes_headers, "fills_arrays": True,
               "answers_tree": True, "situation": "gym"}
    parts = ["_imports", "_credentials", "_npy_headers", "_npy", "_from_npy", "_post"]
    text = "".join(ENVIRONMENT.get_template(f"manual_http/go/{part}.go.jinja").render(context) for part in parts)
    # os and strings: the test programs' own (a snippet imports them when it needs them).
    return text.replace('\t"net/http"\n', '\t"net/http"\n\t"os"\n').replace(
        '\t"regexp"\n', '\t"regexp"\n\t"strings"\n' if not writes_headers else '\t"regexp"\n')


def run_go(source: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "arrays.go").write_text(source, encoding="utf-8")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **environment("go")}
    build = subprocess.run([INTERPRETERS["go"][0], "build", "-o", "arrays", "arrays.go"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=RUN_LIMIT_SECONDS)
    assert build.returncode == 0, build.stderr
    return subprocess.run([str(tmp_path / "arrays"), *args], capture_output=True, text=True,
                          timeout=RUN_LIMIT_SECONDS)


GO_MAIN = """
func main() {{
	_ = strings.TrimSpace
	_ = os.Args
	var out []any
{body}
	text, _ := json.Marshal(out)
	fmt.Println(string(text))
}}
"""


def test_go_sends_the_bytes_numpy_writes(tmp_path):
    headers = js_headers(SENT_ARRAYS)
    body = "".join(f"\tout = append(out, {literals.go(array)})\n" for array in SENT_ARRAYS)
    result = run_go(go_helpers(headers, writes_headers=False) + GO_MAIN.format(body=body), tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [npy_base64(array) for array in SENT_ARRAYS]


def test_go_writes_numpys_header_when_the_space_is_unknown(tmp_path):
    cases = [(a.dtype.str, [1, *a.shape]) for a in SENT_ARRAYS if a.dtype != np.float16]
    body = "".join(f"\tout = append(out, npyHeader({literals.go(d)}, {', '.join(map(str, s))}))\n" for d, s in cases)
    result = run_go(go_helpers([], writes_headers=True) + GO_MAIN.format(body=body), tmp_path)
    assert result.returncode == 0, result.stderr
    want = [base64.b64encode(header(np.dtype(d).name, tuple(s))).decode("ascii") for d, s in cases]
    assert json.loads(result.stdout) == want


def test_go_reads_a_tree_of_answers(tmp_path):
    tree = {"move": np.array(1, dtype=np.int64), "both": [np.array([0.5], dtype=np.float32), None]}
    body = f"\tout = append(out, fromWire({literals.go(to_wire(tree))}))\n"
    result = run_go(go_helpers([], writes_headers=False) + GO_MAIN.format(body=body), tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"move": {"shape": [], "values": [1]},
                                          "both": [{"shape": [1], "values": [0.5]}, None]}]
