"""Metrics, each with a bootstrap 95% confidence interval.

Point values come from scikit-learn (`precision_recall_fscore_support`, `confusion_matrix`,
`average_precision_score`) and `rouge-score`. The bootstrap resamples records with
replacement (seeded, so reruns agree) and recomputes the statistic from a confusion matrix
built with `numpy.bincount`, which is what makes a thousand resamples of FNC-1's ten thousand
pairs take a second; a test checks that both routes give the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .schema import (
    Calibration,
    ClassificationMetrics,
    ClassScores,
    Estimate,
    ReliabilityBin,
    RougeMetrics,
)

BOOTSTRAP_SAMPLES = 1000
ECE_BINS = 10
ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
FNC_RELATED = ("agree", "disagree", "discuss")


def bootstrap(statistic: Callable[[np.ndarray], dict[str, float]], n: int, point: dict[str, float],
              samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> dict[str, Estimate]:
    """Percentile intervals for every value `statistic(indices)` returns, around `point`."""
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {k: [] for k in point}
    for _ in range(samples if n else 0):
        for key, value in statistic(rng.integers(0, n, n)).items():
            draws[key].append(value)
    out = {}
    for key, value in point.items():
        values = np.asarray(draws[key], dtype=float)
        values = values[np.isfinite(values)]
        low, high = (np.percentile(values, [2.5, 97.5]) if len(values) else (value, value))
        out[key] = Estimate(value=round(float(value), 4), ci95=(round(float(low), 4), round(float(high), 4)))
    return out


def _prf(cm: np.ndarray, scored: np.ndarray) -> dict[str, np.ndarray | float]:
    """Per-class and micro precision, recall and F1 from a confusion matrix (rows gold, columns predicted),
    over the classes in `scored`; zero where undefined, as scikit-learn's `zero_division=0`."""
    tp = np.diag(cm)[scored].astype(float)
    predicted = cm[:, scored].sum(axis=0).astype(float)
    actual = cm[scored, :].sum(axis=1).astype(float)

    def ratio(a, b):
        return np.divide(a, b, out=np.zeros_like(a, dtype=float), where=b > 0)

    precision, recall = ratio(tp, predicted), ratio(tp, actual)
    f1 = ratio(2 * precision * recall, precision + recall)
    micro_p, micro_r = ratio(tp.sum(), predicted.sum()), ratio(tp.sum(), actual.sum())
    micro_f1 = float(ratio(2 * micro_p * micro_r, micro_p + micro_r))
    return {"precision": precision, "recall": recall, "f1": f1, "micro_f1": micro_f1}


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS) -> float:
    """Top-label ECE: the support-weighted gap between confidence and accuracy over equal-width bins."""
    if not len(confidence):
        return 0.0
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(total)


def reliability_bins(confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS) -> list[ReliabilityBin]:
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            out.append(ReliabilityBin(low=b / bins, high=(b + 1) / bins, n=int(mask.sum()),
                                      confidence=round(float(confidence[mask].mean()), 4),
                                      accuracy=round(float(correct[mask].mean()), 4)))
    return out


def fnc_score(gold: Sequence[str], pred: Sequence[str]) -> float:
    """FNC-1's official relative score: 0.25 for getting related/unrelated right, 0.75 more for the
    right related label, over the best possible total."""
    g, p = np.asarray(gold), np.asarray(pred)
    g_related, p_related = np.isin(g, FNC_RELATED), np.isin(p, FNC_RELATED)
    score = 0.25 * (g == p) + 0.5 * ((g == p) & g_related) + 0.25 * (g_related & p_related)
    best = np.where(g_related, 1.0, 0.25).sum()
    return float(score.sum() / best) if best else 0.0


