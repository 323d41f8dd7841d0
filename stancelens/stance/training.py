"""`stancelens train stance`: the target-stance model from NewsMTSC, reproducibly on a CPU.

Each training record is a sentence with one marked mention and the sentiment toward it
(negative, neutral, positive: against, neutral, favor). As for the hedge model, the shared
encoder layers are frozen, so their output for every sentence is computed once, up front.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
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
from .model import (
    LABELS,
    StanceModel,
    StanceModelConfig,
    TargetStanceHead,
    mention_mask,
)

NEWSMTSC = "newsmtsc/train.jsonl"
# NewsMTSC's sentiment toward the target, read as stance.
SENTIMENT = {"negative": "against", "neutral": "neutral", "positive": "favor"}


class StanceTrainingConfig(TrainingConfig):
    pass


@dataclass
class Example:
    states: torch.Tensor  # frozen shared-layer output, float16 to halve memory
    mention: torch.Tensor
    label: int


def _examples(encoder: SentenceEncoder, layer: int, records: list[dict], log) -> list[Example]:
    order = [label.value for label in LABELS]
    states = frozen_states(encoder, [r["sentence"] for r in records], layer, log, "train stance")
    return [Example(s.states.to(torch.float16), mention_mask(s.offsets, r["start"], r["end"]),
                    order.index(SENTIMENT[r["label"]])) for r, s in zip(records, states)]


def _batches(examples: list[Example], size: int, rng: random.Random) -> list[list[Example]]:
    """Shuffled batches of similar length (less padding)."""
    out = length_batches(list(examples), size, rng, lambda e: e.states.shape[0])
    rng.shuffle(out)
    return out


def _loss(head: TargetStanceHead, batch: list[Example]) -> torch.Tensor:
    states, mask = pad([e.states.float() for e in batch])
    mention = torch.zeros_like(mask)
    for i, e in enumerate(batch):
        mention[i, : len(e.mention)] = e.mention
    return nn.functional.cross_entropy(head(states, mask, mention), torch.tensor([e.label for e in batch]))


def train(data_dir: Path, out: Path, encoder: SentenceEncoder, config: StanceTrainingConfig,
          log=lambda msg: print(msg, file=sys.stderr, flush=True)) -> StanceModel:
    rng = seeded(config.seed)
    started = time.perf_counter()
    layer = encoder.num_layers - config.top_layers
    examples = _examples(encoder, layer, read_jsonl(data_dir / NEWSMTSC), log)
    log(f"train stance: {len(examples):,} mentions encoded in {time.perf_counter() - started:.0f} s")

    head = TargetStanceHead(encoder, config.top_layers)
    fit(head, lambda: _batches(examples, config.batch_size, rng), lambda batch: _loss(head, batch),
        config.epochs, config.learning_rate, lambda msg: log(f"train stance: {msg}, {time.perf_counter() - started:.0f} s"),
        **fit_options(config, out))
    seconds = round(time.perf_counter() - started)
    model = StanceModel(head, StanceModelConfig(
        version=f"stance-top{config.top_layers}-{weights_digest(head)}", top_layers=config.top_layers,
        hidden_size=encoder.dim, num_layers=encoder.num_layers,
        base_fingerprint=base_fingerprint(encoder, config.top_layers),
        training={"data": [NEWSMTSC], "train_mentions": len(examples), "seconds": seconds,
                  "torch_threads": torch.get_num_threads(), **config.model_dump()},
    ))
    model.save(out)
    log(f"train stance: saved to {out} ({seconds} s)")
    return model
