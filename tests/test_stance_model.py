"""The trained target-stance model on tiny models trained here, and the aggregation rule on
hand-made articles with a stand-in model whose per-mention answers are fixed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stancelens.config import Settings
from stancelens.encoder import SentenceEncoder
from stancelens.pipeline import Pipeline
from stancelens.schema import AnalyzeOptions, StanceLabel
from stancelens.stance import ModelTargetStanceScorer, TargetStanceScorer, load_target_stance
from stancelens.stance.model import LABELS, Mention, StanceModel, mention_mask
from stancelens.stance.training import NEWSMTSC, StanceTrainingConfig, train
from stancelens.targets import find_mentions, user_target

from .conftest import assert_offsets_valid, make_tiny_bert

NAMES = ["Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory"]
TEMPLATES = {"positive": "The crowd cheered {} warmly.", "negative": "Critics attacked {} harshly.",
             "neutral": "{} arrived on Monday."}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("stance-data")
    records = []
    for name in NAMES:
        for label, template in TEMPLATES.items():
            sentence = template.format(name)
            start = sentence.index(name)
            records.append({"sentence": sentence, "start": start, "end": start + len(name), "label": label})
    (root / NEWSMTSC).parent.mkdir(parents=True)
    (root / NEWSMTSC).write_text("".join(json.dumps(r) + "\n" for r in records))
    return root


@pytest.fixture(scope="module")
def trained(tmp_path_factory, data_dir, two_layer_encoder) -> tuple[Path, StanceModel]:
    out = tmp_path_factory.mktemp("stance-model")
    config = StanceTrainingConfig(top_layers=1, epochs=40, learning_rate=3e-3, batch_size=8)
    return out, train(data_dir, out, two_layer_encoder, config, log=lambda msg: None)


def _predict(model: StanceModel, two_layer_encoder: SentenceEncoder, sentence: str, name: str) -> StanceLabel:
    _, (states,) = two_layer_encoder.encode_with_states([sentence], model.layer)
    start = sentence.index(name)
    return LABELS[int(np.argmax(model.predict([Mention(states, start, start + len(name), name)])[0]))]


def test_the_tiny_model_learns_the_three_stances(trained, two_layer_encoder):
    _, model = trained
    assert model.config.version.startswith("stance-top1-")
    assert _predict(model, two_layer_encoder, "The crowd cheered Oscar warmly.", "Oscar") is StanceLabel.favor
    assert _predict(model, two_layer_encoder, "Critics attacked Oscar harshly.", "Oscar") is StanceLabel.against
    assert _predict(model, two_layer_encoder, "Oscar arrived on Monday.", "Oscar") is StanceLabel.neutral


def test_training_is_reproducible_with_a_seed(tmp_path, data_dir, two_layer_encoder, trained):
    _, model = trained
    fields = {k: v for k, v in model.config.training.items() if k in StanceTrainingConfig.model_fields}
    again = train(data_dir, tmp_path, two_layer_encoder, StanceTrainingConfig(**fields), log=lambda msg: None)
    assert again.config.version == model.config.version


def test_the_train_command_writes_a_stance_model(tmp_path, data_dir, two_layer_encoder, monkeypatch):
    from stancelens.cli import main
    from stancelens.config import get_settings

    monkeypatch.setenv("STANCELENS_ENCODER", two_layer_encoder.version)
    get_settings.cache_clear()
    try:
        assert main(["train", "stance", "--out", str(tmp_path / "m"), "--data", str(data_dir), "--epochs", "1",
                     "--top-layers", "1", "--seed", "5"]) == 0
    finally:
        get_settings.cache_clear()
    training = json.loads((tmp_path / "m" / "config.json").read_text())["training"]
    assert (training["epochs"], training["top_layers"], training["seed"], training["data"]) == (1, 1, 5, [NEWSMTSC])


def test_a_saved_model_loads_and_predicts_the_same(trained, two_layer_encoder):
    out, model = trained
    loaded = load_target_stance(str(out), two_layer_encoder)
    assert isinstance(loaded, ModelTargetStanceScorer) and loaded.version == model.config.version + "+mean-1"
    _, (states,) = two_layer_encoder.encode_with_states(["Critics attacked Bob harshly."], model.layer)
    mention = [Mention(states, 16, 19, "Bob")]
    np.testing.assert_allclose(loaded.model.predict(mention), model.predict(mention), atol=0.01)


def test_a_model_refuses_another_encoder(trained, tmp_path, tokenizer):
    out, _ = trained
    other = SentenceEncoder(str(make_tiny_bert(tmp_path, tokenizer, layers=2, seed=1)))
    with pytest.raises(ValueError, match="other encoder weights.*STANCELENS_STANCE_MODEL=vader"):
        load_target_stance(str(out), other)


def test_vader_is_a_stance_model_setting(two_layer_encoder):
    assert isinstance(load_target_stance("vader", two_layer_encoder), TargetStanceScorer)


def test_mention_mask_covers_the_pieces_of_the_mention():
    offsets = np.array([(0, 0), (0, 5), (6, 11), (11, 15), (16, 21), (0, 0)])  # [CLS] Crowd cheer ##ed Alice [SEP]
    assert mention_mask(offsets, 16, 21).tolist() == [0, 0, 0, 0, 1, 0]
    assert mention_mask(offsets, 6, 15).tolist() == [0, 0, 1, 1, 0, 0]


def test_the_pipeline_labels_targets_with_the_model(trained, two_layer_encoder):
    out, model = trained
    pipeline = Pipeline.load(Settings(encoder=two_layer_encoder.version, entity_model="spacy", hedge_model="rules", stance_model=str(out),
                                      claim_model="rules"))
    text = "Critics attacked Bob harshly. Bob arrived on Monday. Critics attacked Bob harshly again."
    result = pipeline.analyze(text, targets=["Bob"], options=AnalyzeOptions(auto_targets=False))
    assert_offsets_valid(result)
    (bob,) = result.stances
    assert result.model.components["target_stance"].startswith(model.config.version + "+article-")
    assert bob.label is StanceLabel.against and len(bob.mentions) == 3
    assert bob.evidence[0].label is StanceLabel.against and bob.evidence[-1].text == "Bob arrived on Monday."


# --- the aggregation rule, with fixed per-mention answers -------------------------------------


class FixedModel:
    """Answers each mention by its surface word: the sentence decides nothing."""

    layer = 1
    config = type("Config", (), {"version": "fixed"})()

    def __init__(self, answers: dict[str, list[float]]):
        self.answers = answers

    def predict(self, mentions: list[Mention]) -> np.ndarray:
        return np.array([self.answers[m.text] for m in mentions])


def _score(article, answers: dict[str, list[float]], name: str, max_evidence: int = 5, aggregation=None):
    scorer = ModelTargetStanceScorer(FixedModel(answers), aggregation)
    target = user_target(name)
    find_mentions(article, target)
    (result,) = scorer.score(article, [target], max_evidence)
    return result


AGAINST, NEUTRAL, FAVOR = [0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]


def test_every_sentence_counts_once_however_often_it_names_the_target(pipeline):
    article = pipeline.read("Russia, Russia and Russia again. Moscow hailed the deal. Moscow cheered.", "text")
    # Three against-mentions in one sentence weigh as much as one sentence: two favor sentences win.
    result = _score(article, {"Russia": AGAINST, "Moscow": FAVOR}, "Russia")
    assert result.label is StanceLabel.favor
    assert result.score == pytest.approx((0.8 + 0.8 + 0.1) / 3, abs=1e-4)
    assert [e.text for e in result.evidence] == ["Moscow hailed the deal.", "Moscow cheered.",
                                                 "Russia, Russia and Russia again."]


def test_a_heading_counts_as_a_unit_and_can_be_evidence(pipeline):
    text = "# Ukraine under fire\n\nThe talks went on all day. Ukraine signed nothing.\n\n## Kyiv hopes\n\nNo news."
    article = pipeline.read(text, "markdown")
    result = _score(article, {"Ukraine": AGAINST, "Kyiv": FAVOR}, "Ukraine")
    # Units: the heading "Ukraine under fire" (against), the sentence (against), "Kyiv hopes" (favor).
    assert result.label is StanceLabel.against
    assert result.score == pytest.approx((0.8 + 0.8 + 0.1) / 3, abs=1e-4)
    assert [e.text for e in result.evidence] == ["Ukraine under fire", "Ukraine signed nothing.", "Kyiv hopes"]
    assert all(article.text[e.start : e.end] == e.text for e in result.evidence)


def test_a_target_never_named_is_neutral(pipeline):
    article = pipeline.read("# Talks\n\nThe talks went on all day.", "markdown")
    result = _score(article, {"Ukraine": AGAINST}, "Ukraine")
    assert result.label is StanceLabel.neutral and result.evidence == [] and result.mentions == []


def test_targets_scored_together_get_what_each_gets_alone(pipeline, example_text):
    from stancelens.targets import discover_targets

    article = pipeline.read(example_text, "markdown")
    targets = discover_targets(article, 5)
    for target in targets:
        find_mentions(article, target)
    together = pipeline.target_stance.score(article, targets, 3)
    for target, result in zip(targets, together):
        (alone,) = pipeline.target_stance.score(article, [target], 3)
        assert (result.target, result.label) == (alone.target, alone.label)
        assert result.score == pytest.approx(alone.score, abs=1e-3)  # other batches pad differently
        assert [e.start for e in result.evidence] == [e.start for e in alone.evidence]


# --- the article-level aggregation ------------------------------------------------------------


def _aggregation(weights=(0.0, 0.0, 0.0, 0.0), per_log_unit=0.0):
    from stancelens.stance.aggregate import FEATURES, AggregationConfig, ArticleAggregation

    return ArticleAggregation(AggregationConfig(version="test", features=list(FEATURES), weights=list(weights),
                                                temperature_per_log_unit=per_log_unit))


def test_the_fitted_form_with_no_weights_is_the_mean(pipeline):
    from stancelens.stance.aggregate import MeanAggregation

    article = pipeline.read("Russia, Russia and Russia again. Moscow hailed the deal. Moscow cheered.", "text")
    answers = {"Russia": AGAINST, "Moscow": FAVOR}
    mean = _score(article, answers, "Russia", aggregation=MeanAggregation())
    fitted = _score(article, answers, "Russia", aggregation=_aggregation())
    assert (fitted.label, fitted.score) == (mean.label, pytest.approx(mean.score, abs=1e-4))


def test_a_heading_weight_lets_the_headline_decide(pipeline):
    text = "# Kyiv wins praise\n\nUkraine was criticised on Monday. Ukraine was criticised again."
    article = pipeline.read(text, "markdown")
    answers = {"Ukraine": AGAINST, "Kyiv": FAVOR}  # the headline favours, both sentences are against
    assert _score(article, answers, "Ukraine", aggregation=_aggregation()).label is StanceLabel.against
    weighted = _score(article, answers, "Ukraine", aggregation=_aggregation(weights=(3.0, 0, 0, 0)))
    assert weighted.label is StanceLabel.favor
    assert weighted.evidence[0].text == "Kyiv wins praise"


def test_the_temperature_grows_with_the_units_pooled():
    from stancelens.stance.aggregate import Unit, calibrated

    def unit(start):
        return Unit(span=(start, start + 5), probabilities=np.array([0.6, 0.3, 0.1]), heading=False,
                    position=0.0, references_only=False)

    aggregation = _aggregation(per_log_unit=1.0)
    # One unit is the sentence model's own, calibrated judgement: no temperature.
    assert aggregation([unit(0)]) == pytest.approx([0.6, 0.3, 0.1])
    # Four units that agree: the article is less sure than each of them, and keeps their label.
    pooled = aggregation([unit(i * 10) for i in range(4)])
    assert pooled.sum() == pytest.approx(1.0) and 1 / 3 < pooled[0] < 0.6 and np.argmax(pooled) == 0
    expected = calibrated(np.array([0.6, 0.3, 0.1]), 1 + np.log(4))
    assert pooled == pytest.approx(expected)
    assert aggregation([]) == pytest.approx([0.0, 1.0, 0.0])  # nothing said: neutral


def test_an_aggregation_of_other_features_refuses_to_load(tmp_path):
    from stancelens.stance.aggregate import ArticleAggregation

    (tmp_path / "aggregation.json").write_text(json.dumps(
        {"version": "old", "features": ["heading"], "weights": [1.0], "temperature_per_log_unit": 1.0}))
    with pytest.raises(ValueError, match="refit it"):
        ArticleAggregation.load(tmp_path)


def test_the_article_aggregation_trains_from_articles_through_the_pipeline(tmp_path, trained, two_layer_encoder):
    from stancelens.stance import ArticleAggregation
    from stancelens.stance.article_training import ArticleTrainingConfig
    from stancelens.stance.article_training import train as train_article

    out, _ = trained
    pipeline = Pipeline.load(Settings(encoder=two_layer_encoder.version, entity_model="spacy", hedge_model="rules", stance_model=str(out),
                                      claim_model="rules", article_stance_model="mean"))
    articles = []
    for i, name in enumerate(NAMES):
        for label, template in TEMPLATES.items():
            text = " ".join(template.format(name) for _ in range(2 + i % 3))
            articles.append({"id": f"{name}-{label}", "title": f"News of {name}", "text": text, "target": name,
                             "label": {"positive": "favor", "negative": "against"}.get(label, label)})
    articles.append({"id": "unnamed", "text": "Nobody arrived.", "target": "Bob", "label": "neutral"})
    (tmp_path / "persent").mkdir()
    (tmp_path / "persent" / "train.jsonl").write_text("".join(json.dumps(a) + "\n" for a in articles))
    train_article(tmp_path, tmp_path / "model", pipeline, ArticleTrainingConfig(folds=3, penalties=[0.01, 0.1]))

    aggregation = ArticleAggregation.load(tmp_path / "model")
    assert aggregation.config.training["articles"] == len(articles)
    assert aggregation.config.training["without_units"] == 1
    assert len(aggregation.config.training["cv_log_loss"]) == 2  # one cross-validated loss per penalty
    served = pipeline.replace(target_stance=ModelTargetStanceScorer(pipeline.target_stance.model, aggregation))
    result = served.analyze("Critics attacked Carol harshly. Critics attacked Carol harshly again.",
                            targets=["Carol"], options=AnalyzeOptions(auto_targets=False))
    assert result.stances[0].label is StanceLabel.against
    assert result.model.components["target_stance"].endswith(aggregation.version)
