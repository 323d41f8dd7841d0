"""Two settings of the same pipeline side by side: agreement and speed in one run (issue 10's A/B).

    .venv/bin/python eval/ab.py --a precision=fp32 --b precision=bf16 [--articles 20] [--rounds 3] [--out DIR]
    .venv/bin/python eval/ab.py --a encoder_batch_tokens=1000000 --b encoder_batch_tokens=512

`--a` and `--b` are settings (the fields of `stancelens.config.Settings`, as STANCELENS_* sets them)
over the environment's. Two pipelines load the same models with each, and analyse every article of
`stancelens bench`'s workload plus a stitched 1,000-word article, in alternating order each round so
machine noise falls on both alike. The report gives:

- agreement of what users read: the cosine of each sentence embedding of B to A's, the largest
  change of a hedge score and a target-stance score, and how many hedged claims, targets, stance
  labels and summary sentences differ;
- speed: the median time per article and its ratio (A over B), and each stage's mean time (a stage only one
  side runs, such as the entity head's, shows 0 on the other).

The dev-set figures of the quality rule (eval/PERFORMANCE.md) come from `stancelens eval all` run
with each setting and compared by `eval/quality_delta.py`; this study shows why they move or not.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from stancelens.benchmark.workload import build_workload, resolve_data_dir, stitch
from stancelens.config import Settings, get_settings
from stancelens.evaluation.report import publish
from stancelens.pipeline import Pipeline
from stancelens.precision import native_bf16
from stancelens.schema import AnalysisResult


def _setting(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or key not in Settings.model_fields:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE with NAME a field of stancelens.config.Settings")
    return key, value


def _compare(a: AnalysisResult, b: AnalysisResult) -> dict[str, float]:
    """How far `b` is from `a` in what the API returns."""
    hedged_a = {c.sentence.start: c.score for c in a.hedged_claims}
    hedged_b = {c.sentence.start: c.score for c in b.hedged_claims}
    stance_a = {s.target: s for s in a.stances}
    stance_b = {s.target: s for s in b.stances}
    shared = stance_a.keys() & stance_b.keys()
    return {
        "hedged_claims": len(hedged_a),
        "hedged_claims_differing": len(hedged_a.keys() ^ hedged_b.keys()),
        "hedge_score_max_change": max((abs(hedged_a[k] - hedged_b[k]) for k in hedged_a.keys() & hedged_b.keys()),
                                      default=0.0),
        "targets": len(stance_a),
        "targets_differing": len(stance_a.keys() ^ stance_b.keys()),
        "stance_labels_differing": sum(stance_a[t].label != stance_b[t].label for t in shared),
        "stance_score_max_change": max((abs(stance_a[t].score - stance_b[t].score) for t in shared), default=0.0),
        "summary_sentences_differing": len({s.start for s in a.summary.sentences} ^ {s.start for s in b.summary.sentences}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", type=_setting, action="append", default=[], metavar="NAME=VALUE", required=True)
    parser.add_argument("--b", type=_setting, action="append", default=[], metavar="NAME=VALUE", required=True)
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data-dir")
    parser.add_argument("--out", help="folder for ab.json and ab.md")
    args = parser.parse_args(argv)

    base = get_settings().model_dump()
    variants = {"a": dict(args.a), "b": dict(args.b)}
    systems = {name: Pipeline.load(Settings(**{**base, **given})) for name, given in variants.items()}
    workload = build_workload(args.articles, [1000], resolve_data_dir(args.data_dir))
    texts = [a.text for a in workload.articles] + [stitch(workload.articles, 1000).text]

    sentences = [s.text for text in texts for s in systems["a"].read(text).sentences]
    embeddings = {p: pipeline.encoder.encode(sentences) for p, pipeline in systems.items()}
    cosines = np.sum(embeddings["a"] * embeddings["b"], axis=1)  # both are unit vectors

    results = {p: [pipeline.analyze(text) for text in texts] for p, pipeline in systems.items()}  # also the warm-up
    diffs = [_compare(a, b) for a, b in zip(results["a"], results["b"])]
    agreement = {k: (max if "max" in k else sum)(d[k] for d in diffs) for k in diffs[0]}

    seconds = {p: [[] for _ in texts] for p in systems}
    stage_ms: dict[str, dict[str, list[float]]] = {p: {} for p in systems}  # per stage, per-article sums of rounds
    for r in range(args.rounds):
        for i, text in enumerate(texts):
            for p in (("a", "b") if (r + i) % 2 == 0 else ("b", "a")):
                started = time.perf_counter()
                result = systems[p].analyze(text)
                seconds[p][i].append(time.perf_counter() - started)
                if i < len(texts) - 1:  # the workload articles, as ms_per_article
                    for stage, ms in result.timings_ms.items():
                        stage_ms[p].setdefault(stage, []).append(ms)
    median = {p: [statistics.median(t) for t in per] for p, per in seconds.items()}
    # Each stage's mean per workload article over all rounds: stages appear in both or one (a stage a
    # component adds, such as the entity head's), so a missing one counts as 0 ms.
    stages = sorted((set(stage_ms["a"]) | set(stage_ms["b"])) - {"total"})
    per_stage = {p: {st: round(sum(stage_ms[p].get(st, [])) / max(1, args.rounds * (len(texts) - 1)), 1)
                     for st in stages} for p in systems}

    report = {
        "a": variants["a"],
        "b": variants["b"],
        "model": {p: pipeline.model_info.model_dump() for p, pipeline in systems.items()},
        "native_bf16": native_bf16(),
        "articles": len(texts) - 1,
        "words": sum(len(t.split()) for t in texts[:-1]),
        "rounds": args.rounds,
        "sentences": len(sentences),
        "embedding_cosine": {"mean": float(cosines.mean()), "min": float(cosines.min())},
        "agreement": agreement,
        "ms_per_article": {p: round(1000 * sum(m[:-1]) / (len(texts) - 1), 1) for p, m in median.items()},
        "ms_1000_words": {p: round(1000 * m[-1], 1) for p, m in median.items()},
        "stage_ms_per_article": per_stage,
        "speedup": round(sum(median["a"][:-1]) / sum(median["b"][:-1]), 2),
        "speedup_1000_words": round(median["a"][-1] / median["b"][-1], 2),
    }
    a = report["agreement"]
    named = {p: " ".join(f"{k}={v}" for k, v in given.items()) for p, given in variants.items()}
    markdown = f"""# A/B: {named['a']} against {named['b']}

