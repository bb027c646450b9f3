"""Hostile values are data in every snippet: they arrive byte-for-byte and never run.

Two layers:

- a static round trip, ≥ 10,000 hypothesis examples: render a snippet, read the
  constant back with a parser of the target language (Python: `ast`; shell: a
  POSIX lexer) and compare it with the input;
- executed cases (a bounded set): snippets with hostile deployment names, keys
  and prompts run against the sandbox, which must receive each value exactly,
  while a marker file that every injected command would create never appears.

Names are free text (quotes, backslashes, newlines, tabs, `$(...)`, backticks,
unicode, 300+ characters) but for the code points a terminal acts on, which
Deployment refuses (tests/test_paste_safe.py); prompts keep those, so the shell
writes them in ANSI-C quotes, `$'…'`. Two limits come from outside snippetgen: the released client
strips surrounding whitespace from names, so executed names have none, and its
`arena agent list` prints names through Rich markup, so executed names avoid `[`.
Keys are Bearer tokens, so visible ASCII without spaces. No value holds NUL or
a lone surrogate (Deployment rejects both in names; neither fits a UTF-8 file).
"""

from __future__ import annotations

import ast
import random
import re
import shlex
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snippetgen import render_snippet
from snippetgen.examples import example_deployment
from snippetgen.rules import SITUATIONS, rule_table
from snippetgen.sandbox import Sandbox
from snippetgen.unsafe import PATTERN as UNSAFE

import builds

PROFILES = tuple(rule_table().profiles)
PLATFORM = "/api/cli/v1/inference/deployments"


# ---------------------------------------------------------------- reading constants back


