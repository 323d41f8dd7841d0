from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from stancelens.schema import AnalysisResult

from .conftest import assert_offsets_valid, assert_sections_tile


def _wait_ready(client: TestClient, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/readyz").status_code == 200:
            return
        time.sleep(0.05)
    raise AssertionError("the app never became ready")


@pytest.fixture(scope="module")
def client(pipeline):
    with TestClient(create_app(loader=lambda: pipeline)) as c:
        _wait_ready(c)
        yield c


def test_analyze_example_article(client, example_text):
    r = client.post("/v1/analyze", json={"text": example_text, "id": "ex-1", "claims": ["North Korean troops withdrew"]})
    assert r.status_code == 200, r.text
    result = AnalysisResult.model_validate(r.json())
    assert result.id == "ex-1"
    assert result.text == example_text
    assert len(result.sections) == 7
    assert result.model.version and "encoder" in result.model.components
    assert result.hedged_claims and result.stances and len(result.claims) == 1
    assert {"sentences", "encode", "total"} <= set(result.timings_ms)
    assert_offsets_valid(result)
    assert_sections_tile(result)


def test_html_input_offsets_point_into_extracted_text(client):
    html = (
        "<html><head><style>p{}</style></head><body><h1>Troops</h1><p>Officials said about 300 soldiers "
        "may have left.</p><h2>Outlook</h2><p>Russia will likely respond.</p></body></html>"
    )
    r = client.post("/v1/analyze", json={"text": html})
    assert r.status_code == 200, r.text
    result = AnalysisResult.model_validate(r.json())
    assert result.content_type == "html"
    assert "<" not in result.text and "p{}" not in result.text
    assert [s.heading.text for s in result.sections] == ["Troops", "Outlook"]
    assert_offsets_valid(result)


@pytest.mark.parametrize(
    "body, status, fragment",
    [
        ({"text": ""}, 422, "empty"),
        ({"text": "   \n\t "}, 422, "empty"),
        ({"text": "x" * 200_001}, 422, "limit"),  # the schema states the limit: a violation like any other
        ({"text": "Some text.", "content_type": "pdf"}, 422, "content_type"),
        ({"text": 123}, 422, "text"),
        ({"text": "Some text.", "targets": "Russia"}, 422, "targets"),
        ({"text": "Some text.", "targets": ["t"] * 51}, 422, "limit"),
        ({"text": "Some text.", "claims": [""]}, 422, "claims"),
        ({"text": "Some text.", "options": {"summary_sentences": 0}}, 422, "summary_sentences"),
        ({"text": "Some text.", "unknown_field": 1}, 422, "unknown_field"),
        ({}, 422, "text"),
    ],
)
def test_bad_input_gets_clear_4xx(client, body, status, fragment):
    r = client.post("/v1/analyze", json=body)
    assert r.status_code == status, r.text
    assert fragment in r.text


def test_invalid_json_is_422(client):
    r = client.post("/v1/analyze", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_health_and_readiness(client):
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    assert ready.json()["model"]["version"]


def test_not_ready_until_models_load(pipeline):
    release = threading.Event()

    def slow_loader():
        release.wait(30)
        return pipeline

    with TestClient(create_app(loader=slow_loader)) as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/readyz").status_code == 503
        r = c.post("/v1/analyze", json={"text": "Some text."})
        assert r.status_code == 503 and r.headers["retry-after"]
        release.set()
        _wait_ready(c)
        assert c.post("/v1/analyze", json={"text": "Some text."}).status_code == 200


def test_failed_model_load_shows_in_readyz_without_crashing():
    def broken_loader():
        raise OSError("model file models/x/weights.bin is corrupt")

    with TestClient(create_app(loader=broken_loader)) as c:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and c.get("/readyz").json()["error"] is None:
            time.sleep(0.02)
        body = c.get("/readyz").json()
        assert body["ready"] is False and "corrupt" in body["error"]
        assert c.get("/healthz").status_code == 200
        assert c.post("/v1/analyze", json={"text": "Some text."}).status_code == 503


def test_analysis_does_not_block_the_event_loop(pipeline):
    """A slow analysis runs on a worker thread: health checks still answer meanwhile."""
    started = threading.Event()

    class SlowPipeline:
        model_info = pipeline.model_info

        def analyze(self, text, **kwargs):
            started.set()
            time.sleep(1.5)
            return pipeline.analyze(text, **kwargs)

    app = create_app(loader=lambda: SlowPipeline())

    async def scenario():
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as ac:
                while (await ac.get("/readyz")).status_code != 200:
                    await asyncio.sleep(0.01)
                slow = asyncio.create_task(ac.post("/v1/analyze", json={"text": "Some text here."}))
                while not started.is_set():
                    await asyncio.sleep(0.01)
                t0 = time.perf_counter()
                health = await ac.get("/healthz")
                health_latency = time.perf_counter() - t0
                assert not slow.done()
                assert (await slow).status_code == 200
                return health.status_code, health_latency

    status, latency = asyncio.run(scenario())
    assert status == 200
    assert latency < 1.0


def test_openapi_documents_every_request_field(client):
    spec = client.get("/openapi.json").json()
    request = spec["components"]["schemas"]["AnalyzeRequest"]["properties"]
    assert set(request) == {"text", "id", "content_type", "targets", "claims", "options", "meta"}
    for name, prop in request.items():
        assert prop.get("description") or "$ref" in prop or "allOf" in prop, name
    assert "/v1/analyze" in spec["paths"] and "413" in spec["paths"]["/v1/analyze"]["post"]["responses"]


def test_openapi_describes_every_field_of_every_schema(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    missing = [
        f"{name}.{prop}"
        for name, schema in schemas.items()
        if name not in {"HTTPValidationError", "ValidationError"}  # FastAPI's own
        for prop, body in (schema.get("properties") or {}).items()
        if not body.get("description")
    ]
    assert missing == []
