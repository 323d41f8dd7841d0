"""The issue's acceptance checks on the real example article."""

from __future__ import annotations

import pytest

from .conftest import EXAMPLE_HEADINGS, EXAMPLE_ITEMS, assert_offsets_valid, assert_sections_tile


@pytest.fixture(scope="module")
def result(pipeline, example_text):
    return pipeline.analyze(example_text, claims=["North Korean troops have been withdrawn from the front lines",
                                                  "The stock market rallied on strong tech earnings"])


def test_lead_plus_six_headed_sections(result):
    assert result.sections[0].heading is None and result.sections[0].level == 0
    assert [s.heading.text for s in result.sections[1:]] == EXAMPLE_HEADINGS
    future = result.sections[5]
    assert [s.heading.text for s in future.subsections] == EXAMPLE_ITEMS
    assert all(s.level == 2 for s in future.subsections)
    assert_sections_tile(result)
    assert_offsets_valid(result)


def test_every_section_has_a_summary_in_article_order(result):
    for section in result.sections:
        assert section.summary.sentences, section.heading
        starts = [s.start for s in section.summary.sentences]
        assert starts == sorted(starts)
        assert all(section.start <= s.start and s.end <= section.end for s in section.summary.sentences)
    assert len(result.summary.sentences) == 3


def _claim(result, prefix):
    found = [c for c in result.hedged_claims if c.sentence.text.startswith(prefix)]
    assert found, f"no hedged claim starts with {prefix!r}"
    return found[0]


def _cues(claim) -> set[str]:
    return {c.text for c in claim.cues}


def test_clearly_hedged_sentences_are_found(result):
    # The list: "suggesting … may have", "Estimates indicate … approximately … around",
    # "appears to be", "Reports suggest", "likely … could potentially".
    estimates = _claim(result, "Estimates indicate that out of approximately 11,000")
    assert {"approximately", "around"} <= {c.text for c in estimates.cues if c.type.value == "approximator"}
    assert "indicate" in _cues(estimates)
    reports = _claim(result, "Reports suggest")
    assert {c.type.value for c in reports.cues} >= {"evidential", "attribution"}
    assert reports.source.text == "Reports"
    special = _claim(result, "Ukrainian special forces have reported")
    assert special.source.text == "Ukrainian special forces"
    assert {"suggesting", "may"} <= _cues(special)
    us = _claim(result, "The likely temporary nature")
    assert us.source.text == "US officials"
    assert {"likely", "could", "potentially"} <= _cues(us)
    appears = _claim(result, "While the withdrawal appears to be")
    assert appears.source.text == "experts" and "appears" in _cues(appears)
    # Cues the model found carry their Szeged class; the rules' approximators carry none.
    assert {(c.text, c.uncertainty.value if c.uncertainty else None) for c in estimates.cues} >= {
        ("indicate", "epistemic"), ("approximately", None)}


def test_unhedged_sentences_are_not_listed(result):
    texts = [c.sentence.text for c in result.hedged_claims]
    assert not any(t.startswith("The evolving situation underscores") for t in texts)
    assert not any(t.startswith("This alliance allows") for t in texts)
    # Issue 18: a high weasel score with no cue is no hedged claim.
    assert not any(t.startswith("As the situation develops, several key factors") for t in texts)
    assert not any(t.startswith("The implications of this partnership are profound") for t in texts)
    assert not any(t.startswith("The humanitarian fallout") for t in texts)


def test_epistemic_modals_and_conditionals_are_listed(result):
    # Issue 18: the one score finds Szeged's uncertainty too, not only CoNLL's weasel wording.
    assert "could" in _cues(_claim(result, "For Ukraine, the withdrawal of North Korean troops could provide"))
    assert {"If", "may"} <= _cues(_claim(result, "If Russia manages to effectively deploy"))
    assert {"possibility", "could"} <= _cues(_claim(result, "The possibility of North Korean reinforcements"))
    assert "likely" in _cues(_claim(result, "Both sides will likely adapt"))
    criticized = _claim(result, "The North Korean military has long been criticized")
    assert {(c.text, c.type.value) for c in criticized.cues} >= {("criticized", "attribution"), ("could", "modal")}


def test_every_listed_claim_shows_why(result):
    for claim in result.hedged_claims:
        assert claim.cues, claim.sentence.text
        assert set(claim.probabilities) == {"conll2010", "szeged"}
        assert claim.score >= result.model.hedge_threshold


def test_actors_merged_with_aliases(result):
    by_name = {s.target: s for s in result.stances}
    assert {"North Korea", "Russia", "Ukraine"} <= set(by_name)
    nk = by_name["North Korea"]
    assert {"North Korea", "North Korean", "Pyongyang", "North Koreans"} <= set(nk.aliases)
    assert len(nk.mentions) >= 15 and nk.evidence
    assert any(m.text == "North Korean" and m.start < 400 and m.start > 365 for m in nk.mentions), "heading mention"
    assert all(0.0 <= s.score <= 1.0 for s in result.stances)


def test_stance_toward_the_actors(result):
    by_name = {s.target: s for s in result.stances}
    assert by_name["Russia"].label.value == "against"
    assert by_name["North Korea"].label.value == "against"
    assert by_name["Ukraine"].label.value != "against"
    for name in ("Russia", "North Korea"):
        # The best evidence supports the label, and names the target.
        best = by_name[name].evidence[0]
        assert best.label.value == "against"
        assert any(alias in best.text for alias in by_name[name].aliases)


def test_claims_get_labels_with_evidence(result):
    related, unrelated = result.claims
    # The article reports the withdrawal through others, hedged ("suggesting that they may have
    # pulled back", "the likely temporary nature of this withdrawal"): it discusses the claim.
    assert related.label.value == "discuss"
    assert "withdraw" in related.evidence[0].text
    assert unrelated.label.value == "unrelated"
