"""Logs: JSON lines with request ids, one access line per request, no article text, no tracebacks in responses."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.logs import JsonFormatter
from stancelens.cli import main
from stancelens.config import Settings
from stancelens.keys import entry_line

from .conftest import EXAMPLE_PATH
from .test_access import ALICE, FakePipeline, make_client
from .test_api import _wait_ready

Lines = Callable[[], list[dict]]


@pytest.fixture
def json_logs() -> Iterator[Lines]:
    """Every log record of the server, from any logger at any level, as the parsed JSON line the formatter
    wrote. The test's HTTP client logs the URLs it requests; those lines are the client's, not the server's."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield lambda: [entry for entry in map(json.loads, stream.getvalue().splitlines())
                       if not entry["logger"].startswith(("httpx", "httpcore"))]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def access_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "stancelens.access"]


def test_formatter_writes_one_json_object_per_line(json_logs):
    log = logging.getLogger("stancelens.test")
    log.info("two\nlines", extra={"job_id": "j1", "count": 3})
    try:
        raise ValueError("broken")
    except ValueError:
        log.exception("failed")
    first, second = json_logs()
    assert {"time", "level", "logger", "message", "request_id"} <= set(first)
    assert first["message"] == "two\nlines" and first["job_id"] == "j1" and first["count"] == 3
    assert first["level"] == "INFO" and first["logger"] == "stancelens.test" and first["request_id"] is None
    assert second["level"] == "ERROR" and "Traceback" in second["exception"] and "ValueError: broken" in second["exception"]


def test_request_id_is_echoed_and_in_the_access_line(tmp_path, json_logs):
    with make_client(tmp_path) as c:
        r = c.get("/healthz", headers={"x-request-id": "req-42.a_B"})
    assert r.headers["x-request-id"] == "req-42.a_B"
    (line,) = [line for line in access_lines(json_logs()) if line["path"] == "/healthz"]
    assert line["request_id"] == "req-42.a_B"
    assert line["method"] == "GET" and line["status"] == 200 and line["duration_ms"] >= 0
    assert line["client"] == "testclient" and line["key_name"] is None


@pytest.mark.parametrize("incoming", ["has spaces", "x" * 129, "<script>", "ünïcode".encode(), ""])
def test_a_bad_incoming_request_id_is_replaced(tmp_path, json_logs, incoming):
    with make_client(tmp_path) as c:
        r = c.get("/healthz", headers={"x-request-id": incoming})
    made = r.headers["x-request-id"]
    assert made != incoming and len(made) == 32 and int(made, 16) >= 0
    assert [line["request_id"] for line in access_lines(json_logs())] == [made]