def classification(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str],
                   confidence: Sequence[float] | None = None, positive_scores: Sequence[float] | None = None,
                   positive: str | None = None, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0
                   ) -> ClassificationMetrics:
    """Accuracy, per-class / macro / micro precision-recall-F1 over the gold `labels`, the confusion
    matrix over gold and predicted labels, and when given, calibration of `confidence` (top label),
    average precision of `positive_scores` for the `positive` class, FNC-1's score (when
    'unrelated' is a label) and F_avg (mean F1 of favor and against, SemEval-2016's measure)."""
    from sklearn.metrics import average_precision_score, confusion_matrix, precision_recall_fscore_support

    gold, pred = list(gold), list(pred)
    every = list(labels) + sorted(set(pred) - set(labels))
    scored = np.arange(len(labels))
    index = {label: i for i, label in enumerate(every)}
    g = np.array([index[x] for x in gold], dtype=int)
    p = np.array([index[x] for x in pred], dtype=int)
    n, k = len(g), len(every)
    conf = None if confidence is None else np.asarray(confidence, dtype=float)
    pos = None if positive_scores is None else np.asarray(positive_scores, dtype=float)
    is_fnc = "unrelated" in labels
    has_f_avg = {"favor", "against"} <= set(labels)

    def stats(idx: np.ndarray, cm: np.ndarray | None = None) -> dict[str, float]:
        if cm is None:
            cm = np.bincount(g[idx] * k + p[idx], minlength=k * k).reshape(k, k)
        prf = _prf(cm, scored)
        out = {"accuracy": float(np.trace(cm) / max(1, cm.sum())), "macro_f1": float(prf["f1"].mean()),
               "micro_f1": prf["micro_f1"]}
        for i, label in enumerate(labels):
            for m in ("precision", "recall", "f1"):
                out[f"{label}.{m}"] = float(prf[m][i])
        if has_f_avg:
            out["f_avg"] = (out["favor.f1"] + out["against.f1"]) / 2
        if is_fnc:
            out["fnc_score"] = fnc_score([every[i] for i in g[idx]], [every[i] for i in p[idx]])
        if conf is not None:
            out["ece"] = expected_calibration_error(conf[idx], (g[idx] == p[idx]).astype(float))
        if pos is not None and positive is not None:
            truth = g[idx] == index[positive]
            out["average_precision"] = float(average_precision_score(truth, pos[idx])) if truth.any() else float("nan")
        return out

    cm = confusion_matrix(gold, pred, labels=every)
    point = stats(np.arange(n), cm)
    # The reported point values are scikit-learn's own.
    precision, recall, f1, support = precision_recall_fscore_support(gold, pred, labels=list(labels), zero_division=0)
    for i, label in enumerate(labels):
        point[f"{label}.precision"], point[f"{label}.recall"], point[f"{label}.f1"] = precision[i], recall[i], f1[i]
    point["macro_f1"] = float(np.mean(f1))
    point["micro_f1"] = float(precision_recall_fscore_support(gold, pred, labels=list(labels), average="micro",
                                                              zero_division=0)[2])
    est = bootstrap(stats, n, point, samples, seed)
    calibration = None
    if conf is not None:
        calibration = Calibration(ece=est["ece"], bins=reliability_bins(conf, (g == p).astype(float)))
    return ClassificationMetrics(
        n=n,
        labels=list(labels),
        accuracy=est["accuracy"],
        macro_f1=est["macro_f1"],
        micro_f1=est["micro_f1"],
        per_class={
            label: ClassScores(precision=est[f"{label}.precision"], recall=est[f"{label}.recall"],
                               f1=est[f"{label}.f1"], support=int(support[i]))
            for i, label in enumerate(labels)
        },
        confusion_labels=every,
        confusion=cm.tolist(),
        calibration=calibration,
        average_precision=est.get("average_precision"),
        precision=est[f"{positive}.precision"] if positive else None,
        recall=est[f"{positive}.recall"] if positive else None,
        f1=est[f"{positive}.f1"] if positive else None,
        fnc_score=est.get("fnc_score"),
        f_avg=est.get("f_avg"),
    )


def rouge_per_document(predictions: Sequence[Sequence[str]], references: Sequence[Sequence[str]]) -> dict[str, np.ndarray]:
    """F-measure x 100 of ROUGE-1, -2, -L and -Lsum for each document, with Porter stemming.

    Both sides are lists of sentences: ROUGE-L scores the texts joined with spaces (one
    longest common subsequence), ROUGE-Lsum joined with newlines (a union LCS per sentence,
    the summary-level variant used in CNN/DailyMail papers)."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    out: dict[str, list[float]] = {t: [] for t in ROUGE_TYPES}
    for pred, ref in zip(predictions, references, strict=True):
        flat = scorer.score(" ".join(ref), " ".join(pred))
        lsum = scorer.score("\n".join(ref), "\n".join(pred))["rougeLsum"]
        for t in ROUGE_TYPES:
            out[t].append(100 * (lsum if t == "rougeLsum" else flat[t]).fmeasure)
    return {t: np.asarray(v) for t, v in out.items()}


def rouge(per_doc: dict[str, np.ndarray], words: Sequence[int], samples: int = BOOTSTRAP_SAMPLES,
          seed: int = 0) -> RougeMetrics:
    n = len(words)
    point = {t: float(v.mean()) if n else 0.0 for t, v in per_doc.items()}
    est = bootstrap(lambda idx: {t: float(v[idx].mean()) for t, v in per_doc.items()}, n, point, samples, seed)
    return RougeMetrics(n=n, mean_words=round(float(np.mean(words)) if n else 0.0, 1), **est)


def paired_difference(ours: dict[str, np.ndarray], reference: dict[str, np.ndarray],
                      samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> dict[str, Estimate]:
    """Mean per-document difference ours - reference, with a paired bootstrap interval."""
    diff = {t: ours[t] - reference[t] for t in ours}
    n = len(next(iter(diff.values())))
    point = {t: float(d.mean()) if n else 0.0 for t, d in diff.items()}
    return bootstrap(lambda idx: {t: float(d[idx].mean()) for t, d in diff.items()}, n, point, samples, seed)
