"""The shared .npy vectors (tests/fixtures/npy): NumPy's own bytes, and every side of
snippetgen reading and writing them byte for byte.

- the committed files are what the installed NumPy writes now;
- arrays.py's header writer and encoder write the same bytes, its reader reads every
  "ok" vector (format versions 1, 2 and 3) and refuses big-endian and Fortran order;
- the JavaScript a snippet carries (its npy(), npyHeader() and fromNpy(), rendered
  from the snippet's own partials) does the same under node.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from snippetgen import arrays, literals
from snippetgen.render import ENVIRONMENT

VECTORS = Path(__file__).parent / "fixtures" / "npy"
MANIFEST = json.loads((VECTORS / "manifest.json").read_text(encoding="utf-8"))
OK = [v for v in MANIFEST if v["expect"] == "ok"]
REFUSED = [v for v in MANIFEST if v["expect"] == "refused"]
# Why each refused vector is refused, as the readers' messages say it.
REFUSAL = {"big-endian": lambda v: v["descr"].startswith(">"), "Fortran order": lambda v: v["fortran_order"]}
# Safety net against a hung interpreter, not a timing assertion.
RUN_LIMIT_SECONDS = 120


def _generator():
    spec = importlib.util.spec_from_file_location("make_vectors", VECTORS / "make_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def raw(vector: dict) -> bytes:
    return (VECTORS / vector["file"]).read_bytes()


def array(vector: dict) -> np.ndarray:
    """The vector's values as NumPy holds them, little-endian and C-ordered."""
    return np.array(vector["values"], dtype=vector["dtype"]).reshape(vector["shape"])


def reason(vector: dict) -> str:
    (why,) = [why for why, applies in REFUSAL.items() if applies(vector)]
    return why


def ids(vector: dict) -> str:
    return vector["file"].removesuffix(".npy")


# ---------------------------------------------------------------- the files are NumPy's


def test_the_vectors_cover_every_dtype_shape_version_and_refusal():
    dtypes = {"float32", "float64", "int8", "int32", "int64", "uint8", "bool"}
    v1 = {(v["dtype"], tuple(v["shape"])) for v in OK if v["version"] == 1}
    assert v1 == {(d, s) for d in dtypes for s in [(), (3,), (2, 3), (1, 4)]}
    assert {v["version"] for v in OK} == {1, 2, 3}
    assert {reason(v) for v in REFUSED} == set(REFUSAL)
    assert sorted(p.name for p in VECTORS.glob("*.npy")) == sorted(v["file"] for v in MANIFEST)


def test_the_committed_vectors_are_what_numpy_writes_now():
    generator = _generator()
    made = generator.vectors()
    assert [entry for entry, _ in made] == MANIFEST
    for entry, data in made:
        assert raw(entry) == data, entry["file"]
    text = (VECTORS / "manifest.json").read_text(encoding="utf-8")
    assert generator.manifest_text([entry for entry, _ in made]) == text


@pytest.mark.parametrize("vector", MANIFEST, ids=ids)
def test_numpy_reads_each_vector_as_the_manifest_says(vector):
    loaded = np.load(VECTORS / vector["file"], allow_pickle=False)
    assert np.lib.format.dtype_to_descr(loaded.dtype) == vector["descr"]
    assert loaded.dtype.name == vector["dtype"] and list(loaded.shape) == vector["shape"]
    assert loaded.ravel(order="C").tolist() == vector["values"]
    assert raw(vector)[6] == vector["version"]
    assert bool(loaded.flags.f_contiguous and not loaded.flags.c_contiguous) == vector["fortran_order"]


# ---------------------------------------------------------------- snippetgen's Python side


@pytest.mark.parametrize("vector", MANIFEST, ids=ids)
def test_the_header_writer_writes_numpys_bytes(vector):
    header = arrays.npy_header(vector["descr"], tuple(vector["shape"]),
                               fortran_order=vector["fortran_order"], version=vector["version"])
    data = array(vector).astype(vector["descr"]).tobytes(order="F" if vector["fortran_order"] else "C")
    assert header + data == raw(vector)
    if vector["version"] == 1:  # the version np.save picks for a header this short
        assert arrays.npy_header(vector["descr"], tuple(vector["shape"]),
                                 fortran_order=vector["fortran_order"]) == header


