"""The benchmark report: what `stancelens bench --format json` prints, and its markdown form."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Machine(BaseModel):
    cores: int = Field(description="CPU cores this process may run on.")
    cpu: str = Field(description="CPU model name.")
    torch_threads: int = Field(description="Threads torch used, in process and in the server.")
    load_average_1m: float | None = Field(
        description="1-minute load average when the run started; well above 0, other work shared the cores."
    )
    python: str = Field(description="Python version.")
    torch: str = Field(description="torch version.")
    transformers: str = Field(description="transformers version.")
    settings: dict[str, str] = Field(
        default_factory=dict,
        description="The settings that change speed, as the run used them: the profile, precision (resolved for this CPU), "
        "encoder_batch_tokens, microbatch_size, microbatch_wait_ms and workers.",
    )


class ArticleInfo(BaseModel):
    words: int = Field(description="Whitespace-separated words.")
    sources: list[str] = Field(description="Where the text comes from: file, and '#record id' for data sets.")


class WorkloadInfo(BaseModel):
    data_dir: str | None = Field(description="Data dir the news articles came from; null when none were found.")
    articles: list[ArticleInfo] = Field(description="The real articles timed for throughput, in order.")
    words: int = Field(description="Words in all of `articles`.")
    sweep: list[ArticleInfo] = Field(description="The length-sweep articles, real articles stitched together.")


class Throughput(BaseModel):
    articles: int = Field(description="Articles analysed.")
    words: int = Field(description="Words in those articles.")
    seconds: float = Field(description="Wall-clock seconds for all of them.")
    articles_per_s: float = Field(description="articles / seconds.")
    words_per_s: float = Field(description="words / seconds.")

    @classmethod
    def of(cls, articles: int, words: int, seconds: float) -> Throughput:
        return cls(articles=articles, words=words, seconds=seconds,
                   articles_per_s=articles / seconds, words_per_s=words / seconds)


class StageTime(BaseModel):
    mean_ms: float = Field(description="Mean milliseconds per article in this stage (from `timings_ms`).")
    share: float = Field(description="mean_ms as a share (0-1) of the mean `total`.")


class SweepPoint(BaseModel):
    words: int = Field(description="Words in the sweep article.")
    ms: float = Field(description="Median milliseconds of one in-process analysis of it.")
    ms_per_word: float = Field(description="ms / words: flat across lengths when cost is linear.")


class LengthScaling(BaseModel):
    points: list[SweepPoint] = Field(description="One point per sweep length, shortest first.")
    intercept_ms: float = Field(description="a in the least-squares line time = a + b * words.")
    slope_ms_per_1k_words: float = Field(description="b in that line, in milliseconds per 1,000 words.")
    r2: float = Field(description="R² of the line: 1 when time grows exactly linearly with length.")


class LatencyMs(BaseModel):
    p50: float = Field(description="Median request latency, milliseconds.")
    p95: float = Field(description="95th percentile, milliseconds (linear interpolation between ranks).")
    p99: float = Field(description="99th percentile, milliseconds (with few requests, close to the slowest).")
    mean: float = Field(description="Mean latency, milliseconds.")


class ConcurrencyLevel(BaseModel):
    concurrency: int = Field(description="Requests in flight at once, each client thread sending one after another.")
    requests: int = Field(description="Requests sent, cycling through the workload articles.")
    latency_ms: LatencyMs = Field(description="Latency of single POST /v1/analyze requests, from send to full response.")
    throughput: Throughput = Field(description="Requests completed per wall-clock second at this concurrency.")


class HttpFigures(BaseModel):
    startup_s: float = Field(description="Seconds from starting `stancelens serve` to /readyz answering 200.")
    levels: list[ConcurrencyLevel] = Field(description="One entry per concurrency level, in the order run.")
    throughput: Throughput = Field(description="The highest throughput of the levels (by words per second).")
    peak_rss_mib: float = Field(description="Peak resident memory of the server process (VmHWM), MiB.")


class BatchFigures(BaseModel):
    batch_size: int = Field(description="Articles per Pipeline.analyze_batch call.")
    workers: int = Field(1, description="analyze_batch calls running at once, on threads sharing the cores, as "
                         "`stancelens batch` runs them (STANCELENS_WORKERS).")
    loop: Throughput = Field(description="Pipeline.analyze on each workload article in turn (the in_process run).")
    batched: Throughput = Field(description="Pipeline.analyze_batch on the same articles, batch_size per call, "
                                "workers calls at a time.")
    ratio: float = Field(description="batched articles per second over loop articles per second.")


class OursFigures(BaseModel):
    load_s: float = Field(description="Seconds to load the pipeline's models in process.")
    in_process: Throughput = Field(description="Pipeline.analyze on each workload article in turn, after one warm-up.")
    batch: BatchFigures = Field(description="analyze_batch (what `stancelens batch` calls) against that loop.")
    mean_total_ms: float = Field(description="Mean of timings_ms['total'] over the workload articles.")
    stages: dict[str, StageTime] = Field(description="Time per pipeline stage, by stage name, in pipeline order.")
    length_scaling: LengthScaling = Field(description="How analysis time grows with article length.")
    peak_rss_mib: float = Field(description="Peak resident memory of the benchmark process after the in-process runs, MiB.")
    http: HttpFigures | None = Field(description="Figures over the HTTP API; null with --no-http.")


class PeerFigures(BaseModel):
    recipe: str = Field(description="What the peer runs per article.")
    articles: list[str] = Field(description="Sources of the subset of the workload the peer was timed on.")
    load_s: float = Field(description="Seconds to build both models (random weights) and the zero-shot pipeline.")
    params_millions: dict[str, float] = Field(description="Parameters of each model, millions.")
    throughput: Throughput = Field(description="The peer on the subset.")
    seconds_per_article: float = Field(description="Mean seconds per subset article.")
    summary_s: float = Field(description="Seconds summarising sections, over the subset.")
    stance_s: float = Field(description="Seconds labelling target stances, over the subset.")
    sections: int = Field(description="Sections summarised over the subset (those StanceLens found).")
    targets: int = Field(description="Targets labelled over the subset (those StanceLens found).")
    generated_tokens_mean: float = Field(description="Mean tokens generated per section summary.")
    max_length: int = Field(description="Generation max_length: every summary reaches it with random weights.")
    ours_on_subset: Throughput = Field(description="StanceLens in process on the same subset (from the workload run).")
    workload_s_estimate: float = Field(
        description="Seconds the peer would take for the whole workload, extrapolated by words."
    )
    peak_rss_mib: float = Field(
        description="Peak resident memory of the benchmark process after the peer ran (StanceLens loaded too), MiB."
    )


class BenchReport(BaseModel):
    ours: OursFigures = Field(description="StanceLens figures.")
    peer: PeerFigures | None = Field(description="The Hugging Face recipe's figures; null with --no-peer.")
    ratio: float | None = Field(
        description="Our words per second over the peer's, both on the peer's subset; null without a peer."
    )
    machine: Machine
    workload: WorkloadInfo
    notes: list[str] = Field(description="What a reader needs to know to read the figures right.")


def _row(name: str, t: Throughput) -> str:
    return f"| {name} | {t.articles} | {t.words:,} | {t.seconds:.2f} | {t.articles_per_s:.3f} | {t.words_per_s:,.0f} |"


def to_markdown(report: BenchReport) -> str:
    ours, peer, m, w = report.ours, report.peer, report.machine, report.workload
    load = f"; load average {m.load_average_1m:.2f} at the start" if m.load_average_1m is not None else ""
    lines = [
        "# StanceLens benchmark",
        "",
        (f"Machine: {m.cores} cores, {m.cpu}; torch {m.torch} ({m.torch_threads} threads), "
         f"transformers {m.transformers}, Python {m.python}{load}."),
        "Settings: " + (", ".join(f"{k} {v}" for k, v in m.settings.items()) or "not recorded") + ".",
        (f"Workload: {len(w.articles)} real articles, {w.words:,} words "
         f"(data dir: {w.data_dir or 'none, example article only'}); models loaded in {ours.load_s:.1f} s."),
        "",
        "## Throughput",
        "",
        "| run | articles | words | seconds | articles/s | words/s |",
        "|---|---|---|---|---|---|",
        _row("StanceLens, in process", ours.in_process),
        _row(f"StanceLens, in process, analyze_batch ({ours.batch.batch_size} per call, "
             f"{ours.batch.workers} at a time)", ours.batch.batched),
    ]
    if ours.http:
        lines.append(_row("StanceLens, over HTTP (best concurrency)", ours.http.throughput))
    if peer:
        lines += [
            _row("StanceLens, peer's subset", peer.ours_on_subset),
            _row("Hugging Face recipe, peer's subset", peer.throughput),
        ]
    lines += ["", f"**Batch** (analyze_batch articles/s ÷ analyze loop articles/s): **{ours.batch.ratio:.2f}×**"]
    lines.append("")
    if report.ratio is not None:
        lines += [f"**Ratio** (StanceLens words/s ÷ peer words/s, same subset): **{report.ratio:,.1f}×**", ""]

    if ours.http:
        lines += [
            "## Latency over HTTP",
            "",
            f"Server ready {ours.http.startup_s:.1f} s after start; peak RSS {ours.http.peak_rss_mib:,.0f} MiB.",
            "",
            "| concurrency | requests | p50 ms | p95 ms | p99 ms | mean ms | articles/s | words/s |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for level in ours.http.levels:
            lat, t = level.latency_ms, level.throughput
            lines.append(
                f"| {level.concurrency} | {level.requests} | {lat.p50:.0f} | {lat.p95:.0f} | {lat.p99:.0f} | "
                f"{lat.mean:.0f} | {t.articles_per_s:.3f} | {t.words_per_s:,.0f} |"
            )
        lines.append("")

    lines += ["## Time per stage (in process)", "", "| stage | mean ms | share |", "|---|---|---|"]
    lines += [f"| {name} | {s.mean_ms:.1f} | {s.share:.1%} |" for name, s in ours.stages.items()]
    lines += [f"| total | {ours.mean_total_ms:.1f} | 100% |", ""]

    scaling = ours.length_scaling
    lines += ["## Cost by article length (in process)", "", "| words | ms | ms per word |", "|---|---|---|"]
    lines += [f"| {p.words:,} | {p.ms:.0f} | {p.ms_per_word:.3f} |" for p in scaling.points]
    lines += [
        "",
        (f"Least-squares line: time = {scaling.intercept_ms:.0f} ms + {scaling.slope_ms_per_1k_words:.0f} ms "
         f"per 1,000 words, R² = {scaling.r2:.4f}."),
        "",
        "## Memory",
        "",
        f"- In process, after the StanceLens runs: peak RSS {ours.peak_rss_mib:,.0f} MiB.",
    ]
    if ours.http:
        lines.append(f"- Server process: peak RSS {ours.http.peak_rss_mib:,.0f} MiB.")
    if peer:
        lines.append(f"- In process, after the peer too: peak RSS {peer.peak_rss_mib:,.0f} MiB.")
    lines.append("")

    if peer:
        params = ", ".join(f"{name} {n:,.1f} M" for name, n in peer.params_millions.items())
        lines += [
            "## Peer: the Hugging Face recipe",
            "",
            f"{peer.recipe}.",
            "",
            f"- Subset: {', '.join(peer.articles)}.",
            f"- Models built in {peer.load_s:.1f} s; parameters: {params}.",
            (f"- {peer.seconds_per_article:.1f} s per article: {peer.summary_s:.1f} s summarising "
             f"{peer.sections} sections, {peer.stance_s:.1f} s labelling {peer.targets} targets."),
            f"- Generated {peer.generated_tokens_mean:.0f} tokens per section on average (max_length {peer.max_length}).",
            (f"- Whole workload, extrapolated by words: about {peer.workload_s_estimate:,.0f} s "
             f"(StanceLens: {ours.in_process.seconds:,.1f} s)."),
            "",
        ]

    lines += ["## Notes", ""]
    lines += [f"- {note}" for note in report.notes]
    return "\n".join(lines) + "\n"
