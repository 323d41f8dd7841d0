"""One benchmark run: StanceLens in process, by article length and over HTTP, then the peer on a subset."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import get_settings
from ..errors import InputError
from ..threads import cores
from .ours import SWEEP_REPEATS, batched, in_process, length_scaling, over_http, peak_rss_mib, stage_times
from .peer import RECIPE, Peer, PeerRecipe
from .report import ArticleInfo, BenchReport, Machine, OursFigures, PeerFigures, Throughput, WorkloadInfo
from .workload import DEFAULT_DATA_DIR, Article, Workload, build_workload, resolve_data_dir

if TYPE_CHECKING:
    from ..schema import AnalysisResult


@dataclass(frozen=True)
class BenchPlan:
    """What to run; the defaults are those of `stancelens bench`."""

    articles: int = 20
    words: int | None = None
    data_dir: str | None = None
    http: bool = True
    concurrency: tuple[int, ...] = (1, 4, 16)
    requests: int | None = None
    sweep: tuple[int, ...] = (250, 1000, 4000, 16000)
    peer: bool = True
    peer_articles: int = 2
    batch_size: int = 16

    def check(self) -> None:
        problems = []
        if self.articles < 1:
            problems.append(f"--articles must be at least 1, not {self.articles}")
        if self.words is not None and self.words < 1:
            problems.append(f"--words must be at least 1, not {self.words}")
        if not self.concurrency or min(self.concurrency) < 1:
            problems.append("--concurrency needs one or more levels, each at least 1")
        if self.requests is not None and self.requests < 1:
            problems.append(f"--requests must be at least 1, not {self.requests}")
        if len(set(self.sweep)) < 2 or min(self.sweep) < 1:
            problems.append("--sweep needs at least two different lengths to fit a line, each at least 1 word")
        if self.peer_articles < 1:
            problems.append(f"--peer-articles must be at least 1, not {self.peer_articles}")
        if self.batch_size < 1:
            problems.append(f"--batch-size must be at least 1, not {self.batch_size}")
        if problems:
            raise InputError("; ".join(problems))


def _stderr(message: str) -> None:
    print(f"stancelens bench: {message}", file=sys.stderr, flush=True)


def _cpu_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _machine() -> Machine:
    import torch
    import transformers

    from stancelens.precision import resolve

    settings = get_settings()
    return Machine(
        cores=cores(),
        cpu=_cpu_name(),
        torch_threads=settings.torch_threads or cores(),
        load_average_1m=os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        python=platform.python_version(),
        torch=torch.__version__,
        transformers=transformers.__version__,
        settings={
            "profile": settings.profile,
            "precision": resolve(settings.precision),
            **{k: str(getattr(settings, k)) for k in ("encoder_batch_tokens", "microbatch_size", "microbatch_wait_ms",
                                                      "workers")},
        },
    )


def _info(article: Article) -> ArticleInfo:
    return ArticleInfo(words=article.words, sources=list(article.sources))


def _workload_info(workload: Workload) -> WorkloadInfo:
    return WorkloadInfo(
        data_dir=str(workload.data_dir) if workload.data_dir else None,
        articles=[_info(a) for a in workload.articles],
        words=sum(a.words for a in workload.articles),
        sweep=[_info(a) for a in workload.sweep],
    )


def _workload_notes(plan: BenchPlan, workload: Workload, data_dir: Path | None) -> list[str]:
    if workload.data_dir is None:
        return [(f"No news articles found in {data_dir or DEFAULT_DATA_DIR} (give --data-dir or STANCELENS_DATA_DIR): "
                 "the workload is the example article alone, and the sweep repeats its paragraphs.")]
    if len(workload.articles) < plan.articles:
        return [f"Only {len(workload.articles)} articles are available, fewer than the {plan.articles} asked for."]
    if plan.words is not None:
        return [f"--words {plan.words}: each workload article is real paragraphs taken in order, cut at the sentence "
                f"end nearest {plan.words} words; no two articles share a paragraph."]
    return []


def _ours_figures(
    plan: BenchPlan, workload: Workload, threads: int, say: Callable[[str], None]
) -> tuple[OursFigures, list[float], list[AnalysisResult]]:
    """StanceLens's figures, and the seconds and result of each workload article (the peer reuses them)."""
    from ..pipeline import Pipeline

    say("loading the pipeline")
    t0 = time.perf_counter()
    pipeline = Pipeline.load(get_settings())
    load_s = time.perf_counter() - t0
    pipeline.analyze(workload.articles[0].text)  # warm-up
    say(f"in process: {len(workload.articles)} articles")
    seconds, results = in_process(pipeline, workload.articles)
    stages, mean_total = stage_times(results)
    loop = Throughput.of(len(workload.articles), sum(a.words for a in workload.articles), sum(seconds))
    say(f"in process: analyze_batch, {plan.batch_size} articles per call")
    batch = batched(pipeline, workload.articles, plan.batch_size, loop, get_settings().workers)
    say(f"in process: sweep of {', '.join(str(a.words) for a in workload.sweep)} words")
    scaling = length_scaling(pipeline, workload.sweep)
    rss = peak_rss_mib(os.getpid())
    http = None
    if plan.http:
        say(f"over HTTP: concurrency {', '.join(map(str, plan.concurrency))}")
        http = over_http(workload.articles, plan.concurrency, plan.requests, threads)
    figures = OursFigures(
        load_s=load_s,
        in_process=loop,
        batch=batch,
        mean_total_ms=mean_total,
        stages=stages,
        length_scaling=scaling,
        peak_rss_mib=rss,
        http=http,
    )
    return figures, seconds, results