{report['articles']} real articles ({report['words']:,} words) and one stitched 1,000-word article, the same models
loaded twice (A: `{named['a']}`, B: `{named['b']}`); this CPU {'does' if report['native_bf16'] else 'does not do'}
bfloat16 natively.

## Agreement (B against A, every workload article)

- Sentence embeddings ({report['sentences']:,} sentences): cosine mean {report['embedding_cosine']['mean']:.6f},
  min {report['embedding_cosine']['min']:.6f}.
- Hedged claims: {a['hedged_claims_differing']} of {a['hedged_claims']} differ; largest hedge-score change
  {a['hedge_score_max_change']:.4f}.
- Targets: {a['targets_differing']} of {a['targets']} differ; {a['stance_labels_differing']} stance labels differ;
  largest stance-score change {a['stance_score_max_change']:.4f}.
- Summary sentences that differ: {a['summary_sentences_differing']}.

## Speed ({args.rounds} alternating rounds, median per article)

| | A | B | A / B |
|---|---|---|---|
| ms per workload article | {report['ms_per_article']['a']} | {report['ms_per_article']['b']} | {report['speedup']}x |
| ms for the 1,000-word article | {report['ms_1000_words']['a']} | {report['ms_1000_words']['b']} | {report['speedup_1000_words']}x |
""" + "".join(f"| {stage} stage, mean ms per workload article | {per_stage['a'][stage]} | {per_stage['b'][stage]} | "
              f"{per_stage['a'][stage] / per_stage['b'][stage]:.2f}x |\n" if per_stage["b"][stage] else
              f"| {stage} stage, mean ms per workload article | {per_stage['a'][stage]} | {per_stage['b'][stage]} | — |\n"
              for stage in stages)
    publish("ab", report, markdown, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
