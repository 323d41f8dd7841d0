"""A readable markdown report of an `AnalysisResult`, for people rather than programs."""

from __future__ import annotations

from .schema import AnalysisResult, Section


def _section_lines(section: Section, depth: int) -> list[str]:
    title = section.heading.text if section.heading else "(lead)"
    lines = [f"{'#' * min(depth, 6)} {title}", ""]
    if section.summary.text:
        lines += [f"> {section.summary.text}", ""]
    for sub in section.subsections:
        lines += _section_lines(sub, depth + 1)
    return lines


def to_markdown(result: AnalysisResult) -> str:
    lines = [f"# StanceLens report: `{result.id}`", "", f"Model {result.model.version}.", ""]
    lines += ["## Summary", "", result.summary.text or "(no sentences)", ""]

    lines += ["## Sections", ""]
    for section in result.sections:
        lines += _section_lines(section, 3)

    lines += ["## Hedged claims", ""]
    if not result.hedged_claims:
        lines += ["None found.", ""]
    for claim in sorted(result.hedged_claims, key=lambda c: -c.score):
        cues = ", ".join(f"*{c.text}* ({c.type.value})" for c in claim.cues)
        source = f"; source: **{claim.source.text}**" if claim.source else ""
        lines.append(f"- [{claim.score:.2f}] {claim.sentence.text}  \n  cues: {cues}{source}")
    lines.append("")

    lines += ["## Stances toward targets", ""]
    if result.stances:
        lines += ["| target | label | score | mentions | aliases |", "|---|---|---|---|---|"]
        for s in result.stances:
            lines.append(f"| {s.target} | {s.label.value} | {s.score:.2f} | {len(s.mentions)} | {', '.join(s.aliases)} |")
        lines.append("")
        for s in result.stances:
            if s.evidence:
                lines += [f"**{s.target}**", ""]
                lines += [f"- {e.label.value} {e.score:.2f}: {e.text}" for e in s.evidence]
                lines.append("")
    else:
        lines += ["No targets.", ""]

    if result.claims:
        lines += ["## Stances toward claims", ""]
        for c in result.claims:
            lines += [f"- **{c.claim}**: {c.label.value} ({c.score:.2f})"]
            lines += [f"  - [{e.relevance:.2f}] {e.text}" for e in c.evidence]
        lines.append("")

    lines += ["## Timings (ms)", "", ", ".join(f"{k} {v:.0f}" for k, v in result.timings_ms.items()), ""]
    return "\n".join(lines)
