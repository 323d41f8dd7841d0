"""How the API answers errors: always `{"detail": "<one line saying what to fix>"}`.

FastAPI's own answers are rewritten to that shape: validation errors (a list of objects by
default) become one line naming each field, and the bare "There was an error parsing the
body" says why (not UTF-8, nested too deep). The OpenAPI page documents the same shape, so
clients and the schema agree. Unexpected faults are logged with their traceback and answered
with a 500 that carries none.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from service.dependencies import NotReady
from service.logs import request_id
from stancelens.errors import DeadlineExceeded, InputError, describe_errors, describe_undecodable
from stancelens.jobs.pool import QueueFull

log = logging.getLogger("stancelens.service")


def error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": detail}, headers=headers)


def _body_parse_problem(cause: BaseException | None) -> str:
    if isinstance(cause, UnicodeDecodeError):
        return describe_undecodable(cause)
    if isinstance(cause, RecursionError):
        return "the JSON body nests too deeply to parse: a request is a flat object of strings and lists of strings"
    return "the body could not be read as JSON: send one JSON object with Content-Type: application/json"


def _validation_detail(request: Request, errors: list[dict[str, Any]]) -> str:
    content_type = request.headers.get("content-type", "")
    if any(e["loc"] == ("body",) and e["type"] in ("model_attributes_type", "dict_type") for e in errors) and \
            "json" not in content_type:
        return f"the body must be a JSON object sent with Content-Type: application/json (got {content_type or 'none'!r})"
    parts = []
    for e in errors:
        loc = e["loc"][1:] if len(e["loc"]) > 1 and e["loc"][0] == "body" else e["loc"]
        if e["type"] == "json_invalid":
            parts.append({"loc": ("body",), "msg": f"not valid JSON ({e.get('ctx', {}).get('error', 'decode error')} "
                                                    f"at character {loc[-1]})"})
        else:
            parts.append({"loc": loc, "msg": e["msg"]})
    return describe_errors(parts, whole="body")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(InputError)
    async def input_error(_: Request, exc: InputError) -> JSONResponse:
        return error(exc.status_code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error(422, _validation_detail(request, list(exc.errors())))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        # FastAPI raises the bare 400 `from` the parsing error: that error says what to fix.
        detail = _body_parse_problem(exc.__cause__) if exc.status_code == 400 and exc.__cause__ else str(exc.detail)
        headers = exc.headers
        if exc.status_code == 405:
            # Starlette's `Allow` names only the first route on the path (GET of /v1/jobs/{id}, not its DELETE).
            headers = {**(headers or {}), "Allow": _allowed_methods(request)}
        return error(exc.status_code, detail, headers=headers)

    @app.exception_handler(NotReady)
    async def not_ready(_: Request, exc: NotReady) -> JSONResponse:
        return error(503, str(exc), headers={"Retry-After": "5"})

    @app.exception_handler(QueueFull)
    async def queue_full(_: Request, exc: QueueFull) -> JSONResponse:
        return error(429, str(exc), headers={"Retry-After": str(exc.retry_after_s)})

    @app.exception_handler(DeadlineExceeded)
    async def deadline_exceeded(request: Request, exc: DeadlineExceeded) -> JSONResponse:
        settings = request.app.state.settings
        return error(
            503,
            f"{exc}; the limit is {settings.request_timeout_s:g} s (STANCELENS_REQUEST_TIMEOUT_S): retry when the server "
            "is less busy, or send a shorter text",
            headers={"Retry-After": str(request.app.state.pool.retry_after_s())},
        )

    @app.exception_handler(Exception)
    async def internal_error(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        # Starlette answers 500s outside every middleware: the id that finds the log line goes on here.
        rid = request_id.get()
        return error(500, "internal error; the server log has the details, under this response's X-Request-ID",
                     headers={"X-Request-ID": rid} if rid else None)

    original = app.openapi

    def openapi() -> dict[str, Any]:
        """FastAPI's schema, with its list-shaped 422 replaced by the `{detail}` body the handlers send,
        and the 400 that any body which cannot be parsed gets documented."""
        if app.openapi_schema is None:
            schema = original()  # also caches it in app.openapi_schema
            schemas = schema.get("components", {}).get("schemas", {})
            if schemas.pop("HTTPValidationError", None) is not None:
                schemas.pop("ValidationError", None)
                _replace_refs(schema, "#/components/schemas/HTTPValidationError", "#/components/schemas/ErrorResponse")
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    if "requestBody" in operation:
                        operation.setdefault("responses", {}).setdefault("400", UNPARSABLE_BODY)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


UNPARSABLE_BODY = {
    "description": "The body could not be parsed: not UTF-8, nested too deeply, or broken multipart data.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
}


def _allowed_methods(request: Request) -> str:
    """Every method some route answers to on the request's path, for a 405's `Allow`. Asked of the
    routes rather than read off them: included routers do not list their routes' methods."""
    routes = request.app.router.routes
    return ", ".join(
        method for method in ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    )


def _replace_refs(node: Any, old: str, new: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and value == old:
                node[key] = new
            else:
                _replace_refs(value, old, new)
    elif isinstance(node, list):
        for item in node:
            _replace_refs(item, old, new)
