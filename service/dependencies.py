"""What the routes share: the model state, the worker pool, and the error body."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from fastapi import Request
from pydantic import BaseModel, Field

from service.microbatch import MicroBatcher
from stancelens.jobs.pool import WorkerPool
from stancelens.pipeline import Pipeline

log = logging.getLogger("stancelens.service")


class ErrorResponse(BaseModel):
    detail: str = Field(description="What was wrong, and how to fix it.")


RETRY_AFTER = {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}


def _retry_later(description: str) -> dict:
    return {"model": ErrorResponse, "description": description, "headers": {"Retry-After": RETRY_AFTER}}


NOT_READY = {503: _retry_later("The models are not loaded yet; retry after `Retry-After` seconds.")}
BUSY = {
    429: _retry_later("Too many requests are waiting (STANCELENS_MAX_QUEUE); retry after `Retry-After` seconds."),
    503: _retry_later("The models are not loaded yet, or the request ran past STANCELENS_REQUEST_TIMEOUT_S; "
                      "retry after `Retry-After` seconds."),
}


class ModelState:
    """The pipeline, filled in by the loader thread."""

    def __init__(self) -> None:
        self.pipeline: Pipeline | None = None
        self.error: str | None = None
        self.loaded = threading.Event()

    def load(self, loader: Callable[[], Pipeline]) -> None:
        try:
            self.pipeline = loader()
            log.info("models loaded: %s", self.pipeline.model_info.version)
        except Exception as exc:  # a broken model must show in /readyz and the log, not crash the server
            self.error = f"{type(exc).__name__}: {exc}"
            log.error("models failed to load: %s", self.error)
        finally:
            self.loaded.set()


class NotReady(Exception):
    pass


def ready_pipeline(request: Request) -> Pipeline:
    """Dependency: the loaded pipeline, or a 503 while it is loading or failed to load."""
    state: ModelState = request.app.state.models
    if state.pipeline is None:
        raise NotReady(state.error or "models are still loading")
    return state.pipeline


def worker_pool(request: Request) -> WorkerPool:
    return request.app.state.pool


def micro_batcher(request: Request) -> MicroBatcher:
    return request.app.state.batcher


def request_deadline(request: Request) -> float:
    """Dependency: when this request must be answered by (`time.monotonic()`), queueing included."""
    return time.monotonic() + request.app.state.settings.request_timeout_s
