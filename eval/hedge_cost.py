"""What the trained hedge stage adds to the time to analyse an article, measured in one run.

    .venv/bin/python eval/hedge_cost.py [--articles 20] [--rounds 5] [--out eval/reports/hedge_cost]

Two pipelines share every loaded model and differ only in the hedge stage: the configured one
(the shipped model by default) and the rules alone, which cost about a millisecond. Each
round analyses every article of `stancelens bench`'s workload with both, in alternating order,
so machine noise falls on both alike. Per article, the median over rounds of each is taken; the
report gives the ratio of the summed medians (the added share), the ratio per 1,000-word
article, and the mean time of each stage.
"""

from __future__ import annotations

import argparse
import statistics
import time

from stancelens.benchmark.workload import build_workload, resolve_data_dir, stitch
from stancelens.evaluation.report import publish
from stancelens.hedges import RuleHedgeDetector
from stancelens.pipeline import default_pipeline


def _time(pipeline, text: str) -> tuple[float, dict[str, float]]:
    started = time.perf_counter()
    result = pipeline.analyze(text)
    return time.perf_counter() - started, result.timings_ms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data-dir")
    parser.add_argument("--out", help="folder for hedge_cost.json and hedge_cost.md")
    args = parser.parse_args(argv)

    model = default_pipeline()
    if isinstance(model.hedges, RuleHedgeDetector):
        parser.error("the configured hedge stage is the rules: set STANCELENS_HEDGE_MODEL to a trained model")
    rules = model.replace(hedges=RuleHedgeDetector())
    workload = build_workload(args.articles, [1000], resolve_data_dir(args.data_dir))
    articles = [a.text for a in workload.articles] + [stitch(workload.articles, 1000).text]
    systems = {"model": model, "rules": rules}
    for text in articles[:2]:  # warm-up: first calls pay for lazy initialisation
        for pipeline in systems.values():
            pipeline.analyze(text)

    seconds = {name: [[] for _ in articles] for name in systems}
    stages = {name: {} for name in systems}
    for r in range(args.rounds):
        for i, text in enumerate(articles):
            order = list(systems) if (r + i) % 2 == 0 else list(reversed(systems))
            for name in order:
                took, timings = _time(systems[name], text)
                seconds[name][i].append(took)
                for stage, ms in timings.items():
                    stages[name].setdefault(stage, []).append(ms)

    median = {name: [statistics.median(times) for times in per] for name, per in seconds.items()}
    added = sum(median["model"][:-1]) / sum(median["rules"][:-1]) - 1
    added_1000 = median["model"][-1] / median["rules"][-1] - 1
    report = {
        "hedge_model": model.hedges.version,
        "articles": len(articles) - 1,
        "words": sum(len(t.split()) for t in articles[:-1]),
        "rounds": args.rounds,
        "added_share": round(added, 4),
        "added_share_1000_words": round(added_1000, 4),
        "seconds_per_article": {name: round(sum(m[:-1]) / (len(articles) - 1), 4) for name, m in median.items()},
        "stage_ms": {name: {s: round(statistics.fmean(v), 2) for s, v in st.items()} for name, st in stages.items()},
    }
    rows = "\n".join(f"| {s} | {report['stage_ms']['rules'].get(s, 0):.1f} | {report['stage_ms']['model'].get(s, 0):.1f} |"
                     for s in report["stage_ms"]["model"])
    markdown = f"""# Cost of the hedge model

Hedge stage `{report['hedge_model']}` against the rules alone, same loaded models, {report['articles']} real
articles ({report['words']:,} words) and one stitched 1,000-word article, {args.rounds} alternating rounds,
median per article.

- Time added by the hedge model: **{added:+.1%}** over the workload, **{added_1000:+.1%}** on the 1,000-word article.
- Seconds per article: rules {report['seconds_per_article']['rules']}, model {report['seconds_per_article']['model']}.

| stage | rules, mean ms | model, mean ms |
|---|---|---|
{rows}
"""
    publish("hedge_cost", report, markdown, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
