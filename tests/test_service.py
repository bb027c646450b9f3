"""The JSON service: the library's answers over HTTP, and bad input that never gets a 500.

The app runs in uvicorn on a free 127.0.0.1 port for the module; `python -m
snippetgen serve` itself runs as a subprocess where its start and stop matter.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from serve_support import RunningService, deployment_json
from snippetgen import render_panel, render_snippet
from snippetgen.examples import example_deployment
from snippetgen.rules import SITUATIONS, rule_table
from snippetgen.serve import ServiceSettings, SettingsError, create_app
from snippetgen.serve.models import panel_schema

ROOT = Path(__file__).parents[1]
KEY_DISPLAYS = ("masked", "env", "placeholders")
PROFILES = tuple(rule_table().profiles)
MIB = 1024 * 1024
# A key as a dashboard holds it; every error test checks that no answer repeats it.
SECRET = "sk-live-7f3a9c2e41b8d6f05a1e9c3b7d2f4a60"
HOSTILE_NAMES = (
    'x"; rm -rf ~; "',
    "line\nbreak",
    "$(touch /tmp/pwned) `id`",
    "ünïcødé ☃ 名前",
    "'; DROP TABLE agents; --",
    "</script><script>alert(1)</script>",
    "n" * 1000,
)
WAIT = 60


@pytest.fixture(scope="module")
def service():
    with RunningService(create_app(ServiceSettings())) as running:
        yield running


@pytest.fixture(scope="module")
def client(service):
    with httpx.Client(base_url=service.url, timeout=WAIT, trust_env=False) as c:
        yield c


def with_secret(situation: str, **overrides) -> dict:
    return {**deployment_json(example_deployment(situation)), "api_key": SECRET, **overrides}


def library_json(model) -> object:
    return json.loads(model.model_dump_json())


def assert_no_secret(response: httpx.Response, secret: str = SECRET) -> None:
    assert (
        secret not in response.text
    ), f"{response.status_code} answer repeats the key: {response.text[:300]}"
    # Not even most of it.
    assert secret[4:-4] not in response.text


def fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/json")
    return [entry["field"] for entry in response.json()["detail"]]


# ---------------------------------------------------------------- equal to the library


@pytest.mark.parametrize("key_display", KEY_DISPLAYS)
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("situation", SITUATIONS)
def test_panel_is_render_panel(client, situation, profile, key_display):
    deployment = example_deployment(situation)
    body = {"deployment": deployment_json(deployment), "profile": profile, "key_display": key_display}
    response = client.post("/v1/panel", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == library_json(render_panel(deployment, profile=profile, key_display=key_display))


def test_panel_defaults_are_the_library_defaults(client):
    deployment = example_deployment("gym")
    response = client.post("/v1/panel", json={"deployment": deployment_json(deployment)})
    assert response.json() == library_json(render_panel(deployment))


@pytest.mark.parametrize("cell", sorted(rule_table().all_cells()), ids="/".join)
def test_snippet_is_render_snippet(client, cell):
    profile, situation, tab, language, variant = cell
    deployment = example_deployment(situation)
    body = {"deployment": deployment_json(deployment), "tab": tab, "language": language, "profile": profile}
    if variant != "request":
        body["variant"] = variant
    response = client.post("/v1/snippet", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == library_json(
        render_snippet(deployment, tab, language=language, profile=profile, variant=variant)
    )
    assert response.json()["variant"] == variant


@pytest.mark.parametrize(
    "situation, tab, variant, message",
    [
        ("gym", "manual_http", "stream",
         "no stream variant of the Manual HTTP tab for Single-agent Gym deployments; choose one of: request"),
        ("llm", "arena_cli", "stream", "the Arena CLI tab has no such variant; choose one of: request"),
        ("llm", "manual_http", "streaming", "the Manual HTTP tab has no such variant; choose one of: request, stream"),
    ],
)
def test_a_variant_the_cell_lacks_is_a_422_naming_the_variant(client, situation, tab, variant, message):
    body = {"deployment": deployment_json(example_deployment(situation)), "tab": tab, "variant": variant}
    response = client.post("/v1/snippet", json=body)
    assert response.status_code == 422, response.text
    (entry,) = response.json()["detail"]
    assert (entry["field"], entry["msg"]) == ("variant", message)


@pytest.mark.parametrize("key_display", KEY_DISPLAYS)
def test_snippet_key_display_is_passed_on(client, key_display):
    deployment = example_deployment("pettingzoo")
    body = {"deployment": deployment_json(deployment), "tab": "manual_http", "key_display": key_display}
    response = client.post("/v1/snippet", json=body)
    assert response.json() == library_json(render_snippet(deployment, "manual_http", key_display=key_display))


def test_snippet_language_defaults_to_the_tabs_first(client):
    deployment = example_deployment("gym")
    response = client.post(
        "/v1/snippet", json={"deployment": deployment_json(deployment), "tab": "manual_http"}
    )
    assert response.json() == library_json(render_snippet(deployment, "manual_http"))


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_hostile_names_are_data(client, name):
    deployment = example_deployment("llm", name=name)
    panel = client.post("/v1/panel", json={"deployment": deployment_json(deployment)})
    assert panel.status_code == 200, panel.text
    assert panel.json() == library_json(render_panel(deployment))
    assert panel.json()["deployment_name"] == name
    snippet = client.post(
        "/v1/snippet",
        json={"deployment": deployment_json(deployment), "tab": "manual_http", "language": "curl"},
    )
    assert snippet.json() == library_json(render_snippet(deployment, "manual_http", language="curl"))


def test_panel_without_key_says_snippets_need_both(client):
    deployment = example_deployment("gym").model_copy(update={"api_key": None})
    response = client.post("/v1/panel", json={"deployment": deployment_json(deployment)})
    assert response.status_code == 200
    assert response.json() == library_json(render_panel(deployment))
    assert response.json()["snippets_unavailable"]


# ---------------------------------------------------------------- schema and docs


def test_schema_route_and_command_print_the_panel_schema(client):
    response = client.get("/v1/schema/panel")
    assert response.status_code == 200
    assert response.json() == panel_schema()
    assert response.json()["title"] == "Panel"
    printed = subprocess.run(
        [sys.executable, "-m", "snippetgen", "schema"],
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=True,
    )
    assert json.loads(printed.stdout) == response.json()


def test_openapi_lists_the_routes_with_the_library_models(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert set(paths) == {"/v1/panel", "/v1/snippet", "/v1/schema/panel"}
    schemas = spec["components"]["schemas"]
    for path, request, answer in (
        ("/v1/panel", "PanelRequest", "Panel"),
        ("/v1/snippet", "SnippetRequest_manual_http", "Snippet"),
    ):
        operation = paths[path]["post"]
        body = json.dumps(operation["requestBody"]["content"]["application/json"]["schema"])
        assert f"/{request}" in body
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok["$ref"].endswith(f"/{answer}")
        assert "422" in operation["responses"]
    assert "Deployment" in schemas
    assert set(schemas["Deployment_gym"]["properties"]) >= {
        "name",
        "algorithm",
        "env_type",
        "endpoint",
        "api_key",
    }


def test_interactive_docs_load_only_local_assets(client):
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/openapi.json" in docs.text
    assert "https://" not in docs.text and "http://" not in docs.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert client.get(f"/docs/assets/{asset}").status_code == 200


# ---------------------------------------------------------------- bad input


def test_each_bad_field_is_named(client):
    deployment = with_secret("gym", endpoint="ftp://agent.example.com", env_type="gymm", colour="blue")
    response = client.post(
        "/v1/panel", json={"deployment": deployment, "profile": "nope", "key_display": "shown"}
    )
    named = fields(response)
    for field in (
        "deployment.endpoint",
        "deployment.env_type",
        "deployment.colour",
        "profile",
        "key_display",
    ):
        assert field in named, named
    assert_no_secret(response)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "deployment"),
        ({"deployment": None}, "deployment"),
        ({"deployment": {"name": "x", "env_type": "gym"}}, "deployment.algorithm"),
        ({"deployment": {"name": "", "algorithm": "PPO", "env_type": "gym"}}, "deployment.name"),
        ({"deployment": {"name": "x", "algorithm": "GRPO", "env_type": "gym"}}, "deployment"),
        (
            {"deployment": {"name": "x", "algorithm": "PPO", "env_type": "gym", "status": "Up"}},
            "deployment.status",
        ),
        ({"deployment": {"name": "x", "algorithm": "PPO", "env_type": "gym"}, "extra": 1}, "extra"),
    ],
)
def test_panel_input_errors_name_the_field(client, body, field):
    assert field in fields(client.post("/v1/panel", json=body))


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"tab": "chat_playground"}, "tab"),
        ({"tab": "terminal"}, "tab"),
        ({"tab": "arena_cli", "language": "curl"}, "language"),
        ({"tab": "manual_http", "language": "cobol"}, "language"),
        ({}, "tab"),
    ],
)
def test_snippet_input_errors_name_the_field(client, extra, field):
    response = client.post("/v1/snippet", json={"deployment": with_secret("gym"), **extra})
    assert field in fields(response)
    assert_no_secret(response)


def test_snippet_without_endpoint_is_refused_naming_the_deployment(client):
    deployment = with_secret("gym")
    del deployment["endpoint"]
    response = client.post("/v1/snippet", json={"deployment": deployment, "tab": "manual_http"})
    assert fields(response) == ["deployment"]
    assert "Endpoint" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize(
    "space",
    [
        {"type": "Box", "shape": [100_000, 100_000]},
        {"type": "MultiBinary", "n": 10**12},
        {"type": "Discrete", "n": 3, "start": 10**30},
        {"type": "Box", "shape": [2], "low": 10**400},
        {"type": "Box", "shape": [2], "dtype": "float16", "low": 1e10, "high": 1e11},
        json.loads('{"type": "Tuple", "spaces": [' * 40 + '{"type": "Discrete", "n": 2}' + "]}" * 40),
    ],
    ids=["huge-box", "huge-multibinary", "int-overflow", "bound-overflow", "dtype-overflow", "deep"],
)
@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_spaces_no_snippet_can_hold_are_refused(client, space):
    deployment = with_secret("gym", observation_space=space)
    response = client.post("/v1/panel", json={"deployment": deployment})
    assert any(f.startswith("deployment") for f in fields(response))
    assert_no_secret(response)


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", b"\xff\xfe", b"[", b"null", b"[1, 2]", b'"deployment"', b"[" * 100_000],
    ids=["broken", "empty", "not-utf8", "truncated", "null", "array", "string", "deep"],
)
def test_a_body_that_is_not_a_json_object_is_a_4xx(client, content):
    response = client.post("/v1/panel", content=content, headers={"content-type": "application/json"})
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/json")


def test_a_body_over_one_mib_is_refused_with_413(client):
    deployment = with_secret("gym", name="n" * 1000)
    padding = "x" * (MIB + 1)
    response = client.post("/v1/panel", json={"deployment": deployment, "padding": padding})
    assert response.status_code == 413
    assert response.json()["detail"]
    assert_no_secret(response)
    # Just under the limit is read and validated (the unknown field is named).
    body = json.dumps({"deployment": deployment, "pad": ""}).encode()
    body = body.replace(b'"pad": ""', b'"pad": "' + b"y" * (MIB - len(body)) + b'"')
    assert len(body) == MIB
    assert "pad" in fields(
        client.post("/v1/panel", content=body, headers={"content-type": "application/json"})
    )


def _raw_request(service, head: bytes, chunks=()) -> bytes:
    """Send a request by hand, then read the answer's status line (the body is never finished)."""
    with socket.create_connection(("127.0.0.1", service.port), timeout=WAIT) as sock:
        sock.sendall(head)
        try:
            for chunk in chunks:
                sock.sendall(chunk)
        except OSError:
            pass  # the server answered and closed while the body was still coming
        answer = b""
        while b"\r\n" not in answer:
            data = sock.recv(4096)
            if not data:
                break
            answer += data
        return answer


