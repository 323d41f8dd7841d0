"""The performance side studies on short runs: eval/quality_delta.py (the quality rule), eval/ab.py,
eval/spacy_components.py, eval/target_cost.py, eval/flops.py and eval/entity_agreement.py."""

from __future__ import annotations

import json

import pytest

from .test_claims_eval_scripts import _script


def _report(path, f1: float, rouge1: float) -> str:
    path.write_text(json.dumps({"task": "all", "reports": [
        {"task": "hedge", "data": "/d/conll/dev.jsonl", "scheme": None,
         "metrics": {"sentence": {"f1": {"value": f1}, "macro_f1": {"value": 0.7}, "accuracy": {"value": 0.8}}}},
        {"task": "summary", "data": "/d/cnndm/dev.jsonl", "metrics": {"summary": {"rouge1": {"value": rouge1}}}},
    ]}))
    return str(path)


def test_quality_delta_passes_small_moves_and_fails_past_the_limit(tmp_path):
    delta = _script("quality_delta")
    before = _report(tmp_path / "a.json", 0.629, 42.64)
    assert delta.main([before, _report(tmp_path / "b.json", 0.632, 42.30), "--out", str(tmp_path)]) == 0
    rows = {r["metric"]: r for r in json.loads((tmp_path / "quality_delta.json").read_text())["rows"]}
    assert rows["sentence.f1"]["delta"] == 0.3 and rows["summary.rouge1"]["delta"] == -0.34
    assert delta.main([before, _report(tmp_path / "c.json", 0.620, 42.64)]) == 1  # 0.9 points of F1 lost
    assert delta.main([before, _report(tmp_path / "d.json", 0.640, 42.64)]) == 0  # 1.1 gained: listed, not failed


def test_ab_compares_two_settings_of_one_pipeline(tmp_path, monkeypatch):
    monkeypatch.setenv("STANCELENS_DATA_DIR", str(tmp_path / "none"))
    (tmp_path / "none").mkdir()
    argv = ["--a", "precision=fp32", "--b", "precision=bf16", "--b", "encoder_batch_tokens=64",
            "--articles", "1", "--rounds", "1", "--out", str(tmp_path)]
    assert _script("ab").main(argv) == 0
    report = json.loads((tmp_path / "ab.json").read_text())
    assert report["a"] == {"precision": "fp32"} and report["b"] == {"precision": "bf16", "encoder_batch_tokens": "64"}
    assert report["model"]["a"]["precision"] == "fp32" and report["model"]["b"]["precision"] == "bf16"
    assert report["articles"] == 1 and report["sentences"] > 10
    assert 0.99 < report["embedding_cosine"]["min"] <= report["embedding_cosine"]["mean"] <= 1.0001
    assert report["agreement"]["targets"] > 0
    assert set(report["ms_per_article"]) == {"a", "b"}


def test_ab_refuses_a_name_that_is_not_a_setting(capsys):
    with pytest.raises(SystemExit):
        _script("ab").main(["--a", "precision=fp32", "--b", "no_such_setting=1"])
    assert "not NAME=VALUE" in capsys.readouterr().err


def test_spacy_components_split_the_sentences_stage(tmp_path, monkeypatch):
    monkeypatch.setenv("STANCELENS_DATA_DIR", str(tmp_path / "none"))
    (tmp_path / "none").mkdir()
    argv = ["--articles", "2", "--words", "150", "--rounds", "1", "--out", str(tmp_path)]
    assert _script("spacy_components").main(argv) == 0
    report = json.loads((tmp_path / "spacy_components.json").read_text())
    assert {"tokenizer", "parser", "attribute_ruler"} <= set(report["ms_per_article"])
    assert not {"lemmatizer", "ner"} & set(report["share"])  # the fast profile's entities are the head's
    assert abs(sum(report["share"].values()) - 1) < 0.01


def test_flops_count_every_stage_against_the_matmul_rate(tmp_path, monkeypatch):
    monkeypatch.setenv("STANCELENS_DATA_DIR", str(tmp_path / "none"))
    (tmp_path / "none").mkdir()
    flops = _script("flops")
    assert flops.layer_flops([10], 4, 8) == 2 * 10 * (4 * 16 + 2 * 32) + 2 * 2 * 100 * 4
    assert flops.main(["--articles", "1", "--words", "200", "--threads", "1", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "flops.json").read_text())
    stages = report["stages"]
    assert stages["encode"]["gflop"] > stages["hedges"]["gflop"] > 0 and stages["entities"]["gflop"] > 0
    assert report["matmul_gflops"]["bf16"] > 0 and report["ms_at_bf16_peak"] > 0


def test_entity_agreement_scores_the_head_against_spacy_on_any_text(tmp_path):
    data = tmp_path / "docs.jsonl"
    data.write_text(json.dumps({"body": "Angela Merkel met Emmanuel Macron in Paris. Germany and France agreed."})
                    + "\n" + json.dumps({"body": ""}) + "\n")
    assert _script("entity_agreement").main(["--data", str(data), "--field", "body", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "entity_agreement.json").read_text())
    assert report["sentences"] == 2 and report["agreement"]["support"] >= 3
    assert 0.0 <= report["agreement"]["f1"] <= 1.0 and set(report["disagreements"]) == {"spacy_only", "head_only"}


def test_target_cost_times_the_resolver_and_the_aggregation(tmp_path, monkeypatch):
    monkeypatch.setenv("STANCELENS_DATA_DIR", str(tmp_path / "none"))
    (tmp_path / "none").mkdir()
    argv = ["--articles", "2", "--words", "200", "--rounds", "1", "--out", str(tmp_path)]
    assert _script("target_cost").main(argv) == 0
    report = json.loads((tmp_path / "target_cost.json").read_text())
    ms = report["ms_per_article"]
    assert report["articles"] == 2 and report["mean_mentions_per_article"] > 0
    assert 0 < ms["resolve"] < ms["annotate"] and 0 <= ms["aggregate"] < ms["annotate"]
    assert report["resolve_and_aggregate_ms"] == pytest.approx(ms["resolve"] + ms["aggregate"], abs=1e-3)