def python_constants(code: str) -> dict[str, object]:
    """The values top-level `NAME = <literal>` lines assign."""
    constants = {}
    for node in ast.parse(code).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                constants[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass  # not a literal, so not a constant
    return constants


# What the shell filter writes inside `$'…'`, and what bash reads it as.
_ANSI_C = re.compile(r"\\(x[0-9a-f]{2}|[\\'nt])|([^\\'])")
_ANSI_C_WORD = re.compile(r"\$'((?:[^\\']|\\.)*)'(\n|$)", re.DOTALL)


def ansi_c(body: str) -> str:
    """The text of an ANSI-C quoted word's body, as bash expands it."""
    out = bytearray()
    end = 0
    for found in _ANSI_C.finditer(body):
        assert found.start() == end, f"not an escape the shell filter writes: {body[end:end + 6]!r}"
        escape, plain = found.groups()
        if plain is not None:
            out += plain.encode("utf-8")
        elif escape[0] == "x":
            out.append(int(escape[1:], 16))
        else:
            out += {"n": b"\n", "t": b"\t"}.get(escape, escape.encode())
        end = found.end()
    assert end == len(body)
    return out.decode("utf-8")


def shell_constant(script: str, name: str) -> str:
    """The value of a `NAME=<word>` line, read by a POSIX lexer (an ANSI-C word by
    ansi_c); the word must end its line."""
    head = f"{name}="
    start = 0 if script.startswith(head) else script.index("\n" + head) + 1
    if script.startswith("$'", start + len(head)):
        word = _ANSI_C_WORD.match(script, start + len(head))
        assert word, "the assignment is not one ANSI-C word on its line"
        return ansi_c(word.group(1))
    lexer = shlex.shlex(script[start + len(head):], posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    value = lexer.get_token()
    # One word, then the newline that ends the assignment (counted by the lexer).
    assert lexer.lineno == value.count("\n") + 2, "the assignment is not one word on its line"
    return value


# What the go filter writes inside a Go string literal, and what Go reads it as.
_GO_ESCAPE = re.compile(r'\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[\\"nt])|([^\\"])')


def go_constants(code: str) -> dict[str, str]:
    """The values of top-level `const name = "<literal>"` lines, read as Go reads the literal."""
    constants = {}
    for found in re.finditer(r'^const (\w+) = "((?:[^\\"\n]|\\.)*)"$', code, re.MULTILINE):
        out = bytearray()
        end = 0
        for part in _GO_ESCAPE.finditer(found.group(2)):
            assert part.start() == end, f"not an escape the go filter writes: {found.group(2)[end:end + 6]!r}"
            escape, plain = part.groups()
            if plain is not None:
                out += plain.encode("utf-8")
            elif escape[0] == "x":
                out.append(int(escape[1:], 16))
            elif escape[0] == "u":
                out += chr(int(escape[1:], 16)).encode("utf-8")
            else:
                out += {"n": b"\n", "t": b"\t"}.get(escape, escape.encode())
            end = part.end()
        assert end == len(found.group(2))
        constants[found.group(1)] = out.decode("utf-8")
    return constants


# ---------------------------------------------------------------- the static round trip

_TEXT_CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
_FRAGMENTS = [
    "'", '"', "\\", "\\'", "'\\''", '"""', "'''", "$(touch /tmp/x)", "`id`", "${HOME}",
    "\n", "\r\n", "\t", "\u2028", "\u202e", "\x1b[31m", "\x7f", "☃", "名前", "🚀", "é",
    "--", "-x", "#", "%s", "{{ name }}", "{% raw %}", "\\n", "x" * 300, "_SNIPPETGEN_CONST_0",
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(_FRAGMENTS), st.text(_TEXT_CHARS, max_size=12)), min_size=1, max_size=8
).map("".join)
names = hostile_text.map(lambda s: UNSAFE.sub("", s)).filter(lambda s: s.strip() and len(s) <= 1000)
prompts = hostile_text.filter(lambda s: s.strip())
_KEY_CHARS = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
# Long keys by repetition: drawing 300+ characters one by one would dominate the run time.
keys = st.text(_KEY_CHARS, min_size=1, max_size=40) | st.text(_KEY_CHARS, min_size=8, max_size=12).map(
    lambda k: k * 40
)


# 10,000 examples in all, split by situation and profile so parallel workers share them.
EXAMPLES_PER_CELL = -(-10_000 // (len(SITUATIONS) * len(PROFILES)))


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("situation", SITUATIONS)
@settings(
    max_examples=EXAMPLES_PER_CELL,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)
@given(
    python_tab=st.sampled_from([None, "arena_client", "manual_http"]),
    name=names,
    key=keys,
    prompt=prompts,
)
def test_values_round_trip_through_every_language(situation, profile, python_tab, name, key, prompt):
    """Each example checks the shell CLI cell and at most one Python cell: black makes a
    Python render the costly part, and 10,000 examples still give each thousands."""
    deployment = example_deployment(situation, name=name, api_key=key)
    llm = situation == "llm"

    def snippet(tab, language, key_display="env", variant="request"):
        return render_snippet(
            deployment, tab, language=language, profile=profile, key_display=key_display, prompt=prompt,
            variant=variant,
        ).copy_code

    cli = snippet("arena_cli", "shell")
    assert shell_constant(cli, "DEPLOYMENT_NAME") == name
    if llm and profile != "documented":
        assert shell_constant(cli, "PROMPT") == prompt

    if python_tab is None:
        return
    if python_tab == "arena_client":
        constants = python_constants(snippet("arena_client", "python"))
        assert constants["DEPLOYMENT_NAME"] == name
    else:
        constants = python_constants(snippet("manual_http", "python", key_display="masked"))
        assert constants["API_KEY"] == key
        assert constants["ENDPOINT"] == deployment.endpoint
        # Go's constants, read back as the Go compiler reads them (test_literals.py runs it).
        go = go_constants(snippet("manual_http", "go", key_display="masked"))
        assert (go["apiKey"], go["endpoint"]) == (key, deployment.endpoint)
        if llm:
            assert go["prompt"] == prompt
    if llm:
        assert constants["PROMPT"] == prompt
        streamed = python_constants(snippet(python_tab, "python", key_display="masked", variant="stream"))
        assert streamed["PROMPT"] == prompt


# ---------------------------------------------------------------- executed cases


def hostile_cases(marker) -> list[tuple[str, str, str]]:
    """(name, key, prompt) triples; every injection in them would create `marker`."""
    touch = f"touch {marker}"
    handmade = [
        (f'x"; {touch}; "', f"k\"';$(touch${{IFS}}{marker})", f'"); open("{marker}", "w"); print("'),
        (f"$({touch})", f"`touch${{IFS}}{marker}`", f"$({touch})"),
        (f"`{touch}`", "k\\'\\\"\\\\", f"`{touch}`"),
        (f"'; {touch}; '", "'''\"\"\"", f"'''; import os; os.system('{touch}'); '''"),
        (f"line one\n{touch}\nline three", "a&&b||c;d|e<f>g", f"first\n{touch}\n\\n not a newline"),
        ("back\\slash\\ and \\' and \\\"", "{{name}}%s${HOME}", "{% raw %}{{ name }}"),
        ("ünïcødé ☃ 名前 🚀 gnirts", "unicode-is-not-allowed-in-keys-" + "z" * 20, "日本語 🚀 \u2028 \u202e"),
        # Paste-jacking: ESC[201~ ends a bracketed paste, ^U clears the line, CR runs it.
        ("paste\tjack", "k", f"agent\x1b[201~\x15{touch}\r\x7f\x85\u2066\u200b\ufeff"),
        ("--help", "-x", "--prompt"),
        ("-x", "--", "-h"),
        ("☃" * 350 + f"$({touch})", "K" * 400, "long " * 100 + f"`{touch}`"),
    ]
    rng = random.Random(20240517)
    pieces = [
        "'", '"', "\\", f"$({touch})", f"`{touch}`", "\n", "\t", "☃", "名前", " ", ";", "&", "|",
        "${PATH}", "%", "{", "}", "é", "\r\n", "!", "#", "*", "~",
    ]
    generated = []
    for i in range(6):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(5, 60))).strip() or "x"
        key = "".join(rng.choice("!\"#$%&'()*+,-./:;<=>?@\\^_`{|}~aZ09") for _ in range(rng.randint(8, 80)))
        name = UNSAFE.sub("", text).strip() or "x"  # Deployment refuses the CR of "\r\n"
        generated.append((f"{name} #{i}", key, f"{text} prompt {i}"))
    return handmade + generated


