"""What every trained head over the shared encoder has in common.

A head is a fine-tuned copy of the encoder's top `top_layers` layers plus small output layers.
It reads the token states the pipeline's single encoder pass computed below those layers
(`SentenceEncoder.encode_with_states`), so no stage encodes a sentence again. A head is tied to
the encoder weights it was trained on: its config holds a fingerprint of the shared layers.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np
import torch
from pydantic import BaseModel, Field
from safetensors.torch import load_file, save_file
from torch import nn

from .batching import token_batches
from .encoder import SentenceEncoder
from .precision import compute
from .errors import InputError

WEIGHTS = "head.safetensors"
CONFIG = "config.json"


CHECKPOINT = "checkpoint.pt"


class HeadConfig(BaseModel):
    version: str = Field(description="Reported by the API under model.components.")
    top_layers: int = Field(ge=1, description="Encoder layers copied and fine-tuned; the rest are shared.")
    hidden_size: int
    num_layers: int = Field(description="Layers of the encoder it was trained on.")
    base_fingerprint: str = Field(description="Hash of the shared layers' weights: the encoder it must run on.")
    training: dict = Field(default_factory=dict, description="Data, seed and hyperparameters it was trained with.")


class TrainingConfig(BaseModel):
    """What every head's training takes; the defaults are the shipped models'."""

    top_layers: int = Field(2, ge=1, description="Encoder layers to fine-tune; the rest stay shared and frozen.")
    epochs: int = Field(3, ge=1)
    learning_rate: float = Field(2e-4, gt=0)
    batch_size: int = Field(32, ge=1)
    seed: int = 13
    resume: bool = Field(False, exclude=True,
                         description="Continue from the checkpoint a cut-off run left in the output folder.")
    precision: Literal["bf16", "fp32"] = Field(
        "fp32", description="Number format of the matrix products while training (the frozen layers' states included): "
        "fp32 retrains to the same weights on any CPU; bf16 is about 2x faster where the CPU does it natively.")


def fit_options(config: TrainingConfig, out: Path) -> dict:
    """What `fit` takes from a training config: precision, and a checkpoint in the output folder."""
    return {"precision": config.precision, "checkpoint": out / CHECKPOINT, "resume": config.resume}


def _layer_index(name: str) -> int | None:
    parts = name.split(".")
    if "layer" in parts:
        i = parts.index("layer")
        if i + 1 < len(parts) and parts[i + 1].isdigit():
            return int(parts[i + 1])
    return None


def base_fingerprint(encoder: SentenceEncoder, top_layers: int) -> str:
    """A hash of the weights below the fine-tuned layers: a head trained on other states is garbage."""
    digest = hashlib.sha256()
    shared = encoder.num_layers - top_layers
    for name, tensor in sorted(encoder.model.state_dict().items()):
        layer = _layer_index(name)
        if layer is None or layer < shared:
            digest.update(name.encode())
            digest.update(tensor.detach().to(torch.float32).contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def weights_digest(module: nn.Module) -> str:
    """A short hash of trained weights: a model's version changes whenever its weights do."""
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().contiguous().numpy().tobytes())
    return digest.hexdigest()[:8]


def copy_top_layers(encoder: SentenceEncoder, top_layers: int) -> nn.ModuleList:
    if not 1 <= top_layers <= encoder.num_layers:
        raise ValueError(f"top_layers must be 1..{encoder.num_layers}, not {top_layers}")
    try:
        layers = encoder.model.encoder.layer
    except AttributeError as exc:
        raise ValueError(f"a trained head needs a BERT-style encoder (model.encoder.layer); {encoder.version} has none") from exc
    return copy.deepcopy(layers[-top_layers:])


class PositionBias(nn.Module):
    """MPNet adds a learned bias by relative position to every layer's attention scores, which its
    encoder computes once per pass and hands to each layer: a copy of its top layers needs it too.
    It belongs to the shared encoder, so it stays frozen."""

    def __init__(self, encoder_module: nn.Module):
        super().__init__()
        self.relative_attention_bias = copy.deepcopy(encoder_module.relative_attention_bias).requires_grad_(False)
        self.relative_position_bucket = encoder_module.relative_position_bucket
        self._compute = type(encoder_module).compute_position_bias

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        return self._compute(self, states)


def copy_position_bias(encoder: SentenceEncoder) -> PositionBias | None:
    """The encoder's relative position bias when it has one (MPNet), else None (BERT, MiniLM)."""
    module = getattr(encoder.model, "encoder", None)
    return PositionBias(module) if hasattr(module, "relative_attention_bias") else None


