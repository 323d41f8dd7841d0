"""Progress of a batch run: a live bar on a terminal, periodic log lines on stderr otherwise."""

from __future__ import annotations

import sys
import time
from typing import Protocol

# Without a terminal (logs, CI, --quiet) a line this often: enough to see a run is alive.
LOG_EVERY_S = 10.0


class Progress(Protocol):
    def update(self, done: int, errors: int) -> None: ...
    def close(self) -> None: ...


class _Rate:
    """Articles per second and seconds left, over the articles analysed in this process
    (those a resumed run skips took no time here)."""

    def __init__(self, total: int, skipped: int):
        self.total, self.skipped = total, skipped
        self.t0 = time.monotonic()

    def per_s(self, done: int) -> float:
        elapsed = time.monotonic() - self.t0
        return (done - self.skipped) / elapsed if elapsed > 0 else 0.0

    def eta_s(self, done: int) -> float | None:
        rate = self.per_s(done)
        return (self.total - done) / rate if rate > 0 else None


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    minutes, s = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{s:02d}" if hours else f"{minutes:02d}:{s:02d}"


class LogProgress:
    """A line on stderr at the first update, then every `every_s` seconds, and at the end."""

    def __init__(self, total: int, skipped: int, every_s: float = LOG_EVERY_S):
        self.rate = _Rate(total, skipped)
        self.every_s = every_s
        self.last: float | None = None
        self.state = (skipped, 0)
        self.logged: tuple[int, int] | None = None

    def _line(self) -> None:
        done, errors = self.state
        print(f"stancelens batch: {done}/{self.rate.total} done, {errors} errors, "
              f"{self.rate.per_s(done):.2f} articles/s, ETA {_clock(self.rate.eta_s(done))}",
              file=sys.stderr, flush=True)
        self.last, self.logged = time.monotonic(), self.state

    def update(self, done: int, errors: int) -> None:
        self.state = (done, errors)
        if self.last is None or time.monotonic() - self.last >= self.every_s:
            self._line()

    def close(self) -> None:
        if self.state != self.logged:
            self._line()


class BarProgress:
    """A rich progress bar: done/total, articles per second, ETA and errors."""

    def __init__(self, total: int, skipped: int):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.rate = _Rate(total, skipped)
        self.bar = Progress(
            TextColumn("batch"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:.2f} articles/s  ETA {task.fields[eta]}  errors {task.fields[errors]}"),
            console=Console(stderr=True),
        )
        self.task = self.bar.add_task("batch", total=total, completed=skipped, rate=0.0, eta="--:--", errors=0)
        self.bar.start()

    def update(self, done: int, errors: int) -> None:
        self.bar.update(self.task, completed=done, rate=self.rate.per_s(done),
                        eta=_clock(self.rate.eta_s(done)), errors=errors)

    def close(self) -> None:
        self.bar.stop()


def make_progress(total: int, skipped: int, quiet: bool) -> Progress:
    if quiet or not sys.stderr.isatty():
        return LogProgress(total, skipped)
    return BarProgress(total, skipped)
