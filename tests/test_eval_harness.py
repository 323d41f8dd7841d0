"""`stancelens eval` end to end on small slices of the shared dev data (tests/data/eval)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from stancelens.cli import main
from stancelens.evaluation.schema import EvalReport, EvalSuite
from stancelens.evaluation.tasks import SUITE
from stancelens.hedges import LexiconHedgeDetector
from stancelens.schema import AnalyzeOptions
from stancelens.summarize import LeadSummarizer, RandomSummarizer

from .conftest import DATA

SLICES = DATA / "eval"
FAST = ["--format", "json", "--bootstrap", "30"]


def run_eval(capsys, *args: str) -> EvalReport:
    assert main(["eval", *args, *FAST]) == 0
    return EvalReport.model_validate_json(capsys.readouterr().out)


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_hedge_sentence_and_cue_level(capsys, pipeline):
    report = run_eval(capsys, "hedge", "--data", str(SLICES / "szeged_dev.jsonl"))
    assert report.n == 17 and report.task == "hedge"
    assert set(report.metrics) == {"sentence", "cue"} and set(report.baselines) == {"rules", "lexicon"}
    cue = report.metrics["cue"]
    assert cue.n_gold == sum(len(r["cues"]) for r in lines(SLICES / "szeged_dev.jsonl"))
    assert cue.f1 == cue.exact["f1"] and cue.precision == cue.exact["precision"] and cue.recall == cue.exact["recall"]
    assert cue.typed["f1"].value <= cue.f1.value  # a typed match is an exact match too
    sentence = report.metrics["sentence"]
    assert sentence.labels == ["certain", "uncertain"]
    assert sum(map(sum, sentence.confusion)) == 17
    assert sentence.calibration is not None and sentence.average_precision is not None
    assert sentence.f1 == sentence.per_class["uncertain"].f1 and sentence.precision is not None
    assert report.model.components["hedges"] == pipeline.hedges.version != "rules-3"
    # The output names the fields the issue asks for.
    metrics = report.model_dump()["metrics"]
    assert {"precision", "recall", "f1"} <= set(metrics["sentence"]) and {"precision", "recall", "f1", "typed"} <= set(metrics["cue"])


def test_hedge_scores_a_model_scheme_on_request(capsys, pipeline):
    data = str(SLICES / "szeged_dev.jsonl")
    default, szeged = run_eval(capsys, "hedge", "--data", data), run_eval(capsys, "hedge", "--data", data, "--scheme", "szeged")
    assert default.scheme is None and szeged.scheme == "szeged"
    # Only the sentence scores change: the cues and the baselines are the same.
    assert szeged.metrics["cue"] == default.metrics["cue"] and szeged.baselines == default.baselines
    assert szeged.threshold == 0.5 and default.threshold == pipeline.hedges.threshold
    assert szeged.metrics["sentence"].calibration != default.metrics["sentence"].calibration


def test_hedge_scheme_needs_a_model(capsys, pipeline, monkeypatch):
    from stancelens.hedges import RuleHedgeDetector

    monkeypatch.setattr("stancelens.evaluation.command.default_pipeline",
                        lambda: pipeline.replace(hedges=RuleHedgeDetector()), raising=False)
    monkeypatch.setattr("stancelens.pipeline.default_pipeline", lambda: pipeline.replace(hedges=RuleHedgeDetector()))
    assert main(["eval", "hedge", "--data", str(SLICES / "szeged_dev.jsonl"), "--scheme", "szeged", *FAST]) == 2
    assert "no such probability" in capsys.readouterr().err


def test_hedge_without_cues_scores_sentences_only(capsys, pipeline):
    report = run_eval(capsys, "hedge", "--data", str(SLICES / "conll_dev.jsonl"))
    assert set(report.metrics) == {"sentence"}
    assert report.metrics["sentence"].per_class["uncertain"].support == 6


def test_stance_maps_dataset_labels(capsys, pipeline):
    report = run_eval(capsys, "stance", "--data", str(SLICES / "newsmtsc_dev.jsonl"))
    gold = [r["label"] for r in lines(SLICES / "newsmtsc_dev.jsonl")]
    m = report.metrics["labels"]
    assert m.per_class["against"].support == gold.count("negative")
    assert m.per_class["favor"].support == gold.count("positive")
    majority = report.baselines["majority"]["labels"]
    # The headline figures sit beside the block too, under the names the stance issue gives.
    assert report.metrics["f1_macro"] == m.macro_f1 and report.metrics["accuracy"] == m.accuracy
    assert "fnc_relative" not in report.metrics
    top = max(set(gold), key=gold.count)
    assert majority.accuracy.value == pytest.approx(gold.count(top) / len(gold), abs=1e-4)


def test_article_level_stance_with_titles_beside_the_plain_mean(capsys, pipeline):
    from stancelens.stance.article_training import article_input

    report = run_eval(capsys, "stance", "--data", str(SLICES / "persent_dev.jsonl"))
    records = lines(SLICES / "persent_dev.jsonl")
    m = report.metrics["labels"]
    assert report.n == len(records) and sum(c.support for c in m.per_class.values()) == len(records)
    assert m.calibration is not None and set(report.baselines) == {"majority", "mean"}
    # Both systems read the same units: a temperature changes scores, never which label is most probable.
    assert report.baselines["mean"]["labels"].confusion == m.confusion
    # Mentions are counted per target as the API lists them, title included.
    found = []
    for rec in records:
        result = pipeline.analyze(*article_input(rec["text"], rec["title"])[:1], targets=[rec["target"]],
                                  content_type="markdown", options=AnalyzeOptions(auto_targets=False))
        found.append(len(result.stances[0].mentions))
    assert report.metrics["mentions"]["median_all"].value == pytest.approx(float(np.median(found)))


def test_semeval_reports_f_avg(capsys, pipeline):
    report = run_eval(capsys, "stance", "--data", str(SLICES / "semeval_dev.jsonl"))
    assert report.metrics["labels"].f_avg is not None


def test_claims_on_fnc_joins_bodies_and_reports_fnc_score(capsys, pipeline):
    report = run_eval(capsys, "claims", "--data", str(SLICES / "fnc_dev_stances.jsonl"))
    m = report.metrics["labels"]
    assert report.n == 14 and m.fnc_score is not None
    relative = report.metrics["fnc_relative"]
    assert relative.value == pytest.approx(100 * m.fnc_score.value, abs=0.01)
    assert relative.ci95[0] == pytest.approx(100 * m.fnc_score.ci95[0], abs=0.01)
    assert report.metrics["f1_macro"] == m.macro_f1
    assert report.baselines["majority"]["labels"].fnc_score.value == pytest.approx(
        0.25 * 11 / (0.25 * 11 + 3), abs=1e-4)  # all "unrelated": only the unrelated quarter-points


def test_claims_bodies_flag_and_missing_bodies(tmp_path, capsys, pipeline):
    stances = tmp_path / "stances.jsonl"
    shutil.copy(SLICES / "fnc_dev_stances.jsonl", stances)
    assert main(["eval", "claims", "--data", str(stances), *FAST]) == 2
    assert "--bodies" in capsys.readouterr().err
    report = run_eval(capsys, "claims", "--data", str(stances), "--bodies", str(SLICES / "fnc_dev_bodies.jsonl"))
    assert report.n == 14


def test_claims_on_emergent_headlines(capsys, pipeline):
    report = run_eval(capsys, "claims", "--data", str(SLICES / "emergent_dev.jsonl"))
    assert set(report.metrics["labels"].labels) <= {"agree", "disagree", "discuss"}
    assert report.metrics["labels"].fnc_score is None


def test_summary_against_lead3_and_random3(capsys, pipeline):
    report = run_eval(capsys, "summary", "--data", str(SLICES / "cnndm_dev.jsonl"))
    assert set(report.baselines) == {"lead3", "random3"}
    ours, lead = report.metrics["summary"], report.baselines["lead3"]["summary"]
    assert report.metrics["minus_lead3"]["rouge1"].value == pytest.approx(ours.rouge1.value - lead.rouge1.value, abs=1e-3)
    for m in (ours, lead):
        assert 0 < m.rouge2.value < m.rouge1.value <= 100
    assert len(report.worst) == 4


def test_summary_lead3_is_the_first_three_sentences(pipeline):
    article = pipeline.read("One is here. Two is here. Three is here. Four is here.", "text")
    lead = pipeline.replace(summarizer=LeadSummarizer()).annotate(article).summary
    assert lead.text == "One is here. Two is here. Three is here."
    picks = [pipeline.replace(summarizer=RandomSummarizer(seed=s)).annotate(article).summary.text for s in range(6)]
    assert all(p.count("is here.") == 3 for p in picks) and len(set(picks)) > 1


def test_lexicon_baseline_ignores_context(pipeline):
    article = pipeline.read("They walked around the city in May.", "text")
    ours = pipeline.annotate(article).hedged_claims
    lexicon = pipeline.replace(hedges=LexiconHedgeDetector()).annotate(article).hedged_claims
    assert ours == [] and [c.text for c in lexicon[0].cues] == ["around", "May"]


def test_read_then_annotate_equals_analyze(pipeline, example_text):
    whole = pipeline.analyze(example_text, claims=["North Korea sent troops"])
    parts = pipeline.annotate(pipeline.read(example_text), claims=["North Korea sent troops"])
    assert whole.model_dump(exclude={"timings_ms", "id"}) == parts.model_dump(exclude={"timings_ms", "id"})


def test_csv_parquet_and_hub_layouts_read_the_same(tmp_path, capsys, pipeline):
    import pandas as pd

    frame = pd.read_json(SLICES / "newsmtsc_dev.jsonl", lines=True)
    frame.drop(columns=["further_mentions"]).to_csv(tmp_path / "dev.csv", index=False)
    hub = tmp_path / "hub" / "data"
    hub.mkdir(parents=True)
    frame.to_parquet(hub / "test-00000-of-00001.parquet")
    base = run_eval(capsys, "stance", "--data", str(SLICES / "newsmtsc_dev.jsonl")).metrics
    csv = run_eval(capsys, "stance", "--data", str(tmp_path / "dev.csv")).metrics
    hub_report = run_eval(capsys, "stance", "--data", f"hf:{tmp_path / 'hub'}", "--split", "test")
    folder = run_eval(capsys, "stance", "--data", str(tmp_path), "--split", "dev")
    assert csv == base == hub_report.metrics == folder.metrics
    assert hub_report.split == "test"


@pytest.mark.parametrize("args, message", [
    (["hedge", "--data", "/nonexistent/x.jsonl"], "does not exist"),
    (["hedge", "--data", str(SLICES / "cnndm_dev.jsonl")], "no text field"),
    (["stance"], "needs --data"),
    (["hedge", "--data", str(SLICES / "newsmtsc_dev.jsonl")], "unknown label 'neutral'"),
])
def test_bad_input_exits_2_with_a_message(capsys, args, message):
    assert main(["eval", *args]) == 2
    assert message in capsys.readouterr().err


def test_unknown_label_is_named(tmp_path, capsys, pipeline):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "It may rain.", "label": "maybe"}) + "\n", encoding="utf-8")
    assert main(["eval", "hedge", "--data", str(bad)]) == 2
    assert "unknown label 'maybe'" in capsys.readouterr().err


def test_eval_all_writes_one_report_with_plots(tmp_path, capsys, pipeline):
    sources = {
        "conll2010_wiki_hedge/dev.jsonl": "conll_dev.jsonl", "szeged_uncertainty/dev.jsonl": "szeged_dev.jsonl",
        "newsmtsc/dev_mt.jsonl": "newsmtsc_dev.jsonl", "newsmtsc/dev_rw.jsonl": "newsmtsc_dev.jsonl",
        "semeval2016_stance/dev.jsonl": "semeval_dev.jsonl", "fnc1/dev_stances.jsonl": "fnc_dev_stances.jsonl",
        "fnc1/train_bodies.jsonl": "fnc_dev_bodies.jsonl", "emergent/dev.jsonl": "emergent_dev.jsonl",
        "cnndm_summ/dev.jsonl": "cnndm_dev.jsonl", "persent/dev.jsonl": "persent_dev.jsonl",
    }
    for rel, name in sources.items():
        (tmp_path / "data" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SLICES / name, tmp_path / "data" / rel)
    out = tmp_path / "report"
    assert main(["eval", "all", "--data", str(tmp_path / "data"), "--out", str(out), "--limit", "3", *FAST]) == 0
    suite = EvalSuite.model_validate_json(capsys.readouterr().out)
    assert [(r.task, Path(r.data).relative_to(tmp_path / "data").as_posix(), r.scheme) for r in suite.reports] == \
        [(task, rel, (more[0] if more else {}).get("scheme")) for task, rel, *more in SUITE]
    assert [r.domain for r in suite.reports if r.task == "hedge"] == [None, None, "news_factbank", None]
    assert all(r.n == 3 for r in suite.reports)
    markdown = (out / "report.md").read_text(encoding="utf-8")
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert any("confusion" in p for p in pngs) and any("reliability" in p for p in pngs)
    assert any(p.endswith("-pr.png") for p in pngs) and any("rouge-by-length" in p for p in pngs)
    assert all(f"]({p})" in markdown for p in pngs)
    assert json.loads((out / "report.json").read_text())["task"] == "all"


def test_missing_extra_names_the_install(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "rouge_score" else real(name, *a))
    assert main(["eval", "summary", "--data", str(SLICES / "cnndm_dev.jsonl")]) == 2
    assert "pip install 'stancelens[eval]'" in capsys.readouterr().err


def test_hedge_reports_each_domain_and_the_threshold(capsys, pipeline, tmp_path):
    report = run_eval(capsys, "hedge", "--data", str(SLICES / "szeged_dev.jsonl"), "--out", str(tmp_path))
    assert report.threshold == pipeline.hedges.threshold
    assert set(report.by_domain) == {"wikipedia", "news_factbank", "bio"}
    records = lines(SLICES / "szeged_dev.jsonl")
    for domain, m in report.by_domain.items():
        mine = [r for r in records if r["domain"] == domain]
        assert sum(map(sum, m["sentence"].confusion)) == len(mine)
        assert m["sentence"].per_class["uncertain"].support == sum(r["label"] == "uncertain" for r in mine)
        assert m["cue"].n_gold == sum(len(r["cues"]) for r in mine)
    markdown = next(tmp_path.glob("*.md")).read_text(encoding="utf-8")
    assert f"Threshold in force: a record is uncertain from a score of **{pipeline.hedges.threshold}**" in markdown
    assert "| news_factbank | 3 | 2 |" in markdown


def test_hedge_scores_one_domain_on_request(capsys, pipeline):
    report = run_eval(capsys, "hedge", "--data", str(SLICES / "szeged_dev.jsonl"), "--domain", "news_factbank")
    assert (report.domain, report.n, list(report.by_domain)) == ("news_factbank", 3, ["news_factbank"])
    assert main(["eval", "hedge", "--data", str(SLICES / "conll_dev.jsonl"), "--domain", "news", *FAST]) == 2
    assert "no domain field" in capsys.readouterr().err


def test_another_profile_is_evaluated_beside_on_the_same_records(capsys, pipeline, tmp_path, monkeypatch):
    from stancelens.config import get_settings

    # A second profile: the fast one with the rule detector for hedges, in a file of its own.
    fast = (Path(__file__).resolve().parents[1] / "profiles" / "fast.toml").read_text()
    models = str(Path(__file__).resolve().parents[1] / "models")
    rules = fast.replace('name = "fast"', 'name = "rules-hedges"').replace("../models", models)
    rules = rules.replace('factory = "hedges.model"\nmodel = "' + models + '/hedge"', 'factory = "hedges.rules"')
    (tmp_path / "rules-hedges.toml").write_text(rules)
    monkeypatch.setenv("STANCELENS_PROFILE", "fast")  # restored after, whatever --profile sets
    out = tmp_path / "out"
    assert main(["eval", "hedge", "--data", str(SLICES / "szeged_dev.jsonl"), "--compare", str(tmp_path / "rules-hedges.toml"),
                 "--out", str(out), *FAST]) == 0
    get_settings.cache_clear()
    report = EvalReport.model_validate_json(capsys.readouterr().out)
    assert report.model.profile == "fast" and set(report.baselines) == {"rules", "lexicon", "profile-rules-hedges"}
    # The other profile's hedge stage is the rule detector: its figures are the rules baseline's.
    assert report.baselines["profile-rules-hedges"]["sentence"] == report.baselines["rules"]["sentence"]
    (markdown,) = [p.read_text() for p in out.glob("*.md")]
    assert "Profiles compared on the same records: **fast** and **rules-hedges**" in markdown
    assert "| f1 |" in markdown.split("## hedge")[0]  # the headline table, before the sections
