"""The result contract: every request, response and record that crosses a boundary.

Offsets are Python string indices into `AnalysisResult.text`, so for every span
`result.text[span.start:span.end] == span.text`. For plain text and markdown that is the
input itself; for HTML it is the text extracted from it.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from typing_extensions import Self

from pydantic import BaseModel, ConfigDict, Field

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


class TargetStance(BaseModel):
    target: str = Field(description="Canonical name of the target.")
    aliases: list[str] = Field(description="Surface forms merged into this target that occur in the text "
                               "(resolved pronouns are mentions, not aliases).")
    origin: Literal["user", "auto"] = Field(description="Given in the request, or found by NER.")
    label: StanceLabel = Field(description="The article's stance toward the target: favor, against or neutral.")
    score: float = Field(ge=0.0, le=1.0, description="Confidence in the label.")
    mentions: list[Span] = Field(description="Every mention of the target, headings and resolved pronouns included.")
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


class AnalyzeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    summary_sentences: int | None = Field(
        None, ge=1, le=50, description="Sentences in the article summary (default 3)."
    )
    section_summary_sentences: int | None = Field(
        None, ge=1, le=20, description="Sentences in each section summary (default 2)."
    )
    summary_ratio: float | None = Field(
        None,
        gt=0.0,
        le=1.0,
        description="Summary length as a share of the sentences; overrides the sentence counts when set.",
    )
    hedge_threshold: float | None = Field(
        None, ge=0.0, le=1.0,
        description="Sentences scoring at least this (and with a cue that shows why) are listed as hedged claims. "
        "Default: the hedge stage's own threshold (`model.hedge_threshold`), chosen for F1 on training data.",
    )
    max_auto_targets: int = Field(
        8, ge=0, le=50, description="Cap on targets found automatically, ranked by salience."
    )
    auto_targets: bool = Field(True, description="Find targets by NER in addition to those given.")
    evidence_per_target: int = Field(5, ge=1, le=50, description="Most evidence sentences listed per target.")
    evidence_per_claim: int = Field(3, ge=1, le=20, description="Most evidence sentences listed per claim.")


class AnalysisResult(BaseModel):
    id: str = Field(description="The id sent with the request, or a hash of the text.")
    text: str = Field(description="The text all offsets point into (the extracted text for HTML).")
    content_type: Literal["text", "markdown", "html"] = Field(description="How the input was read.")
    model: ModelInfo = Field(description="Versions of the models that produced this result.")
    summary: Summary = Field(description="Summary of the whole article.")
    sections: list[Section] = Field(description="Top-level sections in text order; they tile `text`.")
    hedged_claims: list[HedgedClaim] = Field(
        description="Sentences whose hedge score is at least `hedge_threshold` and that have a cue, in text order."
    )
    stances: list[TargetStance] = Field(description="Stance toward each target: those given first, then those found.")
    claims: list[ClaimStance] = Field(description="Stance toward each claim given, in request order.")
    timings_ms: dict[str, float] = Field(description="Milliseconds per stage, and `total`.")


EXAMPLE_TEXT = (
    "**Troop movements:**\nUkrainian special forces have reported that no North Korean soldiers have been "
    "spotted in the Kursk region, suggesting that they may have pulled back. Estimates indicate that around "
    "1,000 have been killed."
)


class AnalyzeRequest(BaseModel):
    """One article to analyse, as the API, the batch job and `Pipeline.analyze_batch` take it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"text": EXAMPLE_TEXT}]})

    text: str = Field(description="The article: plain text, markdown or HTML. Not empty; at most STANCELENS_MAX_CHARS characters (default 200,000).")
    id: str | None = Field(None, max_length=256, description="Your id for the article, echoed back; default: a hash of the text.")
    content_type: ContentType = Field("auto", description="How to read `text`; 'auto' detects HTML and reads anything else as markdown.")
    targets: list[str] = Field(default_factory=list, description="Targets to score stance toward, in addition to the actors found automatically (at most STANCELENS_MAX_TARGETS, default 50).")
    claims: list[str] = Field(default_factory=list, description="Claims to score the article's stance toward: agree, disagree, discuss or unrelated (at most STANCELENS_MAX_CLAIMS, default 50).")
    options: AnalyzeOptions = Field(default_factory=AnalyzeOptions, description="Summary lengths, thresholds and caps.")


class ItemError(BaseModel):
    """Why one article of a batch was not analysed; the others go on."""

    id: str = Field(description="The article's id (yours, or the hash of its text).")
    error: str = Field(description="What was wrong, and how to fix it.")
    status: int = Field(description="The HTTP status a single request with this article would get (413, 422).")
