"""eval/load_test.py's own logic, without a server: the real run is `make`-free and done by hand (eval/README.md)."""

from __future__ import annotations

import asyncio
import collections
import importlib.util
import sys
import time
from pathlib import Path

import httpx
import pytest

from stancelens.benchmark.workload import Article
from stancelens.errors import InputError

_SPEC = importlib.util.spec_from_file_location("load_test", Path(__file__).parents[1] / "eval" / "load_test.py")
load_test = importlib.util.module_from_spec(_SPEC)
sys.modules["load_test"] = load_test  # dataclasses look their module up there
_SPEC.loader.exec_module(load_test)

ARTICLES = [Article("Officials said troops may have left.", ("test",))]


@pytest.mark.parametrize("url", ["http://10.1.2.3:8000", "http://192.168.0.1", "https://8.8.8.8/"])
def test_refuses_servers_off_this_machine(url):
    with pytest.raises(InputError, match="refusing to load-test"):
        load_test.loopback_url(url)


def test_loopback_url_connects_to_the_address_it_checked():
    assert load_test.loopback_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    assert httpx.URL(load_test.loopback_url("http://localhost:8000/")).host in ("127.0.0.1", "::1")
    with pytest.raises(InputError, match="http"):
        load_test.loopback_url("ftp://localhost/")


def test_a_client_sleeps_for_retry_after_then_goes_on():
    sent: list[float] = []

    def server(request: httpx.Request) -> httpx.Response:
        sent.append(time.monotonic())
        if len(sent) == 1:
            return httpx.Response(429, headers={"Retry-After": "1"}, json={"detail": "busy"})
        return httpx.Response(200, json={})

    async def scenario() -> load_test.Tally:
        tally = load_test.Tally()
        async with httpx.AsyncClient(transport=httpx.MockTransport(server), base_url="http://t") as http:
            await load_test.client(http, ARTICLES, 0, 1, time.monotonic() + 5, 3, tally)
        return tally

    tally = asyncio.run(scenario())
    assert tally.statuses == {429: 1, 200: 2} and tally.retry_after_waits == 1 and tally.sent == 3
    assert sent[1] - sent[0] >= 1.0
    assert len(tally.latencies_ms) == 2


def _report(statuses: dict[int, int], transport_errors: dict[str, int] | None = None):
    tally = load_test.Tally(
        sent=sum(statuses.values()), statuses=collections.Counter(statuses),
        latencies_ms=[100.0] * statuses.get(200, 0), words_ok=6 * statuses.get(200, 0),
        transport_errors=collections.Counter(transport_errors or {}),
    )
    return load_test.build_report(url="http://127.0.0.1:1", server="given", settings={}, clients=2, duration_s=1,
                                  articles=ARTICLES, tally=tally, elapsed_s=2.0, memory=None)


def test_the_gate_fails_on_5xx_transport_errors_or_no_success():
    ok = _report({200: 8, 429: 3, 401: 1})
    assert ok.passed and ok.problems == []
    assert (ok.statuses.ok_2xx, ok.statuses.too_many_429, ok.statuses.other_4xx, ok.statuses.server_5xx) == (8, 3, 1, 0)
    assert ok.requests == 12 and ok.requests_per_s == 6 and ok.throughput.articles_per_s == 4
    assert "**failed**" not in load_test.to_markdown(ok)
    assert not _report({200: 8, 503: 1}).passed
    assert not _report({200: 8}, {"ReadTimeout": 1}).passed
    failed = _report({429: 4})
    assert not failed.passed and failed.problems == ["no request succeeded"] and failed.latency_ms is None
    assert "**failed**" in load_test.to_markdown(failed)


def test_memory_slope_is_fitted_on_the_second_half():
    # Growth while warming up, then 10 MiB a minute.
    samples = [load_test.RssSample(t_s=t, mib=500 + 100 * min(t, 30) / 30 + 10 * max(0, t - 30) / 60) for t in range(61)]
    memory = load_test.memory_figures(1, samples)
    assert memory.first_mib == 500 and memory.max_mib == memory.last_mib == 605
    assert memory.second_half_slope_mib_per_min == pytest.approx(10)
    assert load_test.memory_figures(1, samples[:1]).second_half_slope_mib_per_min is None
