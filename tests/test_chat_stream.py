"""The chat playground's streamed turn, through the service (`/page/rows/<i>/chat/stream`).

The service proxies the deployment's generate_stream and passes its chunks on as
they arrive: checked with the sandbox holding the last chunk back, so "arrives
before the stream ends" is observed, not timed. The page's side is in
tests/test_panel_page.py.
"""

from __future__ import annotations


import httpx
import pytest

from serve_support import RunningService, wait_until
from snippetgen import format_conversation
from snippetgen.sandbox import Sandbox, answers
from snippetgen.sandbox.stream import error_chunk
from snippetgen.serve import ServiceSettings, create_app
from snippetgen.serve.page import reference_deployments

WAIT = 60
PAGE = {"X-Snippetgen-Page": "1"}
TURN = {"messages": [{"role": "user", "content": "Hello there"}]}
PROMPT = format_conversation(TURN["messages"])
WORDS = answers.completion(PROMPT).split(" ")
TOKEN = "chat-stream-token-0123456789"


def row_of(name: str) -> int:
    return next(i for i, d in enumerate(reference_deployments()) if d.name == name)


LLM_ROW = row_of("gsm8k-grpo")
PENDING_ROW = row_of("chat-dpo-pending")


@pytest.fixture(scope="module")
def served():
    with Sandbox(reference_deployments()) as sandbox:
        with RunningService(create_app(ServiceSettings(), sandbox=sandbox)) as service:
            yield sandbox, service


def stream(service, row: int = LLM_ROW, body=TURN, headers=PAGE):
    client = httpx.Client(base_url=service.url, timeout=WAIT, trust_env=False)
    return client, client.stream("POST", f"/page/rows/{row}/chat/stream", json=body, headers=headers)


def test_the_reply_arrives_chunk_by_chunk_before_the_stream_ends(served):
    sandbox, service = served
    sandbox.clear()
    client, request = stream(service)
    with client, sandbox.streams.hold_last() as release, request as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        assert response.headers["cache-control"] == "no-store"
        chunks = response.iter_text()
        seen = ""
        while not seen.endswith(WORDS[-2] + " "):
            seen += next(chunks)
        assert seen == " ".join(WORDS[:-1]) + " ", "the last chunk is held back, the rest has arrived"
        release.set()
        rest = "".join(chunks)
    assert seen + rest == " ".join(WORDS)
    (call,) = [r for r in sandbox.received if r.path.endswith("/generate_stream")]
    assert call.body["prompt"] == PROMPT
    assert call.token == sandbox.deployment("gsm8k-grpo").api_key.get_secret_value()


def test_an_error_chunk_is_passed_on_as_the_deployment_wrote_it(served):
    sandbox, service = served
    client, request = stream(service)
    with client, sandbox.streams.failing("the model ran out of memory"), request as response:
        body = response.read().decode()
    assert response.status_code == 200
    assert body.endswith(error_chunk("the model ran out of memory"))
    assert body.startswith(WORDS[0])


def test_a_deployment_that_refuses_is_a_json_error_before_any_text(served):
    _, service = served
    client, request = stream(service, row=PENDING_ROW)
    with client, request as response:
        response.read()
    assert response.status_code == 502
    assert response.json() == {
        "detail": "the deployment answered 503: Deployment status is Pending; try again once it is Deployed"
    }


def test_closing_the_page_closes_the_deployments_stream(served):
    sandbox, service = served
    client, request = stream(service)
    with client, sandbox.streams.hold_last():
        with request as response:
            # Kept: dropping a started iterator closes the connection (the page going away).
            chunks = response.iter_raw()
            next(chunks)
            wait_until(lambda: sandbox.streams.open == 1, "the deployment's stream is not open")
        # The page went away (its Stop button): the service lets go of the deployment too,
        # while the deployment still holds the last chunk.
        wait_until(lambda: sandbox.streams.open == 0, "the deployment's stream was never closed")


def test_a_stream_that_breaks_off_ends_with_an_error_chunk():
    deployments = reference_deployments()
    with Sandbox(deployments) as sandbox, RunningService(create_app(ServiceSettings(), sandbox=sandbox)) as service:
        client, request = stream(service)
        with client, sandbox.streams.hold_last(), request as response:
            chunks = response.iter_text()
            first = next(chunks)
            sandbox.stop(grace=0)
            rest = "".join(chunks)
    assert first == WORDS[0] + " "
    assert rest.endswith("]") and "\n[ERROR: the deployment's stream broke off (" in rest
    assert WORDS[-1] not in rest


def test_the_route_answers_the_page_only_and_only_live(served):
    _, service = served
    with httpx.Client(base_url=service.url, timeout=WAIT, trust_env=False) as client:
        path = f"/page/rows/{LLM_ROW}/chat/stream"
        assert client.post(path, json=TURN).status_code == 403
        assert client.post("/page/rows/99/chat/stream", json=TURN, headers=PAGE).status_code == 404
        assert client.post(path, json={"messages": []}, headers=PAGE).status_code == 422
    with RunningService(create_app(ServiceSettings())) as examples:
        with httpx.Client(base_url=examples.url, timeout=WAIT, trust_env=False) as client:
            answer = client.post(f"/page/rows/{LLM_ROW}/chat/stream", json=TURN, headers=PAGE)
    assert answer.status_code == 409 and "--sandbox" in answer.json()["detail"]


def test_with_a_token_the_route_needs_it():
    settings = ServiceSettings.load({"SNIPPETGEN_SERVICE_TOKEN": TOKEN})
    with Sandbox(reference_deployments()) as sandbox, RunningService(create_app(settings, sandbox=sandbox)) as service:
        with httpx.Client(base_url=service.url, timeout=WAIT, trust_env=False) as client:
            path = f"/page/rows/{LLM_ROW}/chat/stream"
            refused = client.post(path, json=TURN, headers=PAGE)
            assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
            allowed = client.post(path, json=TURN, headers={**PAGE, "Authorization": f"Bearer {TOKEN}"})
            assert allowed.status_code == 200 and allowed.text == " ".join(WORDS)
            assert sandbox.deployment("gsm8k-grpo").api_key.get_secret_value() not in refused.text
