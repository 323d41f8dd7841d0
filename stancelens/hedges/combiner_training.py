"""`stancelens train hedge-combiner`: fit the API's one hedge score on the union gold's train part.

The union gold (`union.py`) is the CoNLL-2010 training sentences the Szeged corpus also labels,
uncertain when either scheme says so. Each sentence's two scheme logits come from the shipped
hedge model (its token states from the frozen encoder layers, as in training); a logistic
regression over them, with scikit-learn's default L2 penalty, is the combiner, and its
threshold is the F1-best cut on a 0.05 grid. Both are fitted on train only; dev is for reporting.
The fit is deterministic (lbfgs, no sampling), so `seed` only names the run.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from ..encoder import SentenceEncoder
from ..heads import model_dir, read_jsonl
from .combiner import HedgeCombiner
from .model import SCHEMES, HedgeModel
from .training import best_threshold
from .union import CONLL, SPLITS, SZEGED, UNCERTAIN, union


class CombinerTrainingConfig(BaseModel):
    hedge_model: str = Field("models/hedge", description="The hedge model whose scheme logits are combined.")
    seed: int = Field(13, description="Recorded with the fit; the fit itself draws nothing at random.")


def scheme_logits(model: HedgeModel, encoder: SentenceEncoder, texts: list[str]) -> np.ndarray:
    """(sentences, schemes) logits, each text encoded as one sentence."""
    out = []
    for b in range(0, len(texts), 2048):  # chunks bound the encoder's peak memory
        _, states = encoder.encode_with_states(texts[b : b + 2048], model.layer)
        logits, _ = model.logits([s.states for s in states])
        out.append(logits)
    return np.concatenate(out) if out else np.zeros((0, len(SCHEMES)), dtype=np.float32)


def fit(logits: np.ndarray, labels: np.ndarray) -> tuple[dict[str, float], float, float]:
    """Weights by scheme, bias and threshold of the logistic regression of `labels` on `logits`."""
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression().fit(logits, labels)
    weights = {scheme: round(float(w), 4) for scheme, w in zip(SCHEMES, lr.coef_[0])}
    bias = round(float(lr.intercept_[0]), 4)
    z = bias + logits @ np.array([weights[s] for s in SCHEMES])
    return weights, bias, best_threshold(1.0 / (1.0 + np.exp(-z)), labels)


def train(data_dir: Path, out: Path, encoder: SentenceEncoder, config: CombinerTrainingConfig,
          log=lambda msg: print(msg, file=sys.stderr, flush=True)) -> HedgeCombiner:
    started = time.perf_counter()
    szeged = [r for split in SPLITS for r in read_jsonl(data_dir / SZEGED / f"{split}.jsonl")]
    records, counts = union(read_jsonl(data_dir / CONLL / "train.jsonl"), szeged, "train")
    model = HedgeModel.load(model_dir(config.hedge_model), encoder)
    logits = scheme_logits(model, encoder, [r.text for r in records])
    labels = np.array([r.label == UNCERTAIN for r in records])
    weights, bias, threshold = fit(logits, labels)
    combiner = HedgeCombiner(
        version=HedgeCombiner.fitted_version(weights, bias, threshold), weights=weights, bias=bias, threshold=threshold,
        fitted={"data": f"union of {CONLL}/train.jsonl and {SZEGED} (wikipedia), train part", "sentences": len(records),
                "uncertain": counts.uncertain, "hedge_model": model.config.version,
                "command": "stancelens train hedge-combiner", "seed": config.seed,
                "seconds": round(time.perf_counter() - started)})
    out.mkdir(parents=True, exist_ok=True)
    combiner.save(out)
    log(f"train hedge-combiner: {combiner.version} saved to {out} (threshold {threshold}, {len(records):,} sentences)")
    return combiner
