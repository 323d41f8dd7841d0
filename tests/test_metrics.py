from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from service.app import create_app
from stancelens import __version__
from stancelens.config import Settings

from .test_api import _wait_ready
from .test_jobs import wait_finished

ARTICLE = "Officials said about 300 soldiers may have left the region. Russia will likely respond."
REQUESTS = "stancelens_http_requests_total"
LATENCY = "stancelens_http_request_duration_seconds"
STAGES = "stancelens_analysis_stage_seconds"

Samples = dict[tuple[str, frozenset], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client: TestClient) -> Samples:
    r = client.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return parse(r.text)


def value(samples: Samples, name: str, **labels: str) -> float:
    """A sample's value; 0 for a labelled series not created yet, as Prometheus reads it."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def names(samples: Samples) -> set[str]:
    return {name for name, _ in samples}


# Each app gets a pipeline of its own (same loaded models): the stage-time hook is per pipeline,
# and the session's shared `pipeline` would report to whichever app loaded it last.
@pytest.fixture(scope="module")
def client(pipeline, tmp_path_factory):
    settings = Settings(jobs_db=tmp_path_factory.mktemp("metrics") / "jobs.sqlite3")
    with TestClient(create_app(loader=pipeline.replace, settings=settings)) as c:
        _wait_ready(c)
        yield c


def test_requests_are_counted_by_method_route_template_and_status(client):
    before = scrape(client)
    assert client.post("/v1/analyze", json={"text": ARTICLE}).status_code == 200
    assert client.post("/v1/analyze", json={}).status_code == 422
    assert client.get("/v1/jobs/no-such-job").status_code == 404
    assert client.get("/no/such/path").status_code == 404
    assert client.get("/v1/analyze").status_code == 405
    after = scrape(client)

    def moved(method: str, route: str, status: str) -> float:
        labels = {"method": method, "route": route, "status": status}
        return value(after, REQUESTS, **labels) - value(before, REQUESTS, **labels)

    assert moved("POST", "/v1/analyze", "200") == 1
    assert moved("POST", "/v1/analyze", "422") == 1
    assert moved("GET", "/v1/jobs/{job_id}", "404") == 1
    assert moved("GET", "unrouted", "404") == 1
    assert moved("GET", "/v1/analyze", "405") == 1
    counted = [
        (key, n - before.get(key, 0.0)) for key, n in after.items()
        if key[0] == REQUESTS and dict(key[1])["route"] != "/metrics"
    ]
    assert sum(n for _, n in counted) == 5, counted  # each request once, and nothing else
    label_values = {v for name, labels in after for _, v in labels}
    assert not {"/v1/jobs/no-such-job", "/no/such/path"} & label_values  # raw paths never become labels


def test_a_request_refused_before_routing_keeps_its_route(pipeline, tmp_path):
    settings = Settings(max_body_bytes=64, jobs_db=tmp_path / "jobs.sqlite3")
    with TestClient(create_app(loader=pipeline.replace, settings=settings)) as c:
        assert c.post("/v1/analyze", json={"text": ARTICLE}).status_code == 413
        assert c.post("/v1/jobs/some-job/results", json={"text": ARTICLE}).status_code == 413
        samples = scrape(c)
    assert value(samples, REQUESTS, method="POST", route="/v1/analyze", status="413") == 1
    assert value(samples, REQUESTS, method="POST", route="/v1/jobs/{job_id}/results", status="413") == 1


def test_latency_histogram_covers_the_whole_request(client, example_text):
    labels = {"method": "POST", "route": "/v1/analyze"}
    before = scrape(client)
    r = client.post("/v1/analyze", json={"text": example_text})
    assert r.status_code == 200, r.text
    after = scrape(client)
    assert value(after, f"{LATENCY}_count", **labels) - value(before, f"{LATENCY}_count", **labels) == 1
    took = value(after, f"{LATENCY}_sum", **labels) - value(before, f"{LATENCY}_sum", **labels)
    assert took >= r.json()["timings_ms"]["total"] / 1000  # the analysis is inside the request
    assert value(after, f"{LATENCY}_bucket", le="+Inf", **labels) == value(after, f"{LATENCY}_count", **labels)
    # An analysis of a 1,000-word article takes well over 5 ms: the smallest bucket did not move.
    assert value(after, f"{LATENCY}_bucket", le="0.005", **labels) == value(before, f"{LATENCY}_bucket", le="0.005", **labels)


def test_stage_times_of_a_single_analysis(client, example_text):
    before = scrape(client)
    r = client.post("/v1/analyze", json={"text": example_text})
    assert r.status_code == 200, r.text
    after = scrape(client)
    timings = r.json()["timings_ms"]
    assert {"sentences", "encode", "total"} <= set(timings)
    for stage, ms in timings.items():
        assert value(after, f"{STAGES}_count", stage=stage) - value(before, f"{STAGES}_count", stage=stage) == 1
        seconds = value(after, f"{STAGES}_sum", stage=stage) - value(before, f"{STAGES}_sum", stage=stage)
        assert seconds == pytest.approx(ms / 1000, abs=1e-9), stage


def test_stage_times_of_batches_and_job_chunks(client):
    before = scrape(client)
    docs = [{"text": ARTICLE}, {"text": "<p> </p>"}, {"text": ARTICLE + " More."}]  # the HTML: an item error
    assert client.post("/v1/analyze/batch", json={"documents": docs}).status_code == 200
    batched = scrape(client)
    assert value(batched, f"{STAGES}_count", stage="total") - value(before, f"{STAGES}_count", stage="total") == 2

    r = client.post("/v1/jobs", json=[{"text": f"{ARTICLE} Item {i}."} for i in range(3)])
    assert r.status_code == 202, r.text
    assert wait_finished(client, r.json()["id"])["state"] == "done"
    after = scrape(client)
    assert value(after, f"{STAGES}_count", stage="total") - value(batched, f"{STAGES}_count", stage="total") == 3
    assert value(after, f"{STAGES}_count", stage="encode") - value(batched, f"{STAGES}_count", stage="encode") == 3
    assert value(after, "stancelens_job_documents_pending") == 0


def test_model_and_build_versions(client, pipeline):
    samples = scrape(client)
    info = pipeline.model_info
    assert value(samples, "stancelens_model_info", version=info.version, profile=info.profile) == 1
    for component, version in info.components.items():
        assert value(samples, "stancelens_model_component_info", component=component, version=version) == 1
    assert value(samples, "stancelens_build_info", version=__version__) == 1
    assert value(samples, "process_resident_memory_bytes") > 0


def test_metrics_route_is_documented_as_prometheus_text(client):
    operation = client.get("/openapi.json").json()["paths"]["/metrics"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"text/plain; version=0.0.4"}


def test_model_versions_appear_once_loaded_and_each_app_counts_its_own(pipeline, client, tmp_path):
    assert value(scrape(client), REQUESTS, method="POST", route="/v1/analyze", status="200") > 0
    release = threading.Event()

    def slow_loader():
        release.wait(30)
        return pipeline.replace()

    with TestClient(create_app(loader=slow_loader, settings=Settings(jobs_db=tmp_path / "jobs.sqlite3"))) as c:
        assert c.post("/v1/analyze", json={"text": ARTICLE}).status_code == 503
        loading = scrape(c)
        assert "stancelens_model_info" not in names(loading)
        assert value(loading, "stancelens_build_info", version=__version__) == 1
        assert value(loading, REQUESTS, method="POST", route="/v1/analyze", status="503") == 1
        assert value(loading, REQUESTS, method="POST", route="/v1/analyze", status="200") == 0
        release.set()
        _wait_ready(c)
        assert value(scrape(c), "stancelens_model_info", version=pipeline.model_info.version, profile="fast") == 1


def test_an_unhandled_error_is_counted_as_500(pipeline, tmp_path):
    class Broken:
        model_info = pipeline.model_info

        def analyze(self, text, **kwargs):
            raise RuntimeError("boom")

    app = create_app(loader=Broken, settings=Settings(jobs_db=tmp_path / "jobs.sqlite3"))
    with TestClient(app, raise_server_exceptions=False) as c:
        _wait_ready(c)
        assert c.post("/v1/analyze", json={"text": ARTICLE}).status_code == 500
        assert value(scrape(c), REQUESTS, method="POST", route="/v1/analyze", status="500") == 1


def test_queue_depth_and_pending_job_documents(pipeline, tmp_path):
    """Two requests wait behind a held analysis on the one worker, and a job waits behind them."""
    inner = pipeline.replace()
    started, release = threading.Event(), threading.Event()

    class Held:
        model_info = inner.model_info

        def analyze(self, text, **kwargs):
            started.set()
            release.wait(30)
            return inner.analyze(text, **kwargs)

        def analyze_batch(self, *args, **kwargs):
            release.wait(30)
            return inner.analyze_batch(*args, **kwargs)

    app = create_app(loader=Held, settings=Settings(workers=1, jobs_db=tmp_path / "jobs.sqlite3"))

    async def gauges(ac: httpx.AsyncClient) -> tuple[float, float]:
        samples = parse((await ac.get("/metrics")).text)
        return value(samples, "stancelens_interactive_requests_waiting"), value(samples, "stancelens_job_documents_pending")

    async def until(ac: httpx.AsyncClient, wanted: tuple[float, float]) -> None:
        deadline = time.monotonic() + 30
        while (seen := await gauges(ac)) != wanted:
            assert time.monotonic() < deadline, f"gauges stayed at {seen}, expected {wanted}"
            await asyncio.sleep(0.02)

    async def scenario() -> None:
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as ac:
                while (await ac.get("/readyz")).status_code != 200:
                    await asyncio.sleep(0.01)
                assert await gauges(ac) == (0, 0)
                running = asyncio.create_task(ac.post("/v1/analyze", json={"text": ARTICLE}))
                while not started.is_set():
                    await asyncio.sleep(0.01)
                waiting = [asyncio.create_task(ac.post("/v1/analyze", json={"text": ARTICLE})) for _ in range(2)]
                await until(ac, (2, 0))
                job = await ac.post("/v1/jobs", json=[{"text": ARTICLE}] * 3)
                assert job.status_code == 202, job.text
                await until(ac, (2, 3))
                release.set()
                assert [r.status_code for r in await asyncio.gather(running, *waiting)] == [200, 200, 200]
                await until(ac, (0, 0))

    asyncio.run(scenario())
