"""Timing StanceLens: in process through `Pipeline.analyze`, and over HTTP against `stancelens serve`."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from .report import (
    BatchFigures,
    ConcurrencyLevel,
    HttpFigures,
    LatencyMs,
    LengthScaling,
    StageTime,
    SweepPoint,
    Throughput,
)
from ..server_process import running_server
from .stats import linear_fit, percentile
from .workload import Article

if TYPE_CHECKING:
    from ..pipeline import Pipeline
    from ..schema import AnalysisResult

# At concurrency 16 a request may queue behind 15 others on a one-worker server.
REQUEST_TIMEOUT_S = 600.0
# Each sweep length is analysed this many times and the median kept: one slow run must not bend the line.
SWEEP_REPEATS = 3


def peak_rss_mib(pid: int) -> float:
    """Peak resident memory of a process: VmHWM where /proc has it, else psutil's current RSS (a lower bound)."""
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


def _timed_analyze(pipeline: Pipeline, text: str) -> tuple[float, AnalysisResult]:
    t0 = time.perf_counter()
    result = pipeline.analyze(text)
    return time.perf_counter() - t0, result


def in_process(pipeline: Pipeline, articles: Sequence[Article]) -> tuple[list[float], list[AnalysisResult]]:
    """Seconds and result of one analysis of each article, in turn."""
    runs = [_timed_analyze(pipeline, a.text) for a in articles]
    return [s for s, _ in runs], [r for _, r in runs]


def batched(pipeline: Pipeline, articles: Sequence[Article], batch_size: int, loop: Throughput,
            workers: int = 1) -> BatchFigures:
    """The articles through `analyze_batch`, `batch_size` at a time and `workers` calls at once, as
    `stancelens batch` runs them, against `loop`, their one-by-one run."""
    from ..schema import AnalyzeRequest
    from ..threads import map_in_order

    requests = [AnalyzeRequest(text=a.text) for a in articles]
    chunks = [requests[start:start + batch_size] for start in range(0, len(requests), batch_size)]
    t0 = time.perf_counter()
    for _ in map_in_order(pipeline.analyze_batch, chunks, workers):
        pass
    figures = Throughput.of(len(articles), sum(a.words for a in articles), time.perf_counter() - t0)
    return BatchFigures(batch_size=batch_size, workers=workers, loop=loop, batched=figures,
                        ratio=figures.articles_per_s / loop.articles_per_s)


def stage_times(results: Sequence[AnalysisResult]) -> tuple[dict[str, StageTime], float]:
    """Mean time per stage and its share of the mean total; and that mean total, in ms."""
    mean_total = statistics.fmean(r.timings_ms["total"] for r in results)
    stages = [name for name in results[0].timings_ms if name != "total"]
    means = {name: statistics.fmean(r.timings_ms.get(name, 0.0) for r in results) for name in stages}
    return {name: StageTime(mean_ms=ms, share=ms / mean_total) for name, ms in means.items()}, mean_total


def length_scaling(pipeline: Pipeline, sweep: Sequence[Article]) -> LengthScaling:
    points = []
    for article in sorted(sweep, key=lambda a: a.words):
        ms = 1000 * statistics.median(_timed_analyze(pipeline, article.text)[0] for _ in range(SWEEP_REPEATS))
        points.append(SweepPoint(words=article.words, ms=ms, ms_per_word=ms / article.words))
    line = linear_fit([p.words for p in points], [p.ms for p in points])
    return LengthScaling(points=points, intercept_ms=line.intercept, slope_ms_per_1k_words=1000 * line.slope, r2=line.r2)


def _level(url: str, articles: Sequence[Article], concurrency: int, requests: int) -> ConcurrencyLevel:
    import httpx

    batch = [articles[i % len(articles)] for i in range(requests)]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S, limits=limits) as client:

        def one(article: Article) -> float:
            t0 = time.perf_counter()
            client.post("/v1/analyze", json={"text": article.text, "content_type": "auto"}).raise_for_status()
            return 1000 * (time.perf_counter() - t0)

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            latencies = list(pool.map(one, batch))
        seconds = time.perf_counter() - t0
    return ConcurrencyLevel(
        concurrency=concurrency,
        requests=requests,
        latency_ms=LatencyMs(
            p50=percentile(latencies, 50),
            p95=percentile(latencies, 95),
            p99=percentile(latencies, 99),
            mean=statistics.fmean(latencies),
        ),
        throughput=Throughput.of(requests, sum(a.words for a in batch), seconds),
    )


def over_http(
    articles: Sequence[Article], concurrency: Sequence[int], requests: int | None, threads: int
) -> HttpFigures:
    """Latency and throughput of `stancelens serve` at each concurrency level, after one warm-up request.

    Without `requests`, each level sends max(2 x concurrency, articles) requests: every article
    at least once, and every client thread at least twice.
    """
    with running_server({"STANCELENS_TORCH_THREADS": str(threads)}) as server:
        _level(server.url, articles[:1], concurrency=1, requests=1)  # warm-up
        levels = [_level(server.url, articles, c, requests or max(2 * c, len(articles))) for c in concurrency]
        peak = peak_rss_mib(server.pid)
    return HttpFigures(
        startup_s=server.startup_s,
        levels=levels,
        throughput=max((level.throughput for level in levels), key=lambda t: t.words_per_s),
        peak_rss_mib=peak,
    )
