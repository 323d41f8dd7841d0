"""The hedge stage of a past commit against today's, timed on the same read articles in one run.

    .venv/bin/python eval/hedge_stage_ab.py --before REV [--articles 20] [--rounds 5] [--out DIR]

`stancelens/hedges/` as it was at REV (`git show`) is loaded as a package of its own beside
today's, over the same shared modules and the same configured model folder, so only the stage's
code differs. Every article of `stancelens bench`'s workload, plus a stitched 1,000-word one, is
read once; each round then runs both stages on every article, in alternating order, so machine
noise falls on both alike. The report gives the median milliseconds per article of each stage,
their ratio, and the stage's share of the median time to analyse an article.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stancelens.benchmark.workload import build_workload, resolve_data_dir, stitch
from stancelens.config import get_settings
from stancelens.profile import resolve_profile
from stancelens.evaluation.report import publish
from stancelens.pipeline import default_pipeline

ROOT = Path(__file__).resolve().parents[1]


def load_hedges_at(rev: str, folder: Path):
    """`stancelens/hedges` at `rev`, imported as `stancelens._hedges_<rev>`."""
    files = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", f"{rev}:stancelens/hedges"],
                           check=True, capture_output=True, text=True).stdout.split()
    for name in files:
        source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:stancelens/hedges/{name}"],
                                check=True, capture_output=True, text=True).stdout
        (folder / name).write_text(source, encoding="utf-8")
    name = f"stancelens._hedges_{rev}"
    spec = importlib.util.spec_from_file_location(name, folder / "__init__.py", submodule_search_locations=[str(folder)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _ms(stage, article) -> float:
    started = time.perf_counter()
    stage(article)
    return (time.perf_counter() - started) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the git revision whose hedge stage is the baseline")
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data-dir")
    parser.add_argument("--out", help="folder for hedge_stage_ab.json and .md")
    args = parser.parse_args(argv)

    pipeline = default_pipeline()
    with tempfile.TemporaryDirectory() as tmp:
        spec = resolve_profile(get_settings())["hedges"].model
        before = load_hedges_at(args.before, Path(tmp)).load_hedge_detector(spec, pipeline.encoder)
    stages = {"before": before, "after": pipeline.hedges}
    workload = build_workload(args.articles, [1000], resolve_data_dir(args.data_dir))
    texts = [a.text for a in workload.articles] + [stitch(workload.articles, 1000).text]
    articles = [pipeline.read(text) for text in texts]
    total = [statistics.median(pipeline.analyze(text).timings_ms["total"] for _ in range(2)) for text in texts]
    for article in articles[:2]:  # warm-up
        for stage in stages.values():
            stage(article)
    ms = {name: [[] for _ in articles] for name in stages}
    for r in range(args.rounds):
        for i, article in enumerate(articles):
            for name in (list(stages) if (r + i) % 2 == 0 else reversed(list(stages))):
                ms[name][i].append(_ms(stages[name], article))
    median = {name: [statistics.median(m) for m in per] for name, per in ms.items()}
    n = len(articles) - 1
    report = {
        "before": {"rev": args.before, "version": before.version}, "after": {"version": pipeline.hedges.version},
        "articles": n, "rounds": args.rounds,
        "hedge_ms_per_article": {name: round(sum(m[:-1]) / n, 2) for name, m in median.items()},
        "hedge_ms_1000_words": {name: round(m[-1], 2) for name, m in median.items()},
        "analyze_ms_per_article": round(sum(total[:-1]) / n, 1),
    }
    b, a = report["hedge_ms_per_article"]["before"], report["hedge_ms_per_article"]["after"]
    report["stage_ratio"] = round(a / b, 4)
    report["added_share_of_article"] = round((a - b) / report["analyze_ms_per_article"], 4)
    markdown = f"""# Hedge stage before and after

`{before.version}` (at `{args.before}`) against `{pipeline.hedges.version}`, the same read articles
({n} real, plus one stitched 1,000-word article), {args.rounds} alternating rounds, median per article.

- Hedge stage, ms per article: before {b}, after {a} (**{report['stage_ratio']:.3f}x**); on the 1,000-word
  article {report['hedge_ms_1000_words']['before']} and {report['hedge_ms_1000_words']['after']}.
- Time to analyse an article (after): {report['analyze_ms_per_article']} ms, so the change adds
  **{report['added_share_of_article']:+.1%}** to it.
"""
    publish("hedge_stage_ab", report, markdown, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
