"""Fresh processes: `import snippetgen`, the first panel, and the MkDocs plugin's share of a build."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

from .measure import p50, run_python

SITE_EXAMPLE = Path(__file__).resolve().parents[3] / "site_example"
IMPORT = """
import time
start = time.perf_counter()
import snippetgen
ms = (time.perf_counter() - start) * 1000
from snippetgen.lazy import loaded
print(ms, *[m for m in ("black", "numpy", "pygments") if loaded(m)])
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
from snippetgen.examples import example_deployment
snippetgen.render_panel(example_deployment("gym"))
print((time.perf_counter() - start) * 1000)
"""


def fresh_processes(runs: int) -> dict[str, float]:
    imports, loaded = [], set()
    for _ in range(runs):
        ms, *modules = run_python(IMPORT).split()
        imports.append(float(ms))
        loaded.update(modules)
    floor = statistics.median(float(run_python(FLOOR)) for _ in range(runs))
    run_python(COLD_PANEL)  # fills the skeleton cache on disk, as the first process of a host does
    cold = statistics.median(float(run_python(COLD_PANEL)) for _ in range(runs))
    with tempfile.TemporaryDirectory() as empty:
        first_ever = float(run_python(COLD_PANEL, env={**os.environ, "SNIPPETGEN_CACHE_DIR": empty}))
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
            timings = run_python(PLUGIN_SHARE, args=[str(without), json.dumps(options)])
            load, hooks = map(float, timings.split())
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
