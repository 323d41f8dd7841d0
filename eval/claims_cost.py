"""What claims add to the time to analyse a 1,000-word article, by how many there are, in one run.

    .venv/bin/python eval/claims_cost.py [--counts 0 1 5 10 25 50] [--rounds 5] [--out eval/reports/claims_cost]

One stitched 1,000-word article of `stancelens bench`'s workload is analysed with 0 to 50
claims (FNC-1 dev headlines when the shared data is there, else sentences of the workload).
Each round runs every count in a rotated order, so machine noise falls on all alike; the report
gives, per count, the median total time and the median time of the two stages claims touch (the
claim encoding, in `encode`, and `claims`), then a least-squares line through the totals: its
slope is the cost of one claim, and R² near 1 says the cost grows linearly.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import numpy as np

from stancelens.benchmark.workload import build_workload, resolve_data_dir, stitch
from stancelens.evaluation.report import publish
from stancelens.heads import read_jsonl
from stancelens.pipeline import default_pipeline


def _claims(data_dir: Path | None, pool: list[str], n: int) -> list[str]:
    if data_dir and (data_dir / "fnc1" / "dev_stances.jsonl").is_file():
        headlines = dict.fromkeys(r["headline"] for r in read_jsonl(data_dir / "fnc1" / "dev_stances.jsonl"))
        return list(headlines)[:n]
    sentences = [s.strip() + "." for text in pool for s in text.split(".") if len(s.split()) > 5]
    return sentences[:n]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[0, 1, 5, 10, 25, 50])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data-dir")
    parser.add_argument("--out", help="folder for claims_cost.json and claims_cost.md")
    args = parser.parse_args(argv)

    pipeline = default_pipeline()
    data_dir = resolve_data_dir(args.data_dir)
    workload = build_workload(20, [1000], data_dir)
    text = stitch(workload.articles, 1000).text
    claims = _claims(data_dir, [a.text for a in workload.articles], max(args.counts))
    counts = [k for k in args.counts if k <= len(claims)]
    pipeline.analyze(text, claims=claims[:1])  # warm-up: first calls pay for lazy initialisation

    runs: dict[int, list[dict[str, float]]] = {k: [] for k in counts}
    for r in range(args.rounds):
        for k in counts[r % len(counts):] + counts[: r % len(counts)]:
            runs[k].append(pipeline.analyze(text, claims=claims[:k]).timings_ms)
    per_count = {k: {stage: round(statistics.median(t[stage] for t in timings), 2)
                     for stage in ("total", "encode", "claims")} for k, timings in runs.items()}
    x = np.array(counts, dtype=float)
    y = np.array([per_count[k]["total"] for k in counts])
    slope, intercept = np.polyfit(x, y, 1)
    r2 = 1 - ((y - (slope * x + intercept)) ** 2).sum() / max(((y - y.mean()) ** 2).sum(), 1e-9)
    report = {
        "claim_stance": pipeline.claim_stance.version,
        "words": len(text.split()),
        "rounds": args.rounds,
        "median_ms": per_count,
        "ms_per_claim": round(float(slope), 2),
        "ms_without_claims": per_count.get(0, {}).get("total"),
        "r2": round(float(r2), 4),
    }
    rows = "\n".join(f"| {k} | {v['total']:.0f} | {v['encode']:.0f} | {v['claims']:.1f} |" for k, v in per_count.items())
    markdown = f"""# Cost of claims

Claim stage `{report['claim_stance']}` on one {report['words']:,}-word article, {args.rounds} rotated rounds,
median per count.

- Each claim adds **{slope:.1f} ms** (least-squares slope over the totals; R² {r2:.3f}).
- Without claims the analysis takes {report['ms_without_claims']} ms.

| claims | total ms | encode ms (sentences + claims) | claims stage ms |
|---|---|---|---|
{rows}
"""
    publish("claims_cost", report, markdown, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
