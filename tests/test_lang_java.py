"""The Java runtime: its .npy helpers against NumPy's vectors, its literals compiled back to
their bytes, its snippets as google-java-format prints them, and its cells run as pasted.

Every Java program of this module is built in one JVM (build_java.BUILD), then each runs with
java; google-java-format runs once over every file it checks.
"""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from build_java import BUILD
from snippetgen import Deployment, literals, render_snippet
from snippetgen.arrays import js_headers, npy_base64, to_wire
from snippetgen.examples import examples
from snippetgen.languages import LANGUAGES
from snippetgen.literals._java import JAVA_LINE
from snippetgen.render import ENVIRONMENT
from snippetgen.sandbox import Sandbox
from test_formatters import hostile_renders  # noqa: F401  (a fixture)
from test_manual_http_languages import ANSWER_ARRAYS, SENT_ARRAYS, USER_KEY, check_recurrent
from test_npy_vectors import MANIFEST, OK, REFUSED, array, ids, raw
from toolchains import command, environment

SNAPSHOTS = Path(__file__).parent / "snapshots" / "manual_http" / "java"
FILENAME = LANGUAGES["java"].filename("manual_http")
# Safety net against a hung JVM, not a timing assertion.
RUN_LIMIT_SECONDS = 120
EXAMPLES = examples()
KEY_DISPLAYS = ("masked", "env")


def helpers(headers, *, writes_headers: bool = True) -> tuple[str, str]:
    """A Java program's head and tail, rendered from the snippets' own partials: a test's
    main() goes between them."""
    context = {"arrays": True, "api_key": "k", "endpoint": "http://127.0.0.1:9", "timeout": 30,
               "npy_headers": headers, "writes_headers": writes_headers, "fills_arrays": True,
               "answers_tree": True, "situation": "gym"}

    def part(name: str) -> str:
        return ENVIRONMENT.get_template(f"manual_http/java/{name}.java.jinja").render(context)

    head = part("_head") + part("_npy_headers")
    return head, part("_npy") + part("_from_npy") + part("_post")


def run(folder: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ["PATH"], "HOME": str(folder), "LANG": "C.UTF-8", **(env or {})}
    return subprocess.run([*BUILD.program(folder), *args], cwd=folder, env=clean, capture_output=True,
                          text=True, encoding="utf-8", timeout=RUN_LIMIT_SECONDS)


# ---------------------------------------------------------------- the programs, built at once


def npy_program() -> str:
    """Reads every vector (or, given an index, only that one, to see it refused) and writes
    each v1 vector with npyHeader(), each sent array and each sample with its constant."""
    writes = [v for v in OK if v["version"] == 1]
    samples = [array(v)[0] for v in writes if v["shape"][:1] == [1]]
    head, tail = helpers(js_headers(*samples, *SENT_ARRAYS))

    def with_header(values: np.ndarray, descr: str, shape: list[int]) -> str:
        literal = str(literals.java(values))
        call = f"npyHeader({', '.join([str(literals.java(descr)), *map(str, shape)])})"
        return literal.replace(literal[4:literal.index(", ")], call, 1)

    def strings(items) -> str:
        return "List.of(" + ", ".join(items) + ")" if items else "List.of()"

    vectors = [str(literals.java(base64.b64encode(raw(v)).decode("ascii"))) for v in MANIFEST]
    main = f"""
  static final List<String> VECTORS = {strings(vectors)};

  public static void main(String[] args) throws Exception {{
    if (args.length > 0) {{
      fromNpy(VECTORS.get(Integer.parseInt(args[0])));
      return;
    }}
    List<Object> read = new ArrayList<>();
    for (String vector : VECTORS) {{
      try {{
        Map<String, Object> found = fromNpy(vector);
        List<String> types = new ArrayList<>();
        for (Object value : (List<?>) found.get("values")) types.add(value.getClass().getSimpleName());
        read.add(Map.of("shape", found.get("shape"), "values", found.get("values"), "types", types));
      }} catch (IllegalArgumentException refused) {{
        read.add(Map.of("refused", refused.getMessage()));
      }}
    }}
    List<String> written = {strings(with_header(array(v), v["descr"], v["shape"]) for v in writes)};
    List<String> printed = {strings(str(literals.java(s)) for s in samples)};
    List<String> sent = {strings(str(literals.java(a)) for a in SENT_ARRAYS)};
    List<Object> answers = new ArrayList<>();
    for (String answer : {strings(str(literals.java(npy_base64(a))) for a in ANSWER_ARRAYS)}) {{
      answers.add(fromNpy(answer));
    }}
    Object tree = fromWire({literals.java(to_wire(TREE))});
    System.out.println(JSON.writeValueAsString(Map.of("read", read, "written", written, "printed", printed,
        "sent", sent, "answers", answers, "tree", tree)));
  }}
"""
    return head + main + tail


