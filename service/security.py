"""Who may call the API, and how often: optional API keys, a per-client rate limit, and CORS.

Keys and the rate limit are enforced by one ASGI middleware, before the app reads a body, so a
request without a valid key or over its limit costs the server nothing.

- Open without a key, and never counted by the rate limit: GET and HEAD of the health checks
  (`/healthz`, `/readyz`), the web page (`/`, `/static/*`) and the API docs (`/docs`, `/redoc`,
  `/openapi.json`). Everything else needs a key once any is configured, routes added later
  included: access is denied by default, not granted per route.
- A key is sent as `Authorization: Bearer <key>` or `X-API-Key: <key>` and checked against the
  configured SHA-256 digests (`stancelens.keys`). No key configured: the API is open.
- The rate limit is a token bucket per key name (per client address when keys are off).
- CORS is off unless `STANCELENS_CORS_ORIGINS` names origins; then exactly those may call the API.

The OpenAPI schema documents the key schemes, the 401 and the 429 only when this server
configuration can answer them, so the schema always describes the running server.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPBearer
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from service.dependencies import RETRY_AFTER, ErrorResponse
from service.errors import error
from stancelens.config import Settings
from stancelens.keys import KeyRing

PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})
PUBLIC_PREFIX = "/static/"
READ_METHODS = frozenset({"GET", "HEAD"})
# Clients whose buckets are remembered; the least recently seen is forgotten first, which at worst
# hands that client a fresh burst.
MAX_CLIENTS = 10_000

BEARER = HTTPBearer(scheme_name="bearerKey", description="An API key as `Authorization: Bearer <key>`.", auto_error=False)
API_KEY_HEADER = APIKeyHeader(
    name="X-API-Key", scheme_name="apiKeyHeader", description="An API key as `X-API-Key: <key>`.", auto_error=False
)
HOW_TO_SEND = "send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`"
ERROR_SCHEMA = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
UNAUTHORIZED = {
    "description": f"No API key, or one this server does not know: {HOW_TO_SEND}.",
    "headers": {"WWW-Authenticate": {"description": "`Bearer`: how to authenticate.", "schema": {"type": "string"}}},
    "content": ERROR_SCHEMA,
}
RATE_LIMITED_TEXT = "This client is over its rate limit (STANCELENS_RATE_LIMIT_PER_MIN); retry after `Retry-After` seconds."


def is_public(method: str, path: str) -> bool:
    return method in READ_METHODS and (path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIX))


class RateLimiter:
    """A token bucket per client: `burst` requests at once, refilled at `per_min` a minute."""

    def __init__(self, per_min: int, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_min = per_min
        self.burst = burst
        self._rate = per_min / 60.0
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, when)
        # Never held across an await, so a thread lock is safe on the event loop, and keeps the
        # limiter correct if it is ever called from worker threads.
        self._lock = threading.Lock()

    def take(self, client: str) -> int:
        """0 when the client may go ahead (a token is spent), else the whole seconds until it may."""
        now = self._clock()
        with self._lock:
            tokens, then = self._buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self._rate)
            wait = 0 if tokens >= 1 else max(1, math.ceil((1 - tokens) / self._rate))
            self._buckets[client] = (tokens - 1 if wait == 0 else tokens, now)
            if len(self._buckets) > MAX_CLIENTS:
                self._buckets.popitem(last=False)
        return wait

    @property
    def clients(self) -> int:
        return len(self._buckets)


class AccessControl:
    """ASGI middleware: the API key check, then the rate limit, for every non-public request."""

    def __init__(self, app: ASGIApp, keys: KeyRing, limiter: RateLimiter | None) -> None:
        self.app = app
        self.keys = keys
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_public(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        client = f"address {connection.client.host if connection.client else 'unknown'}"
        if self.keys:
            name = await self._key_name(connection)
            if name is None:
                await self._unauthorized(connection)(scope, receive, send)
                return
            connection.state.api_key_name = name  # for the access log
            client = f"key {name}"
        if self.limiter is not None:
            wait = self.limiter.take(client)
            if wait:
                detail = (f"rate limit of {self.limiter.per_min} requests per minute reached "
                          f"(STANCELENS_RATE_LIMIT_PER_MIN): retry after {wait} s")
                await error(429, detail, headers={"Retry-After": str(wait)})(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _key_name(self, connection: HTTPConnection) -> str | None:
        bearer = await BEARER(connection)
        key = bearer.credentials if bearer else await API_KEY_HEADER(connection)
        return self.keys.name_of(key) if key else None

    def _unauthorized(self, connection: HTTPConnection) -> JSONResponse:
        # The key is never echoed: a near-miss would land in the client's logs and ours.
        if connection.headers.get("authorization") or connection.headers.get("x-api-key"):
            detail = f"the API key is not valid on this server: {HOW_TO_SEND}, with a key its operator gave you"
            challenge = 'Bearer error="invalid_token"'
        else:
            detail, challenge = f"an API key is required: {HOW_TO_SEND}", "Bearer"
        return error(401, detail, headers={"WWW-Authenticate": challenge})


def install_access_control(app: FastAPI, settings: Settings) -> None:
    """Keys, rate limit and CORS as `settings` say. A malformed key entry or file raises here, at startup."""
    keys = KeyRing.from_settings(settings)
    limiter = None
    if settings.rate_limit_per_min:
        limiter = RateLimiter(settings.rate_limit_per_min, settings.rate_limit_burst or settings.rate_limit_per_min)
    if keys or limiter is not None:
        app.add_middleware(AccessControl, keys=keys, limiter=limiter)
        _document(app, bool(keys), limiter is not None)
    if settings.cors_origins:
        # Outside the key check, so preflights (which never carry credentials) are answered.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After", "Location", "Content-Disposition"],
        )


def _document(app: FastAPI, keys: bool, rate_limited: bool) -> None:
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = original()  # also caches it in app.openapi_schema
            components = schema.setdefault("components", {})
            components.setdefault("schemas", {}).setdefault("ErrorResponse", ErrorResponse.model_json_schema())
            if keys:
                components.setdefault("securitySchemes", {}).update({
                    scheme.scheme_name: scheme.model.model_dump(mode="json", by_alias=True, exclude_none=True)
                    for scheme in (BEARER, API_KEY_HEADER)
                })
            for path, operations in schema.get("paths", {}).items():
                for method, operation in operations.items():
                    if is_public(method.upper(), path):
                        continue
                    responses = operation.setdefault("responses", {})
                    if keys:
                        operation["security"] = [{BEARER.scheme_name: []}, {API_KEY_HEADER.scheme_name: []}]
                        responses["401"] = UNAUTHORIZED
                    if rate_limited:
                        _add_rate_limited(responses)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_rate_limited(responses: dict[str, Any]) -> None:
    """Document the 429, or widen a 429 the route already has (a full queue) to cover the limit too."""
    existing = responses.get("429")
    if existing is None:
        responses["429"] = {
            "description": RATE_LIMITED_TEXT, "headers": {"Retry-After": RETRY_AFTER}, "content": ERROR_SCHEMA,
        }
        return
    # Replaced, not edited in place: the dict may be shared with other operations.
    responses["429"] = {
        **existing,
        "description": f"{existing.get('description', '')} Also when this client is over its rate limit "
        "(STANCELENS_RATE_LIMIT_PER_MIN).".strip(),
        "headers": {**existing.get("headers", {}), "Retry-After": RETRY_AFTER},
    }
