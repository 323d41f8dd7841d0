"""The four evaluation tasks. Each reads records, runs them through `Pipeline.read` and
`Pipeline.annotate` (the two halves of `Pipeline.analyze`, so the numbers are the API's), and
scores StanceLens and its baselines on the same records.

Baselines that are pipeline components (Lead-3, random-3, the lexicon hedge detector) run
through `Pipeline.replace`, annotating the same read article, so only the stage under test differs.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..hedges import LexiconHedgeDetector, RuleHedgeDetector
from ..pipeline import Pipeline
from ..schema import AnalyzeOptions, HedgeType
from ..stance import ClaimStanceScorer, MeanAggregation, ModelTargetStanceScorer
from ..stance.article_training import article_input
from ..summarize import LeadSummarizer, RandomSummarizer
from . import metrics
from .data import field as pick_field
from .data import load_records, normalise_label
from .schema import ClassificationMetrics, CueMetrics, ErrorCase, EvalReport, Estimate

WORST = 10

HEDGE_LABELS = {"certain": "certain", "uncertain": "uncertain", "0": "certain", "1": "uncertain",
                "false": "certain", "true": "uncertain"}
STANCE_LABELS = {"positive": "favor", "favor": "favor", "pro": "favor", "negative": "against",
                 "against": "against", "con": "against", "neutral": "neutral", "none": "neutral"}
CLAIM_LABELS = {"agree": "agree", "for": "agree", "disagree": "disagree", "against": "disagree",
                "discuss": "discuss", "observing": "discuss", "unrelated": "unrelated"}
# Our cue types against the Szeged scheme, which has no approximator or attribution class.
SZEGED_TYPES = {HedgeType.modal: "epistemic", HedgeType.probability: "epistemic",
                HedgeType.evidential: "epistemic", HedgeType.approximator: "epistemic",
                HedgeType.conditional: "condition"}

# Records are short or their summaries unused: don't spend time on what no task scores.
_QUIET = dict(auto_targets=False, summary_sentences=1, section_summary_sentences=1)


@dataclass
class Labelled:
    """One system's predictions on a classification task, kept for plots."""

    gold: list[str]
    pred: list[str]
    confidence: list[float] | None = None
    positive_scores: list[float] | None = None


@dataclass
class Outcome:
    report: EvalReport
    classified: dict[str, Labelled] = field(default_factory=dict)
    rouge: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    words: list[int] = field(default_factory=list)


@dataclass
class Run:
    """Where the data comes from and how to score it."""

    data: str
    split: str = "test"
    limit: int | None = None
    samples: int = metrics.BOOTSTRAP_SAMPLES
    seed: int = 0
    bodies: str | None = None
    scheme: str | None = None  # hedge: score this model scheme's probability instead of the API's score
    domain: str | None = None  # score only the records of this `domain`

    def records(self):
        ds = load_records(self.data, self.split)
        if self.domain is not None:
            if "domain" not in ds.column_names:
                raise InputError(f"{self.data}: --domain {self.domain}, but the records have no domain field")
            ds = ds.filter(lambda r: r["domain"] == self.domain)
        if self.limit is not None:
            ds = ds.select(range(min(self.limit, len(ds))))
        if not len(ds):
            raise InputError(f"{self.data}: no records to evaluate")
        return ds


def _ordered(labels: set[str], mapping: dict[str, str]) -> list[str]:
    order = list(dict.fromkeys(mapping.values()))
    return [label for label in order if label in labels]


def _worst(ids: list[str], texts: list[str], run: Labelled) -> list[ErrorCase]:
    conf = run.confidence or [1.0] * len(run.gold)
    wrong = [i for i, (g, p) in enumerate(zip(run.gold, run.pred)) if g != p]
    wrong.sort(key=lambda i: -conf[i])
    return [ErrorCase(id=ids[i], text=texts[i][:600], gold=run.gold[i], predicted=run.pred[i], score=conf[i])
            for i in wrong[:WORST]]


def _classification(run: Run, labelled: Labelled, labels: list[str], positive: str | None = None):
    return metrics.classification(labelled.gold, labelled.pred, labels, labelled.confidence,
                                  labelled.positive_scores, positive, run.samples, run.seed)


