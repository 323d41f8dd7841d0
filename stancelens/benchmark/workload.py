"""What the benchmark analyses: real articles, and a length sweep stitched together from them.

The articles are the example article (tests/data) followed by the news articles of the data
dir, CNN/DailyMail and FNC-1 bodies taken in turn so both sources are represented. A sweep
article of W words is those same articles laid end to end, paragraph by paragraph, and cut at
the sentence boundary nearest W words: real prose at every length, never padding.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import DATA_DIR_ENV, SHARED_DATA_DIR
from ..errors import InputError

_REPO = Path(__file__).resolve().parents[2]
EXAMPLE_ARTICLE = _REPO / "tests" / "data" / "example_article.txt"
DEFAULT_DATA_DIR = SHARED_DATA_DIR

# (file under the data dir, field with the article's text, field with its id)
NEWS_FILES = (
    ("cnndm_summ/dev.jsonl", "article", "id"),
    ("fnc1/train_bodies.jsonl", "body", "body_id"),
)
# FNC-1 holds stub bodies of a few words ("Click here to watch..."): those are not articles.
MIN_WORDS = 100

# The end of a sentence: terminal punctuation, any closing quotes or brackets, then a space.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s)")


def count_words(text: str) -> int:
    return len(text.split())


@dataclass(frozen=True)
class Article:
    text: str
    sources: tuple[str, ...]  # where the text comes from: file, and record id for data sets

    @property
    def words(self) -> int:
        return count_words(self.text)


@dataclass(frozen=True)
class Workload:
    articles: list[Article]
    sweep: list[Article]
    data_dir: Path | None  # None when no news articles were found, and only the example is used


def resolve_data_dir(given: str | None, default: Path = DEFAULT_DATA_DIR) -> Path | None:
    """The data dir to read: the one given (argument, else STANCELENS_DATA_DIR), which must exist,
    or the default, which may be missing (None)."""
    given = given or os.environ.get(DATA_DIR_ENV)
    if given:
        path = Path(given).expanduser()
        if not path.is_dir():
            raise InputError(f"data dir {path} does not exist: pass an existing --data-dir, or leave it out")
        return path
    return default if default.is_dir() else None


def _read_news(path: Path, text_field: str, id_field: str, name: str) -> list[Article]:
    articles = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            article = Article(record[text_field], (f"{name}#{record[id_field]}",))
            if article.words >= MIN_WORDS:
                articles.append(article)
    return articles


def news_articles(data_dir: Path) -> list[Article]:
    """The news articles of the data dir, one source after the other in turn."""
    by_file = [
        _read_news(data_dir / name, text_field, id_field, name)
        for name, text_field, id_field in NEWS_FILES
        if (data_dir / name).is_file()
    ]
    return [a for turn in itertools.zip_longest(*by_file) for a in turn if a is not None]


def _paragraphs(pool: Sequence[Article]) -> Iterator[tuple[Article, str]]:
    # Cycles, so even the example article alone can fill any length.
    for article in itertools.cycle(pool):
        for line in article.text.splitlines():
            if line.strip():
                yield article, line.strip()


def _cut(paragraph: str, budget: int) -> str:
    """The leading sentences of `paragraph` whose word count is nearest `budget` (maybe none)."""
    ends = [0, *(m.end() for m in _SENTENCE_END.finditer(paragraph)), len(paragraph)]
    end = min(ends, key=lambda e: abs(count_words(paragraph[:e]) - budget))
    return paragraph[:end].strip()


def _take(paragraphs: Iterator[tuple[Article, str]], words: int) -> Article:
    """An article of about `words` words: the next paragraphs, the last cut at a sentence end."""
    kept: list[str] = []
    sources: dict[str, None] = {}
    count = 0
    for article, paragraph in paragraphs:
        last = count + count_words(paragraph) >= words
        if last:
            paragraph = _cut(paragraph, words - count)
        if paragraph:
            kept.append(paragraph)
            sources.update(dict.fromkeys(article.sources))
            count += count_words(paragraph)
        if last:
            break
    return Article("\n".join(kept), tuple(sources))


def stitch(pool: Sequence[Article], words: int) -> Article:
    """An article of about `words` words: paragraphs of `pool` in order, cut at a sentence end."""
    return _take(_paragraphs(pool), words)


def build_workload(n_articles: int, sweep_words: Sequence[int], data_dir: Path | None,
                   words: int | None = None) -> Workload:
    """The first `n_articles` real articles; with `words`, `n_articles` of that length instead, each
    stitched from the paragraphs after the previous one's, so no two share a sentence while the
    data lasts (an encoder's cache of repeated sentences must not flatter a batch)."""
    news = news_articles(data_dir) if data_dir else []
    pool = [Article(EXAMPLE_ARTICLE.read_text(encoding="utf-8"), (EXAMPLE_ARTICLE.name,)), *news]
    if words is None:
        articles = pool[:n_articles]
    else:
        paragraphs = _paragraphs(pool)
        articles = [_take(paragraphs, words) for _ in range(n_articles)]
    return Workload(
        articles=articles,
        sweep=[stitch(pool, words) for words in sweep_words],
        data_dir=data_dir if news else None,
    )
