"""Stance toward targets and toward claims.

- `scorer.py`: target stance from the trained model, aggregated over every mention;
- `aggregate.py`: how the mentions' stances make the article's (the mean, or fitted on PerSenT);
- `model.py`: the trained target-stance model (fine-tuned top encoder layers, a mention marker);
- `claims.py`: the trained claim-stance model, over the pipeline's sentence encodings;
- `rules.py`: the v1 scorers: target stance from VADER over the mention's clause, and claim
  stance from embedding relevance plus rules;
- `training.py`, `article_training.py`, `claims_training.py`: `stancelens train stance`, `train article`
  and `train claims`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..document import Article
from ..encoder import SentenceEncoder
from ..heads import model_dir
from ..schema import ClaimStance, TargetStance
from ..targets import Target
from .aggregate import MEAN, ArticleAggregation, MeanAggregation
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


def load_aggregation(spec: str) -> MeanAggregation | ArticleAggregation:
    """`mean` for the mean of the sentence distributions; otherwise a fitted aggregation's folder or hub id."""
    return MeanAggregation() if spec == MEAN else ArticleAggregation.load(model_dir(spec))


def load_target_stance(spec: str, encoder: SentenceEncoder,
                       aggregation: MeanAggregation | ArticleAggregation | None = None) -> TargetStanceStage:
    """`vader` for the VADER rules; otherwise a trained stance model's folder or hub id, aggregated over
    the article by `aggregation` (the mean when None)."""
    if spec == VADER:
        return TargetStanceScorer()
    return ModelTargetStanceScorer(StanceModel.load(model_dir(spec), encoder), aggregation)


def load_claim_stance(spec: str, encoder: SentenceEncoder) -> ClaimStanceStage:
    """`rules` for the relevance rules; otherwise a trained claim-stance model's folder or hub id."""
    if spec == RULES:
        return ClaimStanceScorer()
    return ModelClaimStanceScorer(ClaimStanceModel.load(model_dir(spec), encoder))


__all__ = ["ArticleAggregation", "Body", "ClaimStanceModel", "ClaimStanceScorer", "ClaimStanceStage", "ModelClaimStanceScorer",
           "MEAN", "MeanAggregation", "ModelTargetStanceScorer", "RULES", "StanceModel", "TargetStanceScorer", "TargetStanceStage", "VADER",
           "load_aggregation", "load_claim_stance", "load_target_stance"]
