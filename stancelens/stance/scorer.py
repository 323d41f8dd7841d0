"""Stance toward a target from the trained model: every mention labelled, then aggregated.

Each mention in a sentence or a heading gets the model's distribution over against / neutral /
favor. A sentence's (or heading's) distribution is the mean over its mentions of the target, so
a sentence that names the target three times counts once. The article's label and its
probability come from those units by the aggregation (`aggregate.py`). Evidence sentences (or
headings) are ranked by how much they support that label: their probability of it, highest first.
"""

from __future__ import annotations

import numpy as np

from ..document import Article
from ..schema import Evidence, TargetStance
from ..targets import Target
from .aggregate import MeanAggregation, Unit
from .model import LABELS, Mention, StanceModel
from .rules import target_stance


class ModelTargetStanceScorer:
    def __init__(self, model: StanceModel, aggregation=None):
        self.model = model
        self.aggregation = aggregation or MeanAggregation()
        self.version = f"{model.config.version}+{self.aggregation.version}"
        # The pipeline keeps the shared encoder's token states after this layer for the model.
        self.state_layer = model.layer

    def units(self, article: Article, targets: list[Target]) -> list[list[Unit]]:
        """Per target, every sentence and heading that mentions it, with the model's distribution."""
        if article.token_states is None or article.heading_states is None:
            raise ValueError("the article was read without token states: read it with a pipeline using this scorer")
        sentences = [(s.start, s.end) for s in article.sentences]
        found = [_units(article, sentences, target) for target in targets]
        # Every mention of every target in one call: the model batches them by length.
        probabilities = self.model.predict([m for per_target in found for _, mentions in per_target
                                            for m in mentions])
        out, at = [], 0
        length = max(len(article.text), 1)
        for target, per_target in zip(targets, found):
            units = []
            for (span, heading), mentions in per_target:
                spans = [(span[0] + m.start, span[0] + m.end) for m in mentions]
                units.append(Unit(span=span, probabilities=probabilities[at : at + len(mentions)].mean(axis=0),
                                  heading=heading, position=span[0] / length,
                                  references_only=all(s in target.mention_kinds for s in spans)))
                at += len(mentions)
            out.append(units)
        return out

    def score(self, article: Article, targets: list[Target], max_evidence: int) -> list[TargetStance]:
        return [_result(article, target, units, self.aggregation(units), max_evidence)
                for target, units in zip(targets, self.units(article, targets))]


def _units(article: Article, sentences: list[tuple[int, int]],
           target: Target) -> list[tuple[tuple[tuple[int, int], bool], list[Mention]]]:
    """The target's mentions by unit, a sentence (`sentences`: their spans) or a heading, in text order."""
    units = []
    for spans, states, bounds, heading in (
        (target.mention_sentences, article.token_states, sentences, False),
        (target.mention_headings, article.heading_states, article.headings, True),
    ):
        for index, found in spans.items():
            at = bounds[index][0]
            units.append(((bounds[index], heading),
                          [Mention(states[index], s - at, e - at, article.text[s:e]) for s, e in found]))
    return sorted(units, key=lambda u: u[0][0])


def _result(article: Article, target: Target, units: list[Unit], article_p: np.ndarray,
            max_evidence: int) -> TargetStance:
    label = int(np.argmax(article_p))
    ranked = sorted(units, key=lambda u: (-u.probabilities[label], u.span))[:max_evidence]
    evidence = [
        Evidence.of(article.text, *u.span, label=LABELS[int(np.argmax(u.probabilities))],
                    score=round(float(np.max(u.probabilities)), 4))
        for u in ranked
    ]
    return target_stance(article, target, LABELS[label], round(float(article_p[label]), 4), evidence)
