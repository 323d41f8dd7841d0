"""`stancelens train hedge`: the hedge model from `shared/data`, reproducibly on a CPU.

Multi-task: CoNLL-2010 Wikipedia sentences train the `conll2010` sentence head; Szeged
Uncertainty Corpus sentences train the `szeged` sentence head and the cue tagger. Each batch
holds one corpus, so neither scheme's labels are read as the other's.

The shared encoder layers are frozen, so their output for every training sentence is computed
once, up front; the epochs only run the fine-tuned top layers. 10% of the CoNLL training
sentences (by a hash of their text) are held out to pick the decision threshold, so the dev
split stays untouched for reporting.
"""

from __future__ import annotations

import hashlib
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from pydantic import Field
from torch import nn

from ..encoder import SentenceEncoder
from ..heads import (
    TrainingConfig,
    base_fingerprint,
    fit,
    fit_options,
    frozen_states,
    length_batches,
    pad,
    read_jsonl,
    seeded,
    weights_digest,
)
from .model import CUE_CLASSES, N_TAGS, SCHEMES, HedgeHead, HedgeModel, HedgeModelConfig

CONLL = "conll2010_wiki_hedge/train.jsonl"
SZEGED = "szeged_uncertainty/train.jsonl"
IGNORE = -100


class HedgeTrainingConfig(TrainingConfig):
    szeged: bool = Field(True, description="Train the cue tagger and the Szeged head on the Szeged corpus too.")
    held_out: float = Field(0.1, ge=0.0, lt=1.0, description="Share of CoNLL train held out to pick the threshold.")


@dataclass
class Example:
    states: torch.Tensor  # frozen shared-layer output, float16 to halve memory
    scheme: int
    label: float
    tags: torch.Tensor | None  # per token; IGNORE for special tokens


def _held_out(text: str, share: float) -> bool:
    return int(hashlib.sha1(("hedge-threshold:" + text).encode()).hexdigest(), 16) % 1000 < share * 1000


def cue_tags(offsets: np.ndarray, cues: list[dict]) -> torch.Tensor:
    """BIO tag ids for word pieces from character-offset cues."""
    tags = torch.zeros(len(offsets), dtype=torch.long)
    tags[(offsets[:, 1] <= offsets[:, 0])] = IGNORE
    for cue in cues:
        inside = np.flatnonzero((offsets[:, 1] > offsets[:, 0]) & (offsets[:, 0] < cue["end"]) & (offsets[:, 1] > cue["start"]))
        cls = CUE_CLASSES.index(cue["type"])
        for n, i in enumerate(inside):
            tags[i] = 1 + 2 * cls + (1 if n else 0)
    return tags


def _examples(encoder: SentenceEncoder, layer: int, records: list[dict], scheme: int, tagged: bool,
              log) -> list[Example]:
    out = []
    states = frozen_states(encoder, [r["text"] for r in records], layer, log, f"train hedge ({SCHEMES[scheme]})")
    for r, s in zip(records, states):
        tags = cue_tags(s.offsets, r.get("cues") or []) if tagged else None
        out.append(Example(s.states.to(torch.float16), scheme, float(r["label"] == "uncertain"), tags))
    return out


def _batches(examples: list[Example], size: int, rng: random.Random) -> list[list[Example]]:
    """Shuffled batches of similar length (less padding), one corpus per batch."""
    out = []
    for scheme in {e.scheme for e in examples}:
        out += length_batches([e for e in examples if e.scheme == scheme], size, rng, lambda e: e.states.shape[0])
    rng.shuffle(out)
    return out


def _loss(head: HedgeHead, batch: list[Example]) -> torch.Tensor:
    states, mask = pad([e.states.float() for e in batch])
    sentence, tags = head(states, mask)
    scheme = batch[0].scheme
    labels = torch.tensor([e.label for e in batch])
    loss = nn.functional.binary_cross_entropy_with_logits(sentence[:, scheme], labels)
    if batch[0].tags is not None:
        gold = torch.full(mask.shape, IGNORE, dtype=torch.long)
        for i, e in enumerate(batch):
            gold[i, : len(e.tags)] = e.tags
        loss = loss + nn.functional.cross_entropy(tags.reshape(-1, N_TAGS), gold.reshape(-1), ignore_index=IGNORE)
    return loss


def best_threshold(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The F1-best cut on a 0.05 grid: coarse, so it does not chase the held-out sample's noise."""
    def f1(t: float) -> float:
        predicted = probabilities >= t
        tp = float((predicted & labels).sum())
        return 2 * tp / max(1.0, float(predicted.sum() + labels.sum()))

    return max((round(t, 2) for t in np.arange(0.1, 0.91, 0.05)), key=f1)


def train(data_dir: Path, out: Path, encoder: SentenceEncoder, config: HedgeTrainingConfig,
          log=lambda msg: print(msg, file=sys.stderr, flush=True)) -> HedgeModel:
    rng = seeded(config.seed)
    started = time.perf_counter()
    layer = encoder.num_layers - config.top_layers

    conll = read_jsonl(data_dir / CONLL)
    held = [r for r in conll if _held_out(r["text"], config.held_out)]
    conll = [r for r in conll if not _held_out(r["text"], config.held_out)]
    examples = _examples(encoder, layer, conll, SCHEMES.index("conll2010"), tagged=False, log=log)
    if config.szeged:
        examples += _examples(encoder, layer, read_jsonl(data_dir / SZEGED), SCHEMES.index("szeged"), tagged=True,
                              log=log)
    log(f"train hedge: {len(examples):,} sentences encoded in {time.perf_counter() - started:.0f} s")

    head = HedgeHead(encoder, config.top_layers).train()
    fit(head, lambda: _batches(examples, config.batch_size, rng), lambda batch: _loss(head, batch),
        config.epochs, config.learning_rate, lambda msg: log(f"train hedge: {msg}, {time.perf_counter() - started:.0f} s"),
        **fit_options(config, out))

    model = HedgeModel(head.eval(), HedgeModelConfig(
        version="pending", top_layers=config.top_layers, hidden_size=encoder.dim, num_layers=encoder.num_layers,
        base_fingerprint=base_fingerprint(encoder, config.top_layers),
    ))
    threshold = 0.5
    if held:
        _, held_states = encoder.encode_with_states([r["text"] for r in held], layer)
        logits, _ = model.logits([s.states for s in held_states])
        probabilities = 1.0 / (1.0 + np.exp(-logits[:, SCHEMES.index("conll2010")]))
        threshold = best_threshold(probabilities, np.array([r["label"] == "uncertain" for r in held]))
    seconds = round(time.perf_counter() - started)
    model.config = model.config.model_copy(update={
        "version": f"hedge-top{config.top_layers}-{weights_digest(head)}",
        "threshold": threshold,
        "training": {"data": [CONLL] + ([SZEGED] if config.szeged else []), "held_out_sentences": len(held),
                     "train_sentences": len(examples), "seconds": seconds, "torch_threads": torch.get_num_threads(),
                     **config.model_dump()},
    })
    model.save(out)
    log(f"train hedge: saved to {out} (threshold {threshold}, {seconds} s)")
    return model