def _labelled(m: ClassificationMetrics) -> dict:
    """The classification block, with its headline figures beside it under the names the
    stance and claims issues give: `f1_macro`, `accuracy` and, on FNC-1, `fnc_relative` (%)."""
    out = {"labels": m, "f1_macro": m.macro_f1, "accuracy": m.accuracy}
    if m.fnc_score is not None:
        low, high = m.fnc_score.ci95
        out["fnc_relative"] = Estimate(value=round(100 * m.fnc_score.value, 2),
                                       ci95=(round(100 * low, 2), round(100 * high, 2)))
    return out


def _majority(gold: list[str]) -> Labelled:
    top = Counter(gold).most_common(1)[0][0]
    return Labelled(gold, [top] * len(gold))


def _report(task: str, run: Run, n: int, pipeline: Pipeline, started: float, **fields) -> EvalReport:
    split = run.split if run.data.startswith("hf:") or Path(run.data).is_dir() else None
    return EvalReport(task=task, data=run.data, split=split, domain=run.domain, n=n, model=pipeline.model_info,
                      seconds=round(time.perf_counter() - started, 1), **fields)


# --- hedge -----------------------------------------------------------------------------------

def _cue_counts(pred: list[tuple[int, int, str]], gold: list[dict]) -> list[float]:
    """Per sentence: exact matches, exact matches of the same type, predicted cues overlapping gold,
    gold cues overlapped, type agreements among overlaps, predicted and gold counts."""
    def overlaps(a, b):
        return a[0] < b["end"] and b["start"] < a[1]

    exact = sum(any(p[0] == g["start"] and p[1] == g["end"] for g in gold) for p in pred)
    exact_typed = sum(any(p[0] == g["start"] and p[1] == g["end"] and p[2] == g["type"] for g in gold) for p in pred)
    pred_hit = [p for p in pred if any(overlaps(p, g) for g in gold)]
    gold_hit = sum(any(overlaps(p, g) for p in pred) for g in gold)
    typed = sum(any(overlaps(p, g) and p[2] == g["type"] for g in gold) for p in pred_hit)
    return [exact, exact_typed, len(pred_hit), gold_hit, typed, len(pred), len(gold)]


def _cue_metrics(counts: np.ndarray, run: Run) -> CueMetrics:
    def stats(idx: np.ndarray) -> dict[str, float]:
        exact, exact_typed, pred_hit, gold_hit, typed, n_pred, n_gold = counts[idx].sum(axis=0)
        out = {}
        for name, tp_p, tp_g in (("exact", exact, exact), ("typed", exact_typed, exact_typed),
                                 ("overlap", pred_hit, gold_hit)):
            p = tp_p / n_pred if n_pred else 0.0
            r = tp_g / n_gold if n_gold else 0.0
            out |= {f"{name}.precision": p, f"{name}.recall": r, f"{name}.f1": 2 * p * r / (p + r) if p + r else 0.0}
        out["type_accuracy"] = typed / pred_hit if pred_hit else float("nan")
        return out

    est = metrics.bootstrap(stats, len(counts), stats(np.arange(len(counts))), run.samples, run.seed)
    group = lambda name: {m: est[f"{name}.{m}"] for m in ("precision", "recall", "f1")}  # noqa: E731
    return CueMetrics(n_gold=int(counts[:, 6].sum()), n_predicted=int(counts[:, 5].sum()),
                      **group("exact"), exact=group("exact"), typed=group("typed"), overlap=group("overlap"),
                      type_accuracy=est["type_accuracy"] if np.isfinite(est["type_accuracy"].value) else None)


def _szeged_type(cue) -> str:
    """A predicted cue's class in the Szeged scheme: the model's own, else mapped from the API type."""
    return cue.uncertainty.value if cue.uncertainty else SZEGED_TYPES.get(cue.type, cue.type.value)