def test_413_comes_while_reading_not_after(service):
    # A declared length over the limit: refused before any body byte is sent.
    head = (
        b"POST /v1/panel HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % (64 * MIB)
    )
    assert _raw_request(service, head).startswith(b"HTTP/1.1 413")
    # A chunked body that never ends: refused once past the limit.
    head = (
        b"POST /v1/panel HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"x" * 64 * 1024)
    assert _raw_request(service, head, [chunk] * 17).startswith(b"HTTP/1.1 413")


def test_unknown_routes_and_methods_answer_json(client):
    for method, path, status in (("GET", "/v2/panel", 404), ("GET", "/v1/panel", 405), ("DELETE", "/", 405)):
        response = client.request(method, path)
        assert response.status_code == status
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["detail"]


# ---------------------------------------------------------------- the key in errors


def _key_in_the_wrong_places() -> list[tuple[str, dict]]:
    gym = with_secret("gym")
    return [
        ("panel", {"deployment": {**gym, "endpoint": "not a url"}}),
        ("panel", {"deployment": {**gym, "api_key": SECRET + " with spaces"}}),
        ("panel", {"deployment": {**gym, "api_key": SECRET + "\n"}}),
        ("panel", {"deployment": {**gym, SECRET: "as a field name"}}),
        ("panel", {"deployment": gym, "profile": SECRET}),
        ("panel", {"deployment": gym, "key_display": SECRET}),
        ("panel", {"deployment": {**gym, "algorithm": SECRET * 3}}),
        ("panel", {"deployment": {**gym, "name": SECRET + "\x00"}}),
        ("panel", {"deployment": {**gym, "endpoint": f"https://user:{SECRET}@agent.example.com"}}),
        ("panel", {"deployment": {**gym, "endpoint": f"https://agent.example.com/?key={SECRET}"}}),
        ("panel", {"deployment": {**gym, "env_id": SECRET + "!"}}),
        ("panel", {"deployment": {**gym, "status": SECRET}}),
        ("panel", {"deployment": {**gym, "observation_space": {"type": SECRET}}}),
        ("panel", {"deployment": {**gym, "observation_space": {"type": "Box", "shape": [SECRET]}}}),
        ("panel", {"deployment": {**gym, "agents": [SECRET]}}),
        ("panel", {"deployment": {**gym, "observation_space": {"type": "Box", "shape": [10**9, 10**9]}}}),
        ("snippet", {"deployment": gym, "tab": SECRET}),
        ("snippet", {"deployment": gym, "tab": "manual_http", "language": SECRET}),
        ("snippet", {"deployment": {**gym, "endpoint": None}, "tab": "manual_http"}),
        ("snippet", {"deployment": {**gym, "api_key": {"nested": SECRET}}, "tab": "manual_http"}),
        ("panel", {"deployments": [gym]}),
        ("panel", [gym]),
    ]


@pytest.mark.parametrize(("route", "body"), _key_in_the_wrong_places())
def test_no_error_repeats_the_submitted_key(client, route, body):
    response = client.post(f"/v1/{route}", json=body)
    assert 400 <= response.status_code < 500, response.text
    assert_no_secret(response)


def test_no_error_repeats_a_key_in_a_body_that_is_not_json(client):
    for content in (
        json.dumps({"deployment": with_secret("gym")})[:-5].encode(),
        b'{"deployment": {"api_key": "' + SECRET.encode() + b'"}, }',
        b"api_key=" + SECRET.encode(),
    ):
        response = client.post("/v1/panel", content=content, headers={"content-type": "application/json"})
        assert response.status_code in (400, 422)
        assert_no_secret(response)
        form = client.post("/v1/panel", content=content, headers={"content-type": "text/plain"})
        assert form.status_code in (400, 415, 422)
        assert_no_secret(form)


# ---------------------------------------------------------------- fuzz


def _mutations(rng: random.Random, count: int):
    """Malformed bodies: valid ones with a value replaced, removed or mangled, and broken bytes."""
    junk = [
        None,
        True,
        0,
        -1,
        2**63,
        -(2**64),
        1.5,
        1e308,
        "",
        " ",
        "\x00",
        "🙂" * 50,
        "x" * 5000,
        [],
        [None],
        {},
        {"type": "Box"},
        {"type": "Box", "shape": [-1]},
        {"type": "Discrete", "n": 0},
        {"a": {"b": {"c": []}}},
        [[[[]]]],
        "NaN",
        SECRET,
    ]
    for _ in range(count):
        situation = rng.choice(SITUATIONS)
        body: dict = {"deployment": with_secret(situation)}
        if rng.random() < 0.5:
            body["tab"] = rng.choice([*rule_table().tabs, "x"])
        target = body["deployment"] if rng.random() < 0.8 else body
        for _ in range(rng.randint(1, 3)):
            key = rng.choice([*target, "extra", "api_key"])
            action = rng.random()
            if action < 0.6:
                target[key] = rng.choice(junk)
            elif action < 0.8:
                target.pop(key, None)
            else:
                target[key] = {"nested": rng.choice(junk), "type": rng.choice(["Box", "Dict", "Tuple", "?"])}
        text = json.dumps(body, allow_nan=True)
        roll = rng.random()
        if roll < 0.1:
            cut = rng.randrange(len(text))
            text = text[:cut]
        elif roll < 0.2:
            position = rng.randrange(len(text))
            text = (
                text[:position]
                + rng.choice(['"', "{", "]", ",", "\\", "\x00", "NaN", "Infinity"])
                + text[position:]
            )
        yield rng.choice(["panel", "snippet"]), text.encode("utf-8", "surrogatepass")


def test_fuzzed_bodies_never_get_a_5xx(client):
    rng = random.Random(1729)
    statuses = set()
    for route, content in _mutations(rng, 150):
        response = client.post(f"/v1/{route}", content=content, headers={"content-type": "application/json"})
        assert response.status_code < 500, (route, content[:300], response.text[:300])
        if response.status_code >= 400:
            assert_no_secret(response)
        statuses.add(response.status_code)
    # The fuzz reached both the renderer and the validation.
    assert {200, 422} <= statuses


# ---------------------------------------------------------------- access token


@pytest.fixture(scope="module")
def guarded():
    settings = ServiceSettings.load({"SNIPPETGEN_SERVICE_TOKEN": "service-token-0123456789"})
    with RunningService(create_app(settings)) as running:
        yield running


def test_a_token_guards_every_v1_route(guarded):
    body = {"deployment": with_secret("gym")}
    with httpx.Client(base_url=guarded.url, timeout=WAIT, trust_env=False) as c:
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"Authorization": "service-token-0123456789"},
            {"Authorization": "Basic service-token-0123456789"},
            {"Authorization": "Bearer service-token-012345678"},
        ):
            for method, path in (
                ("POST", "/v1/panel"),
                ("POST", "/v1/snippet"),
                ("GET", "/v1/schema/panel"),
                ("GET", "/v1/nothing-here"),
                ("POST", "/v1"),
            ):
                response = c.request(method, path, json=body, headers=headers)
                assert response.status_code == 401, (headers, path)
                assert response.headers["www-authenticate"] == "Bearer"
                assert_no_secret(response)
                assert "service-token" not in response.text
        # Unauthenticated and not JSON: still 401, the body is not read.
        assert (
            c.post("/v1/panel", content=b"{", headers={"content-type": "application/json"}).status_code == 401
        )
        ok = {"Authorization": "Bearer service-token-0123456789"}
        assert c.post("/v1/panel", json=body, headers=ok).status_code == 200
        assert (
            c.get(
                "/v1/schema/panel", headers={"authorization": "bearer service-token-0123456789"}
            ).status_code
            == 200
        )
        assert c.get("/openapi.json").status_code == 200
        assert "HTTPBearer" in json.dumps(c.get("/openapi.json").json()["components"])


