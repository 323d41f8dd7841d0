"""The result contract: every request, response and record that crosses a boundary.

Offsets are Python string indices into `AnalysisResult.text`, so for every span
`result.text[span.start:span.end] == span.text`. For plain text and markdown that is the
input itself; for HTML it is the text extracted from it.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from typing_extensions import Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from .errors import check_article_text, check_item_text

ContentType = Literal["auto", "text", "markdown", "html"]


class HedgeType(str, Enum):
    modal = "modal"
    evidential = "evidential"
    approximator = "approximator"
    probability = "probability"
    conditional = "conditional"
    attribution = "attribution"


class StanceLabel(str, Enum):
    favor = "favor"
    against = "against"
    neutral = "neutral"


class ClaimLabel(str, Enum):
    agree = "agree"
    disagree = "disagree"
    discuss = "discuss"
    unrelated = "unrelated"


class Span(BaseModel):
    text: str = Field(description="The covered text, equal to `text[start:end]` of the analysed text.")
    start: int = Field(ge=0, description="Start offset (inclusive), in Python string indices.")
    end: int = Field(ge=0, description="End offset (exclusive), in Python string indices.")

    @classmethod
    def of(cls, text: str, start: int, end: int, **fields: object) -> Self:
        """The span of `text[start:end]`: every span is built here, so its text always matches."""
        return cls(text=text[start:end], start=start, end=end, **fields)


class UncertaintyType(str, Enum):
    epistemic = "epistemic"
    doxastic = "doxastic"
    condition = "condition"
    investigation = "investigation"


class Cue(Span):
    type: HedgeType = Field(description="What kind of hedge the cue is.")
    uncertainty: UncertaintyType | None = Field(
        None,
        description="For cues the trained model found: their class in the Szeged Uncertainty Corpus scheme "
        "(epistemic: possible or probable; doxastic: belief; condition; investigation: an open question). "
        "None for cues only the rules know (approximators, attribution).",
    )


class Summary(BaseModel):
    text: str = Field(description="The summary as one string.")
    sentences: list[Span] = Field(
        default_factory=list,
        description="Extractive summaries: the chosen sentences, in article order. Empty for abstractive ones.",
    )
    method: Literal["extractive", "abstractive"] = Field(
        "extractive", description="'extractive' (sentences picked from the text) or 'abstractive' (generated text)."
    )


class Section(BaseModel):
    index: int = Field(description="Position in `sections`, or in the parent's `subsections`.")
    level: int = Field(ge=0, description="0 for the untitled lead, 1-6 for headings, parent level + 1 for items.")
    heading: Span | None = Field(description="The heading's text without markup; null for the lead.")
    start: int = Field(description="Start offset of the section, heading included.")
    end: int = Field(description="End offset; sections tile the text without gaps or overlaps.")
    summary: Summary = Field(description="Summary of the section, its subsections included.")
    subsections: list[Section] = Field(
        default_factory=list, description="Numbered bold items inside this section, in order."
    )


class HedgedClaim(BaseModel):
    sentence: Span = Field(description="The hedged sentence.")
    section: int = Field(description="Index into `sections`.")
    subsection: int | None = Field(None, description="Index into that section's `subsections`, if inside one.")
    score: float = Field(ge=0.0, le=1.0, description="Hedge score: the calibrated probability that the sentence hedges "
                         "in either sense, vague attribution (weasel wording) or uncertainty.")
    cues: list[Cue] = Field(description="The words that hedge the sentence, in text order, each with its type; a listed "
                            "sentence has at least one (a weasel sentence its vague-attribution span, typed attribution).")
    source: Span | None = Field(description="Who the claim is attributed to, when the sentence says.")
    probabilities: dict[str, float] = Field(
        default_factory=dict,
        description="The hedge model's probability that the sentence is uncertain, by labelling scheme: "
        "`conll2010` (hedges and weasel wording such as 'some experts say') "
        "and `szeged` (semantic uncertainty only: possibility, belief, condition, open questions); `score` "
        "combines the two. "
        "Empty with the rule detector.",
    )


class Evidence(Span):
    label: StanceLabel = Field(description="The stance this sentence expresses toward the target.")
    score: float = Field(ge=0.0, le=1.0, description="Confidence in this sentence's label.")


class MentionKind(str, Enum):
    name = "name"
    pronoun = "pronoun"
    nominal = "nominal"


class Mention(Span):
    kind: MentionKind = Field(
        MentionKind.name,
        description="`name`: one of the target's names or aliases as written; `pronoun` ('he', 'her', 'it', "
        "'they') and `nominal` ('the president', 'the senator'): a reference the article resolves to the target.")


class TargetStance(BaseModel):
    target: str = Field(description="Canonical name of the target; a requested target keeps the request's spelling.")
    aliases: list[str] = Field(description="Names merged into this target that occur in the text, in order of first "
                               "use (resolved pronouns and nominals are mentions, not aliases).")
    origin: Literal["user", "auto"] = Field(description="Given in the request, or found by NER.")
    label: StanceLabel = Field(description="The article's stance toward the target: favor, against or neutral.")
    score: float = Field(ge=0.0, le=1.0, description="Probability of the label, from all the target's mentions "
                         "(calibrated on PerSenT news articles; see models/article_stance).")
    mentions: list[Mention] = Field(description="Every mention of the target in text order, headings included, "
                                    "each a name or a resolved reference.")
    evidence: list[Evidence] = Field(description="Sentences (or headings) that carry the stance, strongest first.")


class ClaimEvidence(Span):
    relevance: float = Field(ge=-1.0, le=1.0, description="Cosine similarity of the sentence to the claim.")


class ClaimStance(BaseModel):
    claim: str = Field(description="The claim as given.")
    label: ClaimLabel = Field(description="agree, disagree, discuss (reports it without taking a side) or unrelated.")
    score: float = Field(ge=0.0, le=1.0, description="The model's probability of the label, calibrated on held-out "
                         "training pairs (a relevance-based confidence with STANCELENS_CLAIM_MODEL=rules).")
    evidence: list[ClaimEvidence] = Field(description="Most relevant sentences, most relevant first.")


class ModelInfo(BaseModel):
    version: str = Field(description="Version of the whole analysis: package version plus component versions.")
    components: dict[str, str] = Field(description="Version of each component, by stage name.")
    hedge_threshold: float = Field(description="The hedge score from which a sentence is a hedged claim by default.")
    precision: Literal["bf16", "fp32"] = Field(
        "fp32", description="Number format of the encoder's and the trained heads' matrix products "
        "(STANCELENS_PRECISION); on news articles, hedge and stance scores differ by under 0.01 between the two.")
    profile: str = Field("fast", description="The profile that analysed (STANCELENS_PROFILE): 'fast', 'accurate', "
                         "or the name in a profile file.")
    overrides: list[str] = Field(default_factory=list,
                                 description="Slots filled by a setting or a baseline instead of the profile.")


# Requests are validated strictly: a value of another JSON type is refused, not converted ("3" for 3, 0 for
# false), so the server accepts exactly what the OpenAPI schema allows and generated clients can trust it.
STRICT_REQUEST = ConfigDict(extra="forbid", strict=True)


def integral_number(value: object) -> object:
    """5.0 for 5: JSON Schema's `integer` is any number without a fraction, which strict mode would refuse."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def json_int(ge: int, le: int) -> type[int]:
    """An `int` from ge to le, given as a JSON integer (5 or 5.0). The bounds come before the conversion,
    or pydantic's schema would name them `ge`/`le` instead of `minimum`/`maximum`."""
    return Annotated[int, Field(ge=ge, le=le), BeforeValidator(integral_number)]  # type: ignore[return-value]