def test_every_request_gets_its_own_id(tmp_path):
    with make_client(tmp_path) as c:
        ids = {c.get("/healthz").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


def test_access_line_names_the_key_never_the_key_itself(tmp_path, json_logs):
    with make_client(tmp_path, api_keys=[entry_line("alice", ALICE)]) as c:
        _wait_ready(c)
        assert c.post("/v1/analyze", json={"text": "Some text."}, headers={"x-api-key": ALICE}).status_code == 200
        refused = c.post("/v1/analyze?key=" + ALICE, json={"text": "Some text."}, headers={"x-api-key": ALICE + "x"})
        assert refused.status_code == 401 and refused.headers["x-request-id"]
    lines = json_logs()
    ok, denied = [line for line in access_lines(lines) if line["path"] == "/v1/analyze"]
    assert ok["status"] == 200 and ok["key_name"] == "alice"
    assert denied["status"] == 401 and denied["key_name"] is None and denied["request_id"] == refused.headers["x-request-id"]
    assert ALICE not in json.dumps(lines)


def test_no_article_text_in_logs(pipeline, json_logs):
    text = EXAMPLE_PATH.read_text(encoding="utf-8") + "\n\nZanzibar quokkas may have negotiated a ceasefire."
    with TestClient(create_app(loader=lambda: pipeline)) as c:
        _wait_ready(c)
        r = c.post(
            "/v1/analyze?note=Zanzibar+quokkas",
            json={"text": text, "targets": ["Zanzibar quokkas"], "claims": ["Quokkas negotiated a ceasefire"]},
            headers={"x-request-id": "article-1"},
        )
        assert r.status_code == 200, r.text
        batch = c.post("/v1/analyze/batch", json={"documents": [{"text": text}, {"text": "<p> </p>"}]})
        assert batch.status_code == 200
    lines = json_logs()
    assert [line["status"] for line in access_lines(lines) if line["request_id"] == "article-1"] == [200]
    logged = json.dumps(lines, ensure_ascii=False).lower()
    assert "zanzibar" not in logged and "quokka" not in logged
    for paragraph in text.split("\n"):
        if len(paragraph) > 30:
            assert paragraph[:30].lower() not in logged


class CrashingPipeline(FakePipeline):
    def analyze(self, text: str, **_: object) -> object:
        raise RuntimeError("stage exploded on purpose")

    def analyze_batch(self, requests: list) -> list:
        raise RuntimeError("stage exploded on purpose")


def test_a_crash_is_a_bare_500_and_a_logged_traceback(tmp_path, json_logs):
    settings = Settings(jobs_db=tmp_path / "jobs.sqlite3")
    with TestClient(create_app(loader=CrashingPipeline, settings=settings), raise_server_exceptions=False) as c:
        _wait_ready(c)
        r = c.post("/v1/analyze", json={"text": "Secret draft about Zanzibar."}, headers={"x-request-id": "crash-1"})
    assert r.status_code == 500 and r.headers["x-request-id"] == "crash-1"
    assert set(r.json()) == {"detail"} and "log" in r.json()["detail"]
    for leak in ("Traceback", "RuntimeError", "exploded", "File ", "Zanzibar"):
        assert leak not in r.text
    lines = json_logs()
    (error,) = [line for line in lines if line["logger"] == "stancelens.service" and line.get("exception")]
    assert "Traceback" in error["exception"] and "RuntimeError: stage exploded on purpose" in error["exception"]
    assert error["request_id"] == "crash-1"
    assert [line["status"] for line in access_lines(lines) if line["request_id"] == "crash-1"] == [500]
    assert "Zanzibar" not in json.dumps(lines)


def test_a_failed_job_logs_no_article_text(tmp_path, json_logs):
    settings = Settings(jobs_db=tmp_path / "jobs.sqlite3")
    with TestClient(create_app(loader=CrashingPipeline, settings=settings)) as c:
        _wait_ready(c)
        job = c.post("/v1/jobs", json=[{"text": "Secret draft about Zanzibar."}]).json()
        deadline = time.monotonic() + 10
        while c.get(f"/v1/jobs/{job['id']}").json()["state"] != "failed" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert c.get(f"/v1/jobs/{job['id']}").json()["state"] == "failed"
    lines = json_logs()
    assert any(line["message"] == f"job {job['id']} failed" and "exploded" in line["exception"] for line in lines)
    assert "Zanzibar" not in json.dumps(lines)


def test_serve_logs_json_and_turns_uvicorn_access_log_off(monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    assert main(["serve", "--log-level", "warning"]) == 0
    (kwargs,) = calls
    assert kwargs["access_log"] is False
    assert kwargs["log_config"]["formatters"]["json"]["()"] is JsonFormatter
    assert kwargs["log_config"]["loggers"]["stancelens"]["level"] == "WARNING"


def test_serve_log_config_turns_uvicorn_and_app_lines_into_json():
    """In a fresh interpreter, as `stancelens serve` configures logging: every line is a JSON object."""
    script = (
        "import logging, logging.config\n"
        "from service.logs import log_config\n"
        "logging.config.dictConfig(log_config('info'))\n"
        "logging.getLogger('uvicorn.error').info('Started server process')\n"
        "logging.getLogger('stancelens.service').info('models loaded', extra={'version': 'v1'})\n"
        "logging.getLogger('some.library').warning('deprecated')\n"
        "logging.getLogger('some.library').info('chatter')\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    lines = [json.loads(line) for line in out.stderr.splitlines()]
    assert [(line["logger"], line["message"]) for line in lines] == [
        ("uvicorn.error", "Started server process"),
        ("stancelens.service", "models loaded"),
        ("some.library", "deprecated"),
    ]
    assert lines[1]["version"] == "v1"