def evaluate_hedge(pipeline: Pipeline, run: Run) -> Outcome:
    started = time.perf_counter()
    ds = run.records()
    cols = ds.column_names
    text_f = pick_field(cols, ["text", "sentence"], "text", run.data)
    label_f = pick_field(cols, ["label", "label_id", "uncertain"], "label", run.data)
    cues_f = pick_field(cols, ["cues"], "", run.data)
    id_f = pick_field(cols, ["id"], "", run.data)
    domain_f = pick_field(cols, ["domain"], "", run.data)
    baselines = {"lexicon": LexiconHedgeDetector()}
    if not isinstance(pipeline.hedges, RuleHedgeDetector):
        baselines = {"rules": RuleHedgeDetector(), **baselines}
    if run.scheme and run.scheme not in pipeline.hedges.schemes:
        raise InputError(f"--scheme {run.scheme}: the hedge stage {pipeline.hedges.version} has no such "
                         f"probability (it has: {', '.join(pipeline.hedges.schemes) or 'none'})")
    systems = {"ours": pipeline} | {name: pipeline.replace(hedges=stage) for name, stage in baselines.items()}
    options = AnalyzeOptions(hedge_threshold=0.0, **_QUIET)

    gold, texts, ids, domains = [], [], [], []
    scores: dict[str, list[float]] = defaultdict(list)
    cue_counts: dict[str, list[list[float]]] = defaultdict(list)
    for i, rec in enumerate(ds):
        text = rec[text_f]
        texts.append(text)
        ids.append(str(rec[id_f]) if id_f else str(i))
        gold.append(normalise_label(rec[label_f], HEDGE_LABELS, run.data))
        domains.append(str(rec[domain_f]) if domain_f else "")
        article = pipeline.read(text, "text") if text.strip() else None
        for name, system in systems.items():
            claims = system.annotate(article, options=options).hedged_claims if article else []
            # A record may hold several sentences: it is as uncertain as its most uncertain one.
            scored = [c.probabilities[run.scheme] if run.scheme and name == "ours" else c.score for c in claims]
            scores[name].append(max(scored, default=0.0))
            if cues_f:
                # The Szeged scheme has no attribution (weasel) class: those cues are not scored against it.
                pred = [(c.start, c.end, _szeged_type(c)) for h in claims for c in h.cues
                        if c.type is not HedgeType.attribution]
                cue_counts[name].append(_cue_counts(pred, rec[cues_f] or []))

    labels = ["certain", "uncertain"]
    results, cue_results, classified = {}, {}, {}
    for name, system in systems.items():
        s = np.asarray(scores[name])
        # A scheme's own probability is cut at 0.5: only the API's score has a threshold picked on held-out data.
        cut = 0.5 if run.scheme and name == "ours" else system.hedges.threshold
        pred = ["uncertain" if x >= cut else "certain" for x in s]
        # Top-label confidence: the score for "uncertain", its complement for "certain".
        conf = [float(x) if p == "uncertain" else float(1 - x) for x, p in zip(s, pred)]
        classified[name] = Labelled(gold, pred, conf, s.tolist())
        results[name] = _classification(run, classified[name], labels, positive="uncertain")
        if cues_f:
            cue_results[name] = _cue_metrics(np.asarray(cue_counts[name], dtype=float), run)

    def layout(name):
        return {"sentence": results[name]} | ({"cue": cue_results[name]} if cues_f else {})

    ours = classified["ours"]
    by_domain = {}
    for domain in sorted(set(domains) - {""}):
        idx = [i for i, d in enumerate(domains) if d == domain]
        part = Labelled([ours.gold[i] for i in idx], [ours.pred[i] for i in idx], [ours.confidence[i] for i in idx],
                        [ours.positive_scores[i] for i in idx])
        by_domain[domain] = {"sentence": _classification(run, part, labels, positive="uncertain")}
        if cues_f:
            by_domain[domain]["cue"] = _cue_metrics(np.asarray(cue_counts["ours"], dtype=float)[idx], run)

    notes = [f"A sentence is uncertain when the API lists it: its hedge score is at least the hedge stage's threshold "
             f"({pipeline.hedges.threshold} for {pipeline.hedges.version}, the API's default hedge_threshold) and a cue "
             "shows why; the rules baseline is the rule detector alone (threshold 0.35), the lexicon baseline calls any "
             "lexicon word a cue, in any context."]
    if run.scheme:
        notes.append(f"StanceLens is scored on the hedge model's `{run.scheme}` probability (cut at 0.5), not on "
                     "the API's score: the data's labels follow that scheme. Baselines keep their own scores.")
    if cues_f:
        notes.append("Cue types are Szeged classes: the model's own; for rule cues, modal, probability, evidential "
                     "and approximator count as epistemic and conditional as condition. Attribution cues (weasel "
                     "wording, reporting verbs) have no Szeged class and are not scored (before issue 18 they counted "
                     "as wrong predictions). `cue.precision/recall/f1` count exact span matches, `cue.typed` exact span "
                     "and type.")
    threshold = 0.5 if run.scheme else pipeline.hedges.threshold
    report = _report("hedge", run, len(gold), pipeline, started, scheme=run.scheme, metrics=layout("ours"),
                     by_domain=by_domain, threshold=threshold,
                     baselines={name: layout(name) for name in baselines}, label_map=HEDGE_LABELS, notes=notes,
                     worst=_worst(ids, texts, classified["ours"]))
    return Outcome(report, classified)


