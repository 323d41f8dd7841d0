"""Hedge rules: typed cue spans, the attributed source and a hedge score from the spaCy parse.

The trained detector (`detector.py`) keeps these rules where its model has no signal:
approximators before numbers and attribution to vague sources, and the source span.

Rules read the shared spaCy parse of each sentence, so context decides: "may" is a cue only
as a modal (not the month), "around" and "about" only before a number (not "around the
city"), "could not" states inability rather than possibility, "appear" hedges only with a
complement ("appears to be", not "appeared in court"), and "possible" not in "as soon as
possible". A sentence's score combines its cues' weights as independent evidence,
`1 - prod(1 - w)`, so two weak cues outweigh one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Token

from ..document import Article, Sentence
from ..schema import HedgeType, UncertaintyType

# Cue words by type, with weights: how much each one alone lowers commitment.
_MODALS = {"may": 0.55, "might": 0.55, "could": 0.45}
_EVIDENTIAL_VERBS = {
    form: 0.6
    for lemma in ("suggest", "indicate", "imply", "hint", "seem", "appear", "suspect", "speculate", "believe",
                  "presume", "assume")
    for form in (lemma, lemma + "s", lemma + "ed", lemma.rstrip("e") + "ing", lemma + "d")
}
_NEEDS_COMPLEMENT = {"seem", "seems", "seemed", "seeming", "appear", "appears", "appeared", "appearing"}
_EVIDENTIAL_ADVERBS = {
    "apparently": 0.6, "reportedly": 0.6, "allegedly": 0.6, "purportedly": 0.6, "supposedly": 0.6,
    "seemingly": 0.6, "ostensibly": 0.5, "arguably": 0.5,
}
_PROBABILITY = {
    "likely": 0.6, "unlikely": 0.6, "probably": 0.65, "probable": 0.6, "possibly": 0.65, "possible": 0.5,
    "possibility": 0.5, "possibilities": 0.5, "potentially": 0.6, "potential": 0.4, "perhaps": 0.65,
    "maybe": 0.65, "presumably": 0.6, "conceivably": 0.6, "plausibly": 0.5, "plausible": 0.45,
    "uncertain": 0.5, "unclear": 0.5, "doubtful": 0.5, "chance": 0.4, "chances": 0.4,
}
_APPROX_ALWAYS = {
    "approximately": 0.45, "roughly": 0.45, "circa": 0.45, "estimate": 0.45, "estimates": 0.45,
    "estimated": 0.45, "approximate": 0.4,
}
_APPROX_BEFORE_NUMBER = {"around": 0.4, "about": 0.4, "some": 0.35, "nearly": 0.35, "almost": 0.35, "up": 0.3}
_CONDITIONALS = {"if": 0.25, "unless": 0.25, "whether": 0.2}
_REPORTING_VERBS = {
    form
    for lemma in ("say", "report", "claim", "warn", "cite", "state", "allege", "tell", "note", "argue", "add",
                  "insist", "contend", "assert", "maintain", "estimate", "predict", "caution", "fear", "expect",
                  "acknowledge", "admit", "announce", "confirm", "deny", "consider", "regard", "perceive", "think",
                  "feel", "rumor", "rumour", "suppose")
    for form in (lemma, lemma + "s", lemma + "ed", lemma + "d", lemma.rstrip("e") + "ing")
} | {"said", "told", "says", "thought", "felt"}
# "It is said", "was widely expected to", "is perceived as": an agentless passive attributes the
# claim to no one, which is weasel wording.
_AGENTLESS_REPORTING = {
    form
    for lemma in ("say", "believe", "think", "consider", "regard", "perceive", "report", "claim", "allege",
                  "rumor", "rumour", "expect", "suppose", "estimate")
    for form in (lemma + "ed", lemma + "d")
} | {"said", "thought"}
_WEASEL_ADVERBS = {"widely", "commonly", "generally", "often", "sometimes", "frequently", "popularly"}
# Judgements passed on without saying whose: "has long been criticized", "was hailed as a success".
# Unlike the reporting verbs above they need no complement to leave the judge unnamed.
_AGENTLESS_JUDGEMENT = {
    form
    for lemma in ("criticize", "criticise", "praise", "dispute", "question", "condemn", "acclaim", "hail", "revile",
                  "challenge", "debate", "contest")
    for form in (lemma + "ed", lemma + "d")
}
# Quantifiers that make a source vague: "some claim", "many historians argue", "said by most".
_QUANTIFIERS = {"some", "many", "most", "several", "others", "few", "numerous", "various"}
_ATTRIBUTION_WEIGHT = 0.25
WEASEL_WEIGHT = 0.5
# Sources that name no one: "experts say", "reports suggest". Attribution to them is a hedge.
_VAGUE_SOURCES = {
    "expert", "experts", "analyst", "analysts", "observer", "observers", "critic", "critics", "official",
    "officials", "source", "sources", "report", "reports", "people", "many", "some", "others", "scientists",
    "researchers", "studies", "study", "commentators", "insiders", "witnesses", "residents", "media",
    "diplomats", "authorities", "rumours", "rumors", "speculation",
}
# People left unnamed when a quantifier or no determiner leaves them vague: "some scholars hold",
# "many fans left", "critics point out", "used by some societies". Things ("several factors") are not actors.
_VAGUE_ACTORS = _VAGUE_SOURCES | {
    "people", "scholars", "historians", "academics", "authors", "writers", "artists", "fans", "supporters",
    "opponents", "proponents", "advocates", "detractors", "skeptics", "sceptics", "members", "users", "readers",
    "viewers", "listeners", "individuals", "groups", "organizations", "organisations", "countries", "nations",
    "economists", "politicians", "voters", "believers", "theorists", "societies", "citizens", "activists",
    "journalists", "reviewers", "conservatives", "liberals",
}
_ACTOR_DEPS = {"nsubj", "nsubjpass"}
# Reputation says that unnamed people think so: "a well-known painter", "is best known for",
# "the controversial reform". Judged by whom is left out.
_REPUTATION = {"famous", "renowned", "acclaimed", "notorious", "controversial", "popular", "celebrated", "infamous",
               "legendary"}
_KNOWN_BY = {"well", "best", "widely", "commonly", "generally", "popularly"}
_SOURCE_NOUNS = _VAGUE_SOURCES | {
    "government", "ministry", "military", "forces", "spokesman", "spokeswoman", "spokesperson", "agency",
    "police", "army", "intelligence", "president", "minister", "leader", "leaders", "survey", "poll",
    "statement", "newspaper", "paper", "investigators", "prosecutors", "lawmakers", "campaign", "company",
}
_ACTOR_ENTS = {"PERSON", "ORG", "NORP", "GPE"}
_MODIFIER_DEPS = {"compound", "amod", "nummod", "poss", "nmod", "npadvmod"}
_NEGATIONS = {"not", "n't", "never"}


@dataclass(frozen=True)
class CueHit:
    start: int
    end: int
    type: HedgeType
    weight: float
    uncertainty: UncertaintyType | None = None  # the corpus class of a cue the model found


@dataclass(frozen=True)
class SentenceHedges:
    sentence: int
    score: float
    cues: list[CueHit]
    source: tuple[int, int] | None
    probabilities: dict[str, float] = field(default_factory=dict)  # the model's, by labelling scheme

    def shows_why(self) -> bool:
        """Whether a cue says why the sentence is hedged: any cue but attribution to a named
        source, which reports a claim without weakening it. Only such sentences are listed."""
        return any(c.type is not HedgeType.attribution or c.weight >= WEASEL_WEIGHT for c in self.cues)


def _is_number(tok: Token) -> bool:
    return tok.like_num or tok.tag_ == "CD"


def _before_number(tok: Token) -> bool:
    doc = tok.doc
    i = tok.i + 1
    if tok.lower_ == "up":  # "up to 500"
        if i < len(doc) and doc[i].lower_ == "to":
            i += 1
        else:
            return False
    while i < len(doc) and (doc[i].is_currency or doc[i].lower_ in {"a", "an"}):
        i += 1
    return i < len(doc) and _is_number(doc[i])


def _negated_after(tok: Token) -> bool:
    doc = tok.doc
    return any(doc[j].lower_ in _NEGATIONS for j in range(tok.i + 1, min(tok.i + 3, len(doc))))


def _has_complement(tok: Token) -> bool:
    return any(c.dep_ in {"xcomp", "acomp", "attr", "ccomp", "oprd"} for c in tok.children) or any(
        c.lower_ in {"as", "like"} for c in tok.children
    )


def _in_as_possible(tok: Token) -> bool:
    """'as soon as possible', 'as much as possible': a fixed phrase, not a hedge."""
    return any(tok.doc[j].lower_ == "as" for j in range(max(0, tok.i - 3), tok.i))


def classify_token(tok: Token) -> tuple[HedgeType, float] | None:
    """The hedge type and weight of a single token in context, or None."""
    low = tok.lower_
    if low in _MODALS and tok.tag_ == "MD":
        if low == "could" and _negated_after(tok):
            return None
        return HedgeType.modal, _MODALS[low]
    if low in _EVIDENTIAL_VERBS and tok.pos_ in {"VERB", "AUX"}:
        if low in _NEEDS_COMPLEMENT and not _has_complement(tok):
            return None
        return HedgeType.evidential, _EVIDENTIAL_VERBS[low]
    if low in _EVIDENTIAL_ADVERBS:
        return HedgeType.evidential, _EVIDENTIAL_ADVERBS[low]
    if low in _PROBABILITY:
        if low == "possible" and _in_as_possible(tok):
            return None
        return HedgeType.probability, _PROBABILITY[low]
    if low in _APPROX_ALWAYS:
        return HedgeType.approximator, _APPROX_ALWAYS[low]
    if low in _APPROX_BEFORE_NUMBER and _before_number(tok):
        return HedgeType.approximator, _APPROX_BEFORE_NUMBER[low]
    if low in _CONDITIONALS and tok.dep_ == "mark":
        return HedgeType.conditional, _CONDITIONALS[low]
    return None


# Words whose hedging the context decides ("may" the modal, not the month; "could" but not
# "could not"; "around" before a number; "appears to be"; "possible" outside "as soon as possible").
_CONTEXTUAL = set(_MODALS) | set(_APPROX_BEFORE_NUMBER) | _NEEDS_COMPLEMENT | {"possible"}


def context_rejects(tok: Token) -> bool:
    """Whether the context rules say this word, which can hedge, does not hedge here."""
    return tok.lower_ in _CONTEXTUAL and classify_token(tok) is None


def _source_phrase(head: Token) -> tuple[Token, Token] | None:
    """The noun phrase a claim is attributed to, headed by `head`, or None if it names no source."""
    if head.lower_ in _QUANTIFIERS:
        return head, head
    if head.pos_ not in {"NOUN", "PROPN"}:
        return None
    left = head
    for child in reversed(list(head.lefts)):
        if child.dep_ in _MODIFIER_DEPS and child.i == left.i - 1:
            left = child
        else:
            break
    # Keep modifiers that chain further left ("Ukrainian special forces").
    while left.i > 0 and left.doc[left.i - 1].head in {head, left} and left.doc[left.i - 1].dep_ in _MODIFIER_DEPS:
        left = left.doc[left.i - 1]
    quantifier = _quantifier(head)
    if quantifier is not None and quantifier.i < left.i:
        left = quantifier
    tokens = left.doc[left.i : head.i + 1]
    named = any(t.ent_type_ in _ACTOR_ENTS for t in tokens)
    if not named and quantifier is None and head.lower_ not in _SOURCE_NOUNS and head.pos_ != "PROPN":
        return None
    return left, head


def _quantifier(head: Token) -> Token | None:
    return next((c for c in head.lefts if c.dep_ in {"det", "amod"} and c.lower_ in _QUANTIFIERS), None)


def _is_vague(left: Token, head: Token) -> bool:
    tokens = left.doc[left.i : head.i + 1]
    vague = head.lower_ in _VAGUE_SOURCES or head.lower_ in _QUANTIFIERS or _quantifier(head) is not None
    return vague and not any(t.ent_type_ in {"PERSON", "ORG"} for t in tokens)


def _agentless_passive(tok: Token) -> bool:
    children = {c.dep_ for c in tok.children}
    if "auxpass" not in children or "agent" in children:
        return False
    return tok.lower_ in _AGENTLESS_JUDGEMENT or tok.lower_ in _AGENTLESS_REPORTING and _has_complement(tok)


def _reputation(tok: Token) -> tuple[Token, Token] | None:
    """'famous', 'controversial' describing something; 'well known', 'best known for', 'known to cause'."""
    if tok.lower_ in _REPUTATION and tok.pos_ == "ADJ" and tok.dep_ in {"amod", "acomp", "conj"}:
        return tok, tok
    if tok.lower_ != "known":
        return None
    doc = tok.doc
    hyphen = 1 if tok.i > 1 and doc[tok.i - 1].text == "-" else 0  # "well-known" is three tokens
    if tok.i - 1 - hyphen >= 0 and doc[tok.i - 1 - hyphen].lower_ in _KNOWN_BY:
        return doc[tok.i - 1 - hyphen], tok
    if tok.tag_ != "VBN":
        return None
    after = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
    return (tok, after) if after is not None and after.lower_ in {"for", "to"} else None  # not "also known as"


def _reported_by(tok: Token) -> bool:
    """Whether `tok` is the subject or agent of a reporting verb, whose own cue already says it."""
    verb = tok.head.head if tok.dep_ == "pobj" else tok.head
    return verb.lower_ in _REPORTING_VERBS and verb.pos_ == "VERB"


def _vague_generality(tok: Token) -> bool:
    """'widely', 'commonly', 'generally' right before the participle it modifies: 'widely used',
    'commonly referred to', 'generally accepted'. Not before other verbs ('often experienced')."""
    head = tok.head
    return (tok.lower_ in _WEASEL_ADVERBS and tok.dep_ == "advmod" and head.tag_ == "VBN" and head.i == tok.i + 1
            and head.lower_ not in _AGENTLESS_REPORTING | _AGENTLESS_JUDGEMENT
            and not any(c.dep_ == "neg" for c in head.children))


def _vague_actor(tok: Token) -> tuple[Token, Token] | None:
    """The phrase naming unnamed people, when `tok` heads one in a role that acts or judges:
    subject ("Some acknowledge", "many critics say"), agent ("reviled by many natives") or a bare
    quantifier as object ("impressed many")."""
    agent = tok.dep_ == "pobj" and tok.head.dep_ == "agent"
    if tok.lower_ in _QUANTIFIERS and tok.pos_ in {"PRON", "DET", "ADJ", "NOUN"}:
        return (tok, tok) if tok.dep_ in _ACTOR_DEPS | {"dobj"} or agent else None
    quantifier = _quantifier(tok)
    actor = tok.lower_ in _VAGUE_ACTORS or agent and quantifier is not None  # "by some autism societies"
    if not actor or tok.tag_ != "NNS" or not (tok.dep_ in _ACTOR_DEPS or agent):
        return None
    determined = any(c.dep_ in {"det", "poss"} for c in tok.lefts)
    if quantifier is None and determined or any(t.ent_type_ in _ACTOR_ENTS for t in tok.subtree if t is not tok):
        return None  # "the experts", "their fans", "US officials", "experts at Harvard": someone in particular
    return (quantifier or tok), tok


def find_source(tok: Token) -> tuple[Token, Token] | None:
    """Who a reporting or evidential verb attributes its content to: subject, agent or 'according to'."""
    if tok.lower_ == "according":
        for child in tok.children:
            for grandchild in child.children if child.lower_ == "to" else ():
                if grandchild.dep_ == "pobj":
                    return _source_phrase(grandchild)
        return None
    for child in tok.children:
        if child.dep_ == "nsubj":
            return _source_phrase(child)
        if child.dep_ == "agent":
            for pobj in child.children:
                if pobj.dep_ == "pobj":
                    return _source_phrase(pobj)
    return None


def _without_overlaps(cues: list[CueHit]) -> list[CueHit]:
    """One cue per stretch of text: where cues overlap, the heavier one stays."""
    kept: list[CueHit] = []
    for cue in sorted(cues, key=lambda c: -c.weight):
        if all(cue.end <= k.start or cue.start >= k.end for k in kept):
            kept.append(cue)
    return sorted(kept, key=lambda c: c.start)


def _cue(base: int, first: Token, last: Token, type_: HedgeType, weight: float) -> CueHit:
    """A cue over the tokens `first`..`last`; `base` maps the parse's offsets into the article."""
    return CueHit(base + first.idx, base + last.idx + len(last.text), type_, weight)