class AnalyzeOptions(BaseModel):
    model_config = STRICT_REQUEST

    summary_sentences: json_int(1, 50) | None = Field(
        None, description="Sentences in the article summary (default 3)."
    )
    section_summary_sentences: json_int(1, 20) | None = Field(
        None, description="Sentences in each section summary (default 2)."
    )
    summary_ratio: Annotated[float, Field(ge=0.01, le=1.0)] | None = Field(
        None,
        description="Summary length as a share of the sentences (at least one sentence); overrides the sentence "
        "counts when set. From 0.01: any smaller share is one sentence too.",
    )
    hedge_threshold: Annotated[float, Field(ge=0.0, le=1.0)] | None = Field(
        None,
        description="Sentences scoring at least this (and with a cue that shows why) are listed as hedged claims. "
        "Default: the hedge stage's own threshold (`model.hedge_threshold`), chosen for F1 on training data.",
    )
    max_auto_targets: json_int(0, 50) = Field(
        8, description="Cap on targets found automatically, ranked by salience."
    )
    auto_targets: bool = Field(True, description="Find targets by NER in addition to those given.")
    force_language: bool = Field(
        False, description="Analyse the text even when it is in a language other than English, which the models "
        "were not trained on (such text is otherwise refused with 422); the result then carries a warning.")
    evidence_per_target: json_int(1, 50) = Field(5, description="Most evidence sentences listed per target.")
    evidence_per_claim: json_int(1, 20) = Field(3, description="Most evidence sentences listed per claim.")


class LanguageInfo(BaseModel):
    code: str | None = Field(description="ISO 639-1 code of the language detected, e.g. 'en'; null when the text "
                             "holds nothing to tell it by (no letters).")
    name: str | None = Field(description="The language's English name, e.g. 'English'.")
    confidence: float = Field(ge=0.0, le=1.0, description="The detector's confidence in `code`.")