TREE = {"move": np.array(1, dtype=np.int64), "both": [np.array([0.5], dtype=np.float32), None]}


def hostile_strings(count: int = 300) -> list[str]:
    """Seeded strings over every BMP class (controls, NUL, bidi, zero-width, U+2028, quotes,
    backslashes before escape letters, surrogate pairs), and some long ones that wrap."""
    rng = random.Random(18)
    pools = [
        [chr(c) for c in range(0x20)] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)],
        list("\u061c\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u202a\u202e\u2066\u2069\ufeff"),
        list("\"'\\`$ {}tnru0178"), ["\\t", "\\n", "\\u0041", "\\\\", "*/", "/*"],
        ["🦀", "𝄞", "naïve", "日本", "\ufffd", "\uffff", "\u00a0", " "],
        [chr(rng.randrange(0x20, 0xD800)) for _ in range(64)] + [chr(rng.randrange(0xE000, 0x10000)) for _ in range(32)],
    ]
    texts = ["", " ", "\\", "\\t", "a\\tb", "\n", "\t\t", "x" * 1000, "word " * 200, "a\\nb " * 80]
    for _ in range(count):
        texts.append("".join(rng.choice(rng.choice(pools)) for _ in range(rng.randrange(1, 40))))
    return texts


def long_trees() -> list:
    """Trees whose layout google-java-format decides: long names, 256 values, nesting."""
    name = "n" * 1000
    return [
        {name: np.zeros(3, np.float32), "b": np.array(1)},
        np.arange(256, dtype=np.float32) / 7,
        np.arange(256, dtype=np.int64) * 2**40,
        {"position": np.linspace(0, 1, 40, dtype=np.float32),
         "inner": {"a": [np.array([0]), np.arange(40.0)], "b": np.array([1.5, -0.0])}},
        [np.ones(3, np.int32), {"deep": {"deeper": [np.array([True, False]), np.array([255, 0], np.uint8)]}}],
        {f"key {i}": np.array([i], np.uint8) for i in range(12)},
        {"x": np.full(100, 7, np.int8), "y": np.zeros(100, np.float64)},
    ]


def constants(texts: list[str]) -> str:
    return "\n".join("  " + literals.java(t, assign=f"static final String T{i} =", indent=2)
                     for i, t in enumerate(texts))


def statements(trees: list) -> str:
    return "\n".join("    " + literals.java(tree, assign=f"Object tree{i} =", indent=4)
                     for i, tree in enumerate(trees))


def layout_file() -> str:
    """Only what the filter lays out: the texts as constants, the trees as statements."""
    return f"""class Layout {{
{constants(hostile_strings())}

  void trees() {{
{statements(long_trees())}
  }}
}}
"""


def literal_program(texts: list[str], trees: list) -> str:
    """Each text as a constant and each tree as a statement, laid out by the filter; main()
    prints the texts' UTF-8 bytes and the trees as JSON."""
    head, tail = helpers(js_headers(*trees))
    names = ", ".join(f"T{i}" for i in range(len(texts)))
    return head + f"""
{constants(texts)}

  public static void main(String[] args) throws Exception {{
    for (String text : new String[] {{{names}}}) {{
      System.out.println(HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8)));
    }}
{statements(trees)}
    System.out.println(JSON.writeValueAsString(List.of({", ".join(f"tree{i}" for i in range(len(trees)))})));
  }}
""" + tail


def cells(deployments) -> dict[str, tuple[Deployment, dict]]:
    """Every example cell in both key displays, and the stream variant."""
    found = {}
    for deployment in deployments:
        variants = ["oneshot", "stream"] if deployment.situation == "llm" else ["oneshot"]
        for variant in variants:
            for key_display in KEY_DISPLAYS:
                options = {"key_display": key_display} | ({"variant": variant} if variant != "oneshot" else {})
                found[f"{deployment.situation}-{variant}-{key_display}"] = (deployment, options)
    return found


CELLS = cells(EXAMPLES)


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(EXAMPLES, user_key=USER_KEY) as sb:
        yield sb


