"""Logs as JSON lines, each tagged with the id of the request it belongs to, and one access line per request.

Of a request only its method, path (not the query), status, duration, client address and key name
are logged: never a body or a query string, so no article text reaches the log. The request id is
the client's `X-Request-ID` when it is short and plain, else a new one; the response carries it
back, so a client can quote it and an operator find every line of that request.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
MAX_LOGGED_PATH = 200

access_log = logging.getLogger("stancelens.access")

# Attributes every LogRecord has; any other attribute came from `extra=` and is written as a field.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, extra fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_config(level: str) -> dict[str, Any]:
    """`logging.config.dictConfig` settings for `stancelens serve`: JSON lines on stderr from uvicorn, the app and
    any library that warns."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "stancelens": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }


class RequestContext:
    """ASGI middleware: the request id (taken or made, set for log records, sent back) and the access line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        rid = incoming if SANE_ID.fullmatch(incoming) else uuid.uuid4().hex
        # Not reset when the request ends: Starlette answers an unhandled error outside every
        # middleware, and its traceback line must still carry the id. Each request sets its own.
        request_id.set(rid)
        status = 500  # unless a response starts: an error that escapes here becomes Starlette's 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode("ascii"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            path = scope["path"][:MAX_LOGGED_PATH]
            client = scope.get("client")
            access_log.info(
                "%s %s %d %.1f ms", scope["method"], path, status, duration_ms,
                extra={
                    "method": scope["method"],
                    "path": path,
                    "status": status,
                    "duration_ms": duration_ms,
                    "client": client[0] if client else None,
                    "key_name": scope.get("state", {}).get("api_key_name"),
                },
            )
