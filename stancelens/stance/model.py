"""The trained target-stance model: the stance a sentence takes toward one marked mention.

Like the hedge model, it is a fine-tuned copy of the shared encoder's top layers reading the
token states the pipeline's one encoder pass computed below them. The mention is marked by a
learned vector added to its tokens' states, so one sentence encoding serves every target it
mentions. The output is a distribution over against / neutral / favor (NewsMTSC's negative,
neutral and positive sentiment toward the target), from the mean of the sentence's and the
mention's token states.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .. import heads
from ..encoder import SentenceEncoder, TokenStates
from ..schema import StanceLabel

LABELS = (StanceLabel.against, StanceLabel.neutral, StanceLabel.favor)


class StanceModelConfig(heads.HeadConfig):
    pass


class TargetStanceHead(nn.Module):
    def __init__(self, encoder: SentenceEncoder, top_layers: int, dropout: float = 0.1):
        super().__init__()
        self.layers = heads.copy_top_layers(encoder, top_layers)
        self.position = heads.copy_position_bias(encoder)
        self.marker = nn.Parameter(torch.zeros(encoder.dim))
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(2 * encoder.dim, len(LABELS))

    def forward(self, states: torch.Tensor, mask: torch.Tensor, mention: torch.Tensor) -> torch.Tensor:
        """`states` (batch, tokens, hidden), `mask` and `mention` (batch, tokens; 1 on the
        mention's tokens) to logits (batch, labels)."""
        h = heads.run_layers(self.layers, states + mention.unsqueeze(-1).to(states.dtype) * self.marker, mask,
                              self.position)
        pooled = torch.cat([heads.masked_mean(h, mask), heads.masked_mean(h, mention)], dim=-1)
        return self.out(self.dropout(pooled))


def mention_mask(offsets: np.ndarray, start: int, end: int) -> torch.Tensor:
    """1 on the word pieces overlapping characters [start, end) of the sentence."""
    real = offsets[:, 1] > offsets[:, 0]
    return torch.from_numpy(real & (offsets[:, 0] < end) & (offsets[:, 1] > start)).long()


@dataclass(frozen=True)
class Mention:
    states: TokenStates  # of the sentence it is in
    start: int  # character offsets in that sentence
    end: int
    text: str  # the mention as written


class StanceModel(heads.HeadModel):
    """A trained `TargetStanceHead` bound to the encoder it runs on."""

    head_class = TargetStanceHead
    config_class = StanceModelConfig
    retrain = "stancelens train stance"
    fallback = "STANCELENS_STANCE_MODEL=vader"

    def logits(self, states: list[torch.Tensor], mentions: list[torch.Tensor]) -> np.ndarray:
        out = np.zeros((len(states), len(LABELS)), dtype=np.float32)
        for idx in self.batches(states):
            batch, mask = heads.pad([states[i] for i in idx])
            marked = torch.zeros_like(mask)
            for j, i in enumerate(idx):
                marked[j, : len(mentions[i])] = mentions[i]
            with self.compute():
                out[idx] = self.head(batch, mask, marked).float().numpy()
        return out

    @torch.inference_mode()
    def predict(self, mentions: list[Mention]) -> np.ndarray:
        """Per mention, the probabilities of `LABELS`."""
        if not mentions:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        logits = self.logits([m.states.states for m in mentions],
                             [mention_mask(m.states.offsets, m.start, m.end) for m in mentions])
        return torch.softmax(torch.from_numpy(logits), dim=-1).numpy()
