from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from stancelens.config import Settings
from stancelens.jobs.schema import ItemOutcome

from .test_api import _wait_ready

ARTICLE = "Officials said about 300 soldiers may have left the region. Russia will likely respond."


@pytest.fixture(scope="module")
def client(pipeline, tmp_path_factory):
    settings = Settings(max_batch=3, jobs_db=tmp_path_factory.mktemp("jobs") / "jobs.sqlite3")
    with TestClient(create_app(loader=lambda: pipeline, settings=settings)) as c:
        _wait_ready(c)
        yield c


def test_batch_answers_in_order_with_item_errors(client):
    docs = [{"text": ARTICLE, "id": "a"}, {"text": "   ", "id": "blank"}, {"text": ARTICLE + " More.", "id": "c"}]
    r = client.post("/v1/analyze/batch", json={"documents": docs})
    assert r.status_code == 200, r.text
    results = [ItemOutcome.model_validate(item) for item in r.json()["results"]]
    assert [o.index for o in results] == [0, 1, 2]
    assert [o.ok for o in results] == [True, False, True]
    assert results[0].result.id == "a" and results[2].result.id == "c"
    assert results[1].result is None and results[1].error.id == "blank"
    assert results[1].error.status == 422 and "empty" in results[1].error.error


def test_batch_result_matches_single_analysis(client):
    single = client.post("/v1/analyze", json={"text": ARTICLE, "claims": ["Soldiers left"]}).json()
    batched = client.post("/v1/analyze/batch", json={"documents": [{"text": ARTICLE, "claims": ["Soldiers left"]}]})
    result = batched.json()["results"][0]["result"]
    for key in ("summary", "sections", "hedged_claims", "stances", "claims", "id"):
        assert result[key] == single[key], key


@pytest.mark.parametrize(
    "body, status, fragment",
    [
        ({"documents": [{"text": ARTICLE}] * 4}, 413, "limit of 3"),
        ({"documents": []}, 422, "documents"),
        ({}, 422, "documents"),
        ({"documents": [{"text": 5}]}, 422, "text"),
        ({"documents": [{"text": ARTICLE}], "extra": 1}, 422, "extra"),
        ({"documents": [{"text": "x" * 200_001}]}, 200, "limit"),  # too long: an item error, not a failed batch
    ],
)
def test_bad_batches_get_clear_4xx(client, body, status, fragment):
    r = client.post("/v1/analyze/batch", json=body)
    assert r.status_code == status, r.text
    assert fragment in r.text


def test_openapi_documents_batch_and_job_errors(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"413", "422", "503"} <= set(paths["/v1/analyze/batch"]["post"]["responses"])
    assert {"202", "413", "415", "422", "503"} <= set(paths["/v1/jobs"]["post"]["responses"])
    assert {"application/json", "application/x-ndjson"} <= set(paths["/v1/jobs"]["post"]["requestBody"]["content"])
    for path in ("/v1/jobs/{job_id}", "/v1/jobs/{job_id}/results"):
        assert "404" in paths[path]["get"]["responses"]
    assert {"404", "409"} <= set(paths["/v1/jobs/{job_id}"]["delete"]["responses"])
