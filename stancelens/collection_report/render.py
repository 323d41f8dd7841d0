"""`report.md`, `report.html` and `report.json` from one `CollectionReport`.

Both documents are drawn from one list of blocks (headings, paragraphs, tables, plots), so the markdown and
the HTML always say the same. The HTML is self-contained: its style is inline and its plots are PNG data URIs.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from pathlib import Path

from .model import CollectionReport, Distribution
from .plots import plots as draw_plots
from .plots import slug

PLOTS_FOLDER = "plots"


@dataclass(frozen=True)
class Heading:
    text: str
    level: int


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]


@dataclass(frozen=True)
class Plot:
    name: str
    alt: str


Block = Heading | Para | Table | Plot


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.1f}%"


def _with_interval(d: Distribution, label: str) -> str:
    s = next(s for s in d.labels if s.label == label)
    return f"{s.count} ({_pct(s.share)}, {_pct(s.low)}–{_pct(s.high)})" if d.articles else "0"


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _distribution_row(first: str, d: Distribution, labels: tuple[str, ...]) -> tuple[str, ...]:
    return (first, str(d.articles), *(_with_interval(d, label) for label in labels), _score(d.mean_score))


def _header_blocks(report: CollectionReport) -> list[Block]:
    h = report.header
    blocks: list[Block] = [
        Heading("StanceLens collection report", 1),
        Para(f"**{h.records:,} results** from `{h.source}`; {h.skipped:,} records skipped. "
             f"{h.targets_total:,} distinct targets after merging aliases across articles. "
             f"Grouped by: {', '.join(h.groupings) or 'nothing'}. StanceLens {h.stancelens_version}."),
        Table(("model version", "results"), [(v.value, str(v.count)) for v in h.model_versions]),
        Table(("profile", "results"), [(p.value, str(p.count)) for p in h.profiles]),
    ]
    if h.skipped_reasons:
        blocks += [Para("Records skipped, and why:"),
                   Table(("status", "records", "examples"),
                         [(str(s.status), str(s.count), "; ".join(s.examples)) for s in h.skipped_reasons])]
    for d in (d for d in h.dates if d.missing or d.unreadable):
        blocks.append(Para(f"Dates in `{d.field}`: {d.missing:,} records have none and {d.unreadable:,} are no "
                           f"date{' (e.g. ' + ', '.join(d.examples) + ')' if d.examples else ''}; they count "
                           "under `(no date)`."))
    if h.without_sentence_count:
        blocks.append(Para(f"{h.without_sentence_count:,} results have no sentence count (made by an older "
                           "version): they are left out of the hedged shares."))
    return blocks


STANCE_COLUMNS = ("favor (share, 95% CI)", "against (share, 95% CI)", "neutral (share, 95% CI)")
CLAIM_COLUMNS = ("agree", "disagree", "discuss", "unrelated")


def _target_blocks(report: CollectionReport) -> list[Block]:
    labels = ("favor", "against", "neutral")
    blocks: list[Block] = [
        Heading("Targets", 2),
        Para("One row per target, merged across articles by the pipeline's alias rules. Each article counts "
             "once, with its stance label; the mean score is the mean probability of the articles' labels."),
        Table(("target", "articles", *STANCE_COLUMNS, "mean score"),
              [_distribution_row(t.target, t.stance, labels) for t in report.targets]),
        Plot("stances", "Stance distribution per target"),
    ]
    for grouping in report.header.groupings:
        blocks += [Heading(f"Targets by {grouping}", 3),
                   Plot(f"stance-by-{slug(grouping)}", f"Net stance by {grouping}")]
        for t in report.targets:
            if t.by.get(grouping):
                blocks += [Para(f"**{t.target}**"),
                           Table((grouping, "articles", *STANCE_COLUMNS, "mean score"),
                                 [_distribution_row(g.group, g, labels) for g in t.by[grouping]])]
    blocks.append(Heading("Strongest evidence", 3))
    for t in report.targets:
        if t.evidence:
            blocks += [Para(f"**{t.target}** ({', '.join(t.names)})"),
                       Table(("article", "label", "score", "sentence"),
                             [(e.article_id, e.label, f"{e.score:.3f}", e.text) for e in t.evidence])]
    return blocks


def _hedging_blocks(report: CollectionReport) -> list[Block]:
    hedging = report.hedging
    o = hedging.overall
    blocks: list[Block] = [
        Heading("Hedging", 2),
        Para(f"{o.hedged:,} of {o.sentences:,} sentences hedged ({_pct(o.share)}); per article, "
             f"{_pct(o.mean_article_share)} on average."),
    ]
    columns = ("articles", "sentences", "hedged", "share", "mean share per article")
    for grouping, groups in hedging.by.items():
        blocks += [Heading(f"Hedging by {grouping}", 3), Plot(f"hedging-by-{slug(grouping)}",
                                                             f"Share of sentences hedged by {grouping}"),
                   Table((grouping, *columns), [(g.group, str(g.articles), str(g.sentences), str(g.hedged),
                                                 _pct(g.share), _pct(g.mean_article_share)) for g in groups])]
    blocks += [
        Heading("Cue types", 3),
        Table(("type", "cues"), [(c.value, str(c.count)) for c in hedging.cue_types]),
        Heading("Sources hedged behind", 3),
        Table(("attributed source", "hedged sentences"), [(c.value, str(c.count)) for c in hedging.sources]),
        Heading("Most hedged claims", 3),
        Table(("article", "score", "sentence", "cues", "source"),
              [(s.article_id, f"{s.score:.3f}", s.text, ", ".join(s.cues), s.source or "") for s in
               hedging.top_sentences]),
        Heading("Most hedged articles", 3),
        Table(("article", "sentences", "hedged", "share"),
              [(a.article_id, str(a.sentences), str(a.hedged), _pct(a.share)) for a in hedging.most_hedged_articles]),
    ]
    return blocks


def _claim_blocks(report: CollectionReport) -> list[Block]:
    if not report.claims:
        return [Heading("Claims", 2), Para("No claims were given to the batch.")]
    blocks: list[Block] = [
        Heading("Claims", 2),
        Table(("claim", "articles", *CLAIM_COLUMNS, "mean score"),
              [_distribution_row(c.claim, c.stance, CLAIM_COLUMNS) for c in report.claims]),
    ]
    for c in report.claims:
        blocks += [Para(f"**{c.claim}**"),
                   Table(("article", "label", "score", "best evidence"),
                         [(a.article_id, a.label, f"{a.score:.3f}", a.evidence or "") for a in c.articles])]
    return blocks


def blocks(report: CollectionReport) -> list[Block]:
    return [*_header_blocks(report), *_target_blocks(report), *_hedging_blocks(report), *_claim_blocks(report)]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: CollectionReport, plot_names: set[str] | None = None) -> str:
    """The report as markdown; plots (those in `plot_names`) are links to `plots/NAME.png`."""
    lines: list[str] = []
    for block in blocks(report):
        if isinstance(block, Heading):
            lines += [f"{'#' * block.level} {block.text}", ""]
        elif isinstance(block, Para):
            lines += [block.text, ""]
        elif isinstance(block, Table):
            if block.rows:
                lines += ["| " + " | ".join(block.columns) + " |", "|" + "---|" * len(block.columns)]
                lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
                lines.append("")
        elif plot_names is not None and block.name in plot_names:
            lines += [f"![{block.alt}]({PLOTS_FOLDER}/{block.name}.png)", ""]
    return "\n".join(lines)


STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; color: #1f2328; max-width: 1100px; margin: 2rem auto; padding: 0 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } img.plot { max-width: 100%; display: block; margin: 0.5rem 0 1rem; }
code { background: #f6f8fa; padding: 0 3px; }
"""


