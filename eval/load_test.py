"""Load test: concurrent clients POST ~1,000-word articles to /v1/analyze for a fixed time.

    .venv/bin/python eval/load_test.py [--clients 32] [--duration 60] [--url http://127.0.0.1:8000 --pid PID]

Without --url it starts its own `stancelens serve` on a free loopback port, configured by the
STANCELENS_* variables of this environment (e.g. STANCELENS_WORKERS=2), with a fresh jobs
database. With --url it drives a server already running, which must be on this machine:
a load test is never pointed at someone else's server. Everything is bounded: clients,
duration and requests have caps, and a request in flight when the time is up gets at most
REQUEST_TIMEOUT_S to finish.

Each client sends one request after another, cycling through the articles; on 429 or 503 it
sleeps for `Retry-After` and goes on. The report (printed, and written as load.json and
load.md to --out) has the request counts by status, throughput, latency percentiles of the
successful requests, transport errors, and the server's RSS sampled every second. The exit
status is 1 if any request got a 5xx or a transport error, or none succeeded, so a run can gate.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import ipaddress
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from stancelens.benchmark.report import LatencyMs, Throughput
from stancelens.benchmark.stats import linear_fit, percentile
from stancelens.benchmark.workload import Article, build_workload, resolve_data_dir, stitch
from stancelens.errors import InputError
from stancelens.extras import require
from stancelens.server_process import running_server

if TYPE_CHECKING:
    import httpx

DEFAULT_OUT = Path(__file__).resolve().parent / "reports" / "load"
MAX_CLIENTS = 256
MAX_DURATION_S = 600.0
MAX_REQUESTS = 100_000
# Twice the server's default STANCELENS_REQUEST_TIMEOUT_S: a request the server gives up on comes
# back as a 503 before this, so only a hung server makes the client time out.
REQUEST_TIMEOUT_S = 120.0
# Longest Retry-After honoured: a server asking for more is waited on for this long, then tried again.
MAX_RETRY_AFTER_S = 30.0
# After a transport error, a client pauses this long: a dead server must not turn the test into a busy loop.
ERROR_PAUSE_S = 0.5
DISTINCT_ARTICLES = 16


class StatusCounts(BaseModel):
    ok_2xx: int = Field(description="Successful analyses.")
    too_many_429: int = Field(description="Refused because the queue or the rate limit was full; retried after Retry-After.")
    other_4xx: int = Field(description="Other client errors (a 401 means the server wants an API key).")
    server_5xx: int = Field(description="Server errors, 503 (not ready, or past the request timeout) included: any fails the run.")
    by_code: dict[str, int] = Field(description="Responses per HTTP status code.")


class RssSample(BaseModel):
    t_s: float = Field(description="Seconds since the load started.")
    mib: float = Field(description="Resident memory of the server process, MiB.")


class MemoryFigures(BaseModel):
    pid: int = Field(description="The server process sampled.")
    first_mib: float = Field(description="RSS when the load started, MiB.")
    last_mib: float = Field(description="RSS when the last response came back, MiB.")
    min_mib: float = Field(description="Smallest RSS sampled, MiB.")
    max_mib: float = Field(description="Largest RSS sampled, MiB.")
    second_half_slope_mib_per_min: float | None = Field(
        description="Least-squares slope of RSS over the second half of the run, MiB per minute: near 0 when memory "
        "is flat once warmed up. Null with fewer than two samples there."
    )
    samples: list[RssSample] = Field(description="One sample a second, from the start of the load to its end.")


class LoadReport(BaseModel):
    url: str = Field(description="The server driven (always a loopback address).")
    server: str = Field(description="'started' (by this run, with `settings`) or 'given' (--url).")
    settings: dict[str, str] = Field(description="The STANCELENS_* variables the started server ran with.")
    clients: int = Field(description="Concurrent clients, each sending one request after another.")
    duration_s: float = Field(description="How long clients kept starting requests, seconds.")
    elapsed_s: float = Field(description="From the first request to the last response, seconds (in-flight requests finish).")
    article_words: float = Field(description="Mean words of the articles sent.")
    articles: int = Field(description="Distinct articles, each real prose stitched from the benchmark's workload.")
    requests: int = Field(description="Requests sent: responses plus transport errors.")
    requests_per_s: float = Field(description="requests / elapsed_s, whatever their status.")
    throughput: Throughput = Field(description="Successful analyses (2xx) per second of elapsed_s.")
    latency_ms: LatencyMs | None = Field(description="Latency of the successful requests, send to full response; null if none.")
    statuses: StatusCounts = Field(description="Responses by status class and code.")
    transport_errors: dict[str, int] = Field(description="Requests that got no response, by exception (timeouts included).")
    retry_after_waits: int = Field(description="Times a client slept for Retry-After (after a 429 or 503).")
    memory: MemoryFigures | None = Field(description="The server's RSS over the run; null with --url and no --pid.")
    passed: bool = Field(description="No 5xx, no transport error, and at least one successful analysis.")
    problems: list[str] = Field(description="Why the run failed, if it did.")


@dataclass
class Tally:
    """What the clients record; they share one event loop, so plain counters are safe."""

    sent: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    words_ok: int = 0
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    transport_errors: collections.Counter[str] = field(default_factory=collections.Counter)
    retry_after_waits: int = 0


def loopback_url(url: str) -> str:
    """`url` with its host replaced by the loopback address it resolves to, so the test connects to
    exactly the address checked; InputError if it is not http(s) or resolves anywhere else."""
    import httpx

    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InputError(f"--url must be an http(s) URL with a host, not {url!r}")
    try:
        infos = socket.getaddrinfo(parsed.host, parsed.port or 80, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InputError(f"--url host {parsed.host!r} does not resolve: {exc}") from None
    addresses = sorted({info[4][0] for info in infos})
    elsewhere = [a for a in addresses if not ipaddress.ip_address(a.split("%")[0]).is_loopback]
    if elsewhere:
        raise InputError(
            f"refusing to load-test {url}: {parsed.host} resolves to {', '.join(elsewhere)}, which is not this "
            "machine's loopback interface. This script only drives servers on 127.0.0.0/8 or ::1; leave out --url "
            "to have it start its own."
        )
    return str(parsed.copy_with(host=addresses[0]))


def load_articles(data_dir: str | None, words: int) -> list[Article]:
    """Up to DISTINCT_ARTICLES articles of about `words` words, each stitched from the workload
    articles starting at a different one, so clients do not all send the same text."""
    pool = build_workload(DISTINCT_ARTICLES, [], resolve_data_dir(data_dir)).articles
    return [stitch(pool[i:] + pool[:i], words) for i in range(len(pool))]


def retry_after_s(headers: Mapping[str, str]) -> float:
    value = headers.get("retry-after", "")
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER_S)
    except ValueError:  # absent, or an HTTP date: wait a second
        return 1.0


async def client(http: httpx.AsyncClient, articles: list[Article], first: int, step: int, deadline: float,
                 max_requests: int, tally: Tally) -> None:
    import httpx

    index = first
    while time.monotonic() < deadline and tally.sent < max_requests:
        tally.sent += 1
        article = articles[index % len(articles)]
        index += step
        started = time.perf_counter()
        try:
            response = await http.post("/v1/analyze", json={"text": article.text})
        except httpx.TransportError as exc:
            tally.transport_errors[type(exc).__name__] += 1
            await asyncio.sleep(min(ERROR_PAUSE_S, max(0.0, deadline - time.monotonic())))
            continue
        tally.statuses[response.status_code] += 1
        if response.is_success:
            tally.latencies_ms.append(1000 * (time.perf_counter() - started))
            tally.words_ok += article.words
        elif response.status_code in (429, 503):
            tally.retry_after_waits += 1
            await asyncio.sleep(min(retry_after_s(response.headers), max(0.0, deadline - time.monotonic())))


async def sample_rss(pid: int, stop: asyncio.Event, samples: list[RssSample], t0: float) -> None:
    import psutil

    process = psutil.Process(pid)
    while True:
        try:
            samples.append(RssSample(t_s=time.monotonic() - t0, mib=process.memory_info().rss / 2**20))
        except psutil.NoSuchProcess:
            return  # the server died: the transport errors will say so
        if stop.is_set():
            return
        try:
            await asyncio.wait_for(stop.wait(), timeout=1.0)
        except TimeoutError:
            pass


async def drive(url: str, pid: int | None, articles: list[Article], clients: int, duration_s: float,
                max_requests: int) -> tuple[Tally, float, list[RssSample]]:
    import httpx

    tally, samples, stop = Tally(), [], asyncio.Event()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_S, limits=limits) as http:
        t0 = time.monotonic()
        sampler = asyncio.create_task(sample_rss(pid, stop, samples, t0)) if pid else None
        await asyncio.gather(*(
            client(http, articles, i, clients, t0 + duration_s, max_requests, tally) for i in range(clients)
        ))
        elapsed = time.monotonic() - t0
        stop.set()
        if sampler:
            await sampler
    return tally, elapsed, samples


def memory_figures(pid: int, samples: list[RssSample]) -> MemoryFigures | None:
    if not samples:
        return None
    mib = [s.mib for s in samples]
    half = samples[-1].t_s / 2
    second_half = [s for s in samples if s.t_s >= half]
    slope = None
    if len({s.t_s for s in second_half}) >= 2:
        slope = linear_fit([s.t_s / 60 for s in second_half], [s.mib for s in second_half]).slope
    return MemoryFigures(pid=pid, first_mib=mib[0], last_mib=mib[-1], min_mib=min(mib), max_mib=max(mib),
                         second_half_slope_mib_per_min=slope, samples=samples)


def status_counts(statuses: collections.Counter[int]) -> StatusCounts:
    def count(low: int, high: int) -> int:
        return sum(n for code, n in statuses.items() if low <= code < high)

    return StatusCounts(
        ok_2xx=count(200, 300), too_many_429=statuses[429], other_4xx=count(400, 500) - statuses[429],
        server_5xx=count(500, 600), by_code={str(code): n for code, n in sorted(statuses.items())},
    )


def build_report(*, url: str, server: str, settings: dict[str, str], clients: int, duration_s: float,
                 articles: list[Article], tally: Tally, elapsed_s: float, memory: MemoryFigures | None) -> LoadReport:
    statuses = status_counts(tally.statuses)
    requests = sum(tally.statuses.values()) + sum(tally.transport_errors.values())
    latencies = tally.latencies_ms
    problems = []
    if statuses.server_5xx:
        problems.append(f"{statuses.server_5xx} responses were 5xx ({', '.join(f'{c}: {n}' for c, n in statuses.by_code.items() if c.startswith('5'))})")
    if tally.transport_errors:
        problems.append(f"{sum(tally.transport_errors.values())} requests got no response ({dict(tally.transport_errors)})")
    if not latencies:
        problems.append("no request succeeded")
    return LoadReport(
        url=url, server=server, settings=settings, clients=clients, duration_s=duration_s,
        elapsed_s=elapsed_s, article_words=statistics.fmean(a.words for a in articles), articles=len(articles),
        requests=requests, requests_per_s=requests / elapsed_s,
        throughput=Throughput.of(len(latencies), tally.words_ok, elapsed_s),
        latency_ms=LatencyMs(p50=percentile(latencies, 50), p95=percentile(latencies, 95),
                             p99=percentile(latencies, 99), mean=statistics.fmean(latencies)) if latencies else None,
        statuses=statuses, transport_errors=dict(tally.transport_errors), retry_after_waits=tally.retry_after_waits,
        memory=memory, passed=not problems, problems=problems,
    )


def to_markdown(report: LoadReport) -> str:
    s, lat, mem = report.statuses, report.latency_ms, report.memory
    rows = [
        ("server", f"{report.url} ({report.server})"),
        ("load", f"{report.clients} clients for {report.duration_s:g} s ({report.elapsed_s:.1f} s until the last response); "
                 f"{report.articles} articles of {report.article_words:,.0f} words on average"),
        ("requests", f"{report.requests:,}: {report.requests_per_s:.2f} req/s"),
        ("throughput", f"{report.throughput.articles_per_s:.2f} articles/s, {report.throughput.words_per_s:,.0f} words/s"),
        ("latency p50 / p95 / p99 (2xx)", f"{lat.p50:,.0f} / {lat.p95:,.0f} / {lat.p99:,.0f} ms" if lat else "-"),
        ("2xx", f"{s.ok_2xx:,}"),
        ("429", f"{s.too_many_429:,}"),
        ("other 4xx", f"{s.other_4xx:,}"),
        ("**5xx**", f"**{s.server_5xx:,}**"),
        ("Retry-After waits (429 and 503)", f"{report.retry_after_waits:,}"),
        ("transport errors", f"{sum(report.transport_errors.values()):,}"
                             + (f" ({', '.join(f'{k}: {n}' for k, n in report.transport_errors.items())})" if report.transport_errors else "")),
        ("server RSS first / last", f"{mem.first_mib:,.0f} / {mem.last_mib:,.0f} MiB" if mem else "not sampled"),
        ("server RSS min / max", f"{mem.min_mib:,.0f} / {mem.max_mib:,.0f} MiB" if mem else "not sampled"),
        ("RSS slope, second half", f"{mem.second_half_slope_mib_per_min:+.1f} MiB/min"
                                   if mem and mem.second_half_slope_mib_per_min is not None else "-"),
        ("result", "passed" if report.passed else "**failed**: " + "; ".join(report.problems)),
    ]
    if report.server == "given":
        settings = "not known (a server given with --url)"
    else:
        settings = ", ".join(f"`{k}={v}`" for k, v in report.settings.items()) or "the defaults"
    lines = ["# Load test", "", "| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows), "",
             f"Server settings: {settings}.", ""]
    return "\n".join(lines)


def bounded(name: str, cast, low: float, high: float):
    def parse(text: str):
        value = cast(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name} must be between {low:g} and {high:g}, not {text}")
        return value

    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", help="drive this server instead of starting one; must resolve to a loopback address")
    p.add_argument("--pid", type=int, help="with --url: the server's process id, to sample its RSS")
    p.add_argument("--clients", type=bounded("--clients", int, 1, MAX_CLIENTS), default=32,
                   help=f"concurrent clients (default 32, at most {MAX_CLIENTS})")
    p.add_argument("--duration", type=bounded("--duration", float, 1, MAX_DURATION_S), default=60.0,
                   help=f"seconds clients keep starting requests (default 60, at most {MAX_DURATION_S:g})")
    p.add_argument("--max-requests", type=bounded("--max-requests", int, 1, MAX_REQUESTS), default=MAX_REQUESTS,
                   help=f"stop starting requests after this many (default and most {MAX_REQUESTS:,})")
    p.add_argument("--words", type=bounded("--words", int, 50, 20_000), default=1000,
                   help="words per article (default 1000)")
    p.add_argument("--data-dir", help="folder with cnndm_summ/ and fnc1/, as for `stancelens bench` "
                   "(default: STANCELENS_DATA_DIR, else ../shared/data; missing: the example article only)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"where load.json and load.md go (default {DEFAULT_OUT})")
    args = p.parse_args(argv)
    if args.pid is not None and args.url is None:
        p.error("--pid goes with --url: a server this script starts is sampled anyway")
    return args


def run(args: argparse.Namespace) -> LoadReport:
    require("eval", "psutil", "httpx")
    import psutil

    url = loopback_url(args.url) if args.url else None
    if args.pid is not None and not psutil.pid_exists(args.pid):
        raise InputError(f"--pid {args.pid}: no such process")
    args.out.mkdir(parents=True, exist_ok=True)  # a bad --out fails now, not after the run
    articles = load_articles(args.data_dir, args.words)
    with ExitStack() as stack:
        if url is None:
            jobs_db = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "jobs.sqlite3"
            # A fresh jobs database: the server must not resume someone's jobs during the test.
            server = stack.enter_context(running_server({"STANCELENS_JOBS_DB": str(jobs_db)}))
            url, pid, origin = server.url, server.pid, "started"
            settings = {k: v for k, v in sorted(os.environ.items()) if k.startswith("STANCELENS_")}
        else:
            pid, origin, settings = args.pid, "given", {}
        print(f"load test: {args.clients} clients for {args.duration:g} s against {url}", file=sys.stderr, flush=True)
        tally, elapsed, samples = asyncio.run(drive(url, pid, articles, args.clients, args.duration, args.max_requests))
    return build_report(url=url, server=origin, settings=settings, clients=args.clients, duration_s=args.duration,
                        articles=articles, tally=tally, elapsed_s=elapsed,
                        memory=memory_figures(pid, samples) if pid else None)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        report = run(args)
    except InputError as exc:
        print(f"load test: {exc}", file=sys.stderr)
        return 2
    markdown = to_markdown(report)
    (args.out / "load.json").write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    (args.out / "load.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    print(f"written to {args.out}/load.json and load.md", file=sys.stderr)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
