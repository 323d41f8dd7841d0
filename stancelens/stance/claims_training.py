"""`stancelens train claims`: the claim-stance model from FNC-1 and Emergent train, on a CPU.

Every body is read by the pipeline itself (sentences, the one encoder pass, the hedge stage), so
the features a model is trained on are the ones it sees when serving. Emergent's `for`, `against`
and `observing` are read as agree, disagree and discuss; its bodies are headlines.
"""

from __future__ import annotations

import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from pydantic import BaseModel, Field
from torch import nn

from ..heads import base_fingerprint, fit, read_jsonl, seeded, weights_digest
from .claims import LABELS, ClaimHead, ClaimModelConfig, ClaimStanceModel, features

if TYPE_CHECKING:
    from ..pipeline import Pipeline

FNC_STANCES = "fnc1/train_stances.jsonl"
FNC_BODIES = "fnc1/train_bodies.jsonl"
EMERGENT = "emergent/train.jsonl"
EMERGENT_LABELS = {"for": "agree", "against": "disagree", "observing": "discuss"}


class ClaimTrainingConfig(BaseModel):
    hidden: int = Field(256, ge=1)
    dropout: float = Field(0.5, ge=0, lt=1)
    epochs: int = Field(20, ge=1)
    learning_rate: float = Field(1e-3, gt=0)
    weight_decay: float = Field(0.1, ge=0)
    batch_size: int = Field(64, ge=1)
    class_weight_power: float = Field(
        0.5, ge=0, description="Class weights (largest class count / class count) ** this: 0 none, 1 balanced.")
    emergent: bool = Field(True, description="Train on Emergent's train split too.")
    seed: int = 13


def fnc_pairs(stances: list[dict], data_dir: Path) -> list[tuple[str, str, str]]:
    """(body text, claim, label) for FNC-1 stance records, their bodies from the train bodies file."""
    bodies = {r["body_id"]: r["body"] for r in read_jsonl(data_dir / FNC_BODIES)}
    return [(bodies[r["body_id"]], r["headline"], r["stance"]) for r in stances]


def emergent_pairs(data_dir: Path) -> list[tuple[str, str, str]]:
    return [(r["article_headline"], r["claim"], EMERGENT_LABELS[r["stance"]]) for r in read_jsonl(data_dir / EMERGENT)]


def pairs(data_dir: Path, emergent: bool) -> list[tuple[str, str, str]]:
    """(body text, claim, label) for every training record."""
    return fnc_pairs(read_jsonl(data_dir / FNC_STANCES), data_dir) + (emergent_pairs(data_dir) if emergent else [])


def featurize(pipeline: Pipeline, pairs: list[tuple[str, str, str]],
              log: Callable[[str], None]) -> tuple[np.ndarray, np.ndarray]:
    """Features and label indices for (body, claim, label) pairs; each body is read once."""
    by_body: dict[str, list[int]] = {}
    for i, (body, _, _) in enumerate(pairs):
        by_body.setdefault(body, []).append(i)
    claims = sorted({claim for _, claim, _ in pairs})
    embedding = dict(zip(claims, pipeline.encoder.encode(claims)))
    order = [label.value for label in LABELS]
    x: list[np.ndarray | None] = [None] * len(pairs)
    for n, (text, rows) in enumerate(by_body.items()):
        body = pipeline.claim_body(pipeline.read(text, "text"))
        for i in rows:
            x[i] = features(body, pairs[i][1], embedding[pairs[i][1]])[0]
        if n % 200 == 0:
            log(f"{n:,}/{len(by_body):,} bodies read")
    return np.stack(x), np.array([order.index(label) for _, _, label in pairs])


def fit_head(x: np.ndarray, y: np.ndarray, config: ClaimTrainingConfig,
             log: Callable[[str], None] = lambda msg: None) -> ClaimHead:
    """An MLP fitted to features `x` and label indices `y`, its input standardised by `x`'s statistics."""
    rng = seeded(config.seed)
    head = ClaimHead(x.shape[1], config.hidden, config.dropout)
    head.mean.copy_(torch.from_numpy(x.mean(axis=0)))
    head.scale.copy_(torch.from_numpy(x.std(axis=0) + 1e-6))
    counts = np.bincount(y, minlength=len(LABELS)).clip(min=1)
    weight = torch.tensor((counts.max() / counts) ** config.class_weight_power, dtype=torch.float32)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def batches() -> list[np.ndarray]:
        order = np.arange(len(y))
        rng.shuffle(order)
        return [order[i : i + config.batch_size] for i in range(0, len(order), config.batch_size)]

    fit(head, batches, lambda idx: nn.functional.cross_entropy(head(xt[idx]), yt[idx], weight=weight),
        config.epochs, config.learning_rate, log, weight_decay=config.weight_decay)
    return head


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of held-out labels (Guo et al. 2017)."""
    best, best_nll = 1.0, float("inf")
    for t in np.exp(np.linspace(np.log(0.25), np.log(20.0), 200)):
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        nll = float(-(z[np.arange(len(y)), y] - np.log(np.exp(z).sum(axis=1))).mean())
        if nll < best_nll:
            best, best_nll = float(t), nll
    return round(best, 4)


def _held_out(text: str) -> bool:
    """One body in ten is kept out of fitting, to calibrate on: all its pairs together."""
    return zlib.crc32(text.encode("utf-8")) % 10 == 0


def train(data_dir: Path, out: Path, pipeline: Pipeline, config: ClaimTrainingConfig,
          log=lambda msg: print(msg, file=sys.stderr, flush=True)) -> ClaimStanceModel:
    started = time.perf_counter()
    records = pairs(data_dir, config.emergent)
    x, y = featurize(pipeline, records, lambda msg: log(f"train claims: {msg}"))
    log(f"train claims: {len(y):,} pairs featurised in {time.perf_counter() - started:.0f} s")
    held = np.array([_held_out(body) for body, _, _ in records])
    head = fit_head(x[~held], y[~held], config,
                    lambda msg: log(f"train claims: {msg}, {time.perf_counter() - started:.0f} s"))
    with torch.inference_mode():
        temperature = fit_temperature(head(torch.from_numpy(x[held])).numpy(), y[held]) if held.any() else 1.0
    seconds = round(time.perf_counter() - started)
    counts = np.bincount(y, minlength=len(LABELS))
    data = [FNC_STANCES, FNC_BODIES] + ([EMERGENT] if config.emergent else [])
    model = ClaimStanceModel(head, ClaimModelConfig(
        version=f"claims-mlp-{weights_digest(head)}", hidden=config.hidden, n_features=x.shape[1],
        temperature=temperature, encoder_fingerprint=base_fingerprint(pipeline.encoder, 0),
        training={"data": data, "pairs": len(y), "calibration_pairs": int(held.sum()),
                  "label_counts": dict(zip([label.value for label in LABELS], counts.tolist())),
                  "hedges": pipeline.hedges.version, "precision": pipeline.encoder.precision, "seconds": seconds,
                  **config.model_dump()},
    ))
    model.save(out)
    log(f"train claims: saved to {out} ({seconds} s), temperature {temperature}")
    return model
