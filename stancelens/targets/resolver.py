"""One alias resolver for the targets a user gives and the actors NER finds.

Every actor NER finds is gathered first, with its names merged: countries by the `countryinfo`
table, people by their name parts (see `_people`), anything else by its normalised form. A
user's target that is one of those actors takes all of its names and is reported once, under
the user's spelling; the actors left are the discovered targets, ranked by salience. Actors
that are not targets still count: they make a surname, a given name, a title or a pronoun
ambiguous, and an ambiguous name is never a mention.
"""

from __future__ import annotations

from collections import defaultdict

from ..document import Article, Entity
from . import names
from .mentions import find_mentions
from .references import resolve_references
from .target import Target

# NER labels of actors; the kind a pronoun needs ("he" a person, "it" a group).
_KINDS = {"PERSON": "person", "GPE": "group", "NORP": "group", "ORG": "group", "LOC": "group"}
# How an adjective use of a name is parsed: "a Catholic bishop", "South American countries".
_MODIFIER_DEPS = {"amod", "compound", "nmod", "poss"}


def _kind(label: str | None) -> str | None:
    return _KINDS.get(label or "")


def _canonical(surface: str, label: str | None) -> tuple[str, set[str]]:
    found = names.country(surface)
    if found and label in {None, "GPE", "NORP", "LOC"}:
        return found[0], set(found[1])
    clean = names.clean(surface)
    return clean, {clean}


def _weight(ent: Entity) -> float:
    # Early mentions weigh more: news names its main actors first.
    return 1.0 + 1.0 / (1.0 + ent.sentence / 5.0)


def _is_adjective(article: Article, ent: Entity) -> bool:
    """A group name used as a modifier ("a Catholic bishop") names no actor of its own."""
    sent = article.sentences[ent.sentence]
    tokens = sent.span.doc.char_span(ent.start - sent.offset, ent.end - sent.offset, alignment_mode="expand")
    if tokens is None:
        return False
    root = tokens.root
    return root.pos_ == "ADJ" or root.dep_ in _MODIFIER_DEPS


def _people(article: Article) -> list[Target]:
    """People NER found, merged by name parts, in order of first mention.

    Full names ("Fernando Lugo", "President Juan Carlos Navarro III") are people. A one-word name
    ("Lugo", "Fernando") belongs to the one full name with that surname, else to the one with that
    given name; with none it is a person of its own, and with two ("George Bush", "Jeb Bush") it is
    nobody's: it stays out of every target.
    """
    full: dict[str, Target] = {}
    single: list[tuple[Entity, names.PersonName]] = []
    for ent in article.entities:
        if ent.label != "PERSON":
            continue
        name = names.person(ent.text)
        if name is None:  # a bare title: "Rear Admiral"
            continue
        name = names.PersonName(name.full, name.given, name.surname,
                                name.titles + names.titles_before(article.text, ent.start))
        if name.surname is None:
            single.append((ent, name))
            continue
        target = full.setdefault(names.key(name.full), Target(name=name.full, origin="auto", kind="person",
                                                              person=name))
        target.aliases.add(name.full)
        target.nominals |= set(name.titles)
        target.salience += _weight(ent)
    by_part: dict[tuple[str, str], list[Target]] = defaultdict(list)
    for target in full.values():
        by_part["surname", target.person.surname.lower()].append(target)
        by_part["given", target.person.given.lower()].append(target)
    alone: dict[str, Target] = {}
    for ent, name in single:
        word = name.full.lower()
        owners = by_part.get(("surname", word)) or by_part.get(("given", word)) or []
        if len(owners) > 1 or (owners and not names.name_part_ok(name.full)):
            continue  # two people could be meant, or the word is too short or common to stand for one
        target = owners[0] if owners else alone.setdefault(word, Target(name=name.full, origin="auto",
                                                                         kind="person", person=name))
        target.aliases.add(name.full)
        target.nominals |= set(name.titles)
        target.salience += _weight(ent)
    people = list(full.values()) + list(alone.values())
    _add_surnames(people)
    return people


def _add_surnames(people: list[Target]) -> None:
    """A surname stands for its person when no other person in the article has it."""
    holders: dict[str, int] = defaultdict(int)
    for target in people:
        for part in target.person.parts:
            holders[part.lower()] += 1
    for target in people:
        surname = target.person.surname
        if surname and holders[surname.lower()] == 1:
            target.aliases |= names.surname_forms(surname)


def _groups(article: Article) -> list[Target]:
    by_name: dict[str, Target] = {}
    for ent in article.entities:
        if ent.label == "PERSON":
            continue
        name, aliases = _canonical(ent.text, ent.label)
        country = names.country(ent.text) is not None and ent.label in {"GPE", "NORP", "LOC"}
        if not country and ent.label in {"NORP", "LOC"} and _is_adjective(article, ent):
            continue  # "Catholic", "South American": a religion or a region, not an actor
        if names.person(ent.text) is None:
            continue  # a title on its own
        target = by_name.setdefault(names.key(name), Target(name=name, origin="auto", kind=_kind(ent.label)))
        target.aliases |= aliases | {names.clean(ent.text)}
        target.salience += _weight(ent)
    return list(by_name.values())


