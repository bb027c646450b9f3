"""The chat playground: what the UI posts to `generate`, and how it reads the answer.

The playground writes a multi-turn conversation as `User:` / `Assistant:` lines,
sends it as the single prompt of a `generate` call with the deployment API key,
and shows the completion of the first result row. A streamed turn sends the same
prompt to `generate_stream` and shows the plain-text chunks as they arrive; a chunk
starting `\n[ERROR:` is the deployment's error message, not text.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .deployment import Deployment
from .render import GENERATE_PARAMS

Role = Literal["user", "assistant"]
ROLE_PREFIX: dict[Role, str] = {"user": "User: ", "assistant": "Assistant: "}
COMPLETION_FIELD = "results[0].completion"
STREAM_ERROR_PREFIX = "\n[ERROR:"
"""A generate_stream chunk starting with this is an error message (CONTRACT.md)."""


class ChatError(ValueError):
    """A generate answer the playground cannot show."""


class ChatMessage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    role: Role
    content: str


class GenerateRequest(BaseModel):
    """The HTTP request the playground sends."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    method: Literal["POST"] = "POST"
    url: str
    headers: dict[str, str] = Field(repr=False)
    json_body: dict


def format_conversation(messages: Iterable[ChatMessage | Mapping]) -> str:
    """`User:` / `Assistant:` lines, ending with `Assistant:` for the model to continue."""
    lines = []
    for message in messages:
        message = ChatMessage.model_validate(message)
        lines.append(ROLE_PREFIX[message.role] + message.content)
    lines.append(ROLE_PREFIX["assistant"].rstrip())
    return "\n".join(lines)


def generate_request(
    deployment: Deployment,
    messages: Iterable[ChatMessage | Mapping],
    *,
    params: Mapping | None = None,
) -> GenerateRequest:
    """The request for one playground turn: endpoint + `/generate`, deployment key."""
    if deployment.endpoint is None or deployment.api_key is None:
        raise ChatError("the chat playground needs both API key and Endpoint")
    return GenerateRequest(
        url=f"{deployment.endpoint}/generate",
        headers={"Authorization": f"Bearer {deployment.api_key.get_secret_value()}"},
        json_body={
            "prompts": [format_conversation(messages)],
            "params": {**GENERATE_PARAMS, **(params or {})},
        },
    )


def read_completion(answer: Mapping) -> str:
    """The completion of the first result row of a `generate` answer."""
    if answer.get("success") is False:
        raise ChatError(f"generate failed: {answer.get('detail') or answer.get('error') or answer}")
    results = answer.get("results")
    if not isinstance(results, list) or not results:
        raise ChatError("generate answered without result rows")
    completion = results[0].get("completion") if isinstance(results[0], Mapping) else None
    if not isinstance(completion, str):
        raise ChatError("the first result row has no completion text")
    return completion


def stream_request(
    deployment: Deployment,
    messages: Iterable[ChatMessage | Mapping],
    *,
    params: Mapping | None = None,
    route: str = "generate_stream",
) -> GenerateRequest:
    """The request for one streamed playground turn: endpoint + `/generate_stream`, one prompt."""
    if deployment.endpoint is None or deployment.api_key is None:
        raise ChatError("the chat playground needs both API key and Endpoint")
    return GenerateRequest(
        url=f"{deployment.endpoint}/{route}",
        headers={"Authorization": f"Bearer {deployment.api_key.get_secret_value()}"},
        json_body={
            "prompt": format_conversation(messages),
            "params": {**GENERATE_PARAMS, **(params or {})},
        },
    )


def stream_error(chunk: str) -> str | None:
    """The message of a generate_stream error chunk; None when the chunk is text."""
    if not chunk.startswith(STREAM_ERROR_PREFIX):
        return None
    message = chunk.strip().removeprefix("[ERROR:").strip()
    return message.removesuffix("]").strip() or "the deployment reported an error"


def read_stream(chunks: Iterable[str | bytes]) -> str:
    """The completion of a streamed answer: its text chunks joined, as they arrive.

    Bytes are decoded as UTF-8 across chunk boundaries; an error chunk raises
    ChatError with the deployment's message.
    """
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    text = []
    for chunk in chunks:
        piece = decoder.decode(chunk) if isinstance(chunk, bytes) else chunk
        error = stream_error(piece)
        if error is not None:
            raise ChatError(f"generate_stream failed: {error}")
        text.append(piece)
    text.append(decoder.decode(b"", final=True))
    return "".join(text)
