"""Stance toward targets and toward claims.

- `scorer.py`: target stance from the trained model, aggregated over every mention;
- `model.py`: the trained target-stance model (fine-tuned top encoder layers, a mention marker);
- `rules.py`: the v1 scorers: target stance from VADER over the mention's clause, and claim
  stance from embedding relevance plus rules (the trained claim model is still to come);
- `training.py`: `stancelens train stance`.
"""

from __future__ import annotations

from typing import Protocol

from ..document import Article
from ..encoder import SentenceEncoder
from ..heads import model_dir
from ..schema import TargetStance
from ..targets import Target
from .model import StanceModel
from .rules import ClaimStanceScorer, TargetStanceScorer
from .scorer import ModelTargetStanceScorer

VADER = "vader"


class TargetStanceStage(Protocol):
    version: str

    def score(self, article: Article, target: Target, max_evidence: int) -> TargetStance: ...


def load_target_stance(spec: str, encoder: SentenceEncoder) -> TargetStanceStage:
    """`vader` for the VADER rules; otherwise a trained stance model's folder or hub id."""
    if spec == VADER:
        return TargetStanceScorer()
    return ModelTargetStanceScorer(StanceModel.load(model_dir(spec), encoder))


__all__ = ["ClaimStanceScorer", "ModelTargetStanceScorer", "StanceModel", "TargetStanceScorer",
           "TargetStanceStage", "VADER", "load_target_stance"]
