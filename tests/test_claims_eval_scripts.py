"""eval/claims_topic_split.py's topic grouping and eval/claims_cost.py end to end on a short run."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[1] / "eval" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_topics_join_bodies_and_headlines_by_related_pairs_only():
    topics = _script("claims_topic_split")._topics([
        {"body_id": 1, "headline": "A", "stance": "agree"},
        {"body_id": 2, "headline": "A", "stance": "discuss"},
        {"body_id": 2, "headline": "B", "stance": "unrelated"},
        {"body_id": 3, "headline": "B", "stance": "disagree"},
        {"body_id": 3, "headline": "A", "stance": "unrelated"},
    ])
    bodies, headlines = topics[:5], topics[5:]
    assert bodies[0] == bodies[1] == headlines[0] == headlines[1]  # body 1, body 2 and A: one topic
    assert bodies[3] == headlines[3] == headlines[2]  # body 3 and B: another
    assert bodies[0] != bodies[3]  # an unrelated pair joins nothing


def test_claims_cost_reports_a_line_through_the_counts(tmp_path, pipeline, monkeypatch):
    monkeypatch.setenv("STANCELENS_DATA_DIR", str(tmp_path / "none"))
    (tmp_path / "none").mkdir()
    assert _script("claims_cost").main(["--counts", "0", "1", "3", "--rounds", "1", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "claims_cost.json").read_text())
    assert sorted(report["median_ms"], key=int) == ["0", "1", "3"]
    assert report["claim_stance"] == pipeline.claim_stance.version
    assert report["median_ms"]["0"]["claims"] < 1 and report["median_ms"]["3"]["claims"] > 0
    assert (tmp_path / "claims_cost.md").read_text().startswith("# Cost of claims")
