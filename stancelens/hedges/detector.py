"""The hedge stage: the trained model's sentence probability and typed cues, with the rules kept
only where the model has no signal.

- The sentence score is the model's probability that the sentence is uncertain (CoNLL-2010
  scheme, which counts weasel wording such as "some experts say"), combined as independent
  evidence with the weights of rule cues the model cannot see: approximators before numbers
  ("around 1,000") and attribution to vague sources, neither of which the training corpora mark.
  Attribution to a named source ("the ministry said") is listed with its source but adds
  nothing: it reports a claim, it does not weaken it.
- Cue spans come from the model's tagger, typed in the Szeged scheme and mapped onto the API's
  richer types (`api_type`); rule cues that overlap none of them are added.
- The attributed source is the rules': the model has no source annotation to learn from.
"""

from __future__ import annotations

from ..document import Article
from ..schema import HedgeType, UncertaintyType
from .model import SCHEMES, HedgeModel
from .rules import WEASEL_WEIGHT, CueHit, RuleHedgeDetector, SentenceHedges, classify_token, combined_score

# The cue types only the rules find: the corpora mark neither, so the model cannot learn them.
RULE_ONLY = {HedgeType.approximator, HedgeType.attribution}
# Corpus classes onto API types, where the cue's words say nothing finer. An epistemic cue is
# refined by its words ("may": modal, "suggests": evidential, "likely": probability).
API_TYPES = {
    UncertaintyType.epistemic: HedgeType.probability,
    UncertaintyType.doxastic: HedgeType.evidential,  # belief: "believe", "expect", "think"
    UncertaintyType.condition: HedgeType.conditional,
    UncertaintyType.investigation: HedgeType.conditional,  # an open question: "whether", "examine if"
}


def api_type(article: Article, sentence_index: int, start: int, end: int, cls: UncertaintyType) -> HedgeType:
    """The API type of a model cue over `article.text[start:end]`."""
    if cls is UncertaintyType.epistemic:
        sentence = article.sentences[sentence_index]
        for tok in sentence.span:
            at = sentence.offset + tok.idx
            if start <= at < end and (hit := classify_token(tok)) and hit[0] is not HedgeType.approximator:
                return hit[0]
    return API_TYPES[cls]


class ModelHedgeDetector:
    def __init__(self, model: HedgeModel, rules: RuleHedgeDetector | None = None):
        self.model = model
        self.rules = rules or RuleHedgeDetector()
        self.version = model.config.version
        self.threshold = model.config.threshold
        self.scheme = model.config.sentence_scheme
        self.schemes = SCHEMES
        # The pipeline keeps the shared encoder's token states after this layer for the model.
        self.state_layer = model.layer

    def __call__(self, article: Article) -> list[SentenceHedges]:
        if article.token_states is None:
            raise ValueError("the article was read without token states: read it with a pipeline using this detector")
        predictions = self.model.predict([s.text for s in article.sentences], article.token_states)
        out = []
        for sentence, prediction in zip(article.sentences, predictions):
            ruled = self.rules.detect_sentence(sentence)
            cues = []
            for start, end, cls in prediction.cues:
                start, end = sentence.start + start, sentence.start + end
                cues.append(CueHit(start, end, api_type(article, sentence.index, start, end, cls),
                                   prediction.probabilities[self.scheme], cls))
            extra = [c for c in ruled.cues if c.type in RULE_ONLY
                     and all(c.end <= m.start or c.start >= m.end for m in cues)]
            probability = prediction.probabilities[self.scheme]
            weakening = [c for c in extra if c.type is HedgeType.approximator or c.weight >= WEASEL_WEIGHT]
            score = round(1.0 - (1.0 - probability) * (1.0 - combined_score(weakening)), 4)
            out.append(SentenceHedges(sentence.index, score, sorted(cues + extra, key=lambda c: c.start),
                                      ruled.source, prediction.probabilities))
        return out