def _ours_notes(threads: int, http: bool) -> list[str]:
    settings = get_settings()
    workers = settings.workers
    shared = workers > 1 and not settings.torch_threads
    server_threads = (f"the server's {workers} workers share them, cores / analyses running each" if shared
                      else "so does the server")
    return [
        (f"All timings follow one warm-up (in process, over HTTP and for the peer); torch runs {threads} threads "
         f"in process, and {server_threads}."),
        ("Sweep articles are real articles stitched paragraph by paragraph and cut at the sentence end nearest "
         f"the length; each is analysed {SWEEP_REPEATS} times and the median kept."),
        ("Peak RSS is the kernel's high-water mark (VmHWM in /proc/<pid>/status; psutil's current RSS where "
         "/proc is missing)."),
        (f"HTTP: the server runs {workers} {'analysis' if workers == 1 else 'analyses'} at a time "
         "(STANCELENS_WORKERS), so above that concurrency requests queue: latency grows with concurrency while "
         "throughput stays about level. The client threads share the server's cores.")
        if http
        else "HTTP skipped (--no-http).",
    ]


def _peer_figures(
    recipe: PeerRecipe | None,
    articles: Sequence[Article],
    results: Sequence[AnalysisResult],
    our_seconds: Sequence[float],
    workload_words: int,
    say: Callable[[str], None],
) -> PeerFigures:
    say("building the peer's models (random weights from the published configs)")
    t0 = time.perf_counter()
    peer = Peer(recipe)
    load_s = time.perf_counter() - t0
    first_paragraph = articles[0].text.splitlines()[0]
    peer.run(first_paragraph, [first_paragraph], ["the text"])  # warm-up, on a short text to keep it cheap
    runs = []
    for i, result in enumerate(results, 1):
        say(f"peer: article {i} of {len(results)}")
        sections = [result.text[s.start : s.end] for s in result.sections]
        targets = [s.target for s in result.stances]
        runs.append(peer.run(result.text, [s for s in sections if s.strip()], targets))
    words = sum(a.words for a in articles)
    throughput = Throughput.of(len(runs), words, sum(r.seconds for r in runs))
    generated = [n for r in runs for n in r.generated_tokens]
    return PeerFigures(
        recipe=RECIPE,
        articles=[source for a in articles for source in a.sources],
        load_s=load_s,
        params_millions=peer.params_millions,
        throughput=throughput,
        seconds_per_article=throughput.seconds / len(runs),
        summary_s=sum(r.summary_s for r in runs),
        stance_s=sum(r.stance_s for r in runs),
        sections=len(generated),
        targets=sum(len(result.stances) for result in results),
        generated_tokens_mean=statistics.fmean(generated) if generated else 0.0,
        max_length=peer.generation["max_length"],
        ours_on_subset=Throughput.of(len(runs), words, sum(our_seconds)),
        workload_s_estimate=workload_words / throughput.words_per_s,
        peak_rss_mib=peak_rss_mib(os.getpid()),
    )


def _peer_notes(peer: PeerFigures) -> list[str]:
    return [
        ("Peer: the models are built from the published configurations of sshleifer/distilbart-cnn-12-6 and "
         "facebook/bart-large-mnli with random weights: no model hub is reachable here, and the time a forward "
         "pass takes does not depend on the weights' values."),
        ("Peer: no BART tokenizer files exist offline, so the MiniLM WordPiece tokenizer stands in (its ids, "
         "below 30,522, fit BART's vocabulary; it passes input_ids and attention_mask only)."),
        (f"Peer: random weights never emit end-of-sequence, so every section summary runs to max_length "
         f"({peer.max_length} tokens): its summarisation time is an upper bound per section."),
        (f"Peer: timed on {peer.throughput.articles} workload article(s) ({', '.join(peer.articles)}), to keep the run "
         "short; its whole-workload time is extrapolated by words. The ratio "
         "compares words per second on that same subset, StanceLens's taken from its workload run."),
        ("Peer: it does less than StanceLens: no hedged claims, no article summary and no target discovery "
         "(it reuses the sections and targets StanceLens found)."),
    ]


def run_benchmark(
    plan: BenchPlan, recipe: PeerRecipe | None = None, say: Callable[[str], None] = _stderr
) -> BenchReport:
    """Run the benchmark `plan` describes; `recipe` sets the peer's models (default: the published ones)."""
    plan.check()
    data_dir = resolve_data_dir(plan.data_dir)
    workload = build_workload(plan.articles, plan.sweep, data_dir, plan.words)
    machine = _machine()

    import torch

    torch.set_num_threads(machine.torch_threads)
    ours, seconds, results = _ours_figures(plan, workload, machine.torch_threads, say)
    notes = _workload_notes(plan, workload, data_dir) + _ours_notes(machine.torch_threads, plan.http)

    peer, ratio = None, None
    if plan.peer:
        k = min(plan.peer_articles, len(workload.articles))
        if k < plan.peer_articles:
            notes.append(f"Peer: {plan.peer_articles} articles asked for, but the workload has only {k}.")
        words = sum(a.words for a in workload.articles)
        peer = _peer_figures(recipe, workload.articles[:k], results[:k], seconds[:k], words, say)
        ratio = peer.ours_on_subset.words_per_s / peer.throughput.words_per_s
        notes += _peer_notes(peer)
    else:
        notes.append("Peer skipped (--no-peer): ratio is null.")
    return BenchReport(ours=ours, peer=peer, ratio=ratio, machine=machine, workload=_workload_info(workload), notes=notes)