TOKEN = "service-token-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
PAGE = {"X-Snippetgen-Page": "1"}
KEY_ROUTES = (
    ("POST", "/v1/panel"),
    ("GET", "/v1/schema/panel"),
    ("GET", "/page/rows/0/copy?component=api_key"),
    ("GET", "/page/rows/0"),
    ("POST", "/page/rows/0/rotate"),
)


def _guarded_app():
    return create_app(ServiceSettings.load({"SNIPPETGEN_SERVICE_TOKEN": TOKEN}))


def _assert_guarded(c: httpx.Client, prefix: str) -> None:
    body = {"deployment": with_secret("gym")}
    for method, path in KEY_ROUTES:
        refused = c.request(method, prefix + path, json=body, headers=PAGE)
        assert refused.status_code == 401, (prefix, path, refused.status_code)
        assert "service-token" not in refused.text
    # The page itself answers with the sign-in form, and no row.
    form = c.get(prefix + "/")
    assert form.status_code == 401
    assert 'name="token"' in form.text and "cartpole-ppo" not in form.text
    assert c.post(prefix + "/v1/panel", json=body, headers=BEARER).status_code == 200
    copy = c.get(prefix + "/page/rows/0/copy?component=api_key", headers={**PAGE, **BEARER})
    assert copy.json() == {"text": example_deployment("gym").api_key.get_secret_value()}


