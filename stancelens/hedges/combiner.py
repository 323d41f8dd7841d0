"""One hedge score from the model's per-scheme logits: a logistic regression fitted on the union gold.

The hedge model gives one uncertainty logit per labelling scheme: CoNLL-2010's (weasel wording
and hedges) and Szeged's (semantic uncertainty). News readers mean both, so the API's score is
`sigmoid(bias + sum_k weight_k * logit_k)`, fitted on sentences that carry both labels and count
as hedged when either does (`union.py`; `combiner_training.py` fits it). Being a logistic
regression on that gold, the score is a calibrated probability of "hedged in either sense", and
one threshold applies to it. It lives beside the model as `combiner.json`; a model folder without
one scores by its own sentence scheme alone (`HedgeCombiner.single`).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

from pydantic import BaseModel, Field

FILE = "combiner.json"


class HedgeCombiner(BaseModel):
    version: str = Field(description="`union-<digest of the parameters>`, or the scheme's name for a single scheme.")
    weights: dict[str, float] = Field(description="Weight of each scheme's logit.")
    bias: float
    threshold: float = Field(description="The score from which a sentence is listed as a hedged claim by default.")
    fitted: dict = Field(default_factory=dict, description="Data, command, seed and figures of the fit.")

    @classmethod
    def single(cls, scheme: str, threshold: float) -> HedgeCombiner:
        """The score of one scheme's probability alone: a model folder without a fitted combiner."""
        return cls(version=scheme, weights={scheme: 1.0}, bias=0.0, threshold=threshold)

    @classmethod
    def fitted_version(cls, weights: dict[str, float], bias: float, threshold: float) -> str:
        digest = hashlib.sha1(json.dumps([sorted(weights.items()), bias, threshold]).encode()).hexdigest()[:8]
        return f"union-{digest}"

    def probability(self, logits: dict[str, float]) -> float:
        z = self.bias + sum(w * logits[scheme] for scheme, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-z))

    def save(self, folder: Path) -> None:
        (folder / FILE).write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> HedgeCombiner | None:
        path = folder / FILE
        return cls.model_validate_json(path.read_text(encoding="utf-8")) if path.is_file() else None
