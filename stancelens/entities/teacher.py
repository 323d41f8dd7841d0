"""Entity labels for the entity head, from spaCy's own NER: the teacher.

`../shared/data` has no NER annotation, but it has over a million words of news and encyclopaedic
text. spaCy labels it once; the labels are cached as JSONL (one sentence a line, offsets into the
sentence) keyed by the spaCy model's version and the input files' sizes, so a second training run
skips the 5 minutes of parsing. Documents of the data sets' dev splits are held out whole: the head
is scored on text it was never trained on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..linguistics import bounded_pieces
from ..heads import Progress, read_jsonl


@dataclass(frozen=True)
class Source:
    """Documents of one data file: where the text is, and which split they belong to."""

    path: str
    field: str
    split: str  # "train" or "heldout"
    id_field: str = "id"
    skip: Callable[[dict], bool] | None = None


def _fnc1_dev_bodies(data: Path) -> set[int]:
    return {r["body_id"] for r in read_jsonl(data / "fnc1" / "dev_stances.jsonl")}


def _bio(record: dict) -> bool:
    return record.get("domain") == "bio"  # biomedical abstracts: few actors, not what users send


def sources(data: Path) -> list[Source]:
    dev_bodies = _fnc1_dev_bodies(data)
    return [
        Source("fnc1/train_bodies.jsonl", "body", "train", "body_id", lambda r: r["body_id"] in dev_bodies),
        Source("fnc1/train_bodies.jsonl", "body", "heldout", "body_id", lambda r: r["body_id"] not in dev_bodies),
        Source("persent/train.jsonl", "text", "train"),
        Source("persent/dev.jsonl", "text", "heldout"),
        Source("cnndm_summ/dev.jsonl", "article", "heldout"),
        Source("newsmtsc/train.jsonl", "sentence", "train"),
        Source("newsmtsc/dev_mt.jsonl", "sentence", "heldout"),
        Source("newsmtsc/dev_rw.jsonl", "sentence", "heldout"),
        Source("szeged_uncertainty/train.jsonl", "text", "train", skip=_bio),
        Source("szeged_uncertainty/dev.jsonl", "text", "heldout", skip=_bio),
        Source("conll2010_wiki_hedge/train.jsonl", "text", "train"),
        Source("conll2010_wiki_hedge/dev.jsonl", "text", "heldout"),
    ]


def documents(data: Path, split: str) -> Iterator[tuple[str, str]]:
    """(document id, text) of every document of `split`, each distinct text once."""
    seen: set[str] = set()
    for source in sources(data):
        if source.split != split:
            continue
        for record in read_jsonl(data / source.path):
            text = record.get(source.field) or ""
            if not text.strip() or (source.skip and source.skip(record)) or text in seen:
                continue
            seen.add(text)
            yield f"{source.path}:{record[source.id_field]}", text


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    at = 0
    for line in text.split("\n"):
        if line.strip():
            yield from bounded_pieces(text, at, at + len(line))
        at += len(line) + 1


def label(nlp, docs: Iterator[tuple[str, str]], log: Callable[[str], None], total: int) -> Iterator[dict]:
    """Sentence records `{doc, text, entities: [[start, end, label], …]}`, offsets into the sentence;
    sentences as the parser splits them, entities of every type wholly inside one. The head learns all of
    spaCy's types, not only the actors': "the Kursk region" is a place, not an organisation nor nothing."""
    progress = Progress(total, log)
    pieces = ((doc_id, text[a:b]) for doc_id, text in docs for a, b in _paragraphs(text))
    ids = []

    def texts():
        for doc_id, piece in pieces:
            ids.append(doc_id)
            yield piece

    for doc in nlp.pipe(texts(), batch_size=64):
        doc_id = ids.pop(0)
        for sent in doc.sents:
            raw = sent.text
            body = raw.strip()
            if not any(ch.isalnum() for ch in body):
                continue
            start = sent.start_char + len(raw) - len(raw.lstrip())
            end = start + len(body)
            ents = [[e.start_char - start, e.end_char - start, e.label_] for e in doc.ents
                    if start <= e.start_char and e.end_char <= end]
            yield {"doc": doc_id, "text": body, "entities": ents}
        progress.step("teacher labels")


def cache_key(data: Path, spacy_version: str) -> str:
    digest = hashlib.sha1(f"all-types:{spacy_version}".encode())
    for source in sources(data):
        p = data / source.path
        digest.update(f"{source.path}:{source.split}:{p.stat().st_size if p.exists() else -1}".encode())
    return digest.hexdigest()[:12]


def labelled(data: Path, split: str, nlp, spacy_version: str, cache: Path,
             log: Callable[[str], None]) -> list[dict]:
    """The teacher's sentence records for `split`, from the cache when it has them."""
    path = cache / f"entities-teacher-{split}-{cache_key(data, spacy_version)}.jsonl"
    if path.is_file():
        log(f"teacher labels for {split} from {path}")
        return read_jsonl(path)
    docs = list(documents(data, split))
    total = sum(1 for _, text in docs for _ in _paragraphs(text))
    log(f"labelling {len(docs):,} {split} documents ({total:,} paragraphs) with {spacy_version}")
    records = list(label(nlp, iter(docs), log, total))
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return records
