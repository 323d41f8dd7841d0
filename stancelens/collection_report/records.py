"""Reading a collection's results: batch output (JSONL or Parquet, with its errors file) or a job's outcome
lines, checked record by record and streamed into DuckDB tables a chunk at a time, so memory stays bounded
however large the file.

Every record must be a StanceLens `AnalysisResult` (a job's lines: an `ItemOutcome`); the first one that is
not stops the report with an error naming the file and the line. A bad date costs its record's date only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
from pydantic import ValidationError

from ..errors import InputError, describe_validation
from ..jobs.schema import ItemOutcome
from ..schema import AnalysisResult, ItemError
from ..targets.names import key
from .dates import DateField, Grouping

CHUNK = 1_000  # records per insert: what is held in Python at a time
EVIDENCE_PER_STANCE = 3  # the strongest of each article's evidence per target: enough for any top list
DATE_EXAMPLES = 5

RESULT_SUFFIXES = (".jsonl", ".parquet")

ARTICLES = pa.schema([("article", pa.int64()), ("id", pa.string()), ("version", pa.string()),
                      ("profile", pa.string()), ("sentences", pa.int64()), ("hedged", pa.int64())])
STANCES = pa.schema([("article", pa.int64()), ("target", pa.string()), ("aliases", pa.list_(pa.string())),
                     ("label", pa.string()), ("score", pa.float64()), ("mentions", pa.int64())])
EVIDENCE = pa.schema([("article", pa.int64()), ("target", pa.string()), ("text", pa.string()),
                      ("label", pa.string()), ("score", pa.float64())])
HEDGES = pa.schema([("article", pa.int64()), ("hedge", pa.int64()), ("text", pa.string()), ("score", pa.float64()),
                    ("source", pa.string()), ("source_key", pa.string()), ("cues", pa.list_(pa.string()))])
CUES = pa.schema([("article", pa.int64()), ("hedge", pa.int64()), ("type", pa.string())])
CLAIMS = pa.schema([("article", pa.int64()), ("claim", pa.string()), ("label", pa.string()), ("score", pa.float64()),
                    ("evidence", pa.string()), ("relevance", pa.float64())])
SKIPPED = pa.schema([("id", pa.string()), ("error", pa.string()), ("status", pa.int64())])


class ReportInputError(InputError):
    """The input is not a StanceLens result file, or is cut short: the message names the file and line."""


@dataclass
class Chunk:
    """The flat rows of up to CHUNK records, one list of dicts per table."""

    tables: dict[str, list[dict]] = field(default_factory=lambda: {name: [] for name in SCHEMAS})

    def __len__(self) -> int:
        return len(self.tables["articles"]) + len(self.tables["skipped"])


SCHEMAS = {"articles": ARTICLES, "stances": STANCES, "evidence": EVIDENCE, "hedges": HEDGES, "cues": CUES,
           "claims": CLAIMS, "skipped": SKIPPED}


def claim_key(claim: str) -> str:
    """Claims match across articles whatever their spacing."""
    return " ".join(claim.split())


def _flatten(n: int, result: AnalysisResult, groupings: list[Grouping], dates: dict[str, DateField],
             chunk: Chunk) -> None:
    t = chunk.tables
    article = {"article": n, "id": result.id, "version": result.model.version,
               "profile": result.model.profile,
               "sentences": result.sentence_count, "hedged": len(result.hedged_claims)}
    for i, grouping in enumerate(groupings):
        value = result.meta.get(grouping.field)
        article[f"g{i}"] = dates[grouping.field].read(value) if grouping.grain else (
            None if value is None or value == "" else str(value))
    t["articles"].append(article)
    for s in result.stances:
        t["stances"].append({"article": n, "target": s.target, "aliases": s.aliases, "label": s.label.value,
                             "score": s.score, "mentions": len(s.mentions)})
        t["evidence"] += [{"article": n, "target": s.target, "text": e.text, "label": e.label.value, "score": e.score}
                          for e in s.evidence[:EVIDENCE_PER_STANCE]]
    for h, claim in enumerate(result.hedged_claims):
        source = claim.source.text if claim.source else None
        t["hedges"].append({"article": n, "hedge": h, "text": claim.sentence.text, "score": claim.score,
                            "source": source, "source_key": key(source) if source else None,
                            "cues": [f"{c.text} ({c.type.value})" for c in claim.cues]})
        t["cues"] += [{"article": n, "hedge": h, "type": c.type.value} for c in claim.cues]
    for c in result.claims:
        best = c.evidence[0] if c.evidence else None
        t["claims"].append({"article": n, "claim": claim_key(c.claim), "label": c.label.value, "score": c.score,
                            "evidence": best.text if best else None, "relevance": best.relevance if best else None})


def _problem(where: str, exc: ValidationError) -> ReportInputError:
    return ReportInputError(f"{where} is not a StanceLens result (an AnalysisResult, or a job's ItemOutcome): "
                            f"{describe_validation(exc, whole='record')}")


def _parse_line(line: bytes, where: str, last: bool) -> AnalysisResult | ItemError:
    """One JSONL line: a batch's AnalysisResult or a job's ItemOutcome."""
    try:
        data = json.loads(line)
    except UnicodeDecodeError as exc:
        raise ReportInputError(f"{where} is not UTF-8 (byte {exc.start}): not a StanceLens result file") from None
    except json.JSONDecodeError as exc:
        if last and not line.endswith(b"\n"):
            raise ReportInputError(f"{where} is cut short (the file ends inside a record: {exc.msg}): the file "
                                   "is torn; was it still being written? Rerun or finish the batch, or drop the "
                                   "last line") from None
        raise ReportInputError(f"{where} is not valid JSON ({exc.msg}, column {exc.colno}): not a StanceLens "
                               "result file") from None
    if not isinstance(data, dict):
        raise ReportInputError(f"{where} is a JSON {type(data).__name__}, not a result object")
    try:
        if "ok" in data and "index" in data:  # a job's outcome line
            outcome = ItemOutcome.model_validate(data)
            value = outcome.result if outcome.ok else outcome.error
            if value is None:
                raise ReportInputError(f"{where}: an outcome with neither result nor error")
            return value
        return AnalysisResult.model_validate(data)
    except ValidationError as exc:
        raise _problem(where, exc) from None


def _jsonl_lines(path: Path) -> Iterator[tuple[bytes, str, bool]]:
    with path.open("rb") as f:
        previous: tuple[int, bytes] | None = None
        for number, line in enumerate(f, 1):
            if previous is not None and previous[1].strip():
                yield previous[1], f"{path} line {previous[0]}", False
            previous = (number, line)
        if previous is not None and previous[1].strip():
            yield previous[1], f"{path} line {previous[0]}", True


def _parquet_results(path: Path) -> Iterator[AnalysisResult]:
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ReportInputError(f"{path} is not a readable Parquet file ({exc}): is it torn, or not our "
                               "output?") from None
    if "result" not in table.schema_arrow.names:
        raise ReportInputError(f"{path} has no `result` column: not the output of `stancelens batch` "
                               f"(columns: {', '.join(table.schema_arrow.names)})")
    row = 0
    for batch in table.iter_batches(batch_size=CHUNK, columns=["result"]):
        for text in batch.column(0).to_pylist():
            row += 1
            try:
                yield AnalysisResult.model_validate_json(text or "")
            except ValidationError as exc:
                raise _problem(f"{path} row {row}", exc) from None


def _error_records(path: Path) -> Iterator[ItemError]:
    """The batch's errors file (OUTPUT.errors.jsonl), when there is one: the records skipped and why."""
    for line, where, _ in _jsonl_lines(path):
        try:
            yield ItemError.model_validate_json(line)
        except ValidationError as exc:
            raise ReportInputError(f"{where} is not an error record of `stancelens batch`: "
                                   f"{describe_validation(exc, whole='record')}") from None