def _inline(text: str) -> str:
    """The markdown emphasis the blocks use (**bold**, `code`), as HTML, everything else escaped."""
    escaped = html.escape(text)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", escaped)


def to_html(report: CollectionReport, images: dict[str, bytes]) -> str:
    """The report as one HTML file: inline style, plots as PNG data URIs, nothing fetched from anywhere."""
    body: list[str] = []
    for block in blocks(report):
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{_inline(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            body.append(f"<p>{_inline(block.text)}</p>")
        elif isinstance(block, Table):
            if block.rows:
                head = "".join(f"<th>{html.escape(c)}</th>" for c in block.columns)
                rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                               for row in block.rows)
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif block.name in images:
            data = base64.b64encode(images[block.name]).decode("ascii")
            body.append(f'<img class="plot" data-plot="{block.name}" alt="{html.escape(block.alt)}" '
                        f'src="data:image/png;base64,{data}">')
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>StanceLens collection report</title><style>{STYLE}</style></head>"
            f"<body><main class=\"collection-report\">{''.join(body)}</main></body></html>\n")


def write_report(report: CollectionReport, out: Path) -> dict[str, Path]:
    """`report.md` (with `plots/*.png`), `report.html` and `report.json` in `out`; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    images = draw_plots(report)
    (out / PLOTS_FOLDER).mkdir(exist_ok=True)
    for name, png in images.items():
        (out / PLOTS_FOLDER / f"{name}.png").write_bytes(png)
    paths = {"md": out / "report.md", "html": out / "report.html", "json": out / "report.json"}
    paths["md"].write_text(to_markdown(report, set(images)), encoding="utf-8")
    paths["html"].write_text(to_html(report, images), encoding="utf-8")
    paths["json"].write_text(report.model_dump_json(indent=2), encoding="utf-8")
    return paths