@pytest.fixture(scope="module")
def built(tmp_path_factory, sandbox):
    """Every program of the module, saved in its folder and built in one JVM; the cells
    call the sandbox."""
    root = tmp_path_factory.mktemp("java")
    sources = {"npy": npy_program(), "literals": literal_program(hostile_strings(), long_trees())}
    for name, (deployment, options) in cells(sandbox.deployments[: len(EXAMPLES)]).items():
        sources[name] = render_snippet(deployment, "manual_http", language="java", **options).copy_code
    folders = {}
    for name, source in sources.items():
        folder = root / name
        folder.mkdir()
        (folder / FILENAME).write_text(source, encoding="utf-8")
        folders[name] = folder
    BUILD.build(list(folders.values()))
    return folders


# ---------------------------------------------------------------- .npy against NumPy's vectors


@pytest.fixture(scope="module")
def npy(built):
    result = run(built["npy"])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


JAVA_TYPES = {"<f4": "Float", "<f8": "Double", "|i1": "Byte", "<i4": "Integer", "<i8": "Long",
              "|u1": "Integer", "|b1": "Boolean"}


@pytest.mark.parametrize("n", [n for n, v in enumerate(MANIFEST) if v["expect"] == "ok"],
                         ids=[ids(v) for v in OK])
def test_java_reads_every_ok_vector(n, npy):
    vector, read = MANIFEST[n], npy["read"][n]
    # fromNpy drops the batch axis; each value is the boxed Java type of its dtype.
    assert read["shape"] == vector["shape"][1:]
    assert set(read["types"]) <= {JAVA_TYPES[vector["descr"]]} and len(read["types"]) == array(vector).size
    assert np.array_equal(np.array(read["values"], dtype=vector["dtype"]), array(vector).ravel())


@pytest.mark.parametrize("vector", REFUSED, ids=ids)
def test_java_refuses_big_endian_and_fortran_order_saying_so(vector, npy, built):
    n = MANIFEST.index(vector)
    assert npy["read"][n] == {"refused": "a big-endian or Fortran-order .npy array: send it little-endian, in C order"}
    # As a snippet meets one: it exits non-zero with that message.
    result = run(built["npy"], str(n))
    assert result.returncode != 0 and "a big-endian or Fortran-order .npy array" in result.stderr


def test_java_writes_numpys_bytes(npy):
    writes = [v for v in OK if v["version"] == 1]
    assert [base64.b64decode(w) for w in npy["written"]] == [raw(v) for v in writes]
    samples = [v for v in writes if v["shape"][:1] == [1]]
    assert [base64.b64decode(p) for p in npy["printed"]] == [raw(v) for v in samples]
    # NaN, infinities, -0.0, float16 bits, uint64 past Long.MAX_VALUE, a built 15-axis array.
    assert npy["sent"] == [npy_base64(a) for a in SENT_ARRAYS]


def test_java_reads_the_arrays_answers_come_back_in(npy):
    for want, got in zip(ANSWER_ARRAYS, npy["answers"], strict=True):
        assert got["shape"] == list(want.shape)
        assert np.array_equal(np.array(got["values"], dtype=want.dtype), want.ravel())


def test_java_reads_a_tree_of_answers(npy):
    assert npy["tree"] == {"move": {"shape": [], "values": [1]}, "both": [{"shape": [1], "values": [0.5]}, None]}


# ---------------------------------------------------------------- literals compile back to their bytes


def test_hostile_strings_and_long_trees_compile_back_to_their_values(built):
    result = run(built["literals"])
    assert result.returncode == 0, result.stderr
    *texts, trees = result.stdout.splitlines()
    assert [bytes.fromhex(t).decode("utf-8") for t in texts] == hostile_strings()
    assert json.loads(trees) == [to_wire(tree) for tree in long_trees()]


def test_java_source_is_ascii_with_nothing_raw():
    for text in hostile_strings():
        literal = str(literals.java(text))
        assert literal.isascii() and all(" " <= c < "\x7f" for c in literal), literal


def test_a_lone_surrogate_is_refused():
    with pytest.raises(ValueError, match="lone surrogate U\\+D800"):
        literals.java("a\ud800b")


# ---------------------------------------------------------------- google-java-format's fixed points


def google_java_format_differences(files: dict[str, str], folder: Path) -> list[str]:
    """One google-java-format run over all the files: the diff of each it would change."""
    paths = []
    for name, code in files.items():
        path = folder / name
        path.write_text(code, encoding="utf-8")
        paths.append(path)
    listed = subprocess.run([*command(("google-java-format", "--dry-run")), *map(str, paths)],
                            capture_output=True, text=True, timeout=600)
    if listed.returncode:
        pytest.fail(f"google-java-format failed: {listed.stderr[-3000:]}")
    diffs = []
    for changed in listed.stdout.split():
        shown = subprocess.run([*command(("google-java-format",)), changed], capture_output=True, text=True)
        diff = subprocess.run(["diff", "-u", changed, "-"], input=shown.stdout, capture_output=True, text=True)
        diffs.append(diff.stdout[:4000])
    return diffs