@pytest.mark.parametrize("vector", [v for v in OK if v["version"] == 1], ids=ids)
def test_the_encoder_writes_what_np_save_writes(vector):
    assert arrays.npy_bytes(array(vector)) == raw(vector)
    assert base64.b64decode(arrays.encode(array(vector))) == raw(vector)


def test_the_encoder_writes_a_big_endian_or_fortran_array_as_every_reader_takes_it():
    for vector in REFUSED:
        ok = next(v for v in OK if v["dtype"] == vector["dtype"] and v["shape"] == vector["shape"]
                  and v["version"] == 1)
        stored = np.load(VECTORS / vector["file"], allow_pickle=False)
        assert arrays.npy_bytes(stored) == raw(ok), vector["file"]


@pytest.mark.parametrize("vector", OK, ids=ids)
def test_the_reader_reads_every_ok_vector(vector):
    got = arrays.read_npy(raw(vector))
    assert got.dtype == np.dtype(vector["dtype"]) and list(got.shape) == vector["shape"]
    assert got.flags.writeable  # as np.load's arrays are
    assert got.ravel().tolist() == vector["values"]
    wire = base64.b64encode(raw(vector)).decode("ascii")
    assert np.array_equal(arrays.decode(wire, "obs"), np.load(VECTORS / vector["file"]))


@pytest.mark.parametrize("vector", REFUSED, ids=ids)
def test_the_reader_refuses_big_endian_and_fortran_order_saying_so(vector):
    with pytest.raises(arrays.NpyError, match=reason(vector)):
        arrays.read_npy(raw(vector))
    wire = base64.b64encode(raw(vector)).decode("ascii")
    with pytest.raises(arrays.WireError, match=rf"^obs\.0: .*{reason(vector)}.*: send it"):
        arrays.decode(wire, "obs.0")


# ---------------------------------------------------------------- the JavaScript snippets carry


def javascript_helpers(headers) -> str:
    """npy(), npyHeader() and fromNpy(), rendered from the snippets' own partials."""
    write = ENVIRONMENT.get_template("manual_http/javascript/_npy.mjs.jinja")
    read = ENVIRONMENT.get_template("manual_http/javascript/_from_npy.mjs.jinja")
    return write.render(npy_headers=headers, writes_headers=True) + read.render(answers_tree=False)


# The typed array a snippet fills for each dtype (literals._TYPED_ARRAYS), from JSON values.
TYPED_FROM_JSON = """
const TYPED = {
  float32: (v) => Float32Array.from(v),
  float64: (v) => Float64Array.from(v),
  int8: (v) => Int8Array.from(v),
  int32: (v) => Int32Array.from(v),
  int64: (v) => BigInt64Array.from(v, BigInt),
  uint8: (v) => Uint8Array.from(v),
  bool: (v) => Uint8Array.from(v, Number),
};
"""


