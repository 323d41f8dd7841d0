"""The quality rule of eval/PERFORMANCE.md: compare two `stancelens eval all` reports, figure by figure.

    .venv/bin/python eval/quality_delta.py BEFORE/report.json AFTER/report.json [--limit 0.5] [--out DIR]

Each data set's headline figures (hedge sentence F1, macro-F1 and accuracy, cue F1 exact and
typed; stance and claim macro-F1, accuracy and FNC-1 relative score; summary ROUGE-1, -2 and
-Lsum) are put side by side in points (x 100 for fractions). Exit status 1 when any figure fell
by more than `--limit` points: a lever that does so is not taken. A figure that rose by more is
listed too, since on a small dev set it is as much noise as gain, but does not fail the rule.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from stancelens.evaluation.report import publish

# (path inside `metrics`, points per unit)
_FIGURES = {
    "hedge": [("sentence.f1", 100), ("sentence.macro_f1", 100), ("sentence.accuracy", 100),
              ("cue.f1", 100), ("cue.typed.f1", 100)],
    "stance": [("labels.macro_f1", 100), ("labels.accuracy", 100)],
    "claims": [("labels.macro_f1", 100), ("labels.accuracy", 100), ("fnc_relative", 1)],
    "summary": [("summary.rouge1", 1), ("summary.rouge2", 1), ("summary.rougeLsum", 1)],
}


def _get(metrics: dict, path: str) -> float | None:
    value = metrics
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value["value"] if isinstance(value, dict) else value


def _name(report: dict) -> str:
    scheme = f" --scheme {report['scheme']}" if report.get("scheme") else ""
    return f"{report['task']} {Path(report['data']).parent.name}/{Path(report['data']).name}{scheme}"


def _flag(delta: float, limit: float) -> str:
    if delta < -limit:
        return " **fell past the limit**"
    return " rose past the limit" if delta > limit else ""


def figures(path: Path) -> dict[tuple[str, str], float]:
    out = {}
    for report in json.loads(path.read_text())["reports"]:
        for metric, scale in _FIGURES[report["task"]]:
            value = _get(report["metrics"], metric)
            if value is not None:
                out[(_name(report), metric)] = round(value * scale, 2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--limit", type=float, default=0.5, help="largest change allowed, in points (default 0.5)")
    parser.add_argument("--out", help="folder for quality_delta.json and quality_delta.md")
    args = parser.parse_args(argv)

    before, after = figures(args.before), figures(args.after)
    missing = sorted(set(before) ^ set(after))
    rows = []
    for key in before.keys() & after.keys():
        rows.append({"data": key[0], "metric": key[1], "before": before[key], "after": after[key],
                     "delta": round(after[key] - before[key], 2)})
    rows.sort(key=lambda r: (r["data"], r["metric"]))
    past = [r for r in rows if r["delta"] < -args.limit]
    rose = [r for r in rows if r["delta"] > args.limit]
    report = {"before": str(args.before), "after": str(args.after), "limit": args.limit, "rows": rows,
              "fell_past_limit": len(past), "rose_past_limit": len(rose), "largest_change": max((abs(r["delta"]) for r in rows), default=0.0),
              "missing": [" ".join(k) for k in missing]}
    table = "\n".join(f"| {r['data']} | {r['metric']} | {r['before']:.2f} | {r['after']:.2f} | {r['delta']:+.2f} |"
                      f"{_flag(r['delta'], args.limit)}" for r in rows)
    markdown = f"""# Quality delta

Before: `{args.before}`; after: `{args.after}`. Figures in points; the limit is {args.limit}.

| data | figure | before | after | change |
|---|---|---|---|---|
{table}

**{len(past)} of {len(rows)} figures fell by more than {args.limit} points** ({len(rose)} rose by more); the
largest change is {report['largest_change']:.2f} points.{' In one report only: ' + ', '.join(report['missing']) + '.' if missing else ''}
"""
    publish("quality_delta", report, markdown, args.out)
    return 1 if past or missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