def test_every_snapshot_render_and_program_is_a_google_java_format_fixed_point(
    hostile_renders, built, tmp_path  # noqa: F811
):
    files = {f"snapshot-{p.name}": p.read_text(encoding="utf-8") for p in sorted(SNAPSHOTS.glob("*.java"))}
    assert len(files) == 7
    hostile = {name: code for name, code, language, _ in hostile_renders if language == "java"}
    assert len(hostile) > 200
    files |= {f"hostile-{name}": code for name, code in hostile.items()}
    # The hostile strings as constants (1,000 characters, reflowed) and the long trees.
    files["Layout.java"] = layout_file()
    diffs = google_java_format_differences(files, tmp_path)
    assert not diffs, "\n\n".join(diffs)[:20_000]


def test_no_line_of_a_snapshot_passes_the_column_limit():
    for path in SNAPSHOTS.glob("*.java"):
        long = [line for line in path.read_text(encoding="utf-8").splitlines()
                if len(line) > JAVA_LINE and not line.strip().startswith('"k05VTVBZ')]
        assert not long, (path.name, long)


# ---------------------------------------------------------------- the cells against the sandbox


@pytest.mark.parametrize("name", CELLS)
def test_every_example_cell_runs_and_prints_its_answer(name, built, sandbox):
    deployment, options = cells(sandbox.deployments[: len(EXAMPLES)])[name]
    key = deployment.api_key.get_secret_value()
    env = {"ARENA_API_KEY": key} if options["key_display"] == "env" else {}
    sandbox.clear()
    result = run(built[name], env=env)
    assert result.returncode == 0, result.stderr
    calls = sandbox.received
    assert calls and all(call.status == 200 and call.token == key for call in calls)
    if deployment.situation == "llm":
        assert "Sandbox completion" in result.stdout
    elif deployment.situation == "recurrent_ppo":
        check_recurrent(calls)
        assert result.stdout.count(": action {shape=") == len(calls) == 5
    else:
        assert "shape=" in result.stdout and "values=" in result.stdout


def test_the_env_cell_without_a_key_says_what_to_set(built):
    result = run(built["gym-oneshot-env"])
    assert result.returncode != 0 and "Set ARENA_API_KEY" in result.stderr


# ---------------------------------------------------------------- as a new user types it


def test_the_gym_cell_runs_as_a_user_types_it_after_the_declared_install(sandbox, tmp_path):
    """An empty folder, the saved file, the install line (Maven, offline from the local
    repository tests/run.sh filled), then the run line, with nothing on CLASSPATH."""
    declared = LANGUAGES["java"]
    deployment = next(d for d in sandbox.deployments if d.situation == "gym")
    folder, home = tmp_path / "project", tmp_path / "home"
    folder.mkdir()
    (home / ".m2").mkdir(parents=True)
    repository = Path.home() / ".m2" / "repository"
    (home / ".m2" / "settings.xml").write_text(
        f"<settings><localRepository>{repository}</localRepository><offline>true</offline></settings>\n")
    (folder / declared.filename("manual_http")).write_text(
        render_snippet(deployment, "manual_http", language="java").copy_code, encoding="utf-8")
    assert declared.install is not None
    install = declared.install.split(" in the folder: ", 1)[1]
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8"}
    assert shutil.which("mvn"), "mvn is missing: run `bash tests/run.sh` (it installs Debian's maven)"
    done = subprocess.run(["bash", "-c", install], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    assert sorted(p.name for p in folder.glob("*.jar")) == [
        "jackson-annotations-2.23.jar", "jackson-core-2.23.0.jar", "jackson-databind-2.23.0.jar"]
    sandbox.clear()
    result = subprocess.run(["bash", "-c", declared.run_line("manual_http")], cwd=folder, env=env,
                            capture_output=True, text=True, timeout=RUN_LIMIT_SECONDS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("action: {shape=[], values=[")
    (call,) = sandbox.received
    assert call.status == 200 and call.deployment == deployment.name


def test_the_suite_runs_java_with_jacksons_jars_on_the_class_path():
    assert environment("java")["CLASSPATH"].endswith("/jackson/*")


def test_the_stream_cell_prints_a_failing_streams_error_and_exits_non_zero(built, sandbox):
    sandbox.clear()
    with sandbox.streams.failing("model crashed"):
        result = run(built["llm-stream-masked"])
    assert result.returncode != 0
    assert "[ERROR: model crashed]" in result.stderr and "[ERROR" not in result.stdout