def run_javascript(tmp_path: Path) -> list[dict]:
    """Each vector through the snippet's JavaScript: what fromNpy reads (or the error it
    throws), what npy(npyHeader(...)) writes, and, for one batched sample, the literal a
    snippet prints with its header constant."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: run `bash tests/run.sh` (it installs Debian's nodejs)", pytrace=False)
    samples = {v["file"]: array(v)[0] for v in OK if v["version"] == 1 and v["shape"][:1] == [1]}
    printed = ", ".join(f"{json.dumps(name)}: {literals.javascript(sample)}" for name, sample in samples.items())
    vectors = [{**v, "data": base64.b64encode(raw(v)).decode("ascii")} for v in MANIFEST]
    source = f"""{javascript_helpers(arrays.js_headers(*samples.values()))}
{TYPED_FROM_JSON}
const printed = {{ {printed} }};
const vectors = {json.dumps(vectors)};
const results = vectors.map((v) => {{
  let read;
  try {{
    read = fromNpy(v.data);
  }} catch (error) {{
    read = {{ error: error.message }};
  }}
  const writes = v.version === 1 && !v.fortran_order && !v.descr.startsWith(">");
  const written = writes ? npy(npyHeader(v.descr, v.shape), TYPED[v.dtype](v.values)) : null;
  return {{ read, written, printed: printed[v.file] ?? null }};
}});
console.log(JSON.stringify(results));
"""
    path = tmp_path / "vectors.mjs"
    path.write_text(source, encoding="utf-8")
    result = subprocess.run([node, str(path)], capture_output=True, text=True, timeout=RUN_LIMIT_SECONDS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def javascript(tmp_path_factory):
    results = run_javascript(tmp_path_factory.mktemp("npy-javascript"))
    return {v["file"]: result for v, result in zip(MANIFEST, results, strict=True)}


@pytest.mark.parametrize("vector", OK, ids=ids)
def test_javascript_reads_every_ok_vector(vector, javascript):
    read = javascript[vector["file"]]["read"]
    # fromNpy drops the batch axis and gives plain numbers (bool as 0 and 1).
    assert read == {"shape": vector["shape"][1:], "values": [float(x) for x in vector["values"]]}


@pytest.mark.parametrize("vector", REFUSED, ids=ids)
def test_javascript_refuses_big_endian_and_fortran_order_saying_so(vector, javascript):
    read = javascript[vector["file"]]["read"]
    assert set(read) == {"error"} and reason(vector) in read["error"]


@pytest.mark.parametrize("vector", [v for v in OK if v["version"] == 1], ids=ids)
def test_javascript_writes_numpys_bytes(vector, javascript):
    got = javascript[vector["file"]]
    assert base64.b64decode(got["written"]) == raw(vector)
    if vector["shape"][:1] == [1]:  # a snippet's own literal of one sample, batch axis added
        assert base64.b64decode(got["printed"]) == raw(vector)


def _with_header(text: str, data: bytes = b"") -> bytes:
    """A version 1 file with this header text, padded as np.save pads it."""
    length = len(text) + 1 + 64 - (10 + len(text) + 1) % 64
    return b"\x93NUMPY\x01\x00" + length.to_bytes(2, "little") + text.encode().ljust(length - 1) + b"\n" + data


MALFORMED = {
    "not npy": (b"not npy at all", "not a .npy array"),
    "an npz archive": (b"PK\x03\x04" + bytes(60), "not a single .npy array"),
    "version 4": (b"\x93NUMPY\x04\x00" + raw(OK[0])[8:], "format version 4.0"),
    "data cut short": (raw(OK[2])[:-1], "bytes of data, its header says"),
    "header cut short": (raw(OK[2])[:40], "cut short"),
    "object dtype": (_with_header("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", bytes(8)),
                     "object arrays need pickle"),
    "code in the header": (_with_header("{'descr': __import__('os').getcwd(), 'fortran_order': False, 'shape': ()}"),
                           "no Python literal"),
    "another key": (_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}"),
                    "other keys"),
    "a negative size": (_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"),
                        "not a tuple of sizes"),
    "no dtype": (_with_header("{'descr': '<q9', 'fortran_order': False, 'shape': (), }"), "describes no dtype"),
    "an oversized header": (b"\x93NUMPY\x02\x00" + (20_000).to_bytes(4, "little") + b"{" * 20_000,
                            "at most 10000"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_the_reader_names_what_is_wrong_with_other_bytes(case):
    data, message = MALFORMED[case]
    with pytest.raises(arrays.NpyError, match=message):
        arrays.read_npy(data)
    with pytest.raises(arrays.WireError, match=f"^obs: .*{message}"):
        arrays.decode(base64.b64encode(data).decode("ascii"), "obs")


@pytest.mark.parametrize("vector", REFUSED, ids=lambda v: v["file"])
def test_the_sandbox_reads_what_np_load_reads(vector):
    """The server side is np.load: it takes a big-endian or Fortran-order array as np.save wrote it."""
    expected = np.load(io.BytesIO(raw(vector)), allow_pickle=False)
    shapes: dict = {}
    got = arrays.decode_tree(base64.b64encode(raw(vector)).decode("ascii"), "obs", shapes)
    assert got.dtype == expected.dtype and got.shape == expected.shape and np.array_equal(got, expected)
    assert shapes == {"obs": (expected.shape, expected.dtype.name)}


# ---------------------------------------------------------------- the Go snippets carry

GO_VECTORS = """
func main() {{
	_ = strings.TrimSpace
	if len(os.Args) > 1 {{
		fromNpy(vectors[len(os.Args)-2])
		return
	}}
	var results []any
	for i, data := range vectors {{
		if !refused[i] {{
			array := fromNpy(data)
			var read bytes.Buffer
			binary.Write(&read, binary.LittleEndian, array["values"])
			results = append(results, map[string]any{{"shape": array["shape"], "values": fmt.Sprintf("%x", read.Bytes())}})
		}}
	}}
	out, _ := json.Marshal(map[string]any{{"read": results, "written": written, "printed": printed}})
	fmt.Println(string(out))
}}

