"""Invariants of the whole pipeline on generated text with odd Unicode."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import assert_offsets_valid, assert_sections_tile

_WORDS = st.sampled_from(
    [
        "Russia", "may", "could", "around", "1,000", "reportedly", "North Korean", "experts", "say", "the",
        "Ukraine", "suggests", "approximately", "إسرائيل", "שלום", "日本", "😀", "👩‍👩‍👧", "e\u0301", "ﬁ",
        "\u200b", "\u00a0", "İstanbul", "ß", "Σ", "Ω", "\u202e", "—", "’s", "…", "**", "#", "1.", "<b>",
    ]
)
_SEPARATORS = st.sampled_from([" ", " ", " ", ". ", ", ", "\n", "\n\n", "\r\n", "\t", "? ", "! "])
_LINES = st.sampled_from(["# Heading\n", "## Sub heading\n", "**Bold heading:**\n", "1. **Item:** ", "Title\n===\n"])


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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=articles(), content_type=st.sampled_from(["auto", "text", "markdown"]))
def test_spans_point_into_text_and_sections_tile(pipeline, text, content_type):
    result = pipeline.analyze(text, content_type=content_type, targets=["Russia"], claims=["Russia may respond"])
    assert result.text == text
    assert_offsets_valid(result)
    assert_sections_tile(result)
    for claim in result.hedged_claims:
        assert 0.0 <= claim.score <= 1.0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=articles())
def test_html_spans_point_into_extracted_text(pipeline, body):
    html = "<html><body><h2>Head</h2><p>" + body.replace("<", "&lt;") + "</p><p>Russia may act.</p></body></html>"
    result = pipeline.analyze(html, content_type="html")
    assert_offsets_valid(result)
    assert_sections_tile(result)


def test_same_input_same_result(pipeline, example_text):
    first = pipeline.analyze(example_text).model_dump(exclude={"timings_ms"})
    second = pipeline.analyze(example_text).model_dump(exclude={"timings_ms"})
    assert first == second