def combined_score(cues: list[CueHit]) -> float:
    """Cues as independent evidence: `1 - prod(1 - weight)`."""
    remaining = 1.0
    for cue in cues:
        remaining *= 1.0 - cue.weight
    return round(1.0 - remaining, 4)


class RuleHedgeDetector:
    version = "rules-3"
    threshold = 0.35
    schemes: tuple[str, ...] = ()  # no model probabilities

    def detect_sentence(self, sentence: Sentence) -> SentenceHedges:
        cues: list[CueHit] = []
        source: tuple[int, int] | None = None
        base = sentence.offset
        for tok in sentence.span:
            hit = classify_token(tok)
            is_reporting = tok.lower_ in _REPORTING_VERBS and tok.pos_ == "VERB" or tok.lower_ == "according"
            found = find_source(tok) if (hit and hit[0] is HedgeType.evidential) or is_reporting else None
            if hit:
                last = tok.doc[tok.i + 1] if tok.lower_ == "up" else tok  # "up to" is one cue
                cues.append(_cue(base, tok, last, *hit))
            if (is_reporting or tok.lower_ in _AGENTLESS_JUDGEMENT) and not hit and not found and _agentless_passive(tok):
                first = tok.doc[tok.i - 1] if tok.i > 0 and tok.doc[tok.i - 1].lower_ in _WEASEL_ADVERBS else tok
                cues.append(_cue(base, first, tok, HedgeType.attribution, WEASEL_WEIGHT))
            if found:
                left, head = found
                span = (base + left.idx, base + head.idx + len(head.text))
                source = source or span
                if is_reporting and not hit:
                    end_tok = tok.doc[tok.i + 1] if tok.lower_ == "according" and tok.i + 1 < len(tok.doc) else tok
                    weight = WEASEL_WEIGHT if _is_vague(left, head) else _ATTRIBUTION_WEIGHT
                    cues.append(_cue(base, tok, end_tok, HedgeType.attribution, weight))
                elif _is_vague(left, head):
                    # "Reports suggest": the vague source itself is a second, attribution cue.
                    cues.append(CueHit(span[0], span[1], HedgeType.attribution, WEASEL_WEIGHT))
            elif reputation := _reputation(tok):
                cues.append(_cue(base, *reputation, HedgeType.attribution, WEASEL_WEIGHT))
            elif _vague_generality(tok):
                # "commonly referred to as", "widely accepted": a view held by no one in particular.
                cues.append(_cue(base, tok, tok.head, HedgeType.attribution, WEASEL_WEIGHT))
            elif (actor := _vague_actor(tok)) and not _reported_by(tok):
                # Weasel wording without a reporting verb: "Some people avoid dairy", "others supported it".
                cues.append(_cue(base, *actor, HedgeType.attribution, WEASEL_WEIGHT))
        cues = _without_overlaps(cues)
        return SentenceHedges(sentence.index, combined_score(cues), cues, source)

    def __call__(self, article: Article) -> list[SentenceHedges]:
        return [self.detect_sentence(s) for s in article.sentences]


