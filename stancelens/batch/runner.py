"""One batch run: read, skip what is done, analyse chunk by chunk, write, finish."""

from __future__ import annotations

import functools
import itertools
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from .progress import make_progress
from .sink import ChunkedOutput, ErrorRecord
from .sources import Fields, Item, check_input, check_unique, read_items

if TYPE_CHECKING:
    from ..pipeline import Pipeline


@dataclass(frozen=True)
class BatchJob:
    input: Path
    out: Path
    fields: Fields = Fields()
    batch_size: int = 16
    quiet: bool = False
    engine: str = "local"  # or "ray"
    ray_address: str | None = None
    ray_actors: int = 2
    workers: int = 1  # local engine: chunks analysed at once, on threads that share the cores

    def manifest(self) -> dict[str, object]:
        """What a resumed run must share with the run it resumes, or its parts would mix two jobs."""
        fields = asdict(self.fields)
        keep = list(fields.pop("keep"))
        if keep:  # absent when empty, so a run started before --keep-fields existed still resumes
            fields["keep"] = keep
        return {"input": str(self.input.resolve()), "fields": fields}


@dataclass(frozen=True)
class BatchOutcome:
    total: int
    analysed: int  # in this run
    errors: int  # in this run
    skipped: int  # done by an earlier run
    interrupted: bool


class _StopFlag:
    """Set by the first Ctrl-C: the run stops after the chunk in hand. A second Ctrl-C stops at
    once, which loses only that chunk, since parts land whole or not at all."""

    def __init__(self) -> None:
        self.set = False

    def __call__(self, signum: int, frame: object) -> None:
        if self.set:
            raise KeyboardInterrupt
        self.set = True
        print("\nstancelens batch: stopping after the current chunk (Ctrl-C again to stop now)",
              file=sys.stderr, flush=True)


# SIGTERM is how containers and job schedulers stop a process: it stops as cleanly as Ctrl-C.
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def _stop_on_signals() -> Iterator[_StopFlag]:
    flag = _StopFlag()
    previous = {sig: signal.signal(sig, flag) for sig in _STOP_SIGNALS}
    try:
        yield flag
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _chunks(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    while chunk := list(itertools.islice(items, size)):
        yield chunk


def _analyse(pipeline: Pipeline, chunk: list[Item]) -> tuple[list, list[ErrorRecord]]:
    """Results and errors of one chunk: rows that are no request fail here, the rest in `analyze_batch`."""
    from ..schema import ItemError

    errors = [ErrorRecord(id=i.id, error=i.problem, status=422, row=i.row) for i in chunk if i.request is None]
    valid = [i for i in chunk if i.request is not None]
    results = []
    for item, out in zip(valid, pipeline.analyze_batch([i.request for i in valid])):
        if isinstance(out, ItemError):
            errors.append(ErrorRecord(**out.model_dump(), row=item.row))
        else:
            results.append(out)
    return results, errors


def _local_engine(chunks: Iterator[list[Item]], workers: int) -> Iterator[tuple[list, list[ErrorRecord]]]:
    """The chunks' outcomes in input order, `workers` chunks at a time: two analyses on two cores
    overlap one's single-threaded spaCy stage with the other's matrix products (eval/PERFORMANCE.md).
    A chunk is written only after every chunk before it, so resuming is unchanged; on a stop, the
    chunks still running finish unwritten."""
    from ..pipeline import default_pipeline
    from ..threads import map_in_order

    pipeline = default_pipeline()
    yield from map_in_order(functools.partial(_analyse, pipeline), chunks, workers)


def _analyse_rest(job: BatchJob, output: ChunkedOutput, done: set[str], total: int) -> tuple[int, int, bool]:
    """Analyse the records not in `done`, chunk by chunk: (analysed, errors, interrupted)."""
    skipped = len(done)
    progress = make_progress(total, skipped, job.quiet)
    analysed = errors = 0
    todo = (item for item in read_items(job.input, job.fields) if item.id not in done)
    chunks = _chunks(todo, job.batch_size)
    if job.engine == "ray":
        from .ray_engine import analyse_chunks

        outcomes = analyse_chunks(chunks, job.batch_size, job.ray_address, job.ray_actors)
    else:
        outcomes = _local_engine(chunks, job.workers)
    with _stop_on_signals() as stop:
        try:
            for results, failed in outcomes:
                output.write_chunk(results, failed)
                analysed, errors = analysed + len(results), errors + len(failed)
                progress.update(skipped + analysed + errors, errors)
                if stop.set:
                    return analysed, errors, True
        finally:
            outcomes.close()  # stops a Ray instance this run started
            progress.close()
    return analysed, errors, False


def run_batch(job: BatchJob) -> BatchOutcome:
    """Analyse every record of `job.input` not yet in `job.out`; stop early (interrupted) on Ctrl-C."""
    check_input(job.input)
    ids = [item.id for item in read_items(job.input, job.fields)]
    check_unique(ids)
    output = ChunkedOutput(job.out, job.manifest())
    done = output.open().intersection(ids)
    if output.finished and len(done) < len(ids):
        raise InputError(f"{job.out} is the output of a finished run, but {len(ids) - len(done)} ids of {job.input} "
                         "are not in it (nor in its .errors.jsonl): give another --out, or delete it to start over")
    analysed = errors = 0
    interrupted = False
    if len(done) < len(ids):
        analysed, errors, interrupted = _analyse_rest(job, output, done, len(ids))
    if not interrupted and not output.finished:
        output.finish()
    return BatchOutcome(len(ids), analysed, errors, skipped=len(done), interrupted=interrupted)
