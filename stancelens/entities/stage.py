"""The entity stages: each fills `article.entities` from what the stages before it left."""

from __future__ import annotations

from spacy.util import filter_spans

from ..document import Article, Entity
from ..linguistics import ACTOR_LABELS
from .model import EntityModel


class SpacyEntities:
    """spaCy's NER, run by the linguistic stage over each paragraph: its actor entities, each owned by
    the sentence it starts in (an entity in a sentence the linguistic stage dropped is dropped too)."""

    spacy_pipes = frozenset({"ner"})
    state_layer = None
    version = "spacy-ner"  # the model is the linguistic stage's, whose version the result names too

    def __call__(self, article: Article) -> None:
        entities = []
        docs: dict[int, list] = {}
        for sentence in article.sentences:  # sentences in order; a paragraph's doc once, with its sentences
            docs.setdefault(id(sentence.span.doc), []).append(sentence)
        for sentences in docs.values():
            offset = sentences[0].offset
            for ent in sentences[0].span.doc.ents:
                if ent.label_ not in ACTOR_LABELS:
                    continue
                start = offset + ent.start_char
                owner = next((s.index for s in sentences if s.start <= start < s.end), None)
                if owner is not None:
                    entities.append(Entity(start, offset + ent.end_char, ent.text, ent.label_, owner))
        article.entities = entities


class HeadEntities:
    """The trained entity head over the token states of the one encoder pass: its actor entities (it tags
    places, dates and the rest too, which keeps it from calling them actors)."""

    spacy_pipes: frozenset[str] = frozenset()

    def __init__(self, model: EntityModel):
        self.model = model
        self.version = model.config.version
        self.state_layer = model.layer  # the pipeline keeps the encoder's states after this layer

    def __call__(self, article: Article) -> None:
        if article.token_states is None:
            raise ValueError("the article was read without token states: read it with a pipeline using this stage")
        found = self.model.predict([s.text for s in article.sentences], article.token_states)
        article.entities = [
            Entity(sentence.start + start, sentence.start + end, sentence.text[start:end], label, sentence.index)
            for sentence, spans in zip(article.sentences, found) for start, end, label in spans if label in ACTOR_LABELS
        ]
        mark_tokens(article)


def mark_tokens(article: Article) -> None:
    """Write `article.entities` onto the parse's tokens (`token.ent_type_`), as spaCy's NER would have: the
    hedge rules read it to tell a named source ("the ministry said") from a vague one ("experts say")."""
    spans: dict[int, tuple] = {}  # id(doc) -> (doc, [spans])
    for entity in article.entities:
        sentence = article.sentences[entity.sentence]
        if sentence.span is None:  # sentences built without a parse (tests)
            continue
        doc = sentence.span.doc
        start = entity.start - sentence.offset
        span = doc.char_span(start, start + len(entity.text), label=entity.label, alignment_mode="expand")
        if span is not None:
            spans.setdefault(id(doc), (doc, []))[1].append(span)
    for doc, found in spans.values():
        doc.set_ents(filter_spans(found), default="outside")
