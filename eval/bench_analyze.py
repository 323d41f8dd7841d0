"""Latency of one in-process `analyze` call on a 1,000-word article, on this machine.

The article is the example article from tests/data (a real news analysis piece, about 880
words), with its own body paragraphs appended until it reaches the word count; markdown
headings are kept. Models load once, then one warm-up call, then `--runs` timed calls.

    python eval/bench_analyze.py [--words 1000] [--runs 20] [--format json|text]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

EXAMPLE = Path(__file__).resolve().parents[1] / "tests" / "data" / "example_article.txt"


def make_article(words: int) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    body = [line for line in text.splitlines() if len(line.split()) > 20]
    lines = text.splitlines()
    i = 0
    while len(" ".join(lines).split()) < words:
        lines.append(body[i % len(body)])
        i += 1
    out = "\n".join(lines)
    # Trim whole trailing lines back toward the target so the figure is about `words` words.
    while len(out.split()) > words * 1.05 and len(lines) > 1:
        lines.pop()
        out = "\n".join(lines)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--format", choices=["json", "text"], default="text")
    args = parser.parse_args()

    from stancelens import Pipeline

    t0 = time.perf_counter()
    pipeline = Pipeline.load()
    load_s = time.perf_counter() - t0
    text = make_article(args.words)
    n_words = len(text.split())
    pipeline.analyze(text)  # warm-up

    latencies, stages = [], {}
    for _ in range(args.runs):
        t0 = time.perf_counter()
        result = pipeline.analyze(text)
        latencies.append((time.perf_counter() - t0) * 1000)
        for stage, ms in result.timings_ms.items():
            stages.setdefault(stage, []).append(ms)
    latencies.sort()
    report = {
        "words": n_words,
        "runs": args.runs,
        "load_s": round(load_s, 2),
        "latency_ms": {
            "median": round(statistics.median(latencies), 1),
            "p95": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1),
            "min": round(latencies[0], 1),
        },
        "stage_median_ms": {k: round(statistics.median(v), 1) for k, v in stages.items()},
        "machine": {"cores": os.cpu_count(), "cpu": platform.processor() or platform.machine()},
    }
    if args.format == "json":
        print(json.dumps(report, indent=2))
    else:
        lat = report["latency_ms"]
        print(f"{n_words}-word article, {args.runs} runs on {report['machine']['cores']} cores "
              f"(models loaded in {report['load_s']} s)")
        print(f"latency: median {lat['median']} ms, p95 {lat['p95']} ms, min {lat['min']} ms")
        print("per stage (median ms): " + ", ".join(f"{k} {v}" for k, v in report["stage_median_ms"].items()))


if __name__ == "__main__":
    main()