# --- target stance ---------------------------------------------------------------------------

def _mean_aggregation(pipeline: Pipeline) -> Pipeline | None:
    """The pipeline with the first article-level rule (the mean of the units), when it has another."""
    stage = pipeline.target_stance
    if not isinstance(stage, ModelTargetStanceScorer) or isinstance(stage.aggregation, MeanAggregation):
        return None
    return pipeline.replace(target_stance=ModelTargetStanceScorer(stage.model, MeanAggregation()))


def _mentions(found: list[list[str]], run: Run) -> dict[str, Estimate]:
    """Median mentions found per target, and per kind, with bootstrap intervals."""
    counts = {kind: np.array([sum(k == kind for k in kinds) for kinds in found], dtype=float)
              for kind in ("name", "pronoun", "nominal")}
    counts = {"all": sum(counts.values())} | counts
    point = {f"median_{k}": float(np.median(v)) if len(v) else 0.0 for k, v in counts.items()}
    return metrics.bootstrap(lambda idx: {f"median_{k}": float(np.median(v[idx])) for k, v in counts.items()},
                             len(found), point, run.samples, run.seed)


def evaluate_stance(pipeline: Pipeline, run: Run) -> Outcome:
    """Sentence-level files (NewsMTSC: `sentence`, `mention`) and article-level ones (PerSenT: `text`,
    `target` and, when there is one, `title`, read as the article's first heading) alike: the
    target as a user would give it, the label the API returns."""
    started = time.perf_counter()
    ds = run.records()
    cols = ds.column_names
    text_f = pick_field(cols, ["sentence", "text"], "text", run.data)
    target_f = pick_field(cols, ["mention", "target"], "target", run.data)
    label_f = pick_field(cols, ["label", "stance", "polarity"], "label", run.data)
    id_f = pick_field(cols, ["id"], "", run.data)
    title_f = pick_field(cols, ["title"], "", run.data)
    options = AnalyzeOptions(**_QUIET)
    mean = _mean_aggregation(pipeline)

    gold, texts, ids, found = [], [], [], []
    systems: dict[str, tuple[list[str], list[float]]] = {"ours": ([], [])} | ({"mean": ([], [])} if mean else {})
    for i, rec in enumerate(ds):
        gold.append(normalise_label(rec[label_f], STANCE_LABELS, run.data))
        texts.append(f"[{rec[target_f]}] {rec[text_f]}")
        ids.append(str(rec[id_f]) if id_f else str(i))
        article = pipeline.read(*article_input(rec[text_f], rec[title_f] if title_f else None))
        for name, system in (("ours", pipeline), ("mean", mean)):
            if system is None:
                continue
            stance = system.annotate(article, targets=[rec[target_f]], options=options).stances[0]
            systems[name][0].append(stance.label.value)
            systems[name][1].append(stance.score)
            if name == "ours":
                found.append([m.kind.value for m in stance.mentions])

    labels = _ordered(set(gold), STANCE_LABELS)
    ours = Labelled(gold, *systems["ours"])
    majority = _majority(gold)
    classified = {"ours": ours, "majority": majority}
    baselines = {"majority": _labelled(_classification(run, majority, labels))}
    notes = ["The majority baseline predicts the most frequent gold label of the evaluated records."]
    if mean:
        classified["mean"] = Labelled(gold, *systems["mean"])
        baselines["mean"] = _labelled(_classification(run, classified["mean"], labels))
        notes.append("`mean` is the same sentence model with the first article-level rule: the mean of the "
                     "distributions of the sentences that mention the target (STANCELENS_ARTICLE_STANCE_MODEL=mean).")
    report = _report("stance", run, len(gold), pipeline, started,
                     metrics=_labelled(_classification(run, ours, labels)) | {"mentions": _mentions(found, run)},
                     baselines=baselines, label_map=STANCE_LABELS, notes=notes, worst=_worst(ids, texts, ours))
    return Outcome(report, classified)


