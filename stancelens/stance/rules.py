"""Stance rules (v1): toward targets, from the polarity of the clauses that mention them; toward
claims, from the most relevant sentences by embedding similarity.

Target stance follows NewsMTSC's reading: the sentiment a sentence expresses toward the
target, negative meaning against. Each mention is scored on the clause around it (the
mention's governing verb and its phrases, without other clauses in it), not the whole sentence, so "Ukraine
gained ground while Russia lost thousands" scores the two actors apart. Polarity comes from
the VADER lexicon, which is tuned for short, informal text: the trained model of a later
version replaces this stage.
"""

from __future__ import annotations

import numpy as np
from spacy.tokens import Token
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from ..document import Article
from ..schema import (
    ClaimEvidence,
    ClaimLabel,
    ClaimStance,
    Evidence,
    Mention,
    StanceLabel,
    TargetStance,
)
from ..targets import Target
from .claims import REFUTING, Body

_CLAUSE_DEPS = {"ROOT", "ccomp", "advcl", "conj", "relcl", "xcomp", "acl", "parataxis"}
_POLAR = 0.1  # |polarity| above this is favor / against


def _label(polarity: float) -> StanceLabel:
    if polarity > _POLAR:
        return StanceLabel.favor
    if polarity < -_POLAR:
        return StanceLabel.against
    return StanceLabel.neutral


def _confidence(polarity: float) -> float:
    """Confidence in `_label(polarity)`: grows with distance from the decision boundary."""
    magnitude = abs(polarity)
    if magnitude > _POLAR:
        return round(min(1.0, 0.5 + (magnitude - _POLAR) / (2 * (1 - _POLAR))), 4)
    return round(1.0 - 0.5 * magnitude / _POLAR, 4)


def _clause_text(mention: Token) -> str:
    """The clause governing a mention, without the other clauses nested in it.

    "Norway suffered a defeat, but the festival was a success": Norway's clause is
    "Norway suffered a defeat", not the conjoined clause about the festival.
    """
    clause = mention
    while clause.dep_ not in _CLAUSE_DEPS and clause.head is not clause:
        clause = clause.head
    dropped: set[int] = set()
    for child in clause.children:
        if child.dep_ in _CLAUSE_DEPS and not (child.left_edge.i <= mention.i <= child.right_edge.i):
            dropped.update(t.i for t in child.subtree)
            dropped.update(c.i for c in child.head.children if c.dep_ == "cc" and c.i < child.i)
    kept = [t for t in clause.subtree if t.i not in dropped]
    return "".join(t.text_with_ws for t in kept).strip()


class TargetStanceScorer:
    version = "vader-clause-2"

    def __init__(self) -> None:
        self.vader = SentimentIntensityAnalyzer()

    def clause_polarity(self, article: Article, sentence: int, mention: tuple[int, int]) -> float:
        sent = article.sentences[sentence]
        doc = sent.span.doc
        span = doc.char_span(mention[0] - sent.offset, mention[1] - sent.offset, alignment_mode="expand")
        text = sent.text if span is None else _clause_text(span.root)
        return float(self.vader.polarity_scores(text)["compound"])

    def score(self, article: Article, targets: list[Target], max_evidence: int) -> list[TargetStance]:
        return [self._score(article, target, max_evidence) for target in targets]

    def _score(self, article: Article, target: Target, max_evidence: int) -> TargetStance:
        per_sentence: dict[int, float] = {}
        for index, mentions in target.mention_sentences.items():
            per_sentence[index] = float(np.mean([self.clause_polarity(article, index, m) for m in mentions]))
        polarity = float(np.mean(list(per_sentence.values()))) if per_sentence else 0.0
        ranked = sorted(per_sentence.items(), key=lambda kv: (-abs(kv[1]), kv[0]))[:max_evidence]
        evidence = [
            Evidence.of(article.text, article.sentences[i].start, article.sentences[i].end,
                        label=_label(p), score=_confidence(p))
            for i, p in ranked
        ]
        return target_stance(article, target, _label(polarity), _confidence(polarity), evidence)


def target_stance(article: Article, target: Target, label: StanceLabel, score: float,
                  evidence: list[Evidence]) -> TargetStance:
    """The result for a target, with the names the article used (not the references), in order of first use."""
    seen = list(dict.fromkeys(article.text[s:e] for s, e in target.mentions if (s, e) not in target.mention_kinds))
    return TargetStance(
        target=target.name,
        aliases=seen,
        origin=target.origin,
        label=label,
        score=score,
        mentions=[Mention.of(article.text, s, e, kind=target.kind_of((s, e))) for s, e in target.mentions],
        evidence=evidence,
    )


class ClaimStanceScorer:
    """Relevance by cosine between the claim and each sentence; label from the best evidence.

    Below `unrelated_below` no sentence is about the claim. Otherwise the evidence refutes
    it (denial or debunking words the claim itself lacks), hedges about it (discuss: a related
    sentence is a hedged claim, by the hedge stage's default threshold), or states it plainly
    (agree, when the match is close; discuss when it is loose).
    The thresholds are heuristics, set by looking at FNC-1 *train* headline-body pairs
    (dev is kept for evaluation); the trained claim-stance model replaces them.
    """

    version = "cosine-rules-4"

    def __init__(self, unrelated_below: float = 0.45, agree_above: float = 0.6):
        self.unrelated_below = unrelated_below
        self.agree_above = agree_above

    def score(self, article: Article, body: Body, claims: list[str], claim_embeddings: np.ndarray,
              max_evidence: int) -> list[ClaimStance]:
        hedged = body.hedge >= body.hedge_threshold
        return [self._one(article, hedged, claim, claim_embeddings[i], max_evidence) for i, claim in enumerate(claims)]

    def _one(self, article: Article, hedged: np.ndarray, claim: str, claim_embedding: np.ndarray,
             max_evidence: int) -> ClaimStance:
        if not article.sentences:
            return ClaimStance(claim=claim, label=ClaimLabel.unrelated, score=1.0, evidence=[])
        relevance = article.embeddings @ claim_embedding
        top = np.argsort(-relevance, kind="stable")[:max_evidence]
        best = float(relevance[top[0]])
        evidence = [
            ClaimEvidence.of(article.text, article.sentences[i].start, article.sentences[i].end,
                             relevance=round(float(np.clip(relevance[i], -1.0, 1.0)), 4))
            for i in top
        ]
        if best < self.unrelated_below:
            return ClaimStance(claim=claim, label=ClaimLabel.unrelated,
                               score=round(min(1.0, 0.5 + (self.unrelated_below - best)), 4), evidence=evidence)
        claim_words = set(claim.lower().split())
        related = [int(i) for i in top if relevance[i] >= self.unrelated_below]
        refutes = any(
            tok.lower_ in REFUTING and tok.lower_ not in claim_words
            for i in related
            for tok in article.sentences[i].span
        )
        if refutes:
            label = ClaimLabel.disagree
        elif any(hedged[i] for i in related) or best < self.agree_above:
            label = ClaimLabel.discuss
        else:
            label = ClaimLabel.agree
        return ClaimStance(claim=claim, label=label, score=round(min(1.0, max(0.0, best)), 4), evidence=evidence)
