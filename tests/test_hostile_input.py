"""Hostile input: every case gets a 4xx whose `detail` says what to fix, and the server stays up.

Mixed scripts and right-to-left text are not errors: they are analysed, with offsets into the
text as sent (the property tests cover them with generated text too).
"""

from __future__ import annotations

import asyncio
import copy
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from stancelens.config import Settings
from stancelens.errors import DeadlineExceeded
from stancelens.schema import AnalysisResult

from .conftest import assert_offsets_valid
from .test_api import _wait_ready


@pytest.fixture(scope="module")
def client(pipeline, tmp_path_factory):
    settings = Settings(jobs_db=tmp_path_factory.mktemp("jobs") / "jobs.sqlite3")
    with TestClient(create_app(loader=lambda: pipeline, settings=settings)) as c:
        _wait_ready(c)
        yield c


def _deep_json(levels: int) -> bytes:
    return b'{"text": "Some text here.", "targets": ' + b"[" * levels + b"]" * levels + b"}"


JSON = {"content-type": "application/json"}

HOSTILE = {
    "empty text": ({"json": {"text": ""}}, 422, "empty"),
    "whitespace only": ({"json": {"text": " \n\t\u00a0\u2003 "}}, 422, "empty"),
    "10 MB of text": ({"json": {"text": "word " * 2_000_000}}, 422, "STANCELENS_MAX_CHARS"),
    "1 million newlines": ({"json": {"text": "\n" * 1_000_000}}, 422, "empty"),
    "1 million newlines around text": ({"json": {"text": "News.\n" + "\n" * 1_000_000 + "More."}}, 422, "limit"),
    "invalid UTF-8": ({"content": b'{"text": "caf\xe9 \xff\xfe"}', "headers": JSON}, 400, "UTF-8"),
    "NUL bytes": ({"json": {"text": "Reports suggest\x00 it may rain."}}, 422, "NUL"),
    "HTML bomb, 100k nested tags": ({"json": {"text": "<b>" * 100_000 + "x", "content_type": "html"}}, 422, "limit"),
    "HTML nested past libxml2's limit": (
        {"json": {"text": "<div>" * 300 + "Reports suggest rain." + "</div>" * 300, "content_type": "html"}}, 422, "plain text"),
    "JSON nested 10,000 levels": ({"content": _deep_json(10_000), "headers": JSON}, 400, "nests too deeply"),
    "wrong types": ({"json": {"text": 5, "targets": "Russia", "options": []}}, 422, "text: Input should be a valid string"),
    "thousands of targets": ({"json": {"text": "Russia attacked.", "targets": ["Russia"] * 5000}}, 422, "at most 50"),
    "thousands of claims": ({"json": {"text": "Russia attacked.", "claims": ["Russia attacked"] * 5000}}, 422, "at most 50"),
    "not JSON": ({"content": b"text=hello", "headers": JSON}, 422, "not valid JSON"),
    "no content type": ({"content": b'{"text": "Some text."}'}, 422, "Content-Type: application/json"),
    "a JSON list, not an object": ({"json": ["Some text."]}, 422, "body"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_gets_a_clear_4xx_and_the_server_stays_up(client, name):
    request, status, fragment = HOSTILE[name]
    r = client.post("/v1/analyze", **request)
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, str) and fragment in detail, detail
    assert client.get("/healthz").status_code == 200


def test_a_single_200k_character_word_is_analysed(client):
    r = client.post("/v1/analyze", json={"text": "a" * 200_000})
    assert r.status_code == 200, r.text
    assert_offsets_valid(AnalysisResult.model_validate(r.json()))


def test_mixed_scripts_and_right_to_left_text_are_analysed_with_true_offsets(client):
    text = ("Reports suggest that \u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd talks may resume in "
            "\u5317\u4eac. \u202eReversed\u202c text and \u0130stanbul e\u0301 \U0001F469\u200d\U0001F467 follow. "
            "Officials said Russia could respond.")
    r = client.post("/v1/analyze", json={"text": text, "targets": ["Russia"]})
    assert r.status_code == 200, r.text
    result = AnalysisResult.model_validate(r.json())
    assert result.text == text
    assert_offsets_valid(result)
    assert result.hedged_claims


def test_html_nested_within_the_parser_limit_is_read(client):
    html = "<div>" * 200 + "<p>Reports suggest it may rain.</p>" + "</div>" * 200
    r = client.post("/v1/analyze", json={"text": html, "content_type": "html"})
    assert r.status_code == 200, r.text
    assert "Reports suggest" in r.json()["text"]


def test_an_html_bomb_under_the_length_limit_is_refused_quickly(pipeline, tmp_path):
    """100k nested tags with the length limit raised: refused for its depth, not parsed for minutes."""
    settings = Settings(max_chars=1_000_000, max_body_bytes=4_000_000, jobs_db=tmp_path / "jobs.sqlite3")
    roomy = copy.copy(pipeline)  # the same loaded models, with the longer text limit
    roomy.settings = settings
    with TestClient(create_app(loader=lambda: roomy, settings=settings)) as c:
        _wait_ready(c)
        r = c.post("/v1/analyze", json={"text": "<b>" * 100_000 + "x", "content_type": "html"})
        assert r.status_code == 422 and "nests" in r.json()["detail"]


@pytest.fixture()
def small_body_client(pipeline, tmp_path):
    settings = Settings(max_body_bytes=1_000, max_upload_bytes=3_000, jobs_db=tmp_path / "jobs.sqlite3")
    with TestClient(create_app(loader=lambda: pipeline, settings=settings)) as c:
        _wait_ready(c)
        yield c


def test_a_body_over_the_limit_is_refused_before_it_is_read(small_body_client):
    r = small_body_client.post("/v1/analyze", json={"text": "word " * 500})
    assert r.status_code == 413
    assert "STANCELENS_MAX_BODY_BYTES" in r.json()["detail"]


def test_a_chunked_body_over_the_limit_is_refused(small_body_client):
    def chunks():
        yield b'{"text": "'
        for _ in range(100):
            yield b"word " * 10
        yield b'"}'

    r = small_body_client.post("/v1/analyze", content=chunks(), headers=JSON)
    assert r.status_code == 413 and "over 1,000 bytes" in r.json()["detail"]


def test_a_chunked_body_under_the_limit_is_passed_on_whole(small_body_client):
    def chunks():
        yield b'{"text": "Reports suggest '
        yield b'it may rain."}'

    r = small_body_client.post("/v1/analyze", content=chunks(), headers=JSON)
    assert r.status_code == 200, r.text
    assert r.json()["text"] == "Reports suggest it may rain."


def test_job_uploads_have_their_own_larger_limit(small_body_client):
    lines = b"\n".join(b'{"text": "Reports suggest it may rain."}' for _ in range(40))  # ~1.6 kB
    assert 1_000 < len(lines) < 3_000
    r = small_body_client.post("/v1/jobs", content=lines, headers={"content-type": "application/x-ndjson"})
    assert r.status_code == 202, r.text
    r = small_body_client.post("/v1/jobs", content=lines * 2, headers={"content-type": "application/x-ndjson"})
    assert r.status_code == 413 and "STANCELENS_MAX_UPLOAD_BYTES" in r.json()["detail"]


class _SlowPipeline:
    """Holds the single worker until released, so requests pile up behind it."""

    def __init__(self, pipeline) -> None:
        self.pipeline = pipeline
        self.model_info = pipeline.model_info
        self.started = threading.Event()
        self.release = threading.Event()

    def analyze(self, text, **kwargs):
        self.started.set()
        self.release.wait(30)
        return self.pipeline.analyze(text, **kwargs)


async def _pile_up(app, slow: _SlowPipeline, requests: int) -> list[httpx.Response]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=30) as ac:
            while (await ac.get("/readyz")).status_code != 200:
                await asyncio.sleep(0.01)
            first = asyncio.create_task(ac.post("/v1/analyze", json={"text": "First."}))
            while not slow.started.is_set():
                await asyncio.sleep(0.01)
            rest = [asyncio.create_task(ac.post("/v1/analyze", json={"text": f"Next {i}."})) for i in range(requests - 1)]
            await asyncio.sleep(0.5)  # every request has reached the queue or been refused
            slow.release.set()
            return [await first] + [await r for r in rest]


