"""C# under test: its .npy helpers, its literals, its formatter, and its cells as built.

Every C# program of this module (each Manual HTTP cell, the space table, the .npy and
literal programs) is compiled in one `mcs` run by tests/build_csharp.py, and the files
are checked by one clang-format run. One test types the declared run line as is, in a
folder holding only the saved gym snippet, with Mono as the install line names it.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import builds
import toolchains
from snippetgen import Deployment, literals, render_snippet
from snippetgen.arrays import header, js_headers, npy_base64, to_wire
from snippetgen.languages import LANGUAGES
from snippetgen.render import ENVIRONMENT
from snippetgen.unsafe import PATTERN as UNSAFE
from snippetgen.unsafe import UNSAFE as UNSAFE_CHARS
from hypothesis import strategies as st
from snippetgen.rules import rule_table
from test_formatters import CASES_PER_CELL, KEY_DISPLAYS as ALL_KEY_DISPLAYS, PROFILES, SITUATIONS, collect
from test_fast_path import deployments
from test_hostile_values import keys, prompts
from test_manual_http_languages import (  # noqa: F401 - space_sandbox is a fixture
    ANSWER_ARRAYS,
    EXAMPLES,
    FAKE,
    MANUAL_CELLS,
    RUN_LIMIT_SECONDS,
    SENT_ARRAYS,
    SPACE_DEPLOYMENTS,
    check_calls,
    check_observations,
    check_recurrent,
    space_sandbox,
)
from test_npy_vectors import MANIFEST, OK, REFUSED, array, ids, raw, reason

LANGUAGE = "csharp"
DECLARED = LANGUAGES[LANGUAGE]
BUILD = builds.BUILDS[LANGUAGE]
FILENAME = DECLARED.filename("manual_http")
STYLE = "{BasedOnStyle: Microsoft, ColumnLimit: 0}"
"""The clang-format style every C# snippet is a fixed point of (languages.py says why)."""
# Gymnasium warns when it rounds float16 bounds; the test spaces do that on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:.*precision lowered:UserWarning")


def clean_env(home: Path, extra: dict | None = None) -> dict:
    return {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8",
            **toolchains.environment(LANGUAGE), **(extra or {})}


# ---------------------------------------------------------------- the programs, built at once


def helpers(headers=(), *, writes_headers: bool = True) -> str:
    """A C# file's head and its helpers, rendered from the snippets' own partials."""
    context = {"api_key": "k", "endpoint": "http://127.0.0.1:9", "timeout": 30, "npy_headers": list(headers),
               "writes_headers": writes_headers, "answers_tree": True, "situation": "gym"}
    render = lambda part: ENVIRONMENT.get_template(f"manual_http/csharp/{part}.cs.jinja").render(context)  # noqa: E731
    body = "".join(render(part) for part in ("_credentials", "_npy_headers", "_npy", "_from_npy", "_post"))
    return render("_usings") + "\nstatic class Program\n{\n" + body


def tokens_expression() -> str:
    """The expression Post() splits an answer into JSON tokens with, from the partial itself."""
    post = ENVIRONMENT.get_template("manual_http/csharp/_post.cs.jinja").render(timeout=30)
    (expression,) = re.findall(r"var tokens = (.*);\n", post)
    return expression


HEX = """
    static string Hex(Array values)
    {
        var bytes = new byte[Buffer.ByteLength(values)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return BitConverter.ToString(bytes).Replace("-", "");
    }
"""

