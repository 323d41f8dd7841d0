"""Markdown evaluation reports, with their plots written next to them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from . import plots
from .schema import ClassificationMetrics, CueMetrics, Estimate, EvalReport, RougeMetrics
from .tasks import Outcome


def _e(est: Estimate | None, digits: int = 3) -> str:
    if est is None:
        return "-"
    low, high = est.ci95
    return f"{est.value:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def _classification_table(systems: dict[str, ClassificationMetrics]) -> list[str]:
    first = next(iter(systems.values()))
    extra = [label for label, v in (("positive P", first.precision), ("positive R", first.recall),
                                    ("positive F1", first.f1),
                                    ("FNC-1 score", first.fnc_score), ("F_avg (favor, against)", first.f_avg),
                                    ("average precision", first.average_precision),
                                    ("ECE", first.calibration)) if v is not None]
    head = ["system", "accuracy", "macro-F1", "micro-F1"] + extra
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, m in systems.items():
        row = [_e(m.accuracy), _e(m.macro_f1), _e(m.micro_f1)]
        row += [_e(v) for v in (m.precision, m.recall, m.f1, m.fnc_score, m.f_avg, m.average_precision)
                if v is not None]
        if first.calibration is not None:
            row.append(_e(m.calibration.ece) if m.calibration else "-")
        lines.append(f"| {name} | " + " | ".join(row) + " |")
    lines += ["", "Per class (StanceLens):", "", "| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label, c in first.per_class.items():
        lines.append(f"| {label} | {_e(c.precision)} | {_e(c.recall)} | {_e(c.f1)} | {c.support} |")
    return lines


def _cue_table(systems: dict[str, CueMetrics]) -> list[str]:
    lines = ["| system | gold cues | predicted | exact P | exact R | exact F1 | span+type F1 | overlap F1 "
             "| type accuracy |", "|---|---|---|---|---|---|---|---|---|"]
    for name, m in systems.items():
        lines.append(f"| {name} | {m.n_gold} | {m.n_predicted} | {_e(m.exact['precision'])} | "
                     f"{_e(m.exact['recall'])} | {_e(m.exact['f1'])} | {_e(m.typed['f1'])} | {_e(m.overlap['f1'])} "
                     f"| {_e(m.type_accuracy)} |")
    return lines


def _rouge_table(systems: dict[str, RougeMetrics]) -> list[str]:
    lines = ["| system | ROUGE-1 | ROUGE-2 | ROUGE-L | ROUGE-Lsum | words |", "|---|---|---|---|---|---|"]
    for name, m in systems.items():
        cells = [_e(v, 2) for v in (m.rouge1, m.rouge2, m.rougeL, m.rougeLsum)]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {m.mean_words} |")
    return lines


def slug(report: EvalReport) -> str:
    scheme = f"-{report.scheme}" if report.scheme else ""
    domain = f"-{report.domain}" if report.domain else ""
    return re.sub(r"[^A-Za-z0-9]+", "-",
                  f"{report.task}-{Path(report.data).parent.name}-{Path(report.data).stem}{domain}{scheme}").strip("-")


def _domain_table(by_domain: dict[str, dict]) -> list[str]:
    lines = ["| domain | records | uncertain | precision | recall | F1 | cue exact F1 |", "|---|---|---|---|---|---|---|"]
    for domain, m in by_domain.items():
        s = m["sentence"]
        support = {label: c.support for label, c in s.per_class.items()}
        cue = _e(m["cue"].exact["f1"]) if "cue" in m else "-"
        lines.append(f"| {domain} | {sum(support.values())} | {support.get('uncertain', 0)} | {_e(s.precision)} | "
                     f"{_e(s.recall)} | {_e(s.f1)} | {cue} |")
    return lines


def to_markdown(outcome: Outcome, out: Path | None = None) -> str:
    """The report as markdown; with `out`, plots are written there and linked."""
    r = outcome.report
    name = slug(r)
    lines = [f"## {r.task}: {r.data}" + (f" ({r.split})" if r.split else "")
             + (f", domain `{r.domain}`" if r.domain else "") + (f", `{r.scheme}` probability" if r.scheme else ""), "",
             f"{r.n} records, {r.seconds} s. Profile `{r.model.profile}`"
             + (f" (overridden: {', '.join(r.model.overrides)})" if r.model.overrides else "")
             + f", model `{r.model.version}`: "
             + ", ".join(f"{k} `{v}`" for k, v in r.model.components.items()) + ".", "",
             "Every figure is the value on the whole set, then its bootstrap 95% interval.", ""]
    if r.threshold is not None:
        lines += [f"Threshold in force: a record is uncertain from a score of **{r.threshold}**.", ""]
    figures: list[str] = []
    if r.task == "summary":
        systems = {"StanceLens": r.metrics["summary"]} | {k: v["summary"] for k, v in r.baselines.items()}
        lines += _rouge_table(systems)
        d = r.metrics["minus_lead3"]
        lines += ["", "StanceLens minus Lead-3, per document (paired bootstrap): "
                  + ", ".join(f"{k} {v.value:+.2f} [{v.ci95[0]:+.2f}, {v.ci95[1]:+.2f}]" for k, v in d.items()), "",
                  "ROUGE-L is one longest common subsequence over the whole text; ROUGE-Lsum takes it per sentence "
                  "(newline-split) and is the figure CNN/DailyMail papers quote."]
        if out:
            figures.append(plots.rouge_by_length(outcome.words, {k: v["rouge1"] for k, v in outcome.rouge.items()},
                                                 out / f"{name}-rouge-by-length.png"))
    else:
        key = "sentence" if r.task == "hedge" else "labels"
        systems = {"StanceLens": r.metrics[key]} | {k: v[key] for k, v in r.baselines.items()}
        lines += _classification_table(systems)
        if "mentions" in r.metrics:
            found = r.metrics["mentions"]
            lines += ["", "Mentions found per target (median): " + ", ".join(
                f"{kind.removeprefix('median_')} {_e(est, 1)}" for kind, est in found.items()) + "."]
        if "cue" in r.metrics:
            lines += ["", "Cue spans:", ""] + _cue_table({"StanceLens": r.metrics["cue"]}
                                                         | {k: v["cue"] for k, v in r.baselines.items()})
        if r.by_domain:
            lines += ["", "StanceLens by domain (uncertain class):", ""] + _domain_table(r.by_domain)
        if out:
            for system, m in systems.items():
                figures.append(plots.confusion(m, f"{system}: {r.task}", out / f"{name}-confusion-{system}.png"))
            ours = systems["StanceLens"]
            if ours.calibration:
                figures.append(plots.reliability(ours.calibration, "StanceLens", out / f"{name}-reliability.png"))
            curves = {k: ([g == "uncertain" for g in v.gold], v.positive_scores)
                      for k, v in outcome.classified.items() if v.positive_scores is not None}
            if curves:
                figures.append(plots.precision_recall(curves, "uncertain sentences", out / f"{name}-pr.png"))
    lines.append("")
    lines += [f"![{f}]({f})" for f in figures]
    if r.notes:
        lines += ["", "Notes:"] + [f"- {n}" for n in r.notes]
    if r.worst:
        lines += ["", "Worst errors (most confident first):" if r.task != "summary" else "Lowest ROUGE-1:", ""]
        for w in r.worst:
            text = w.text.replace("\n", " ").replace("|", "\\|")
            lines.append(f"- `{w.id}` gold **{w.gold[:300]}**, predicted **{w.predicted[:300]}** ({w.score:.2f}): {text}")
    return "\n".join(lines) + "\n"


def publish(name: str, report: dict, markdown: str, out: str | Path | None) -> None:
    """Print a side study's markdown (`eval/*.py`) and, with `out`, write `name`.json and `name`.md there."""
    print(markdown)
    if out:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
        (folder / f"{name}.md").write_text(markdown)