def run_layers(layers: nn.ModuleList, states: torch.Tensor, mask: torch.Tensor,
               position: PositionBias | None = None) -> torch.Tensor:
    """`states` (batch, tokens, hidden) through `layers`, padding (mask 0) masked out; `position`
    adds the relative position bias of encoders that have one."""
    additive = (1.0 - mask[:, None, None, :].to(states.dtype)) * torch.finfo(states.dtype).min
    extra = {} if position is None else {"position_bias": position(states)}
    h = states
    for layer in layers:
        h = layer(h, attention_mask=additive, **extra)
        h = h[0] if isinstance(h, tuple) else h  # transformers < 5 returns a tuple
    return h


def masked_mean(h: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    w = weights.unsqueeze(-1).to(h.dtype)
    return (h * w).sum(1) / w.sum(1).clamp(min=1.0)


def pad(states: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    longest = max(s.shape[0] for s in states)
    batch = states[0].new_zeros((len(states), longest, states[0].shape[1]))
    mask = torch.zeros((len(states), longest), dtype=torch.long)
    for i, s in enumerate(states):
        batch[i, : s.shape[0]] = s
        mask[i, : s.shape[0]] = 1
    return batch, mask


def check_encoder(config: HeadConfig, encoder: SentenceEncoder, path: Path, retrain: str, setting: str) -> None:
    """Refuse an encoder the head was not trained on, saying how to fix it."""
    fix = f"retrain it on this encoder with `{retrain}`, or set {setting}"
    if (encoder.num_layers, encoder.dim) != (config.num_layers, config.hidden_size):
        raise ValueError(
            f"{path} was trained on an encoder with {config.num_layers} layers of size {config.hidden_size}; "
            f"the configured encoder ({encoder.version}) has {encoder.num_layers} of size {encoder.dim}: {fix}"
        )
    found = base_fingerprint(encoder, config.top_layers)
    if found != config.base_fingerprint:
        raise ValueError(
            f"{path} was trained on other encoder weights (fingerprint {config.base_fingerprint}, the configured "
            f"encoder {encoder.version} has {found}): {fix}"
        )


def save(module: nn.Module, config: BaseModel, path: str | Path) -> None:
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    # float16 halves what the repository carries; predictions move by well under 0.01.
    save_file({k: v.to(torch.float16).contiguous() for k, v in module.state_dict().items()}, str(path / WEIGHTS))
    (path / CONFIG).write_text(config.model_dump_json(indent=2) + "\n")


def load_weights(module: nn.Module, path: Path) -> None:
    module.load_state_dict({k: v.float() for k, v in load_file(str(path / WEIGHTS)).items()})


class HeadModel:
    """A trained head bound to the encoder it runs on; subclasses name their head, config and
    how to replace them."""

    head_class: type[nn.Module]
    config_class: type[HeadConfig]
    retrain: str  # the command that trains one
    fallback: str  # the setting that runs the stage without one

    def __init__(self, head: nn.Module, config: HeadConfig, batch_size: int = 64,
                 precision: Literal["bf16", "fp32"] = "fp32"):
        self.head = head.eval()
        self.config = config
        self.layer = config.num_layers - config.top_layers  # the shared states it reads
        self.batch_size = batch_size
        self.precision = precision

    def compute(self):
        """The context the head's forward passes run in: its encoder's precision."""
        return compute(self.precision)

    def batches(self, states: list[torch.Tensor]) -> list[list[int]]:
        return token_batches([s.shape[0] for s in states], max_items=self.batch_size)

    @classmethod
    def load(cls, path: str | Path, encoder: SentenceEncoder):
        path = Path(path)
        config = cls.config_class.model_validate_json((path / CONFIG).read_text())
        check_encoder(config, encoder, path, cls.retrain, cls.fallback)
        head = cls.build_head(encoder, config)
        load_weights(head, path)
        return cls(head, config, precision=encoder.precision)

    @classmethod
    def build_head(cls, encoder: SentenceEncoder, config: HeadConfig) -> nn.Module:
        """An untrained head of the shape `config` describes, to load weights into."""
        return cls.head_class(encoder, config.top_layers)

    def save(self, path: str | Path) -> None:
        save(self.head, self.config, path)


def frozen_states(encoder: SentenceEncoder, texts: list[str], layer: int, log: Callable[[str], None],
                  what: str, chunk: int = 2048) -> list:
    """Each text's token states after `layer`, computed once before training (the layers below are frozen),
    in chunks that bound the encoder's peak memory, with progress (rate, ETA) in the log."""
    progress = Progress(-(-len(texts) // chunk), log)
    out = []
    for b in range(0, len(texts), chunk):
        out += encoder.encode_with_states(texts[b : b + chunk], layer)[1]
        progress.step(f"{what}: {min(b + chunk, len(texts)):,}/{len(texts):,} sentences encoded")
    return out


def length_batches(pool: list, size: int, rng, length: Callable[[object], int]) -> list[list]:
    """`pool` shuffled in place, then cut into batches of similar `length` within windows of 50
    batches: less padding, still random. The caller shuffles the batches."""
    rng.shuffle(pool)
    out = []
    for w in range(0, len(pool), size * 50):
        window = sorted(pool[w : w + size * 50], key=length)
        out += [window[i : i + size] for i in range(0, len(window), size)]
    return out


def read_jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        raise InputError(f"{path} not found: pass --data with the shared data folder (see its README)")
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def model_dir(spec: str) -> Path:
    """A local folder as it is; anything else is a hub model id, read from the local hub cache
    (`HF_HUB_OFFLINE` keeps it from downloading)."""
    path = Path(spec)
    if path.is_dir():
        return path
    if path.is_absolute() or spec.startswith((".", "~")) or spec.count("/") > 1:
        raise FileNotFoundError(f"{spec} is not a folder: point it at a folder holding {CONFIG} and {WEIGHTS}")
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(spec))


B = TypeVar("B")


def seeded(seed: int) -> random.Random:
    """Seed Python's, NumPy's and torch's generators, and return a generator for shuffling."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return random.Random(seed)


def fit(head: nn.Module, batches: Callable[[], Sequence[B]], loss: Callable[[B], torch.Tensor], epochs: int,
        learning_rate: float, log: Callable[[str], None], weight_decay: float = 0.01,
        precision: Literal["bf16", "fp32"] = "fp32", checkpoint: Path | None = None, resume: bool = False) -> None:
    """Train `head`: AdamW (weight decay 0.01 unless given), linear warm-up over 6% of the steps then linear
    decay, gradients clipped at norm 1. `batches` gives one epoch's batches, freshly shuffled. With bf16 the
    forward passes run under autocast; weights and optimiser state stay float32.

    With a `checkpoint` path the head, optimiser and schedule are saved after every epoch; `resume` starts
    after the last saved epoch (the skipped epochs' batches are drawn again, so the shuffles match an
    uninterrupted run). The checkpoint is deleted once training ends."""
    head.train()
    params = [p for p in head.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=learning_rate, weight_decay=weight_decay)
    epoch_batches = batches()
    steps = epochs * len(epoch_batches)
    warmup = max(1, int(0.06 * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps - s) / max(1, steps - warmup)))
    done = 0
    if resume and checkpoint is not None and checkpoint.is_file():
        saved = torch.load(checkpoint, weights_only=False)
        head.load_state_dict(saved["head"])
        optimizer.load_state_dict(saved["optimizer"])
        schedule.load_state_dict(saved["schedule"])
        torch.set_rng_state(saved["torch_rng"])
        done = saved["epochs_done"]
        log(f"resumed from {checkpoint} after epoch {done}/{epochs}")
    progress = Progress(steps, log, done=done * len(epoch_batches))
    for epoch in range(epochs):
        if epoch:
            epoch_batches = batches()
        if epoch < done:
            continue
        total = 0.0
        for batch in epoch_batches:
            with compute(precision):
                value = loss(batch)
            optimizer.zero_grad()
            value.backward()
            nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            total += value.item()
            progress.step(f"epoch {epoch + 1}/{epochs}")
        log(f"epoch {epoch + 1}/{epochs}, mean loss {total / len(epoch_batches):.4f}")
        if checkpoint is not None and epoch + 1 < epochs:
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            torch.save({"head": head.state_dict(), "optimizer": optimizer.state_dict(),
                        "schedule": schedule.state_dict(), "torch_rng": torch.get_rng_state(),
                        "epochs_done": epoch + 1}, checkpoint)
    if checkpoint is not None:
        checkpoint.unlink(missing_ok=True)
    head.eval()


class Progress:
    """Logs steps done, the rate and an ETA, at most once every `every` seconds."""

    def __init__(self, total: int, log: Callable[[str], None], done: int = 0, every: float = 30.0):
        self.total, self.log, self.every = total, log, every
        self.done = self.start_done = done
        self.started = self.last = time.perf_counter()

    def step(self, what: str) -> None:
        self.done += 1
        now = time.perf_counter()
        if now - self.last < self.every and self.done < self.total:
            return
        self.last = now
        rate = (self.done - self.start_done) / max(now - self.started, 1e-9)
        eta = (self.total - self.done) / rate if rate else float("inf")
        self.log(f"{what}: step {self.done:,}/{self.total:,}, {rate:.2f} steps/s, ETA {eta / 60:.1f} min")
