"""What a name is made of: countries from `countryinfo`, people from `nameparser`'s word lists.

Countries: name, demonym and its plural, capital and common alternative spellings, so "North
Korea", "North Korean", "the North Koreans" and "Pyongyang" are one country.
People: the titles and honorifics before a name ("President", "Sen.", "Mr.") and the suffixes
after it ("III", "Jr.") are not part of it; what is left gives the given name and the surname.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nameparser.config import CONSTANTS


def _spacy_stop_words() -> frozenset[str]:
    """spaCy's English stop words (`spacy.lang.en.stop_words`), loaded from that one module file: importing it
    the usual way imports spaCy, thinc and torch (2 s), which a command that only reads results
    (`stancelens report`) does not otherwise need."""
    spacy = importlib.util.find_spec("spacy")
    path = Path(spacy.origin).parent / "lang" / "en" / "stop_words.py"
    spec = importlib.util.spec_from_file_location("_stancelens_spacy_en_stop_words", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(module.STOP_WORDS)


STOP_WORDS = _spacy_stop_words()

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

# News abbreviates titles that nameparser lists only in full; the full form is the nominal ("the senator").
_ABBREVIATIONS = {"sen": "senator", "rep": "representative", "gov": "governor", "gen": "general",
                  "lt": "lieutenant", "col": "colonel", "sgt": "sergeant", "adm": "admiral", "capt": "captain",
                  "cmdr": "commander", "maj": "major", "pres": "president", "amb": "ambassador", "prof": "professor",
                  "rev": "reverend", "supt": "superintendent", "insp": "inspector", "dr": "doctor"}
# Honorifics say nothing about the role: "the mister" is not a way to refer back to anyone.
_HONORIFICS = {"mr", "mrs", "ms", "miss", "mx", "sir", "dame", "madam", "mme", "lady", "lord", "hon", "st"}
# Name particles that belong to the surname: "al-Assad", "van Gogh", "de la Cruz".
_PARTICLES = frozenset(CONSTANTS.prefixes) | {"al", "el", "bin", "ibn", "abu"}


def key(surface: str) -> str:
    """A surface form's comparison key: no leading "the", no possessive, single spaces, lower case."""
    s = _POSSESSIVE.sub("", _LEADING_THE.sub("", surface.strip()))
    return re.sub(r"\s+", " ", s).lower()


def clean(surface: str) -> str:
    return re.sub(r"\s+", " ", _POSSESSIVE.sub("", _LEADING_THE.sub("", surface.strip())))


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
            table.setdefault(key(alias), (name, frozen))
    return table


def country(surface: str) -> tuple[str, frozenset[str]] | None:
    """The country a surface form names ("the North Koreans" -> North Korea), with all its aliases."""
    return country_aliases().get(key(surface))


def _bare(word: str) -> str:
    return word.lower().strip(".,")


def title(word: str) -> str | None:
    """A title or honorific's nominal form ("Sen." -> "senator", "Mr." -> ""), None for any other word."""
    w = _bare(word)
    if w in _ABBREVIATIONS:
        return _ABBREVIATIONS[w]
    if w in _HONORIFICS:
        return ""
    return w if w in CONSTANTS.titles else None


def _suffix(word: str) -> bool:
    w = _bare(word)
    return w in CONSTANTS.suffix_acronyms or w in CONSTANTS.suffix_not_acronyms


def name_part_ok(part: str) -> bool:
    """Whether one part of a name can stand for the person alone: never a two-letter part ("Un" of
    "Kim Jong Un"), a title or a common function word ("Will", "May")."""
    return (len(part) > 2 and part[:1].isupper() and title(part) is None
            and part.lower() not in STOP_WORDS and not _suffix(part))


@dataclass(frozen=True)
class PersonName:
    full: str  # the name without titles or suffixes: "Juan Carlos Navarro"
    given: str | None  # None for a one-word name
    surname: str | None
    titles: tuple[str, ...] = ()  # nominal forms of the titles written before it: ("president",)

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(p for p in (self.given, self.surname) if p) or (self.full,)


def person(surface: str) -> PersonName | None:
    """A person's name as written ("President Fernando Lugo's", "Juan Carlos Navarro III"), taken
    apart; None when nothing but titles is left ("Rear Admiral", "the President")."""
    words = clean(surface).split()
    titles = []
    while words and title(words[0]) is not None:
        titles.append(words.pop(0))
    while len(words) > 1 and _suffix(words[-1]):
        words.pop()
    words[-1:] = [w.rstrip(",") for w in words[-1:]]
    if not words or not any(c.isalpha() for c in words[-1]):
        return None
    nominal = " ".join(filter(None, (title(w) for w in titles)))
    if len(words) == 1:
        return PersonName(words[0], None, None, (nominal,) if nominal else ())
    first_of_surname = len(words) - 1
    while first_of_surname > 1 and _bare(words[first_of_surname - 1]) in _PARTICLES:
        first_of_surname -= 1
    surname = " ".join(words[first_of_surname:])
    return PersonName(" ".join(words), words[0], surname, (nominal,) if nominal else ())


def surname_forms(surname: str) -> set[str]:
    """A surname and, behind a particle, how news shortens it: "al-Assad" is also "Assad"."""
    forms = {surname}
    head, _, rest = surname.partition("-")
    if rest and head.lower() in _PARTICLES:
        forms.add(rest)
    return {f for f in forms if name_part_ok(f) or " " in f}


def titles_before(text: str, start: int) -> tuple[str, ...]:
    """The nominal form of the title written just before a name at `start` ("Paraguayan President
    Fernando Lugo" -> ("president",)); honorifics give none."""
    words = text[max(0, start - 60):start].split()
    found: list[str] = []
    while words and title(words[-1]) is not None and words[-1][:1].isupper():
        found.insert(0, words.pop())
    nominal = " ".join(filter(None, (title(w) for w in found)))
    return (nominal,) if nominal else ()
