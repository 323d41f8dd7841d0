"""A target's name mentions: every occurrence of its aliases in the text, headings included.

Mentions are found by searching the whole text for the aliases, so a mention NER missed still
counts. A person's one-word alias ("Lugo", "Young") counts only where spaCy reads it as a noun
outside any other actor's name: "Young voters", "May" the modal or "Washington" the capital are
not mentions of Neil Young, Theresa May or George Washington.
"""

from __future__ import annotations

import bisect
import re

from ..document import Article
from .names import key
from .target import Span, Target

# spaCy's small tagger calls a sentence-initial surname a plural noun now and then ("Lugo fired"):
# a noun is accepted, an adjective, verb or modal is not.
_NOUNS = {"NNP", "NNPS", "NN", "NNS"}


def _sentence_of(article: Article, starts: list[int], span: Span) -> int | None:
    i = bisect.bisect_right(starts, span[0]) - 1
    if i >= 0 and article.sentences[i].start <= span[0] and span[1] <= article.sentences[i].end:
        return i
    return None


def _names_a_person(article: Article, sentence: int, span: Span, own: set[str]) -> bool:
    sent = article.sentences[sentence]
    tokens = sent.span.doc.char_span(span[0] - sent.offset, span[1] - sent.offset, alignment_mode="expand")
    if tokens is None or any(t.tag_ not in _NOUNS for t in tokens):
        return False
    return not any(e.label != "PERSON" and e.start <= span[0] and span[1] <= e.end and key(e.text) not in own
                   for e in article.entities if e.sentence == sentence)


def find_mentions(article: Article, target: Target) -> None:
    """Every mention of the target's aliases in the text, and the sentences or headings they fall in."""
    target.mentions, target.mention_kinds = [], {}
    target.mention_sentences, target.mention_headings = {}, {}
    aliases = sorted({a for a in target.aliases if a}, key=len, reverse=True)
    if not aliases:
        return
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(a) for a in aliases) + r")(?![\w])",
        0 if target.case_sensitive else re.IGNORECASE,
    )
    headings = article.headings
    starts = [s.start for s in article.sentences]
    own = {key(a) for a in aliases}
    for m in pattern.finditer(article.text):
        span = (m.start(), m.end())
        i = _sentence_of(article, starts, span)
        if i is not None:
            if target.kind == "person" and " " not in m.group() and not _names_a_person(article, i, span, own):
                continue
            target.mentions.append(span)
            target.mention_sentences.setdefault(i, []).append(span)
            continue
        target.mentions.append(span)
        h = next((k for k, (start, end) in enumerate(headings) if start <= span[0] and span[1] <= end), None)
        if h is not None:
            target.mention_headings.setdefault(h, []).append(span)