class AnalysisResult(BaseModel):
    id: str = Field(description="The id sent with the request, or a hash of the text.")
    text: str = Field(description="The text all offsets point into (the extracted text for HTML).")
    content_type: Literal["text", "markdown", "html"] = Field(description="How the input was read.")
    model: ModelInfo = Field(description="Versions of the models that produced this result.")
    language: LanguageInfo = Field(description="The language of `text`, as detected. Text the detector is sure is "
                                   "not English is refused with 422 unless `options.force_language` is set.")
    warnings: list[str] = Field(default_factory=list, description="Why this result may not be reliable (text in "
                                "a language other than English, analysed anyway); empty otherwise.")
    summary: Summary = Field(description="Summary of the whole article.")
    sections: list[Section] = Field(description="Top-level sections in text order; they tile `text`.")
    hedged_claims: list[HedgedClaim] = Field(
        description="Sentences whose hedge score is at least `hedge_threshold` and that have a cue, in text order."
    )
    stances: list[TargetStance] = Field(description="Stance toward each target: those given first, then those found.")
    claims: list[ClaimStance] = Field(description="Stance toward each claim given, in request order.")
    sentence_count: int | None = Field(None, ge=0, description="Sentences the analysis read (headings excluded): "
                                       "the denominator of the share of sentences hedged. Null in results made "
                                       "before it was reported.")
    meta: Meta = Field(default_factory=dict, description="The request's `meta`, echoed: fields of the input "
                       "record carried through (`stancelens batch --keep-fields`), to group results by.")
    timings_ms: dict[str, float] = Field(description="Milliseconds per stage, and `total`.")


EXAMPLE_TEXT = (
    "**Troop movements:**\nUkrainian special forces have reported that no North Korean soldiers have been "
    "spotted in the Kursk region, suggesting that they may have pulled back. Estimates indicate that around "
    "1,000 have been killed."
)


# The checks refuse, with their own messages, what the schema states (`\S`: not only whitespace). The
# server's limits (STANCELENS_MAX_CHARS and the like) are settings: the app adds them to the OpenAPI
# schema it serves (`service/openapi.py`).
# Fields of an input record carried through to its result (source, date, url, title): JSON scalars only.
MetaValue = Annotated[str, Field(max_length=10_000)] | int | float | bool | None
Meta = Annotated[dict[Annotated[str, Field(min_length=1, max_length=100)], MetaValue], Field(max_length=32)]

# A character that is not whitespace as Python's str.strip() (the checks) sees it, spelled out: `\S` means less
# in JSON Schema's (ECMA-262) regexes, where U+001C to U+001F and U+0085 are not whitespace.
NOT_BLANK = "[^\t-\r\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"

ArticleText = Annotated[
    str,
    AfterValidator(check_article_text),
    Field(json_schema_extra={"minLength": 1, "allOf": [{"pattern": NOT_BLANK}, {"pattern": "^[^\\u0000]*$"}]}),
]
ItemText = Annotated[str, AfterValidator(check_item_text), Field(json_schema_extra={"minLength": 1, "pattern": NOT_BLANK})]


class AnalyzeRequest(BaseModel):
    """One article to analyse, as the API, the batch job and `Pipeline.analyze_batch` take it."""

    model_config = ConfigDict(**STRICT_REQUEST, json_schema_extra={"examples": [{"text": EXAMPLE_TEXT}]})

    text: ArticleText = Field(description="The article: plain text, markdown or HTML. Not only whitespace, no NUL "
                              "characters; at most STANCELENS_MAX_CHARS characters (default 200,000).")
    id: str | None = Field(None, max_length=256, description="Your id for the article, echoed back; default: a hash of the text.")
    content_type: ContentType = Field("auto", description="How to read `text`; 'auto' detects HTML and reads anything else as markdown.")
    targets: list[ItemText] = Field(default_factory=list, description="Targets to score stance toward, in addition to the actors found automatically (at most STANCELENS_MAX_TARGETS, default 50), each not blank.")
    claims: list[ItemText] = Field(default_factory=list, description="Claims to score the article's stance toward: agree, disagree, discuss or unrelated (at most STANCELENS_MAX_CLAIMS, default 50), each not blank.")
    options: AnalyzeOptions = Field(default_factory=AnalyzeOptions, description="Summary lengths, thresholds and caps.")
    meta: Meta = Field(default_factory=dict, description="Fields to carry into the result unchanged (source, date, "
                       "url, title: at most 32, each a JSON string, number, boolean or null), so results can be "
                       "grouped; `GET /v1/jobs/{id}/report` groups by them.")


class ItemError(BaseModel):
    """Why one article of a batch was not analysed; the others go on."""

    id: str = Field(description="The article's id (yours, or the hash of its text).")
    error: str = Field(description="What was wrong, and how to fix it.")
    status: int = Field(description="The HTTP status a single request with this article would get (413, 422).")
