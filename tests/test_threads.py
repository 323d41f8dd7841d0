"""stancelens/threads.py: work spread over threads that share the cores, results in input order."""

from __future__ import annotations

import threading
import time

from stancelens.threads import map_in_order


def test_results_come_in_input_order_whatever_finishes_first():
    def slow_then_fast(i: int) -> tuple[int, str]:
        time.sleep(0.05 if i % 2 == 0 else 0.0)
        return i, threading.current_thread().name

    out = list(map_in_order(slow_then_fast, range(7), workers=2))
    assert [i for i, _ in out] == list(range(7))
    assert {name for _, name in out} <= {"batch_0", "batch_1"}
    assert list(map_in_order(lambda i: i * i, range(4), workers=1)) == [0, 1, 4, 9]


def test_it_takes_at_most_workers_items_ahead_and_closing_drops_the_rest():
    taken: list[int] = []

    def items():
        for i in range(100):
            taken.append(i)
            yield i

    results = map_in_order(lambda i: i, items(), workers=2)
    assert next(results) == 0
    assert len(taken) <= 3  # the one yielded, one running, at most one more submitted
    results.close()
    assert len(taken) <= 3
