"""Sentences and entities from spaCy, over each section's own paragraphs.

Headings are not sentences: spaCy only sees the paragraphs under them, so a heading can
never glue itself onto the first sentence of its section. Paragraphs of one article go
through `nlp.pipe` together.
"""

from __future__ import annotations

import spacy

from .document import Article, Entity, Sentence
from .sections import paragraphs

ACTOR_LABELS = frozenset({"GPE", "NORP", "ORG", "PERSON"})
# Components the later stages read: the parser splits sentences and gives dependencies for
# hedge scope and attribution, the tagger tells modal "may" from the month, NER finds actors.
_UNUSED_PIPES = ("lemmatizer",)


class Linguistics:
    def __init__(self, model: str, batch_size: int = 64):
        self.nlp = spacy.load(model, exclude=[p for p in _UNUSED_PIPES])
        self.batch_size = batch_size
        meta = self.nlp.meta
        self.version = f"{meta.get('lang', 'xx')}_{meta.get('name', model)}-{meta.get('version', '0')}"

    def __call__(self, article: Article) -> None:
        wraps = article.content_type != "html"
        regions = []  # (start, end, section, subsection)
        for section in article.sections:
            for node, sub in [(section, None)] + [(s, s.index) for s in section.subsections]:
                for start, end in node.body:
                    regions.extend(
                        (a, b, section.index, sub) for a, b in paragraphs(article.text, start, end, hard_wraps=wraps)
                    )

        texts = (article.text[a:b] for a, b, _, _ in regions)
        sentences: list[Sentence] = []
        entities: list[Entity] = []
        for (offset, _, section, subsection), doc in zip(regions, self.nlp.pipe(texts, batch_size=self.batch_size)):
            first = len(sentences)
            for sent in doc.sents:
                raw = sent.text
                lead = len(raw) - len(raw.lstrip())
                body = raw.strip()
                if not any(ch.isalnum() for ch in body):
                    continue
                start = offset + sent.start_char + lead
                sentences.append(
                    Sentence(
                        index=len(sentences),
                        start=start,
                        end=start + len(body),
                        text=body,
                        section=section,
                        subsection=subsection,
                        span=sent,
                        offset=offset,
                    )
                )
            for ent in doc.ents:
                if ent.label_ not in ACTOR_LABELS:
                    continue
                start = offset + ent.start_char
                owner = next(
                    (s.index for s in sentences[first:] if s.start <= start < s.end),
                    None,
                )
                if owner is not None:
                    entities.append(Entity(start, offset + ent.end_char, ent.text, ent.label_, owner))
        article.sentences = sentences
        article.entities = entities
