"""Where the `sentences` stage spends its time: spaCy's tokenizer and each pipeline component.

    .venv/bin/python eval/spacy_components.py [--articles 20] [--words 1000] [--rounds 2] [--out DIR]

The paragraphs of `stancelens bench --words N`'s workload go through the configured spaCy
pipeline (STANCELENS_SPACY_MODEL, with the components the profile runs: NER only where its entities are spaCy's) one component at a time,
each over all the paragraphs in `nlp.pipe`-sized batches; the report gives milliseconds per
article and the share of each.
"""

from __future__ import annotations

import argparse
import time

from stancelens.benchmark.workload import build_workload, resolve_data_dir
from stancelens.config import get_settings
from stancelens.profile import resolve_profile
from stancelens.evaluation.report import publish
from stancelens.entities import SpacyEntities
from stancelens.linguistics import Linguistics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--words", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--data-dir")
    parser.add_argument("--out", help="folder for spacy_components.json and spacy_components.md")
    args = parser.parse_args(argv)

    profile = resolve_profile(get_settings())
    linguistics = Linguistics(profile["linguistics"].model)
    # The components the profile's pipeline runs: its NER only when its entities are spaCy's.
    linguistics.run_only(SpacyEntities.spacy_pipes if profile["entities"].factory == "entities.spacy" else frozenset())
    nlp = linguistics.nlp
    workload = build_workload(args.articles, [], resolve_data_dir(args.data_dir), words=args.words)
    paragraphs = [p for a in workload.articles for p in a.text.splitlines() if p.strip()]
    list(nlp.pipe(paragraphs[:20]))  # warm-up

    seconds = {name: 0.0 for name in ["tokenizer", *nlp.pipe_names]}
    for _ in range(args.rounds):
        started = time.perf_counter()
        docs = [nlp.make_doc(p) for p in paragraphs]
        seconds["tokenizer"] += time.perf_counter() - started
        for name, component in nlp.pipeline:
            started = time.perf_counter()
            docs = list(component.pipe(docs, batch_size=linguistics.batch_size))
            seconds[name] += time.perf_counter() - started
    total = sum(seconds.values())
    per_article = {k: round(1000 * v / args.rounds / len(workload.articles), 1) for k, v in seconds.items()}
    report = {"model": linguistics.version, "articles": len(workload.articles), "words": args.words,
              "paragraphs": len(paragraphs), "rounds": args.rounds, "ms_per_article": per_article,
              "share": {k: round(v / total, 4) for k, v in seconds.items()}}
    rows = "\n".join(f"| {k} | {per_article[k]} | {report['share'][k]:.1%} |" for k in seconds)
    markdown = f"""# spaCy, component by component

`{linguistics.version}` over {report['articles']} articles of about {args.words:,} words ({report['paragraphs']} paragraphs),
{args.rounds} rounds.

| component | ms per article | share |
|---|---|---|
{rows}
| total | {round(sum(per_article.values()), 1)} | 100% |
"""
    publish("spacy_components", report, markdown, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
