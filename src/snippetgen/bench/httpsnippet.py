"""The Manual HTTP set side by side with httpsnippet (Node), installed with npm on first use."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from ..deployment import Deployment
from ..examples import example_deployment
from ..languages import LANGUAGES
from ..render import render_snippets
from .measure import BenchError, fresh, p50, p50_each, us

CACHE_HOME = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
HTTPSNIPPET_DIR = CACHE_HOME / "snippetgen" / "httpsnippet"
SET = {language.id: language.httpsnippet for language in LANGUAGES.values() if language.httpsnippet}
"""Our languages httpsnippet also writes, and its target and client for each."""

LOOP_JS = """
const { HTTPSnippet } = require("httpsnippet");
const [har, targets] = [JSON.parse(process.argv[2]), JSON.parse(process.argv[4])];
const samples = Number(process.argv[3]);
function set(url) {
  const snippet = new HTTPSnippet({ ...har, url });
  return targets.map(([target, client]) => snippet.convert(target, client));
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


def install() -> Path:
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
    from ..arrays import to_wire
    from ..render import Request

    script = install()
    deployment = example_deployment("gym")
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
        ["node", str(script), json.dumps(har), str(samples), json.dumps(list(SET.values()))],
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
        render_snippets(Deployment.model_validate(fields), "manual_http", languages=tuple(SET))

    def as_fields(d: Deployment) -> dict:
        assert d.api_key is not None
        return {**d.model_dump(exclude={"api_key"}), "api_key": d.api_key.get_secret_value()}

    same = as_fields(deployment)
    one_set(same)
    ours_fresh = p50_each(one_set, [as_fields(fresh(deployment)) for _ in range(samples)])
    ours_same = p50(lambda: one_set(same), samples)
    print(f"{f'{len(SET)}-snippet set, p50':24} {'same request':>14} {'new values':>12}")
    print(f"{'httpsnippet (Node)':24} {us(theirs['same']):>14} {us(theirs['fresh']):>12}")
    print(f"{'snippetgen':24} {us(ours_same):>14} {us(ours_fresh):>12}")
    languages = ", ".join(f"{LANGUAGES[language].title} ({client})" for language, (_, client) in SET.items())
    print(
        f"Manual HTTP get_action request of the gym example: {languages}, "
        "the input validated each time (a HAR by httpsnippet, a Deployment by snippetgen); "
        "httpsnippet converts every time, snippetgen answers a repeated request from memory"
    )
    return {"same": ours_same / theirs["same"], "fresh": ours_fresh / theirs["fresh"]}
