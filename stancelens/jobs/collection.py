"""Reading a job's collection: a JSON list or JSON lines of `AnalyzeRequest` objects.

A document that is not a valid request becomes an `ItemError` in its place rather than
rejecting the whole upload: one bad line in a large file should cost that line only.
Blank lines are skipped, so a JSONL item's index can differ from its line number; the
error says which line it was.
"""

from __future__ import annotations

import json

from pydantic import ValidationError

from stancelens.errors import (
    CollectionTooLargeError,
    InputError,
    MalformedBodyError,
    describe_undecodable,
    describe_validation,
)
from stancelens.schema import AnalyzeRequest, ItemError


def read_json_list(body: bytes, limit: int, keep: tuple[str, ...] = ()) -> list[AnalyzeRequest | ItemError]:
    try:
        data = json.loads(body)
    except UnicodeDecodeError as exc:
        raise MalformedBodyError(describe_undecodable(exc)) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"the body is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise MalformedBodyError("the body nests JSON too deeply to parse: send a list of flat AnalyzeRequest objects") from exc
    if not isinstance(data, list):
        raise InputError("a JSON body must be a list of documents, each an AnalyzeRequest object")
    _check_size(len(data), limit)
    return [_request(obj, f"document {i}", keep) for i, obj in enumerate(data)]


def read_jsonl(body: bytes, limit: int, keep: tuple[str, ...] = ()) -> list[AnalyzeRequest | ItemError]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedBodyError(describe_undecodable(exc)) from exc
    # Lines end at "\n" only (a "\r" before it is whitespace): `splitlines` would also cut at U+2028 and the
    # like, which a JSON string may hold raw, and so split one document in two.
    lines = [(n, line) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]
    _check_size(len(lines), limit)
    items: list[AnalyzeRequest | ItemError] = []
    for n, line in lines:
        try:
            items.append(_request(json.loads(line), f"line {n}", keep))
        except json.JSONDecodeError as exc:
            items.append(ItemError(id=f"line-{n}", error=f"line {n} is not valid JSON: {exc}", status=422))
        except RecursionError:
            items.append(ItemError(id=f"line-{n}", error=f"line {n} nests JSON too deeply to parse", status=422))
    return items


def _check_size(count: int, limit: int) -> None:
    if count == 0:
        raise InputError("the collection is empty: send at least one document")
    if count > limit:
        raise CollectionTooLargeError(
            f"{count:,} documents sent, over the limit of {limit:,}: split the collection, or raise STANCELENS_MAX_JOB_ITEMS"
        )


def _kept(obj: object, keep: tuple[str, ...]) -> object:
    """A document with the `keep_fields` moved from its top level into `meta`, as `stancelens batch
    --keep-fields` does with a record's fields; an explicit `meta` key of the same name is overridden."""
    if not keep or not isinstance(obj, dict):
        return obj
    meta = obj.get("meta", {})
    # A request's own fields (text, id, ...) stay where they are: they are in the result already.
    moved = {name: obj[name] for name in keep if name in obj and name not in AnalyzeRequest.model_fields}
    rest = {name: value for name, value in obj.items() if name not in moved}
    if moved:
        rest["meta"] = {**meta, **moved} if isinstance(meta, dict) else meta  # a bad `meta` fails validation
    return rest


def _request(obj: object, where: str, keep: tuple[str, ...] = ()) -> AnalyzeRequest | ItemError:
    obj = _kept(obj, keep)
    try:
        return AnalyzeRequest.model_validate(obj)
    except ValidationError as exc:
        given_id = obj.get("id") if isinstance(obj, dict) else None
        problems = describe_validation(exc)
        return ItemError(
            id=given_id if isinstance(given_id, str) else where.replace(" ", "-"),
            error=f"{where} is not a valid AnalyzeRequest: {problems}",
            status=422,
        )
