"""The two statistics the benchmark reports: percentiles of latencies and a least-squares line."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolating linearly between ranks (numpy's default method)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0-100")
    ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


class Line(NamedTuple):
    intercept: float
    slope: float
    r2: float


def linear_fit(x: Sequence[float], y: Sequence[float]) -> Line:
    """Least-squares y = intercept + slope * x, and R² (the share of y's variance the line explains)."""
    if len(x) != len(y):
        raise ValueError(f"{len(x)} x values but {len(y)} y values")
    if len(set(x)) < 2:
        raise ValueError("a line needs at least two distinct x values")
    n = len(x)
    mean_x, mean_y = sum(x) / n, sum(y) / n
    sxx = sum((a - mean_x) ** 2 for a in x)
    sxy = sum((a - mean_x) * (b - mean_y) for a, b in zip(x, y))
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    ss_res = sum((b - intercept - slope * a) ** 2 for a, b in zip(x, y))
    ss_tot = sum((b - mean_y) ** 2 for b in y)
    # Constant y is fitted exactly by a flat line: nothing is left unexplained.
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    return Line(intercept, slope, r2)
