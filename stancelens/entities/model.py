"""The trained entity head: spaCy's actor types from the shared encoder's token states.

It reads the states the pipeline's one encoder pass already keeps for the hedge and stance heads
(after layer `num_layers - top_layers`) through a fine-tuned copy of the next `copied` encoder
layers, then a projection, a convolution over neighbouring word pieces and a BIO tag layer. The encoder is uncased, so each word piece also
gets the shape of its characters in the original text (capitalised, all capitals, digits,
punctuation, glued to the piece before, first in the sentence), the casing NER leans on. Tags are
decoded by a Viterbi pass that allows only valid BIO sequences, batched over sentences.
"""

from __future__ import annotations

import numpy as np
import torch
from pydantic import Field
from torch import nn

from .. import heads
from ..encoder import SentenceEncoder, TokenStates

N_SHAPES = 6


def tag_names(labels: list[str]) -> list[str]:
    """0 is outside; 1 + 2k begins an entity of `labels[k]`, 2 + 2k continues it."""
    return ["O"] + [f"{p}-{label}" for label in labels for p in "BI"]


class EntityModelConfig(heads.HeadConfig):
    top_layers: int = Field(ge=1, description="Encoder layers above the states the head reads.")
    copied: int = Field(0, ge=0, description="Of those, how many are copied and fine-tuned (from the lowest up).")
    width: int = Field(256, description="Size of the projection and the convolution.")
    labels: list[str] = Field(description="The entity types it tags: the teacher's (the pipeline keeps the actors').")


def shapes(text: str, offsets: np.ndarray) -> torch.Tensor:
    """(n_tokens, N_SHAPES) features of each word piece's characters in `text`; zeros for special tokens."""
    out = np.zeros((len(offsets), N_SHAPES), dtype=np.float32)
    previous_end = -1
    first = True
    for i, (start, end) in enumerate(offsets.tolist()):
        if end <= start:
            continue
        piece = text[start:end]
        out[i] = (piece[0].isupper(), piece.isupper() and len(piece) > 1, any(c.isdigit() for c in piece),
                  not any(c.isalnum() for c in piece), start == previous_end, first)
        previous_end, first = end, False
    return torch.from_numpy(out)


class EntityHead(nn.Module):
    def __init__(self, encoder: SentenceEncoder, top_layers: int, labels: list[str], width: int = 256, copied: int = 0,
                 dropout: float = 0.1):
        super().__init__()
        self.layers = copy_layers(encoder, encoder.num_layers - top_layers, copied)
        self.position = heads.copy_position_bias(encoder)
        self.project = nn.Linear(encoder.dim + N_SHAPES, width)
        self.mix = nn.Conv1d(width, width, kernel_size=5, padding=2)
        self.dropout = nn.Dropout(dropout)
        self.tags = nn.Linear(width, len(tag_names(labels)))

    def forward(self, states: torch.Tensor, mask: torch.Tensor, shape: torch.Tensor) -> torch.Tensor:
        """`states` (batch, tokens, hidden), `mask` (batch, tokens) and `shape` (batch, tokens, N_SHAPES) to tag
        logits (batch, tokens, tags)."""
        if len(self.layers):
            states = heads.run_layers(self.layers, states, mask, self.position)
        h = nn.functional.gelu(self.project(torch.cat([states, shape.to(states.dtype)], dim=-1)))
        h = h + nn.functional.gelu(self.mix(h.transpose(1, 2)).transpose(1, 2))
        return self.tags(self.dropout(h))


def copy_layers(encoder: SentenceEncoder, first: int, count: int) -> nn.ModuleList:
    """A fine-tunable copy of `count` encoder layers from layer `first` on: they run on the states after
    layer `first`, as the encoder's own next layers do."""
    layers = heads.copy_top_layers(encoder, encoder.num_layers - first)
    return nn.ModuleList(list(layers)[:count])


