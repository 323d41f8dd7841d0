"""The article's stance toward a target, from the stance of every unit (sentence or heading) that
mentions it.

`MeanAggregation` is the first rule: the mean of the units' distributions, whose most probable
label wins. `ArticleAggregation` is fitted on PerSenT's news articles (`stancelens train
article`): a weighted mean of the unit distributions, each unit weighted by what it is (a
heading, how early it comes, whether it names the target or only refers to it, how confident
the sentence model is), then a temperature that grows with the number of units, so that the
score is the probability of the label:

    w_u = exp(theta . f_u)          p = sum_u w_u p_u / sum_u w_u
    T = 1 + b ln(n)                 P(label) = softmax(log(p) / T)

One unit is the sentence model's own judgement, calibrated on sentences (T = 1); the more
sentences are pooled, the less the article's label follows from how sure each one is. Five
numbers in all, fitted by maximum likelihood with an L2 penalty on theta chosen by
cross-validation on the training articles; `models/article_stance/README.md` has the values.
There is no prior per label: one fitted on PerSenT (favor 53%, against 10%) describes its
sample of articles about a person, and it turned the example article's North Korea and Russia
to favor. A temperature moves no argmax, so the label is the weighted mean's. A target with no
unit gets neutral: the article says nothing about it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

MEAN = "mean"
CONFIG = "aggregation.json"
FEATURES = ("heading", "position", "references_only", "confidence")
NEUTRAL = 1  # index of neutral in the stance model's LABELS (against, neutral, favor)


@dataclass(frozen=True)
class Unit:
    """One sentence or heading that mentions the target, as the aggregation reads it."""

    span: tuple[int, int]
    probabilities: np.ndarray  # over the stance model's LABELS
    heading: bool
    position: float  # where it starts, 0 at the article's start and 1 at its end
    references_only: bool  # it names the target only by pronouns or nominals

    def features(self) -> np.ndarray:
        confidence = (float(self.probabilities.max()) - 1 / 3) * 1.5  # 0 for a flat distribution, 1 for a sure one
        return np.array([self.heading, self.position, self.references_only, confidence], dtype=np.float64)


def _none() -> np.ndarray:
    return np.eye(3)[NEUTRAL]


class MeanAggregation:
    version = "mean-1"

    def __call__(self, units: list[Unit]) -> np.ndarray:
        return np.mean([u.probabilities for u in units], axis=0) if units else _none()


class AggregationConfig(BaseModel):
    version: str = Field(description="Reported by the API, with the sentence model's, under target_stance.")
    features: list[str] = Field(description="Unit features, in the order of `weights`.")
    weights: list[float] = Field(description="theta: a unit's log-weight per feature.")
    temperature_per_log_unit: float = Field(ge=0, description="b: the temperature is 1 + b ln(units).")
    training: dict = Field(default_factory=dict, description="Data, folds and penalty it was fitted with.")


def mixture(units: list[Unit], weights: np.ndarray) -> np.ndarray:
    f = np.stack([u.features() for u in units])
    w = np.exp(f @ weights)
    return (w[:, None] * np.stack([u.probabilities for u in units])).sum(axis=0) / w.sum()


def temperature(units: int, per_log_unit: float) -> float:
    return 1.0 + per_log_unit * float(np.log(max(units, 1)))


def calibrated(p: np.ndarray, temperature: float) -> np.ndarray:
    z = np.log(np.clip(p, 1e-6, 1.0)) / temperature
    z = np.exp(z - z.max())
    return z / z.sum()


class ArticleAggregation:
    def __init__(self, config: AggregationConfig):
        if config.features != list(FEATURES):
            raise ValueError(f"aggregation features {config.features} are not this version's {list(FEATURES)}: "
                             "refit it with `stancelens train article`")
        self.config = config
        self.version = config.version
        self.weights = np.array(config.weights)

    @classmethod
    def load(cls, folder: Path) -> ArticleAggregation:
        return cls(AggregationConfig.model_validate_json((folder / CONFIG).read_text(encoding="utf-8")))

    def __call__(self, units: list[Unit]) -> np.ndarray:
        if not units:
            return _none()
        return calibrated(mixture(units, self.weights),
                          temperature(len(units), self.config.temperature_per_log_unit))


def save(config_without_version: dict, folder: Path) -> AggregationConfig:
    """Write a fitted aggregation; its version is a digest of its numbers."""
    numbers = json.dumps({k: v for k, v in sorted(config_without_version.items()) if k != "training"})
    config = AggregationConfig(version="article-" + hashlib.sha1(numbers.encode()).hexdigest()[:8],
                               **config_without_version)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CONFIG).write_text(config.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return config
