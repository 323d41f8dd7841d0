"""Invariants of the whole pipeline on generated text with odd Unicode, targets, claims and options.

1. Every span's offsets match the text: `result.text[start:end] == span.text`, for every span
   anywhere in the result (summaries, headings, hedge cues and sources, claim sentences, target
   mentions and evidence, claim evidence).
2. Sections tile the text without gaps or overlaps; subsections tile the rest of their section.
3. Every score is in [0, 1] (claim relevance, a cosine similarity, in [-1, 1]), and finite.
4. The same input gives the same result, timings aside.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from stancelens.schema import AnalysisResult, AnalyzeOptions

from .conftest import assert_offsets_valid, assert_sections_tile, iter_spans

_WORDS = st.sampled_from(
    [
        "Russia", "may", "could", "around", "1,000", "reportedly", "North Korean", "experts", "say", "the",
        "Ukraine", "suggests", "approximately", "إسرائيل", "שלום", "日本", "😀", "👩‍👩‍👧", "e\u0301", "ﬁ",
        "\u200b", "\u00a0", "İstanbul", "ß", "Σ", "Ω", "\u202e", "—", "’s", "…", "**", "#", "1.", "<b>",
    ]
)
_SEPARATORS = st.sampled_from([" ", " ", " ", ". ", ", ", "\n", "\n\n", "\r\n", "\t", "? ", "! "])
_LINES = st.sampled_from(["# Heading\n", "## Sub heading\n", "**Bold heading:**\n", "1. **Item:** ", "Title\n===\n"])
# Targets and claims must not be blank: the pipeline refuses those (the API tests cover that).
_PHRASES = st.lists(_WORDS, min_size=1, max_size=4).map(" ".join).filter(str.strip)

_OPTIONS = st.builds(
    AnalyzeOptions,
    summary_sentences=st.none() | st.integers(1, 5),
    section_summary_sentences=st.none() | st.integers(1, 3),
    summary_ratio=st.none() | st.floats(0.05, 1.0),
    hedge_threshold=st.floats(0.0, 1.0),
    max_auto_targets=st.integers(0, 8),
    auto_targets=st.booleans(),
    evidence_per_target=st.integers(1, 5),
    evidence_per_claim=st.integers(1, 3),
)


@st.composite
def articles(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 40))):
        if draw(st.integers(0, 9)) == 0:
            parts.append(draw(_LINES))
        parts.append(draw(_WORDS))
        parts.append(draw(_SEPARATORS))
    text = "".join(parts)
    return text if text.strip() else text + "Russia."


@st.composite
def requests(draw) -> dict:
    return {
        "text": draw(articles()),
        "content_type": draw(st.sampled_from(["auto", "text", "markdown"])),
        "targets": draw(st.lists(_PHRASES, max_size=3)),
        "claims": draw(st.lists(_PHRASES, max_size=2)),
        "options": draw(_OPTIONS),
    }


def iter_scores(value: object, name: str = "") -> Iterator[tuple[str, float]]:
    """Every float field anywhere inside a result, with its field name, and the hedge probabilities.
    Timings are a dict too, in milliseconds: not walked."""
    if isinstance(value, float):
        yield name, value
    elif isinstance(value, dict) and name == "probabilities":
        for item in value.values():
            yield from iter_scores(item, name)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from iter_scores(item, name)
    elif isinstance(value, BaseModel):
        for field in type(value).model_fields:
            yield from iter_scores(getattr(value, field), field)


def assert_scores_in_range(result: AnalysisResult) -> None:
    for name, score in iter_scores(result):
        low = -1.0 if name == "relevance" else 0.0
        assert math.isfinite(score) and low <= score <= 1.0, (name, score)


def assert_invariants(result: AnalysisResult, text: str) -> None:
    assert result.text == text
    assert_offsets_valid(result)
    assert_sections_tile(result)
    assert_scores_in_range(result)


def _analyze(pipeline, request: dict) -> AnalysisResult:
    return pipeline.analyze(request["text"], content_type=request["content_type"], targets=request["targets"],
                            claims=request["claims"], options=request["options"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=requests())
def test_spans_sections_and_scores_hold_on_generated_articles(pipeline, request):
    assert_invariants(_analyze(pipeline, request), request["text"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=articles())
def test_html_spans_point_into_extracted_text(pipeline, body):
    html = "<html><body><h2>Head</h2><p>" + body.replace("<", "&lt;") + "</p><p>Russia may act.</p></body></html>"
    result = pipeline.analyze(html, content_type="html", targets=["Russia"], claims=["Russia may act"])
    assert_offsets_valid(result)
    assert_sections_tile(result)
    assert_scores_in_range(result)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=requests())
def test_same_generated_input_same_result(pipeline, request):
    first = _analyze(pipeline, request).model_dump(exclude={"timings_ms"})
    assert _analyze(pipeline, request).model_dump(exclude={"timings_ms"}) == first


def test_same_input_same_result(pipeline, example_text):
    first = pipeline.analyze(example_text).model_dump(exclude={"timings_ms"})
    second = pipeline.analyze(example_text).model_dump(exclude={"timings_ms"})
    assert first == second


def test_the_checks_reach_every_span_and_score(pipeline, example_text):
    """The walks the properties rely on miss no kind of span or score (the example article has each)."""
    result = pipeline.analyze(example_text, targets=["Russia"], claims=["North Korean troops withdrew"])
    sections = result.sections + [sub for s in result.sections for sub in s.subsections]
    kinds = {
        "summary": result.summary.sentences,
        "section headings": [s.heading for s in sections if s.heading],
        "section summaries": [span for s in sections for span in s.summary.sentences],
        "hedged sentences": [h.sentence for h in result.hedged_claims],
        "hedge cues": [c for h in result.hedged_claims for c in h.cues],
        "hedge sources": [h.source for h in result.hedged_claims if h.source],
        "target mentions": [m for s in result.stances for m in s.mentions],
        "target evidence": [e for s in result.stances for e in s.evidence],
        "claim evidence": [e for c in result.claims for e in c.evidence],
    }
    walked = {id(span) for span in iter_spans(result)}
    for kind, spans in kinds.items():
        assert spans, f"the example article has no {kind}"
        assert all(id(span) in walked for span in spans), kind
    scores = {name for name, _ in iter_scores(result)}
    assert {"score", "relevance", "probabilities", "hedge_threshold", "confidence"} <= scores
    assert sum(1 for _ in iter_scores(result)) == (
        len(result.hedged_claims) + sum(len(h.probabilities) for h in result.hedged_claims)
        + len(result.stances) + len(kinds["target evidence"])
        + len(result.claims) + len(kinds["claim evidence"]) + 2  # model.hedge_threshold, language.confidence
    )