CASES = len(hostile_cases(Path("marker")))
# (profile, tab, language, variant): each runs with every case.
EXECUTED = (
    ("documented", "manual_http", "python", "request"),
    ("documented", "manual_http", "python", "stream"),
    ("documented", "manual_http", "go", "request"),
    ("documented", "manual_http", "go", "stream"),
    ("agilerl-arena-1", "arena_client", "python", "request"),
    ("agilerl-arena-1", "arena_client", "python", "stream"),
    ("agilerl-arena-1", "arena_cli", "shell", "request"),
)


def executed(deployment, prompt, profile, tab, language, variant):
    return render_snippet(deployment, tab, language=language, profile=profile, key_display="masked", prompt=prompt,
                          variant=variant)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The cases, their marker file and a sandbox serving one LLM deployment per case."""
    marker = tmp_path_factory.mktemp("hostile") / "injected"
    cases = hostile_cases(marker)
    user_key = f"user'\"$(touch${{IFS}}{marker})`x`\\"
    deployments = [example_deployment("llm", name=name, api_key=key) for name, key, _ in cases]
    with Sandbox(deployments, user_key=user_key) as sb:
        # The compiled snippets of every case, built in one batch per language.
        for language in {cell[2] for cell in EXECUTED} & set(builds.BUILDS):
            builds.prebuild(language, [
                executed(sb.deployment(name), prompt, *cell).copy_code
                for name, _, prompt in cases for cell in EXECUTED if cell[2] == language
            ])
        yield marker, cases, sb


@pytest.mark.parametrize("case", range(CASES))
def test_hostile_values_reach_the_sandbox_exactly_and_never_run(hostile, run_snippet, case):
    marker, cases, sb = hostile
    name, key, prompt = cases[case]
    deployment = sb.deployment(name)
    problems = []
    for cell in EXECUTED:
        snippet = executed(deployment, prompt, *cell)
        result = run_snippet(snippet, base_url=sb.base_url, api_key=sb.user_key)
        if result.returncode != 0:
            problems.append(f"{tab} {variant}: exit {result.returncode}: {result.stderr[-500:]}")

    mine = [r for r in sb.received if r.deployment == name or r.query.get("name") == name]
    manual = [r for r in mine if r.path.endswith("/generate") and r.token == key]
    client = [r for r in mine if r.path.endswith("/generate") and r.token == sb.user_key]
    stream = [r for r in mine if r.path.endswith("/generate_stream")]
    lookups = [r.path.rsplit("/", 1)[1] for r in mine if r.path.startswith(PLATFORM)]
    expected = {
        # Python and Go.
        "manual HTTP /generate": [r.body["prompts"] for r in manual] == [[prompt], [prompt]],
        "client /generate": [r.body["prompts"] for r in client] == [[prompt]],
        "manual HTTP /generate_stream": [r.body["prompt"] for r in stream if r.token == key] == [prompt, prompt],
        "client and CLI /generate_stream": [r.body["prompt"] for r in stream if r.token == sb.user_key]
        == [prompt, prompt],
        # client: one per variant; CLI: list, then one.
        "name in lookups": sorted(lookups) == ["list", "one", "one", "one"],
        "all answered 200": {r.status for r in mine} == {200},
    }
    problems += [what for what, ok in expected.items() if not ok]
    assert not problems, f"{name!r:.60}:\n" + "\n".join(problems)
    assert not marker.exists(), "an injected command ran"
