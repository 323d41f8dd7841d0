"""A target: an actor the article names or a name the user gave, with its aliases and mentions."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..schema import MentionKind
from .names import PersonName

Span = tuple[int, int]


@dataclass
class Target:
    name: str
    origin: str  # "user" or "auto"
    aliases: set[str] = field(default_factory=set)
    case_sensitive: bool = True
    salience: float = 0.0
    kind: str | None = None  # "person" or "group" (a country, an organisation), from NER; None when unknown
    person: PersonName | None = None  # how the name parses, for a person (or a user's name that may be one)
    nominals: set[str] = field(default_factory=set)  # the titles the article gives a person: "president"
    mentions: list[Span] = field(default_factory=list)
    mention_kinds: dict[Span, MentionKind] = field(default_factory=dict)  # spans not here are names
    mention_sentences: dict[int, list[Span]] = field(default_factory=dict)
    mention_headings: dict[int, list[Span]] = field(default_factory=dict)  # by index in article.headings

    def kind_of(self, span: Span) -> MentionKind:
        return self.mention_kinds.get(span, MentionKind.name)

    @property
    def resolved(self) -> list[Span]:
        """The mentions that are references (pronouns, nominals) rather than names."""
        return [s for s in self.mentions if s in self.mention_kinds]

    def add_reference(self, sentence: int, span: Span, kind: MentionKind) -> None:
        if span in self.mention_kinds or span in self.mentions:
            return
        self.mention_kinds[span] = kind
        self.mentions = sorted(self.mentions + [span])
        self.mention_sentences[sentence] = sorted(self.mention_sentences.get(sentence, []) + [span])

    def absorb(self, other: Target) -> None:
        """Take another target's names: it is the same entity."""
        self.aliases |= other.aliases
        self.nominals |= other.nominals
        self.salience += other.salience
        self.kind = self.kind or other.kind
        if other.person is not None and (self.person is None or self.person.surname is None):
            self.person = other.person
