"""The trained hedge model's code paths on tiny models trained here: training, saving, loading
from a folder or a hub id, decoding cue spans, and the hedge stage in the pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stancelens.config import Settings
from stancelens.encoder import SentenceEncoder
from stancelens.hedges import ModelHedgeDetector, RuleHedgeDetector, load_hedge_detector
from stancelens.hedges.model import HedgeModel, decode_tags
from stancelens.hedges.training import CONLL, SZEGED, HedgeTrainingConfig, best_threshold, cue_tags, train
from stancelens.pipeline import ModelLoadError, Pipeline
from stancelens.schema import AnalyzeOptions, AnalyzeRequest, HedgeType, UncertaintyType

from .conftest import assert_offsets_valid, make_tiny_bert, put_in_hub_cache

HEDGED = ["The bridge may {} next year.", "Officials suggest the {} could close.", "Perhaps the {} will reopen."]
PLAIN = ["The bridge {} opened in 1990.", "The {} is made of steel.", "Workers painted the {} blue."]
NOUNS = ["road", "tunnel", "port", "dam", "canal", "tower", "station", "mill", "plant", "yard"]


def _szeged_record(text: str) -> dict:
    cues = []
    for word, kind in (("may", "epistemic"), ("suggest", "doxastic"), ("could", "epistemic"), ("Perhaps", "epistemic")):
        at = text.find(word)
        if at >= 0:
            cues.append({"start": at, "end": at + len(word), "text": word, "type": kind})
    return {"text": text, "label": "uncertain" if cues else "certain", "cues": cues}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """A corpus a tiny model can learn: hedge words mark uncertain sentences and are the cues."""
    root = tmp_path_factory.mktemp("hedge-data")
    conll, szeged = [], []
    for noun in NOUNS:
        for template in HEDGED + PLAIN:
            text = template.format(noun)
            conll.append({"text": text, "label": _szeged_record(text)["label"]})
            szeged.append(_szeged_record(text))
    for rel, records in ((CONLL, conll), (SZEGED, szeged)):
        (root / rel).parent.mkdir(parents=True)
        (root / rel).write_text("".join(json.dumps(r) + "\n" for r in records))
    return root


@pytest.fixture(scope="module")
def trained(tmp_path_factory, data_dir, two_layer_encoder) -> tuple[Path, HedgeModel]:
    out = tmp_path_factory.mktemp("hedge-model")
    config = HedgeTrainingConfig(top_layers=1, epochs=40, learning_rate=3e-3, batch_size=8, held_out=0.2)
    return out, train(data_dir, out, two_layer_encoder, config, log=lambda msg: None)


def test_training_writes_a_versioned_model(trained, two_layer_encoder):
    out, model = trained
    config = json.loads((out / "config.json").read_text())
    assert config["version"].startswith("hedge-top1-") and config["top_layers"] == 1
    assert config["training"]["seed"] == 13 and config["training"]["epochs"] == 40
    assert 0.1 <= config["threshold"] <= 0.9
    assert (out / "head.safetensors").stat().st_size > 0


def test_the_tiny_model_learns_sentences_and_cues(trained, two_layer_encoder):
    _, model = trained
    texts = ["The bridge may reopen next year.", "The tunnel is made of steel."]
    _, states = two_layer_encoder.encode_with_states(texts, model.layer)
    hedged, plain = model.predict(texts, states)
    for scheme in ("conll2010", "szeged"):
        assert hedged.probabilities[scheme] > 0.5 > plain.probabilities[scheme]
    assert [(texts[0][s:e], cls) for s, e, cls in hedged.cues] == [("may", UncertaintyType.epistemic)]
    assert plain.cues == []


def test_a_saved_model_loads_and_predicts_the_same(trained, two_layer_encoder):
    out, model = trained
    loaded = load_hedge_detector(str(out), two_layer_encoder)
    assert isinstance(loaded, ModelHedgeDetector) and loaded.version == f"{model.config.version}+conll2010"
    texts = ["Officials suggest the port could close."]
    _, states = two_layer_encoder.encode_with_states(texts, model.layer)
    (ours,), (theirs,) = loaded.model.predict(texts, states), model.predict(texts, states)
    assert ours.cues == theirs.cues
    assert ours.probabilities == pytest.approx(theirs.probabilities, abs=0.01)


def test_a_fitted_combiner_beside_the_model_gives_the_score(trained, two_layer_encoder, tmp_path):
    import shutil

    from stancelens.hedges import HedgeCombiner

    out, model = trained
    folder = tmp_path / "with-combiner"
    shutil.copytree(out, folder)
    combiner = HedgeCombiner(version="union-test", weights={"conll2010": 0.5, "szeged": 1.0}, bias=-0.5, threshold=0.6)
    combiner.save(folder)
    loaded = load_hedge_detector(str(folder), two_layer_encoder)
    assert loaded.combiner == combiner and loaded.threshold == 0.6
    assert loaded.version == f"{model.config.version}+union-test"


def test_training_is_reproducible_with_a_seed(tmp_path, data_dir, two_layer_encoder, trained):
    _, model = trained
    # The model records how it was trained; the same settings give the same weights, so the same version.
    fields = {k: v for k, v in model.config.training.items() if k in HedgeTrainingConfig.model_fields}
    again = train(data_dir, tmp_path, two_layer_encoder, HedgeTrainingConfig(**fields), log=lambda msg: None)
    assert again.config.version == model.config.version


def test_a_model_from_the_hub_cache_loads_by_id(trained, two_layer_encoder, tmp_path, monkeypatch):
    out, model = trained
    put_in_hub_cache(out, "someone/tiny-hedge", tmp_path, monkeypatch)
    assert load_hedge_detector("someone/tiny-hedge", two_layer_encoder).version == f"{model.config.version}+conll2010"


def test_a_model_refuses_another_encoder(trained, tmp_path, tokenizer):
    out, _ = trained
    other = SentenceEncoder(str(make_tiny_bert(tmp_path, tokenizer, layers=2, seed=1)))
    with pytest.raises(ValueError, match="other encoder weights.*STANCELENS_HEDGE_MODEL=rules"):
        load_hedge_detector(str(out), other)


def test_the_pipeline_names_the_setting_of_a_hedge_model_that_will_not_load(tmp_path, two_layer_encoder):
    settings = Settings(encoder=two_layer_encoder.version, entity_model="spacy", hedge_model=str(tmp_path / "missing"))
    with pytest.raises(ModelLoadError, match="hedge model.*STANCELENS_HEDGE_MODEL.*is not a folder"):
        Pipeline.load(settings)


def test_rules_is_a_hedge_model_setting(two_layer_encoder):
    assert isinstance(load_hedge_detector("rules", two_layer_encoder), RuleHedgeDetector)


# --- the hedge stage in the pipeline --------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_pipeline(trained, two_layer_encoder) -> Pipeline:
    out, _ = trained
    return Pipeline.load(Settings(encoder=two_layer_encoder.version, entity_model="spacy", hedge_model=str(out), stance_model="vader",
                                  claim_model="rules"))


def test_the_pipeline_runs_the_model_on_the_shared_encoding(tiny_pipeline, trained):
    _, model = trained
    text = "The bridge may reopen next year. The tunnel is made of steel. Around 1,000 workers built the dam."
    article = tiny_pipeline.read(text)
    assert article.token_states is not None and len(article.token_states) == len(article.sentences) == 3
    result = tiny_pipeline.annotate(article)
    assert_offsets_valid(result)
    # A folder without a fitted combiner scores by the model's own sentence scheme.
    assert result.model.components["hedges"] == f"{model.config.version}+conll2010"
    assert result.model.hedge_threshold == model.config.threshold
    claims = {c.sentence.text: c for c in result.hedged_claims}
    may = claims["The bridge may reopen next year."]
    assert may.probabilities.keys() == {"conll2010", "szeged"} and may.score == may.probabilities["conll2010"]
    assert [(c.text, c.type, c.uncertainty) for c in may.cues] == [("may", HedgeType.modal, UncertaintyType.epistemic)]
    assert "The tunnel is made of steel." not in claims
    # A threshold in the request overrides the model's, but a sentence no cue explains is never listed.
    everything = tiny_pipeline.annotate(article, options=AnalyzeOptions(hedge_threshold=0.0)).hedged_claims
    assert [c.sentence.text for c in everything] == ["The bridge may reopen next year.", "Around 1,000 workers built the dam."]
    # Approximators come from the rules: the corpora do not mark them.
    assert [(c.text, c.type, c.uncertainty) for c in everything[1].cues] == [("Around", HedgeType.approximator, None)]


def test_batches_share_one_encoding_with_states(tiny_pipeline):
    texts = ["The port may close. Workers painted the mill blue.", "Perhaps the canal will reopen."]
    batch = tiny_pipeline.analyze_batch([AnalyzeRequest(text=t) for t in texts])
    for text, result in zip(texts, batch):
        single = tiny_pipeline.analyze(text)
        assert [(c.sentence.text, c.score) for c in result.hedged_claims] == \
               [(c.sentence.text, c.score) for c in single.hedged_claims]


def test_states_come_from_the_same_pass_as_the_embeddings(two_layer_encoder):
    texts = ["The dam may break.", "The dam may break.", "A longer sentence about the old station."]
    embeddings, states = two_layer_encoder.encode_with_states(texts, 1)
    np.testing.assert_allclose(embeddings, two_layer_encoder.encode(texts), atol=1e-6)
    assert states[0] is states[1]  # repeats are encoded once
    for text, s in zip(texts, states):
        assert s.states.shape == (len(s.offsets), two_layer_encoder.dim)
        pieces = [text[a:b] for a, b in s.offsets.tolist() if b > a]
        assert "".join(pieces) == text.replace(" ", "")


# --- cue spans ------------------------------------------------------------------------------


def test_decode_tags_joins_pieces_and_widens_to_words():
    text = "It is probably unlikely, whether or not."
    # [CLS] It is prob ##ably un ##likely , whether or not . [SEP]
    offsets = np.array([(0, 0), (0, 2), (3, 5), (6, 10), (10, 14), (15, 17), (17, 23), (23, 24), (25, 32),
                        (33, 35), (36, 39), (39, 40), (0, 0)])
    tags = np.array([0, 0, 0, 1, 2, 0, 1, 0, 7, 8, 0, 0, 3])  # "un" missed: "##likely" alone is widened
    assert [(text[s:e], c.value) for s, e, c in decode_tags(tags, offsets, text)] == [
        ("probably", "epistemic"), ("unlikely", "epistemic"), ("whether or", "investigation")]


def test_decode_tags_keeps_adjacent_cues_of_other_classes_apart():
    text = "may if"
    offsets = np.array([(0, 3), (4, 6)])
    assert [(s, e, c.value) for s, e, c in decode_tags(np.array([1, 5]), offsets, text)] == [
        (0, 3, "epistemic"), (4, 6, "condition")]


def test_cue_tags_align_character_cues_to_pieces():
    offsets = np.array([(0, 0), (0, 2), (3, 7), (7, 11), (12, 14), (0, 0)])  # [CLS] It seem ##ed so [SEP]
    tags = cue_tags(offsets, [{"start": 3, "end": 11, "type": "epistemic"}])
    assert tags.tolist() == [-100, 0, 1, 2, 0, -100]


def test_best_threshold_is_on_a_coarse_grid():
    probabilities = np.array([0.9, 0.8, 0.62, 0.3, 0.2, 0.1])
    labels = np.array([True, True, True, False, False, False])
    # Every cut from 0.35 to 0.6 separates the classes; the first best one is taken.
    assert best_threshold(probabilities, labels) == 0.35


def test_the_train_command_writes_a_model(tmp_path, data_dir, two_layer_encoder, monkeypatch):
    from stancelens.cli import main
    from stancelens.config import get_settings

    import torch

    monkeypatch.setenv("STANCELENS_ENCODER", two_layer_encoder.version)
    get_settings.cache_clear()
    threads = torch.get_num_threads()
    try:
        assert main(["train", "hedge", "--out", str(tmp_path / "m"), "--data", str(data_dir), "--epochs", "1",
                     "--top-layers", "1", "--no-szeged", "--threads", "1"]) == 0
    finally:
        get_settings.cache_clear()
        torch.set_num_threads(threads)
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["training"] | {"epochs": 1, "top_layers": 1, "szeged": False, "seed": 13} == config["training"]
    assert config["training"]["data"] == [CONLL]


def test_the_train_command_names_missing_data(tmp_path, capsys):
    from stancelens.cli import main

    assert main(["train", "hedge", "--out", str(tmp_path / "m"), "--data", str(tmp_path)]) == 2
    assert "conll2010_wiki_hedge/train.jsonl not found" in capsys.readouterr().err
