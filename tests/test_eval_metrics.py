"""Every evaluation metric on tiny hand-made inputs whose answers are worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import precision_recall_fscore_support

from stancelens.evaluation import metrics
from stancelens.evaluation.tasks import _cue_counts, _cue_metrics, Run

GOLD = ["a", "a", "a", "b", "b", "c"]
PRED = ["a", "a", "b", "b", "c", "c"]


def test_classification_known_answer():
    m = metrics.classification(GOLD, PRED, ["a", "b", "c"], samples=50)
    # a: P 2/2 R 2/3; b: P 1/2 R 1/2; c: P 1/2 R 1/1.
    assert m.accuracy.value == pytest.approx(4 / 6, abs=1e-4)
    assert m.per_class["a"].precision.value == pytest.approx(1.0)
    assert m.per_class["a"].recall.value == pytest.approx(2 / 3, abs=1e-4)
    assert m.per_class["a"].f1.value == pytest.approx(0.8, abs=1e-4)
    assert m.per_class["b"].f1.value == pytest.approx(0.5, abs=1e-4)
    assert m.per_class["c"].f1.value == pytest.approx(2 / 3, abs=1e-4)
    assert m.macro_f1.value == pytest.approx((0.8 + 0.5 + 2 / 3) / 3, abs=1e-4)
    assert m.micro_f1.value == pytest.approx(4 / 6, abs=1e-4)
    assert m.confusion == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert [m.per_class[x].support for x in "abc"] == [3, 2, 1]
    assert m.fnc_score is None and m.f_avg is None and m.calibration is None


def test_bootstrap_route_matches_sklearn():
    """The fast confusion-matrix route the bootstrap uses gives scikit-learn's numbers."""
    rng = np.random.default_rng(1)
    gold = rng.choice(["x", "y", "z"], 300).tolist()
    pred = rng.choice(["x", "y", "z", "w"], 300).tolist()
    labels = ["x", "y", "z"]
    k = 4
    index = {label: i for i, label in enumerate(labels + ["w"])}
    cm = np.bincount([index[g] * k + index[p] for g, p in zip(gold, pred)], minlength=k * k).reshape(k, k)
    ours = metrics._prf(cm, np.arange(3))
    p, r, f, _ = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    np.testing.assert_allclose(ours["precision"], p)
    np.testing.assert_allclose(ours["recall"], r)
    np.testing.assert_allclose(ours["f1"], f)
    micro = precision_recall_fscore_support(gold, pred, labels=labels, average="micro", zero_division=0)[2]
    assert ours["micro_f1"] == pytest.approx(micro)


def test_predicted_label_outside_gold_set_is_an_error_not_a_class():
    m = metrics.classification(["agree", "discuss"], ["agree", "unrelated"], ["agree", "discuss"], samples=20)
    assert m.confusion_labels == ["agree", "discuss", "unrelated"]
    assert m.confusion == [[1, 0, 0], [0, 0, 1], [0, 0, 0]]
    assert m.per_class["discuss"].recall.value == 0.0
    assert m.macro_f1.value == pytest.approx(0.5)


def test_interval_brackets_value_and_is_reproducible():
    rng = np.random.default_rng(0)
    gold = rng.choice(["a", "b"], 200).tolist()
    pred = [g if rng.random() < 0.7 else ("a" if g == "b" else "b") for g in gold]
    one = metrics.classification(gold, pred, ["a", "b"], samples=200, seed=3)
    two = metrics.classification(gold, pred, ["a", "b"], samples=200, seed=3)
    low, high = one.accuracy.ci95
    assert low < one.accuracy.value < high
    assert 0.05 < high - low < 0.2  # about 2 * 1.96 * sqrt(0.7 * 0.3 / 200) = 0.127
    assert one == two


def test_fnc_score_official_weights():
    gold = ["agree", "unrelated", "discuss", "disagree"]
    pred = ["agree", "unrelated", "agree", "unrelated"]
    # 1.0 (right related label) + 0.25 (right unrelated) + 0.25 (related, wrong label) + 0 over 1+0.25+1+1.
    assert metrics.fnc_score(gold, pred) == pytest.approx(1.5 / 3.25)
    assert metrics.fnc_score(gold, gold) == pytest.approx(1.0)
    m = metrics.classification(gold, pred, ["agree", "disagree", "discuss", "unrelated"], samples=20)
    assert m.fnc_score.value == pytest.approx(1.5 / 3.25, abs=1e-4)


