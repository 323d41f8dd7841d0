"""Works through the jobs in the store, oldest first, one chunk at a time on the shared pool.

Everything the runner knows is in the store, so a server that starts on a file with
unfinished jobs simply carries on with their pending documents.
"""

from __future__ import annotations

import logging
import time
from functools import partial

import anyio

from stancelens.jobs.pool import WorkerPool
from stancelens.jobs.schema import ItemOutcome
from stancelens.jobs.store import JobStore
from stancelens.pipeline import Pipeline
from stancelens.schema import AnalyzeRequest

log = logging.getLogger("stancelens.jobs")

# Expired jobs are looked for every tenth of the retention, and at least this often.
EXPIRY_CHECK_MAX_S = 3600.0


class JobRunner:
    def __init__(self, store: JobStore, pool: WorkerPool, chunk_size: int) -> None:
        self.store = store
        self.pool = pool
        self.chunk_size = chunk_size
        self._wake = anyio.Event()

    def notify(self) -> None:
        """A job was submitted: stop idling."""
        self._wake.set()

    async def run(self, pipeline: Pipeline) -> None:
        """Run until cancelled; idles while no job has pending documents."""
        while True:
            self._wake = anyio.Event()  # before looking, so a submit during the look is not missed
            chunk = await anyio.to_thread.run_sync(self.store.next_chunk, self.chunk_size)
            if chunk is None:
                await self._wake.wait()
                continue
            job_id, items = chunk
            started = time.perf_counter()
            try:
                # Analysis and saving happen in one worker-thread call: once a chunk is analysed,
                # shutting the server down cannot drop its results.
                await self.pool.run_background(partial(self._analyze, pipeline, job_id, items, started))
            except Exception as exc:  # a server-side fault (not bad input, which is an item error): stop this job, keep serving
                log.exception("job %s failed", job_id)
                await anyio.to_thread.run_sync(self.store.fail, job_id, f"{type(exc).__name__}: {exc}")

    async def delete_expired(self) -> None:
        """Run until cancelled: now and then, delete the finished jobs past their retention."""
        if self.store.retention_s is None:
            return
        every_s = min(EXPIRY_CHECK_MAX_S, self.store.retention_s / 10)
        while True:
            gone = await anyio.to_thread.run_sync(self.store.delete_expired)
            if gone:
                log.info("deleted %d finished jobs past their retention", gone)
            await anyio.sleep(every_s)

    def _analyze(self, pipeline: Pipeline, job_id: str, items: list[tuple[int, AnalyzeRequest]], started: float) -> None:
        results = pipeline.analyze_batch([request for _, request in items])
        outcomes = [ItemOutcome.of(index, result) for (index, _), result in zip(items, results)]
        self.store.save(job_id, outcomes, time.perf_counter() - started)

