"""GET /metrics: the service's Prometheus metrics, in the text exposition format 0.0.4.

Each app has its own registry, so apps built side by side (as the tests do) never share a
series. Requests are labelled by route template (`/v1/jobs/{job_id}`), never the raw path, so
ids in paths and scans for random URLs cannot grow the number of series. Queue depths and the
model versions are read from the app when scraped, so nothing polls in the background. Stage
times come from `Pipeline.on_timings`, the one place every analysis passes through.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram, Info, PlatformCollector, ProcessCollector
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from starlette.datastructures import State
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stancelens import __version__
from stancelens.pipeline import Pipeline

# The route label of requests for no documented path (404s): one series, whatever the path.
UNROUTED = "unrouted"
# Requests range from a health check (ms) to an analysis queued behind others (up to the
# request timeout, 60 s by default); stages from a fraction of a ms to seconds for long texts.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
STAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

router = APIRouter(tags=["observability"])


class PrometheusText(Response):
    # Starlette appends "; charset=utf-8", which gives exactly the type Prometheus expects.
    media_type = "text/plain; version=0.0.4"


class ServiceMetrics:
    def __init__(self, state: State) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "stancelens_http_requests", "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "stancelens_http_request_duration_seconds", "Time from receiving a request to the end of its response.",
            ["method", "route"], buckets=REQUEST_BUCKETS, registry=self.registry,
        )
        self.stages = Histogram(
            "stancelens_analysis_stage_seconds",
            "Time per pipeline stage of every analysis the service runs (single, batch and job); stage 'total' is the sum.",
            ["stage"], buckets=STAGE_BUCKETS, registry=self.registry,
        )
        self.batch_sizes = Histogram(
            "stancelens_microbatch_size", "Requests per micro-batch of concurrent POST /v1/analyze requests.",
            buckets=(1, 2, 4, 8, 16, 32, 64), registry=self.registry,
        )
        Info("stancelens_build", "The StanceLens package.", registry=self.registry).info({"version": __version__})
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.registry.register(_AppStateCollector(state))

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def observe_stages(self, timings_ms: dict[str, float]) -> None:
        for stage, ms in timings_ms.items():
            self.stages.labels(stage).observe(ms / 1000)

    def observing(self, load: Callable[[], Pipeline]) -> Callable[[], Pipeline]:
        """`load`, whose pipeline reports each analysis's stage times here before anything can use it."""

        def load_observed() -> Pipeline:
            pipeline = load()
            pipeline.on_timings = self.observe_stages
            return pipeline

        return load_observed


class _AppStateCollector(Collector):
    """Read at scrape time: queue depths, and the loaded models' versions once they are loaded."""

    def __init__(self, state: State) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        # The lifespan makes the pool, jobs and models: an app served without it (a TestClient used
        # outside `with`) still answers /metrics, with what it has.
        batcher = getattr(self.state, "batcher", None)
        if batcher is not None:
            yield GaugeMetricFamily(
                "stancelens_interactive_requests_waiting",
                "Interactive requests (/v1/analyze, /v1/analyze/batch) waiting for a worker, micro-batched ones included.",
                value=batcher.interactive_waiting,
            )
        jobs = getattr(self.state, "jobs", None)
        if jobs is not None:
            yield GaugeMetricFamily(
                "stancelens_job_documents_pending", "Documents of queued or running jobs not analysed yet.",
                value=jobs.pending_documents(),
            )
        models = getattr(self.state, "models", None)
        pipeline = models.pipeline if models is not None else None
        if pipeline is not None:
            info = pipeline.model_info
            yield InfoMetricFamily("stancelens_model", "Version and profile of the loaded analysis models.",
                                   value={"version": info.version, "profile": info.profile})
            components = InfoMetricFamily(
                "stancelens_model_component", "Version of each loaded model component.", labels=["component"]
            )
            for component, version in info.components.items():
                components.add_metric([component], {"version": version})
            yield components


class RequestMetrics:
    """ASGI middleware counting and timing every HTTP request, errors included."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics
        self._documented: list[tuple[re.Pattern[str], str]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the app raises before it starts a response

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            self.metrics.observe_request(scope["method"], self._route(scope), status, time.perf_counter() - started)

    def _route(self, scope: Scope) -> str:
        # The router leaves the route it picked in the scope (a path-only match too: the 405s).
        picked = getattr(scope.get("route"), "path", None)
        if picked:
            return picked
        # A middleware answered before routing (no key: 401, over the rate: 429, body too large: 413):
        # the request still belongs to its route, found among the documented paths.
        if self._documented is None:
            paths = scope["app"].openapi()["paths"]
            self._documented = [(compile_path(template)[0], template) for template in paths]
        return next((template for pattern, template in self._documented if pattern.match(scope["path"])), UNROUTED)


@router.get(
    "/metrics",
    response_class=PrometheusText,
    summary="Prometheus metrics: requests, latency, queue depth, time per stage, model versions.",
    responses={200: {"description": "The metrics in the Prometheus text exposition format, version 0.0.4."}},
)
def metrics(request: Request) -> PrometheusText:
    # A plain `def`, so FastAPI runs it on a thread: the jobs count is a SQLite query.
    return PrometheusText(generate_latest(request.app.state.metrics.registry))


def install(app: FastAPI) -> ServiceMetrics:
    """Give `app` its metrics: the registry (as `app.state.metrics`), the request middleware and
    GET /metrics. Pass the model loader through `.observing` to get stage times too."""
    service_metrics = ServiceMetrics(app.state)
    app.state.metrics = service_metrics
    app.add_middleware(RequestMetrics, metrics=service_metrics)
    app.include_router(router)
    return service_metrics