def file_records(path: Path) -> Iterator[AnalysisResult | ItemError]:
    """Every record of a batch's output, then the records of its errors file."""
    from ..batch.sink import errors_path, parts_path

    if not path.is_file():
        raise ReportInputError(f"{path} does not exist" if not path.exists() else f"{path} is not a file")
    if path.suffix.lower() not in RESULT_SUFFIXES:
        raise ReportInputError(f"{path}: unknown result type {path.suffix!r}; give the .jsonl or .parquet "
                               "output of `stancelens batch`, or a job's results (JSON lines)")
    if parts_path(path).exists():
        raise ReportInputError(f"{path}: the batch that writes it is unfinished ({parts_path(path)} exists): "
                               "finish it by running the same batch command again")
    if path.suffix.lower() == ".parquet":
        yield from _parquet_results(path)
    else:
        for line, where, last in _jsonl_lines(path):
            yield _parse_line(line, where, last)
    errors = errors_path(path)
    if errors.exists():
        yield from _error_records(errors)


def line_records(lines: Iterable[str | bytes], name: str) -> Iterator[AnalysisResult | ItemError]:
    """Records from JSON lines held elsewhere (a job's outcomes): `name` stands for the file in messages."""
    for number, line in enumerate(lines, 1):
        raw = line.encode("utf-8") if isinstance(line, str) else line
        if raw.strip():
            yield _parse_line(raw if raw.endswith(b"\n") else raw + b"\n", f"{name} line {number}", False)


def chunks(records: Iterable[AnalysisResult | ItemError], groupings: list[Grouping],
           dates: dict[str, DateField]) -> Iterator[Chunk]:
    """The records as flat rows, CHUNK records at a time; articles are numbered from 0 in input order."""
    chunk, n = Chunk(), 0
    for record in records:
        if isinstance(record, ItemError):
            chunk.tables["skipped"].append({"id": record.id, "error": record.error, "status": record.status})
        else:
            _flatten(n, record, groupings, dates, chunk)
            n += 1
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = Chunk()
    if len(chunk):
        yield chunk
