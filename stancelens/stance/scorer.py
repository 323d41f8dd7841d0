"""Stance toward a target from the trained model: every mention labelled, then aggregated.

Each mention in a sentence gets the model's distribution over against / neutral / favor. A
sentence's distribution is the mean over its mentions of the target; the article's is the mean
over sentences, so a sentence that names the target three times counts once. The label is the
article distribution's most probable one and the score its probability. Evidence sentences are
ranked by how much they support that label: their probability of it, highest first.
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
        if article.token_states is None:
            raise ValueError("the article was read without token states: read it with a pipeline using this scorer")
        mentions, owners = [], []
        for index, spans in sorted(target.mention_sentences.items()):
            sentence = article.sentences[index]
            for start, end in spans:
                mentions.append(Mention(article.token_states[index], start - sentence.start, end - sentence.start,
                                        article.text[start:end]))
                owners.append(index)
        probabilities = self.model.predict(mentions)
        rows: dict[int, list[int]] = {}
        for k, owner in enumerate(owners):
            rows.setdefault(owner, []).append(k)
        per_sentence = {i: probabilities[ks].mean(axis=0) for i, ks in rows.items()}
        # No mention in any sentence (only in headings): nothing is said about the target.
        article_p = np.mean(list(per_sentence.values()), axis=0) if per_sentence else np.eye(len(LABELS))[1]
        label = int(np.argmax(article_p))
        ranked = sorted(per_sentence.items(), key=lambda kv: (-kv[1][label], kv[0]))[:max_evidence]
        evidence = [
            Evidence.of(article.text, article.sentences[i].start, article.sentences[i].end,
                        label=LABELS[int(np.argmax(p))], score=round(float(np.max(p)), 4))
            for i, p in ranked
        ]
        return target_stance(article, target, LABELS[label], round(float(article_p[label]), 4), evidence)
