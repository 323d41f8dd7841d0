"""Summarisers behind one interface: given an article and some of its sentences, a `Summary`.

The extractive one reads the shared sentence embeddings; the abstractive one runs any
`AutoModelForSeq2SeqLM` over the sentences' text, chunked to the model's input window.
"""

from __future__ import annotations

import logging
from typing import Protocol

import numpy as np

from .document import Article
from .schema import Span, Summary

log = logging.getLogger(__name__)


class Summarizer(Protocol):
    version: str

    def summarize(self, article: Article, sentence_ids: list[int], n: int) -> Summary: ...


class ExtractiveSummarizer:
    """Centrality in embedding space, a position prior and MMR redundancy control.

    Each sentence scores `cos(sentence, centroid) + position_weight * prior(position)`,
    where the prior decays from 1 for the first sentence, since news puts its key facts
    first. Sentences are then picked greedily by maximal marginal relevance:
    `(1 - redundancy) * score - redundancy * max cos(sentence, already picked)`.
    Very short sentences (captions, fragments) are only picked when nothing else is left.
    """

    def __init__(self, position_weight: float = 0.3, position_decay: float = 3.0, redundancy: float = 0.3,
                 min_words: int = 6):
        self.position_weight = position_weight
        self.position_decay = position_decay
        self.redundancy = redundancy
        self.min_words = min_words
        self.version = f"extractive-mmr-1(pw={position_weight},pd={position_decay},r={redundancy})"

    def select(self, embeddings: np.ndarray, n: int, word_counts: list[int]) -> list[int]:
        """Indices (into `embeddings`) of the chosen sentences, in their original order."""
        k = len(embeddings)
        if k <= n:
            return list(range(k))
        centroid = embeddings.mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        positions = np.arange(k, dtype=np.float32)
        score = embeddings @ centroid + self.position_weight * np.exp(-positions / self.position_decay)
        score = score - 10.0 * (np.asarray(word_counts) < self.min_words)
        chosen: list[int] = []
        redundancy = np.zeros(k, dtype=np.float32)
        available = np.ones(k, dtype=bool)
        for _ in range(n):
            mmr = (1 - self.redundancy) * score - self.redundancy * redundancy
            mmr[~available] = -np.inf
            best = int(np.argmax(mmr))
            chosen.append(best)
            available[best] = False
            # One row at a time: a full similarity matrix is quadratic in memory.
            redundancy = np.maximum(redundancy, embeddings @ embeddings[best])
        return sorted(chosen)

    def summarize(self, article: Article, sentence_ids: list[int], n: int) -> Summary:
        if not sentence_ids:
            return Summary(text="", sentences=[])
        assert article.embeddings is not None, "the encoder runs before the summariser"
        words = [len(article.sentences[i].text.split()) for i in sentence_ids]
        local = self.select(article.embeddings[sentence_ids], n, words)
        chosen = [article.sentences[sentence_ids[i]] for i in local]
        spans = [Span.of(article.text, s.start, s.end) for s in chosen]
        return Summary(text=" ".join(s.text for s in spans), sentences=spans, method="extractive")


class AbstractiveSummarizer:
    """Any seq2seq model, local path or hub id. Long input is chunked, never silently cut.

    Sentences are packed whole into chunks that fit the model's input window; a single
    sentence longer than the window is split by tokens. Each chunk is summarised and the
    chunk summaries are joined in order.
    """

    def __init__(self, name_or_path: str, *, max_new_tokens_per_sentence: int = 40, num_beams: int = 2):
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(name_or_path)
        self.model = AutoModelForSeq2SeqLM.from_pretrained(name_or_path).eval()
        positions = getattr(self.model.config, "max_position_embeddings", None)
        window = positions or 1024
        # The decoder has as many positions as the encoder: its start token plus the output must fit.
        self.max_output_tokens = positions - 1 if positions else None
        self.window = min(window, self.tokenizer.model_max_length) - self.tokenizer.num_special_tokens_to_add()
        # The special tokens around one sequence, found by encoding a probe with and without them:
        # transformers 5's tokenizers-backed classes have no `build_inputs_with_special_tokens`.
        probe = self.tokenizer("a", add_special_tokens=False)["input_ids"]
        full = self.tokenizer("a")["input_ids"]
        at = next((i for i in range(len(full) - len(probe) + 1) if full[i : i + len(probe)] == probe), None)
        self._prefix, self._suffix = (full[:at], full[at + len(probe) :]) if probe and at is not None else ([], [])
        self.max_new_tokens_per_sentence = max_new_tokens_per_sentence
        self.num_beams = num_beams
        self.version = f"abstractive({name_or_path})"

    def chunks(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each chunk, without special tokens."""
        ids = self.tokenizer(texts, add_special_tokens=False)["input_ids"]
        out: list[list[int]] = []
        current: list[int] = []
        for sentence in ids:
            pieces = [sentence[i : i + self.window] for i in range(0, len(sentence), self.window)] or [[]]
            for piece in pieces:
                if current and len(current) + len(piece) > self.window:
                    out.append(current)
                    current = []
                current = current + piece
        if current:
            out.append(current)
        return out

    def summarize(self, article: Article, sentence_ids: list[int], n: int) -> Summary:
        if not sentence_ids:
            return Summary(text="", sentences=[], method="abstractive")
        chunks = self.chunks([article.sentences[i].text for i in sentence_ids])
        if len(chunks) > 1:
            log.info("abstractive summary over %d chunks of at most %d tokens", len(chunks), self.window)
        inputs = [self._prefix + c + self._suffix for c in chunks]
        width = max(len(x) for x in inputs)
        pad = self.tokenizer.pad_token_id or 0
        input_ids = self._torch.tensor([x + [pad] * (width - len(x)) for x in inputs])
        attention = self._torch.tensor([[1] * len(x) + [0] * (width - len(x)) for x in inputs])
        per_chunk = max(1, round(n / len(chunks)))
        with self._torch.inference_mode():
            generated = self.model.generate(
                input_ids=input_ids,
                attention_mask=attention,
                max_new_tokens=min(self.max_new_tokens_per_sentence * per_chunk, self.max_output_tokens or 1 << 30),
                num_beams=self.num_beams,
            )
        texts = self.tokenizer.batch_decode(generated, skip_special_tokens=True)
        return Summary(text=" ".join(t.strip() for t in texts if t.strip()), sentences=[], method="abstractive")


def make_summarizer(spec: str) -> ExtractiveSummarizer | AbstractiveSummarizer:
    return ExtractiveSummarizer() if spec == "extractive" else AbstractiveSummarizer(spec)
