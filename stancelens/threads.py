"""Torch threads per analysis: the cores shared among the analyses running at once.

One analysis alone computes fastest on every core. Two at once each on every core oversubscribe
them (OpenMP threads spin and wait on each other), while each on half the cores also overlaps
the single-threaded stages (spaCy) of one with the matrix products of the other. torch keeps its
thread count per thread, so each worker thread sets its own as its analysis starts.
"""

from __future__ import annotations

import os


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def share_cores(running: int, total: int | None = None) -> None:
    """Give the calling thread's torch ops an equal share of `total` cores among `running` analyses."""
    import torch

    torch.set_num_threads(max(1, (total or cores()) // max(1, running)))
