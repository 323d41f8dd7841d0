"""`stancelens train article`: fit the article-level aggregation on PerSenT's training articles.

Each article goes through the pipeline as served (its title as a heading, the target resolved
by the alias resolver, every unit scored by the sentence model), so the aggregation learns from
exactly what it will aggregate. The five numbers of `ArticleAggregation` are fitted by maximum
likelihood with an L2 penalty on the unit weights; the penalty is chosen by 5-fold
cross-validation on the training articles (log-loss), and the model is refitted on all of them.
Dev is not read.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from pydantic import BaseModel, Field

from ..heads import read_jsonl
from ..targets import resolve_targets
from .aggregate import FEATURES, Unit, save
from .model import LABELS

if TYPE_CHECKING:
    from ..pipeline import Pipeline

LABEL_INDEX = {label.value: i for i, label in enumerate(LABELS)}


class ArticleTrainingConfig(BaseModel):
    articles: str = Field("persent/train.jsonl", description="Training articles, under the data folder.")
    penalties: list[float] = Field([0.001, 0.01, 0.1, 1.0], description="L2 penalties tried by cross-validation.")
    folds: int = Field(5, ge=2)
    seed: int = 13


def article_input(text: str, title: str | None) -> tuple[str, str]:
    """An article record as the pipeline reads it (text, content type): its title, when it has one,
    as the first heading."""
    if title and title.strip():
        return f"# {title.strip()}\n\n{text}", "markdown"
    return text, "text"


def article_units(pipeline: Pipeline, text: str, title: str | None, target: str) -> list[Unit]:
    """The units the served pipeline aggregates for one article and one target."""
    article = pipeline.read(*article_input(text, title))
    targets = resolve_targets(article, [target], 0)
    return pipeline.target_stance.units(article, targets)[0]


def _tensors(items: list[list[Unit]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Units padded per article: features (articles, units, features), probabilities, mask."""
    longest = max(1, max(len(u) for u in items))
    f = torch.zeros(len(items), longest, len(FEATURES), dtype=torch.float64)
    p = torch.full((len(items), longest, len(LABELS)), 1 / 3, dtype=torch.float64)
    mask = torch.zeros(len(items), longest, dtype=torch.float64)
    for i, units in enumerate(items):
        for j, u in enumerate(units):
            f[i, j] = torch.from_numpy(u.features())
            p[i, j] = torch.from_numpy(u.probabilities.astype(np.float64))
            mask[i, j] = 1.0
    return f, p, mask


def _log_probs(params: torch.Tensor, f: torch.Tensor, p: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Log P(label) per article, as `ArticleAggregation` computes it (articles without units excluded)."""
    theta, log_b = params[: len(FEATURES)], params[len(FEATURES)]
    w = torch.exp(f @ theta) * mask
    mixed = (w.unsqueeze(-1) * p).sum(1) / w.sum(1, keepdim=True).clamp_min(1e-12)
    t = 1 + torch.exp(log_b) * torch.log(mask.sum(1, keepdim=True).clamp_min(1))
    return torch.log_softmax(torch.log(mixed.clamp(1e-6, 1.0)) / t, dim=-1)


def fit(items: list[list[Unit]], gold: np.ndarray, penalty: float) -> np.ndarray:
    """The aggregation's numbers (theta, log b) for these articles."""
    keep = [i for i, units in enumerate(items) if units]
    f, p, mask = _tensors([items[i] for i in keep])
    y = torch.from_numpy(gold[keep])
    params = torch.zeros(len(FEATURES) + 1, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS([params], max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        optimiser.zero_grad()
        nll = -_log_probs(params, f, p, mask).gather(1, y[:, None]).mean()
        reg = penalty * params[: len(FEATURES)].square().sum()
        loss = nll + reg
        loss.backward()
        return loss

    optimiser.step(closure)
    return params.detach().numpy()


def log_loss(items: list[list[Unit]], gold: np.ndarray, params: np.ndarray) -> float:
    keep = [i for i, units in enumerate(items) if units]
    f, p, mask = _tensors([items[i] for i in keep])
    with torch.no_grad():
        lp = _log_probs(torch.from_numpy(params), f, p, mask)
    return float(-lp.gather(1, torch.from_numpy(gold[keep])[:, None]).mean())


def choose_penalty(items: list[list[Unit]], gold: np.ndarray, config: ArticleTrainingConfig) -> dict[float, float]:
    """Mean held-out log-loss per penalty over `folds` folds of the training articles."""
    order = np.random.default_rng(config.seed).permutation(len(items))
    folds = np.array_split(order, config.folds)
    scores = {}
    for penalty in config.penalties:
        losses = []
        for k, held in enumerate(folds):
            train = np.concatenate([f for j, f in enumerate(folds) if j != k])
            params = fit([items[i] for i in train], gold[train], penalty)
            losses.append(log_loss([items[i] for i in held], gold[held], params))
        scores[penalty] = float(np.mean(losses))
    return scores


def to_config(params: np.ndarray, training: dict) -> dict:
    n = len(FEATURES)
    return {"features": list(FEATURES), "weights": [round(float(x), 6) for x in params[:n]],
            "temperature_per_log_unit": round(float(np.exp(params[n])), 6), "training": training}


def train(data: Path, out: Path, base: Pipeline, config: ArticleTrainingConfig) -> None:
    started = time.perf_counter()
    records = read_jsonl(data / config.articles)
    items, gold = [], []
    for n, rec in enumerate(records, 1):
        items.append(article_units(base, rec["text"], rec.get("title"), rec["target"]))
        gold.append(LABEL_INDEX[rec["label"]])
        if n % 50 == 0 or n == len(records):
            rate = n / (time.perf_counter() - started)
            print(f"read {n}/{len(records)} articles ({rate:.1f}/s, {(len(records) - n) / rate:.0f} s left)",
                  file=sys.stderr)
    gold_array = np.array(gold)
    scores = choose_penalty(items, gold_array, config)
    penalty = min(scores, key=scores.get)
    params = fit(items, gold_array, penalty)
    training = {"data": config.articles, "articles": len(items), "without_units": sum(not u for u in items),
                "folds": config.folds, "seed": config.seed, "cv_log_loss": scores, "penalty": penalty,
                "stance_model": base.target_stance.model.config.version,
                "seconds": round(time.perf_counter() - started, 1)}
    saved = save(to_config(params, training), out)
    print(f"wrote {out} ({saved.version}): penalty {penalty}, cross-validated log-loss {scores[penalty]:.4f}",
          file=sys.stderr)
