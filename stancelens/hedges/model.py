"""The trained hedge model: the shared encoder's top layers, fine-tuned, with two heads.

It reads the token states the shared encoder already computed below its top `top_layers`
layers (`SentenceEncoder.encode_with_states`), so a sentence is encoded once for every stage;
only the fine-tuned copy of the top layers runs again. The heads give, per sentence, one
uncertainty logit per labelling scheme (`SCHEMES`: CoNLL-2010's, which counts weasel wording,
and the Szeged corpus's), and per token a BIO tag over the Szeged cue classes.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from pydantic import BaseModel, Field
from safetensors.torch import load_file, save_file
from torch import nn

from ..encoder import SentenceEncoder, TokenStates
from ..schema import UncertaintyType

SCHEMES = ("conll2010", "szeged")
CUE_CLASSES = tuple(t.value for t in UncertaintyType)
# BIO over the cue classes: 0 is outside, 1 + 2k begins a cue of class k, 2 + 2k continues it.
N_TAGS = 1 + 2 * len(CUE_CLASSES)
WEIGHTS = "head.safetensors"
CONFIG = "config.json"


class HedgeModelConfig(BaseModel):
    version: str = Field(description="Reported by the API under model.components.hedges.")
    top_layers: int = Field(ge=1, description="Encoder layers copied and fine-tuned; the rest are shared.")
    hidden_size: int
    num_layers: int = Field(description="Layers of the encoder it was trained on.")
    base_fingerprint: str = Field(description="Hash of the shared layers' weights: the encoder it must run on.")
    sentence_scheme: str = Field("conll2010", description="Which scheme's head gives the API's probability.")
    threshold: float = Field(0.5, description="Probability at or above which the eval calls a sentence uncertain.")
    training: dict = Field(default_factory=dict, description="Data, seed and hyperparameters it was trained with.")


def base_fingerprint(encoder: SentenceEncoder, top_layers: int) -> str:
    """A hash of the weights below the fine-tuned layers: a head trained on other states is garbage."""
    digest = hashlib.sha256()
    shared = encoder.num_layers - top_layers
    for name, tensor in sorted(encoder.model.state_dict().items()):
        layer = _layer_index(name)
        if layer is None or layer < shared:
            digest.update(name.encode())
            digest.update(tensor.detach().to(torch.float32).contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def _layer_index(name: str) -> int | None:
    parts = name.split(".")
    if "layer" in parts:
        i = parts.index("layer")
        if i + 1 < len(parts) and parts[i + 1].isdigit():
            return int(parts[i + 1])
    return None


def _encoder_layers(encoder: SentenceEncoder) -> nn.ModuleList:
    try:
        return encoder.model.encoder.layer
    except AttributeError as exc:
        raise ValueError(
            f"the hedge model needs a BERT-style encoder (model.encoder.layer); {encoder.version} has none"
        ) from exc


class HedgeHead(nn.Module):
    def __init__(self, encoder: SentenceEncoder, top_layers: int, dropout: float = 0.1):
        super().__init__()
        if not 1 <= top_layers <= encoder.num_layers:
            raise ValueError(f"top_layers must be 1..{encoder.num_layers}, not {top_layers}")
        self.layers = copy.deepcopy(_encoder_layers(encoder)[-top_layers:])
        hidden = encoder.dim
        self.dropout = nn.Dropout(dropout)
        self.sentence = nn.Linear(hidden, len(SCHEMES))
        self.tags = nn.Linear(hidden, N_TAGS)

    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """`states` (batch, tokens, hidden) and `mask` (batch, tokens) to sentence logits
        (batch, schemes) and tag logits (batch, tokens, tags)."""
        additive = (1.0 - mask[:, None, None, :].to(states.dtype)) * torch.finfo(states.dtype).min
        h = states
        for layer in self.layers:
            h = layer(h, attention_mask=additive)
            h = h[0] if isinstance(h, tuple) else h  # transformers < 5 returns a tuple
        weights = mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        return self.sentence(self.dropout(pooled)), self.tags(self.dropout(h))


def pad(states: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    longest = max(s.shape[0] for s in states)
    batch = states[0].new_zeros((len(states), longest, states[0].shape[1]))
    mask = torch.zeros((len(states), longest), dtype=torch.long)
    for i, s in enumerate(states):
        batch[i, : s.shape[0]] = s
        mask[i, : s.shape[0]] = 1
    return batch, mask


@dataclass(frozen=True)
class SentencePrediction:
    probabilities: dict[str, float]  # that the sentence is uncertain, by labelling scheme
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


class HedgeModel:
    """A trained `HedgeHead` bound to the encoder it runs on."""

    def __init__(self, head: HedgeHead, config: HedgeModelConfig, batch_size: int = 64):
        self.head = head.eval()
        self.config = config
        self.layer = config.num_layers - config.top_layers  # the shared states it reads
        self.batch_size = batch_size

    @classmethod
    def load(cls, path: str | Path, encoder: SentenceEncoder) -> HedgeModel:
        path = Path(path)
        config = HedgeModelConfig.model_validate_json((path / CONFIG).read_text())
        if (encoder.num_layers, encoder.dim) != (config.num_layers, config.hidden_size):
            raise ValueError(
                f"{path} was trained on an encoder with {config.num_layers} layers of size {config.hidden_size}; "
                f"the configured encoder ({encoder.version}) has {encoder.num_layers} of size {encoder.dim}: retrain it "
                "on this encoder with `stancelens train hedge`, or set STANCELENS_HEDGE_MODEL=rules"
            )
        found = base_fingerprint(encoder, config.top_layers)
        if found != config.base_fingerprint:
            raise ValueError(
                f"{path} was trained on other encoder weights (fingerprint {config.base_fingerprint}, the configured "
                f"encoder {encoder.version} has {found}): retrain it on this encoder with `stancelens train hedge`, "
                "or set STANCELENS_HEDGE_MODEL=rules"
            )
        head = HedgeHead(encoder, config.top_layers)
        head.load_state_dict({k: v.float() for k, v in load_file(str(path / WEIGHTS)).items()})
        return cls(head, config)

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        # float16 halves what the repository carries; predictions move by well under 0.01.
        weights = {k: v.to(torch.float16).contiguous() for k, v in self.head.state_dict().items()}
        save_file(weights, str(path / WEIGHTS))
        (path / CONFIG).write_text(json.dumps(self.config.model_dump(), indent=2) + "\n")

    @torch.inference_mode()
    def logits(self, states: list[torch.Tensor]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Sentence logits (n, schemes) and each sentence's tag ids, in batches sorted by length."""
        sentence = np.zeros((len(states), len(SCHEMES)), dtype=np.float32)
        tags: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(states)
        order = sorted(range(len(states)), key=lambda i: states[i].shape[0])
        for b in range(0, len(order), self.batch_size):
            idx = order[b : b + self.batch_size]
            batch, mask = pad([states[i] for i in idx])
            s, t = self.head(batch, mask)
            sentence[idx] = s.numpy()
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
                               decode_tags(t, s.offsets, text))
            for p, t, s, text in zip(probability, tags, states, texts)
        ]
