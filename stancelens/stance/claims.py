"""The trained claim-stance model: agree, disagree, discuss or unrelated, from what the pipeline
already computed for the article.

The body is a whole article, so the model does not read its first 512 tokens: it ranks every
sentence by embedding similarity to the claim (the article's sentences are encoded once, by the
pipeline; only the claim is encoded here) and classifies from
- the claim against the best evidence: the elementwise product and difference of the claim's
  embedding and the relevance-weighted mean of the top sentences' embeddings;
- how related they are: the top similarities, similarity to the article's mean, and how many of
  the claim's content words the article and its top sentences use;
- how the evidence talks: refuting words (denial, hoax) and negations in the top sentences and in
  the whole article, and the hedge stage's scores for them (reporting a claim without committing
  to it is FNC-1's "discuss");
- which cue words (hedges, reporting, refuting, confirming, negating, questioning) the best
  sentence, the top sentences and the claim itself use: a fixed list, so the model learns how
  stance is worded and not which topics were in its training data.

A small MLP over these features is trained on FNC-1 and Emergent train. The cost per claim is one
claim encoding and a few vector products: it grows linearly in the number of claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from pydantic import BaseModel, Field
from spacy.lang.en.stop_words import STOP_WORDS
from torch import nn

from .. import heads
from ..document import Article
from ..encoder import SentenceEncoder
from ..hedges.rules import LEXICON as HEDGE_LEXICON
from ..schema import ClaimEvidence, ClaimLabel, ClaimStance

LABELS = (ClaimLabel.agree, ClaimLabel.disagree, ClaimLabel.discuss, ClaimLabel.unrelated)
TOP_K = 3  # sentences the evidence embedding is made of
RELEVANCE_TEMPERATURE = 0.05  # softmax over the top sentences' similarities: the best one dominates

REFUTING = frozenset({
    "deny", "denies", "denied", "denying", "false", "fake", "hoax", "debunk", "debunked", "refute", "refuted",
    "untrue", "baseless", "unfounded", "fabricated", "misleading", "myth", "rejected", "dismissed", "disputed",
    "disproved", "bogus", "rumor", "rumour", "fraud", "prank", "satire", "satirical", "doubt", "doubts", "retract",
    "retracted",
})  # negations ("not", "never") are counted apart, from the parse
_REPORTING = {
    "say", "says", "said", "report", "reports", "reported", "reportedly", "according", "claim", "claims", "claimed",
    "claiming", "source", "sources", "told", "tweeted", "announced", "alleged", "allegedly", "rumors", "rumours",
    "rumored", "apparently", "purportedly", "supposedly", "unconfirmed", "unverified", "speculation", "believed",
    "thought",
}
_CONFIRMING = {
    "confirmed", "confirms", "confirm", "official", "officially", "indeed", "actually", "true", "real", "genuine",
    "verified", "proof", "proves", "proved", "finally", "now", "has", "have", "is", "will", "did",
}
_NEGATING = {"not", "n't", "no", "never", "nothing", "none", "nobody", "neither", "nor", "without"}
_QUESTIONING = {"what", "why", "how", "could", "really", "?"}
CUES = tuple(sorted(set(HEDGE_LEXICON) | REFUTING | _REPORTING | _CONFIRMING | _NEGATING | _QUESTIONING))
_CUE_INDEX = {w: i for i, w in enumerate(CUES)}
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_CLAIM_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?|\?")


def _cue_vector(tokens) -> np.ndarray:
    v = np.zeros(len(CUES), dtype=np.float32)
    for token in tokens:
        if (i := _CUE_INDEX.get(token)) is not None:
            v[i] = 1.0
    return v


def content_words(words) -> frozenset[str]:
    return frozenset(w for w in (w.lower() for w in words) if w not in STOP_WORDS and len(w) > 1)


def claim_words(claim: str) -> frozenset[str]:
    return content_words(_WORD.findall(claim))


@dataclass(frozen=True)
class Body:
    """What the claim model reads of an article, gathered once however many claims it is asked about."""

    embeddings: np.ndarray  # (sentences, dim), unit length: the pipeline's one encoding
    hedge: np.ndarray  # (sentences,), the hedge stage's score of each sentence
    tokens: list[tuple[str, ...]]  # each sentence's spaCy tokens, lowercased, without punctuation
    words: list[frozenset[str]]  # content words of each sentence
    refuting: np.ndarray  # (sentences,), refuting words in each
    negations: np.ndarray  # (sentences,), negation dependents in each
    hedge_threshold: float  # the hedge stage's: a sentence scoring this or more is hedged

    @classmethod
    def of(cls, article: Article, hedge_scores: list[float], hedge_threshold: float) -> Body:
        lowered, words, refuting, negations = [], [], [], []
        for sentence in article.sentences:
            tokens = [t for t in sentence.span if not t.is_punct and not t.is_space]
            lowered.append(tuple(t.lower_ for t in tokens))
            words.append(content_words(lowered[-1]))
            refuting.append(sum(w in REFUTING for w in lowered[-1]))
            negations.append(sum(t.dep_ == "neg" for t in tokens))
        return cls(np.asarray(article.embeddings, dtype=np.float32), np.asarray(hedge_scores, dtype=np.float32),
                   lowered, words, np.asarray(refuting, dtype=np.float32), np.asarray(negations, dtype=np.float32),
                   hedge_threshold)

    @property
    def all_words(self) -> frozenset[str]:
        return frozenset().union(*self.words) if self.words else frozenset()


SCALARS = 20


def features(body: Body, claim: str, claim_embedding: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The model's input for one claim, and the article's sentences ranked by relevance to it."""
    dim = claim_embedding.shape[0]
    n = body.embeddings.shape[0]
    if n == 0:
        return np.zeros(SCALARS + 2 * dim + 3 * len(CUES), dtype=np.float32), np.zeros(0, dtype=np.int64)
    relevance = body.embeddings @ claim_embedding
    ranked = np.argsort(-relevance, kind="stable")
    top = ranked[:TOP_K]
    best5 = relevance[ranked[:5]]
    best5 = np.concatenate([best5, np.full(5 - len(best5), best5[-1])])
    weights = np.exp((relevance[top] - relevance[top[0]]) / RELEVANCE_TEMPERATURE)
    weights /= weights.sum()
    evidence = weights @ body.embeddings[top]
    centre = body.embeddings.mean(axis=0)
    centre /= max(float(np.linalg.norm(centre)), 1e-6)
    words = claim_words(claim)
    top_words = frozenset().union(*(body.words[i] for i in top))

    def share(found: frozenset[str]) -> float:
        return len(words & found) / len(words) if words else 0.0

    scalars = np.array([
        *best5,
        relevance.mean(),
        float(centre @ claim_embedding),
        share(body.all_words),
        share(body.words[top[0]]),
        share(top_words),
        np.log1p(body.refuting[top].sum()),
        np.log1p(body.refuting.sum()) / np.log1p(n),
        float(bool(words & REFUTING)),
        np.log1p(body.negations[top].sum()),
        float(body.hedge[top].max()),
        float(weights @ body.hedge[top]),
        float(body.hedge.mean()),
        float("?" in claim),
        np.log1p(n),
        np.log1p(len(words)),
    ], dtype=np.float32)
    cues = [_cue_vector(body.tokens[top[0]]), np.max([_cue_vector(body.tokens[i]) for i in top], axis=0),
            _cue_vector(w.lower() for w in _CLAIM_TOKEN.findall(claim))]
    return np.concatenate([scalars, claim_embedding * evidence, np.abs(claim_embedding - evidence), *cues]), ranked


