"""What `report.json` holds, and `GET /v1/jobs/{id}/report` answers: the typed shape of a collection report."""

from __future__ import annotations

from pydantic import BaseModel, Field


ARTICLE_ID = Field(description="The article's id, as in its result.")


class Count(BaseModel):
    value: str = Field(description="What is counted: a model version, a cue type, a source.")
    count: int = Field(ge=0, description="How many: results, cues or hedged sentences.")


class LabelShare(BaseModel):
    label: str = Field(description="A stance label (favor, against, neutral) or claim label.")
    count: int = Field(ge=0, description="Articles with this label.")
    share: float = Field(ge=0.0, le=1.0, description="count / articles.")
    low: float = Field(ge=0.0, le=1.0, description="Lower end of the share's 95% Wilson interval.")
    high: float = Field(ge=0.0, le=1.0, description="Upper end of the share's 95% Wilson interval.")


class Distribution(BaseModel):
    articles: int = Field(ge=0, description="Articles counted.")
    labels: list[LabelShare] = Field(description="Each label's count and share with its 95% interval.")
    mean_score: float | None = Field(description="Mean of the articles' calibrated scores (the probability of "
                                     "each article's label); null with no articles.")


class GroupDistribution(Distribution):
    group: str = Field(description="The group's value: a source, or the first day of a week or month.")


class EvidenceItem(BaseModel):
    article_id: str = ARTICLE_ID
    text: str = Field(description="The evidence sentence, as in the article's result.")
    label: str = Field(description="The stance the sentence expresses: favor, against or neutral.")
    score: float = Field(description="The model's confidence in the sentence's label.")


class TargetReport(BaseModel):
    target: str = Field(description="The target's name: the spelling given with --targets, else the name "
                        "most articles use.")
    names: list[str] = Field(description="The names merged into this target across articles, most used first.")
    requested: bool = Field(description="Given with --targets.")
    stance: Distribution = Field(description="Over the articles that mention the target.")
    evidence: list[EvidenceItem] = Field(description="The strongest evidence sentences, strongest first.")
    by: dict[str, list[GroupDistribution]] = Field(
        default_factory=dict, description="The stance distribution per group, for each --by grouping.")


class HedgeGroup(BaseModel):
    group: str = Field(description="The group's value (`all` for the whole collection).")
    articles: int = Field(ge=0, description="Results in the group.")
    sentences: int = Field(ge=0, description="Sentences of those articles that report a sentence count.")
    hedged: int = Field(ge=0, description="Hedged sentences of those articles.")
    share: float | None = Field(description="hedged / sentences; null without sentence counts.")
    mean_article_share: float | None = Field(description="The mean of the articles' own shares.")


class HedgedSentence(BaseModel):
    article_id: str = ARTICLE_ID
    text: str = Field(description="The hedged sentence.")
    score: float = Field(description="Its hedge score.")
    cues: list[str] = Field(description="The cues as `text (type)`.")
    source: str | None = Field(description="Who the claim is attributed to, when the sentence says.")


class ArticleShare(BaseModel):
    article_id: str = ARTICLE_ID
    sentences: int = Field(description="Sentences analysed.")
    hedged: int = Field(description="Hedged sentences.")
    share: float = Field(description="hedged / sentences.")


class HedgingReport(BaseModel):
    overall: HedgeGroup = Field(description="The whole collection (group `all`).")
    most_hedged_articles: list[ArticleShare] = Field(description="Articles with the largest share of hedged "
                                                     "sentences (at least 3 sentences).")
    by: dict[str, list[HedgeGroup]] = Field(default_factory=dict, description="Per group, for each --by grouping.")
    cue_types: list[Count] = Field(description="Cues of hedged sentences, by type.")
    sources: list[Count] = Field(description="The attributed sources most often hedged behind ('officials', "
                                 "'experts'), by hedged sentences.")
    top_sentences: list[HedgedSentence] = Field(description="The most hedged claims, highest score first.")


class ClaimArticle(BaseModel):
    article_id: str = ARTICLE_ID
    label: str = Field(description="The article's stance toward the claim: agree, disagree, discuss or unrelated.")
    score: float = Field(description="The probability of the label.")
    evidence: str | None = Field(description="The article's most relevant sentence to the claim.")
    relevance: float | None = Field(description="Cosine similarity of that sentence to the claim.")


class ClaimReport(BaseModel):
    claim: str = Field(description="The claim, as given to the batch (spacing normalised).")
    stance: Distribution = Field(description="Articles that agree, disagree, discuss the claim or are unrelated.")
    articles: list[ClaimArticle] = Field(description="Articles with their best evidence, by label (agree, "
                                         "disagree, discuss, unrelated) and score; at most a few per label.")


class Skipped(BaseModel):
    status: int = Field(description="The status the record's error had (422: not analysable, 413: too long).")
    count: int = Field(ge=0, description="Records skipped with this status.")
    examples: list[str] = Field(description="A few of the records, as `id: reason`.")


class DateProblems(BaseModel):
    field: str = Field(description="The date field (of the results' `meta`).")
    missing: int = Field(ge=0, description="Records without a value in the field.")
    unreadable: int = Field(ge=0, description="Records whose value is no date; they count under `(no date)`.")
    examples: list[str] = Field(default_factory=list, description="A few of the unreadable values.")


class ReportHeader(BaseModel):
    source: str = Field(description="What was read: a file, or a job.")
    records: int = Field(ge=0, description="Results in the collection.")
    skipped: int = Field(ge=0, description="Records of the input with no result (the batch's errors file, or a "
                         "job's item errors).")
    skipped_reasons: list[Skipped] = Field(default_factory=list, description="The records skipped, by status.")
    model_versions: list[Count] = Field(description="The model versions of the results (`model.version`).")
    profiles: list[Count] = Field(description="Profiles the models ran with (results made before profiles existed "
                                  "read as 'fast', the models they ran on).")
    groupings: list[str] = Field(description="The --by groupings, as given.")
    dates: list[DateProblems] = Field(default_factory=list, description="Per date field grouped by: what could "
                                      "not be read.")
    without_sentence_count: int = Field(ge=0, description="Results with no sentence count (made before it was "
                                        "reported): they are left out of the hedged shares.")
    targets_total: int = Field(ge=0, description="Distinct targets after merging across articles.")
    stancelens_version: str = Field(description="The StanceLens version that made the report.")


class CollectionReport(BaseModel):
    """What a whole collection says about each target, its hedging, and each claim."""

    header: ReportHeader = Field(description="What was read: size, skipped records, models, groupings.")
    targets: list[TargetReport] = Field(description="The requested targets, then the most mentioned ones.")
    hedging: HedgingReport = Field(description="How much, how and behind whom the collection hedges.")
    claims: list[ClaimReport] = Field(description="The claims given (--claims), else every claim in the results.")
