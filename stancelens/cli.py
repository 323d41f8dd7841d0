"""The `stancelens` command: analyse an article, serve the API, evaluate on data sets, benchmark speed or train models."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from .batch.command import add_batch_command
from .benchmark.command import add_bench_command
from .collection_report.command import add_report_command
from .errors import InputError
from .evaluation.command import add_eval_command
from .keys import add_keys_command
from .profile_option import add_profile_option, apply_profile
from .train_command import add_train_command

_BY_SUFFIX = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown"}


def _read(path: str) -> str:
    data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not valid UTF-8 (byte {exc.start}): convert it to UTF-8 first") from exc


def _analyze(args: argparse.Namespace) -> int:
    from .pipeline import analyze
    from .report import to_markdown
    from .schema import AnalyzeOptions

    text = _read(args.path)
    content_type = args.content_type or _BY_SUFFIX.get(Path(args.path).suffix.lower(), "auto")
    options = AnalyzeOptions(
        summary_sentences=args.summary_sentences,
        section_summary_sentences=args.section_summary_sentences,
        summary_ratio=args.summary_ratio,
        force_language=args.force_language,
    )
    result = analyze(text, targets=args.target, claims=args.claim, options=options,
                     content_type=content_type, id=args.id)
    print(to_markdown(result) if args.format == "markdown" else result.model_dump_json(indent=2))
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.logs import log_config

    # The app writes one access line per request, with its request id: uvicorn's own would double it.
    uvicorn.run("service.app:app", host=args.host, port=args.port, log_level=args.log_level,
                log_config=log_config(args.log_level), access_log=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stancelens", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    a = commands.add_parser("analyze", help="analyse one article and print the result")
    a.add_argument("path", help="file to analyse, or - for standard input")
    a.add_argument("--format", choices=["json", "markdown"], default="json")
    a.add_argument("--content-type", choices=["auto", "text", "markdown", "html"],
                   help="how to read the input (default: by file suffix, else auto)")
    a.add_argument("--target", action="append", default=[], help="a stance target; repeat for more")
    a.add_argument("--claim", action="append", default=[], help="a claim to check; repeat for more")
    a.add_argument("--summary-sentences", type=int)
    a.add_argument("--section-summary-sentences", type=int)
    a.add_argument("--summary-ratio", type=float)
    a.add_argument("--id", help="id to report for the article (default: a hash of the text)")
    a.add_argument("--force-language", action="store_true",
                   help="analyse text in a language other than English (refused otherwise); the result carries a warning")
    add_profile_option(a)
    a.set_defaults(run=_analyze)

    s = commands.add_parser("serve", help="start the HTTP API")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--log-level", default="info")
    add_profile_option(s)
    s.set_defaults(run=_serve)

    add_batch_command(commands)
    add_report_command(commands)
    add_eval_command(commands)
    add_bench_command(commands)
    add_keys_command(commands)
    add_train_command(commands)
    return parser


def _exit_on_sigterm(signum: int, frame: object) -> None:
    # As an exception, so `finally` blocks run: the bench's server subprocess is stopped, not orphaned.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        apply_profile(args)
        return args.run(args)
    except KeyboardInterrupt:
        print("stancelens: interrupted", file=sys.stderr)
        return 130
    except (InputError, OSError) as exc:
        print(f"stancelens: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # option values out of range (pydantic's ValidationError is a ValueError)
        print(f"stancelens: invalid option: {exc}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