def transitions(n_labels: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Additive scores that forbid an I- tag first, or after anything but a B- or I- of its own label."""
    forbidden = -1e4
    n = 1 + 2 * n_labels
    trans = torch.zeros(n, n)
    start = torch.zeros(n)
    for j in range(2, n, 2):  # the I- tags
        start[j] = forbidden
        trans[:, j] = forbidden
        trans[j - 1, j] = trans[j, j] = 0.0
    return trans, start


def viterbi(log_probs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The best valid BIO path of each sentence: `log_probs` (batch, tokens, tags), `mask` (batch, tokens)
    to tag ids (batch, tokens); padding is skipped (scores carried through unchanged)."""
    batch, length, n = log_probs.shape
    trans, start = transitions((n - 1) // 2)
    score = log_probs[:, 0] + start
    back = []
    for t in range(1, length):
        best, arg = (score.unsqueeze(2) + trans).max(1)
        step = mask[:, t].unsqueeze(1).bool()
        score = torch.where(step, best + log_probs[:, t], score)
        back.append(torch.where(step, arg, torch.arange(n).expand(batch, -1)))
    path = [score.argmax(1)]
    for arg in reversed(back):
        path.append(arg.gather(1, path[-1].unsqueeze(1)).squeeze(1))
    return torch.stack(path[::-1], dim=1)


def decode(tags: np.ndarray, offsets: np.ndarray, text: str, labels: list[str]) -> list[tuple[int, int, str]]:
    """Tag ids over word pieces to (start, end, label) character spans of `text`, widened to whole words."""
    spans: list[list] = []
    current: list | None = None
    for tag, (start, end) in zip(tags.tolist(), offsets.tolist()):
        if end <= start:
            continue
        if tag and tag % 2 == 0 and current is not None:
            current[1] = end
            continue
        current = None
        if tag:
            current = [start, end, labels[(tag - 1) // 2]]
            spans.append(current)
    out = []
    for start, end, label in spans:
        while start > 0 and text[start - 1].isalnum():
            start -= 1
        while end < len(text) and text[end].isalnum():
            end += 1
        start, end = tidy(text, start, end)
        if is_name(text[start:end]) and (not out or start >= out[-1][1]):
            out.append((start, end, label))
    return out


_EDGE = " \t\n-–—,;:!?\"“”‘()[]"


_NOT_NAMES = frozenset({"the", "a", "an", "this", "that", "these", "those"})


def is_name(span: str) -> bool:
    """Whether a tagged span can be a name at all: it has a capital or a digit and is not a lone article
    (the head tags "the" of "the Islamic State" on its own now and then; spaCy never does)."""
    return any(c.isupper() or c.isdigit() for c in span) and span.lower() not in _NOT_NAMES


def tidy(text: str, start: int, end: int) -> tuple[int, int]:
    """A span's edges as spaCy's tokenizer cuts them, which the teacher's entities follow: no quote, bracket
    or dash at either end (a possessive stays: spaCy's entities keep "'s" as often as not)."""
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end


class EntityModel(heads.HeadModel):
    """A trained `EntityHead` bound to the encoder it runs on."""

    head_class = EntityHead
    config_class = EntityModelConfig
    retrain = "stancelens train entities"
    fallback = "STANCELENS_ENTITY_MODEL=spacy"
    config: EntityModelConfig

    @classmethod
    def build_head(cls, encoder: SentenceEncoder, config: EntityModelConfig) -> EntityHead:
        return EntityHead(encoder, config.top_layers, config.labels, width=config.width, copied=config.copied)

    @torch.inference_mode()
    def predict(self, texts: list[str], states: list[TokenStates]) -> list[list[tuple[int, int, str]]]:
        """Per sentence, its entities as (start, end, label) character spans of its text, of every type it tags."""
        out: list[list[tuple[int, int, str]]] = [[] for _ in states]
        for idx in self.batches([s.states for s in states]):
            batch, mask = heads.pad([states[i].states for i in idx])
            shape, _ = heads.pad([shapes(texts[i], states[i].offsets) for i in idx])
            with self.compute():
                logits = self.head(batch, mask, shape)
            best = viterbi(logits.float().log_softmax(-1), mask).numpy()
            for j, i in enumerate(idx):
                out[i] = decode(best[j, : len(states[i].offsets)], states[i].offsets, texts[i], self.config.labels)
        return out