class ClaimHead(nn.Module):
    """Standardised features, one hidden layer, one logit per label."""

    def __init__(self, n_features: int, hidden: int = 256, dropout: float = 0.5):
        super().__init__()
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("scale", torch.ones(n_features))
        self.net = nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU(), nn.Dropout(dropout),
                                 nn.Linear(hidden, len(LABELS)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean) / self.scale)


class ClaimModelConfig(BaseModel):
    version: str = Field(description="Reported by the API under model.components.")
    hidden: int
    n_features: int
    temperature: float = Field(1.0, gt=0, description="Logits are divided by it: fitted on held-out training pairs "
                               "so that the score is a calibrated probability.")
    encoder_fingerprint: str = Field(description="Hash of the encoder's weights: the embeddings it was trained on.")
    training: dict = Field(default_factory=dict, description="Data, seed, hyperparameters and the hedge model used.")


class ClaimStanceModel:
    retrain = "stancelens train claims"
    fallback = "STANCELENS_CLAIM_MODEL=rules"

    def __init__(self, head: ClaimHead, config: ClaimModelConfig):
        self.head = head.eval()
        self.config = config
        self.version = config.version

    @classmethod
    def load(cls, path: str | Path, encoder: SentenceEncoder) -> ClaimStanceModel:
        path = Path(path)
        config = ClaimModelConfig.model_validate_json((path / heads.CONFIG).read_text())
        found = heads.base_fingerprint(encoder, 0)
        if found != config.encoder_fingerprint:
            raise ValueError(f"{path} was trained on other encoder weights (fingerprint {config.encoder_fingerprint}, "
                             f"the configured encoder {encoder.version} has {found}): retrain it with "
                             f"`{cls.retrain}`, or set {cls.fallback}")
        head = ClaimHead(config.n_features, config.hidden)
        heads.load_weights(head, path)
        return cls(head, config)

    def save(self, path: str | Path) -> None:
        heads.save(self.head, self.config, path)

    @torch.inference_mode()
    def predict(self, x: np.ndarray) -> np.ndarray:
        """Per row of features, the probabilities of `LABELS`."""
        if len(x) == 0:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        logits = self.head(torch.from_numpy(np.asarray(x, dtype=np.float32)))
        return torch.softmax(logits / self.config.temperature, dim=-1).numpy()


class ModelClaimStanceScorer:
    def __init__(self, model: ClaimStanceModel):
        self.model = model
        self.version = model.version

    def score(self, article: Article, body: Body, claims: list[str], claim_embeddings: np.ndarray,
              max_evidence: int) -> list[ClaimStance]:
        rows = [features(body, claim, claim_embeddings[i]) for i, claim in enumerate(claims)]
        probabilities = self.model.predict(np.stack([x for x, _ in rows])) if rows else []
        out = []
        for claim, (_, ranked), p, embedding in zip(claims, rows, probabilities, claim_embeddings):
            label = int(np.argmax(p))
            evidence = [
                ClaimEvidence.of(article.text, article.sentences[i].start, article.sentences[i].end,
                                 relevance=round(float(np.clip(body.embeddings[i] @ embedding, -1.0, 1.0)), 4))
                for i in ranked[:max_evidence]
            ]
            out.append(ClaimStance(claim=claim, label=LABELS[label], score=round(float(p[label]), 4),
                                   evidence=evidence))
        return out
