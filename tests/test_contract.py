"""The OpenAPI document is exact: schemathesis (`st run --checks all`) against the service.

The service runs on a free 127.0.0.1 port with a token, so the auth checks run too;
every case is drawn deterministically, so each run sends the same requests.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from serve_support import RunningService, deployment_json
from snippetgen.examples import example_deployment
from snippetgen.rules import rule_table
from snippetgen.serve import ServiceSettings, create_app

TOKEN = "contract-token-0123456789"
EXAMPLES = 100
ST_TIMEOUT = 600
ST = Path(sys.executable).parent / "st"


@pytest.fixture(scope="module")
def guarded():
    with RunningService(create_app(ServiceSettings.load({"SNIPPETGEN_SERVICE_TOKEN": TOKEN}))) as service:
        yield service


@pytest.fixture(scope="module")
def spec(guarded):
    return httpx.get(guarded.url + "/openapi.json", trust_env=False, timeout=60).json()


def test_schemathesis_finds_no_failure(guarded, tmp_path):
    assert ST.exists(), "schemathesis is missing: run `bash tests/run.sh`"
    command = [
        str(ST),
        "run",
        f"{guarded.url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(EXAMPLES),
        "--generation-deterministic",
        # The coverage phase enumerates every keyword's boundaries: tens of thousands of cases
        # on these nested schemas, minutes on two cores. Examples and fuzzing draw the cases.
        "--phases",
        "examples,fuzzing",
        "--header",
        f"Authorization: Bearer {TOKEN}",
        "--no-color",
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "contract_hooks",
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=ST_TIMEOUT, env=env, cwd=tmp_path
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-6000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", report)
    assert generated, report[-3000:]
    # At least EXAMPLES cases for each of the two POST operations, and every one passed.
    assert int(generated[1]) >= 2 * EXAMPLES and generated[1] == generated[2], generated[0]
    assert "TOKEN" not in report and TOKEN not in report


def test_each_tab_lists_only_its_languages(spec):
    body = spec["paths"]["/v1/snippet"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schemas = spec["components"]["schemas"]
    mapping = body["discriminator"]["mapping"]
    code_tabs = {tab: rule for tab, rule in rule_table().tabs.items() if rule.languages}
    assert body["discriminator"]["propertyName"] == "tab" and set(mapping) == set(code_tabs)
    assert len(body["oneOf"]) == len(code_tabs)
    for tab, rule in code_tabs.items():
        variant = schemas[mapping[tab].rsplit("/", 1)[1]]
        assert variant["properties"]["tab"]["const"] == tab
        options = variant["properties"]["language"]["anyOf"]
        languages = [lang for o in options for lang in o.get("enum", [o.get("const")]) if lang]
        assert languages == list(rule.languages)


def test_the_api_key_rule_is_a_pattern(spec):
    schemas = spec["components"]["schemas"]
    for env_type in ("gym", "pettingzoo", "llm", "supervised"):
        key = schemas[f"Deployment_{env_type}"]["properties"]["api_key"]
        (string,) = [o for o in key["anyOf"] if o.get("type") == "string"]
        pattern = re.compile(string["pattern"])
        assert pattern.search("sk-live-0123") and not pattern.search("has space") and not pattern.search("")


def test_every_status_is_documented(spec):
    for path, method, statuses in (
        ("/v1/panel", "post", {"200", "400", "401", "413", "422"}),
        ("/v1/snippet", "post", {"200", "400", "401", "413", "422"}),
        ("/v1/schema/panel", "get", {"200", "400", "401"}),
    ):
        responses = spec["paths"][path][method]["responses"]
        assert set(responses) == statuses, (path, sorted(responses))
    panel = spec["paths"]["/v1/panel"]["post"]["responses"]["200"]
    assert panel["headers"]["Cache-Control"]["schema"]["const"] == "no-store"


def test_what_the_schema_refuses_the_service_refuses(guarded):
    # pydantic alone would take 1 for true; the document says boolean, and so does the service.
    deployment = {**deployment_json(example_deployment("gym")), "connected": 1}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    answer = httpx.post(
        guarded.url + "/v1/panel", json={"deployment": deployment}, headers=headers, trust_env=False
    )
    assert answer.status_code == 422
    assert [entry["field"] for entry in answer.json()["detail"]] == ["deployment.connected"]
    assert answer.json()["detail"][0]["type"] == "schema"