# --- claim stance ----------------------------------------------------------------------------

def _bodies(run: Run) -> dict[str, str]:
    """FNC-1 bodies by id: from --bodies, or the stances file's sibling (`*_stances` -> `*_bodies`,
    else the folder's only bodies file)."""
    if run.bodies:
        path = Path(run.bodies)
    else:
        stances = Path(run.data)
        folder = stances if stances.is_dir() else stances.parent
        twin = folder / stances.name.replace("stances", "bodies")
        found = sorted(p for p in folder.glob("*bodies*") if p.suffix in (".jsonl", ".csv", ".parquet", ".json"))
        if twin != stances and twin.exists():
            path = twin
        elif len(found) == 1:
            path = found[0]
        else:
            raise InputError(f"{run.data}: records give body ids but no bodies file was found; pass --bodies")
    ds = load_records(str(path))
    cols = ds.column_names
    id_f = pick_field(cols, ["body_id", "Body ID"], "body id", str(path))
    body_f = pick_field(cols, ["body", "articleBody", "text"], "body", str(path))
    return {str(r[id_f]): r[body_f] for r in ds}


def evaluate_claims(pipeline: Pipeline, run: Run) -> Outcome:
    started = time.perf_counter()
    ds = run.records()
    cols = ds.column_names
    claim_f = pick_field(cols, ["claim", "headline", "Headline"], "claim", run.data)
    label_f = pick_field(cols, ["stance", "Stance", "label"], "label", run.data)
    text_f = pick_field(cols, ["body", "articleBody", "article_headline", "text"], "", run.data)
    body_id_f = None if text_f else pick_field(cols, ["body_id", "Body ID"], "text or body id", run.data)
    id_f = pick_field(cols, ["id"], "", run.data)
    bodies = _bodies(run) if body_id_f else {}

    by_text: dict[str, list[int]] = defaultdict(list)
    texts, claims, gold, ids = [], [], [], []
    for i, rec in enumerate(ds):
        if body_id_f:
            key = str(rec[body_id_f])
            if key not in bodies:
                raise InputError(f"{run.data}: record {i} names body {key}, which the bodies file lacks")
            texts.append(bodies[key])
        else:
            texts.append(rec[text_f])
        claims.append(rec[claim_f])
        gold.append(normalise_label(rec[label_f], CLAIM_LABELS, run.data))
        ids.append(str(rec[id_f]) if id_f else str(i))
        by_text[texts[-1]].append(i)

    # The v1 rules run as a baseline through the same pipeline, unless they are the stage itself.
    systems = {"ours": pipeline}
    if not isinstance(pipeline.claim_stance, ClaimStanceScorer):
        systems["rules"] = pipeline.replace(claim_stance=ClaimStanceScorer())
    pred = {name: [""] * len(gold) for name in systems}
    conf = {name: [0.0] * len(gold) for name in systems}
    chunk = max(1, pipeline.settings.max_claims)
    options = AnalyzeOptions(**_QUIET)
    for text, rows in by_text.items():
        article = pipeline.read(text, "text")  # read once, however many claims the text has
        for at in range(0, len(rows), chunk):
            part = rows[at:at + chunk]
            for name, system in systems.items():
                result = system.annotate(article, claims=[claims[i] for i in part], options=options)
                for i, stance in zip(part, result.claims):
                    pred[name][i], conf[name][i] = stance.label.value, stance.score

    labels = _ordered(set(gold), CLAIM_LABELS)
    scored = {name: Labelled(gold, pred[name], conf[name]) for name in systems}
    majority = _majority(gold)
    shown = [f"[{c}] {t}" for c, t in zip(claims, texts)]
    baselines = {name: _labelled(_classification(run, scored[name], labels)) for name in systems if name != "ours"}
    report = _report("claims", run, len(gold), pipeline, started,
                     metrics=_labelled(_classification(run, scored["ours"], labels)),
                     baselines=baselines | {"majority": _labelled(_classification(run, majority, labels))},
                     label_map=CLAIM_LABELS,
                     notes=["The majority baseline predicts the most frequent gold label of the evaluated records.",
                            "The rules baseline is the v1 claim stage (STANCELENS_CLAIM_MODEL=rules).",
                            f"{len(by_text)} distinct texts, each read and encoded once."],
                     worst=_worst(ids, shown, scored["ours"]))
    return Outcome(report, scored | {"majority": majority})


