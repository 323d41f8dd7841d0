"""Inference batches by token budget (stancelens/batching.py) and the compute precision (stancelens/precision.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from stancelens import precision
from stancelens.batching import token_batches
from stancelens.encoder import SentenceEncoder

from .conftest import make_tiny_bert


@given(st.lists(st.integers(1, 600), max_size=200), st.integers(1, 2048), st.integers(1, 80))
def test_token_batches_cover_every_item_once_within_the_budget(lengths, max_tokens, max_items):
    batches = token_batches(lengths, max_tokens, max_items)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        assert 1 <= len(batch) <= max_items
        longest = max(lengths[i] for i in batch)
        # An item over the budget goes alone; otherwise the padded batch fits.
        assert len(batch) * longest <= max_tokens or len(batch) == 1
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(flat)  # shortest first, so each batch pads to a near neighbour


def test_token_batches_keep_short_items_together_and_long_ones_apart():
    assert token_batches([10] * 8 + [100, 100], max_tokens=200) == [list(range(8)), [8, 9]]
    assert token_batches([300, 5], max_tokens=256) == [[1], [0]]
    assert token_batches([]) == []


def test_auto_precision_follows_the_cpu(monkeypatch):
    monkeypatch.setattr(precision, "native_bf16", lambda: True)
    assert precision.resolve("auto") == "bf16"
    monkeypatch.setattr(precision, "native_bf16", lambda: False)
    assert precision.resolve("auto") == "fp32"
    assert precision.resolve("bf16") == "bf16" and precision.resolve("fp32") == "fp32"


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory, tokenizer):
    return str(make_tiny_bert(tmp_path_factory.mktemp("tiny"), tokenizer, layers=2))


TEXTS = ["The talks may resume on Monday.", "Short.", "Officials said that around 1,000 soldiers had been moved "
         "to the border, suggesting that an offensive could potentially follow within weeks."]


def test_bf16_embeddings_stay_close_to_fp32(tiny_dir):
    fp32 = SentenceEncoder(tiny_dir, precision="fp32")
    bf16 = SentenceEncoder(tiny_dir, precision="bf16")
    a, b = fp32.encode(TEXTS), bf16.encode(TEXTS)
    assert a.dtype == b.dtype == np.float32
    assert np.all(np.sum(a * b, axis=1) > 0.99)
    assert not np.array_equal(a, b)  # bf16 really ran


def test_token_batches_give_the_same_encoding_as_one_batch(tiny_dir):
    """Padding must not leak into the results: a tight token budget changes batches, not embeddings or states."""
    whole = SentenceEncoder(tiny_dir, precision="fp32", max_tokens=10**6)
    tight = SentenceEncoder(tiny_dir, precision="fp32", max_tokens=16, batch_size=2)
    (a, sa), (b, sb) = whole.encode_with_states(TEXTS, 1), tight.encode_with_states(TEXTS, 1)
    np.testing.assert_allclose(a, b, atol=1e-5)
    for x, y in zip(sa, sb):
        torch.testing.assert_close(x.states, y.states, atol=1e-5, rtol=1e-4)
        assert np.array_equal(x.offsets, y.offsets)
