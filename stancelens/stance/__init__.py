"""Stance toward targets and toward claims.

- `scorer.py`: target stance from the trained model, aggregated over every mention;
- `model.py`: the trained target-stance model (fine-tuned top encoder layers, a mention marker);
- `claims.py`: the trained claim-stance model, over the pipeline's sentence encodings;
- `rules.py`: the v1 scorers: target stance from VADER over the mention's clause, and claim
  stance from embedding relevance plus rules;
- `training.py`, `claims_training.py`: `stancelens train stance` and `stancelens train claims`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..document import Article
from ..encoder import SentenceEncoder
from ..heads import model_dir
from ..schema import ClaimStance, TargetStance
from ..targets import Target
from .claims import Body, ClaimStanceModel, ModelClaimStanceScorer
from .model import StanceModel
from .rules import ClaimStanceScorer, TargetStanceScorer
from .scorer import ModelTargetStanceScorer

VADER = "vader"
RULES = "rules"


class TargetStanceStage(Protocol):
    version: str

    def score(self, article: Article, targets: list[Target], max_evidence: int) -> list[TargetStance]: ...


class ClaimStanceStage(Protocol):
    version: str

    def score(self, article: Article, body: Body, claims: list[str], claim_embeddings: np.ndarray,
              max_evidence: int) -> list[ClaimStance]: ...


def load_target_stance(spec: str, encoder: SentenceEncoder) -> TargetStanceStage:
    """`vader` for the VADER rules; otherwise a trained stance model's folder or hub id."""
    if spec == VADER:
        return TargetStanceScorer()
    return ModelTargetStanceScorer(StanceModel.load(model_dir(spec), encoder))


def load_claim_stance(spec: str, encoder: SentenceEncoder) -> ClaimStanceStage:
    """`rules` for the relevance rules; otherwise a trained claim-stance model's folder or hub id."""
    if spec == RULES:
        return ClaimStanceScorer()
    return ModelClaimStanceScorer(ClaimStanceModel.load(model_dir(spec), encoder))


__all__ = ["Body", "ClaimStanceModel", "ClaimStanceScorer", "ClaimStanceStage", "ModelClaimStanceScorer",
           "ModelTargetStanceScorer", "RULES", "StanceModel", "TargetStanceScorer", "TargetStanceStage", "VADER",
           "load_claim_stance", "load_target_stance"]
