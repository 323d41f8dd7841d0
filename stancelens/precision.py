"""The number format the encoder and the trained heads compute in.

On a CPU with native bfloat16 arithmetic (AVX512-BF16 or AMX), the encoder stage runs about 1.6x
faster in bfloat16 than in float32 and a whole analysis about 1.4x, while sentence embeddings keep a
cosine above 0.9999 to the float32 ones (`eval/ab.py --a precision=fp32 --b precision=bf16`
measures both; the dev-set quality rule of eval/PERFORMANCE.md holds).
Without native support bfloat16 is emulated and slower, so `auto` picks it only where it is native.
Only matrix products drop to bfloat16 (`torch.autocast`): normalisation, softmax and the outputs
stay float32, and weights are stored as they were trained.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Literal

import torch

from .config import Precision


def native_bf16() -> bool:
    """Whether this CPU does bfloat16 arithmetic in hardware, as oneDNN sees it."""
    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a torch build without the check
        return False


def resolve(precision: Precision) -> Literal["bf16", "fp32"]:
    """`auto` made concrete for this machine."""
    if precision == "auto":
        return "bf16" if native_bf16() else "fp32"
    return precision


def compute(precision: Literal["bf16", "fp32"]) -> AbstractContextManager:
    """The context a forward pass runs in; autocast is per thread, so each call enters it."""
    if precision == "bf16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return nullcontext()
