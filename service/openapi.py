"""The server's configured limits, written into the OpenAPI schema it serves.

The request models (`stancelens.schema`) state what any server refuses; how long a text or how many
targets a server takes are its settings (STANCELENS_MAX_CHARS, ...), so this server's schema says its own:
a client generated from it, or a fuzzer, knows what is accepted here.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from stancelens.config import Settings


def document_limits(app: FastAPI, settings: Settings) -> None:
    original = app.openapi

    def openapi() -> dict[str, Any]:
        schema = original()  # built once and cached; writing the limits again changes nothing
        _write_limits(schema, settings)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _write_limits(schema: dict[str, Any], settings: Settings) -> None:
    schemas = schema["components"]["schemas"]
    request = schemas["AnalyzeRequest"]["properties"]
    request["text"]["maxLength"] = settings.max_chars
    for field, most in (("targets", settings.max_targets), ("claims", settings.max_claims)):
        request[field]["maxItems"] = most
        request[field]["items"]["maxLength"] = settings.max_item_chars
    schemas["BatchRequest"]["properties"]["documents"]["maxItems"] = settings.max_batch
    upload = schema["paths"]["/v1/jobs"]["post"]["requestBody"]["content"]
    upload["application/json"]["schema"]["maxItems"] = settings.max_job_items