def test_past_the_queue_limit_requests_get_429_with_retry_after(pipeline, tmp_path):
    slow = _SlowPipeline(pipeline)
    settings = Settings(workers=1, max_queue=2, jobs_db=tmp_path / "jobs.sqlite3")
    responses = asyncio.run(_pile_up(create_app(loader=lambda: slow, settings=settings), slow, requests=6))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 200, 429, 429, 429], [r.text for r in responses]
    refused = [r for r in responses if r.status_code == 429]
    assert all(int(r.headers["retry-after"]) >= 1 and "at capacity" in r.json()["detail"] for r in refused)


def test_requests_past_their_time_limit_get_503_with_retry_after(pipeline, tmp_path):
    """The first request is held past its limit inside the analysis, the second never leaves the queue."""
    slow = _SlowPipeline(pipeline)
    settings = Settings(workers=1, request_timeout_s=0.2, jobs_db=tmp_path / "jobs.sqlite3")
    running, queued = asyncio.run(_pile_up(create_app(loader=lambda: slow, settings=settings), slow, requests=2))
    for r in (running, queued):
        assert r.status_code == 503 and int(r.headers["retry-after"]) >= 1
        assert "STANCELENS_REQUEST_TIMEOUT_S" in r.json()["detail"]
    assert "stage" in running.json()["detail"]
    assert "waited in the queue" in queued.json()["detail"]


def test_the_pipeline_stops_at_the_first_stage_boundary_past_its_deadline(pipeline):
    class SleepySummarizer:
        version = "sleepy"

        def summarize(self, article, sentence_ids, n):
            time.sleep(0.3)
            return pipeline.summarizer.summarize(article, sentence_ids, n)

    slow = pipeline.replace(summarizer=SleepySummarizer())
    text = "Reports suggest it may rain. Officials said so."
    with pytest.raises(DeadlineExceeded, match="summaries"):
        slow.analyze(text, deadline=time.monotonic() + 0.2)
    assert slow.analyze(text, deadline=time.monotonic() + 30).text == text
    with pytest.raises(DeadlineExceeded):
        pipeline.analyze_batch([], deadline=time.monotonic() - 1)


def test_deeply_nested_json_in_a_job_costs_that_line_or_gets_a_4xx(client):
    deep = "[" * 10_000 + "]" * 10_000
    lines = '{"text": "Reports suggest rain."}\n' + '{"text": ' + deep + "}\n"
    r = client.post("/v1/jobs", content=lines, headers={"content-type": "application/x-ndjson"})
    assert r.status_code == 202, r.text
    assert r.json()["errors"] == 1
    r = client.post("/v1/jobs", content="[" + deep + "]", headers=JSON)
    assert r.status_code == 400 and "too deeply" in r.json()["detail"]
