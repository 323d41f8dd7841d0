"""Sentences from spaCy, over each section's own paragraphs (and its entities, for `entities.spacy`).

Headings are not sentences: spaCy only sees the paragraphs under them, so a heading can
never glue itself onto the first sentence of its section. Paragraphs of one article go
through `nlp.pipe` together.
"""

from __future__ import annotations

import re

import spacy

from .document import Article, Sentence
from .sections import paragraphs

ACTOR_LABELS = frozenset({"GPE", "NORP", "ORG", "PERSON"})
# spaCy's tokenizer peels affixes off a whitespace-free run one at a time, which is quadratic
# in the run's length (50,000 emoji took minutes). Runs and docs are cut to bounded pieces.
MAX_RUN_CHARS = 300
MAX_DOC_CHARS = 5_000
_LONG_RUN = re.compile(rf"\S{{{MAX_RUN_CHARS + 1},}}")
# Components the later stages read: the parser splits sentences and gives dependencies for
# hedge scope and attribution, the tagger and attribute ruler tell modal "may" from the month.
# No stage reads lemmas. NER runs only for a stage that reads it (`entities.spacy`): see `run_only`.
_UNUSED_PIPES = ("lemmatizer",)
OPTIONAL_PIPES = frozenset({"ner"})


def bounded_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a paragraph so that no piece exceeds MAX_DOC_CHARS and no whitespace-free run MAX_RUN_CHARS.

    Long paragraphs are cut at the last whitespace before the limit; an over-long run (no
    natural boundary inside) is cut into fixed pieces. Real prose never meets either limit.
    """
    cuts = []
    for m in _LONG_RUN.finditer(text, start, end):
        cuts.extend(range(m.start() + MAX_RUN_CHARS, m.end(), MAX_RUN_CHARS))
        cuts.append(m.end())
    pieces = []
    for a, b in zip([start] + cuts, cuts + [end]):
        while b - a > MAX_DOC_CHARS:
            space = text.rfind(" ", a + MAX_DOC_CHARS // 2, a + MAX_DOC_CHARS)
            cut = space if space > a else a + MAX_DOC_CHARS
            pieces.append((a, cut))
            a = cut
        pieces.append((a, b))
    return [(a, b) for a, b in pieces if text[a:b].strip()]


class Linguistics:
    def __init__(self, model: str, batch_size: int = 64):
        self.nlp = spacy.load(model, exclude=[p for p in _UNUSED_PIPES])
        self.batch_size = batch_size
        meta = self.nlp.meta
        self.version = f"{meta.get('lang', 'xx')}_{meta.get('name', model)}-{meta.get('version', '0')}"

    def run_only(self, read: frozenset[str]) -> None:
        """Run the optional components some stage reads (`read`), and disable the others: a pipeline whose
        entities come from the trained head never runs spaCy's NER (47% of spaCy's time)."""
        for name in OPTIONAL_PIPES & set(self.nlp.component_names):
            if name in read and name in self.nlp.disabled:
                self.nlp.enable_pipe(name)
            elif name not in read and name not in self.nlp.disabled:
                self.nlp.disable_pipe(name)
        missing = read - set(self.nlp.pipe_names)
        if missing:
            raise ValueError(f"the spaCy pipeline {self.version} has no {', '.join(sorted(missing))}, "
                             "which a stage of this profile reads")

    def __call__(self, article: Article) -> None:
        wraps = article.content_type != "html"
        regions = []  # (start, end, section, subsection)
        for section in article.sections:
            for node, sub in [(section, None)] + [(s, s.index) for s in section.subsections]:
                for start, end in node.body:
                    for a, b in paragraphs(article.text, start, end, hard_wraps=wraps):
                        regions.extend((x, y, section.index, sub) for x, y in bounded_pieces(article.text, a, b))

        texts = (article.text[a:b] for a, b, _, _ in regions)
        sentences: list[Sentence] = []
        for (offset, _, section, subsection), doc in zip(regions, self.nlp.pipe(texts, batch_size=self.batch_size)):
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
                        text=article.text[start : start + len(body)],
                        section=section,
                        subsection=subsection,
                        span=sent,
                        offset=offset,
                    )
                )
        article.sentences = sentences
