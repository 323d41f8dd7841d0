"""Reading a collection of articles: rows from JSONL, CSV, Parquet or a saved `datasets` folder,
turned into analysis requests, or into the reason a row cannot be one.

JSONL is read line by line rather than through `datasets`: its JSON reader fails the whole file
on one non-UTF-8 or malformed line, and a batch run must lose only that line. The other formats
are typed columns, so a bad value fails only its row (below), and go through `load_records`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ..errors import InputError, describe_validation
from ..pipeline import text_id
from ..schema import AnalyzeRequest

INPUT_SUFFIXES = (".jsonl", ".csv", ".parquet")
# A DatasetDict folder is read at this split; a plain saved Dataset has no splits.
SAVED_SPLIT = "train"
# Duplicates named in the error; the count covers the rest.
DUPLICATES_SHOWN = 10


@dataclass(frozen=True)
class Fields:
    """Which fields of a record hold what; list fields are optional."""

    text: str = "text"
    id: str = "id"
    targets: str | None = None
    claims: str | None = None
    keep: tuple[str, ...] = ()  # copied into each result's `meta` (--keep-fields), to group results by


@dataclass(frozen=True)
class Item:
    """One input record: a request to analyse, or why it cannot be one (`problem`)."""

    row: int
    id: str
    request: AnalyzeRequest | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Row:
    """A record as read, or, for a line that is not one, the line (to hash an id from) and why."""

    number: int
    record: dict | None
    line: str = ""
    problem: str = ""


def _jsonl_rows(path: Path) -> Iterator[Row]:
    """One `Row` per non-blank line; its number is the 1-based line number."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                line = raw.decode("utf-8", "replace")
                yield Row(number, None, line, f"line {number} is not valid UTF-8 (byte {exc.start})")
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Row(number, None, line, f"line {number} is not valid JSON: {exc.msg} (column {exc.colno})")
                continue
            except RecursionError:
                yield Row(number, None, line, f"line {number} nests JSON too deeply to parse: a record is a flat object")
                continue
            if not isinstance(record, dict):
                yield Row(number, None, line, f"line {number} is a JSON {type(record).__name__}, not an object")
                continue
            yield Row(number, record)


def _table_rows(path: Path) -> Iterator[Row]:
    from ..evaluation.data import load_records

    for number, record in enumerate(load_records(str(path), SAVED_SPLIT), 1):
        yield Row(number, record)


def check_input(path: Path) -> None:
    from ..evaluation.data import is_saved_dataset

    if not path.exists():
        raise InputError(f"{path} does not exist")
    if path.is_dir() and not is_saved_dataset(path):
        raise InputError(f"{path} is a folder but not one written by Dataset.save_to_disk")
    if path.is_file() and path.suffix.lower() not in INPUT_SUFFIXES:
        raise InputError(f"{path}: unknown input type {path.suffix!r}; use {', '.join(INPUT_SUFFIXES)} "
                         "or a Dataset.save_to_disk folder")


def _list_field(record: dict, name: str | None) -> list[str]:
    """A list field; CSV cells hold it as a JSON array (`["EU", "NATO"]`)."""
    value = record.get(name) if name else None
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            raise InputError(f"field {name!r} is text but not a JSON array: write it as [\"a\", \"b\"]") from None
    if not isinstance(value, list):
        raise InputError(f"field {name!r} must be a list of strings, not {type(value).__name__}")
    return value


def _meta_value(value: object) -> object:
    """A kept field as a JSON scalar: dates and timestamps (Parquet, datasets) as ISO text, lists as JSON."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return json.dumps(value, default=str)


def kept_fields(record: dict, names: tuple[str, ...]) -> dict[str, object]:
    """The fields `--keep-fields` names that the record has; a missing one is left out."""
    return {name: _meta_value(record[name]) for name in names if name in record}


def _unicode_problem(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"text is not valid Unicode: lone surrogate at character {exc.start} (bad encoding upstream)"
    return None


def to_item(source: Row, fields: Fields) -> Item:
    """The request for one record, with its id: the id field, else a hash of the text (or of the line)."""
    row, record = source.number, source.record
    if record is None:
        return Item(row, text_id(source.line), problem=source.problem)
    text = record.get(fields.text)
    given = record.get(fields.id)
    if given is not None and given != "":
        id = str(given)
    elif isinstance(text, str):
        id = text_id(text)
    else:
        id = text_id(json.dumps(record, sort_keys=True, default=str))
    if text is None:
        return Item(row, id, problem=f"no value in text field {fields.text!r}")
    if not isinstance(text, str):
        return Item(row, id, problem=f"text field {fields.text!r} holds a {type(text).__name__}, not text")
    problem = _unicode_problem(text)
    if problem:
        return Item(row, id, problem=problem)
    try:
        request = AnalyzeRequest(text=text, id=id, targets=_list_field(record, fields.targets),
                                 claims=_list_field(record, fields.claims), meta=kept_fields(record, fields.keep))
    except InputError as exc:
        return Item(row, id, problem=str(exc))
    except ValidationError as exc:
        return Item(row, id, problem=describe_validation(exc, whole="record"))
    return Item(row, id, request=request)


def read_items(path: Path, fields: Fields) -> Iterator[Item]:
    """Every record of the input, in order, as an `Item`."""
    rows = _jsonl_rows(path) if path.suffix.lower() == ".jsonl" else _table_rows(path)
    for row in rows:
        yield to_item(row, fields)


def check_unique(ids: list[str]) -> None:
    """Each input id must appear once: the output holds every id exactly once, so a duplicate is ambiguous."""
    counts = Counter(ids)
    duplicates = [id for id, n in counts.items() if n > 1]
    if duplicates:
        shown = ", ".join(f"{id!r} ({counts[id]}x)" for id in duplicates[:DUPLICATES_SHOWN])
        more = f" and {len(duplicates) - DUPLICATES_SHOWN} more" if len(duplicates) > DUPLICATES_SHOWN else ""
        raise InputError(
            f"{len(duplicates)} ids occur more than once: {shown}{more}. Every id must be unique, because each "
            "appears exactly once in the output: fix the ids, or drop duplicate texts (records without an id "
            "get a hash of their text)"
        )