def actors(article: Article) -> list[Target]:
    """Every actor NER found, names merged, most salient first."""
    people = _people(article)
    return sorted(people + _surnames_typed_as_groups(article, people, _groups(article)),
                  key=lambda t: (-t.salience, t.name))


def _surnames_typed_as_groups(article: Article, people: list[Target], groups: list[Target]) -> list[Target]:
    """`groups`, less the one-word organisations that are a person's surname: NER types a surname alone
    as an ORG often enough ("Zelensky said ..."), and such a mention is the person's. Places keep their
    name ("Washington" the city is not George Washington's)."""
    places = {names.key(e.text) for e in article.entities if e.label in {"GPE", "LOC", "NORP"}}
    organisations = {names.key(e.text) for e in article.entities if e.label == "ORG"} - places
    owner: dict[str, list[Target]] = {}
    for person in people:
        for alias in person.aliases:
            owner.setdefault(names.key(alias), []).append(person)
    kept = []
    for group in groups:
        key = names.key(group.name)
        owners = owner.get(key, []) if key in organisations and " " not in group.name else []
        if len(owners) == 1:
            owners[0].salience += group.salience
        else:
            kept.append(group)
    return kept


def discover_targets(article: Article, max_targets: int) -> list[Target]:
    """Actors found by NER, aliases merged, ranked by salience, at most `max_targets`."""
    return actors(article)[:max_targets]


def user_target(surface: str) -> Target:
    """A target as a user typed it: a country's aliases, or the name itself until the article says more."""
    country = names.country(surface)
    name, aliases = (country[0], set(country[1])) if country else (surface.strip(), {names.clean(surface)})
    # A lower-case target ("sanctions") is a topic: match it in any case.
    case_sensitive = surface != surface.lower()
    return Target(name=name, origin="user", aliases=aliases | {surface.strip()}, case_sensitive=case_sensitive,
                  person=names.person(surface) if case_sensitive else None)


def _same_person(user: Target, actor: Target) -> bool:
    """Whether a user's name is a person the article names, by name parts: "Fernando Lugo" and an
    article that says "Lugo" (which NER may even have labelled an organisation)."""
    mine = user.person
    if actor.kind == "person":
        theirs = actor.person
    elif " " not in actor.name:
        theirs = names.PersonName(actor.name, None, None)
    else:
        return False
    if mine.surname and theirs.surname:  # two full names: same surname, and no given name that differs
        return mine.surname == theirs.surname and mine.given == theirs.given
    if mine.surname:
        return theirs.full in names.surname_forms(mine.surname)
    return actor.kind == "person" and mine.full in (theirs.surname, theirs.given)


def _may_be_person(article: Article, target: Target) -> bool:
    """A user's capitalised name is taken for a person's unless NER calls it something else here."""
    if target.person is None or names.country(target.name) is not None:
        return False
    mine = names.key(target.name)
    return all(e.label == "PERSON" for e in article.entities if names.key(e.text) == mine)


def match_actors(target: Target, found: list[Target], may_be_person: bool) -> tuple[set[int], bool]:
    """The actors (indices into `found`) a user's target is: those sharing a name with it and, for a name that
    may be a person's, the person it names by name parts; and whether the target is then a person."""
    keys = {names.key(a) for a in target.aliases}
    same = {i for i, actor in enumerate(found) if keys & {names.key(a) for a in actor.aliases}}
    if not may_be_person:
        return same, False
    by_name = [i for i, actor in enumerate(found) if i not in same and _same_person(target, actor)]
    if len(by_name) == 1 or target.person.surname is not None:  # "Bush" with George and Jeb Bush: neither
        same.update(by_name)
    return same, bool(by_name) or any(found[i].kind == "person" for i in same)


def resolve_targets(article: Article, requested: list[str], max_auto: int) -> list[Target]:
    """The user's targets, then up to `max_auto` discovered ones, each with every mention found."""
    found = actors(article)
    wanted = [user_target(s) for s in requested]
    taken: set[int] = set()
    for target in wanted:
        keys = {names.key(a) for a in target.aliases}
        same, person = match_actors(target, found, _may_be_person(article, target))
        if person:
            target.kind = "person"
        for i in sorted(same):
            target.absorb(found[i])
            taken.add(i)
        if target.kind is None:  # no actor matched: its kind from how NER labelled its names here
            target.kind = next((_kind(e.label) for e in article.entities if names.key(e.text) in keys), None)
    rest = [actor for i, actor in enumerate(found) if i not in taken]
    chosen = wanted + rest[:max_auto]
    for target in wanted + rest:
        find_mentions(article, target)
    resolve_references(article, chosen, others=rest[max_auto:])
    return chosen
