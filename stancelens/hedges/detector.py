"""The hedge stage: one calibrated score for hedging in either sense, and the cues that show why.

- The sentence score is the combiner's (`combiner.py`): a logistic regression over the model's
  two scheme logits, CoNLL-2010's (weasel wording such as "some experts say") and Szeged's
  (semantic uncertainty: "could", "if", "believe"), fitted on sentences labelled under both,
  hedged when either says so. So it is a calibrated probability that the sentence hedges in
  either sense, and one threshold applies.
- Cue spans come from the model's tagger, typed in the Szeged scheme and mapped onto the API's
  richer types (`api_type`). The context rules veto a model cue the parse rules out ("May" the
  month, "could not", "around the city"). Rule cues the corpora do not mark are added where
  they overlap no model cue: approximators before numbers and attribution, vague ("experts
  warn", "some people", "is widely regarded": the weasel span) or named ("the ministry said").
  In a sentence where the tagger found no cue, every rule cue is added.
- A sentence is listed only when a cue shows why (`SentenceHedges.shows_why`): the pipeline
  checks that with the threshold, so a high score with no cue ("several key factors will need
  attention") is not a hedged claim.
- The attributed source is the rules': the model has no source annotation to learn from.
"""

from __future__ import annotations

from ..document import Article, Sentence
from ..schema import HedgeType, UncertaintyType
from .combiner import HedgeCombiner
from .model import SCHEMES, HedgeModel
from .rules import CueHit, RuleHedgeDetector, SentenceHedges, classify_token, context_rejects

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


def _tokens(sentence: Sentence, start: int, end: int) -> list:
    """The parse's tokens starting inside `article.text[start:end]`."""
    return [tok for tok in sentence.span if start <= sentence.offset + tok.idx < end]


def api_type(article: Article, sentence_index: int, start: int, end: int, cls: UncertaintyType) -> HedgeType:
    """The API type of a model cue over `article.text[start:end]`."""
    if cls is UncertaintyType.epistemic:
        for tok in _tokens(article.sentences[sentence_index], start, end):
            if (hit := classify_token(tok)) and hit[0] is not HedgeType.approximator:
                return hit[0]
    return API_TYPES[cls]


class ModelHedgeDetector:
    def __init__(self, model: HedgeModel, combiner: HedgeCombiner | None = None, rules: RuleHedgeDetector | None = None):
        self.model = model
        self.combiner = combiner or HedgeCombiner.single(model.config.sentence_scheme, model.config.threshold)
        self.rules = rules or RuleHedgeDetector()
        self.version = f"{model.config.version}+{self.combiner.version}"
        self.threshold = self.combiner.threshold
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
            score = round(self.combiner.probability(prediction.logits), 4)
            cues = []
            for start, end, cls in prediction.cues:
                start, end = sentence.start + start, sentence.start + end
                tokens = _tokens(sentence, start, end)
                if len(tokens) == 1 and context_rejects(tokens[0]):
                    continue
                cues.append(CueHit(start, end, api_type(article, sentence.index, start, end, cls), score, cls))
            # Where the tagger found nothing, the rules' own cues stand in, so a sentence the score
            # lists for "could" or "reportedly" still shows them.
            extra = [c for c in ruled.cues if (c.type in RULE_ONLY or not cues)
                     and all(c.end <= m.start or c.start >= m.end for m in cues)]
            out.append(SentenceHedges(sentence.index, score, sorted(cues + extra, key=lambda c: c.start),
                                      ruled.source, prediction.probabilities))
        return out
