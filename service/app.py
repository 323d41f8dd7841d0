"""The HTTP API: a thin front door over `stancelens.Pipeline`.

Models load once, in the app's lifespan, on a background thread: `/healthz` answers at once,
`/readyz` turns true when loading is done, and the analysis routes answer 503 with `Retry-After`
until then. Analyses run on worker threads of one pool (`WorkerPool`) shared by interactive
requests and background jobs, so CPU-bound work never blocks the event loop and never
oversubscribes the cores (each analysis takes its share of them, `stancelens.threads`); interactive
requests go first, and with STANCELENS_MICROBATCH_SIZE above 1 concurrent single-article requests
share one encoder pass through micro-batches (`MicroBatcher`). Jobs live in SQLite (`JobStore`)
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

from service import batch, jobs, metrics, page
from service.dependencies import (
    BUSY,
    NOT_READY,
    ErrorResponse,
    ModelState,
    micro_batcher,
    ready_pipeline,
    request_deadline,
)
from service.errors import install_error_handlers
from service.limits import BodySizeLimit
from service.logs import RequestContext
from service.microbatch import MicroBatcher
from service.openapi import document_limits
from service.security import install_access_control
from stancelens import __version__
from stancelens.config import Settings, get_settings
from stancelens.threads import share_cores
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
        # Analyses running at once share the cores between them (unless STANCELENS_TORCH_THREADS pins them).
        app.state.pool = WorkerPool(settings.workers, settings.max_queue, on_thread=share_cores)
        app.state.batcher = MicroBatcher(app.state.pool, settings.microbatch_size, settings.microbatch_wait_ms / 1000,
                                         on_batch=app.state.metrics.batch_sizes.observe)
        retention_h = settings.job_retention_hours
        app.state.jobs = JobStore(settings.jobs_db, retention_s=None if retention_h is None else retention_h * 3600)
        app.state.runner = JobRunner(app.state.jobs, app.state.pool, settings.job_chunk)
        threading.Thread(
            target=state.load, args=(app.state.metrics.observing(load),), name="model-loader", daemon=True
        ).start()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(run_jobs_once_loaded, app)
            tasks.start_soon(app.state.runner.delete_expired)
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
        # One schema per model: AnalysisResult is both an answer and POST /v1/report's body, and two schemas
        # titled alike ("AnalysisResult-Input", "-Output") break client generators.
        separate_input_output_schemas=False,
    )

    install_error_handlers(app)
    document_limits(app, settings)

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
            413: {"model": ErrorResponse, "description": "The body is over STANCELENS_MAX_BODY_BYTES."},
            422: {"model": ErrorResponse, "description": "The request does not match the schema (empty or too long a "
                  "text, too many targets or claims), or the text cannot be analysed: a language other than English "
                  "(the detail names it; see `options.force_language`), or HTML without visible text."},
            **NOT_READY,
            **BUSY,
        },
    )
    async def analyze(
        body: AnalyzeRequest,
        pipeline: Annotated[Pipeline, Depends(ready_pipeline)],
        batcher: Annotated[MicroBatcher, Depends(micro_batcher)],
        deadline: Annotated[float, Depends(request_deadline)],
    ) -> AnalysisResult:
        return await batcher.analyze(pipeline, body, deadline)

    app.include_router(batch.router)
    app.include_router(jobs.router)
    app.include_router(page.router)
    # Middleware added later wraps what came before: metrics, then request ids and the access log,
    # then CORS and keys, then the body cap, so a request without a key is refused before its body is read.
    app.add_middleware(BodySizeLimit, max_body_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_bytes)
    install_access_control(app, settings)  # a malformed key entry fails here, at startup
    app.add_middleware(RequestContext)  # outside the key check, so 401s and 429s get an id and an access line too
    metrics.install(app)  # last, so its middleware is the outermost and counts every response
    return app


app = create_app()
