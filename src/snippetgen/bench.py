"""`python -m snippetgen bench`: what rendering costs, side by side in one run.

- panels: the naive path (Jinja + black over every text) against the default
  path for a deployment never rendered before ("new values") and for an
  identical request again ("repeat"), per built-in example;
- `import snippetgen` and the first panel, each in a fresh process;
- the MkDocs plugin's share of building site_example (with against without it);
- with `--against httpsnippet`: a Manual HTTP set (Python requests, curl,
  JavaScript fetch) for the same request, by httpsnippet in Node and by us.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from .deployment import MAX_ENDPOINT_LENGTH, MAX_KEY_LENGTH, Deployment
from .examples import example, examples
from .languages import LanguageId
from .panel import render_panel
from .render import render_snippets

SITE_EXAMPLE = Path(__file__).resolve().parents[2] / "site_example"
CACHE_HOME = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
HTTPSNIPPET_DIR = CACHE_HOME / "snippetgen" / "httpsnippet"
SET_LANGUAGES: tuple[LanguageId, ...] = ("python", "curl", "javascript")
_fresh_ids = itertools.count()

IMPORT = """
import sys, time
start = time.perf_counter()
import snippetgen
ms = (time.perf_counter() - start) * 1000
print(ms, *[m for m in ("black", "numpy", "pygments") if m in sys.modules])
"""
FLOOR = """
import time
start = time.perf_counter()
import jinja2
from pydantic import BaseModel
class One(BaseModel):
    x: int
One(x=1)
print((time.perf_counter() - start) * 1000)
"""
COLD_PANEL = """
import time
start = time.perf_counter()
import snippetgen
from snippetgen.examples import example
snippetgen.render_panel(example("gym"))
print((time.perf_counter() - start) * 1000)
"""


class BenchError(Exception):
    """A measurement that cannot run here, in one line."""


def fresh(deployment: Deployment) -> Deployment:
    """The same deployment with a name, endpoint and key never rendered before."""
    n = next(_fresh_ids)
    assert deployment.api_key is not None and deployment.endpoint is not None
    return deployment.model_copy(
        update={
            "name": f"{deployment.name}-{n}",
            "endpoint": f"{deployment.endpoint}-{n}",
            "api_key": SecretStr(f"{deployment.api_key.get_secret_value()}-{n:08d}"),
        }
    )


def p50(run: Callable[[], object], times: int) -> float:
    """Median seconds of `times` calls."""
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def p50_each(run: Callable[[Any], object], deployments: Sequence[Any]) -> float:
    """Median seconds of one call per deployment (or its fields)."""
    samples = []
    for deployment in deployments:
        start = time.perf_counter()
        run(deployment)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _python(code: str, env: dict[str, str] | None = None, args: Sequence[str] = ()) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=False
    )
    if result.returncode != 0:
        raise BenchError(f"a fresh process failed: {result.stderr.strip().splitlines()[-1:]}")
    return result.stdout.strip()


def _us(value: float) -> str:
    return f"{value * 1e6:.1f} µs"


def target(what: str, value: str, ok: bool) -> None:
    print(f"  {what:48} {value:>16}  {'met' if ok else 'MISSED'}")


# ---------------------------------------------------------------- panels


def panels(profile: str, rounds: int, samples: int) -> dict[str, float]:
    columns = ("naive ms", "new µs", "repeat µs", "naive/new", "naive/repeat")
    print(f"{'panel':15}" + "".join(f"{c:>13}" for c in columns))
    naive_total = new_total = 0.0
    repeats = []
    for deployment in examples():
        one = fresh(deployment)
        if render_panel(one, profile=profile) != render_panel(one, profile=profile, black_cache=False):
            raise BenchError(f"{deployment.situation}: the default and naive outputs differ")
        naive = p50(partial(render_panel, deployment, profile=profile, black_cache=False), rounds)
        new = p50_each(partial(render_panel, profile=profile), [fresh(deployment) for _ in range(samples)])
        repeat = p50(partial(render_panel, deployment, profile=profile), samples)
        naive_total, new_total = naive_total + naive, new_total + new
        repeats.append(repeat)
        print(
            f"{deployment.situation:15} {naive * 1e3:13.2f} {new * 1e6:12.1f} {repeat * 1e6:12.1f}"
            f" {naive / new:11.0f}x {naive / repeat:11.0f}x"
        )
    total = f"{'all six':15} {naive_total * 1e3:13.2f} {new_total * 1e6:12.1f} {'':12}"
    print(f"{total} {naive_total / new_total:11.0f}x")
    print(
        f"p50 of {rounds} naive and {samples} other renders; 'new' renders a deployment never rendered\n"
        "before (new name, endpoint, key); outputs are identical on both paths"
    )
    return {"ratio": naive_total / new_total, "repeat": statistics.median(repeats)}


# ---------------------------------------------------------------- the worst request

BODY_LIMIT = 1024 * 1024
"""The service's request body limit: the worst request is the worst one under it."""
WORST_PANEL_BYTES = 256_000
WORST_RENDER_SECONDS = 0.1


