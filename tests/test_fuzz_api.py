"""Every operation of the OpenAPI spec, fuzzed with schemathesis against the real app and models.

A short run, derandomised so CI sees the same requests every time: each operation gets its
examples, schemathesis's coverage cases (boundary values, missing and wrong-typed fields,
unexpected methods) and a few generated requests, schema-valid and schema-violating; then a few
stateful sequences carry a job's id from POST /v1/jobs into its other routes. `eval/fuzz_api.py`
runs the same, longer, against a real server. Operations added later are fuzzed too: the
operations come from the spec the app serves.

Checks: every built-in one, none switched off (`schemathesis.toml`), among them not_a_server_error,
status_code_conformance, content_type_conformance, response_headers_conformance,
response_schema_conformance, positive_data_acceptance (schema-valid requests are accepted),
negative_data_rejection (schema-violating ones are refused), use_after_free (a deleted job answers
404), unsupported_method and allow_header_conformance; plus the two in `stancelens.fuzzing` (JSON-lines
bodies match their schema line by line; every error is `{"detail": "<one line>"}`).

The app runs with small limits (text length, targets, batch and job sizes): its schema states them, so
the fuzzer keeps to them, and the run stays short however long the texts it tries at the boundaries.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import schemathesis
from schemathesis.python import asgi

from service.app import create_app
from stancelens.config import Settings
from stancelens.fuzzing import LIMITS, load_config
from stancelens.pipeline import default_pipeline

from .test_api import client  # noqa: F401  (a fixture: the app with the real models, ready)

# Per operation and generation mode, and stateful sequences; the coverage cases come on top.
# About 30 s in all on 2 cores.
MAX_EXAMPLES = 10

# Schemathesis makes one test per operation from a schema it has when the module is collected (its
# fixture-based schemas do not run on pytest 9), so the app is built here; building it loads nothing.
# Fuzzed jobs go to a database of their own, not the one other tests (or a server) use.
JOBS_DIR = Path(tempfile.mkdtemp(prefix="stancelens-fuzz-"))
SETTINGS = Settings(jobs_db=JOBS_DIR / "jobs.sqlite3", **LIMITS)
# The shared models, with this run's limits.
APP = create_app(loader=lambda: _limited(default_pipeline()), settings=SETTINGS)
schema = schemathesis.openapi.from_dict(APP.openapi(), config=load_config(MAX_EXAMPLES))


def _limited(pipeline):
    limited = copy.copy(pipeline)
    limited.settings = SETTINGS
    return limited


@pytest.fixture(scope="module")
def served_app(pipeline):
    # Schemathesis runs the app's lifespan itself, on its own event loop, from the first request on.
    readyz = schema["/readyz"]["GET"]
    deadline = time.monotonic() + 60
    while readyz.Case().call(app=APP).status_code != 200:
        assert time.monotonic() < deadline, "the app never became ready"
        time.sleep(0.05)
    yield APP
    # Otherwise the lifespan, and the job runner still working through fuzzed jobs, lasts until exit.
    asgi.shutdown_lifespans()
    shutil.rmtree(JOBS_DIR, ignore_errors=True)


@schema.parametrize()
def test_every_operation_conforms_to_the_spec(case, served_app):
    case.call_and_validate(app=served_app)


class Workflows(schema.as_state_machine()):
    """Sequences that follow the links schemathesis infers (a job's id from POST /v1/jobs into
    GET, DELETE and /results): the only way fuzzing reaches jobs that exist."""

    def get_call_kwargs(self, case):
        return {"app": APP}


TestWorkflows = pytest.mark.usefixtures("served_app")(Workflows.TestCase)
TestWorkflows.settings = schema.config.get_hypothesis_settings(phase="stateful")


def test_a_body_that_cannot_be_parsed_gets_a_documented_error(client):  # noqa: F811
    spec = client.get("/openapi.json").json()
    operations = [(method, path) for path, item in spec["paths"].items() for method, op in item.items()
                  if "requestBody" in op]
    assert ("post", "/v1/analyze") in operations
    for method, path in operations:
        r = client.request(method, path, content=b'{"text": "\xff"}', headers={"content-type": "application/json"})
        assert str(r.status_code) in spec["paths"][path][method]["responses"], (method, path, r.status_code)
        assert r.status_code < 500 and "utf-8" in r.json()["detail"].lower()
    broken = client.post("/v1/jobs", content=b"--b\r\n\xc3\xb2--b--\r\n",
                         headers={"content-type": "multipart/form-data; boundary=b"})
    assert broken.status_code == 400 and "400" in spec["paths"]["/v1/jobs"]["post"]["responses"]


def test_method_not_allowed_names_every_method_of_the_path(client):  # noqa: F811
    r = client.put("/v1/jobs/0123")
    assert r.status_code == 405
    assert r.headers["allow"] == "DELETE, GET"
    assert r.json()["detail"]


def test_an_unknown_field_with_a_line_break_in_its_name_keeps_the_error_on_one_line(client):  # noqa: F811
    r = client.post("/v1/analyze", json={"text": "Some text.", "options": {"bad\nkey": 1}})
    assert r.status_code == 422
    assert r.json()["detail"].splitlines() == [r.json()["detail"]]
    assert "'bad\\nkey'" in r.json()["detail"]
