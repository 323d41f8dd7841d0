"""`--engine ray`: the same batch run, with the analysis spread over a Ray cluster.

Records are read and checked on the driver, as by the local engine, so a bad line becomes an
error record instead of failing a Ray read. Ray Data then runs `map_batches` over an actor
pool: each actor loads the models once and calls `Pipeline.analyze_batch`. Results stream
back in input order (`preserve_order`) into the same chunked output as the local engine, so
resume, the errors file and atomic parts behave the same on one machine or many.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from .sink import ErrorRecord
from .sources import Item

# Torch threads per actor: actors, not threads, use the cores.
_ACTOR_CPUS = 1


class _Analyser:
    """A Ray actor: loads the pipeline once, then analyses batch after batch."""

    def __init__(self) -> None:
        import torch

        from ..pipeline import default_pipeline

        torch.set_num_threads(_ACTOR_CPUS)
        self.pipeline = default_pipeline()

    def __call__(self, batch: dict) -> dict:
        from ..schema import AnalyzeRequest, ItemError

        requests = [AnalyzeRequest.model_validate_json(r) for r in batch["request"]]
        outcomes = self.pipeline.analyze_batch(requests)
        errors = [isinstance(o, ItemError) for o in outcomes]
        payloads = [
            ErrorRecord(**o.model_dump(), row=int(row)).model_dump_json() if err else o.model_dump_json()
            for o, err, row in zip(outcomes, errors, batch["row"])
        ]
        return {"error": errors, "payload": payloads}


def analyse_chunks(chunks: Iterator[list[Item]], batch_size: int, address: str | None,
                   actors: int) -> Iterator[tuple[list, list[ErrorRecord]]]:
    """(results, errors) per batch, in input order, analysed by `actors` Ray actors.

    Without `address` a local Ray instance starts with one CPU per actor, and stops at the end.
    """
    import ray

    from ..schema import AnalysisResult

    started = not ray.is_initialized()
    if started:
        ray.init(address=address, num_cpus=None if address else actors * _ACTOR_CPUS,
                 include_dashboard=False, log_to_driver=False)
    # The batch command shows its own progress; Ray Data's bars and logs would interleave with it.
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    try:
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        items = [item for chunk in chunks for item in chunk]
        unreadable = [ErrorRecord(id=i.id, error=i.problem, status=422, row=i.row) for i in items if i.request is None]
        if unreadable:
            yield [], unreadable
        rows = [{"row": i.row, "request": i.request.model_dump_json()} for i in items if i.request is not None]
        if not rows:
            return
        analysed = ray.data.from_items(rows).map_batches(
            _Analyser, batch_size=batch_size, concurrency=actors, num_cpus=_ACTOR_CPUS, batch_format="numpy"
        )
        for batch in analysed.iter_batches(batch_size=batch_size, batch_format="numpy"):
            results, errors = [], []
            for is_error, payload in zip(batch["error"], batch["payload"]):
                if is_error:
                    errors.append(ErrorRecord.model_validate_json(payload))
                else:
                    results.append(AnalysisResult.model_validate_json(payload))
            yield results, errors
    finally:
        if started:
            ray.shutdown()
