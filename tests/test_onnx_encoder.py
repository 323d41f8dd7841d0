"""eval/onnx_encoder.py: its ONNX path encodes as SentenceEncoder does, and asks for the onnx extra
when ONNX Runtime is missing. Only the export test needs onnxruntime and onnx."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from .conftest import make_tiny_bert
from .test_claims_eval_scripts import _script

TEXTS = ["A short one.", "A somewhat longer sentence, so that its batch is padded to it.", "A short one.",
         "Mid-length sentence here.", "x " * 40, ""]


@pytest.fixture(scope="module")
def encoder(tmp_path_factory, tokenizer):
    """A tiny float32 encoder, with a token budget small enough that TEXTS take several batches."""
    from stancelens.encoder import SentenceEncoder

    return SentenceEncoder(str(make_tiny_bert(tmp_path_factory.mktemp("enc"), tokenizer, layers=2)), max_tokens=64,
                           precision="fp32")


class _TorchSession:
    """A stand-in for an ONNX Runtime session: the export's forward pass run by torch."""

    def __init__(self, module, model, layer):
        self.forward = module._WithStates(model, layer).eval()
        self.inputs = module.INPUTS
        self.outputs = module.OUTPUTS

    def get_inputs(self):
        return [SimpleNamespace(name=n) for n in self.inputs]

    @torch.inference_mode()
    def run(self, names, feeds):
        result = dict(zip(self.outputs, self.forward(*(torch.from_numpy(feeds[n]) for n in self.inputs))))
        return [result[n].numpy() for n in names]


def _assert_same(expected, got, atol):
    embeddings, states = expected
    np.testing.assert_allclose(got[0], embeddings, atol=atol)
    assert len(got[1]) == len(states)
    for a, b in zip(states, got[1]):
        assert a.states.shape == b.states.shape and np.array_equal(a.offsets, b.offsets)
        assert float((a.states - b.states).abs().max()) < atol


def test_the_onnx_path_pads_pools_and_slices_as_the_torch_encoder_does(encoder):
    module = _script("onnx_encoder")
    onnx_path = module.OrtEncoder(encoder, _TorchSession(module, encoder.model, 1), layer=1)
    _assert_same(encoder.encode_with_states(TEXTS, 1), onnx_path.encode_with_states(TEXTS, 1), 1e-6)
    np.testing.assert_allclose(onnx_path.encode(TEXTS), encoder.encode(TEXTS), atol=1e-6)
    with pytest.raises(ValueError, match="after layer 1"):
        onnx_path.encode_with_states(TEXTS, 2)
    assert onnx_path.encode([]).shape == (0, encoder.dim)


def test_without_onnx_runtime_it_names_the_extra(monkeypatch, capsys):
    module = _script("onnx_encoder")
    monkeypatch.setattr(module, "_onnx_modules", lambda: None)
    with pytest.raises(SystemExit) as exit_:
        module.main(["--variants", "torch-bf16,ort-fp32"])
    assert exit_.value.code == 2 and "pip install 'stancelens[onnx]'" in capsys.readouterr().err


def test_an_unknown_variant_is_refused(capsys):
    with pytest.raises(SystemExit):
        _script("onnx_encoder").main(["--variants", "ort-fp16"])
    assert "variants are a comma-separated subset" in capsys.readouterr().err


def test_the_export_on_onnx_runtime_agrees_with_torch(encoder, tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    module = _script("onnx_encoder")
    path = tmp_path / "tiny.onnx"
    assert module.export(encoder, 1, path) > 0 and module.export(encoder, 1, path) == 0.0  # the second is cached
    onnx_path = module.OrtEncoder(encoder, module.ort_session(path, 1, False), layer=1)
    _assert_same(encoder.encode_with_states(TEXTS, 1), onnx_path.encode_with_states(TEXTS, 1), 1e-5)