# --- summaries -------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s{3,}|\n+")


def reference_sentences(rec: dict, ref_f: str, list_f: str | None) -> list[str]:
    if list_f and rec[list_f]:
        return [s.strip() for s in rec[list_f] if s.strip()]
    return [s.strip() for s in _SENTENCE_END.split(rec[ref_f]) if s.strip()]


def evaluate_summary(pipeline: Pipeline, run: Run, sentences: int = 3) -> Outcome:
    started = time.perf_counter()
    ds = run.records()
    cols = ds.column_names
    text_f = pick_field(cols, ["article", "text", "document"], "article", run.data)
    ref_f = pick_field(cols, ["highlights", "summary", "reference", "abstract"], "reference summary", run.data)
    list_f = pick_field(cols, ["highlights_list"], "", run.data)
    id_f = pick_field(cols, ["id"], "", run.data)
    systems = {"ours": pipeline, "lead3": pipeline.replace(summarizer=LeadSummarizer()),
               "random3": pipeline.replace(summarizer=RandomSummarizer())}
    options = AnalyzeOptions(summary_sentences=sentences, auto_targets=False)

    outputs: dict[str, list[list[str]]] = defaultdict(list)
    references, words, ids, articles = [], [], [], []
    for i, rec in enumerate(ds):
        article = pipeline.read(rec[text_f], "text")
        for name, system in systems.items():
            summary = system.annotate(article, options=options).summary
            outputs[name].append([s.text for s in summary.sentences] or [summary.text])
        references.append(reference_sentences(rec, ref_f, list_f))
        words.append(len(rec[text_f].split()))
        ids.append(str(rec[id_f]) if id_f else str(i))
        articles.append(rec[text_f])

    per_doc = {name: metrics.rouge_per_document(out, references) for name, out in outputs.items()}
    summary_words = {name: [len(" ".join(s).split()) for s in out] for name, out in outputs.items()}
    scored = {name: {"summary": metrics.rouge(per_doc[name], summary_words[name], run.samples, run.seed)}
              for name in systems}
    ours = per_doc["ours"]["rouge1"]
    worst = [ErrorCase(id=ids[i], text=articles[i][:600], gold=" ".join(references[i]),
                       predicted=" ".join(outputs["ours"][i]), score=round(float(ours[i]), 2))
             for i in np.argsort(ours, kind="stable")[:WORST]]
    report = _report(
        "summary", run, len(references), pipeline, started,
        metrics=scored["ours"] | {"minus_lead3": metrics.paired_difference(per_doc["ours"], per_doc["lead3"],
                                                                            run.samples, run.seed)},
        baselines={"lead3": scored["lead3"], "random3": scored["random3"]},
        notes=[f"Document summaries of {sentences} sentences from every system, on the pipeline's own sentence "
               "split; ROUGE F-measures x 100 with Porter stemming (rouge-score)."],
        worst=worst,
    )
    return Outcome(report, rouge=per_doc, words=words)


TASKS = {"hedge": evaluate_hedge, "stance": evaluate_stance, "claims": evaluate_claims, "summary": evaluate_summary}

# What `stancelens eval all` runs: every task on the shared dev splits.
SUITE = [
    ("hedge", "conll2010_wiki_hedge/dev.jsonl"),
    ("hedge", "szeged_uncertainty/dev.jsonl"),
    ("hedge", "szeged_uncertainty/dev.jsonl", {"domain": "news_factbank"}),  # news, the domain users read
    ("hedge", "szeged_uncertainty/dev.jsonl", {"scheme": "szeged"}),
    ("stance", "newsmtsc/dev_mt.jsonl"),
    ("stance", "newsmtsc/dev_rw.jsonl"),
    ("stance", "semeval2016_stance/dev.jsonl"),
    ("stance", "persent/dev.jsonl"),
    ("claims", "fnc1/dev_stances.jsonl"),
    ("claims", "emergent/dev.jsonl"),
    ("summary", "cnndm_summ/dev.jsonl"),
]


def evaluate(task: str, pipeline: Pipeline, run: Run) -> Outcome:
    if task not in TASKS:
        raise InputError(f"unknown task {task!r}: use one of {', '.join(TASKS)} or all")
    return TASKS[task](pipeline, run)
