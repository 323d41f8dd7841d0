"""Hedge detection: which sentences assert with reduced commitment, their cue spans and types,
and who the claim is attributed to.

- `detector.py`: the pipeline's hedge stage, the trained model plus the rules it keeps;
- `model.py`: the trained model (fine-tuned top encoder layers, sentence and cue heads);
- `combiner.py`: the model's per-scheme logits to the API's one score; `combiner_training.py` fits it
  on the union gold of `union.py`;
- `rules.py`: rules over the spaCy parse, and the lexicon baseline;
- `training.py`: `stancelens train hedge`.
"""

from __future__ import annotations

from typing import Protocol

from ..document import Article
from ..encoder import SentenceEncoder
from ..heads import model_dir
from .combiner import HedgeCombiner
from .detector import ModelHedgeDetector
from .model import HedgeModel
from .rules import CueHit, LexiconHedgeDetector, RuleHedgeDetector, SentenceHedges

RULES = "rules"


class HedgeStage(Protocol):
    version: str
    threshold: float  # the score from which a sentence counts as hedged, unless a request says otherwise
    schemes: tuple[str, ...]  # the labelling schemes it gives probabilities for

    def __call__(self, article: Article) -> list[SentenceHedges]: ...


def load_hedge_detector(spec: str, encoder: SentenceEncoder) -> HedgeStage:
    """`rules` for the rule detector; otherwise a trained model's folder or hub id."""
    if spec == RULES:
        return RuleHedgeDetector()
    folder = model_dir(spec)
    return ModelHedgeDetector(HedgeModel.load(folder, encoder), HedgeCombiner.load(folder))


__all__ = [
    "CueHit", "HedgeCombiner", "HedgeModel", "HedgeStage", "LexiconHedgeDetector", "ModelHedgeDetector", "RuleHedgeDetector",
    "SentenceHedges", "load_hedge_detector", "model_dir", "RULES",
]
