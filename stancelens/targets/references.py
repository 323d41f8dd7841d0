"""References to a target that are not its names: pronouns ("he", "her", "it") and nominals ("the
president"), resolved only where the article makes the referent clear.

A wrong mention puts a sentence about someone else into the target's stance, so anything
unclear is left alone. Sentences are read in order, so a resolved reference is in view for the
next one ("Lugo fired his commanders. He said ... His critics ...").

- A subject pronoun that continues the previous sentence's subject, in a sentence naming no
  target: "Russia denied the report. It said ..." (a person for "he"/"she", a group for
  "it"/"they"), when exactly one actor of that kind was that subject.
- A person's pronoun ("he", "him", "his", "she", "her", ...) when exactly one person is in view:
  named earlier in its sentence, or else in the nearest of the two sentences before it (same
  section) that names anyone. Once a target is "he", it is never "she", and the other way round.
- "the <title>" when the article gives exactly one person that title ("President Lugo ... the
  president said"), and the title is not followed by "of" or a name (someone else's title).
"""

from __future__ import annotations

import re

from ..document import Article
from ..schema import MentionKind
from .target import Span, Target

_SUBJECT_PRONOUNS = {"he": "person", "she": "person", "it": "group", "they": "group"}
_SUBJECT = {"nsubj", "nsubjpass"}
_GENDER = {"he": "m", "him": "m", "his": "m", "himself": "m", "she": "f", "her": "f", "hers": "f", "herself": "f"}
_LOOKBACK = 2


def _is_subject(article: Article, sentence: int, span: Span) -> bool:
    """Whether a mention is its clause's subject, or a modifier of it ("North Korean troops")."""
    sent = article.sentences[sentence]
    tokens = sent.span.doc.char_span(span[0] - sent.offset, span[1] - sent.offset, alignment_mode="expand")
    if tokens is None:
        return False
    root = tokens.root
    return root.dep_ in _SUBJECT or (root.dep_ in {"amod", "compound", "poss", "nmod"} and root.head.dep_ in _SUBJECT)


class _Resolver:
    def __init__(self, article: Article, targets: list[Target], others: list[Target]):
        self.article = article
        self.targets = targets
        self.everyone = targets + others
        self.people = [t for t in self.everyone if t.kind == "person"]
        self.gender: dict[int, str] = {}
        holders: dict[str, list[Target]] = {}
        for person in self.people:
            for nominal in person.nominals:
                holders.setdefault(nominal, []).append(person)
        self.nominals = {n: ts[0] for n, ts in holders.items() if len(ts) == 1 and ts[0] in targets}
        # The title in any case ("the President", "the president"); what follows it as written.
        self.nominal_pattern = re.compile(
            r"\b(?i:the\s+(?:(?:former|new|current|then)\s+)?(" + "|".join(
                re.escape(n) for n in sorted(self.nominals, key=len, reverse=True)) + r"))\b(?!\s+(?:of\b|[A-Z]))"
        ) if self.nominals else None

    def _resolve(self, target: Target, sentence: int, span: Span, kind: MentionKind) -> None:
        if any(t is target for t in self.targets):
            target.add_reference(sentence, span, kind)

    def _people_named(self, sentence: int, before: int | None = None) -> list[Target]:
        return [p for p in self.people
                if any(before is None or s < before for s, _ in p.mention_sentences.get(sentence, []))]

    def continuing_subject(self, i: int, named: set[int]) -> None:
        sentences = self.article.sentences
        sentence = sentences[i]
        if i == 0 or i in named or sentences[i - 1].section != sentence.section:
            return
        pronoun = next((t for t in sentence.span if t.dep_ in _SUBJECT and t.lower_ in _SUBJECT_PRONOUNS), None)
        if pronoun is None:
            return
        kind = _SUBJECT_PRONOUNS[pronoun.lower_]
        candidates = [t for t in self.everyone if t.kind == kind
                      and any(_is_subject(self.article, i - 1, m) for m in t.mention_sentences.get(i - 1, []))]
        if len(candidates) == 1 and self._gender_ok(candidates[0], pronoun.lower_):
            start = sentence.offset + pronoun.idx
            self._resolve(candidates[0], i, (start, start + len(pronoun.text)), MentionKind.pronoun)

    def _gender_ok(self, target: Target, word: str) -> bool:
        gender = _GENDER.get(word)
        if gender is None:
            return True
        seen = self.gender.setdefault(id(target), gender)
        return seen == gender

    def person_pronouns(self, i: int) -> None:
        sentence = self.article.sentences[i]
        for token in sentence.span:
            if token.lower_ not in _GENDER or token.pos_ != "PRON":
                continue
            start = sentence.offset + token.idx
            span = (start, start + len(token.text))
            if any(span in p.mention_kinds for p in self.people):
                continue
            in_view = self._people_named(i, before=start)
            back = i - 1
            while not in_view and back >= max(0, i - _LOOKBACK) \
                    and self.article.sentences[back].section == sentence.section:
                in_view = self._people_named(back)
                back -= 1
            if len(in_view) == 1 and self._gender_ok(in_view[0], token.lower_):
                self._resolve(in_view[0], i, span, MentionKind.pronoun)

    def nominal_mentions(self, i: int) -> None:
        if self.nominal_pattern is None:
            return
        sentence = self.article.sentences[i]
        for m in self.nominal_pattern.finditer(sentence.text):
            target = self.nominals[m.group(1).lower()]
            span = (sentence.start + m.start(), sentence.start + m.end())
            self._resolve(target, i, span, MentionKind.nominal)


def resolve_references(article: Article, targets: list[Target], others: list[Target] = ()) -> None:
    """Add to `targets` the pronouns and nominals that refer to them. `others` are the article's
    other actors, which make a reference ambiguous but are not resolved themselves."""
    resolver = _Resolver(article, targets, list(others))
    named = {i for t in targets for i in t.mention_sentences}
    for i in range(len(article.sentences)):
        resolver.continuing_subject(i, named)
        resolver.person_pronouns(i)
        resolver.nominal_mentions(i)

