"""The HTTP API: a thin front door over `stancelens.Pipeline`.

Models load once, in the app's lifespan, on a background thread: `/healthz` answers at once,
`/readyz` turns true when loading is done, and the analysis routes answer 503 with `Retry-After`
until then. Analyses run on worker threads of one pool (`WorkerPool`) shared by interactive
requests and background jobs, so CPU-bound work never blocks the event loop and never
oversubscribes the cores; interactive requests go first. Jobs live in SQLite (`JobStore`)
and a server started on the same file resumes them.
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
from pydantic import BaseModel, Field

from service import batch, jobs, page
from service.dependencies import (
    NOT_READY,
    ErrorResponse,
    ModelState,
    NotReady,
    ready_pipeline,
    worker_pool,
)
from stancelens import __version__
from stancelens.config import Settings, get_settings
from stancelens.errors import InputError
from stancelens.jobs.pool import WorkerPool
from stancelens.jobs.runner import JobRunner
from stancelens.jobs.store import JobStore
from stancelens.pipeline import Pipeline
from stancelens.schema import AnalysisResult, AnalyzeRequest, ModelInfo

log = logging.getLogger("stancelens.service")

class Health(BaseModel):
    status: str = Field("ok", description="Always 'ok' when the process answers.")
    version: str = Field(__version__, description="The StanceLens package version.")


class Readiness(BaseModel):
    ready: bool = Field(description="True once the models are loaded and analyses can run.")
    model: ModelInfo | None = Field(None, description="Versions of the loaded models.")
    error: str | None = Field(None, description="Why the models failed to load, when they did.")


def create_app(loader: Callable[[], Pipeline] | None = None, settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    load = loader or (lambda: Pipeline.load(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = ModelState()
        app.state.settings = settings
        app.state.models = state
        app.state.pool = WorkerPool(settings.workers)
        app.state.jobs = JobStore(settings.jobs_db)
        app.state.runner = JobRunner(app.state.jobs, app.state.pool, settings.job_chunk)
        threading.Thread(target=state.load, args=(load,), name="model-loader", daemon=True).start()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(run_jobs_once_loaded, app)
            yield
            tasks.cancel_scope.cancel()

    async def run_jobs_once_loaded(app: FastAPI) -> None:
        state: ModelState = app.state.models
        while not state.loaded.is_set():
            await anyio.sleep(0.05)
        if state.pipeline is None:
            log.error("jobs will not run: the models failed to load")
            return
        await app.state.runner.run(state.pipeline)

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

    @app.exception_handler(NotReady)
    async def not_ready(_: Request, exc: NotReady) -> JSONResponse:
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
        state: ModelState = request.app.state.models
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
            **NOT_READY,
        },
    )
    async def analyze(
        body: AnalyzeRequest,
        pipeline: Annotated[Pipeline, Depends(ready_pipeline)],
        pool: Annotated[WorkerPool, Depends(worker_pool)],
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

        return await pool.run_interactive(run)

    app.include_router(batch.router)
    app.include_router(jobs.router)
    app.include_router(page.router)
    return app


app = create_app()