# What the .npy helpers read and write: the shared vectors, the arrays the snippets send and read.
ARRAYS_MAIN = """
    static void Main()
    {{
        var read = new List<object>();
        var refused = new List<object>();
        foreach (var vector in Vectors)
        {{
            try
            {{
                var array = FromNpy(vector);
                read.Add(new Dictionary<string, object> {{ ["shape"] = array["shape"], ["values"] = Hex((Array)array["values"]) }});
            }}
            catch (FormatException error)
            {{
                refused.Add(error.Message);
            }}
        }}
        var answers = Answers.Select(answer => FromNpy(answer)).Select(array => new Dictionary<string, object> {{ ["shape"] = array["shape"], ["values"] = Hex((Array)array["values"]) }});
        var text = {tree};
        var tree = FromWire(Parse(({tokens}).GetEnumerator()));
        Console.WriteLine(Json(new Dictionary<string, object> {{ ["read"] = read, ["refused"] = refused, ["written"] = Written, ["printed"] = Printed, ["sent"] = Sent, ["headers"] = Headers, ["answers"] = answers.ToList(), ["tree"] = tree, ["parsed"] = Parse(({parsed_tokens}).GetEnumerator()) }}));
    }}
{hex}
    static readonly string[] Vectors = {{
{vectors}    }};
    static readonly string[] Written = {{
{written}    }};
    static readonly string[] Printed = {{
{printed}    }};
    static readonly string[] Sent = {{
{sent}    }};
    static readonly string[] Headers = {{
{headers}    }};
    static readonly string[] Answers = {{
{answers}    }};
}}
"""

# JSON a deployment may answer with: escapes of every kind, nesting, numbers, bools and null.
ANSWER_JSON = {"a\"\\/\b\f\n\r\t\u0001é🦀\u2028": ["x", 1.5, -2, 1e-30, True, False, None, {}, [], {"k": [[None]]}],
               "success": True, "": "\\u0041 is not an escape"}


def _csharp_array(values: np.ndarray, descr: str, shape: list[int]) -> str:
    """Npy(NpyHeader(descr, shape...), new T[] { ... }): an array the snippet leaves to the user."""
    literal = literals.csharp(values)
    head = f"NpyHeader({', '.join([literals.csharp(descr), *map(str, shape)])})"
    return literal.replace(literal[4:literal.index(", ")], head, 1)


def arrays_program() -> str:
    writes = [v for v in OK if v["version"] == 1]
    samples = {v["file"]: array(v)[0] for v in writes if v["shape"][:1] == [1]}
    unknown = [(a.dtype.str, [1, *a.shape]) for a in SENT_ARRAYS if a.dtype != np.float16]
    tree = {"move": np.array(1, dtype=np.int64), "both": [np.array([0.5], dtype=np.float32), None]}
    lines = lambda items: "".join(f"        {item},\n" for item in items)  # noqa: E731
    return helpers(js_headers(*samples.values(), *SENT_ARRAYS)) + ARRAYS_MAIN.format(
        tree=literals.csharp(json.dumps(to_wire(tree))),
        tokens=tokens_expression(),
        parsed_tokens=tokens_expression().replace("(text,", f"({literals.csharp(json.dumps(ANSWER_JSON))},", 1),
        hex=HEX,
        vectors=lines(literals.csharp(base64.b64encode(raw(v)).decode("ascii")) for v in MANIFEST),
        written=lines(_csharp_array(array(v), v["descr"], v["shape"]) for v in writes),
        printed=lines(literals.csharp(sample) for sample in samples.values()),
        sent=lines(literals.csharp(a) for a in SENT_ARRAYS),
        headers=lines(f"NpyHeader({', '.join([literals.csharp(d), *map(str, s)])})" for d, s in unknown),
        answers=lines(literals.csharp(npy_base64(a)) for a in ANSWER_ARRAYS),
    )


def hostile_texts(count: int = 400) -> list[str]:
    """A seeded batch over every BMP class: controls (NUL too), unsafe.py's code points, quotes,
    backslashes, braces, the rest of the BMP but surrogates, and emoji beyond it."""
    rng = random.Random(20261202)
    pools = [
        [chr(c) for c in range(0x20)] + [chr(c) for c in range(0x7F, 0xA0)],
        sorted(UNSAFE_CHARS),
        list('"\'\\{}$@`\n\t\r') + ["\\u0041", "\\x41", "{0}", "*/", "//"],
        [chr(c) for c in range(0xA0, 0x10000) if not 0xD800 <= c <= 0xDFFF],
        ["🦀", "👩‍👩‍👧", "\U0010FFFF", "𝄞"],
        [chr(c) for c in range(0x20, 0x7F)],
    ]
    texts = ["", "\x00", "a\x00b", "x\"; touch pwned; \"", "\u202e\u2066\u200b\ufeff\x85\u2028\u2029", *sorted(UNSAFE_CHARS)]
    while len(texts) < count:
        texts.append("".join(rng.choice(rng.choice(pools)) for _ in range(rng.randint(1, 40))))
    return texts


