"""`stancelens eval`: arguments only; the harness is imported when the command runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..profile_option import add_profile_option

TASK_NAMES = ("hedge", "stance", "claims", "summary", "all")


def _run(args: argparse.Namespace) -> int:
    from ..extras import require

    require("eval", "datasets", "sklearn", "rouge_score", "matplotlib")
    from ..config import default_data_dir
    from ..errors import InputError
    from ..pipeline import default_pipeline
    from .comparison import add_profile_baseline, comparison_table
    from .report import slug, to_markdown
    from .schema import EvalSuite
    from .tasks import SUITE, Run, evaluate

    if args.task == "all":
        root = Path(args.data) if args.data else default_data_dir()
        if not root.is_dir():
            raise InputError(f"{root} is not a folder: pass --data with the shared data folder")
        jobs = [(task, Run(data=str(root / rel), limit=args.limit, samples=args.bootstrap, seed=args.seed, **extra))
                for task, rel, *more in SUITE for extra in [more[0] if more else {}]]
    else:
        if not args.data:
            raise InputError(f"eval {args.task} needs --data: a file, a folder (with --split) or hf:<dataset>")
        jobs = [(args.task, Run(data=args.data, split=args.split, limit=args.limit, samples=args.bootstrap,
                                seed=args.seed, bodies=args.bodies, scheme=args.scheme, domain=args.domain))]

    out = Path(args.out) if args.out else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
    pipeline = default_pipeline()
    # Another profile on the same records (by default the fast one, when another profile is evaluated).
    compare = args.compare or ("fast" if pipeline.profile != "fast" else "none")
    other = None
    if compare != "none":
        from ..config import get_settings
        from ..pipeline import Pipeline

        other = Pipeline.load(get_settings().model_copy(update={"profile": compare}))
    outcomes, pairs = [], []
    for task, run in jobs:
        print(f"stancelens eval: {task} on {run.data} ({pipeline.profile} profile)", file=sys.stderr)
        outcome = evaluate(task, pipeline, run)
        if other is not None:
            print(f"stancelens eval: {task} on {run.data} ({other.profile} profile)", file=sys.stderr)
            second = evaluate(task, other, run).report
            pairs.append((outcome.report, second.model_copy(deep=True)))
            add_profile_baseline(outcome.report, second)
        outcomes.append(outcome)

    sections = [to_markdown(o, out) for o in outcomes]
    markdown = "\n".join(sections)
    if pairs:
        markdown = (f"Profiles compared on the same records: **{pipeline.profile}** and **{other.profile}** "
                    f"(its metrics are the `profile-{other.profile}` baseline in each section).\n\n"
                    + "\n".join(comparison_table(pairs)) + "\n\n" + markdown)
    if args.task == "all":
        document = EvalSuite(reports=[o.report for o in outcomes]).model_dump_json(indent=2)
        stem = "report"
        markdown = "# StanceLens evaluation\n\n" + markdown
    else:
        document = outcomes[0].report.model_dump_json(indent=2)
        stem = slug(outcomes[0].report)
    if out:
        (out / f"{stem}.json").write_text(document + "\n", encoding="utf-8")
        (out / f"{stem}.md").write_text(markdown, encoding="utf-8")
    print(document if args.format == "json" else markdown)
    return 0


def add_eval_command(commands: argparse._SubParsersAction) -> None:
    e = commands.add_parser(
        "eval", help="score StanceLens and baselines on a labelled data set",
        description="Score StanceLens and its baselines on labelled data. 'all' runs every task on the "
                    "shared dev splits.")
    e.add_argument("task", choices=TASK_NAMES)
    e.add_argument("--data", help="a .jsonl/.csv/.parquet file, a folder (its --split files) or hf:<hub dataset>; "
                                  "for 'all', the shared data folder (default: $STANCELENS_DATA_DIR or ../shared/data)")
    e.add_argument("--split", default="test", help="split to read from a folder or hub dataset (default: test)")
    e.add_argument("--bodies", help="claims on FNC-1: the bodies file (default: found beside the stances file)")
    e.add_argument("--scheme", choices=["conll2010", "szeged"],
                   help="hedge: score the hedge model's probability under this labelling scheme instead of the "
                        "API's score (e.g. szeged for Szeged Uncertainty Corpus sentence labels)")
    e.add_argument("--domain", help="score only the records whose `domain` field is this (Szeged: wikipedia, "
                                    "news_factbank, bio); hedge reports give every domain's figures anyway")
    e.add_argument("--out", help="folder for the markdown report, its JSON and PNG plots")
    e.add_argument("--format", choices=["json", "markdown"], default="markdown")
    e.add_argument("--limit", type=int, help="score only the first N records (quick checks)")
    e.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the 95%% intervals")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--compare", help="also evaluate this profile on the same records, as a baseline in the report: "
                                     "a profile name or file, or 'none' (default: fast when another profile is "
                                     "evaluated, else none)")
    add_profile_option(e)
    e.set_defaults(run=_run)
