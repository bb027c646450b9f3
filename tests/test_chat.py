"""Chat playground helpers: the conversation text, the generate request, the completion."""

from __future__ import annotations

import pytest

from snippetgen import format_conversation, generate_request, read_completion, read_stream, stream_error, stream_request
from snippetgen.chat import ChatError
from snippetgen.examples import example_deployment


def test_conversation_as_user_assistant_lines():
    text = format_conversation(
        [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello! How can I help?"},
            {"role": "user", "content": "Add 2 and 2."},
        ]
    )
    assert text == "User: Hi\nAssistant: Hello! How can I help?\nUser: Add 2 and 2.\nAssistant:"


def test_bad_role_rejected():
    with pytest.raises(ValueError):
        format_conversation([{"role": "system", "content": "x"}])


def test_generate_request_uses_endpoint_and_deployment_key():
    deployment = example_deployment("llm")
    request = generate_request(deployment, [{"role": "user", "content": "Hi"}], params={"max_new_tokens": 10})
    assert request.url == f"{deployment.endpoint}/generate"
    assert request.headers == {"Authorization": f"Bearer {deployment.api_key.get_secret_value()}"}
    assert request.json_body == {
        "prompts": ["User: Hi\nAssistant:"],
        "params": {"max_new_tokens": 10, "temperature": 0.7, "top_p": 0.9, "do_sample": True},
    }
    assert deployment.api_key.get_secret_value() not in repr(request)


def test_generate_request_needs_credentials():
    with pytest.raises(ChatError):
        generate_request(example_deployment("llm", api_key=None), [])


def test_completion_from_first_result_row():
    answer = {"results": [{"prompt": "p", "completion": "first"}, {"prompt": "q", "completion": "second"}]}
    assert read_completion(answer) == "first"


@pytest.mark.parametrize(
    "answer", [{"success": False, "detail": "boom"}, {"results": []}, {"results": [{"prompt": "p"}]}, {}]
)
def test_unusable_answers(answer):
    with pytest.raises(ChatError):
        read_completion(answer)


# ---------------------------------------------------------------- the streamed turn


def test_stream_request_sends_the_conversation_as_one_prompt_to_generate_stream():
    deployment = example_deployment("llm")
    request = stream_request(deployment, [{"role": "user", "content": "Hi"}], params={"max_new_tokens": 10})
    assert request.url == f"{deployment.endpoint}/generate_stream"
    assert request.headers == {"Authorization": f"Bearer {deployment.api_key.get_secret_value()}"}
    assert request.json_body == {
        "prompt": "User: Hi\nAssistant:",
        "params": {"max_new_tokens": 10, "temperature": 0.7, "top_p": 0.9, "do_sample": True},
    }
    assert deployment.api_key.get_secret_value() not in repr(request)
    with pytest.raises(ChatError):
        stream_request(example_deployment("llm", endpoint=None), [])


def test_read_stream_joins_the_chunks_and_decodes_across_their_boundaries():
    assert read_stream(["Hello", ", ", "world"]) == "Hello, world"
    snowman = "☃".encode()
    assert read_stream([b"a", snowman[:1], snowman[1:], b"b"]) == "a☃b"
    assert read_stream([]) == ""


def test_an_error_chunk_is_an_error_with_the_deployments_message():
    assert stream_error("\n[ERROR: CUDA out of memory]") == "CUDA out of memory"
    assert stream_error("\n[ERROR:]") == "the deployment reported an error"
    assert stream_error("text [ERROR: not at the start]") is None
    assert stream_error("\n") is None
    with pytest.raises(ChatError, match="generate_stream failed: CUDA out of memory"):
        read_stream(["Hello", "\n[ERROR: CUDA out of memory]"])
