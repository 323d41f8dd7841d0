"""Choose the extractive summariser's parameters by cross-validation on CNN/DailyMail dev.

Each article is read once (sentences and embeddings), then every grid point summarises it
with the real `ExtractiveSummarizer` and is scored with the harness's ROUGE. The in-sample best
is optimistic on 81 articles, so the script also reports 5-fold cross-validation: the grid point
that wins on four folds is scored on the fifth, repeated over five shuffles. That CV figure,
next to Lead-3 on the same articles, is what to trust for unseen (test) articles.

    .venv/bin/python eval/tune_summarizer.py [--data ../shared/data/cnndm_summ/dev.jsonl]
"""

from __future__ import annotations

import argparse
import itertools
import json

import numpy as np

from stancelens.config import default_data_dir
from stancelens.evaluation.data import load_records
from stancelens.evaluation.metrics import rouge_per_document
from stancelens.evaluation.tasks import reference_sentences
from stancelens.pipeline import Pipeline
from stancelens.summarize import ExtractiveSummarizer, LeadSummarizer

GRID = {
    "position_weight": [0.3, 1.0, 2.0],
    "position_decay": [3.0, 6.0, 12.0],
    "redundancy": [0.0, 0.1, 0.3],
    "max_words": [40, 50, 60],
    "long_penalty": [0.0, 1.0],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(default_data_dir() / "cnndm_summ" / "dev.jsonl"))
    parser.add_argument("--sentences", type=int, default=3)
    args = parser.parse_args()

    pipeline = Pipeline.load()
    ds = load_records(args.data)
    articles = [pipeline.read(r["article"], "text") for r in ds]
    references = [reference_sentences(r, "highlights", "highlights_list" if "highlights_list" in ds.column_names else None)
                  for r in ds]

    def rouge1(summarizer) -> np.ndarray:
        outputs = []
        for a in articles:
            summary = summarizer.summarize(a, [s.index for s in a.sentences], args.sentences)
            outputs.append([s.text for s in summary.sentences])
        return rouge_per_document(outputs, references)["rouge1"]

    lead = rouge1(LeadSummarizer())
    points = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    scores = np.stack([rouge1(ExtractiveSummarizer(**p)) for p in points])
    default = rouge1(ExtractiveSummarizer())

    best = int(np.argmax(scores.mean(axis=1)))
    deltas = []
    for shuffle in range(5):
        folds = np.random.default_rng(shuffle).permutation(len(articles)) % 5
        held_out = np.zeros(len(articles))
        for f in range(5):
            winner = int(np.argmax(scores[:, folds != f].mean(axis=1)))
            held_out[folds == f] = scores[winner, folds == f]
        deltas.append(float((held_out - lead).mean()))
    print(json.dumps({
        "data": args.data,
        "n": len(articles),
        "lead3_rouge1": round(float(lead.mean()), 2),
        "default_rouge1": round(float(default.mean()), 2),
        "default_minus_lead3": round(float((default - lead).mean()), 2),
        "in_sample_best": {"params": points[best], "rouge1": round(float(scores[best].mean()), 2),
                           "minus_lead3": round(float((scores[best] - lead).mean()), 2)},
        "cv_minus_lead3_per_shuffle": [round(d, 2) for d in deltas],
        "cv_minus_lead3_mean": round(float(np.mean(deltas)), 2),
    }, indent=2))


if __name__ == "__main__":
    main()
