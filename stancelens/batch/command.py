"""`stancelens batch`: arguments only; the batch runner is imported when the command runs."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from ..profile_option import add_profile_option

# The exit status of a process stopped by SIGINT, as shells report it.
INTERRUPTED = 130
DEFAULT_BATCH_SIZE = 16
DEFAULT_RAY_ACTORS = 2


def resume_command(args: argparse.Namespace) -> str:
    """The command that resumes this run: the same input, output and fields."""
    words = ["stancelens", "batch", args.input, "--out", args.out]
    for option, value, default in (
        ("--text-field", args.text_field, "text"),
        ("--id-field", args.id_field, "id"),
        ("--targets-field", args.targets_field, None),
        ("--claims-field", args.claims_field, None),
        ("--keep-fields", args.keep_fields, None),
        ("--batch-size", args.batch_size, DEFAULT_BATCH_SIZE),
        ("--engine", args.engine, "local"),
        ("--ray-address", args.ray_address, None),
        ("--ray-actors", args.ray_actors, DEFAULT_RAY_ACTORS),
        ("--workers", args.workers, None),
    ):
        if value != default:
            words += [option, str(value)]
    if args.quiet:
        words.append("--quiet")
    return shlex.join(words)


def parse_keep_fields(value: str | None) -> tuple[str, ...]:
    """`--keep-fields source,date,url`: the names, in order, without blanks or repeats."""
    names = [name.strip() for name in (value or "").split(",") if name.strip()]
    return tuple(dict.fromkeys(names))


def _run(args: argparse.Namespace) -> int:
    from ..config import get_settings
    from .runner import BatchJob, run_batch
    from .sources import Fields

    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, not {args.batch_size}")
    if args.ray_actors < 1:
        raise ValueError(f"--ray-actors must be at least 1, not {args.ray_actors}")
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be at least 1, not {args.workers}")
    if args.engine == "ray":
        from ..extras import require

        require("ray", "ray")
    job = BatchJob(
        input=Path(args.input),
        out=Path(args.out),
        fields=Fields(text=args.text_field, id=args.id_field, targets=args.targets_field, claims=args.claims_field,
                      keep=parse_keep_fields(args.keep_fields)),
        batch_size=args.batch_size,
        quiet=args.quiet,
        engine=args.engine,
        ray_address=args.ray_address,
        ray_actors=args.ray_actors,
        workers=args.workers or get_settings().workers,
    )
    outcome = run_batch(job)
    if outcome.interrupted:
        print(f"stancelens batch: interrupted; {outcome.skipped + outcome.analysed + outcome.errors} of "
              f"{outcome.total} done. Resume with the same command:\n  {resume_command(args)}",
              file=sys.stderr, flush=True)
        return INTERRUPTED
    print(f"stancelens batch: {outcome.total} records: {outcome.analysed} analysed, {outcome.errors} errors, "
          f"{outcome.skipped} already done; results in {job.out}, errors in {job.out}.errors.jsonl",
          file=sys.stderr, flush=True)
    return 0


def add_batch_command(commands: argparse._SubParsersAction) -> None:
    b = commands.add_parser(
        "batch",
        help="analyse a collection of articles into JSONL or Parquet, resumably",
        description="Analyse every record of INPUT into OUTPUT, one result per record. Records that cannot be "
        "analysed go to OUTPUT.errors.jsonl with the reason. A run that was killed or interrupted resumes "
        "when the same command is run again: each input id ends up exactly once in the two files.",
    )
    b.add_argument("input", help="a .jsonl, .csv or .parquet file, or a folder written by Dataset.save_to_disk")
    b.add_argument("--out", required=True, metavar="OUTPUT", help="a .jsonl or .parquet file to write")
    b.add_argument("--text-field", default="text", help="field holding the article (default: text)")
    b.add_argument("--id-field", default="id",
                   help="field holding the article's id (default: id); without a value, a hash of the text")
    b.add_argument("--targets-field", help="list field of stance targets per article (CSV: a JSON array)")
    b.add_argument("--claims-field", help="list field of claims per article (CSV: a JSON array)")
    b.add_argument("--keep-fields", metavar="F1,F2",
                   help="input fields to copy into each result's `meta` (e.g. source,date,url,title), so "
                   "`stancelens report` can group by them")
    b.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                   help=f"articles per analyze_batch call and per output chunk (default {DEFAULT_BATCH_SIZE})")
    b.add_argument("--workers", type=int, metavar="N",
                   help="local engine: chunks analysed at once, on threads sharing the cores "
                   "(default: STANCELENS_WORKERS, 2)")
    b.add_argument("--quiet", action="store_true", help="log lines on stderr instead of a progress bar")
    b.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local: this process; ray: Ray Data actors, each loading the models once (needs stancelens[ray])")
    b.add_argument("--ray-address", help="an existing Ray cluster (e.g. ray://head:10001 or auto); default: a local instance")
    b.add_argument("--ray-actors", type=int, default=DEFAULT_RAY_ACTORS,
                   help=f"analysis actors, one CPU each (default {DEFAULT_RAY_ACTORS})")
    add_profile_option(b)
    b.set_defaults(run=_run)
