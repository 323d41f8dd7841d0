"""The analysis worker pool shared by interactive requests and background jobs.

Both kinds take a token of one capacity limiter, so together they never run more analyses
than `workers`. Interactive requests go first: background work takes a token only while no
interactive request is waiting, one chunk at a time, so a request waits at most for the
chunks already running, however large the job.

The interactive queue is bounded: past `max_queue` waiting requests a new one is refused at
once with `QueueFull` (the API's 429 with `Retry-After`) instead of queueing without bound,
and a request that cannot start before its deadline gives up with `DeadlineExceeded`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TypeVar

import anyio

from stancelens.errors import DeadlineExceeded

T = TypeVar("T")

# Weight of the newest run in the running mean that `retry_after_s` is estimated from.
_MEAN_WEIGHT = 0.2


class QueueFull(Exception):
    """The interactive queue is at its limit; `retry_after_s` is when a slot is likely free."""

    def __init__(self, waiting: int, retry_after_s: int) -> None:
        super().__init__(
            f"the server is at capacity: {waiting} requests are already waiting; retry after {retry_after_s} s"
        )
        self.retry_after_s = retry_after_s


class WorkerPool:
    def __init__(self, workers: int, max_queue: int | None = None,
                 on_thread: Callable[[int], None] | None = None) -> None:
        self.workers = workers
        self.max_queue = max_queue
        # Called on the worker thread before each run with how many runs are going on, this one
        # included: the service shares the cores among them (`stancelens.threads.share_cores`).
        self.on_thread = on_thread
        self._running = 0
        self._limiter = anyio.CapacityLimiter(workers)
        self._interactive_waiting = 0
        self._no_interactive_waiting = anyio.Event()
        self._no_interactive_waiting.set()
        self._mean_run_s = 1.0

    @property
    def interactive_waiting(self) -> int:
        return self._interactive_waiting

    def retry_after_s(self, queued_elsewhere: int = 0) -> int:
        """Seconds until the queue ahead of a new request has likely drained, at least 1."""
        ahead = self._interactive_waiting + queued_elsewhere + 1
        return max(1, math.ceil(ahead * self._mean_run_s / self.workers))

    def admit(self, queued_elsewhere: int = 0) -> None:
        """Raise `QueueFull` when `max_queue` requests are already waiting, counting `queued_elsewhere`
        (requests gathered into a micro-batch that has not asked for a worker yet)."""
        waiting = self._interactive_waiting + queued_elsewhere
        if self.max_queue is not None and waiting >= self.max_queue:
            raise QueueFull(waiting, self.retry_after_s(queued_elsewhere))

    async def run_interactive(self, fn: Callable[[], T], deadline: float | None = None, *, admitted: bool = False,
                              on_start: Callable[[], int] | None = None) -> T:
        """Run `fn` on a worker thread ahead of background work.

        Raises `QueueFull` at once when `max_queue` requests are already waiting (unless the caller
        has `admitted` the request already), and `DeadlineExceeded` when no worker frees up before
        `deadline` (a `time.monotonic()` value). `on_start` is called on the event loop once a worker
        is held, just before `fn` runs, and says how many requests the run answers (a micro-batch).
        """
        if not admitted:
            self.admit()
        self._interactive_waiting += 1
        if self._interactive_waiting == 1:
            self._no_interactive_waiting = anyio.Event()  # anyio events cannot be cleared, only replaced
        try:
            with anyio.move_on_after(None if deadline is None else deadline - time.monotonic()) as wait:
                await self._limiter.acquire()
        finally:
            self._interactive_waiting -= 1
            if self._interactive_waiting == 0:
                self._no_interactive_waiting.set()
        if wait.cancelled_caught:
            raise DeadlineExceeded("the request waited in the queue past its time limit without starting")
        requests = on_start() if on_start is not None else 1
        started = time.monotonic()
        try:
            return await self._run(fn)
        finally:
            # Interactive runs only, per request: a job chunk holds several documents and would skew the estimate.
            self._mean_run_s += _MEAN_WEIGHT * ((time.monotonic() - started) / max(requests, 1) - self._mean_run_s)

    async def run_background(self, fn: Callable[[], T]) -> T:
        while True:
            await self._no_interactive_waiting.wait()
            await self._limiter.acquire()
            # A request that arrived while we queued for the token is behind us in the
            # limiter's FIFO queue: hand the token on to it and wait again.
            if self._interactive_waiting == 0:
                break
            self._limiter.release()
        return await self._run(fn)

    async def _run(self, fn: Callable[[], T]) -> T:
        """`fn` on a worker thread, holding the token already acquired."""
        self._running += 1
        running, hook = self._running, self.on_thread

        def run() -> T:
            if hook is not None:
                hook(running)
            return fn()

        try:
            return await anyio.to_thread.run_sync(run)
        finally:
            self._running -= 1
            self._limiter.release()
