"""Two profiles on the same records: the second one's metrics as a baseline, and a table of the headline figures."""

from __future__ import annotations

from .schema import ClassificationMetrics, Estimate, EvalReport, RougeMetrics

# The figure each task is judged by, by the metrics key that holds it.
_HEADLINE = {"hedge": ("sentence", ("f1",)), "stance": ("labels", ("macro_f1",)),
             "claims": ("labels", ("macro_f1", "fnc_score")), "summary": ("summary", ("rouge1",))}


def add_profile_baseline(report: EvalReport, other: EvalReport) -> str:
    """Put `other`'s metrics in `report.baselines` as `profile-<name>`; return that name."""
    name = f"profile-{other.model.profile}"
    report.baselines[name] = other.metrics
    return name


def _headline(report: EvalReport) -> list[tuple[str, Estimate]]:
    key, names = _HEADLINE[report.task]
    metrics = report.metrics[key]
    out = []
    for name in names:
        if isinstance(metrics, (ClassificationMetrics, RougeMetrics)) and getattr(metrics, name, None) is not None:
            out.append((name, getattr(metrics, name)))
    return out


def comparison_table(pairs: list[tuple[EvalReport, EvalReport]]) -> list[str]:
    """Markdown: per data set, each profile's headline figure with its interval, the difference, and whether
    the first beats the second by more than half the mean interval width (the acceptance rule)."""
    if not pairs:
        return []
    a, b = pairs[0][0].model.profile, pairs[0][1].model.profile
    lines = [f"| data | metric | {a} | {b} | {a} - {b} | beats by > half the interval width |", "|---|---|---|---|---|---|"]
    for first, second in pairs:
        for (name, x), (_, y) in zip(_headline(first), _headline(second)):
            half = ((x.ci95[1] - x.ci95[0]) + (y.ci95[1] - y.ci95[0])) / 4
            diff = x.value - y.value
            data = first.data.split("/data/")[-1] + (f" ({first.domain})" if first.domain else "")
            lines.append(f"| {data} | {name} | {x.value:.3f} [{x.ci95[0]:.3f}, {x.ci95[1]:.3f}] | {y.value:.3f} "
                         f"[{y.ci95[0]:.3f}, {y.ci95[1]:.3f}] | {diff:+.3f} | {'yes' if diff > half else 'no'} (half {half:.3f}) |")
    return lines