def _max_length(field: str) -> int:
    return next(m.max_length for m in Deployment.model_fields[field].metadata if hasattr(m, "max_length"))


def worst_request(*, longest_values: bool = False) -> dict:
    """The `POST /v1/panel` body that costs most under the space budgets and the body limit:
    a PettingZoo deployment at every budget at once. Each agent's id takes its full share of
    the name budget; each observation is a float64 array with per-element bounds (the most
    numbers to validate) that leave one value, 1.0 (built from its 8 bytes in curl), with
    distinct shapes (so distinct .npy headers); agent 0's instead lists its values one by one
    (no single value fits its bounds), each with the longest float64 text; every agent has an
    action mask of its own size and an env-defined action; the name is as long as allowed.

    `longest_values`: the largest panel instead of the slowest request: each array's one
    value has the longest float64 text, so its bounds are numbers (lists of it would pass
    the body limit)."""
    from .spaces import MAX_AGENT_ID_LENGTH, MAX_AGENTS, MAX_ELEMENTS, MAX_LISTED_ELEMENTS

    agents = [f"agent_{i:02d}".ljust(MAX_AGENT_ID_LENGTH, "x") for i in range(MAX_AGENTS)]
    listed = [-(1 + i / MAX_LISTED_ELEMENTS) * 1.2345678901234567e-300 for i in range(MAX_LISTED_ELEMENTS)]
    # Distinct sizes, filling the element budget exactly.
    sizes = [(MAX_ELEMENTS - len(listed)) // (MAX_AGENTS - 1) - i for i in range(MAX_AGENTS - 1)]
    sizes[0] += MAX_ELEMENTS - len(listed) - sum(sizes)
    observation: dict[str, dict[str, object]] = {
        agent: {"type": "Box", "shape": [n], "dtype": "float64", "low": [1] * n, "high": [1] * n}
        for agent, n in zip(agents[1:], sizes, strict=True)
    }
    if longest_values:
        for space in observation.values():
            space["low"] = space["high"] = -1.2345678901234567e-300
    observation = {
        agents[0]: {"type": "Box", "shape": [len(listed)], "dtype": "float64", "low": listed, "high": listed},
        **observation,
    }
    actions = {
        agent: {"type": "Discrete", "n": MAX_ELEMENTS // MAX_AGENTS - i} for i, agent in enumerate(agents)
    }
    deployment = {
        "name": "n" * _max_length("name"),
        "algorithm": "MADDPG",
        "env_type": "pettingzoo",
        "endpoint": "https://agents.example.com/".ljust(MAX_ENDPOINT_LENGTH, "e"),
        "api_key": "fake-key-".ljust(MAX_KEY_LENGTH, "0"),
        "agents": agents,
        "observation_space": observation,
        "action_space": actions,
        "action_mask": True,
        "env_defined_actions": True,
    }
    return {"deployment": deployment, "profile": "documented"}


def worst(samples: int, *, longest_values: bool = False) -> dict[str, float]:
    body = worst_request(longest_values=longest_values)
    size = len(json.dumps(body).encode())
    if size > BODY_LIMIT:
        raise BenchError(f"the worst request is {size} bytes, over the {BODY_LIMIT}-byte body limit")
    deployment = Deployment.model_validate_json(json.dumps(body["deployment"]))
    profile = body["profile"]
    start = time.perf_counter()
    render_panel(fresh(deployment), profile=profile)
    first = time.perf_counter() - start
    fresh_ones = [fresh(deployment) for _ in range(min(samples, 200))]
    new = p50_each(partial(render_panel, profile=profile), fresh_ones)
    validate = p50(partial(Deployment.model_validate_json, json.dumps(body["deployment"])), 20)
    panel_bytes = len(render_panel(fresh(deployment), profile=profile).model_dump_json().encode())
    label = "worst_request(longest_values=True)" if longest_values else "worst_request()"
    print(
        f"{label:36} new values {new * 1e3:6.1f} ms  panel {panel_bytes:,} bytes  "
        f"(body {size:,} bytes; validation {validate * 1e3:.1f} ms; new shape, black: {first * 1e3:.0f} ms)"
    )
    return {"worst_new": new, "worst_bytes": panel_bytes}


# ---------------------------------------------------------------- fresh processes


def fresh_processes(runs: int) -> dict[str, float]:
    imports, loaded = [], set()
    for _ in range(runs):
        ms, *modules = _python(IMPORT).split()
        imports.append(float(ms))
        loaded.update(modules)
    floor = statistics.median(float(_python(FLOOR)) for _ in range(runs))
    _python(COLD_PANEL)  # fills the skeleton cache on disk, as the first process of a host does
    cold = statistics.median(float(_python(COLD_PANEL)) for _ in range(runs))
    with tempfile.TemporaryDirectory() as empty:
        first_ever = float(_python(COLD_PANEL, env={**os.environ, "SNIPPETGEN_CACHE_DIR": empty}))
    heavy = ", ".join(sorted(loaded)) or "none of black, numpy, pygments"
    import_ms = statistics.median(imports)
    print(f"import snippetgen           {import_ms:8.1f} ms  (median of {runs}; loads {heavy})")
    print(f"  for scale: pydantic+jinja2{floor:8.1f} ms  (imported alone, one model defined and used)")
    print(f"first panel, new process    {cold:8.1f} ms  (import included; skeletons on disk)")
    print(f"first panel, empty cache    {first_ever:8.1f} ms  (the first process on a host: black formats)")
    return {"import": import_ms, "cold": cold, "heavy": float(bool(loaded))}


# ---------------------------------------------------------------- docs builds

PLUGIN_SHARE = """
import json, sys, time
from importlib.metadata import entry_points
from mkdocs.config import load_config
from mkdocs.structure.files import get_files
from mkdocs.structure.pages import Page

config_file, options = sys.argv[1], json.loads(sys.argv[2])
config = load_config(config_file=config_file)  # the site without the plugin: theme, extensions
files = get_files(config)
start = time.perf_counter()
plugin = entry_points(group="mkdocs.plugins")["snippetgen"].load()()
errors, _ = plugin.load_config(options, config_file)
assert not errors, errors
loaded = time.perf_counter()
plugin.on_startup(command="build", dirty=False)
plugin.on_config(config)
plugin.on_pre_build(config=config)
for file in files.documentation_pages():
    page = Page(None, file, config)
    page.read_source(config)
    page.render(config, files)  # the plugin's fence renders the blocks inside Markdown
done = time.perf_counter()
print(loaded - start, done - loaded)
"""


def _site_configs(folder: Path) -> tuple[Path, Path, dict] | None:
    """site_example's mkdocs.yml with and without the plugin, and the plugin's options."""
    if not (SITE_EXAMPLE / "mkdocs.yml").is_file():
        print("plugin share: skipped (site_example/ is in a source checkout only)")
        return None
    try:
        import mkdocs  # noqa: F401
        import yaml
    except ImportError:
        print("plugin share: skipped (needs the mkdocs extra: pip install 'snippetgen[mkdocs]')")
        return None
    class Loader(yaml.SafeLoader):
        """Reads `!!python/name:` tags as text: the configs written here drop them all."""

    Loader.add_multi_constructor(
        "tag:yaml.org,2002:python/name:", lambda loader, suffix, node: f"python/name:{suffix}"
    )
    config = yaml.load((SITE_EXAMPLE / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    config["docs_dir"] = str(SITE_EXAMPLE / "docs")
    # The plugin alone renders the blocks: the custom fence and its options extension go.
    extensions = []
    for entry in config.get("markdown_extensions", []):
        name = next(iter(entry)) if isinstance(entry, dict) else entry
        if name == "snippetgen_mkdocs.fence":
            continue
        if isinstance(entry, dict) and "pymdownx.superfences" in entry:
            options = entry["pymdownx.superfences"] or {}
            fences = [f for f in options.get("custom_fences", []) if f.get("name") != "arena-snippet"]
            entry = {"pymdownx.superfences": {**options, "custom_fences": fences}}
        extensions.append(entry)
    config["markdown_extensions"] = extensions
    ours = [p for p in config["plugins"] if isinstance(p, dict) and "snippetgen" in p]
    options = ours[0]["snippetgen"] if ours else {}
    without = {**config, "plugins": [p for p in config["plugins"] if p not in ours]}
    paths = folder / "mkdocs-with.yml", folder / "mkdocs-without.yml"
    for path, data in zip(paths, (config, without), strict=True):
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return paths[0], paths[1], options


def docs_builds(runs: int) -> float | None:
    """The plugin's share of a build of site_example: loading it, its hooks, and rendering the
    pages whose blocks its fence turns into HTML."""
    with tempfile.TemporaryDirectory() as tmp:
        configs = _site_configs(Path(tmp))
        if configs is None:
            return None
        with_plugin, without, options = configs
        shares = []
        for i in range(runs + 1):  # the first run warms the skeleton cache and the OS's file cache
            load, hooks = map(float, _python(PLUGIN_SHARE, args=[str(without), json.dumps(options)]).split())
            if i:
                shares.append((load, hooks))
        load = statistics.median(s[0] for s in shares)
        hooks = statistics.median(s[1] for s in shares)
        print(
            f"MkDocs plugin, new process {(load + hooks) * 1000:8.0f} ms  (loading it {load * 1000:.0f} ms, "
            f"its hooks and site_example's pages rendered {hooks * 1000:.0f} ms; median of {runs})"
        )
        builds = {}
        for label, path in (("with", with_plugin), ("without", without)):
            command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(path), "-d", f"{tmp}/site"]
            builds[label] = p50(partial(subprocess.run, command, capture_output=True, check=True), runs)
        print(
            f"mkdocs build site_example  {builds['with'] * 1000:8.0f} ms with the plugin, "
            f"{builds['without'] * 1000:.0f} ms without (the difference is mostly search indexing and "
            "highlighting of the snippets' HTML)"
        )
    return load + hooks


# ---------------------------------------------------------------- httpsnippet

LOOP_JS = """
const { HTTPSnippet } = require("httpsnippet");
const [har, samples] = [JSON.parse(process.argv[2]), Number(process.argv[3])];
function set(url) {
  const snippet = new HTTPSnippet({ ...har, url });
  return [snippet.convert("python", "requests"), snippet.convert("shell", "curl"),
          snippet.convert("javascript", "fetch")];
}
function p50(run) {
  const times = [];
  for (let i = 0; i < samples; i++) {
    const start = process.hrtime.bigint();
    run(i);
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return times.sort((a, b) => a - b)[times.length >> 1];
}
for (let i = 0; i < 5000; i++) set(har.url + "-warm-" + i);  // lets the JIT compile first
console.log(JSON.stringify({ same: p50(() => set(har.url)), fresh: p50((i) => set(har.url + "-" + i)) }));
"""


def _httpsnippet() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise BenchError("--against httpsnippet needs Node.js and npm on PATH (node, npm)")
    if not (HTTPSNIPPET_DIR / "node_modules" / "httpsnippet").is_dir():
        print(f"installing httpsnippet with npm into {HTTPSNIPPET_DIR} ...", flush=True)
        HTTPSNIPPET_DIR.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [npm, "install", "--prefix", str(HTTPSNIPPET_DIR), "--no-audit", "--no-fund", "httpsnippet@3"],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BenchError(f"npm install httpsnippet failed: {result.stderr.strip()[-300:]}")
    script = HTTPSNIPPET_DIR / "bench-loop.js"
    script.write_text(LOOP_JS, encoding="utf-8")
    return script


def against_httpsnippet(samples: int) -> dict[str, float]:
    from .render import Request
    from .wire import to_wire

    script = _httpsnippet()
    deployment = example("gym")
    assert deployment.endpoint is not None and deployment.api_key is not None
    data = Request(deployment).data
    har = {
        "method": "POST",
        "url": f"{deployment.endpoint}/get_action",
        "httpVersion": "HTTP/1.1",
        "headers": [
            {"name": "Authorization", "value": f"Bearer {deployment.api_key.get_secret_value()}"},
            {"name": "Content-Type", "value": "application/json"},
        ],
        "queryString": [],
        "cookies": [],
        "headersSize": -1,
        "bodySize": -1,
        "postData": {
            "mimeType": "application/json",
            "text": json.dumps({"obs": to_wire(data["obs"]), "batch_size": 1}),
        },
    }
    result = subprocess.run(
        ["node", str(script), json.dumps(har), str(samples)],
        cwd=HTTPSNIPPET_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BenchError(f"httpsnippet failed: {result.stderr.strip()[-300:]}")
    theirs = json.loads(result.stdout)

    def one_set(fields: dict) -> None:
        # Validated every time, as httpsnippet validates its HAR.
        render_snippets(Deployment.model_validate(fields), "manual_http", languages=SET_LANGUAGES)

    def as_fields(d: Deployment) -> dict:
        assert d.api_key is not None
        return {**d.model_dump(exclude={"api_key"}), "api_key": d.api_key.get_secret_value()}

    same = as_fields(deployment)
    one_set(same)
    ours_fresh = p50_each(one_set, [as_fields(fresh(deployment)) for _ in range(samples)])
    ours_same = p50(lambda: one_set(same), samples)
    print(f"{'3-snippet set, p50':24} {'same request':>14} {'new values':>12}")
    print(f"{'httpsnippet (Node)':24} {_us(theirs['same']):>14} {_us(theirs['fresh']):>12}")
    print(f"{'snippetgen':24} {_us(ours_same):>14} {_us(ours_fresh):>12}")
    print(
        "Manual HTTP get_action request of the gym example: Python requests, curl, JavaScript fetch, "
        "the input validated each time (a HAR by httpsnippet, a Deployment by snippetgen); "
        "httpsnippet converts every time, snippetgen answers a repeated request from memory"
    )
    return {"same": ours_same / theirs["same"], "fresh": ours_fresh / theirs["fresh"]}


# ---------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m snippetgen bench",
        description=(
            "Time panel rendering (naive vs. default path, new values and repeats), import and "
            "first panel in fresh processes, and the MkDocs plugin's share of a docs build; "
            "optionally against httpsnippet. Outputs of both paths are checked to be identical."
        ),
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="naive renders, fresh processes and docs builds (default: 5)"
    )
    parser.add_argument(
        "--samples", type=int, default=1000, help="renders per p50 on the default path (default: 1000)"
    )
    parser.add_argument("--profile", default="documented", help="client profile (default: documented)")
    parser.add_argument(
        "--against",
        choices=["httpsnippet"],
        help="also time httpsnippet (installed with npm into ~/.cache/snippetgen on first use)",
    )
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.samples < 1:
        parser.error("--rounds and --samples must be at least 1")
    try:
        if args.against:
            _httpsnippet()  # fails early, before any timing, when Node is missing
        results = panels(args.profile, args.rounds, args.samples)
        print()
        print("The most expensive requests under the 1 MiB body limit (PettingZoo at every space budget):")
        slowest, largest = worst(args.samples), worst(args.samples, longest_values=True)
        results.update(
            worst_new=max(slowest["worst_new"], largest["worst_new"]),
            worst_bytes=max(slowest["worst_bytes"], largest["worst_bytes"]),
        )
        print()
        results.update(fresh_processes(args.rounds))
        print()
        share = docs_builds(args.rounds)
        versus = None
        if args.against:
            print()
            versus = against_httpsnippet(args.samples)
    except BenchError as exc:
        print(f"snippetgen bench: {exc}", file=sys.stderr)
        return 2

    print()
    print("targets")
    target("new-values panel >= 150x faster than naive", f"{results['ratio']:.0f}x", results["ratio"] >= 150)
    target("repeat p50 <= 20 µs", _us(results["repeat"]), results["repeat"] <= 20e-6)
    target(
        "worst request: new values <= 100 ms",
        f"{results['worst_new'] * 1e3:.1f} ms",
        results["worst_new"] <= WORST_RENDER_SECONDS,
    )
    target(
        "worst request: panel <= 256 KB",
        f"{results['worst_bytes'] / 1000:.0f} KB",
        results["worst_bytes"] <= WORST_PANEL_BYTES,
    )
    target(
        "import <= 100 ms, no black/numpy/pygments",
        f"{results['import']:.1f} ms",
        results["import"] <= 100 and not results["heavy"],
    )
    target("first panel in a new process <= 300 ms", f"{results['cold']:.1f} ms", results["cold"] <= 300)
    if share is not None:
        target("MkDocs plugin: load + hooks <= 300 ms", f"{share * 1000:.0f} ms", share <= 0.3)
    if versus is not None:
        for label, ratio in (("same request", versus["same"]), ("new values", versus["fresh"])):
            target(f"faster than httpsnippet per set, {label}", f"{ratio:.2f}x its time", ratio < 1)
    return 0