var vectors = []string{{
{vectors}}}

var refused = []bool{{{refused}}}

var written = []string{{
{written}}}

var printed = []string{{
{printed}}}
"""


def _go_slice(values: np.ndarray, descr: str, shape: list[int]) -> str:
    """npy(npyHeader(descr, shape...), []T{...}): what a user writes for an array the snippet leaves to them."""
    literal = literals.go(values)
    head = f"npyHeader({', '.join([literals.go(descr), *map(str, shape)])})"
    return literal.replace(literal[4:literal.index(", ")], head, 1)


@pytest.fixture(scope="module")
def go(tmp_path_factory):
    """Each vector through the snippet's Go: what fromNpy reads (shape, values written back
    as bytes) or how it fails, what npy(npyHeader(...)) writes, and one batched sample's
    literal as a snippet prints it with its header constant."""
    from test_manual_http_languages import go_helpers, run_go

    folder = tmp_path_factory.mktemp("npy-go")
    writes = [v for v in OK if v["version"] == 1]
    samples = {v["file"]: array(v)[0] for v in writes if v["shape"][:1] == [1]}
    source = go_helpers(arrays.js_headers(*samples.values()), writes_headers=True) + GO_VECTORS.format(
        vectors="".join(f"\t{literals.go(base64.b64encode(raw(v)).decode('ascii'))},\n" for v in MANIFEST),
        refused=", ".join("true" if v["expect"] == "refused" else "false" for v in MANIFEST),
        written="".join(f"\t{_go_slice(array(v), v['descr'], v['shape'])},\n" for v in writes),
        printed="".join(f"\t{literals.go(sample)},\n" for sample in samples.values()),
    )
    result = run_go(source, folder)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    read = iter(found["read"])
    failures = {}
    for n, vector in enumerate(MANIFEST):
        if vector["expect"] == "refused":
            failures[vector["file"]] = subprocess.run([str(folder / "arrays"), *["x"] * (n + 1)], capture_output=True,
                                                      text=True, timeout=RUN_LIMIT_SECONDS)
    return {
        "read": {v["file"]: next(read) for v in OK},
        "refused": failures,
        "written": dict(zip([v["file"] for v in writes], found["written"], strict=True)),
        "printed": dict(zip(samples, found["printed"], strict=True)),
    }


@pytest.mark.parametrize("vector", OK, ids=ids)
def test_go_reads_every_ok_vector(vector, go):
    read = go["read"][vector["file"]]
    # fromNpy drops the batch axis; its values are the typed slice of the dtype.
    assert read["shape"] == vector["shape"][1:]
    assert bytes.fromhex(read["values"]) == array(vector).tobytes()


@pytest.mark.parametrize("vector", REFUSED, ids=ids)
def test_go_refuses_big_endian_and_fortran_order_saying_so(vector, go):
    result = go["refused"][vector["file"]]
    assert result.returncode != 0 and reason(vector) in result.stderr, result.stderr


@pytest.mark.parametrize("vector", [v for v in OK if v["version"] == 1], ids=ids)
def test_go_writes_numpys_bytes(vector, go):
    assert base64.b64decode(go["written"][vector["file"]]) == raw(vector)
    if vector["file"] in go["printed"]:  # a snippet's own literal of one sample, batch axis added
        assert base64.b64decode(go["printed"][vector["file"]]) == raw(vector)
