"""Dynamic micro-batching of concurrent POST /v1/analyze requests (service/microbatch.py)."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from service.app import create_app
from stancelens.config import Settings
from stancelens.errors import InputError
from stancelens.schema import AnalyzeRequest


class RecordingPipeline:
    """Wraps the real pipeline and records how requests reach it; the first call can be held."""

    def __init__(self, pipeline, fail_batches: bool = False) -> None:
        self.pipeline = pipeline
        self.model_info = pipeline.model_info
        self.calls: list[tuple[str, int]] = []
        self.fail_batches = fail_batches
        self.hold = threading.Event()
        self.hold.set()
        self.started = threading.Event()

    def analyze(self, text, **kwargs):
        self.calls.append(("analyze", 1))
        self.started.set()
        self.hold.wait(30)
        return self.pipeline.analyze(text, **kwargs)

    def analyze_each(self, requests: list[AnalyzeRequest], deadlines):
        self.calls.append(("analyze_each", len(requests)))
        self.started.set()
        self.hold.wait(30)
        if self.fail_batches:
            raise RuntimeError("a batch-only bug")
        return self.pipeline.analyze_each(requests, deadlines)


async def _post_all(app, bodies: list[dict], hold_first: RecordingPipeline | None = None) -> list[httpx.Response]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=60) as ac:
            while (await ac.get("/readyz")).status_code != 200:
                await asyncio.sleep(0.01)
            first = None
            if hold_first is not None:
                hold_first.hold.clear()
                first = asyncio.create_task(ac.post("/v1/analyze", json={"text": "A first article holds the worker."}))
                while not hold_first.started.is_set():
                    await asyncio.sleep(0.01)
            tasks = [asyncio.create_task(ac.post("/v1/analyze", json=body)) for body in bodies]
            if hold_first is not None:
                await asyncio.sleep(0.3)  # every request has joined the batch waiting for the worker
                hold_first.hold.set()
            responses = [await t for t in tasks]
            if first is not None:
                assert (await first).status_code == 200
            return responses


def _app(recorder: RecordingPipeline, tmp_path, **settings):
    """One worker, so the held first request keeps the others queued together; batches of up to 8 by default."""
    settings = {"workers": 1, "microbatch_size": 8, **settings}
    return create_app(loader=lambda: recorder, settings=Settings(jobs_db=tmp_path / "jobs.sqlite3", **settings))


BODIES = [
    {"text": "Russia may have moved troops, reports suggest.", "targets": ["Russia"]},
    {"text": "Officials said around 1,000 people were evacuated from the city."},
    {"text": "# Talks\nThe ministers appear to be close to a deal.", "claims": ["A deal is close."]},
]


def test_concurrent_requests_share_one_batch_and_get_their_own_answers(pipeline, tmp_path):
    recorder = RecordingPipeline(pipeline)
    responses = asyncio.run(_post_all(_app(recorder, tmp_path, microbatch_size=8), BODIES, hold_first=recorder))
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert ("analyze_each", 3) in recorder.calls
    for body, response in zip(BODIES, responses):
        alone = pipeline.analyze(body["text"], targets=body.get("targets"), claims=body.get("claims"))
        got = response.json()
        assert got["text"] == alone.text and got["id"] == alone.id
        assert [s["start"] for s in got["summary"]["sentences"]] == [s.start for s in alone.summary.sentences]
        assert [c["sentence"]["start"] for c in got["hedged_claims"]] == [c.sentence.start for c in alone.hedged_claims]
        assert [(s["target"], s["label"]) for s in got["stances"]] == [(s.target, s.label) for s in alone.stances]
        for a, b in zip(got["hedged_claims"], alone.hedged_claims):
            assert a["score"] == pytest.approx(b.score, abs=0.02)  # padded with other articles' sentences
        assert [c["label"] for c in got["claims"]] == [c.label for c in alone.claims]


def test_a_bad_request_fails_alone_in_its_batch(pipeline, tmp_path):
    recorder = RecordingPipeline(pipeline)
    bodies = [BODIES[0], {"text": "Fine text.", "targets": ["x" * 2000]}, BODIES[1]]
    responses = asyncio.run(_post_all(_app(recorder, tmp_path), bodies, hold_first=recorder))
    assert [r.status_code for r in responses] == [200, 422, 200]
    assert "targets" in responses[1].json()["detail"]


def test_a_batch_that_fails_whole_is_run_one_request_at_a_time(pipeline, tmp_path):
    recorder = RecordingPipeline(pipeline, fail_batches=True)
    responses = asyncio.run(_post_all(_app(recorder, tmp_path), BODIES, hold_first=recorder))
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert ("analyze_each", 3) in recorder.calls
    assert recorder.calls.count(("analyze", 1)) == 1 + 3  # the held first request, then each of the batch


def test_batches_stop_at_the_size_limit_and_size_one_turns_batching_off(pipeline, tmp_path):
    bodies = [{"text": f"Article number {i} says the talks may resume."} for i in range(5)]
    recorder = RecordingPipeline(pipeline)
    asyncio.run(_post_all(_app(recorder, tmp_path, microbatch_size=2), bodies, hold_first=recorder))
    sizes = sorted(n for _, n in recorder.calls[1:])
    assert sizes == [1, 2, 2] and max(sizes) <= 2

    recorder = RecordingPipeline(pipeline)
    asyncio.run(_post_all(_app(recorder, tmp_path, microbatch_size=1), bodies, hold_first=recorder))
    assert recorder.calls == [("analyze", 1)] * 6


def test_requests_in_an_open_batch_count_toward_the_queue_limit(pipeline, tmp_path):
    recorder = RecordingPipeline(pipeline)
    bodies = [{"text": f"Article {i} reports that the talks may resume."} for i in range(5)]
    app = _app(recorder, tmp_path, workers=1, max_queue=3)
    statuses = sorted(r.status_code for r in asyncio.run(_post_all(app, bodies, hold_first=recorder)))
    assert statuses == [200, 200, 200, 429, 429]


def test_batch_sizes_reach_the_metrics(pipeline, tmp_path):
    recorder = RecordingPipeline(pipeline)
    app = _app(recorder, tmp_path)

    async def scenario():
        await _post_all(app, BODIES, hold_first=recorder)

    asyncio.run(scenario())
    exposition = app.state.metrics.registry
    count = exposition.get_sample_value("stancelens_microbatch_size_count")
    total = exposition.get_sample_value("stancelens_microbatch_size_sum")
    assert (count, total) == (2, 4)  # the held request alone, then the three together


def test_analyze_each_gives_each_article_its_outcome_and_deadline(pipeline):
    import time

    from stancelens.errors import DeadlineExceeded

    # HTML without visible text: valid as a request, refused by the analysis.
    requests = [AnalyzeRequest(text="Officials said the plan may work."), AnalyzeRequest(text="<p> </p>"),
                AnalyzeRequest(text="The ministers appear to agree.")]
    outcomes = pipeline.analyze_each(requests, [None, None, time.monotonic() - 1])
    assert outcomes[0].text == requests[0].text
    assert isinstance(outcomes[1], InputError)
    assert isinstance(outcomes[2], DeadlineExceeded)


def test_analyses_running_at_once_share_the_cores():
    """The pool tells each run how many are going on; share_cores splits torch's threads among them."""
    import torch

    from stancelens.jobs.pool import WorkerPool
    from stancelens.threads import share_cores

    seen: list[tuple[int, int]] = []
    both = threading.Barrier(2, timeout=10)

    def hook(running: int) -> None:
        share_cores(running, total=4)
        seen.append((running, torch.get_num_threads()))

    pool = WorkerPool(2, on_thread=hook)

    async def scenario() -> None:
        async with asyncio.timeout(20):
            await asyncio.gather(*(pool.run_interactive(both.wait) for _ in range(2)))
            await pool.run_interactive(lambda: None)

    main_threads = torch.get_num_threads()
    asyncio.run(scenario())
    assert sorted(seen[:2]) == [(1, 4), (2, 2)] and seen[2] == (1, 4)
    assert torch.get_num_threads() == main_threads  # each worker thread sets its own