# Every cue word the rules know, with its type and weight: what a lexicon lookup alone would use.
LEXICON: dict[str, tuple[HedgeType, float]] = {
    **{w: (HedgeType.conditional, v) for w, v in _CONDITIONALS.items()},
    **{w: (HedgeType.approximator, v) for w, v in {**_APPROX_BEFORE_NUMBER, **_APPROX_ALWAYS}.items()},
    **{w: (HedgeType.probability, v) for w, v in _PROBABILITY.items()},
    **{w: (HedgeType.evidential, v) for w, v in {**_EVIDENTIAL_VERBS, **_EVIDENTIAL_ADVERBS}.items()},
    **{w: (HedgeType.modal, v) for w, v in _MODALS.items()},
}


class LexiconHedgeDetector:
    """The evaluation baseline: every lexicon word is a cue, whatever its context or attribution.

    It shows what the context rules (and later the trained model) add over word lookup.
    """

    version = "lexicon-baseline-1"
    threshold = 1e-9  # any cue
    schemes: tuple[str, ...] = ()

    def __call__(self, article: Article) -> list[SentenceHedges]:
        out = []
        for sentence in article.sentences:
            cues = [_cue(sentence.offset, tok, tok, *LEXICON[tok.lower_]) for tok in sentence.span if tok.lower_ in LEXICON]
            out.append(SentenceHedges(sentence.index, combined_score(cues), cues, None))
        return out
