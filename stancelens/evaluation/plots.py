"""PNG plots for evaluation reports: confusion matrices, precision-recall curves, reliability
diagrams and ROUGE by article length. Each function writes one file and returns its name."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .schema import Calibration, ClassificationMetrics


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: never needs a display
    import matplotlib.pyplot as plt

    return plt


def confusion(m: ClassificationMetrics, title: str, path: Path) -> str:
    plt = _pyplot()
    cm = np.asarray(m.confusion)
    fig, ax = plt.subplots(figsize=(1.2 * len(cm) + 2, 1.1 * len(cm) + 1.5))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(cm)), m.confusion_labels, rotation=30)
    ax.set_yticks(range(len(cm)), m.confusion_labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    for (i, j), v in np.ndenumerate(cm):
        ax.text(j, i, str(v), ha="center", va="center", color="white" if v > cm.max() / 2 else "black")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path.name


def precision_recall(curves: dict[str, tuple[list[bool], list[float]]], title: str, path: Path) -> str:
    from sklearn.metrics import precision_recall_curve

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 4))
    for name, (truth, scores) in curves.items():
        precision, recall, _ = precision_recall_curve(truth, scores)
        ax.plot(recall, precision, label=name)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend()
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path.name


def reliability(calibration: Calibration, title: str, path: Path) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfect calibration")
    bins = calibration.bins
    ax.plot([b.confidence for b in bins], [b.accuracy for b in bins], marker="o", label="StanceLens")
    for b in bins:
        ax.annotate(str(b.n), (b.confidence, b.accuracy), fontsize=7, textcoords="offset points", xytext=(3, 3))
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title(f"{title} (ECE {calibration.ece.value:.3f})")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path.name


def rouge_by_length(words: list[int], scores: dict[str, np.ndarray], path: Path, bins: int = 4) -> str:
    """Mean ROUGE-1 per article-length quartile, one line per system."""
    plt = _pyplot()
    edges = np.unique(np.quantile(words, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges, words, side="right") - 1, 0, len(edges) - 2)
    centres = [f"{int(edges[i])}-{int(edges[i + 1])}" for i in range(len(edges) - 1)]
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, per_doc in scores.items():
        means = [per_doc[which == i].mean() if (which == i).any() else np.nan for i in range(len(centres))]
        ax.plot(centres, means, marker="o", label=name)
    ax.set_xlabel("article length (words)")
    ax.set_ylabel("ROUGE-1 F x 100")
    ax.set_title("ROUGE-1 by article length")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path.name
