"""Dynamic micro-batching: concurrent POST /v1/analyze requests analysed as one batch.

The first request of a batch waits at most `max_wait_s` for others (or until `max_size` have
come), then asks the worker pool for a worker like any interactive request. The batch stays open
while it waits for that worker, so under load it fills with the requests that queue behind a
running analysis instead of queueing one by one. It runs `Pipeline.analyze_each`: one encoder pass
over all its articles' sentences, each request with its own deadline and its own outcome. A
request alone pays at most `max_wait_s` and runs `Pipeline.analyze`, as it would without
micro-batching; `max_size` 1 turns batching off.

A batch that fails as a whole (a bug, not a bad input, which fails alone) is run again one
request at a time, so one poisonous article cannot fail the requests that shared its batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio

from stancelens.jobs.pool import WorkerPool
from stancelens.pipeline import Pipeline
from stancelens.schema import AnalysisResult, AnalyzeRequest

log = logging.getLogger("stancelens.service")

Outcome = AnalysisResult | Exception  # an InputError or DeadlineExceeded is one request's answer


@dataclass(eq=False)
class _Batch:
    requests: list[AnalyzeRequest] = field(default_factory=list)
    deadlines: list[float] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    asked: bool = False  # it waits in the worker pool's queue, which counts it as one request
    full: anyio.Event = field(default_factory=anyio.Event)
    done: anyio.Event = field(default_factory=anyio.Event)


class MicroBatcher:
    def __init__(self, pool: WorkerPool, max_size: int, max_wait_s: float,
                 on_batch: Callable[[int], None] | None = None) -> None:
        self.pool = pool
        self.max_size = max_size
        self.max_wait_s = max_wait_s
        self.on_batch = on_batch  # told each batch's size as it starts (the metrics)
        self._open: _Batch | None = None  # the batch still taking requests
        self._waiting: set[_Batch] = set()  # batches without a worker yet; only the event loop touches these

    @property
    def waiting_beyond_pool(self) -> int:
        """Requests waiting for a worker that the pool's queue does not count: those of batches still
        gathering, and all but one of each batch in the pool's queue."""
        return sum(len(b.requests) - b.asked for b in self._waiting)

    @property
    def interactive_waiting(self) -> int:
        """Every interactive request waiting for a worker, in a micro-batch or not (the queue-depth gauge)."""
        return self.pool.interactive_waiting + self.waiting_beyond_pool

    async def analyze(self, pipeline: Pipeline, request: AnalyzeRequest, deadline: float) -> AnalysisResult:
        self.pool.admit(self.waiting_beyond_pool)
        batch = self._open
        leader = batch is None
        if batch is None:
            batch = self._open = _Batch()
            self._waiting.add(batch)
        slot = len(batch.requests)
        batch.requests.append(request)
        batch.deadlines.append(deadline)
        if len(batch.requests) >= self.max_size:
            self._close(batch)
        if leader:
            # Shielded: the requests that joined must get their answers even if this client goes away.
            with anyio.CancelScope(shield=True):
                await self._run(pipeline, batch)
        else:
            await batch.done.wait()
        outcome = batch.outcomes[slot]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _close(self, batch: _Batch) -> None:
        batch.full.set()
        if self._open is batch:
            self._open = None  # later requests start the next batch

    def _start(self, batch: _Batch) -> int:
        """A worker is free: the batch takes no more requests."""
        self._close(batch)
        self._waiting.discard(batch)
        if self.on_batch is not None:
            self.on_batch(len(batch.requests))
        return len(batch.requests)

    async def _run(self, pipeline: Pipeline, batch: _Batch) -> None:
        try:
            with anyio.move_on_after(self.max_wait_s):
                await batch.full.wait()
            batch.asked = True
            # The latest deadline so far bounds the wait for a worker; each request's own is checked inside.
            batch.outcomes = await self.pool.run_interactive(
                lambda: _analyze(pipeline, batch.requests, batch.deadlines), max(batch.deadlines),
                admitted=True, on_start=lambda: self._start(batch))
        except Exception as exc:  # no worker in time (DeadlineExceeded), or the pool failed: every request gets it
            self._close(batch)
            self._waiting.discard(batch)
            batch.outcomes = [exc] * len(batch.requests)
        finally:
            batch.done.set()


def _analyze(pipeline: Pipeline, requests: list[AnalyzeRequest], deadlines: list[float]) -> list[Outcome]:
    if len(requests) > 1:
        try:
            return pipeline.analyze_each(requests, deadlines)  # type: ignore[arg-type]
        except Exception:
            log.exception("a micro-batch of %d requests failed; running them one at a time", len(requests))
    outcomes: list[Outcome] = []
    for request, deadline in zip(requests, deadlines):
        try:
            outcomes.append(pipeline.analyze(request.text, targets=request.targets, claims=request.claims,
                                             options=request.options, content_type=request.content_type,
                                             id=request.id, deadline=deadline))
        except Exception as exc:  # InputError and DeadlineExceeded too: each request gets its own answer
            outcomes.append(exc)
    return outcomes
