"""The trained hedge model: the shared encoder's top layers, fine-tuned, with two heads.

It reads the token states the shared encoder already computed below its top `top_layers`
layers (`SentenceEncoder.encode_with_states`), so a sentence is encoded once for every stage;
only the fine-tuned copy of the top layers runs again. The heads give, per sentence, one
uncertainty logit per labelling scheme (`SCHEMES`: CoNLL-2010's, which counts weasel wording,
and the Szeged corpus's), and per token a BIO tag over the Szeged cue classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from pydantic import Field
from torch import nn

from .. import heads
from ..encoder import SentenceEncoder, TokenStates
from ..schema import UncertaintyType

SCHEMES = ("conll2010", "szeged")
CUE_CLASSES = tuple(t.value for t in UncertaintyType)
# BIO over the cue classes: 0 is outside, 1 + 2k begins a cue of class k, 2 + 2k continues it.
N_TAGS = 1 + 2 * len(CUE_CLASSES)


class HedgeModelConfig(heads.HeadConfig):
    sentence_scheme: str = Field("conll2010", description="Which scheme's head gives the API's probability.")
    threshold: float = Field(0.5, description="Probability at or above which the eval calls a sentence uncertain.")


class HedgeHead(nn.Module):
    def __init__(self, encoder: SentenceEncoder, top_layers: int, dropout: float = 0.1):
        super().__init__()
        self.layers = heads.copy_top_layers(encoder, top_layers)
        self.position = heads.copy_position_bias(encoder)
        self.dropout = nn.Dropout(dropout)
        self.sentence = nn.Linear(encoder.dim, len(SCHEMES))
        self.tags = nn.Linear(encoder.dim, N_TAGS)

    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """`states` (batch, tokens, hidden) and `mask` (batch, tokens) to sentence logits
        (batch, schemes) and tag logits (batch, tokens, tags)."""
        h = heads.run_layers(self.layers, states, mask, self.position)
        return self.sentence(self.dropout(heads.masked_mean(h, mask))), self.tags(self.dropout(h))


@dataclass(frozen=True)
class SentencePrediction:
    probabilities: dict[str, float]  # that the sentence is uncertain, by labelling scheme
    logits: dict[str, float]  # the same, unrounded and before the sigmoid: what the combiner reads
    cues: list[tuple[int, int, UncertaintyType]]  # character spans in the sentence, whole words


def decode_tags(tags: np.ndarray, offsets: np.ndarray, text: str) -> list[tuple[int, int, UncertaintyType]]:
    """BIO tags over word pieces to character spans, widened to whole words."""
    spans: list[list] = []
    for tag, (start, end) in zip(tags.tolist(), offsets.tolist()):
        if end <= start:  # special tokens
            continue
        if tag == 0:
            spans.append(None)
            continue
        cls, inside = divmod(tag - 1, 2)
        last = spans[-1] if spans else None
        # A continuation, or a piece glued to the previous one (a word split into pieces), extends it.
        if last is not None and last[2] == cls and (inside or start == last[1]):
            last[1] = end
        else:
            spans.append([start, end, cls])
    out = []
    for span in spans:
        if span is None:
            continue
        start, end, cls = span
        while start > 0 and text[start - 1].isalnum():
            start -= 1
        while end < len(text) and text[end].isalnum():
            end += 1
        if not out or start >= out[-1][1]:
            out.append((start, end, UncertaintyType(CUE_CLASSES[cls])))
    return out


class HedgeModel(heads.HeadModel):
    """A trained `HedgeHead` bound to the encoder it runs on."""

    head_class = HedgeHead
    config_class = HedgeModelConfig
    retrain = "stancelens train hedge"
    fallback = "STANCELENS_HEDGE_MODEL=rules"
    config: HedgeModelConfig

    @torch.inference_mode()
    def logits(self, states: list[torch.Tensor]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Sentence logits (n, schemes) and each sentence's tag ids, in batches sorted by length."""
        sentence = np.zeros((len(states), len(SCHEMES)), dtype=np.float32)
        tags: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(states)
        for idx in self.batches(states):
            batch, mask = heads.pad([states[i] for i in idx])
            with self.compute():
                s, t = self.head(batch, mask)
            sentence[idx] = s.float().numpy()
            best = t.argmax(-1).numpy()
            for j, i in enumerate(idx):
                tags[i] = best[j, : states[i].shape[0]]
        return sentence, tags

    def predict(self, texts: list[str], states: list[TokenStates]) -> list[SentencePrediction]:
        if not states:
            return []
        sentence, tags = self.logits([s.states for s in states])
        probability = 1.0 / (1.0 + np.exp(-sentence))
        return [
            SentencePrediction({scheme: round(float(v), 4) for scheme, v in zip(SCHEMES, p)},
                               {scheme: float(v) for scheme, v in zip(SCHEMES, z)}, decode_tags(t, s.offsets, text))
            for p, z, t, s, text in zip(probability, sentence, tags, states, texts)
        ]
