"""The chat playground's streamed turn: the service proxies the deployment's generate_stream.

The page posts the conversation; the service sends it to the deployment as one
prompt (`stream_request`) and passes the plain-text chunks back as they arrive. A
deployment that refuses the call (a non-2xx answer, or no answer) is a JSON error
before any text; a stream that breaks off ends with an error chunk, as the
deployment itself would write one. When the page stops reading (its Stop button),
the connection to the deployment is closed with it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING

from fastapi import HTTPException
from fastapi.responses import StreamingResponse

from ..chat import STREAM_ERROR_PREFIX, ChatMessage, stream_request
from .models import redact

if TYPE_CHECKING:
    import httpx

    from .. import Deployment

CHAT_TIMEOUT_SECONDS = 30
"""Connecting, and each wait for the next chunk; a whole stream may take longer."""
MAX_ERROR_BYTES = 64 * 1024


async def stream_turn(
    deployment: Deployment, messages: Iterable[ChatMessage], headers: dict[str, str]
) -> StreamingResponse:
    """One streamed playground turn: the deployment's chunks, as a text/plain stream."""
    import httpx

    try:
        request = stream_request(deployment, messages)
    except ValueError as exc:  # ChatError: a message to show
        raise HTTPException(409, str(exc)) from None
    secret = request.headers["Authorization"].removeprefix("Bearer ")
    # trust_env=False: no proxy from the environment; the call goes where the endpoint says.
    client = httpx.AsyncClient(timeout=CHAT_TIMEOUT_SECONDS, trust_env=False)
    try:
        upstream = await client.send(
            client.build_request("POST", request.url, headers=request.headers, json=request.json_body),
            stream=True,
        )
    except httpx.HTTPError as exc:
        await client.aclose()
        raise HTTPException(502, f"the deployment did not answer ({type(exc).__name__})") from None
    if upstream.status_code != 200:
        try:
            message = await _refusal(upstream)
        finally:
            await upstream.aclose()
            await client.aclose()
        raise HTTPException(502, redact(message, [secret]))
    return StreamingResponse(
        _relay(client, upstream, secret),
        media_type="text/plain; charset=utf-8",
        headers={**headers, "X-Content-Type-Options": "nosniff"},
    )


async def _refusal(upstream: httpx.Response) -> str:
    """`the deployment answered 401: <its detail>`, from a JSON answer of bounded size."""
    body = b""
    async for chunk in upstream.aiter_bytes():
        body += chunk
        if len(body) > MAX_ERROR_BYTES:
            break
    message = f"the deployment answered {upstream.status_code}"
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        detail = None
    return f"{message}: {detail}" if isinstance(detail, str) else message


async def _relay(client: httpx.AsyncClient, upstream: httpx.Response, secret: str) -> AsyncIterator[bytes]:
    import httpx

    # Cancelled when the page goes away: the finally closes the deployment's stream too.
    try:
        async for chunk in upstream.aiter_raw():
            yield chunk
    except httpx.HTTPError as exc:
        message = redact(f"the deployment's stream broke off ({type(exc).__name__})", [secret])
        yield f"{STREAM_ERROR_PREFIX} {message}]".encode()
    finally:
        await upstream.aclose()
        await client.aclose()