def test_a_token_guards_the_routes_of_an_app_mounted_under_a_prefix():
    from starlette.applications import Starlette
    from starlette.routing import Mount

    parent = Starlette(routes=[Mount("/x", app=_guarded_app())])
    with (
        RunningService(parent) as running,
        httpx.Client(base_url=running.url, timeout=WAIT, trust_env=False) as c,
    ):
        _assert_guarded(c, "/x")
        # The page links its assets and rows under the mount.
        signed = c.get("/x/", headers=BEARER)
        assert signed.status_code == 200 and 'href="/x/static/panel.css"' in signed.text
        assert 'data-base="/x"' in signed.text
        assert c.get("/x/static/panel.js").status_code == 200


def test_a_token_guards_the_routes_under_root_path():
    with (
        RunningService(_guarded_app(), root_path="/x") as running,
        httpx.Client(base_url=running.url, timeout=WAIT, trust_env=False) as c,
    ):
        # uvicorn's root_path is for a proxy that strips the prefix; an unstripped path is
        # no route, and still refused.
        _assert_guarded(c, "")
        for method, path in KEY_ROUTES:
            assert c.request(method, "/x" + path, headers=PAGE).status_code == 401
        assert c.get("/openapi.json").json()["servers"] == [{"url": "/x"}]


