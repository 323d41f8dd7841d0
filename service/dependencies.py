"""What the routes share: the model state, the worker pool, and the error body."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from fastapi import Request
from pydantic import BaseModel, Field

from stancelens.jobs.pool import WorkerPool
from stancelens.pipeline import Pipeline

log = logging.getLogger("stancelens.service")


class ErrorResponse(BaseModel):
    detail: str = Field(description="What was wrong, and how to fix it.")


NOT_READY = {503: {"model": ErrorResponse, "description": "The models are not loaded yet; retry after `Retry-After` seconds."}}


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