HOSTILE_TEXTS = hostile_texts()


def literals_program() -> str:
    items = "".join(f"        {literals.csharp(text)},\n" for text in HOSTILE_TEXTS)
    return (
        "using System;\nusing System.Text;\n\nstatic class Program\n{\n    static readonly string[] Values = {\n" + items
        + "    };\n\n    static void Main()\n    {\n        foreach (var value in Values)\n"
        "            Console.WriteLine(BitConverter.ToString(new UTF8Encoding(false, true).GetBytes(value)).Replace(\"-\", \"\"));\n"
        "    }\n}\n"
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every program of this module, saved in a folder each and built in one mcs run (the cells
    run in test_manual_http_languages.py and test_stream.py, built there)."""
    root = tmp_path_factory.mktemp("csharp")
    sources = {"arrays": arrays_program(), "literals": literals_program()}
    for name, source in sources.items():
        assert not UNSAFE.search(source), f"{name}: a code point of unsafe.py is in the source raw"
        (root / name).mkdir()
        (root / name / FILENAME).write_text(source, encoding="utf-8")
    BUILD.build([root / name for name in sources])
    return root, {}


def run_built(folder: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(BUILD.program(folder), cwd=folder, env=clean_env(folder, env), capture_output=True,
                          text=True, encoding="utf-8", timeout=RUN_LIMIT_SECONDS)


# ---------------------------------------------------------------- .npy: NumPy's bytes, both ways


@pytest.fixture(scope="module")
def arrays(built):
    root, _ = built
    result = run_built(root / "arrays")
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout)
    read, refused = iter(found["read"]), iter(found["refused"])
    writes = [v for v in OK if v["version"] == 1]
    return found | {
        "read": {v["file"]: next(read) if v["expect"] == "ok" else next(refused) for v in MANIFEST},
        "written": dict(zip([v["file"] for v in writes], found["written"], strict=True)),
        "printed": dict(zip([v["file"] for v in writes if v["shape"][:1] == [1]], found["printed"], strict=True)),
    }


@pytest.mark.parametrize("vector", OK, ids=ids)
def test_reads_every_ok_vector_with_its_shape_and_values(vector, arrays):
    read = arrays["read"][vector["file"]]
    # FromNpy drops the batch axis; its values are the typed array of the dtype.
    assert read["shape"] == vector["shape"][1:]
    assert bytes.fromhex(read["values"]) == array(vector).tobytes()


@pytest.mark.parametrize("vector", REFUSED, ids=ids)
def test_refuses_big_endian_and_fortran_order_saying_so(vector, arrays):
    assert reason(vector) in arrays["read"][vector["file"]]


@pytest.mark.parametrize("vector", [v for v in OK if v["version"] == 1], ids=ids)
def test_writes_numpys_bytes(vector, arrays):
    assert base64.b64decode(arrays["written"][vector["file"]]) == raw(vector)
    if vector["file"] in arrays["printed"]:  # a snippet's own literal of one sample, batch axis added
        assert base64.b64decode(arrays["printed"][vector["file"]]) == raw(vector)


def test_sends_the_bytes_numpy_writes_for_every_dtype_a_space_holds(arrays):
    # float16, NaN and -0.0 go as their bits; a large uniform array is built with Enumerable.Repeat.
    assert arrays["sent"] == [npy_base64(a) for a in SENT_ARRAYS]


def test_writes_numpys_header_when_the_space_is_unknown(arrays):
    cases = [(a.dtype.name, (1, *a.shape)) for a in SENT_ARRAYS if a.dtype != np.float16]
    assert arrays["headers"] == [base64.b64encode(header(d, s)).decode("ascii") for d, s in cases]


def test_reads_the_arrays_answers_come_back_in(arrays):
    for sent, answer in zip(ANSWER_ARRAYS, arrays["answers"], strict=True):
        assert answer["shape"] == list(sent.shape)
        assert bytes.fromhex(answer["values"]) == sent.tobytes()


def test_reads_a_tree_of_answers(arrays):
    # Through Post's own JSON reader, as an answer arrives.
    assert arrays["tree"] == {"move": {"shape": [], "values": [1]}, "both": [{"shape": [1], "values": [0.5]}, None]}


def test_the_json_reader_reads_what_a_deployment_may_send(arrays):
    # Read, then written back by the snippet's writer: the same JSON value.
    assert arrays["parsed"] == ANSWER_JSON


# ---------------------------------------------------------------- literals: read back by the compiler


def test_hostile_literals_compile_back_to_the_utf8_of_each_value(built):
    root, _ = built
    result = run_built(root / "literals")
    assert result.returncode == 0, result.stderr[-3000:]
    got = [bytes.fromhex(line) for line in result.stdout.splitlines()]
    assert got == [text.encode("utf-8") for text in HOSTILE_TEXTS]


def test_literal_escapes_what_a_terminal_acts_on():
    assert literals.csharp("agent\x1b[201~\x15echo PWNED\r") == '"agent\\u001b[201~\\u0015echo PWNED\\u000d"'
    assert literals.csharp("\u202e\u2066\u200b\ufeff\x85\u2028\x00") == '"\\u202e\\u2066\\u200b\\ufeff\\u0085\\u2028\\u0000"'
    # \x would read on into hex digits: "\x1bAB" is one character in C#.
    assert literals.csharp("\x1bAB") == '"\\u001bAB"'
    assert literals.csharp('say "hi"\\\n\t🦀') == '"say \\"hi\\"\\\\\\n\\t🦀"'
    assert literals.csharp(None) == "null" and literals.csharp(True) == "true" and literals.csharp(-3) == "-3"
    assert literals.csharp({"a": 1.5, "b": [0.1, None]}) == (
        'new Dictionary<string, object> { ["a"] = 1.5, ["b"] = new object[] { 0.1, null } }')


def test_literal_refuses_a_lone_surrogate():
    with pytest.raises(ValueError, match="lone surrogate U\\+DC00"):
        literals.csharp("a\udc00")


def test_arrays_are_typed_arrays_behind_their_npy_header():
    assert literals.csharp(np.zeros(3, np.float32)) == "Npy(NPY_FLOAT32_1X3, new float[] { 0f, 0f, 0f })"
    assert literals.csharp(np.array(2)) == "Npy(NPY_INT64_1, new long[] { 2 })"
    assert literals.csharp(np.array([-(2**63)])) == "Npy(NPY_INT64_1X1, new long[] { long.MinValue })"
    assert literals.csharp(np.array([True, False])) == "Npy(NPY_BOOL_1X2, new bool[] { true, false })"
    assert literals.csharp(np.zeros(100, np.uint8)) == "Npy(NPY_UINT8_1X100, new byte[100])"
    assert literals.csharp(np.full(70, 0.5)) == "Npy(NPY_FLOAT64_1X70, Enumerable.Repeat<double>(0.5, 70).ToArray())"
    assert literals.csharp(np.array([np.nan, -0.0], np.float32)) == (
        "Npy(NPY_FLOAT32_1X2, new uint[] { 0x7fc00000, 0x80000000 })")
    assert literals.csharp(np.ones(2, np.float16)) == "Npy(NPY_FLOAT16_1X2, new ushort[] { 0x3c00, 0x3c00 })"


# ---------------------------------------------------------------- clang-format: one run over every file


def _clang_format() -> str:
    return toolchains.command(("clang-format",))[0]


def long_renders() -> dict[str, str]:
    """Renders with long values: a 1,000-character endpoint and key, a 256-value array,
    nested trees; and the filter's trees at several depths, long and short."""
    long = Deployment(name="long " + "n" * 995, algorithm="PPO", env_type="gym", api_key="k" * 1000,
                      endpoint="https://arena.invalid/" + "e" * 1000,
                      observation_space={"type": "Box", "shape": [256], "low": [0.5 + i for i in range(256)],
                                         "high": 1000.0},
                      action_space={"type": "Discrete", "n": 4})
    nested = SPACE_DEPLOYMENTS["gym nested"].model_copy(update={"endpoint": FAKE["endpoint"]})
    files = {}
    for name, deployment in (("long", long), ("nested", nested), ("mixed", SPACE_DEPLOYMENTS["pettingzoo mixed"])):
        for key_display in ("masked", "env", "placeholders"):
            files[f"{name}-{key_display}.cs"] = render_snippet(deployment, "manual_http", language=LANGUAGE,
                                                               key_display=key_display).code
    rng = random.Random(7)
    values = [1, True, None, -2.5, "v" * 70, np.zeros(3, np.int8), np.arange(256, dtype=np.float32) / 7,
              np.full(70, 0.25), np.array([np.nan, -0.0], np.float32), "\u2028\x00\"", np.arange(256)]
    statements = []
    for i in range(300):
        tree = {"k" * rng.choice([1, 5, 40, 120]) + str(j): rng.choice(values) for j in range(rng.randint(1, 6))}
        if rng.random() < 0.3:
            tree = [tree, rng.choice(values), (rng.choice(values),)]
        statements.append(literals.csharp(tree, assign=f"var t{i} =", indent=2))
    body = "".join(f"        {s}\n" for s in statements)
    files["trees.cs"] = f"static class Program\n{{\n    static void Main()\n    {{\n{body}    }}\n}}\n"
    return files


def hostile_renders() -> dict[str, str]:
    """test_formatters.py's hostile renders (the same deterministic draws), C# cells only."""
    files = {}
    for situation, profile, key_display in itertools.product(SITUATIONS, PROFILES, ALL_KEY_DISPLAYS):
        strategy = st.tuples(deployments().filter(lambda d, s=situation: d.situation == s), st.none() | prompts, keys)
        for n, (deployment, prompt, key) in enumerate(collect(strategy, CASES_PER_CELL)):
            deployment = deployment.model_copy(update={"api_key": type(deployment.api_key)(key)})
            for variant in rule_table().variants_of(situation, "manual_http"):
                snippet = render_snippet(deployment, "manual_http", language=LANGUAGE, profile=profile,
                                         key_display=key_display, prompt=prompt, variant=variant)
                stem = f"{situation}-{profile}-{key_display}-{n}-{variant}"
                files[f"{stem}-code.cs"] = snippet.code
                if snippet.copy_code != snippet.code:
                    files[f"{stem}-copy.cs"] = snippet.copy_code
    return files


def test_every_snippet_and_hostile_or_long_render_is_a_clang_format_fixed_point(tmp_path):
    snapshots = Path(__file__).parent / "snapshots" / "manual_http" / LANGUAGE
    files = {f"snapshot-{p.name}": p.read_text(encoding="utf-8") for p in snapshots.glob("*.cs")}
    assert len(files) == 7
    hostile = hostile_renders()
    assert len(hostile) > 200
    files |= hostile | long_renders()
    for name, code in files.items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    result = subprocess.run([_clang_format(), f"--style={STYLE}", "-i", *sorted(files)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=RUN_LIMIT_SECONDS)
    assert result.returncode == 0, result.stderr
    changed = [name for name, code in files.items() if (tmp_path / name).read_text(encoding="utf-8") != code]
    assert not changed, f"{len(changed)} files clang-format changes, e.g. {changed[:5]}"


def test_the_run_line_runs_the_saved_file_as_typed(space_sandbox, tmp_path):
    """`mcs -r:System.Net.Http manual_http.cs && mono manual_http.exe` in a folder holding only
    the saved gym snippet; the install line's Mono (mono-devel) is what tests/run.sh installs."""
    deployment = next(d for d in space_sandbox.deployments[: len(EXAMPLES)] if d.situation == "gym")
    snippet = render_snippet(deployment, "manual_http", language=LANGUAGE)
    assert snippet.filename == FILENAME
    assert "Mono (mono-devel)" in DECLARED.install
    (tmp_path / FILENAME).write_text(snippet.copy_code, encoding="utf-8")
    for tool in ("mcs", "mono"):
        toolchains.command((tool,))
    space_sandbox.clear()
    result = subprocess.run([shutil.which("bash"), "-c", DECLARED.run_line("manual_http")], cwd=tmp_path,
                            env=clean_env(tmp_path), capture_output=True, text=True, timeout=RUN_LIMIT_SECONDS)
    check_calls(space_sandbox, deployment, result)
    # mcs said nothing: no warning, and the action printed.
    assert result.stderr == "" and result.stdout.startswith("action: {\"shape\":[],\"values\":[")
