"""`stancelens batch --engine ray` on a local 2-CPU Ray instance: the same output as the local engine."""

from __future__ import annotations

import json

import pytest

from stancelens.cli import main

from .test_batch import _jsonl, _texts, _without_timings, _write_jsonl

ray = pytest.importorskip("ray", reason="the ray extra is installed by make; pip install 'stancelens[ray]'")


def test_ray_engine_matches_local_engine_record_for_record(tmp_path, pipeline):
    records = [{"id": f"r{i:02d}", "text": t} for i, t in enumerate(_texts()[:14])]
    source = _write_jsonl(tmp_path / "in.jsonl", records)
    with source.open("a", encoding="utf-8") as f:
        f.write(json.dumps({"id": "empty", "text": " "}) + "\n{not json\n")
    local, distributed = tmp_path / "local.jsonl", tmp_path / "ray.parquet"
    assert main(["batch", str(source), "--out", str(local), "--batch-size", "4", "--quiet"]) == 0
    assert main(["batch", str(source), "--out", str(tmp_path / "ray.jsonl"), "--batch-size", "4", "--quiet",
                 "--engine", "ray", "--ray-actors", "2"]) == 0
    assert not ray.is_initialized()  # the local instance it started is stopped again
    assert _without_timings(_jsonl(tmp_path / "ray.jsonl")) == _without_timings(_jsonl(local))
    assert (tmp_path / "ray.jsonl.errors.jsonl").read_text() == (tmp_path / "local.jsonl.errors.jsonl").read_text()

    assert main(["batch", str(source), "--out", str(distributed), "--engine", "ray", "--quiet"]) == 0
    import pandas as pd

    frame = pd.read_parquet(distributed)
    assert frame["id"].tolist() == [r["id"] for r in _jsonl(local)]
    assert [json.loads(x)["summary"] for x in frame["result"]] == [r["summary"] for r in _jsonl(local)]


def test_ray_engine_rejects_bad_actor_count(tmp_path, capsys):
    source = _write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "Russia may respond."}])
    assert main(["batch", str(source), "--out", str(tmp_path / "o.jsonl"), "--engine", "ray", "--ray-actors", "0"]) == 2
    assert "--ray-actors" in capsys.readouterr().err
