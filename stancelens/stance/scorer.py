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

    def score(self, article: Article, target: Target, max_evidence: int) -> TargetStance:
        if article.token_states is None or article.heading_states is None:
            raise ValueError("the article was read without token states: read it with a pipeline using this scorer")
        # A unit is a sentence or a heading, by its span; each is judged from its own mentions.
        units: dict[tuple[int, int], list[Mention]] = {}
        for spans, states, bounds in (
            (target.mention_sentences, article.token_states, [(s.start, s.end) for s in article.sentences]),
            (target.mention_headings, article.heading_states, article.headings),
        ):
            for index, found in spans.items():
                at = bounds[index][0]
                units[bounds[index]] = [Mention(states[index], s - at, e - at, article.text[s:e]) for s, e in found]
        order = sorted(units)
        mentions = [m for unit in order for m in units[unit]]
        probabilities = self.model.predict(mentions)
        per_unit, at = {}, 0
        for unit in order:
            per_unit[unit] = probabilities[at : at + len(units[unit])].mean(axis=0)
            at += len(units[unit])
        # No mention anywhere it can be judged: nothing is said about the target.
        article_p = np.mean(list(per_unit.values()), axis=0) if per_unit else np.eye(len(LABELS))[1]
        label = int(np.argmax(article_p))
        ranked = sorted(per_unit.items(), key=lambda kv: (-kv[1][label], kv[0]))[:max_evidence]
        evidence = [
            Evidence.of(article.text, start, end, label=LABELS[int(np.argmax(p))], score=round(float(np.max(p)), 4))
            for (start, end), p in ranked
        ]
        return target_stance(article, target, LABELS[label], round(float(article_p[label]), 4), evidence)
