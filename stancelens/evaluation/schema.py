"""The evaluation report: what `stancelens eval --format json` prints, field by field.

Acceptance scripts read this, so every field is described; ROUGE and F-scores are on a
0-100 and a 0-1 scale respectively, as each field says.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ..schema import ModelInfo

Task = Literal["hedge", "stance", "claims", "summary"]


class Estimate(BaseModel):
    value: float = Field(description="The metric on the whole evaluation set.")
    ci95: tuple[float, float] = Field(description="Bootstrap 95% confidence interval (1,000 resamples of records).")


class ClassScores(BaseModel):
    precision: Estimate
    recall: Estimate
    f1: Estimate
    support: int = Field(description="Gold records of this class.")


class ReliabilityBin(BaseModel):
    low: float
    high: float
    n: int
    confidence: float = Field(description="Mean confidence of the predictions in the bin.")
    accuracy: float = Field(description="Share of those predictions that are right.")


class Calibration(BaseModel):
    ece: Estimate = Field(description="Expected calibration error of the top label's confidence, 10 equal bins (0-1).")
    bins: list[ReliabilityBin] = Field(description="The reliability diagram's points.")


class ClassificationMetrics(BaseModel):
    n: int
    labels: list[str] = Field(description="The gold classes; macro and micro scores average over these.")
    accuracy: Estimate
    macro_f1: Estimate = Field(description="Unweighted mean of per-class F1 (0-1).")
    micro_f1: Estimate = Field(description="F1 over pooled counts of the gold classes (0-1).")
    per_class: dict[str, ClassScores]
    confusion_labels: list[str] = Field(description="Row and column order of `confusion`: gold classes, then any other predicted label.")
    confusion: list[list[int]] = Field(description="Counts; rows are gold, columns predicted.")
    calibration: Calibration | None = None
    average_precision: Estimate | None = Field(None, description="Area under the precision-recall curve of the positive class (hedge: uncertain).")
    precision: Estimate | None = Field(None, description="Precision of the positive class (hedge: uncertain), when there is one.")
    recall: Estimate | None = Field(None, description="Recall of the positive class (hedge: uncertain), when there is one.")
    f1: Estimate | None = Field(None, description="F1 of the positive class (hedge: uncertain), when there is one (0-1).")
    fnc_score: Estimate | None = Field(None, description="FNC-1's official relative score (0-1), when 'unrelated' is a label.")
    f_avg: Estimate | None = Field(None, description="Mean F1 of favor and against (SemEval-2016 Task 6's F_avg), when both are labels.")


class CueMetrics(BaseModel):
    n_gold: int = Field(description="Gold cue spans.")
    n_predicted: int = Field(description="Predicted cue spans.")
    precision: Estimate = Field(description="Share of predicted cue spans matching a gold span exactly (as `exact`).")
    recall: Estimate = Field(description="Share of gold cue spans predicted exactly (as `exact`).")
    f1: Estimate = Field(description="F1 of exact span matches (as `exact`).")
    typed: dict[str, Estimate] = Field(
        description="precision, recall, f1 of cue spans matching a gold span exactly and in type (Szeged classes)."
    )
    exact: dict[str, Estimate] = Field(description="precision, recall, f1 of cue spans matching a gold span exactly.")
    overlap: dict[str, Estimate] = Field(description="precision, recall, f1 where a cue counts when it overlaps a gold cue.")
    type_accuracy: Estimate | None = Field(None, description="Share of overlapping matches whose type maps to the gold type.")


class RougeMetrics(BaseModel):
    n: int
    mean_words: float = Field(description="Mean words per summary.")
    rouge1: Estimate = Field(description="ROUGE-1 F-measure x 100, Porter stemming.")
    rouge2: Estimate = Field(description="ROUGE-2 F-measure x 100, Porter stemming.")
    rougeL: Estimate = Field(description="ROUGE-L F-measure x 100: one LCS over the whole text.")
    rougeLsum: Estimate = Field(description="ROUGE-Lsum F-measure x 100: union LCS per sentence (newline-split), as CNN/DM papers report.")


class ErrorCase(BaseModel):
    id: str
    text: str = Field(description="The record's text (cut to 600 characters).")
    gold: str
    predicted: str
    score: float = Field(description="Our confidence (classification) or ROUGE-1 (summary).")


Metrics = ClassificationMetrics | CueMetrics | RougeMetrics | dict[str, Estimate] | Estimate


class EvalReport(BaseModel):
    task: Task
    data: str = Field(description="The file, folder or hf: dataset evaluated.")
    split: str | None = Field(None, description="The split read from a folder or hub dataset.")
    scheme: str | None = Field(
        None, description="hedge: the hedge model's labelling scheme scored instead of the API's score (--scheme)."
    )
    domain: str | None = Field(None, description="Only the records of this `domain` were scored (--domain).")
    n: int = Field(description="Records scored.")
    metrics: dict[str, Metrics] = Field(
        description="StanceLens's scores. hedge: `sentence` (classification) and, when the data has cue spans, "
        "`cue`; stance and claims: `labels` (classification), with `f1_macro` and `accuracy` copied beside it "
        "(stance also `mentions`: the median mentions found per target, all and by kind) "
        "and, on FNC-1, `fnc_relative` (its FNC score x 100); summary: `summary` (ROUGE) and "
        "`minus_lead3` (per-document ROUGE difference to Lead-3, paired bootstrap)."
    )
    baselines: dict[str, dict[str, Metrics]] = Field(
        description="Baselines on the same records, same layout as `metrics`: hedge `lexicon`; stance and "
        "claims `majority`, stance also `mean` (the mean of the sentence distributions over the article); "
        "summary `lead3` and `random3`."
    )
    by_domain: dict[str, dict[str, Metrics]] = Field(
        default_factory=dict,
        description="hedge, when records have a `domain` (Szeged: wikipedia, news_factbank, bio): StanceLens's "
        "`sentence` and `cue` metrics on each domain's records alone.")
    threshold: float | None = Field(
        None, description="hedge: the score from which a record counts as uncertain (the threshold in force).")
    model: ModelInfo = Field(description="Versions of the components that produced the predictions.")
    label_map: dict[str, str] = Field(default_factory=dict, description="How the data's labels were mapped to ours.")
    notes: list[str] = Field(default_factory=list)
    worst: list[ErrorCase] = Field(default_factory=list, description="The most confident errors (lowest ROUGE for summaries).")
    seconds: float = Field(description="Wall time of the evaluation.")


class EvalSuite(BaseModel):
    """`stancelens eval all`: one report per data set."""

    task: Literal["all"] = "all"
    reports: list[EvalReport]
