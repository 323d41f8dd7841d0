"""Targets: the actors an article names, with their aliases merged, and every mention found.

Countries come from `countryinfo`: name, demonym and its plural, capital and common alternative
spellings, so "North Korea", "North Korean", "the North Koreans" and "Pyongyang" are one target.
People merge on surname ("Vladimir Putin", "Putin"); other names on a normalised form.
Mentions are then found by searching the whole text, headings included, for each target's
aliases, so a mention NER missed still counts. A subject pronoun that opens the next sentence's
account of a target ("Russia denied the report. It said ...") is a mention too, when it can be
resolved: see `resolve_pronouns`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .document import Article

# Capitals that are also common words or names elsewhere: never taken as a country's alias.
_AMBIGUOUS_CAPITALS = {"Male", "Victoria", "Kingston", "Georgetown", "Washington D.C.", "The Valley", "Avarua",
                       "Saint John's", "Road Town", "Hamilton", "Jamestown", "Plymouth", "Palikir", "Nassau"}
_SHORT_ALIASES = {"US", "U.S.", "USA", "U.S.A.", "UK", "U.K.", "UAE", "DPRK", "PRC", "ROK", "DRC"}
_EXTRA_ALIASES = {
    "United States": ["America", "Americans", "U.S.", "U.S.A.", "Washington"],
    "United Kingdom": ["Britain", "Britons", "U.K.", "London"],
    "Russia": ["Kremlin", "the Kremlin", "Moscow"],
    "Ukraine": ["Kiev", "Kyiv", "Ukrainians"],
    "North Korea": ["DPRK"],
    "China": ["Beijing", "PRC"],
}
_ALIAS_OK = re.compile(r"^[A-Za-z][A-Za-z .'’-]*$")
_LEADING_THE = re.compile(r"^the\s+", re.I)
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


def _key(surface: str) -> str:
    s = _POSSESSIVE.sub("", _LEADING_THE.sub("", surface.strip()))
    return re.sub(r"\s+", " ", s).lower()


@lru_cache(maxsize=1)
def country_aliases() -> dict[str, tuple[str, frozenset[str]]]:
    """Alias key -> (canonical country name, all its aliases)."""
    from countryinfo import all_countries

    table: dict[str, tuple[str, frozenset[str]]] = {}
    for country in all_countries():
        info = country.info()
        name = info.get("name")
        if not name:
            continue
        aliases = {name}
        demonym = info.get("demonym") or ""
        if demonym:
            aliases |= {demonym, demonym + "s"} if not demonym.endswith(("sh", "ch", "ese", "s")) else {demonym}
        capitals = info.get("capital") or []
        aliases |= {c for c in ([capitals] if isinstance(capitals, str) else capitals) if c not in _AMBIGUOUS_CAPITALS}
        for alt in info.get("altSpellings") or []:
            if alt in _SHORT_ALIASES or (len(alt) > 3 and _ALIAS_OK.match(alt) and not alt.isupper()):
                aliases.add(alt)
        aliases |= set(_EXTRA_ALIASES.get(name, []))
        aliases = {a for a in aliases if _ALIAS_OK.match(a)}
        frozen = frozenset(aliases)
        for alias in aliases:
            table.setdefault(_key(alias), (name, frozen))
    return table


@dataclass
class Target:
    name: str
    origin: str  # "user" or "auto"
    aliases: set[str] = field(default_factory=set)
    case_sensitive: bool = True
    salience: float = 0.0
    kind: str | None = None  # "person" or "group" (a country, an organisation), from NER; None when unknown
    mentions: list[tuple[int, int]] = field(default_factory=list)
    mention_sentences: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    mention_headings: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # by index in article.headings
    pronouns: list[tuple[int, int]] = field(default_factory=list)  # the mentions that are resolved pronouns


def _canonical(surface: str, label: str | None) -> tuple[str, set[str]]:
    found = country_aliases().get(_key(surface))
    if found and label in {None, "GPE", "NORP", "LOC"}:
        return found[0], set(found[1])
    clean = _POSSESSIVE.sub("", _LEADING_THE.sub("", surface.strip()))
    return clean, {clean}


def discover_targets(article: Article, max_targets: int) -> list[Target]:
    """Actors found by NER, aliases merged, ranked by salience, at most `max_targets`."""
    by_name: dict[str, Target] = {}
    surnames: dict[str, str] = {}
    for ent in article.entities:
        name, aliases = _canonical(ent.text, ent.label)
        if ent.label == "PERSON":
            parts = name.split()
            if len(parts) == 1 and parts[0].lower() in surnames:
                name = surnames[parts[0].lower()]
            elif len(parts) > 1 and len(parts[-1]) > 2:  # "Kim Jong Un" must not match every "Un"
                surnames.setdefault(parts[-1].lower(), name)
                aliases.add(parts[-1])
        key = _key(name)
        target = by_name.setdefault(key, Target(name=name, origin="auto", kind=_kind(ent.label)))
        target.aliases |= aliases | {_POSSESSIVE.sub("", ent.text)}
        # Early mentions weigh more: news names its main actors first.
        target.salience += 1.0 + 1.0 / (1.0 + ent.sentence / 5.0)
    ranked = sorted(by_name.values(), key=lambda t: (-t.salience, t.name))
    return ranked[:max_targets]


def _kind(label: str | None) -> str | None:
    if label == "PERSON":
        return "person"
    return "group" if label in {"GPE", "NORP", "ORG", "LOC"} else None


def user_target(surface: str) -> Target:
    name, aliases = _canonical(surface, None)
    # A lower-case target ("sanctions") is a topic: match it in any case.
    return Target(name=name, origin="user", aliases=aliases | {surface.strip()}, case_sensitive=surface != surface.lower())


def find_mentions(article: Article, target: Target) -> None:
    """Every mention of the target's aliases in the text, and the sentences or headings they fall in."""
    aliases = sorted({a for a in target.aliases if a}, key=len, reverse=True)
    if not aliases:
        return
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(a) for a in aliases) + r")(?![\w])",
        0 if target.case_sensitive else re.IGNORECASE,
    )
    starts = [s.start for s in article.sentences]
    headings = article.headings
    target.mentions = []
    target.mention_sentences = {}
    target.mention_headings = {}
    for m in pattern.finditer(article.text):
        span = (m.start(), m.end())
        target.mentions.append(span)
        i = bisect.bisect_right(starts, span[0]) - 1
        if i >= 0 and article.sentences[i].start <= span[0] and span[1] <= article.sentences[i].end:
            target.mention_sentences.setdefault(i, []).append(span)
            continue
        h = next((k for k, (start, end) in enumerate(headings) if start <= span[0] and span[1] <= end), None)
        if h is not None:
            target.mention_headings.setdefault(h, []).append(span)


