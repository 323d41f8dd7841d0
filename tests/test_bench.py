"""`stancelens bench`: its statistics, its workload, and one whole run at toy scale.

The whole run is real (pipeline, `stancelens serve` over HTTP, the Hugging Face recipe) except
for the peer's model sizes: BART-large takes minutes per article on two cores, so the peer
gets tiny configs of the same architecture. No speed is asserted, only the report's shape and
the arithmetic between its figures.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from stancelens.benchmark.peer import BART_LARGE_CNN_GENERATION, BART_LARGE_MNLI, PeerRecipe
from stancelens.benchmark.report import BenchReport, to_markdown
from stancelens.benchmark.runner import BenchPlan, run_benchmark
from stancelens.benchmark.stats import linear_fit, percentile
from stancelens.benchmark.workload import EXAMPLE_ARTICLE, build_workload, news_articles, resolve_data_dir
from stancelens.cli import main
from stancelens.errors import InputError

TINY_BART = {
    "d_model": 16,
    "encoder_layers": 1,
    "decoder_layers": 1,
    "encoder_attention_heads": 2,
    "decoder_attention_heads": 2,
    "encoder_ffn_dim": 32,
    "decoder_ffn_dim": 32,
    "vocab_size": 30522,
    "max_position_embeddings": 128,
}
TINY_RECIPE = PeerRecipe(
    summarizer=TINY_BART,
    classifier={**TINY_BART, **{k: BART_LARGE_MNLI[k] for k in ("num_labels", "id2label", "label2id")}},
    generation={**BART_LARGE_CNN_GENERATION, "max_length": 8, "min_length": 4},
)
CONCURRENCY = (1, 2)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """A data dir in the shared layout, its articles cut from the example article's paragraphs."""
    paragraphs = [line for line in EXAMPLE_ARTICLE.read_text(encoding="utf-8").splitlines() if len(line.split()) > 40]
    root = tmp_path_factory.mktemp("data")
    (root / "cnndm_summ").mkdir()
    (root / "fnc1").mkdir()
    cnndm = [{"id": "a", "article": " ".join(paragraphs[0:2])}, {"id": "b", "article": " ".join(paragraphs[2:4])}]
    fnc1 = [{"body_id": 0, "body": "Click here to watch the video."}, {"body_id": 1, "body": "\n\n".join(paragraphs[4:7])}]
    for path, records in ((root / "cnndm_summ" / "dev.jsonl", cnndm), (root / "fnc1" / "train_bodies.jsonl", fnc1)):
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def report(data_dir) -> BenchReport:
    plan = BenchPlan(articles=3, data_dir=str(data_dir), concurrency=CONCURRENCY, sweep=(50, 100), peer_articles=2)
    return run_benchmark(plan, recipe=TINY_RECIPE, say=lambda _: None)


def test_percentile_interpolates_between_ranks():
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 3.0
    assert percentile(values, 100) == 5.0
    assert percentile(values, 25) == 2.0
    assert percentile(values, 90) == pytest.approx(4.6)
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_linear_fit_recovers_an_exact_line():
    words = [250, 1000, 4000, 16000]
    line = linear_fit(words, [2 + 3 * w for w in words])
    assert line.intercept == pytest.approx(2)
    assert line.slope == pytest.approx(3)
    assert line.r2 == pytest.approx(1)
    assert linear_fit([1, 2, 3, 4], [1, 3, 2, 4]).r2 == pytest.approx(0.64)
    with pytest.raises(ValueError):
        linear_fit([5, 5], [1, 2])


def test_workload_takes_the_sources_in_turn_and_skips_stubs(data_dir):
    workload = build_workload(10, [50, 100], resolve_data_dir(str(data_dir)))
    assert [a.sources for a in workload.articles] == [
        ("example_article.txt",),
        ("cnndm_summ/dev.jsonl#a",),
        ("fnc1/train_bodies.jsonl#1",),
        ("cnndm_summ/dev.jsonl#b",),
    ]
    assert workload.data_dir == data_dir


