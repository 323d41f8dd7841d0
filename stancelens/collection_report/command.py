"""`stancelens report RESULTS --out DIR`: a collection report of a batch's output (or a job's results)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _run(args: argparse.Namespace) -> int:
    from .aggregate import build_report
    from .records import file_records
    from .render import write_report

    started = time.perf_counter()
    path = Path(args.results)
    report = build_report(file_records(path), str(path), by=args.by, targets=args.targets, claims=args.claims,
                          top=args.top)
    paths = write_report(report, Path(args.out))
    print(f"stancelens report: {report.header.records:,} results, {report.header.skipped:,} skipped, "
          f"{len(report.targets)} targets, {len(report.claims)} claims in {time.perf_counter() - started:.1f} s; "
          f"wrote {', '.join(str(p) for p in paths.values())}", file=sys.stderr, flush=True)
    return 0


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def add_report_command(commands: argparse._SubParsersAction) -> None:
    r = commands.add_parser(
        "report",
        help="what a collection of results says about each target, source and claim",
        description="Read the output of `stancelens batch` (JSONL or Parquet, with its errors file) or a job's "
        "results (JSON lines of ItemOutcome) and write report.md, a self-contained report.html and report.json "
        "to DIR: stance per target merged across articles, by group and over time; hedging; claims.",
    )
    r.add_argument("results", help="a batch's .jsonl or .parquet output, or a job's results saved as .jsonl")
    r.add_argument("--out", required=True, metavar="DIR", help="folder to write the report to")
    r.add_argument("--by", action="append", default=[], metavar="FIELD[:PERIOD]",
                   help="group by a field kept with `batch --keep-fields` (e.g. source); a date field with a "
                   "period (day, week, month, quarter, year), e.g. date:week. Repeat for more. Default: source "
                   "and date:week, when the results carry those fields")
    r.add_argument("--targets", type=_list, default=[], metavar="T1,T2",
                   help="targets to report first, in your spelling, merged with their aliases (e.g. Russia,Putin)")
    r.add_argument("--claims", type=_list, default=[], metavar="C1,C2",
                   help="claims to report (default: every claim in the results); comma-separated")
    r.add_argument("--top", type=int, default=20, help="most mentioned targets reported besides --targets (default 20)")
    r.set_defaults(run=_run)
