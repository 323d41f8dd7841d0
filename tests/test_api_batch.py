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


GERMAN = ("Die Bundesregierung hat am Mittwoch neue Sanktionen gegen Russland angekündigt. Nach Angaben aus "
          "Regierungskreisen könnten die Maßnahmen bereits nächste Woche in Kraft treten.")


def test_batch_answers_in_order_with_item_errors(client):
    # Schema-valid documents that cannot be analysed: text in another language, HTML without visible text.
    docs = [{"text": ARTICLE, "id": "a"}, {"text": GERMAN, "id": "de"}, {"text": "<p> </p>", "id": "html"},
            {"text": ARTICLE + " More.", "id": "c"}]
    r = client.post("/v1/analyze/batch", json={"documents": docs[:3]})
    assert r.status_code == 200, r.text
    results = [ItemOutcome.model_validate(item) for item in r.json()["results"]]
    assert [o.index for o in results] == [0, 1, 2]
    assert [o.ok for o in results] == [True, False, False]
    assert results[0].result.id == "a" and results[0].result.language.code == "en"
    assert results[1].result is None and results[1].error.id == "de"
    assert results[1].error.status == 422 and "German" in results[1].error.error
    assert results[2].error.status == 422 and "no visible text" in results[2].error.error
    forced = client.post("/v1/analyze/batch", json={"documents": [{**docs[1], "options": {"force_language": True}}]})
    assert forced.json()["results"][0]["result"]["warnings"]


def test_batch_result_matches_single_analysis(client):
    single = client.post("/v1/analyze", json={"text": ARTICLE, "claims": ["Soldiers left"]}).json()
    batched = client.post("/v1/analyze/batch", json={"documents": [{"text": ARTICLE, "claims": ["Soldiers left"]}]})
    result = batched.json()["results"][0]["result"]
    for key in ("summary", "sections", "hedged_claims", "stances", "claims", "id"):
        assert result[key] == single[key], key


@pytest.mark.parametrize(
    "body, status, fragment",
    [
        ({"documents": [{"text": ARTICLE}] * 4}, 422, "limit of 3"),
        ({"documents": []}, 422, "documents"),
        ({}, 422, "documents"),
        ({"documents": [{"text": 5}]}, 422, "text"),
        ({"documents": [{"text": ARTICLE}], "extra": 1}, 422, "extra"),
        # Over a limit the schema states: the request is refused, naming the document.
        ({"documents": [{"text": ARTICLE}, {"text": "x" * 200_001}]}, 422, "documents.1: text has 200,001"),
        ({"documents": [{"text": ARTICLE, "targets": ["t"] * 51}]}, 422, "documents.0: 51 targets"),
        ({"documents": [{"text": "   "}]}, 422, "empty"),
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
    assert "404" in paths["/v1/jobs/{job_id}"]["delete"]["responses"]
