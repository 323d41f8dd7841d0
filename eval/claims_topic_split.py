"""The claim-stance model on FNC-1 topics it has never seen: a closer guess at the official test.

    .venv/bin/python eval/claims_topic_split.py [--folds 0 1 2 3 4] [--out eval/reports/claims_topic_split]

FNC-1's dev hold-out has new bodies, but every dev headline also occurs in train, so the dev
score rewards remembering headlines. The official test has new headlines too. Here the FNC-1
train and dev pairs are cut into topics: bodies and headlines joined by a related (agree,
disagree, discuss) pair are one topic. Each fold holds out the topics whose id hashes to it; the
model is fitted, with the shipped model's settings, on pairs whose body and headline both lie in
the other topics (plus Emergent train, as `stancelens train claims` does) and scored on pairs
whose body and headline both lie in the held-out topics. Unrelated pairs are a smaller share of
these than of the official test (about 30% against 72%), which lowers the FNC-1 score against it.
Features come from the same pipeline and function as in serving; the run takes about 15 minutes.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from pathlib import Path

import numpy as np

from stancelens.config import default_data_dir, get_settings
from stancelens.evaluation.metrics import classification
from stancelens.heads import read_jsonl
from stancelens.pipeline import Pipeline
from stancelens.stance.claims import LABELS, ClaimModelConfig, ClaimStanceModel
from stancelens.stance.claims_training import (
    FNC_STANCES,
    ClaimTrainingConfig,
    emergent_pairs,
    featurize,
    fit_head,
    fnc_pairs,
)

FNC_DEV = "fnc1/dev_stances.jsonl"
FOLDS = 5


def _topics(records: list[dict]) -> list[str]:
    """Each record's topic: the smallest member of its connected component of related pairs."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in records:
        body, headline = f"b{r['body_id']}", f"h{r['headline']}"
        find(body), find(headline)
        if r["stance"] != "unrelated":
            a, b = sorted((find(body), find(headline)))
            parent[b] = a
    return [find(f"b{r['body_id']}") for r in records] + [find(f"h{r['headline']}") for r in records]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, nargs="+", default=list(range(FOLDS)), choices=range(FOLDS))
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, help="folder for claims_topic_split.json")
    args = parser.parse_args(argv)
    data = args.data_dir or default_data_dir()
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731

    config = ClaimTrainingConfig()
    pipeline = Pipeline.load(get_settings().model_copy(update={"claim_model": "rules"}))
    records = read_jsonl(data / FNC_STANCES) + read_jsonl(data / FNC_DEV)
    n = len(records)
    x, y = featurize(pipeline, fnc_pairs(records, data) + emergent_pairs(data), log)
    ends = _topics(records)
    fold_of = np.array([zlib.crc32(t.encode()) % FOLDS for t in ends]).reshape(2, n)  # [body, headline] per pair

    labels = [label.value for label in LABELS]
    out = {"config": config.model_dump(), "hedges": pipeline.hedges.version, "folds": {}}
    for fold in args.folds:
        train = (fold_of[0] != fold) & (fold_of[1] != fold)
        test = (fold_of[0] == fold) & (fold_of[1] == fold)
        fit_x = np.concatenate([x[:n][train], x[n:]])
        fit_y = np.concatenate([y[:n][train], y[n:]])
        head = fit_head(fit_x, fit_y, config)
        model = ClaimStanceModel(head, ClaimModelConfig(version="topic-split", hidden=config.hidden,
                                                        n_features=x.shape[1], encoder_fingerprint=""))
        pred = model.predict(x[:n][test]).argmax(axis=1)
        gold = [labels[i] for i in y[:n][test]]
        m = classification(gold, [labels[i] for i in pred], labels)
        out["folds"][fold] = {
            "train_pairs": int(train.sum()), "test_pairs": int(test.sum()),
            "test_unrelated_share": round(float(np.mean(y[:n][test] == labels.index("unrelated"))), 3),
            "fnc_relative": round(100 * m.fnc_score.value, 2), "f1_macro": round(m.macro_f1.value, 4),
            "accuracy": round(m.accuracy.value, 4),
            "f1": {label: round(c.f1.value, 4) for label, c in m.per_class.items()},
        }
        log(f"fold {fold}: {json.dumps(out['folds'][fold])}")
    for key in ("fnc_relative", "f1_macro", "accuracy"):
        out[f"mean_{key}"] = round(float(np.mean([f[key] for f in out["folds"].values()])), 4)
    text = json.dumps(out, indent=2)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "claims_topic_split.json").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