def test_f_avg_is_mean_of_favor_and_against_f1():
    gold = ["favor", "favor", "against", "neutral"]
    pred = ["favor", "against", "against", "favor"]
    m = metrics.classification(gold, pred, ["favor", "against", "neutral"], samples=20)
    favor_f1, against_f1 = 2 * 0.5 * 0.5 / 1.0, 2 * 0.5 * 1.0 / 1.5
    assert m.f_avg.value == pytest.approx((favor_f1 + against_f1) / 2, abs=1e-4)


def test_expected_calibration_error_known_answer():
    confidence = np.array([0.9, 0.9, 0.6, 0.6])
    correct = np.array([1.0, 0.0, 1.0, 1.0])
    # Two bins, half the records each: |0.9 - 0.5| and |0.6 - 1.0|.
    assert metrics.expected_calibration_error(confidence, correct) == pytest.approx(0.4)
    bins = metrics.reliability_bins(confidence, correct)
    assert [(b.n, b.accuracy) for b in bins] == [(2, 1.0), (2, 0.5)]
    assert metrics.expected_calibration_error(np.array([1.0, 1.0]), np.array([1.0, 1.0])) == 0.0


def test_average_precision_of_a_perfect_ranking_is_one():
    m = metrics.classification(["no", "yes", "yes"], ["no", "yes", "no"], ["no", "yes"],
                               confidence=[0.9, 0.8, 0.6], positive_scores=[0.1, 0.9, 0.4], positive="yes",
                               samples=20)
    assert m.average_precision.value == pytest.approx(1.0)
    assert m.calibration is not None


def test_rouge_known_answers():
    scores = metrics.rouge_per_document(
        [["the cat sat"], ["a b c"], ["The cats sat."]],
        [["the cat ran"], ["x y z"], ["the cat sat"]],
    )
    assert scores["rouge1"][0] == pytest.approx(200 / 3)
    assert scores["rouge1"][1] == 0.0
    assert scores["rouge1"][2] == pytest.approx(100.0)  # Porter stemming: cats -> cat
    assert scores["rouge2"][0] == pytest.approx(50.0)


def test_rouge_lsum_splits_sentences_and_rouge_l_does_not():
    s = metrics.rouge_per_document([["a b"]], [["b", "a"]])
    # One LCS of "a b" and "b a" is one token; per reference sentence, "b" and "a" each match in full.
    assert s["rougeL"][0] == pytest.approx(50.0)
    assert s["rougeLsum"][0] == pytest.approx(100.0)


def test_paired_difference():
    ours = {"rouge1": np.array([50.0, 40.0, 30.0])}
    lead = {"rouge1": np.array([45.0, 41.0, 28.0])}
    d = metrics.paired_difference(ours, lead, samples=100)
    assert d["rouge1"].value == pytest.approx(2.0)
    assert d["rouge1"].ci95[0] <= 2.0 <= d["rouge1"].ci95[1]


def test_cue_counts_exact_overlap_and_type():
    gold = [{"start": 0, "end": 5, "type": "epistemic"}, {"start": 10, "end": 15, "type": "condition"}]
    pred = [(0, 5, "epistemic"), (10, 15, "epistemic"), (11, 13, "epistemic"), (20, 25, "epistemic")]
    counts = _cue_counts(pred, gold)
    exact, exact_typed, pred_hit, gold_hit, typed, n_pred, n_gold = counts
    assert counts == [2, 1, 3, 2, 1, 4, 2]
    m = _cue_metrics(np.array([counts], dtype=float), Run(data="x", samples=10))
    assert m.exact["precision"].value == pytest.approx(2 / 4) and m.precision == m.exact["precision"]
    assert m.exact["recall"].value == pytest.approx(1.0) and m.f1 == m.exact["f1"]
    # (10, 15) matches the span of the condition cue, not its type.
    assert m.typed["precision"].value == pytest.approx(1 / 4, abs=1e-4) and m.typed["recall"].value == pytest.approx(0.5)
    assert m.overlap["precision"].value == pytest.approx(3 / 4)
    assert m.overlap["recall"].value == pytest.approx(1.0)
    assert m.type_accuracy.value == pytest.approx(1 / 3, abs=1e-4)
