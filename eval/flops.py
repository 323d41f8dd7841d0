"""The bound on a fast-profile analysis: its matrix-product FLOPs per article, against what these cores reach.

    .venv/bin/python eval/flops.py [--articles 10] [--words 1000] [--threads 2] [--out eval/reports/perf/flops]

Each article of `stancelens bench --words N`'s workload is read by the configured pipeline; the word
pieces each model runs over are counted (the encoder: every distinct sentence and heading; the hedge
head: every sentence; the stance head: every sentence a target is mentioned in, once per mention; the
entity head: every sentence). FLOPs are 2 per multiply-add of the linear layers and the attention
products, from each model's shapes: an estimate of the work, not a profile. The same run times a
2048 x 2048 matrix product in bfloat16 and float32 on `--threads` threads, the ceiling the encoder
could reach, and gives the time each stage would take at that rate beside its measured time.
"""

from __future__ import annotations

import argparse
import bisect
import statistics
import time

import torch

from stancelens.benchmark.workload import build_workload, resolve_data_dir
from stancelens.evaluation.report import publish
from stancelens.pipeline import default_pipeline


def layer_flops(lengths: list[int], dim: int, ffn: int) -> float:
    """One transformer layer over sequences of `lengths` tokens: projections, attention, feed-forward."""
    tokens = sum(lengths)
    return 2.0 * tokens * (4 * dim * dim + 2 * dim * ffn) + 2.0 * sum(2 * n * n * dim for n in lengths)


def matmul_rate(dtype: torch.dtype, size: int = 2048, rounds: int = 10) -> float:
    """GFLOP/s of a size x size matrix product in `dtype` on this process's torch threads."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype is torch.bfloat16):
        a @ b
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            a @ b
            times.append(time.perf_counter() - started)
    return 2 * size**3 / statistics.median(times) / 1e9


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10)
    parser.add_argument("--words", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data-dir")
    parser.add_argument("--out", help="folder for flops.json and flops.md")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    pipeline = default_pipeline()
    config = pipeline.encoder.model.config
    dim, ffn, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    top = layers - (pipeline.state_layer or layers)
    workload = build_workload(args.articles, [args.words], resolve_data_dir(args.data_dir), words=args.words)
    stages = ("sentences", "encode", "entities", "hedges", "stances")
    flops = {s: 0.0 for s in stages}
    measured = {s: 0.0 for s in stages}
    for article in workload.articles:
        pipeline.analyze(article.text)  # warm
        result = pipeline.analyze(article.text)
        for s in stages:
            measured[s] += result.timings_ms.get(s, 0.0)
        read = pipeline.read(article.text)
        sentences = [len(t.offsets) for t in read.token_states or []]
        headings = [len(t.offsets) for t in read.heading_states or []]
        flops["encode"] += layers * layer_flops(sentences + headings, dim, ffn)
        flops["hedges"] += top * layer_flops(sentences, dim, ffn)
        starts = [s.start for s in read.sentences]
        mentioned = []  # the stance head runs its layers once per mention, over the mention's sentence
        for target in result.stances:
            for m in target.mentions:
                i = bisect.bisect_right(starts, m.start) - 1
                if i >= 0 and m.start < read.sentences[i].end:
                    mentioned.append(sentences[i])
        flops["stances"] += top * layer_flops(mentioned, dim, ffn)
        entity_head = getattr(pipeline.entities, "model", None)
        if entity_head is not None:
            width = entity_head.config.width
            per_token = 2 * ((dim + 6) * width + 5 * width * width + width * (1 + 2 * len(entity_head.config.labels)))
            flops["entities"] += per_token * sum(sentences)
    n = len(workload.articles)
    bf16, fp32 = matmul_rate(torch.bfloat16), matmul_rate(torch.float32)
    rows = {s: {"gflop": round(flops[s] / n / 1e9, 2), "ms_measured": round(measured[s] / n, 1),
                "ms_at_bf16_peak": round(flops[s] / n / (bf16 * 1e9) * 1000, 1)} for s in stages}
    total = sum(flops.values()) / n / 1e9
    report = {"articles": n, "words": args.words, "threads": args.threads, "profile": pipeline.profile,
              "matmul_gflops": {"bf16": round(bf16, 1), "fp32": round(fp32, 1)}, "stages": rows,
              "gflop_per_article": round(total, 2), "ms_at_bf16_peak": round(total / bf16 * 1000, 1),
              "ms_measured": round(sum(measured.values()) / n, 1)}
    table = "\n".join(f"| {s} | {r['gflop']} | {r['ms_measured']} | {r['ms_at_bf16_peak']} |" for s, r in rows.items())
    markdown = f"""# FLOPs per article against these cores

{n} workload articles of about {args.words:,} words, profile `{pipeline.profile}`, {args.threads} torch threads.
A 2048² matrix product runs at {report['matmul_gflops']['bf16']} GFLOP/s in bfloat16 and
{report['matmul_gflops']['fp32']} in float32. spaCy (`sentences`) is not matrix products: its FLOPs are not counted.

| stage | GFLOP per article | measured ms | ms at the bfloat16 matmul rate |
|---|---|---|---|
{table}

In all: {report['gflop_per_article']} GFLOP, {report['ms_at_bf16_peak']} ms at the matmul rate; the stages measured
{report['ms_measured']} ms.
"""
    publish("flops", report, markdown, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