def test_serve_root_path_flag_keeps_the_guard():
    process, url = _start_serve("--root-path", "/x", env={"SNIPPETGEN_SERVICE_TOKEN": TOKEN})
    try:
        with httpx.Client(base_url=url, timeout=WAIT, trust_env=False) as c:
            for prefix in ("", "/x"):
                assert c.post(prefix + "/v1/panel", json={}).status_code == 401
            assert c.get("/v1/schema/panel", headers=BEARER).status_code == 200
            assert c.get("/openapi.json").json()["servers"] == [{"url": "/x"}]
    finally:
        _stops_within_bound(process, signal.SIGTERM)


def test_the_page_signs_in_with_the_token_into_a_strict_httponly_cookie():
    with (
        RunningService(_guarded_app()) as running,
        httpx.Client(base_url=running.url, timeout=WAIT, trust_env=False) as c,
    ):
        wrong = c.post("/page/session", data={"token": TOKEN[:-1]})
        assert wrong.status_code == 401 and "not the service" in wrong.text
        assert "set-cookie" not in wrong.headers
        crowded = c.post(
            "/page/session",
            content="&".join(["token=x"] * 50).encode(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert crowded.status_code == 401
        signed = c.post("/page/session", data={"token": TOKEN})
        assert signed.status_code == 303 and signed.headers["location"] == "/"
        cookie = signed.headers["set-cookie"]
        assert TOKEN not in cookie
        attributes = {part.strip().lower() for part in cookie.split(";")}
        assert {"httponly", "samesite=strict", "path=/"} <= attributes
        # httpx keeps the cookie: the page and its copy routes now answer.
        page = c.get("/")
        assert page.status_code == 200 and "cartpole-ppo" in page.text
        assert page.headers["cache-control"] == "no-store"
        copy = c.get("/page/rows/0/copy?component=api_key", headers=PAGE)
        assert copy.status_code == 200 and copy.headers["cache-control"] == "no-store"
        # The cookie is for the page, never for /v1/.
        assert c.get("/v1/schema/panel").status_code == 401
        c.cookies.set("snippetgen_page", "0" * 64)
        assert c.get("/page/rows/0/copy?component=api_key", headers=PAGE).status_code == 401


def test_a_foreign_host_is_refused_with_a_json_400(client, service):
    for host in ("evil.example", "127.0.0.1.evil.example", "localhost.evil.example", ""):
        response = client.get("/page/rows/0/copy?component=api_key", headers={**PAGE, "Host": host})
        assert response.status_code == 400, host
        assert "Host" in response.json()["detail"]
        assert example_deployment("gym").api_key.get_secret_value() not in response.text
    for host in (f"127.0.0.1:{service.port}", "localhost", "LOCALHOST:1", "[::1]:8000"):
        assert client.get("/v1/schema/panel", headers={"Host": host}).status_code == 200, host


def test_more_hosts_come_from_a_flag_or_the_environment():
    settings = ServiceSettings.load({"SNIPPETGEN_SERVICE_ALLOWED_HOSTS": "dash.example.com, *.corp.example"})
    assert settings.hosts == ["127.0.0.1", "localhost", "[::1]", "dash.example.com", "*.corp.example"]
    flagged = ServiceSettings.load({}, host="::1", allowed_hosts=["Panel.Example.com"])
    assert flagged.hosts == ["[::1]", "127.0.0.1", "localhost", "panel.example.com"]
    assert "0.0.0.0" not in ServiceSettings(host="0.0.0.0").hosts
    with pytest.raises(SettingsError, match="--allowed-host"):
        ServiceSettings.load({}, allowed_hosts=["bad host"])
    with RunningService(create_app(settings)) as running:
        for host, status in (("dash.example.com", 200), ("a.corp.example", 200), ("corp.example.org", 400)):
            answer = httpx.get(running.url + "/v1/schema/panel", headers={"Host": host}, trust_env=False)
            assert answer.status_code == status, host


def test_answers_that_carry_a_key_are_not_stored(client):
    deployment = with_secret("gym")
    for path, body in (
        ("/v1/panel", {"deployment": deployment}),
        ("/v1/snippet", {"deployment": deployment, "tab": "manual_http"}),
    ):
        response = client.post(path, json=body)
        assert SECRET in response.text
        assert response.headers["cache-control"] == "no-store"
    assert client.get("/").headers["cache-control"] == "no-store"


def test_beyond_loopback_needs_a_token_or_a_flag_that_says_it_is_on_purpose():
    result = subprocess.run(
        [sys.executable, "-m", "snippetgen", "serve", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=WAIT,
        env={k: v for k, v in os.environ.items() if not k.startswith("SNIPPETGEN_SERVICE_")},
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--no-token-on-purpose" in result.stderr and "SNIPPETGEN_SERVICE_TOKEN" in result.stderr
    # Checked before binding, so these settings are judged without listening beyond loopback.
    ServiceSettings(host="0.0.0.0", no_token_on_purpose=True).check_exposure()
    ServiceSettings.load({"SNIPPETGEN_SERVICE_TOKEN": TOKEN}, host="0.0.0.0").check_exposure()
    with pytest.raises(SettingsError):
        ServiceSettings(host="10.1.2.3").check_exposure()
    ServiceSettings(host="127.0.0.2").check_exposure()


def test_without_a_token_v1_is_open(client):
    assert client.get("/v1/schema/panel").status_code == 200


def test_settings_come_from_flags_over_environment():
    environ = {"SNIPPETGEN_SERVICE_PORT": "9001", "SNIPPETGEN_SERVICE_HOST": "0.0.0.0"}
    settings = ServiceSettings.load(environ, port=9002)
    assert (settings.host, settings.port, settings.workers, settings.token) == ("0.0.0.0", 9002, 1, None)
    assert not settings.loopback and ServiceSettings().loopback
    with pytest.raises(SettingsError, match="SNIPPETGEN_SERVICE_TOKEN") as error:
        ServiceSettings.load({"SNIPPETGEN_SERVICE_TOKEN": "has a space"})
    assert "has a space" not in str(error.value)
    with pytest.raises(SettingsError, match="--port"):
        ServiceSettings.load({}, port=70000)


# ---------------------------------------------------------------- concurrency


def test_sixteen_concurrent_clients_get_their_own_panels(service):
    def one_client(number: int) -> int:
        checked = 0
        with httpx.Client(base_url=service.url, timeout=WAIT, trust_env=False) as c:
            for round_ in range(6):
                situation = SITUATIONS[(number + round_) % len(SITUATIONS)]
                deployment = example_deployment(
                    situation, name=f"agent-{number}-{round_}", api_key=f"key-{number}-{round_}-xyz"
                )
                response = c.post("/v1/panel", json={"deployment": deployment_json(deployment)})
                assert response.status_code == 200, response.text
                assert response.json() == library_json(render_panel(deployment))
                checked += 1
        return checked

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert sum(pool.map(one_client, range(16))) == 16 * 6


# ---------------------------------------------------------------- the command


SHUTDOWN_BOUND = 5


def _start_serve(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "snippetgen", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("SNIPPETGEN_SERVICE_")},
            **(env or {}),
        },
    )
    # It prints the URL once it listens.
    ready, _, _ = select.select([process.stdout], [], [], WAIT)
    line = process.stdout.readline() if ready else ""
    if "listening on" not in line:
        process.kill()
        process.wait(timeout=WAIT)
        raise AssertionError(f"serve never said where it listens: {line!r} {process.stderr.read()!r}")
    url = line.split("listening on ")[1].split()[0]
    return process, url


def _hold_a_request_open(port: int) -> socket.socket:
    """A request whose body never arrives: in flight until the server gives up on it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    sock.sendall(
        b"POST /v1/panel HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b'Content-Length: 1000\r\n\r\n{"deployment": '
    )
    return sock


def _stops_within_bound(process: subprocess.Popen, signum: int) -> str:
    process.send_signal(signum)
    deadline = time.monotonic() + SHUTDOWN_BOUND
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if process.poll() is None:
        process.kill()
        process.wait(timeout=WAIT)
        raise AssertionError(f"serve did not exit within {SHUTDOWN_BOUND} s of {signal.Signals(signum).name}")
    out, err = process.communicate(timeout=WAIT)
    assert process.returncode == 0, err
    return out


@pytest.mark.parametrize(
    ("signum", "args"),
    [(signal.SIGTERM, ()), (signal.SIGINT, ("--sandbox",)), (signal.SIGTERM, ("--workers", "2"))],
    ids=["sigterm", "sigint-sandbox", "sigterm-two-workers"],
)
def test_serve_stops_promptly_with_requests_in_flight(signum, args):
    process, url = _start_serve(*args)
    try:
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0/")
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        with httpx.Client(base_url=url, timeout=WAIT, trust_env=False) as c:
            deadline = time.monotonic() + WAIT
            while True:  # with workers, each process starts on its own
                try:
                    if c.get("/v1/schema/panel").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "serve never answered"
                time.sleep(0.1)
            page = c.get("/")
            assert page.status_code == 200
            assert ("live sandbox deployments" in page.text) == ("--sandbox" in args)
        held = [_hold_a_request_open(port) for _ in range(3)]
        out = _stops_within_bound(process, signum)
        for sock in held:
            sock.close()
        assert out.strip().splitlines()[-1] == "snippetgen serve: stopped"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=WAIT)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--port", "70000"), "--port"),
        (("--sandbox", "--workers", "2"), "--workers"),
        (("--host", "not an address"), "--host"),
    ],
)
def test_serve_refuses_bad_settings_in_one_line(args, message):
    result = subprocess.run(
        [sys.executable, "-m", "snippetgen", "serve", *args], capture_output=True, text=True, timeout=WAIT
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_page_escapes_hostile_names(tmp_path):
    from snippetgen.sandbox import Sandbox

    hostile = [
        example_deployment("gym", name=name, api_key=f"key-{i}-abcdefghijklmnop") for i, name in enumerate(HOSTILE_NAMES)
    ]
    with (
        Sandbox(hostile) as sandbox,
        RunningService(create_app(ServiceSettings(), sandbox=sandbox)) as service,
    ):
        page = httpx.get(service.url + "/", timeout=WAIT, trust_env=False)
        assert page.status_code == 200
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        for deployment in sandbox.deployments:
            assert deployment.api_key.get_secret_value() not in page.text


def test_page_routes_answer_only_the_page(client):
    page = {"X-Snippetgen-Page": "1"}
    copy = "/page/rows/0/copy?component=api_key"
    assert client.get(copy).status_code == 403
    answer = client.get(copy, headers=page)
    assert answer.json() == {"text": example_deployment("gym").api_key.get_secret_value()}
    assert answer.headers["cache-control"] == "no-store"
    assert client.get("/page/rows/99/copy?component=api_key", headers=page).status_code == 404
    assert client.get("/page/rows/0/copy?component=nothing", headers=page).status_code == 404
    assert client.get("/page/rows/0?profile=nope", headers=page).status_code == 422
    assert client.post("/page/rows/0/rotate", headers=page).status_code == 409
    turn = {"messages": [{"role": "user", "content": "hi"}]}
    assert client.post("/page/rows/3/chat", json=turn, headers=page).status_code == 409


def test_serve_without_the_extra_says_how_to_install_it():
    code = (
        "import sys; sys.modules['uvicorn'] = None; "
        "from snippetgen.cli import main; sys.exit(main(['serve']))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=WAIT)
    assert result.returncode == 2
    assert "pip install 'snippetgen[serve]'" in result.stderr


def test_the_listening_socket_says_tcp_so_answers_are_not_held_back():
    # asyncio turns Nagle off only on sockets whose protocol is IPPROTO_TCP; with it on,
    # each keep-alive answer waits for the client's delayed ACK.
    from snippetgen.serve.command import _bind

    sock = _bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


# ---------------------------------------------------------------- the key in validation errors


@pytest.mark.parametrize(
    "model",
    [
        "snippetgen.panel:Component",
        "snippetgen.panel:Panel",
        "snippetgen:Snippet",
        "snippetgen.serve.models:PanelRequest",
        "snippetgen.serve.models:SnippetRequest",
    ],
)
def test_models_that_hold_a_key_never_print_it_in_a_validation_error(model):
    import importlib

    from pydantic import ValidationError

    module, _, name = model.partition(":")
    cls = getattr(importlib.import_module(module), name)
    short = "fk-1234"  # short enough that pydantic would print it whole
    for data in (
        {"copy_value": short, "copy_code": short},
        {"components": [{"copy_value": short}], "tabs": [{"snippets": [{"copy_code": short}]}]},
        {"deployment": {"api_key": short}, "profile": short, "tab": short},
    ):
        with pytest.raises(ValidationError) as error:
            cls.model_validate(data)
        assert short not in str(error.value) and short not in repr(error.value)
