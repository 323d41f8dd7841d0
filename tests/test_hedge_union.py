"""The union gold (CoNLL-2010 sentences the Szeged corpus also labels) and the one-score combiner,
on tiny hand-made files."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from stancelens.hedges.combiner import HedgeCombiner
from stancelens.hedges.combiner_training import fit
from stancelens.hedges.union import normalise, union

from .test_claims_eval_scripts import _script

CONLL_TRAIN = [
    {"id": "c1", "text": "Some experts say the bridge -LRB- built in 1990 -RRB- is unsafe .", "label": "uncertain"},
    {"id": "c2", "text": "The bridge may close next year .", "label": "certain"},  # CoNLL missed it; Szeged did not
    {"id": "c3", "text": "The tunnel is made of steel .", "label": "certain"},
    {"id": "c4", "text": "History", "label": "certain"},  # a title that occurs twice in Szeged
    {"id": "c5", "text": "A sentence Szeged does not have .", "label": "uncertain"},
]
CONLL_DEV = [{"id": "d1", "text": "Workers `` painted '' the mill blue .", "label": "certain"}]
SZEGED = [
    {"id": "s1", "domain": "wikipedia", "text": "Some experts say the bridge (built in 1990) is unsafe.",
     "label": "certain", "cues": []},
    {"id": "s2", "domain": "wikipedia", "text": "The bridge may close next year.", "label": "uncertain",
     "cues": [{"start": 11, "end": 14, "text": "may", "type": "epistemic", "type_raw": "x"}]},
    {"id": "s3", "domain": "wikipedia", "text": "The tunnel is made of steel.", "label": "certain", "cues": []},
    {"id": "s4", "domain": "wikipedia", "text": "History", "label": "certain", "cues": []},
    {"id": "s5", "domain": "wikipedia", "text": "History", "label": "certain", "cues": []},
    {"id": "s6", "domain": "wikipedia", "text": 'Workers "painted" the mill blue.', "label": "certain", "cues": []},
    {"id": "s7", "domain": "bio", "text": "The tunnel is made of steel.", "label": "uncertain", "cues": []},
]


def test_normalise_undoes_ptb_tokens_and_spacing():
    assert normalise("the bridge -LRB- built in 1990 -RRB- is unsafe .") == normalise("The bridge (built in 1990) is unsafe.")
    assert normalise("`` painted ''") == normalise('"painted"')
    assert normalise("The bridge") != normalise("The bridges")


def test_union_labels_uncertain_when_either_scheme_does():
    records, counts = union(CONLL_TRAIN, SZEGED, "train")
    by_id = {r.conll_id: r for r in records}
    assert set(by_id) == {"c1", "c2", "c3"}  # c4 ambiguous, c5 unmatched, s7 is not Wikipedia
    assert (by_id["c1"].label, by_id["c1"].conll_label, by_id["c1"].szeged_label) == ("uncertain", "uncertain", "certain")
    assert (by_id["c2"].label, by_id["c2"].conll_label, by_id["c2"].szeged_label) == ("uncertain", "certain", "uncertain")
    assert by_id["c3"].label == "certain"
    # Szeged's untokenised text, so its cue offsets still point into it.
    c2 = by_id["c2"]
    assert c2.text == "The bridge may close next year." and c2.text[c2.cues[0]["start"]:c2.cues[0]["end"]] == "may"
    assert (counts.conll, counts.matched, counts.ambiguous) == (5, 3, 1)
    assert counts.uncertain == {"conll": 1, "szeged": 1, "union": 2}


def test_the_builder_writes_both_splits_split_as_conll_is(tmp_path):
    data = tmp_path / "data"
    for rel, records in (("conll2010_wiki_hedge/train.jsonl", CONLL_TRAIN), ("conll2010_wiki_hedge/dev.jsonl", CONLL_DEV),
                         ("szeged_uncertainty/train.jsonl", SZEGED[:3]), ("szeged_uncertainty/dev.jsonl", SZEGED[3:])):
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / rel).write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "union"
    assert _script("union_hedge_gold").main(["--data", str(data), "--out", str(out)]) == 0
    train = [json.loads(line) for line in (out / "train.jsonl").read_text().splitlines()]
    dev = [json.loads(line) for line in (out / "dev.jsonl").read_text().splitlines()]
    assert [r["conll_id"] for r in train] == ["c1", "c2", "c3"]
    assert [(r["conll_id"], r["id"], r["domain"]) for r in dev] == [("d1", "s6", "wikipedia")]
    assert [c["matched"] for c in json.loads((out / "counts.json").read_text())] == [3, 1]


# --- the one score ---------------------------------------------------------------------------


def test_the_combiner_is_a_logistic_regression_over_both_logits():
    combiner = HedgeCombiner(version="union-x", weights={"conll2010": 0.5, "szeged": 1.0}, bias=-1.0, threshold=0.5)
    assert combiner.probability({"conll2010": 2.0, "szeged": 3.0}) == pytest.approx(1 / (1 + math.exp(-3.0)))
    # Either scheme alone can carry a sentence over the threshold: weasel wording or uncertainty.
    assert combiner.probability({"conll2010": 6.0, "szeged": -2.0}) >= 0.5
    assert combiner.probability({"conll2010": -2.0, "szeged": 4.0}) >= 0.5
    assert combiner.probability({"conll2010": -2.0, "szeged": -2.0}) < 0.5


def test_a_single_scheme_scores_by_its_own_probability():
    combiner = HedgeCombiner.single("conll2010", 0.35)
    assert combiner.probability({"conll2010": 0.0, "szeged": 9.0}) == 0.5
    assert (combiner.version, combiner.threshold) == ("conll2010", 0.35)


def test_the_fit_learns_that_either_scheme_means_hedged(tmp_path):
    rng = np.random.default_rng(0)
    conll, szeged = rng.normal(size=400) * 3, rng.normal(size=400) * 3
    labels = (conll > 1) | (szeged > 1)
    weights, bias, threshold = fit(np.stack([conll, szeged], axis=1), labels)
    assert weights["conll2010"] > 0.5 and weights["szeged"] > 0.5
    combiner = HedgeCombiner(version=HedgeCombiner.fitted_version(weights, bias, threshold), weights=weights,
                             bias=bias, threshold=threshold)
    predicted = np.array([combiner.probability({"conll2010": c, "szeged": s}) >= threshold for c, s in zip(conll, szeged)])
    assert (predicted == labels).mean() > 0.85
    combiner.save(tmp_path)
    assert HedgeCombiner.load(tmp_path) == combiner and combiner.version.startswith("union-")
    assert HedgeCombiner.load(tmp_path / "none") is None
