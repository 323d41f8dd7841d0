"""Fuzz every operation of the API's OpenAPI spec with schemathesis: a longer run than the test suite's.

Starts a real `stancelens serve` on a loopback port (with a jobs database of its own and the small
limits of `stancelens.fuzzing.LIMITS`, which its schema states), or fuzzes the server at `--url`, and
runs every phase of schemathesis against it: the spec's examples,
coverage cases (boundary values, missing and wrong-typed fields, unexpected methods), generated
requests (schema-valid and schema-violating, `--max-examples` per operation and mode) and stateful
sequences (a job's id from POST /v1/jobs into GET, DELETE and /results). Every check runs: all of
schemathesis's, none switched off (`schemathesis.toml`), and the two of `stancelens.fuzzing`.

Prints one row per operation (requests answered, status codes, failing requests per check) and every
distinct failure with a curl command to reproduce it; writes the same to eval/reports/fuzz/ as
fuzz.json and fuzz.md; exits 1 on any failure or error. A run without `--seed` draws one and
prints it, so a failure found can be replayed with it.

    .venv/bin/python eval/fuzz_api.py [--max-examples 200] [--seed N] [--url http://host:port] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import schemathesis
from schemathesis.engine import events, from_schema

from stancelens.fuzzing import LIMITS, checks_off, load_config
from stancelens.server_process import running_server

OUT = Path(__file__).parent / "reports" / "fuzz"


@dataclass
class OperationStats:
    requests: int = 0
    no_response: int = 0
    status_codes: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)  # check name -> failing requests


@dataclass(frozen=True)
class Finding:
    operation: str
    check: str
    title: str
    message: str
    reproduce: str


@dataclass
class Run:
    operations: defaultdict[str, OperationStats] = field(default_factory=lambda: defaultdict(OperationStats))
    findings: dict[tuple[str, str, str, str], Finding] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    stop_reason: str = ""

    def record(self, recorder) -> None:
        for case_id, node in recorder.cases.items():
            stats = self.operations[node.value.operation.label]
            interaction = recorder.interactions.get(case_id)
            if interaction is None or interaction.response is None:
                stats.no_response += 1
                continue
            stats.requests += 1
            stats.status_codes[interaction.response.status_code] += 1
        for case_id, checks in recorder.checks.items():
            operation = recorder.cases[case_id].value.operation.label
            for check in checks:
                if check.status.value != "failure" or check.failure_info is None:
                    continue
                self.operations[operation].failures[check.name] += 1
                failure = check.failure_info.failure
                message = " ".join(failure.message.split())[:500]
                key = (operation, check.name, failure.title, message[:120])
                self.findings.setdefault(key, Finding(operation, check.name, failure.title, message,
                                                      check.failure_info.code_sample))

    @property
    def failed(self) -> bool:
        return bool(self.findings or self.errors)


def fuzz(schema) -> Run:
    run = Run()
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted):
            print(f"phase {event.phase.name.value} ...", file=sys.stderr, flush=True)
        elif isinstance(event, events.ScenarioFinished):
            run.record(event.recorder)
        elif isinstance(event, events.NonFatalError):
            run.errors.append(f"{event.label}: {event.info.title}: {event.value}")
        elif isinstance(event, events.FatalError):
            run.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            run.stop_reason = event.stop_reason.value
            run.errors += [f"{failure.title}: {failure.message}" for failure in event.failures]
    return run


def table(run: Run) -> list[str]:
    rows = ["| operation | requests | status codes | failing requests by check |", "|---|---:|---|---|"]
    for label in sorted(run.operations, key=lambda op: (op.split(" ", 1)[-1], op)):
        stats = run.operations[label]
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(stats.status_codes.items()))
        if stats.no_response:
            codes += f", no response: {stats.no_response}"
        failures = ", ".join(f"{check}: {n}" for check, n in sorted(stats.failures.items())) or "-"
        rows.append(f"| `{label}` | {stats.requests} | {codes} | {failures} |")
    return rows


def markdown(run: Run, meta: dict) -> str:
    lines = [
        "# API fuzzing (schemathesis)",
        "",
        (f"`.venv/bin/python eval/fuzz_api.py --max-examples {meta['max_examples']} --seed {meta['seed']}` against "
         f"{meta['target']}, {meta['finished']}; schemathesis {meta['schemathesis']}, {meta['seconds']:.0f} s, "
         f"stopped: {run.stop_reason}. Checks off: {', '.join(meta['checks_off']) or 'none'}."),
        "",
        *table(run),
        "",
        f"## Failures ({len(run.findings)} distinct)",
        "",
    ]
    for finding in run.findings.values():
        lines += [f"- `{finding.operation}` **{finding.check}**: {finding.title}. {finding.message}", "",
                  "  ```sh", f"  {finding.reproduce}", "  ```", ""]
    if not run.findings:
        lines += ["None.", ""]
    if run.errors:
        lines += [f"## Errors ({len(run.errors)})", "", *[f"- {error}" for error in run.errors], ""]
    return "\n".join(lines)


@contextmanager
def target(url: str | None) -> Iterator[str]:
    if url:
        yield url.rstrip("/")
        return
    # Fuzzed jobs go to a database of their own, never to a real server's.
    with tempfile.TemporaryDirectory(prefix="stancelens-fuzz-") as tmp, \
            running_server(env={"STANCELENS_JOBS_DB": str(Path(tmp) / "jobs.sqlite3"),
                                **{f"STANCELENS_{name.upper()}": str(v) for name, v in LIMITS.items()}}) as server:
        print(f"server ready at {server.url} in {server.startup_s:.1f} s", file=sys.stderr)
        yield server.url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=200, help="generated requests per operation and mode")
    parser.add_argument("--seed", type=int, help="replay a run (default: a new seed, printed)")
    parser.add_argument("--url", help="fuzz this running server instead of starting one (its jobs database fills up)")
    parser.add_argument("--out", type=Path, default=OUT, help="where fuzz.json and fuzz.md go (default: %(default)s)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    config = load_config(args.max_examples, seed=seed, continue_on_failure=True)

    t0 = time.perf_counter()
    with target(args.url) as url:
        run = fuzz(schemathesis.openapi.from_url(f"{url}/openapi.json", config=config))
    meta = {
        "max_examples": args.max_examples,
        "seed": seed,
        "target": args.url or f"a fresh `stancelens serve` on loopback with limits {LIMITS}",
        "finished": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "schemathesis": schemathesis.__version__,
        "seconds": time.perf_counter() - t0,
        "checks_off": checks_off(),
    }

    print("\n".join(table(run)))
    for finding in run.findings.values():
        print(f"\nFAIL {finding.operation} {finding.check}: {finding.title}. {finding.message}\n  {finding.reproduce}")
    for error in run.errors:
        print(f"\nERROR {error}")
    print(f"\n{len(run.findings)} distinct failures, {len(run.errors)} errors, seed {seed}, {meta['seconds']:.0f} s")

    args.out.mkdir(parents=True, exist_ok=True)
    report = {
        **meta,
        "stop_reason": run.stop_reason,
        "operations": {label: {"requests": s.requests, "no_response": s.no_response,
                               "status_codes": {str(k): v for k, v in sorted(s.status_codes.items())},
                               "failures": dict(s.failures)}
                       for label, s in sorted(run.operations.items())},
        "findings": [asdict(f) for f in run.findings.values()],
        "errors": run.errors,
    }
    (args.out / "fuzz.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (args.out / "fuzz.md").write_text(markdown(run, meta), encoding="utf-8")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
