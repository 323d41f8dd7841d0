"""The collection's numbers, counted by DuckDB over the flat tables `records` fills.

The tables live in a DuckDB file in a temporary folder, with a memory limit, so a collection larger than
memory spills to disk rather than growing the process. Python only assembles the query answers into the
report's models; every count, mean, top list and grouping is a query.
"""

from __future__ import annotations

import itertools
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa

from .. import __version__
from ..schema import AnalysisResult, ClaimLabel, ItemError, StanceLabel
from .dates import Grouping, date_fields
from .merge import merge_targets
from .model import (
    ArticleShare,
    ClaimArticle,
    ClaimReport,
    CollectionReport,
    Count,
    Distribution,
    EvidenceItem,
    GroupDistribution,
    HedgedSentence,
    HedgeGroup,
    HedgingReport,
    LabelShare,
    ReportHeader,
    Skipped,
    TargetReport,
)
from .records import SCHEMAS, chunks, claim_key

MEMORY_LIMIT = "256MB"
TOP_TARGETS = 20
EVIDENCE_SHOWN = 5
CLAIM_ARTICLES_PER_LABEL = 10
CLAIMS_SHOWN = 50
TOP_LIST = 10
SKIPPED_EXAMPLES = 3
MIN_SENTENCES = 3  # for the most hedged articles: a share of one sentence says little
# Means are rounded: DuckDB sums in parallel, in no fixed order, so their last bits would vary from run to run.
DIGITS = 9
NO_VALUE = "(none)"
NO_DATE = "(no date)"
STANCE_LABELS = tuple(label.value for label in StanceLabel)
CLAIM_LABELS = tuple(label.value for label in ClaimLabel)


