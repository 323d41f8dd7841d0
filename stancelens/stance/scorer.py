"""Stance toward a target from the trained model: every mention labelled, then aggregated.

Each mention in a sentence or a heading gets the model's distribution over against / neutral /
favor. A sentence's (or heading's) distribution is the mean over its mentions of the target; the
article's is the mean over sentences and headings, so a sentence that names the target three
times counts once. The label is the article distribution's most probable one and the score its
probability. Evidence sentences (or headings) are ranked by how much they support that label:
their probability of it, highest first.
"""

from __future__ import annotations

import numpy as np

from ..document import Article
from ..schema import Evidence, TargetStance
from ..targets import Target
from .model import LABELS, Mention, StanceModel
from .rules import target_stance


class ModelTargetStanceScorer:
    def __init__(self, model: StanceModel):
        self.model = model
        self.version = model.config.version
        # The pipeline keeps the shared encoder's token states after this layer for the model.
        self.state_layer = model.layer

    def score(self, article: Article, targets: list[Target], max_evidence: int) -> list[TargetStance]:
        if article.token_states is None or article.heading_states is None:
            raise ValueError("the article was read without token states: read it with a pipeline using this scorer")
        units = [_units(article, target) for target in targets]
        # Every mention of every target in one call: the model batches them by length.
        probabilities = self.model.predict([m for per_target in units for unit in per_target.values() for m in unit])
        out, at = [], 0
        for target, per_target in zip(targets, units):
            per_unit = {}
            for unit, mentions in per_target.items():
                per_unit[unit] = probabilities[at : at + len(mentions)].mean(axis=0)
                at += len(mentions)
            out.append(_aggregate(article, target, per_unit, max_evidence))
        return out


def _units(article: Article, target: Target) -> dict[tuple[int, int], list[Mention]]:
    """The target's mentions by unit, a sentence or a heading, keyed by its span in text order."""
    units: dict[tuple[int, int], list[Mention]] = {}
    for spans, states, bounds in (
        (target.mention_sentences, article.token_states, [(s.start, s.end) for s in article.sentences]),
        (target.mention_headings, article.heading_states, article.headings),
    ):
        for index, found in spans.items():
            at = bounds[index][0]
            units[bounds[index]] = [Mention(states[index], s - at, e - at, article.text[s:e]) for s, e in found]
    return dict(sorted(units.items()))


def _aggregate(article: Article, target: Target, per_unit: dict[tuple[int, int], np.ndarray],
               max_evidence: int) -> TargetStance:
    # No mention anywhere it can be judged: nothing is said about the target.
    article_p = np.mean(list(per_unit.values()), axis=0) if per_unit else np.eye(len(LABELS))[1]
    label = int(np.argmax(article_p))
    ranked = sorted(per_unit.items(), key=lambda kv: (-kv[1][label], kv[0]))[:max_evidence]
    evidence = [
        Evidence.of(article.text, start, end, label=LABELS[int(np.argmax(p))], score=round(float(np.max(p)), 4))
        for (start, end), p in ranked
    ]
    return target_stance(article, target, LABELS[label], round(float(article_p[label]), 4), evidence)
