"""Request body limit, enforced before anything parses the body (by the one ASGI layer,
sync_server/api/edge.py): a declared Content-Length over the limit is answered 413 at
once; a streamed body that grows past it is cut off with the same answer."""

from __future__ import annotations

import json

from starlette.types import Message, Receive, Scope, Send

from sync_server.api.problems import MEDIA_TYPE, PROBLEM_TYPE
from sync_server.errors import PayloadTooLarge


class TooLarge(PayloadTooLarge):
    """Raised by ``limited`` receive when the body grows past the limit."""

    def __init__(self) -> None:
        super().__init__("The request body is over the limit.")


def declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


def limited(receive: Receive, max_bytes: int) -> Receive:
    """``receive`` that raises ``TooLarge`` once more than ``max_bytes`` came."""
    received = 0

    async def limited_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise TooLarge()
        return message

    return limited_receive


async def reject(send: Send, max_bytes: int) -> None:
    body = json.dumps(
        {
            "type": PROBLEM_TYPE + "payload_too_large",
            "title": "Payload too large",
            "status": 413,
            "detail": f"The request body is over {max_bytes} bytes.",
            "code": "payload_too_large",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
