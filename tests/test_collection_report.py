"""`stancelens report` and `GET /v1/jobs/{id}/report`: collection reports over real result files.

A small real batch (8 short articles with sources and dates, through the real pipeline, once per module)
checks that the report's numbers are the per-article results'. Synthetic results (valid AnalysisResults,
made in no time) check grouping, claims, merging and scale-free behaviour; bad files check the errors.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from stancelens.cli import main
from stancelens.collection_report import synthetic
from stancelens.collection_report.aggregate import build_report
from stancelens.collection_report.merge import merge_targets
from stancelens.collection_report.records import ReportInputError, file_records, line_records
from stancelens.collection_report.render import write_report
from stancelens.schema import AnalyzeRequest

from .conftest import EXAMPLE_PATH
from .test_browser import browser, server  # noqa: F401  # headless Chromium, and the app in a subprocess
from .test_jobs import make_app, wait_finished

SOURCES = ("Reuters", "TASS")
DATES = ("2025-01-06", "2025-01-08T10:00:00+02:00", "January 15, 2025", "not a date")
CLAIM = "North Korean troops withdrew"


def _paragraphs() -> list[str]:
    lines = [line.strip() for line in EXAMPLE_PATH.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if len(line.split()) > 12][:8]


@pytest.fixture(scope="module")
def real_batch(tmp_path_factory, pipeline) -> Path:
    """8 real results with source and date kept, Russia as a target and one claim; plus one error record."""
    folder = tmp_path_factory.mktemp("real")
    records = [{"id": f"r{i}", "text": text, "source": SOURCES[i % 2], "date": DATES[i % 4], "who": ["Russia"],
                "says": [CLAIM], "url": f"https://example.org/{i}"} for i, text in enumerate(_paragraphs())]
    records.append({"id": "empty", "text": "", "source": "AP"})
    inp = folder / "in.jsonl"
    inp.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = folder / "results.jsonl"
    assert main(["batch", str(inp), "--out", str(out), "--quiet", "--keep-fields", "source,date",
                 "--targets-field", "who", "--claims-field", "says"]) == 0
    return out


def _results(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _labels(distribution) -> dict[str, int]:
    return {s.label: s.count for s in distribution.labels}


def test_batch_keeps_the_fields_asked_for(real_batch):
    results = _results(real_batch)
    assert [r["meta"] for r in results] == [{"source": SOURCES[i % 2], "date": DATES[i % 4]} for i in range(8)]
    assert all(r["sentence_count"] >= 1 for r in results)


def test_numbers_match_the_per_article_results(real_batch):
    results = _results(real_batch)
    report = build_report(file_records(real_batch), str(real_batch), by=["source"], targets=["Russia"],
                          claims=[CLAIM])
    h = report.header
    assert (h.records, h.skipped) == (8, 1) and h.skipped_reasons[0].status == 422
    assert [v.value for v in h.model_versions] == [results[0]["model"]["version"]]
    russia = report.targets[0]
    assert russia.target == "Russia" and russia.requested
    stances = [s for r in results for s in r["stances"] if s["target"] == "Russia"]
    assert russia.stance.articles == len(stances) == 8
    labels = Counter(s["label"] for s in stances)
    assert _labels(russia.stance) == {k: labels[k] for k in ("favor", "against", "neutral")}
    assert russia.stance.mean_score == pytest.approx(sum(s["score"] for s in stances) / len(stances))
    strongest = max(e["score"] for s in stances for e in s["evidence"])
    assert russia.evidence[0].score == pytest.approx(strongest)
    for share in russia.stance.labels:
        assert share.low <= share.share <= share.high
    by_source = {g.group: g.articles for g in russia.by["source"]}
    assert by_source == {"Reuters": 4, "TASS": 4}
    o = report.hedging.overall
    assert (o.sentences, o.hedged) == (sum(r["sentence_count"] for r in results),
                                       sum(len(r["hedged_claims"]) for r in results))
    cues = Counter(c["type"] for r in results for h in r["hedged_claims"] for c in h["cues"])
    assert {c.value: c.count for c in report.hedging.cue_types} == dict(cues)
    (claim,) = report.claims
    assert claim.claim == CLAIM
    assert _labels(claim.stance) == {k: Counter(r["claims"][0]["label"] for r in results)[k]
                                     for k in ("agree", "disagree", "discuss", "unrelated")}
    assert sorted(a.article_id for a in claim.articles) == sorted(r["id"] for r in results)


@pytest.fixture(scope="module")
def synthetic_results(tmp_path_factory) -> Path:
    return synthetic.write_jsonl(tmp_path_factory.mktemp("syn") / "results.jsonl", 400, seed=3)


def _frame(path: Path) -> pd.DataFrame:
    """One row per (article, target), computed directly from the records with pandas."""
    rows = [{"id": r["id"], "source": r["meta"]["source"], "date": r["meta"]["date"], "target": s["target"],
             "label": s["label"], "score": s["score"], "mentions": len(s["mentions"])}
            for r in _results(path) for s in r["stances"]]
    return pd.DataFrame(rows)


def test_source_and_week_groupings_match_a_direct_computation(synthetic_results):
    report = build_report(file_records(synthetic_results), "syn", by=["source", "date:week"], targets=["NATO"])
    frame = _frame(synthetic_results)
    nato = frame[frame.target == "NATO"]
    (target,) = [t for t in report.targets if t.target == "NATO"]
    expected = nato.groupby(["source", "label"]).size()
    for group in target.by["source"]:
        assert _labels(group) == {k: int(expected.get((group.group, k), 0)) for k in ("favor", "against", "neutral")}
    dates = pd.to_datetime(nato.date, errors="coerce", format="ISO8601")
    weeks = dates.dt.to_period("W-SUN").dt.start_time.dt.strftime("%Y-%m-%d").fillna("(no date)")
    assert {g.group: g.articles for g in target.by["date:week"]} == weeks.value_counts().to_dict()
    records = _results(synthetic_results)
    (problems,) = report.header.dates
    assert problems.unreadable == sum(r["meta"]["date"] == "not a date" for r in records) > 0
    hedged = pd.DataFrame([{"source": r["meta"]["source"], "n": r["sentence_count"], "h": len(r["hedged_claims"])}
                           for r in records]).groupby("source").sum()
    assert {g.group: (g.sentences, g.hedged) for g in report.hedging.by["source"]} == {
        s: (int(row.n), int(row.h)) for s, row in hedged.iterrows()}


def test_without_by_it_groups_by_source_and_week_when_the_results_have_them(synthetic_results):
    assert build_report(file_records(synthetic_results), "syn").header.groupings == ["source", "date:week"]
    assert build_report(file_records(synthetic_results), "syn", by=["source"]).header.groupings == ["source"]


def test_claim_table(synthetic_results):
    records = _results(synthetic_results)
    report = build_report(file_records(synthetic_results), "syn", claims=[synthetic.CLAIMS[1], "Never claimed"])
    sanctions, never = report.claims
    labels = Counter(c["label"] for r in records for c in r["claims"] if c["claim"] == synthetic.CLAIMS[1])
    assert _labels(sanctions.stance) == {k: labels[k] for k in ("agree", "disagree", "discuss", "unrelated")}
    agree = [a for a in sanctions.articles if a.label == "agree"]
    assert [a.score for a in agree] == sorted((a.score for a in agree), reverse=True) and len(agree) == 10
    assert never.stance.articles == 0 and never.articles == []
    assert all(a.evidence for a in sanctions.articles)


def test_targets_merge_by_the_pipelines_alias_rules():
    used = [("Vladimir Putin", ["Vladimir Putin", "Putin"], 5), ("Putin", ["Putin"], 3),
            ("George Bush", ["George Bush"], 2), ("Jeb Bush", ["Jeb Bush"], 2), ("Bush", ["Bush"], 1),
            ("Russia", ["Russia", "Moscow"], 4)]
    groups, of = merge_targets(used, ["Moscow", "putin"])
    assert of["Vladimir Putin"] == of["Putin"]  # a surname is the one full name with it
    assert len({of["George Bush"], of["Jeb Bush"], of["Bush"]}) == 3  # two Bushes: a bare Bush is neither
    assert groups[of["Russia"]].name == "Russia" and groups[of["Russia"]].requested  # a capital is its country
    mine = groups[1]  # the user's spelling names the target; names match whatever their case
    assert mine.name == "putin" and mine.members == ["Vladimir Putin", "Putin"]


def test_cli_writes_md_html_json_and_plots(tmp_path, synthetic_results, capsys):
    out = tmp_path / "report"
    assert main(["report", str(synthetic_results), "--out", str(out), "--by", "source", "--by", "date:week",
                 "--targets", "Putin,Russia"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["targets"][0]["target"] == "Putin" and "Vladimir Putin" in report["targets"][0]["names"]
    md = (out / "report.md").read_text()
    assert "## Hedging" in md and "(plots/stance-by-date-week.png)" in md
    html = (out / "report.html").read_text()
    assert "http://" not in html and "https://" not in html and html.count('src="data:image/png;base64,') == 5
    assert "400 results" in capsys.readouterr().err


def test_parquet_output_reports_the_same(tmp_path, synthetic_results):
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = _results(synthetic_results)
    path = tmp_path / "results.parquet"
    pq.write_table(pa.table({"id": [r["id"] for r in records], "result": [json.dumps(r) for r in records]}), path)
    assert build_report(file_records(path), "p", by=["source"]) == build_report(file_records(synthetic_results),
                                                                                 "p", by=["source"])


def _bad(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("content, fragment", [
    ('{"id": "a", "text": "An article, not a result."}\n', "line 1 is not a StanceLens result"),
    ("id,text\n", "line 1 is not valid JSON"),
    ("[1, 2]\n", "line 1 is a JSON list"),
])
def test_a_file_that_is_not_our_output_is_a_clear_error(tmp_path, capsys, content, fragment):
    path = _bad(tmp_path, "x.jsonl", content)
    assert main(["report", str(path), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and fragment in err
    assert not (tmp_path / "r").exists()


def test_a_torn_last_line_is_a_clear_error(tmp_path, capsys, synthetic_results):
    lines = synthetic_results.read_text().splitlines(keepends=True)[:5]
    path = _bad(tmp_path, "torn.jsonl", "".join(lines[:4]) + lines[4][: len(lines[4]) // 2])
    assert main(["report", str(path), "--out", str(tmp_path / "r")]) == 2
    assert f"{path} line 5 is cut short" in capsys.readouterr().err


def test_other_bad_inputs(tmp_path):
    with pytest.raises(ReportInputError, match="unknown result type"):
        list(file_records(_bad(tmp_path, "x.csv", "a\n")))
    with pytest.raises(ReportInputError, match="not a readable Parquet"):
        list(file_records(_bad(tmp_path, "x.parquet", "not parquet")))
    with pytest.raises(ReportInputError, match="job j line 2: an outcome with neither result nor error"):
        list(line_records(['{"index": 0, "ok": false, "error": {"id": "a", "error": "e", "status": 422}}',
                           '{"index": 1, "ok": true}'], "job j"))


def test_the_html_opens_in_chromium_with_its_plots(browser, tmp_path, synthetic_results):  # noqa: F811
    paths = write_report(build_report(file_records(synthetic_results), "syn", by=["source", "date:week"]),
                         tmp_path / "r")
    page = browser.new_page()
    try:
        page.route("**/*", lambda route: route.abort() if not route.request.url.startswith(("file:", "data:"))
                   else route.continue_())  # self-contained: nothing may be fetched
        page.goto(paths["html"].as_uri())
        widths = page.eval_on_selector_all("img.plot", "imgs => imgs.map(i => i.complete && i.naturalWidth)")
        assert len(widths) == 5 and all(w > 100 for w in widths)
        assert page.locator("h2").all_inner_texts() == ["Targets", "Hedging", "Claims"]
        assert page.locator("table").count() > 10
    finally:
        page.close()


def test_job_report_over_http(pipeline, tmp_path):
    texts = _paragraphs()[:3]
    body = "".join(json.dumps({"text": t, "id": f"j{i}", "source": SOURCES[i % 2], "date": DATES[i],
                               "claims": [CLAIM]}) + "\n" for i, t in enumerate(texts))
    with TestClient(make_app(lambda: pipeline, tmp_path)) as client:
        assert client.get("/v1/jobs/nope/report").status_code == 404
        r = client.post("/v1/jobs?keep_fields=source,date", content=body,
                        headers={"content-type": "application/x-ndjson"})
        assert r.status_code == 202, r.text
        job = r.json()["id"]
        wait_finished(client, job)
        r = client.get(f"/v1/jobs/{job}/report", params={"by": ["source", "date:week"]})
        assert r.status_code == 200 and r.json()["header"]["records"] == 3
        assert r.json()["claims"][0]["stance"]["articles"] == 3
        assert [g["group"] for g in r.json()["hedging"]["by"]["source"]] == ["Reuters", "TASS"]
        md = client.get(f"/v1/jobs/{job}/report", headers={"accept": "text/markdown"})
        assert md.headers["content-type"].startswith("text/markdown") and "## Claims" in md.text
        page = client.get(f"/v1/jobs/{job}/report", params={"by": "source"}, headers={"accept": "text/html"})
        assert page.headers["content-type"].startswith("text/html") and 'class="plot"' in page.text
        assert client.get(f"/v1/jobs/{job}/report", params={"by": "date:fortnight"}).status_code == 422
        spec = client.get("/openapi.json").json()["paths"]["/v1/jobs/{job_id}/report"]["get"]
        assert {"application/json", "text/markdown", "text/html"} <= set(spec["responses"]["200"]["content"])
        assert {"404", "409"} <= set(spec["responses"])


def test_a_job_not_finished_has_no_report_yet(pipeline, tmp_path):
    loaded = threading.Event()  # the models "load" until the test ends, so the job stays queued

    def slow_loader():
        loaded.wait(60)
        return pipeline

    with TestClient(make_app(slow_loader, tmp_path)) as client:
        try:
            status = client.app.state.jobs.create([AnalyzeRequest(text="Officials said talks may resume.")])
            r = client.get(f"/v1/jobs/{status.id}/report")
            assert r.status_code == 409 and "is queued" in r.json()["detail"]
        finally:
            loaded.set()


def test_the_web_page_shows_a_finished_jobs_report(browser, server):  # noqa: F811
    texts = _paragraphs()[:2]
    body = "".join(json.dumps({"text": t, "source": SOURCES[i]}) + "\n" for i, t in enumerate(texts))
    r = httpx.post(f"{server}/v1/jobs?keep_fields=source", content=body,
                   headers={"content-type": "application/x-ndjson"}, timeout=30)
    job = r.json()["id"]
    deadline = time.monotonic() + 120
    while httpx.get(f"{server}/v1/jobs/{job}").json()["state"] != "done":
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.2)
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(server + "/")
        page.fill("#job-id", "no-such-job")
        page.click("#job-report-show")
        page.wait_for_selector("#job-report-error:not([hidden])")
        assert "Error 404" in page.inner_text("#job-report-error")
        page.fill("#job-id", job)
        page.fill("#job-by", "source")
        page.click("#job-report-show")
        page.wait_for_selector("#job-report img.plot", timeout=30_000)
        assert page.locator("#job-report-error").is_hidden()
        assert "2 results" in page.inner_text("#job-report")
        widths = page.eval_on_selector_all("#job-report img.plot", "imgs => imgs.map(i => i.naturalWidth)")
        assert widths and all(w > 100 for w in widths)  # data: images pass the page's CSP
        assert not errors
    finally:
        page.close()


def test_kept_fields_are_json_scalars_and_a_job_keeps_its_request_fields():
    from datetime import date, datetime

    from stancelens.batch.sources import kept_fields
    from stancelens.jobs.collection import read_jsonl

    record = {"date": datetime(2025, 1, 6, 9, 30), "day": date(2025, 1, 7), "tags": ["a", "b"], "n": 3}
    assert kept_fields(record, ("date", "day", "tags", "n", "absent")) == {
        "date": "2025-01-06T09:30:00", "day": "2025-01-07", "tags": '["a", "b"]', "n": 3}
    (request,) = read_jsonl(b'{"text": "A text.", "id": "x", "source": "AP", "meta": {"lang": "en"}}\n', 5,
                            ("source", "id"))
    assert request.id == "x" and request.meta == {"lang": "en", "source": "AP"}