def wilson(count: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of the share count / n (scipy's)."""
    from scipy.stats import binomtest

    interval = binomtest(count, n).proportion_ci(confidence_level=0.95, method="wilson")
    return max(0.0, float(interval.low)), min(1.0, float(interval.high))


def distribution(counts: dict[str, tuple[int, float]], labels: tuple[str, ...]) -> Distribution:
    """From each label's (articles, sum of scores) to counts, shares with intervals and the mean score."""
    n = sum(c for c, _ in counts.values())
    shares = []
    for label in labels:
        c = counts.get(label, (0, 0.0))[0]
        low, high = wilson(c, n) if n else (0.0, 0.0)
        shares.append(LabelShare(label=label, count=c, share=c / n if n else 0.0, low=low, high=high))
    mean = round(sum(s for _, s in counts.values()) / n, DIGITS) if n else None
    return Distribution(articles=n, labels=shares, mean_score=mean)


class _Tables:
    """The DuckDB database of one report."""

    def __init__(self, folder: Path, groupings: list[Grouping]):
        import duckdb

        self.db = duckdb.connect(str(folder / "report.duckdb"))
        self.db.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        self.db.execute(f"SET temp_directory = '{folder / 'spill'}'")
        self.db.execute("SET preserve_insertion_order = false")
        self.groupings = groupings
        self.schemas = dict(SCHEMAS)
        extra = [(f"g{i}", pa.timestamp("us") if g.grain else pa.string()) for i, g in enumerate(groupings)]
        self.schemas["articles"] = pa.schema(list(SCHEMAS["articles"]) + extra)
        for name, schema in self.schemas.items():
            self.create(name, schema.empty_table())

    def _with(self, table: pa.Table, sql: str) -> None:
        """Run `sql`, which reads `arrow`: the given Arrow table, without copying it."""
        self.db.register("arrow", table)
        try:
            self.db.execute(sql)
        finally:
            self.db.unregister("arrow")

    def create(self, name: str, table: pa.Table) -> None:
        self._with(table, f"CREATE TABLE {name} AS SELECT * FROM arrow")

    def insert(self, name: str, rows: list[dict]) -> None:
        self._with(pa.Table.from_pylist(rows, schema=self.schemas[name]), f"INSERT INTO {name} SELECT * FROM arrow")

    def rows(self, sql: str, *params: object) -> list[tuple]:
        return self.db.execute(sql, list(params)).fetchall()

    def group_expr(self, i: int) -> str:
        """A grouping's value as text: a date truncated to its period's first day, or the field as given."""
        grouping = self.groupings[i]
        if grouping.grain:
            return f"coalesce(strftime(date_trunc('{grouping.grain}', a.g{i}), '%Y-%m-%d'), '{NO_DATE}')"
        return f"coalesce(a.g{i}, '{NO_VALUE}')"


def _distributions(rows: Iterable[tuple], labels: tuple[str, ...]) -> dict[tuple, Distribution]:
    """Rows of (key..., label, articles, sum of scores) to a distribution per key."""
    counts: dict[tuple, dict[str, tuple[int, float]]] = defaultdict(dict)
    for *key, label, n, total in rows:
        counts[tuple(key)][label] = (n, total)
    return {key: distribution(c, labels) for key, c in counts.items()}


def _header(t: _Tables, source: str, dates: dict, targets_total: int) -> ReportHeader:
    skipped = t.rows("SELECT status, count(*) FROM skipped GROUP BY status ORDER BY 2 DESC, 1")
    examples = defaultdict(list)
    for status, line in t.rows(
        "SELECT status, id || ': ' || error FROM skipped "
        "QUALIFY row_number() OVER (PARTITION BY status ORDER BY id) <= ?", SKIPPED_EXAMPLES):
        examples[status].append(line)
    (records, without), = t.rows("SELECT count(*), count(*) FILTER (WHERE sentences IS NULL) FROM articles")

    def counted(column: str) -> list[Count]:
        return [Count(value=v, count=n) for v, n in
                t.rows(f"SELECT {column}, count(*) FROM articles GROUP BY 1 ORDER BY 2 DESC, 1")]

    return ReportHeader(
        source=source, records=records, skipped=sum(n for _, n in skipped),
        skipped_reasons=[Skipped(status=s, count=n, examples=examples[s]) for s, n in skipped],
        model_versions=counted("version"), profiles=counted("profile"),
        groupings=[g.label for g in t.groupings], dates=[d.problems() for d in dates.values()],
        without_sentence_count=without, targets_total=targets_total, stancelens_version=__version__,
    )


def _targets(t: _Tables, requested: list[str], top: int) -> tuple[list[TargetReport], int]:
    used = t.rows(
        "SELECT s.target, coalesce(a.aliases, []), s.n FROM "
        "(SELECT target, count(DISTINCT article) n FROM stances GROUP BY target) s LEFT JOIN "
        "(SELECT target, list(DISTINCT alias ORDER BY alias) aliases FROM "
        " (SELECT target, unnest(aliases) alias FROM stances) GROUP BY target) a USING (target) "
        "ORDER BY s.n DESC, s.target")
    groups, of = merge_targets(used, requested)
    t.create("target_group", pa.table({"target": pa.array(list(of), pa.string()),
                                       "grp": pa.array(list(of.values()), pa.int64())}))
    # One stance per article and target: where two of an article's targets merged, the more mentioned one.
    t.db.execute(
        "CREATE TABLE target_articles AS SELECT m.grp, s.article, s.label, s.score FROM stances s "
        "JOIN target_group m USING (target) "
        "QUALIFY row_number() OVER (PARTITION BY m.grp, s.article ORDER BY s.mentions DESC, s.score DESC) = 1")
    wanted = [i for i, g in enumerate(groups) if g.requested]
    wanted += [g for g, in t.rows(
        "SELECT grp FROM target_articles WHERE grp >= ? GROUP BY grp ORDER BY count(*) DESC, grp LIMIT ?",
        len(wanted), top)]
    t.create("chosen", pa.table({"grp": pa.array(wanted, pa.int64())}))
    overall = _distributions(t.rows(
        "SELECT grp, label, count(*), sum(score) FROM target_articles JOIN chosen USING (grp) GROUP BY ALL"),
        STANCE_LABELS)
    by: dict[int, dict[str, list[GroupDistribution]]] = defaultdict(dict)
    for i, grouping in enumerate(t.groupings):
        per = _distributions(t.rows(
            f"SELECT ta.grp, {t.group_expr(i)} g, ta.label, count(*), sum(ta.score) FROM target_articles ta "
            "JOIN chosen USING (grp) JOIN articles a USING (article) GROUP BY ALL ORDER BY 1, 2"), STANCE_LABELS)
        for (grp, value), d in sorted(per.items()):
            by[grp].setdefault(grouping.label, []).append(GroupDistribution(group=value, **d.model_dump()))
    evidence = defaultdict(list)
    for grp, id, text, label, score in t.rows(
        "SELECT m.grp, a.id, e.text, e.label, e.score FROM evidence e JOIN target_group m USING (target) "
        "JOIN chosen USING (grp) JOIN articles a USING (article) "
        "QUALIFY row_number() OVER (PARTITION BY m.grp ORDER BY e.score DESC, e.article, e.text) <= ? "
        "ORDER BY m.grp, e.score DESC, e.article, e.text", EVIDENCE_SHOWN):
        evidence[grp].append(EvidenceItem(article_id=id, text=text, label=label, score=score))
    empty = distribution({}, STANCE_LABELS)
    reports = [TargetReport(target=groups[g].name, names=groups[g].members, requested=groups[g].requested,
                            stance=overall.get((g,), empty), evidence=evidence[g], by=by[g]) for g in wanted]
    return reports, sum(1 for g in groups if g.members)


def _hedge_groups(rows: Iterable[tuple]) -> list[HedgeGroup]:
    return [HedgeGroup(group=g, articles=n, sentences=s or 0, hedged=h or 0, share=(h or 0) / s if s else None,
                       mean_article_share=None if mean is None else round(mean, DIGITS)) for g, n, s, h, mean in rows]


HEDGE_COLUMNS = ("count(*), sum(sentences), sum(hedged) FILTER (WHERE sentences IS NOT NULL), "
                 "avg(hedged / sentences) FILTER (WHERE sentences > 0)")


def _hedging(t: _Tables) -> HedgingReport:
    (overall,) = _hedge_groups(t.rows(f"SELECT 'all', {HEDGE_COLUMNS} FROM articles"))
    by = {g.label: _hedge_groups(t.rows(f"SELECT {t.group_expr(i)} g, {HEDGE_COLUMNS} FROM articles a "
                                        "GROUP BY g ORDER BY g"))
          for i, g in enumerate(t.groupings)}
    most = [ArticleShare(article_id=id, sentences=s, hedged=h, share=share) for id, s, h, share in t.rows(
        "SELECT id, sentences, hedged, hedged / sentences share FROM articles WHERE sentences >= ? "
        "ORDER BY share DESC, article LIMIT ?", MIN_SENTENCES, TOP_LIST)]
    cue_types = [Count(value=v, count=n) for v, n in
                 t.rows("SELECT type, count(*) FROM cues GROUP BY type ORDER BY 2 DESC, 1")]
    sources = [Count(value=v, count=n) for v, n in t.rows(
        "SELECT mode(source), count(*) FROM hedges WHERE source_key IS NOT NULL GROUP BY source_key "
        "ORDER BY 2 DESC, 1 LIMIT ?", TOP_LIST)]
    top = [HedgedSentence(article_id=id, text=text, score=score, cues=cues, source=source)
           for id, text, score, cues, source in t.rows(
               "SELECT a.id, h.text, h.score, h.cues, h.source FROM hedges h JOIN articles a USING (article) "
               "ORDER BY h.score DESC, h.article, h.hedge LIMIT ?", TOP_LIST)]
    return HedgingReport(overall=overall, most_hedged_articles=most, by=by, cue_types=cue_types, sources=sources,
                         top_sentences=top)


def _claims(t: _Tables, requested: list[str]) -> list[ClaimReport]:
    wanted = [claim_key(c) for c in requested] or [c for c, in t.rows(
        "SELECT claim FROM claims GROUP BY claim ORDER BY count(*) DESC, claim LIMIT ?", CLAIMS_SHOWN)]
    wanted = list(dict.fromkeys(wanted))
    t.create("chosen_claims", pa.table({"claim": pa.array(wanted, pa.string())}))
    stance = _distributions(t.rows("SELECT claim, label, count(*), sum(score) FROM claims "
                                   "JOIN chosen_claims USING (claim) GROUP BY ALL"), CLAIM_LABELS)
    articles = defaultdict(list)
    order = ", ".join(f"'{label}'" for label in CLAIM_LABELS)
    for claim, id, label, score, evidence, relevance in t.rows(
        "SELECT c.claim, a.id, c.label, c.score, c.evidence, c.relevance FROM claims c "
        "JOIN chosen_claims USING (claim) JOIN articles a USING (article) "
        "QUALIFY row_number() OVER (PARTITION BY c.claim, c.label ORDER BY c.score DESC, c.article) <= ? "
        f"ORDER BY c.claim, list_position([{order}], c.label), c.score DESC, c.article", CLAIM_ARTICLES_PER_LABEL):
        articles[claim].append(ClaimArticle(article_id=id, label=label, score=score, evidence=evidence,
                                            relevance=relevance))
    empty = distribution({}, CLAIM_LABELS)
    return [ClaimReport(claim=c, stance=stance.get((c,), empty), articles=articles[c]) for c in wanted]


# Without --by: these groupings, for the fields the first result carries.
AUTO_GROUPINGS = (("source", "source"), ("date", "date:week"))


def _auto_groupings(records: Iterator[AnalysisResult | ItemError]) -> tuple[list[str], Iterator]:
    """`source` and `date:week` when the first result has those fields; the records, none lost."""
    seen: list[AnalysisResult | ItemError] = []
    for record in records:
        seen.append(record)
        if isinstance(record, AnalysisResult):
            by = [grouping for name, grouping in AUTO_GROUPINGS if record.meta.get(name) not in (None, "")]
            return by, itertools.chain(seen, records)
    return [], iter(seen)


def build_report(records: Iterable[AnalysisResult | ItemError], source: str, *, by: list[str] | None = None,
                 targets: list[str] = (), claims: list[str] = (), top: int = TOP_TARGETS) -> CollectionReport:
    """The report of a collection's records (results, and item errors for the records skipped). Without
    `by`, it groups by `source` and `date:week` when the first result carries those fields."""
    if not by:
        by, records = _auto_groupings(iter(records))
    groupings = [Grouping.parse(spec) for spec in by]
    dates = date_fields(groupings)
    with tempfile.TemporaryDirectory(prefix="stancelens-report-") as folder:
        t = _Tables(Path(folder), groupings)
        try:
            for chunk in chunks(records, groupings, dates):
                for name, rows in chunk.tables.items():
                    if rows:
                        t.insert(name, rows)
            target_reports, total = _targets(t, list(targets), top)
            return CollectionReport(header=_header(t, source, dates, total), targets=target_reports,
                                    hedging=_hedging(t), claims=_claims(t, list(claims)))
        finally:
            t.db.close()
