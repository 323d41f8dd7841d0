"""What the alias resolver and the article-level aggregation cost per article, measured in one run.

    .venv/bin/python eval/target_cost.py [--articles 20] [--rounds 5] [--words 1000] [--out eval/reports/target_cost]

Each article of `stancelens bench`'s workload (cut to `--words` words, as `stancelens bench
--words` does) is read once. Then, per round, three things are timed on it: resolving its targets
(discovery, user targets, name mentions, pronouns and nominals: `resolve_targets` with the
default `max_auto_targets`), aggregating each target's units with the shipped aggregation, and the
whole `annotate` for comparison. The report gives the median over rounds per article, then the
mean over articles, in milliseconds: everything the resolver and the aggregation do is in those
two figures, so what they add to an analysis is at most their sum.
"""

from __future__ import annotations

import argparse
import statistics
import time

from stancelens.benchmark.workload import build_workload, resolve_data_dir
from stancelens.evaluation.report import publish
from stancelens.pipeline import default_pipeline
from stancelens.schema import AnalyzeOptions
from stancelens.stance import ModelTargetStanceScorer
from stancelens.targets import resolve_targets


def _ms(run) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--words", type=int, default=1000)
    parser.add_argument("--data-dir")
    parser.add_argument("--out", help="folder for target_cost.json and target_cost.md")
    args = parser.parse_args(argv)

    pipeline = default_pipeline()
    stage = pipeline.target_stance
    if not isinstance(stage, ModelTargetStanceScorer):
        parser.error("the configured target stance is not a trained model: unset STANCELENS_STANCE_MODEL")
    limit = AnalyzeOptions().max_auto_targets
    workload = build_workload(args.articles, [args.words], resolve_data_dir(args.data_dir), words=args.words)
    articles = [pipeline.read(a.text, "markdown") for a in workload.articles]

    times: dict[str, list[list[float]]] = {k: [[] for _ in articles] for k in ("resolve", "aggregate", "annotate")}
    mentions = []
    for r in range(args.rounds + 1):  # round 0 warms up
        for i, article in enumerate(articles):
            targets = []
            resolve = _ms(lambda: targets.extend(resolve_targets(article, [], limit)))
            units = stage.units(article, targets)
            aggregate = _ms(lambda: [stage.aggregation(u) for u in units])
            annotate = _ms(lambda: pipeline.annotate(article))
            if r:
                for key, ms in (("resolve", resolve), ("aggregate", aggregate), ("annotate", annotate)):
                    times[key][i].append(ms)
            else:
                mentions.append(sum(len(t.mentions) for t in targets))

    per_article = {k: [statistics.median(v) for v in per] for k, per in times.items()}
    mean = {k: round(statistics.fmean(v), 3) for k, v in per_article.items()}
    report = {
        "aggregation": stage.aggregation.version,
        "articles": len(articles),
        "words_per_article": args.words,
        "rounds": args.rounds,
        "max_auto_targets": limit,
        "mean_mentions_per_article": round(statistics.fmean(mentions), 1),
        "ms_per_article": mean,
        "resolve_and_aggregate_ms": round(mean["resolve"] + mean["aggregate"], 3),
        "share_of_annotate": round((mean["resolve"] + mean["aggregate"]) / mean["annotate"], 4),
    }
    markdown = f"""# Cost of the alias resolver and the article-level aggregation

{report['articles']} articles of {args.words} words from `stancelens bench`'s workload, {args.rounds} rounds,
median per article, then the mean over articles; aggregation `{report['aggregation']}`, up to {limit}
discovered targets per article ({report['mean_mentions_per_article']} mentions per article on average).

| step | ms per article |
|---|---|
| resolving targets (discovery, names, pronouns, nominals) | {mean['resolve']:.2f} |
| aggregating every target's units | {mean['aggregate']:.2f} |
| both | **{report['resolve_and_aggregate_ms']:.2f}** |
| the whole `annotate`, for scale | {mean['annotate']:.1f} |

Both together are {report['share_of_annotate']:.1%} of `annotate` (reading the article, spaCy and the encoder
pass, comes on top of that).
"""
    publish("target_cost", report, markdown, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
