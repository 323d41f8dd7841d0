"""The shared article state that every stage reads: like spaCy's `Doc`, built once per article.

Normalisation fills `text` and `markers`, language detection `language` (and `warnings`), sectioning fills `sections`, the linguistic stage
fills `sentences`, the encoder `embeddings` (and `token_states` when a stage reads them), and the entity stage
`entities`. Later stages only read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan

    from .encoder import TokenStates
    from .language import Detection


@dataclass(frozen=True)
class HeadingMarker:
    """A heading found in the text: a section heading, or a numbered bold item (a sub-section)."""

    kind: Literal["heading", "item"]
    level: int
    line_start: int  # where the heading's line begins: the section starts here
    heading_start: int
    heading_end: int
    body_start: int  # where the text under the heading begins


@dataclass
class SectionNode:
    index: int
    level: int
    heading: tuple[int, int] | None
    start: int
    end: int
    body: list[tuple[int, int]] = field(default_factory=list)  # regions holding this section's own sentences
    subsections: list[SectionNode] = field(default_factory=list)


@dataclass
class Sentence:
    index: int
    start: int
    end: int
    text: str
    section: int
    subsection: int | None
    span: SpacySpan  # the parsed sentence, for stages that read tokens, tags and dependencies
    offset: int  # add to a token's `idx` to get its offset in the article text


@dataclass(frozen=True)
class Entity:
    start: int
    end: int
    text: str
    label: str
    sentence: int


@dataclass
class Article:
    text: str
    content_type: Literal["text", "markdown", "html"]
    markers: list[HeadingMarker] = field(default_factory=list)
    language: Detection | None = None  # filled by the read step, from `text`
    warnings: list[str] = field(default_factory=list)  # why the result may not be reliable
    sections: list[SectionNode] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    embeddings: np.ndarray | None = None  # (n_sentences, dim), L2-normalised
    # Per sentence, from the same encoder pass, when a stage reads tokens (the hedge model).
    token_states: list[TokenStates] | None = None
    # Per heading (`headings`), from that pass too: the stance model reads targets named in headings.
    heading_states: list[TokenStates] | None = None

    @property
    def headings(self) -> list[tuple[int, int]]:
        """Every heading's text span, section headings and numbered bold items, in text order."""
        return sorted((m.heading_start, m.heading_end) for m in self.markers if m.heading_end > m.heading_start)

    def sentence_ids(self, section: int, subsection: int | None = None, *, deep: bool = False) -> list[int]:
        """Sentences of a section; `deep` includes those of its sub-sections."""
        return [
            s.index
            for s in self.sentences
            if s.section == section and (deep or s.subsection == subsection)
        ]
