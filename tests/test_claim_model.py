"""The trained claim-stance model: its features, a tiny model trained here on a tiny encoder,
loading from a folder or a hub id, and the stage in the pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stancelens.config import Settings
from stancelens.encoder import SentenceEncoder
from stancelens.pipeline import Pipeline
from stancelens.schema import AnalyzeOptions, ClaimLabel
from stancelens.stance import ClaimStanceScorer, ModelClaimStanceScorer, load_claim_stance
from stancelens.stance.claims import Body, ClaimStanceModel, features
from stancelens.stance.claims_training import (
    EMERGENT,
    FNC_BODIES,
    FNC_STANCES,
    ClaimTrainingConfig,
    fit_temperature,
    train,
)

from .conftest import assert_offsets_valid, make_tiny_bert, put_in_hub_cache

NAMES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Wonka", "Tyrell"]
BODIES = {
    "agree": "{} closed its factory on Monday. The closure was announced by the company itself.",
    "disagree": "{} denied closing its factory, calling the story a hoax. The factory remains open.",
    "discuss": "{} may have closed its factory, some reports suggest. The company did not comment.",
}
CLAIM = "{} closed its factory."
UNRELATED = "Penguins huddle together through the Antarctic winter."


def _fnc_records() -> tuple[list[dict], list[dict]]:
    bodies, stances = [], []
    for name in NAMES:
        for label, template in BODIES.items():
            body_id = len(bodies)
            bodies.append({"body_id": body_id, "body": template.format(name)})
            stances.append({"headline": CLAIM.format(name), "body_id": body_id, "stance": label})
            stances.append({"headline": UNRELATED, "body_id": body_id, "stance": "unrelated"})
    return bodies, stances


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("claims-data")
    bodies, stances = _fnc_records()
    emergent = [{"claim": CLAIM.format(n), "article_headline": f"{n} denies closing its factory", "stance": "against"}
                for n in NAMES[:3]]
    for path, records in ((FNC_BODIES, bodies), (FNC_STANCES, stances), (EMERGENT, emergent)):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("".join(json.dumps(r) + "\n" for r in records))
    return root


@pytest.fixture(scope="module")
def tiny_pipeline(two_layer_encoder) -> Pipeline:
    return Pipeline.load(Settings(encoder=two_layer_encoder.version, entity_model="spacy", hedge_model="rules", stance_model="vader",
                                  claim_model="rules"))


CONFIG = ClaimTrainingConfig(hidden=32, epochs=60, learning_rate=1e-2, batch_size=8)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, data_dir, tiny_pipeline) -> tuple[Path, ClaimStanceModel]:
    out = tmp_path_factory.mktemp("claims-model")
    return out, train(data_dir, out, tiny_pipeline, CONFIG, log=lambda msg: None)


def _label(pipeline: Pipeline, text: str, claim: str) -> ClaimLabel:
    (stance,) = pipeline.analyze(text, claims=[claim], options=AnalyzeOptions(auto_targets=False)).claims
    return stance.label


def test_the_tiny_model_learns_the_four_stances(trained, tiny_pipeline):
    out, model = trained
    assert model.version.startswith("claims-mlp-")
    pipeline = tiny_pipeline.replace(claim_stance=ModelClaimStanceScorer(model))
    for label, template in BODIES.items():
        assert _label(pipeline, template.format("Oscorp"), CLAIM.format("Oscorp")) is ClaimLabel(label)
    assert _label(pipeline, BODIES["agree"].format("Oscorp"), UNRELATED) is ClaimLabel.unrelated


def test_training_is_reproducible_with_a_seed(tmp_path, data_dir, tiny_pipeline, trained):
    _, model = trained
    again = train(data_dir, tmp_path, tiny_pipeline, CONFIG, log=lambda msg: None)
    assert again.version == model.version


def test_the_config_records_the_data_and_the_hedge_stage(trained, tiny_pipeline):
    _, model = trained
    training = model.config.training
    assert training["data"] == [FNC_STANCES, FNC_BODIES, EMERGENT]
    assert training["pairs"] == 2 * len(NAMES) * len(BODIES) + 3
    assert training["hedges"] == tiny_pipeline.hedges.version


def test_the_train_command_writes_a_claims_model(tmp_path, data_dir, two_layer_encoder, monkeypatch):
    from stancelens.cli import main
    from stancelens.config import get_settings

    # The shipped claim model does not fit this encoder: training must not need one.
    for key, value in (("ENCODER", two_layer_encoder.version), ("ENTITY_MODEL", "spacy"), ("HEDGE_MODEL", "rules"),
                       ("STANCE_MODEL", "vader")):
        monkeypatch.setenv(f"STANCELENS_{key}", value)
    get_settings.cache_clear()
    try:
        assert main(["train", "claims", "--out", str(tmp_path / "m"), "--data", str(data_dir), "--epochs", "2",
                     "--hidden", "8", "--no-emergent", "--seed", "5"]) == 0
    finally:
        get_settings.cache_clear()
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    training = config["training"]
    assert (training["epochs"], training["hidden"], training["seed"], training["emergent"]) == (2, 8, 5, False)
    assert training["data"] == [FNC_STANCES, FNC_BODIES] and config["hidden"] == 8


def test_a_saved_model_loads_and_predicts_the_same(trained, two_layer_encoder):
    out, model = trained
    loaded = load_claim_stance(str(out), two_layer_encoder)
    assert isinstance(loaded, ModelClaimStanceScorer) and loaded.version == model.version
    x = np.random.default_rng(0).normal(size=(4, model.config.n_features)).astype(np.float32)
    np.testing.assert_allclose(loaded.model.predict(x), model.predict(x), atol=0.01)


def test_a_model_from_the_hub_cache_loads_by_id(trained, two_layer_encoder, tmp_path, monkeypatch):
    out, model = trained
    put_in_hub_cache(out, "someone/claims", tmp_path, monkeypatch)
    assert load_claim_stance("someone/claims", two_layer_encoder).version == model.version


def test_a_model_refuses_another_encoder(trained, tmp_path, tokenizer):
    out, _ = trained
    other = SentenceEncoder(str(make_tiny_bert(tmp_path, tokenizer, layers=2, seed=1)))
    with pytest.raises(ValueError, match="other encoder weights.*STANCELENS_CLAIM_MODEL=rules"):
        load_claim_stance(str(out), other)


def test_rules_is_a_claim_model_setting(two_layer_encoder):
    assert isinstance(load_claim_stance("rules", two_layer_encoder), ClaimStanceScorer)


def test_the_pipeline_reports_the_model_and_answers_each_claim_on_its_own(trained, tiny_pipeline):
    out, model = trained
    pipeline = Pipeline.load(Settings(encoder=tiny_pipeline.encoder.version, entity_model="spacy", hedge_model="rules",
                                      stance_model="vader", claim_model=str(out)))
    assert pipeline.model_info.components["claim_stance"] == model.version
    text = BODIES["disagree"].format("Oscorp")
    claims = [CLAIM.format("Oscorp"), UNRELATED]
    options = AnalyzeOptions(auto_targets=False, evidence_per_claim=1)
    together = pipeline.analyze(text, claims=claims, options=options)
    assert_offsets_valid(together)
    alone = [pipeline.analyze(text, claims=[c], options=options).claims[0] for c in claims]
    assert together.claims == alone
    assert [len(c.evidence) for c in together.claims] == [1, 1]


# --- features --------------------------------------------------------------------------------


def test_features_rank_sentences_by_relevance_and_read_the_evidence(pipeline):
    text = ("The weather was mild all week. Officials denied that the bridge had collapsed, calling it a hoax. "
            "Traffic moved normally.")
    article = pipeline.read(text, "text")
    body = pipeline.claim_body(article)
    claim = pipeline.encoder.encode(["The bridge collapsed."])[0]
    x, ranked = features(body, "The bridge collapsed.", claim)
    assert ranked[0] == 1  # the denial is the sentence about the bridge
    assert list(ranked) == list(np.argsort(-(article.embeddings @ claim), kind="stable"))
    assert body.refuting.tolist() == [0, 2, 0]  # "denied", "hoax"
    assert body.negations.sum() == 0
    assert "bridge" in body.words[1] and "the" not in body.words[1] and "the" in body.tokens[1]
    assert x.shape == features(body, "Something else entirely.", claim)[0].shape


def test_features_of_an_article_without_sentences(pipeline):
    from stancelens.document import Article

    dim = pipeline.encoder.dim
    article = Article(text="", content_type="text", embeddings=np.zeros((0, dim), dtype=np.float32))
    x, ranked = features(Body.of(article, [], 0.35), "Anything.", pipeline.encoder.encode(["Anything."])[0])
    assert len(ranked) == 0 and not x.any()


def test_the_temperature_undoes_overconfidence():
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=2.0, size=(5000, 4))
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(4, p=row) for row in p])  # labels drawn from calibrated probabilities
    assert fit_temperature(logits, y) == pytest.approx(1.0, rel=0.1)
    assert fit_temperature(5 * logits, y) == pytest.approx(5.0, rel=0.1)  # five times too sure
