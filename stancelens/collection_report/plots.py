"""The report's plots, drawn with matplotlib (the Agg backend: no display) as PNG bytes."""

from __future__ import annotations

import io
import re

from .model import CollectionReport

COLOURS = {"favor": "#1a7f37", "against": "#cf222e", "neutral": "#8c959f"}
MAX_BARS = 12  # targets in the stance plot
MAX_LINES = 5  # targets in a plot by group
DPI = 90


def _png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    return buffer.getvalue()


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def stance_plot(report: CollectionReport) -> bytes | None:
    """Each target's share of articles per stance label, with the 95% intervals as error bars."""
    targets = [t for t in report.targets if t.stance.articles][:MAX_BARS]
    if not targets:
        return None
    fig, ax = _figure(8, 0.45 * len(targets) + 1.2)
    names = [f"{t.target} ({t.stance.articles})" for t in targets][::-1]
    left = [0.0] * len(targets)
    for k, label in enumerate(("favor", "neutral", "against")):
        shares = [next(s for s in t.stance.labels if s.label == label) for t in targets][::-1]
        widths = [s.share for s in shares]
        ax.barh(names, widths, left=left, color=COLOURS[label], label=label)
        left = [a + b for a, b in zip(left, widths)]
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the articles that mention the target")
    ax.legend(loc="lower right", fontsize=8, ncols=3)
    return _png(fig)


def _net(distribution) -> float:
    """favor share minus against share: from -1 (all against) to 1 (all favor)."""
    share = {s.label: s.share for s in distribution.labels}
    return share["favor"] - share["against"]


def by_plot(report: CollectionReport, grouping: str, over_time: bool) -> bytes | None:
    """Net stance (favor minus against) of the most mentioned targets per group: lines over time, else bars."""
    targets = [t for t in report.targets if t.by.get(grouping)][:MAX_LINES]
    if not targets:
        return None
    groups = sorted({g.group for t in targets for g in t.by[grouping]})
    fig, ax = _figure(8, 3.6)
    width = 0.8 / len(targets)
    for k, t in enumerate(targets):
        by = {g.group: g for g in t.by[grouping]}
        xs = [i for i, g in enumerate(groups) if g in by]
        ys = [_net(by[groups[i]]) for i in xs]
        if over_time:
            ax.plot(xs, ys, marker="o", label=t.target)
        else:
            ax.bar([x - 0.4 + width * (k + 0.5) for x in xs], ys, width, label=t.target)
    ax.axhline(0, color="#57606a", linewidth=0.8)
    ax.set_xticks(range(len(groups)), groups, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(-1, 1)
    ax.set_ylabel("favor share − against share")
    ax.set_title(f"Stance by {grouping}", fontsize=10)
    ax.legend(fontsize=8)
    return _png(fig)


def hedging_plot(report: CollectionReport, grouping: str) -> bytes | None:
    """The share of sentences hedged per group."""
    groups = [g for g in report.hedging.by.get(grouping, []) if g.share is not None]
    if not groups:
        return None
    fig, ax = _figure(8, 3.2)
    ax.bar([g.group for g in groups], [g.share for g in groups], color="#0969da")
    ax.set_ylabel("share of sentences hedged")
    ax.set_title(f"Hedging by {grouping}", fontsize=10)
    ax.tick_params(axis="x", rotation=30, labelsize=8)
    return _png(fig)


def slug(grouping: str) -> str:
    """A grouping as part of a file name: `date:week` -> `date-week`."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", grouping)


def plots(report: CollectionReport) -> dict[str, bytes]:
    """Every plot the report has data for, by name (the name of its PNG file)."""
    drawn = {"stances": stance_plot(report)}
    for grouping in report.header.groupings:
        drawn[f"stance-by-{slug(grouping)}"] = by_plot(report, grouping, over_time=":" in grouping)
        drawn[f"hedging-by-{slug(grouping)}"] = hedging_plot(report, grouping)
    return {name: png for name, png in drawn.items() if png is not None}
