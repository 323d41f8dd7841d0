"""A cap on request bodies, enforced before the app reads them.

FastAPI reads and parses a whole body before any route code runs, so without a cap here a
client could make the server hold gigabytes. A body whose `Content-Length` is over the limit
is refused unread; a chunked body (no length) is read up to the limit and refused as soon as
it passes it. Job uploads carry whole collections and have a limit of their own.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_PATHS = frozenset({"/v1/jobs"})


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    def _limit(self, scope: Scope) -> tuple[int, str]:
        if scope["path"] in UPLOAD_PATHS:
            return self.max_upload_bytes, "STANCELENS_MAX_UPLOAD_BYTES"
        return self.max_body_bytes, "STANCELENS_MAX_BODY_BYTES"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, setting = self._limit(scope)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit():
            if int(declared) > limit:
                await _too_large(send, f"{int(declared):,} bytes", limit, setting)
                return
            await self.app(scope, receive, send)  # the server stops reading at the declared length
            return
        # No usable length: read the body here, up to the limit, and hand it on.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > limit:
                await _too_large(send, f"over {limit:,} bytes", limit, setting)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send, size: str, limit: int, setting: str) -> None:
    body = json.dumps({
        "detail": f"the request body is {size}, over the limit of {limit:,} bytes: send less per request "
        f"(split the collection or the article), or raise {setting}"
    }).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
