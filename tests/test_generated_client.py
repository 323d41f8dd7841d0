"""A client generated from the served OpenAPI spec works: the schema is one a generator can trust.

openapi-python-client (the `test` extra) generates a package from `/openapi.json` into a tmp dir; the
test imports it and analyses the example article through it against the app in-process (the real
models, shared with the other tests), then sends the result it parsed back to POST /v1/report, and
reads a refusal as the `ErrorResponse` the spec documents.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from stancelens.config import Settings

from .conftest import EXAMPLE_HEADINGS
from .test_api import _wait_ready

PACKAGE = "stancelens_generated_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory, pipeline):
    tmp = tmp_path_factory.mktemp("client")
    app = create_app(loader=lambda: pipeline, settings=Settings(jobs_db=tmp / "jobs.sqlite3"))
    spec = tmp / "openapi.json"
    spec.write_text(json.dumps(app.openapi()), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(spec),
         "--output-path", str(tmp / PACKAGE), "--meta", "none"],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    # Every model and every JSON operation is generated; only JSON lines, which no generator reads, is skipped.
    assert "Unable to parse" not in run.stdout and "Failure to process" not in run.stdout, run.stdout
    sys.path.insert(0, str(tmp))
    try:
        with TestClient(app) as http:
            _wait_ready(http)
            client = importlib.import_module(f"{PACKAGE}.client").Client(base_url="http://testserver",
                                                                         raise_on_unexpected_status=True)
            client.set_httpx_client(http)  # TestClient is an httpx.Client that calls the app in-process
            yield client, lambda name: importlib.import_module(f"{PACKAGE}.{name}")
    finally:
        sys.path.remove(str(tmp))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_the_example_article_is_analysed_through_a_generated_client(generated, example_text):
    client, module = generated
    models = module("models")
    analyze = module("api.analysis.analyze_v1_analyze_post")
    request = models.AnalyzeRequest(text=example_text, targets=["Russia"], claims=["North Korean troops withdrew"],
                                    options=models.AnalyzeOptions(summary_sentences=2))
    result = analyze.sync(client=client, body=request)
    assert isinstance(result, models.AnalysisResult)
    assert [s.heading.text for s in result.sections if s.heading] == EXAMPLE_HEADINGS
    assert result.language.code == "en" and result.warnings == []
    assert len(result.summary.sentences) == 2
    assert any("Reports suggest" in claim.sentence.text for claim in result.hedged_claims)
    assert result.stances[0].target == "Russia" and result.stances[0].label.value in {"favor", "against", "neutral"}
    assert result.claims[0].claim == "North Korean troops withdrew"
    for claim in result.hedged_claims:
        span = claim.sentence
        assert result.text[span.start : span.end] == span.text

    # The parsed result goes back as the body of POST /v1/report: the schema describes both directions.
    report = module("api.page.report_v1_report_post").sync_detailed(client=client, body=result)
    assert report.status_code == 200 and report.content.decode().startswith("# StanceLens report")


def test_a_refusal_reaches_the_generated_client_as_its_error_model(generated):
    client, module = generated
    models = module("models")
    analyze = module("api.analysis.analyze_v1_analyze_post")
    german = ("Die Bundesregierung hat am Mittwoch neue Sanktionen gegen Russland angekündigt. Nach Angaben aus "
              "Regierungskreisen könnten die Maßnahmen bereits nächste Woche in Kraft treten.")
    response = analyze.sync_detailed(client=client, body=models.AnalyzeRequest(text=german))
    assert response.status_code == 422
    assert isinstance(response.parsed, models.ErrorResponse) and "German" in response.parsed.detail