_PRONOUNS = {"he": "person", "she": "person", "it": "group", "they": "group"}
_SUBJECT = {"nsubj", "nsubjpass"}


def _is_subject(article: Article, sentence: int, span: tuple[int, int]) -> bool:
    """Whether a mention is its clause's subject, or a modifier of it ("North Korean troops")."""
    sent = article.sentences[sentence]
    tokens = sent.span.doc.char_span(span[0] - sent.offset, span[1] - sent.offset, alignment_mode="expand")
    if tokens is None:
        return False
    root = tokens.root
    return root.dep_ in _SUBJECT or (root.dep_ in {"amod", "compound", "poss", "nmod"} and root.head.dep_ in _SUBJECT)


def resolve_pronouns(article: Article, targets: list[Target]) -> None:
    """Add, as mentions, the subject pronouns that continue the previous sentence's subject.

    A sentence that names no target but has a subject "he", "she", "it" or "they" continues the
    previous sentence's account when exactly one target of the pronoun's kind (a person for "he"
    and "she", a group for "it" and "they") is that sentence's subject; the pronoun is then a
    mention of that target. Anything less clear (two candidates, an object pronoun, a target
    named in the sentence already, a target of unknown kind) is left unresolved: a wrong mention
    would put a sentence about someone else into the target's stance.
    """
    for target in targets:
        if target.kind is None:  # a user's target: its kind from how NER labelled its aliases here
            keys = {_key(a) for a in target.aliases}
            target.kind = next((_kind(e.label) for e in article.entities if _key(e.text) in keys), None)
    named = {i for t in targets for i in t.mention_sentences}
    for sentence in article.sentences:
        i = sentence.index
        if i == 0 or i in named or article.sentences[i - 1].section != sentence.section:
            continue
        pronoun = next((t for t in sentence.span if t.dep_ in _SUBJECT and t.lower_ in _PRONOUNS), None)
        if pronoun is None:
            continue
        kind = _PRONOUNS[pronoun.lower_]
        candidates = [t for t in targets if t.kind == kind
                      and any(_is_subject(article, i - 1, m) for m in t.mention_sentences.get(i - 1, []))]
        if len(candidates) != 1:
            continue
        start = sentence.offset + pronoun.idx
        span = (start, start + len(pronoun.text))
        target = candidates[0]
        target.pronouns.append(span)
        target.mentions = sorted(target.mentions + [span])
        target.mention_sentences[i] = [span]