@pytest.mark.parametrize("words", [50, 250, 1000, 3000])
def test_sweep_articles_are_real_text_near_the_length(data_dir, words):
    workload = build_workload(1, [words], resolve_data_dir(str(data_dir)))
    sources = [EXAMPLE_ARTICLE.read_text(encoding="utf-8"), *(a.text for a in news_articles(data_dir))]
    (article,) = workload.sweep
    # Cut at a sentence end, so off by at most about half a sentence.
    assert abs(article.words - words) <= max(0.1 * words, 30)
    for paragraph in article.text.splitlines():
        assert any(paragraph in source for source in sources), paragraph


def test_words_makes_every_workload_article_that_long_with_no_paragraph_shared(data_dir):
    workload = build_workload(3, [], resolve_data_dir(str(data_dir)), words=150)
    assert len(workload.articles) == 3
    seen: set[str] = set()
    for article in workload.articles:
        assert abs(article.words - 150) <= 30
        paragraphs = set(article.text.splitlines())
        assert not paragraphs & seen
        seen |= paragraphs


def test_data_dir_given_must_exist_and_default_may_be_missing(tmp_path, monkeypatch):
    monkeypatch.delenv("STANCELENS_DATA_DIR", raising=False)
    with pytest.raises(InputError, match="does not exist"):
        resolve_data_dir(str(tmp_path / "nowhere"))
    monkeypatch.setenv("STANCELENS_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(InputError, match="does not exist"):
        resolve_data_dir(None)
    monkeypatch.delenv("STANCELENS_DATA_DIR")
    assert resolve_data_dir(None, default=tmp_path / "nowhere") is None
    workload = build_workload(20, [50, 100], None)
    assert [a.sources for a in workload.articles] == [("example_article.txt",)]
    assert workload.data_dir is None


def _numbers(value: object):
    if isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


def test_report_has_the_promised_shape(report):
    out = json.loads(report.model_dump_json())
    assert {"ours", "peer", "ratio", "machine", "workload", "notes"} <= out.keys()
    assert out["machine"]["cores"] >= 1 and out["machine"]["cpu"]
    assert next(a["sources"] for a in out["workload"]["articles"]) == ["example_article.txt"]
    assert all(math.isfinite(n) for n in _numbers(out))
    for t in (out["ours"]["in_process"], out["ours"]["http"]["throughput"], out["peer"]["throughput"]):
        assert t["articles_per_s"] > 0 and t["words_per_s"] > 0
    assert out["ours"]["peak_rss_mib"] > 0 and out["ours"]["http"]["peak_rss_mib"] > 0
    assert any("random weights" in note for note in out["notes"])


def test_throughput_is_the_articles_over_their_time(report):
    t = report.ours.in_process
    assert t.articles == 3 and t.words == sum(a.words for a in report.workload.articles)
    assert t.words_per_s == pytest.approx(t.words / t.seconds)


def test_ratio_compares_words_per_second_on_the_peer_subset(report):
    peer = report.peer
    assert peer.articles == ["example_article.txt", "cnndm_summ/dev.jsonl#a"]
    assert peer.ours_on_subset.words == peer.throughput.words == sum(a.words for a in report.workload.articles[:2])
    assert report.ratio == pytest.approx(peer.ours_on_subset.words_per_s / peer.throughput.words_per_s)
    assert peer.seconds_per_article == pytest.approx(peer.throughput.seconds / 2)
    assert peer.sections > 0 and peer.targets > 0
    assert peer.generated_tokens_mean <= peer.max_length == 8
    assert peer.workload_s_estimate == pytest.approx(report.workload.words / peer.throughput.words_per_s)


def test_stage_times_cover_the_pipeline(report):
    stages = report.ours.stages
    assert {"normalize", "sections", "sentences", "encode", "summaries", "hedges", "stances"} <= stages.keys()
    assert "total" not in stages
    assert sum(s.share for s in stages.values()) <= 1.0 + 1e-6
    for s in stages.values():
        assert s.share == pytest.approx(s.mean_ms / report.ours.mean_total_ms)


def test_latency_percentiles_for_each_concurrency(report):
    levels = report.ours.http.levels
    assert [level.concurrency for level in levels] == list(CONCURRENCY)
    for level in levels:
        assert level.requests == max(2 * level.concurrency, 3)
        lat = level.latency_ms
        assert 0 < lat.p50 <= lat.p95 <= lat.p99
    assert report.ours.http.throughput in [level.throughput for level in levels]


def test_length_scaling_reports_the_fit(report):
    scaling = report.ours.length_scaling
    assert len(scaling.points) == 2 and all(abs(p.words - w) <= 30 for p, w in zip(scaling.points, (50, 100)))
    for p in scaling.points:
        assert p.ms_per_word == pytest.approx(p.ms / p.words)
    assert 0 <= scaling.r2 <= 1


def test_markdown_report_has_every_part(report):
    text = to_markdown(report)
    for heading in ("## Throughput", "## Latency over HTTP", "## Time per stage", "## Cost by article length",
                    "## Memory", "## Peer", "## Notes", "**Ratio**"):
        assert heading in text
    assert BenchReport.model_validate_json(report.model_dump_json()) == report


def test_cli_without_peer_or_http_writes_both_files(tmp_path, capsys, data_dir):
    out = tmp_path / "bench"
    argv = ["bench", "--articles", "1", "--no-http", "--no-peer", "--sweep", "50", "100",
            "--data-dir", str(data_dir), "--format", "json", "--out", str(out)]
    assert main(argv) == 0
    printed = BenchReport.model_validate_json(capsys.readouterr().out)
    assert printed.peer is None and printed.ratio is None and printed.ours.http is None
    assert any("--no-peer" in note for note in printed.notes)
    assert BenchReport.model_validate_json((out / "bench.json").read_text()) == printed
    assert (out / "bench.md").read_text().startswith("# StanceLens benchmark")


@pytest.mark.parametrize("argv, message", [
    (["--articles", "0"], "--articles must be at least 1"),
    (["--words", "0"], "--words must be at least 1"),
    (["--data-dir", "/nonexistent/stancelens-data"], "does not exist"),
    (["--sweep", "1000"], "two different lengths"),
])
def test_cli_bad_input_exits_2(capsys, argv, message):
    assert main(["bench", *argv]) == 2
    assert message in capsys.readouterr().err


def test_batch_figures_compare_analyze_batch_with_the_loop(report):
    batch = report.ours.batch
    assert batch.loop == report.ours.in_process
    assert batch.batched.articles == batch.loop.articles == 3
    assert batch.ratio == pytest.approx(batch.batched.articles_per_s / batch.loop.articles_per_s)
    assert "analyze_batch" in to_markdown(report)


def test_sigterm_stops_the_bench_and_its_server(tmp_path):
    """A bench stopped by SIGTERM (a scheduler, a container stop) takes its server down with it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil

    command = [sys.executable, "-m", "stancelens.cli", "bench", "--articles", "1", "--sweep", "50", "60",
               "--no-peer", "--requests", "500", "--concurrency", "1", "--data-dir", str(tmp_path)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    bench = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    parent = psutil.Process(bench.pid)
    deadline = time.monotonic() + 180
    while not (servers := [c for c in parent.children(recursive=True) if "serve" in c.cmdline()]):
        assert bench.poll() is None, bench.stderr.read().decode()
        assert time.monotonic() < deadline, "the bench never started its server"
        time.sleep(0.2)
    bench.send_signal(signal.SIGTERM)
    assert bench.wait(60) == 128 + signal.SIGTERM
    gone, alive = psutil.wait_procs(servers, timeout=30)
    assert not alive
