"""The HTTP API: a thin front door over `stancelens.Pipeline.analyze`.

Models load once, in the app's lifespan, on a background thread: `/healthz` answers at once,
`/readyz` turns true when loading is done, and `/v1/analyze` answers 503 with `Retry-After`
until then. Analyses run on worker threads behind a capacity limiter, so CPU-bound work never
blocks the event loop and never oversubscribes the cores.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from stancelens import __version__
from stancelens.config import Settings, get_settings
from stancelens.errors import InputError
from stancelens.pipeline import Pipeline
from stancelens.schema import AnalysisResult, AnalyzeRequest, ModelInfo

log = logging.getLogger("stancelens.service")

class ErrorResponse(BaseModel):
    detail: str = Field(description="What was wrong, and how to fix it.")


class Health(BaseModel):
    status: str = Field("ok", description="Always 'ok' when the process answers.")
    version: str = Field(__version__, description="The StanceLens package version.")


class Readiness(BaseModel):
    ready: bool = Field(description="True once the models are loaded and analyses can run.")
    model: ModelInfo | None = Field(None, description="Versions of the loaded models.")
    error: str | None = Field(None, description="Why the models failed to load, when they did.")


class _ModelState:
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


class _NotReady(Exception):
    pass


def ready_pipeline(request: Request) -> Pipeline:
    """Dependency: the loaded pipeline, or a 503 while it is loading or failed to load."""
    state: _ModelState = request.app.state.models
    if state.pipeline is None:
        raise _NotReady(state.error or "models are still loading")
    return state.pipeline


def create_app(loader: Callable[[], Pipeline] | None = None, settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    load = loader or (lambda: Pipeline.load(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = _ModelState()
        app.state.models = state
        app.state.limiter = anyio.CapacityLimiter(settings.workers)
        threading.Thread(target=state.load, args=(load,), name="model-loader", daemon=True).start()
        yield

    app = FastAPI(
        title="StanceLens",
        version=__version__,
        summary="Section summaries, hedged claims and stance labels for news articles, with character offsets.",
        lifespan=lifespan,
    )

    @app.exception_handler(InputError)
    async def input_error(_: Request, exc: InputError) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"detail": str(exc)})

    @app.exception_handler(Exception)
    async def internal_error(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse(status_code=500, content={"detail": "internal error; the server log has the details"})

    @app.exception_handler(_NotReady)
    async def not_ready(_: Request, exc: _NotReady) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(exc)}, headers={"Retry-After": "5"})

    @app.get("/healthz", response_model=Health, tags=["health"], summary="The process is up.")
    async def healthz() -> Health:
        return Health()

    @app.get(
        "/readyz",
        response_model=Readiness,
        tags=["health"],
        summary="The models are loaded and analyses can run.",
        responses={503: {"model": Readiness, "description": "Not ready yet, or the models failed to load."}},
    )
    async def readyz(request: Request) -> JSONResponse:
        state: _ModelState = request.app.state.models
        body = Readiness(
            ready=state.pipeline is not None,
            model=state.pipeline.model_info if state.pipeline else None,
            error=state.error,
        )
        return JSONResponse(status_code=200 if body.ready else 503, content=body.model_dump(mode="json"))

    @app.post(
        "/v1/analyze",
        response_model=AnalysisResult,
        tags=["analysis"],
        summary="Analyse one article: section summaries, hedged claims, stances toward targets and claims.",
        responses={
            413: {"model": ErrorResponse, "description": "The text is longer than the configured limit."},
            422: {"model": ErrorResponse, "description": "The request is malformed, empty, or has too many targets or claims."},
            503: {"model": ErrorResponse, "description": "The models are not loaded yet; retry after `Retry-After` seconds."},
        },
    )
    async def analyze(
        body: AnalyzeRequest,
        request: Request,
        pipeline: Annotated[Pipeline, Depends(ready_pipeline)],
    ) -> AnalysisResult:
        def run() -> AnalysisResult:
            return pipeline.analyze(
                body.text,
                targets=body.targets,
                claims=body.claims,
                options=body.options,
                content_type=body.content_type,
                id=body.id,
            )

        return await anyio.to_thread.run_sync(run, limiter=request.app.state.limiter)

    return app


app = create_app()
