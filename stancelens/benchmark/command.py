"""`stancelens bench`: arguments only; the benchmark itself is imported when the command runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..profile_option import add_profile_option


def _run(args: argparse.Namespace) -> int:
    from ..extras import require

    require("eval", "psutil", "httpx")
    from .report import to_markdown
    from .runner import BenchPlan, run_benchmark

    plan = BenchPlan(
        articles=args.articles,
        words=args.words,
        data_dir=args.data_dir,
        http=args.http,
        concurrency=tuple(args.concurrency),
        requests=args.requests,
        sweep=tuple(args.sweep),
        peer=args.peer,
        peer_articles=args.peer_articles,
        batch_size=args.batch_size,
    )
    out = Path(args.out) if args.out else None
    if out:
        out.mkdir(parents=True, exist_ok=True)  # fail on a bad --out now, not after minutes of timing
    report = run_benchmark(plan)
    as_json, as_markdown = report.model_dump_json(indent=2), to_markdown(report)
    if out:
        (out / "bench.json").write_text(as_json + "\n", encoding="utf-8")
        (out / "bench.md").write_text(as_markdown, encoding="utf-8")
    print(as_json if args.format == "json" else as_markdown)
    return 0


def add_bench_command(commands: argparse._SubParsersAction) -> None:
    b = commands.add_parser(
        "bench",
        help="benchmark throughput, latency and memory against a Hugging Face peer",
        description="Time StanceLens on real news articles, in process and over HTTP, and a Hugging Face "
        "recipe (distilbart-cnn-12-6 summaries + bart-large-mnli zero-shot stance) beside it.",
    )
    b.add_argument("--articles", type=int, default=20,
                   help="real articles in the workload, the example article first (default 20)")
    b.add_argument("--words", type=int, metavar="N",
                   help="make every workload article N words long, stitched from consecutive real paragraphs "
                   "with no sentence shared between articles (default: the real articles as they are)")
    b.add_argument("--format", choices=["json", "markdown"], default="markdown")
    b.add_argument("--out", metavar="DIR", help="also write bench.json and bench.md into DIR")
    b.add_argument("--data-dir", help="folder with cnndm_summ/ and fnc1/ (default: STANCELENS_DATA_DIR, "
                   "else ../shared/data beside the repository; missing: the example article only)")
    b.add_argument("--http", action=argparse.BooleanOptionalAction, default=True,
                   help="time the HTTP API too, against a `stancelens serve` started for the run (default on)")
    b.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16], metavar="N",
                   help="concurrency levels for the HTTP latency runs (default 1 4 16)")
    b.add_argument("--requests", type=int,
                   help="requests per concurrency level (default: max(2 x level, articles))")
    b.add_argument("--sweep", type=int, nargs="+", default=[250, 1000, 4000, 16000], metavar="WORDS",
                   help="article lengths for the cost-by-length fit (default 250 1000 4000 16000)")
    b.add_argument("--peer", action=argparse.BooleanOptionalAction, default=True,
                   help="time the Hugging Face peer too (default on; --no-peer leaves the ratio null)")
    b.add_argument("--peer-articles", type=int, default=2,
                   help="workload articles the peer is timed on, from the first (default 2)")
    b.add_argument("--batch-size", type=int, default=16,
                   help="articles per analyze_batch call, timed against one analyze call per article (default 16)")
    add_profile_option(b)
    b.set_defaults(run=_run)
