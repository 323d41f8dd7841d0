"""The analysis worker pool shared by interactive requests and background jobs.

Both kinds take a token of one capacity limiter, so together they never run more analyses
than `workers`. Interactive requests go first: background work takes a token only while no
interactive request is waiting, one chunk at a time, so a request waits at most for the
chunks already running, however large the job.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio

T = TypeVar("T")


class WorkerPool:
    def __init__(self, workers: int) -> None:
        self._limiter = anyio.CapacityLimiter(workers)
        self._interactive_waiting = 0
        self._no_interactive_waiting = anyio.Event()
        self._no_interactive_waiting.set()

    @property
    def interactive_waiting(self) -> int:
        return self._interactive_waiting

    async def run_interactive(self, fn: Callable[[], T]) -> T:
        self._interactive_waiting += 1
        if self._interactive_waiting == 1:
            self._no_interactive_waiting = anyio.Event()  # anyio events cannot be cleared, only replaced
        try:
            await self._limiter.acquire()
        finally:
            self._interactive_waiting -= 1
            if self._interactive_waiting == 0:
                self._no_interactive_waiting.set()
        try:
            return await anyio.to_thread.run_sync(fn)
        finally:
            self._limiter.release()

    async def run_background(self, fn: Callable[[], T]) -> T:
        while True:
            await self._no_interactive_waiting.wait()
            await self._limiter.acquire()
            # A request that arrived while we queued for the token is behind us in the
            # limiter's FIFO queue: hand the token on to it and wait again.
            if self._interactive_waiting == 0:
                break
            self._limiter.release()
        try:
            return await anyio.to_thread.run_sync(fn)
        finally:
            self._limiter.release()
