"""`heads.fit`: progress with a rate and an ETA, a checkpoint per epoch, and `--resume` after a cut-off run."""

from __future__ import annotations

import random

import pytest
import torch
from torch import nn

from stancelens import heads


class _CutOff(Exception):
    pass


def _problem(seed: int = 3):
    torch.manual_seed(seed)
    x = torch.randn(64, 4)
    y = (x[:, 0] > 0).long()
    head = nn.Linear(4, 2)
    rng = random.Random(seed)

    def batches():
        order = list(range(64))
        rng.shuffle(order)
        return [order[i : i + 8] for i in range(0, 64, 8)]

    return head, batches, lambda idx: nn.functional.cross_entropy(head(x[idx]), y[idx])


def _fit(tmp_path, log, *, cut_at: int | None = None, resume: bool = False, precision: str = "fp32"):
    head, batches, loss = _problem()
    steps = {"n": 0}

    def counting(idx):
        steps["n"] += 1
        if cut_at is not None and steps["n"] > cut_at:
            raise _CutOff
        return loss(idx)

    heads.fit(head, batches, counting, epochs=3, learning_rate=0.05, log=log, precision=precision,
              checkpoint=tmp_path / heads.CHECKPOINT, resume=resume)
    return head, steps["n"]


def test_a_cut_off_run_resumes_to_the_weights_of_an_uninterrupted_one(tmp_path):
    whole, _ = _fit(tmp_path / "whole", lambda msg: None)
    assert not (tmp_path / "whole" / heads.CHECKPOINT).exists()  # deleted once training ends

    with pytest.raises(_CutOff):  # killed in the middle of epoch 2 (8 batches an epoch)
        _fit(tmp_path / "cut", lambda msg: None, cut_at=12)
    assert (tmp_path / "cut" / heads.CHECKPOINT).is_file()
    messages: list[str] = []
    resumed, steps = _fit(tmp_path / "cut", messages.append, resume=True)
    assert steps == 16 and any("resumed" in m and "after epoch 1/3" in m for m in messages)
    for a, b in zip(whole.state_dict().values(), resumed.state_dict().values()):
        torch.testing.assert_close(a, b)


def test_progress_reports_rate_and_eta():
    messages: list[str] = []
    progress = heads.Progress(4, messages.append, every=0.0)
    for _ in range(4):
        progress.step("epoch 1/1")
    assert len(messages) == 4 and messages[-1].startswith("epoch 1/1: step 4/4, ")
    assert "steps/s, ETA 0.0 min" in messages[-1]


def test_bf16_training_runs_under_autocast_and_keeps_float32_weights(tmp_path):
    head, _ = _fit(tmp_path, lambda msg: None, precision="bf16")
    assert all(p.dtype == torch.float32 for p in head.parameters())
