"""The union gold: sentences labelled under both hedge schemes, uncertain when either says so.

The Szeged corpus's Wikipedia documents are CoNLL-2010 documents, so most of their sentences
also occur in `conll2010_wiki_hedge`, which is PTB-tokenised (`-LRB-` for "(", spaces around
punctuation). Sentences are matched on a normalised text that ignores both. A matched sentence
has CoNLL's label (weasel wording and hedges) and Szeged's (semantic uncertainty, with cue
spans); `label` is `uncertain` when either is. Splits follow CoNLL's: its dev sentences make
the union's dev part, so nothing CoNLL dev holds is tuned on.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel, Field

CONLL = "conll2010_wiki_hedge"
SZEGED = "szeged_uncertainty"
SPLITS = ("train", "dev")
UNCERTAIN, CERTAIN = "uncertain", "certain"

_PTB = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}"}
_NOT_WORD = re.compile(r"[\W_]+")


class UnionRecord(BaseModel):
    id: str = Field(description="The Szeged id of the sentence.")
    text: str = Field(description="Szeged's untokenised text, which its cue offsets point into.")
    label: str = Field(description="`uncertain` when either scheme says so, else `certain`.")
    conll_label: str
    szeged_label: str
    domain: str = Field(description="Always `wikipedia`: only those Szeged documents are CoNLL's.")
    conll_id: str
    cues: list[dict] = Field(description="Szeged's cue spans `{start, end, text, type, type_raw}`.")


class UnionCounts(BaseModel):
    split: str
    conll: int = Field(description="CoNLL sentences in the split.")
    matched: int = Field(description="Those with exactly one Szeged sentence of the same normalised text.")
    ambiguous: int = Field(description="CoNLL sentences whose normalised text is not unique on either side: left out.")
    uncertain: dict[str, int] = Field(description="Uncertain matched sentences by `conll`, `szeged` and `union`.")


def normalise(text: str) -> str:
    """The text with PTB brackets restored, then lower-cased letters and digits only."""
    for token, char in _PTB.items():
        text = text.replace(token, char)
    return _NOT_WORD.sub("", text).lower()


def union(conll: Iterable[dict], szeged: Iterable[dict], split: str) -> tuple[list[UnionRecord], UnionCounts]:
    """The matched sentences of one CoNLL split. A normalised text that occurs twice on either
    side (titles such as "History") cannot say which label goes with which sentence: left out."""
    conll = list(conll)
    wiki = [r for r in szeged if r.get("domain") == "wikipedia"]
    seen_conll = Counter(normalise(r["text"]) for r in conll)
    seen_szeged = Counter(normalise(r["text"]) for r in wiki)
    by_text = {normalise(r["text"]): r for r in wiki}
    out, ambiguous = [], 0
    for r in conll:
        key = normalise(r["text"])
        if not key or key not in by_text:
            continue
        if seen_conll[key] > 1 or seen_szeged[key] > 1:
            ambiguous += 1
            continue
        s = by_text[key]
        either = UNCERTAIN in (r["label"], s["label"])
        out.append(UnionRecord(id=s["id"], text=s["text"], label=UNCERTAIN if either else CERTAIN,
                               conll_label=r["label"], szeged_label=s["label"], domain="wikipedia",
                               conll_id=r["id"], cues=s.get("cues") or []))
    uncertain = {"conll": sum(r.conll_label == UNCERTAIN for r in out),
                 "szeged": sum(r.szeged_label == UNCERTAIN for r in out),
                 "union": sum(r.label == UNCERTAIN for r in out)}
    return out, UnionCounts(split=split, conll=len(conll), matched=len(out), ambiguous=ambiguous, uncertain=uncertain)
