from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from stancelens.config import Settings
from stancelens.jobs.schema import ItemOutcome, JobState
from stancelens.jobs.store import JobStore
from stancelens.schema import AnalysisResult, AnalyzeRequest, ItemError
from stancelens.server_process import free_port, running_server

from .test_api import _wait_ready



def article(i: int) -> str:
    return (
        f"Officials said about {i * 100} soldiers may have left the region. Russia will likely respond. "
        f"Analysts reported that talks could resume within {i + 2} weeks."
    )


def jsonl(docs: list[dict]) -> bytes:
    return "".join(json.dumps(d) + "\n" for d in docs).encode()


def wait_for(predicate, timeout: float = 120.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def wait_finished(client, job_id: str) -> dict:
    return wait_for(
        lambda: (s := client.get(f"/v1/jobs/{job_id}").json())["state"] not in ("queued", "running") and s,
        what=f"job {job_id} to finish",
    )


def outcomes(client, job_id: str) -> list[ItemOutcome]:
    r = client.get(f"/v1/jobs/{job_id}/results")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    return [ItemOutcome.model_validate_json(line) for line in r.text.split("\n") if line]  # JSON lines end at \n only


class Recording:
    """The real pipeline, with hooks that log and hold analyses so a test can order them."""

    def __init__(self, pipeline, log: list[str], hold=None):
        self._pipeline = pipeline
        self._log = log
        self._hold = hold or (lambda name: None)

    def __getattr__(self, name):
        return getattr(self._pipeline, name)

    def analyze(self, text, **kwargs):
        return self._run(kwargs.get("id") or "analyze", lambda: self._pipeline.analyze(text, **kwargs))

    def analyze_batch(self, requests):
        return self._run("chunk", lambda: self._pipeline.analyze_batch(requests))

    def _run(self, name, fn):
        self._log.append(f"{name}-start")
        self._hold(name)
        try:
            return fn()
        finally:
            self._log.append(f"{name}-end")


def make_app(loader, tmp_path, **settings):
    return create_app(loader=loader, settings=Settings(jobs_db=tmp_path / "jobs.sqlite3", **settings))


@pytest.fixture
def client(pipeline, tmp_path):
    with TestClient(make_app(lambda: pipeline, tmp_path, max_job_items=5, job_chunk=2)) as c:
        _wait_ready(c)
        yield c


# --- the store on its own --------------------------------------------------------------------


def test_store_writes_each_outcome_once_and_reads_in_order(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    rejected = ItemError(id="line-2", error="bad", status=422)
    job = store.create([AnalyzeRequest(text="a", id="a"), rejected, AnalyzeRequest(text="c", id="c")])
    assert (job.state, job.total, job.done, job.errors) == (JobState.queued, 3, 1, 1)

    job_id, chunk = store.next_chunk(5)
    assert job_id == job.id and [i for i, _ in chunk] == [0, 2] and chunk[1][1].id == "c"
    err = ItemError(id="a", error="first", status=422)
    store.save(job_id, [ItemOutcome.of(0, err)], busy_s=0.5)
    store.save(job_id, [ItemOutcome.of(0, ItemError(id="a", error="second", status=422))], busy_s=0.5)
    assert [i for i, _ in store.next_chunk(5)[1]] == [2]

    lines = [ItemOutcome.model_validate_json(line) for line in store.outcome_lines(job_id)]
    assert [o.index for o in lines] == [0, 1] and lines[0].error.error == "first"
    status = store.status(job_id)
    assert (status.state, status.done, status.errors, status.rate) == (JobState.running, 2, 2, 2.0)

    store.save(job_id, [ItemOutcome.of(2, err)], busy_s=1.0)
    assert store.next_chunk(5) is None
    assert store.status(job_id).state == JobState.done and store.status(job_id).finished_at


def test_store_reopened_keeps_everything(tmp_path):
    path = tmp_path / "nested" / "jobs.sqlite3"
    job = JobStore(path).create([AnalyzeRequest(text="a")])
    again = JobStore(path)
    assert again.status(job.id).total == 1 and again.next_chunk(1)[0] == job.id
    assert again.status("nope") is None and again.delete("nope") is None


def test_finished_jobs_are_deleted_once_their_retention_has_passed(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3", retention_s=3600)
    rejected = ItemError(id="x", error="bad", status=422)
    finished = store.create([rejected])  # nothing to analyse: done at once
    failed = store.create([AnalyzeRequest(text="a")])
    store.fail(failed.id, "broken")
    active = store.create([AnalyzeRequest(text="b")])
    status = store.status(finished.id)
    assert status.expires_at == status.finished_at + timedelta(hours=1)
    assert store.status(active.id).expires_at is None

    assert store.delete_expired(now=time.time() + 3000) == 0  # not yet
    assert store.delete_expired(now=time.time() + 3700) == 2
    assert store.status(finished.id) is None and store.status(failed.id) is None
    assert list(store.outcome_lines(finished.id)) == []  # the documents went with the job
    assert store.status(active.id).state == JobState.queued  # a job still to run is never deleted
    assert JobStore(tmp_path / "jobs.sqlite3").delete_expired(now=time.time() + 10**9) == 0  # no retention: kept


def test_the_server_deletes_expired_jobs_on_its_own(pipeline, tmp_path):
    settings = Settings(jobs_db=tmp_path / "jobs.sqlite3", job_retention_hours=0.3 / 3600)  # 0.3 s
    with TestClient(create_app(loader=lambda: pipeline, settings=settings)) as c:
        job = c.post("/v1/jobs", json=[{"text": 5}]).json()  # rejected on upload: finished at once
        assert job["state"] == "done" and job["expires_at"]
        wait_for(lambda: c.get(f"/v1/jobs/{job['id']}").status_code == 404, timeout=10, what="the job to expire")
        assert "STANCELENS_JOB_RETENTION_HOURS" in c.get(f"/v1/jobs/{job['id']}").json()["detail"]


# --- the API ---------------------------------------------------------------------------------


def test_jsonl_job_runs_to_done_with_item_errors(client):
    body = jsonl([{"text": article(1), "id": "one"}]) + b"{broken\n\n" + jsonl(
        [{"text": "", "id": "empty"}, {"text": article(3), "id": "three", "claims": ["Talks resume"]}]
    )
    r = client.post("/v1/jobs", content=body, headers={"content-type": "application/x-ndjson"})
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"/v1/jobs/{job['id']}" and job["total"] == 4

    status = wait_finished(client, job["id"])
    assert (status["state"], status["done"], status["errors"]) == ("done", 4, 2)
    assert status["rate"] > 0 and status["finished_at"]

    results = outcomes(client, job["id"])
    assert [o.index for o in results] == [0, 1, 2, 3]
    assert [o.ok for o in results] == [True, False, False, True]
    assert "line 2" in results[1].error.error and results[1].error.id == "line-2"
    assert results[2].error.id == "empty" and "empty" in results[2].error.error
    assert results[3].result.id == "three" and len(results[3].result.claims) == 1


def test_multipart_file_upload(client):
    body = jsonl([{"text": article(1), "id": "one"}, {"text": article(2), "id": "two"}])
    r = client.post("/v1/jobs", files={"file": ("articles.jsonl", body, "application/octet-stream")})
    assert r.status_code == 202, r.text
    status = wait_finished(client, r.json()["id"])
    assert (status["state"], status["done"], status["errors"]) == ("done", 2, 0)
    assert [o.result.id for o in outcomes(client, r.json()["id"])] == ["one", "two"]
    missing = client.post("/v1/jobs", files={"other": ("a.jsonl", body, "application/octet-stream")})
    assert missing.status_code == 422 and "`file` field" in missing.json()["detail"]
    as_field = client.post("/v1/jobs", files={"file": (None, body.decode())})  # a form field, not a file, works too
    assert as_field.status_code == 202 and as_field.json()["total"] == 2
    as_list = client.post("/v1/jobs", files={"file": ("x", b'[{"text": "Some text."}]', "application/json")})
    assert as_list.status_code == 202 and as_list.json()["total"] == 1


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


@pytest.mark.parametrize(
    "upload, status, fragment",
    [
        (("photo.png", PNG, "image/png"), 415, "image/png"),
        (("articles.jsonl", PNG, "application/octet-stream"), 415, "not text"),  # named as text, but is not
        (("articles.jsonl", b"", "application/x-ndjson"), 422, "empty"),
        (("articles.jsonl", b"\n\n", "application/octet-stream"), 422, "empty"),
    ],
)
def test_an_upload_that_is_not_a_collection_gets_a_documented_4xx(client, upload, status, fragment):
    r = client.post("/v1/jobs", files={"file": upload})
    assert r.status_code == status and fragment in r.json()["detail"], r.text
    documented = client.get("/openapi.json").json()["paths"]["/v1/jobs"]["post"]["responses"]
    assert str(status) in documented


def test_a_line_holding_a_raw_line_separator_is_one_document(client):
    # U+2028 may stand raw inside a JSON string; only "\n" ends a line of JSON lines.
    body = (json.dumps({"text": article(1) + "\u2028More.", "id": "one"}, ensure_ascii=False) + "\n").encode()
    r = client.post("/v1/jobs", content=body, headers={"content-type": "application/x-ndjson"})
    assert r.json()["total"] == 1
    assert [o.ok for o in outcomes(client, wait_finished(client, r.json()["id"])["id"])] == [True]


def test_json_list_job(client):
    r = client.post("/v1/jobs", json=[{"text": article(1)}, {"text": article(2), "bogus": 1}])
    assert r.status_code == 202, r.text
    status = wait_finished(client, r.json()["id"])
    assert (status["state"], status["done"], status["errors"]) == ("done", 2, 1)
    results = outcomes(client, r.json()["id"])
    assert results[0].ok and "document 1" in results[1].error.error and "bogus" in results[1].error.error


@pytest.mark.parametrize(
    "content, content_type, status, fragment",
    [
        (b"", "application/x-ndjson", 422, "empty"),
        (b"\n \n", "application/x-ndjson", 422, "empty"),
        (b"[]", "application/json", 422, "empty"),
        (b'{"text": "a"}', "application/json", 422, "list"),
        (b"[{", "application/json", 422, "JSON"),
        (b'{"text": "caf\xe9"}', "application/x-ndjson", 400, "byte 0xe9 at position 13"),
        (b'[{"text": "caf\xe9"}]', "application/json", 400, "not valid UTF-8"),
        (jsonl([{"text": "a"}] * 6), "application/x-ndjson", 422, "limit of 5"),
        (b'{"text": "a"}', "text/csv", 415, "application/x-ndjson"),
    ],
)
def test_bad_submissions_get_clear_4xx(client, content, content_type, status, fragment):
    r = client.post("/v1/jobs", content=content, headers={"content-type": content_type})
    assert r.status_code == status, r.text
    assert fragment in r.json()["detail"]


def test_unknown_job_is_404(client):
    for method, path in [("GET", "/v1/jobs/nope"), ("GET", "/v1/jobs/nope/results"), ("DELETE", "/v1/jobs/nope")]:
        r = client.request(method, path)
        assert r.status_code == 404 and "nope" in r.json()["detail"], (method, path)


def test_delete_cancels_a_running_job_and_removes_it_with_its_results(pipeline, tmp_path):
    release = threading.Event()
    app = make_app(lambda: Recording(pipeline, [], hold=lambda _: release.wait(30)), tmp_path, job_chunk=1)
    with TestClient(app) as c:
        _wait_ready(c)
        job_id = c.post("/v1/jobs", json=[{"text": article(i)} for i in range(4)]).json()["id"]
        wait_for(lambda: c.get(f"/v1/jobs/{job_id}").json()["state"] == "running", what="the job to start")
        r = c.delete(f"/v1/jobs/{job_id}")
        assert r.status_code == 200 and r.json()["state"] == "cancelled" and r.json()["expires_at"] is None
        for path in (f"/v1/jobs/{job_id}", f"/v1/jobs/{job_id}/results"):
            assert c.get(path).status_code == 404, path
        release.set()  # the chunk in flight finishes; its outcomes have nowhere to go, and no chunk follows
        time.sleep(0.3)
        assert c.get(f"/v1/jobs/{job_id}").status_code == 404
        assert app.state.jobs.pending_documents() == 0
        assert c.delete(f"/v1/jobs/{job_id}").status_code == 404  # gone: nothing left to delete

        done_id = c.post("/v1/jobs", json=[{"text": article(1)}]).json()["id"]
        wait_finished(c, done_id)
        r = c.delete(f"/v1/jobs/{done_id}")
        assert r.status_code == 200 and r.json()["state"] == "done"  # a finished job is deleted as it is
        assert c.get(f"/v1/jobs/{done_id}/results").status_code == 404


def test_a_server_fault_fails_the_job_and_the_server_goes_on(pipeline, tmp_path):
    class Broken(Recording):
        def analyze_batch(self, requests):
            raise RuntimeError("encoder exploded")

    with TestClient(make_app(lambda: Broken(pipeline, []), tmp_path)) as c:
        _wait_ready(c)
        job_id = c.post("/v1/jobs", json=[{"text": article(1)}]).json()["id"]
        status = wait_finished(c, job_id)
        assert status["state"] == "failed" and "encoder exploded" in status["error"]
        assert c.post("/v1/analyze", json={"text": article(2)}).status_code == 200
        assert c.delete(f"/v1/jobs/{job_id}").json()["state"] == "failed"


def test_jobs_wait_while_models_load_and_need_them(pipeline, tmp_path):
    release = threading.Event()
    with TestClient(make_app(lambda: release.wait(30) and pipeline, tmp_path)) as c:
        r = c.post("/v1/jobs", json=[{"text": article(1)}])
        assert r.status_code == 503 and r.headers["retry-after"]
        release.set()


def test_interactive_requests_go_before_job_chunks(pipeline, tmp_path):
    """A job of many chunks is running; interactive requests that arrive meanwhile each run
    before its next chunk, even one that arrives while the job is already queued for the pool."""
    log: list[str] = []
    gates = {"chunk": threading.Event(), "i1": threading.Event()}

    def hold(name: str) -> None:
        if name in gates:
            gates[name].wait(30)
    app = make_app(lambda: Recording(pipeline, log, hold), tmp_path, workers=1, job_chunk=1)

    async def scenario():
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=60) as ac:
                while (await ac.get("/readyz")).status_code != 200:
                    await asyncio.sleep(0.01)
                pool = app.state.pool
                job_id = (await ac.post("/v1/jobs", json=[{"text": article(i)} for i in range(6)])).json()["id"]
                await until(lambda: "chunk-start" in log)  # chunk 1 holds the only worker

                i1 = asyncio.create_task(ac.post("/v1/analyze", json={"text": article(10), "id": "i1"}))
                await until(lambda: pool.interactive_waiting == 1)
                gates["chunk"].set()
                await until(lambda: "i1-start" in log)
                # The job is now queued for the worker i1 holds, ahead of any later request ...
                await until(lambda: pool._limiter.statistics().tasks_waiting == 1)
                i2 = asyncio.create_task(ac.post("/v1/analyze", json={"text": article(11), "id": "i2"}))
                await until(lambda: pool.interactive_waiting == 1)
                gates["i1"].set()  # ... yet i2 goes next
                responses = [await i1, await i2]
                while (await ac.get(f"/v1/jobs/{job_id}")).json()["state"] != "done":
                    await asyncio.sleep(0.05)
                return responses

    async def until(predicate):
        for _ in range(1200):
            if predicate():
                return
            await asyncio.sleep(0.025)
        raise AssertionError(f"timed out; log: {log}")

    responses = asyncio.run(scenario())
    assert [r.status_code for r in responses] == [200, 200]
    assert log[:8] == ["chunk-start", "chunk-end", "i1-start", "i1-end", "i2-start", "i2-end", "chunk-start", "chunk-end"]
    assert log.count("chunk-start") == 6


# --- restart: a real server, killed mid-job and started again on the same file -----------------


def test_restart_mid_job_resumes_and_loses_no_result(tmp_path):
    env = {"STANCELENS_JOBS_DB": str(tmp_path / "jobs.sqlite3"), "STANCELENS_JOB_CHUNK": "2"}
    port = free_port()
    docs = [{"text": article(i), "id": f"doc-{i}"} for i in range(40)]

    with running_server(env, port=port, timeout_s=180) as server:
        base = server.url
        r = httpx.post(f"{base}/v1/jobs", content=jsonl(docs), headers={"content-type": "application/x-ndjson"})
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        wait_for(lambda: httpx.get(f"{base}/v1/jobs/{job_id}").json()["done"] >= 6, what="some results")
        before = httpx.get(f"{base}/v1/jobs/{job_id}/results").text.splitlines()
        server.process.send_signal(signal.SIGKILL)  # a crash, not a clean shutdown
        server.process.wait(30)
    assert 6 <= len(before) < len(docs), "the job must be unfinished when the server dies"

    with running_server(env, port=port, timeout_s=180) as server:
        status = wait_for(
            lambda: (s := httpx.get(f"{base}/v1/jobs/{job_id}").json())["state"] == "done" and s,
            what="the job to finish after the restart",
        )
        lines = httpx.get(f"{base}/v1/jobs/{job_id}/results").text.splitlines()

    assert (status["done"], status["errors"]) == (len(docs), 0)
    results = [ItemOutcome.model_validate_json(line) for line in lines]
    assert [o.index for o in results] == list(range(len(docs)))  # every item exactly once, in order
    assert all(o.ok and isinstance(o.result, AnalysisResult) for o in results)
    assert [o.result.id for o in results] == [d["id"] for d in docs]
    assert set(before) <= set(lines)  # results from before the crash kept as they were, not redone
