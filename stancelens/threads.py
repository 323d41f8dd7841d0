"""Torch threads per analysis: the cores shared among the analyses running at once.

One analysis alone computes fastest on every core. Two at once each on every core oversubscribe
them (OpenMP threads spin and wait on each other), while each on half the cores also overlaps
the single-threaded stages (spaCy) of one with the matrix products of the other. torch keeps its
thread count per thread, so each worker thread sets its own as its analysis starts.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def share_cores(running: int, total: int | None = None) -> None:
    """Give the calling thread's torch ops an equal share of `total` cores among `running` analyses,
    unless STANCELENS_TORCH_THREADS pins the count (`Pipeline.load` has set it then)."""
    import torch

    from .config import get_settings

    if get_settings().torch_threads is None:
        torch.set_num_threads(max(1, (total or cores()) // max(1, running)))


def map_in_order(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """`fn` over `items`, `workers` at a time on threads that share the cores (`share_cores`),
    yielded in input order; at most `workers` items are taken ahead of the one yielded.

    Closing the iterator early drops the items not started and waits for the ones running.
    """
    if workers == 1:
        yield from map(fn, items)
        return
    executor = ThreadPoolExecutor(workers, thread_name_prefix="batch", initializer=share_cores, initargs=(workers,))
    running: collections.deque[Future[R]] = collections.deque()
    try:
        for item in items:
            running.append(executor.submit(fn, item))
            if len(running) == workers:
                yield running.popleft().result()
        while running:
            yield running.popleft().result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
