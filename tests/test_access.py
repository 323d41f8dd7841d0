"""API keys, the rate limit and CORS: who may call which route, and what the others get."""

from __future__ import annotations

import asyncio
import io
import sys
import threading

import httpx
import pytest
from fastapi.testclient import TestClient

from service import security
from service.app import create_app
from service.security import RateLimiter
from stancelens.cli import main
from stancelens.config import Settings
from stancelens.keys import KeyConfigError, KeyRing, entry_line, parse_entry
from stancelens.schema import AnalysisResult, LanguageInfo, ModelInfo, Summary

from .test_api import _wait_ready

ALICE = "alice-key-0123456789abcdef"
BOB = "bob-key-0123456789abcdef"
ORIGIN = "https://newsroom.example"
OPEN_ROUTES = ["/healthz", "/readyz", "/", "/static/app.js", "/static/style.css", "/docs", "/redoc", "/openapi.json"]


class FakePipeline:
    """Answers at once with an empty analysis of the text."""

    model_info = ModelInfo(version="fake", components={}, hedge_threshold=0.5)

    def analyze(self, text: str, **_: object) -> AnalysisResult:
        return AnalysisResult(
            id="fake", text=text, content_type="text", model=self.model_info,
            language=LanguageInfo(code="en", name="English", confidence=1.0),
            summary=Summary(text="", sentences=[], method="extractive"),
            sections=[], hedged_claims=[], stances=[], claims=[], timings_ms={},
        )


def make_client(tmp_path, **settings) -> TestClient:
    app = create_app(loader=FakePipeline, settings=Settings(jobs_db=tmp_path / "jobs.sqlite3", **settings))
    return TestClient(app)


def analyze(client: TestClient, **headers: str) -> httpx.Response:
    return client.post("/v1/analyze", json={"text": "Some text."}, headers=headers)


@pytest.fixture
def keyed(tmp_path):
    with make_client(tmp_path, api_keys=[entry_line("alice", ALICE), entry_line(None, BOB)]) as c:
        _wait_ready(c)
        yield c


# ---------- keys ----------

def test_entries_hold_only_the_hash():
    entry = entry_line("alice", ALICE)
    assert ALICE not in entry and entry.startswith("alice:sha256:") and len(entry.split(":")[2]) == 64
    ring = KeyRing([parse_entry(entry, "test"), parse_entry(entry_line(None, BOB), "test")])
    assert ring.name_of(ALICE) == "alice"
    assert ring.name_of(BOB).startswith("sha256-")  # an unnamed entry is named after its digest
    assert ring.name_of(ALICE + "x") is None and ring.name_of("") is None


def test_cli_keys_new_prints_a_key_and_its_entry(capsys):
    assert main(["keys", "new", "--name", "ci"]) == 0
    out = capsys.readouterr().out.splitlines()
    key = out[0].split()[-1]
    entry = out[1].split()[-1]
    assert len(key) >= 40 and key not in entry
    assert KeyRing([parse_entry(entry, "test")]).name_of(key) == "ci"
    assert main(["keys", "new"]) == 0
    assert capsys.readouterr().out.splitlines()[0].split()[-1] != key  # random each time


def test_cli_keys_hash_reads_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(ALICE + "\n"))
    assert main(["keys", "hash", "--name", "alice"]) == 0
    assert capsys.readouterr().out.strip() == entry_line("alice", ALICE)
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["keys", "hash"]) == 2
    assert "at least 16" in capsys.readouterr().err


def test_no_keys_means_open(tmp_path):
    with make_client(tmp_path) as c:
        _wait_ready(c)
        assert analyze(c).status_code == 200
        spec = c.get("/openapi.json").json()
    assert "securitySchemes" not in spec.get("components", {})
    assert "401" not in spec["paths"]["/v1/analyze"]["post"]["responses"]


def test_keys_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("STANCELENS_API_KEYS", f" {entry_line('alice', ALICE)} , {entry_line('bob', BOB)}")
    settings = Settings(jobs_db=tmp_path / "jobs.sqlite3")
    with TestClient(create_app(loader=FakePipeline, settings=settings)) as c:
        _wait_ready(c)
        assert analyze(c).status_code == 401
        assert analyze(c, authorization=f"Bearer {ALICE}").status_code == 200
        assert analyze(c, authorization=f"Bearer {BOB}").status_code == 200


def test_keys_from_file(tmp_path):
    path = tmp_path / "keys.txt"
    path.write_text(f"# the newsroom's keys\n\n{entry_line('alice', ALICE)}  # rotated 2024-06\nsha256:{'0' * 64}\n")
    with make_client(tmp_path, api_keys_file=path) as c:
        _wait_ready(c)
        assert analyze(c, **{"x-api-key": ALICE}).status_code == 200
        assert analyze(c, **{"x-api-key": BOB}).status_code == 401


def test_missing_key_is_401_saying_how_to_send_one(keyed):
    r = analyze(keyed)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert set(r.json()) == {"detail"}
    assert "Authorization: Bearer" in r.json()["detail"] and "X-API-Key" in r.json()["detail"]


@pytest.mark.parametrize("headers", [
    {"authorization": "Bearer not-the-right-key-123456"},
    {"x-api-key": "not-the-right-key-123456"},
    {"authorization": f"Basic {ALICE}"},  # right key, wrong scheme
    {"authorization": "Bearer"},
])
def test_wrong_key_is_401_without_echoing_it(keyed, headers):
    r = analyze(keyed, **headers)
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "not-the-right-key" not in r.text and ALICE not in r.text
    assert "Authorization: Bearer" in r.json()["detail"]


def test_either_header_carries_the_key(keyed):
    assert analyze(keyed, authorization=f"Bearer {ALICE}").status_code == 200
    assert analyze(keyed, authorization=f"bearer {BOB}").status_code == 200
    assert analyze(keyed, **{"x-api-key": ALICE}).status_code == 200


@pytest.mark.parametrize("path", OPEN_ROUTES)
def test_health_page_and_docs_stay_open(keyed, path):
    assert keyed.get(path).status_code == 200


@pytest.mark.parametrize("method, path", [
    ("POST", "/v1/report"),
    ("POST", "/v1/fetch"),
    ("POST", "/v1/analyze/batch"),
    ("POST", "/v1/jobs"),
    ("GET", "/v1/jobs/abc"),
    ("GET", "/v1/jobs/abc/results"),
    ("DELETE", "/v1/jobs/abc"),
    ("GET", "/metrics"),
    ("GET", "/no/such/route"),  # denied by default: a route added later is not open by accident
    ("POST", "/healthz"),  # only reading the open routes is open
])
def test_everything_else_needs_a_key(keyed, method, path):
    assert keyed.request(method, path).status_code == 401
    assert keyed.request(method, path, headers={"x-api-key": ALICE}).status_code != 401


def test_openapi_documents_the_keys_on_protected_routes_only(keyed):
    spec = keyed.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerKey"] == {"type": "http", "scheme": "bearer", "description": schemes["bearerKey"]["description"]}
    assert schemes["apiKeyHeader"]["in"] == "header" and schemes["apiKeyHeader"]["name"] == "X-API-Key"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if path in ("/healthz", "/readyz"):
                assert "security" not in operation and "401" not in operation["responses"]
            else:
                assert operation["security"] == [{"bearerKey": []}, {"apiKeyHeader": []}], (method, path)
                unauthorized = operation["responses"]["401"]
                assert unauthorized["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorResponse"
                assert "WWW-Authenticate" in unauthorized["headers"]


@pytest.mark.parametrize("entries, where", [
    ([entry_line("alice", ALICE), "bob:md5:abcd"], "STANCELENS_API_KEYS entry 2"),
    ([f"sha256:{'0' * 63}"], "STANCELENS_API_KEYS entry 1"),
    ([f"bad name:sha256:{'0' * 64}"], "STANCELENS_API_KEYS entry 1"),
])
def test_malformed_entry_fails_at_startup(tmp_path, entries, where):
    with pytest.raises(KeyConfigError, match=where):
        create_app(loader=FakePipeline, settings=Settings(jobs_db=tmp_path / "jobs.sqlite3", api_keys=entries))


def test_malformed_key_file_names_file_and_line_without_echoing_it(tmp_path):
    path = tmp_path / "keys.txt"
    path.write_text(f"# keys\n{entry_line('alice', ALICE)}\n{BOB}\n")  # line 3: a plain key pasted by mistake
    with pytest.raises(KeyConfigError) as caught:
        create_app(loader=FakePipeline, settings=Settings(jobs_db=tmp_path / "jobs.sqlite3", api_keys_file=path))
    message = str(caught.value)
    assert f"{path} line 3" in message and "sha256" in message and BOB not in message
    with pytest.raises(KeyConfigError, match="cannot read"):
        create_app(settings=Settings(jobs_db=tmp_path / "jobs.sqlite3", api_keys_file=tmp_path / "missing.txt"))


# ---------- rate limit ----------

def test_rate_limit_answers_429_with_retry_after(tmp_path):
    with make_client(tmp_path, rate_limit_per_min=2) as c:
        _wait_ready(c)
        assert [analyze(c).status_code for _ in range(2)] == [200, 200]
        r = analyze(c)
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert f"retry after {r.headers['retry-after']} s" in r.json()["detail"]
        assert all(c.get(path).status_code == 200 for path in ["/healthz", "/readyz"] * 5)  # never counted
        spec = c.get("/openapi.json").json()
    assert "Retry-After" in spec["paths"]["/v1/analyze"]["post"]["responses"]["429"]["headers"]
    assert "429" in spec["paths"]["/v1/jobs"]["post"]["responses"]


def test_rate_limit_is_per_key(tmp_path):
    with make_client(tmp_path, api_keys=[entry_line("alice", ALICE), entry_line("bob", BOB)], rate_limit_per_min=1) as c:
        _wait_ready(c)
        assert analyze(c, **{"x-api-key": ALICE}).status_code == 200
        assert analyze(c, **{"x-api-key": ALICE}).status_code == 429
        assert analyze(c, **{"x-api-key": BOB}).status_code == 200
        assert analyze(c).status_code == 401  # no key: refused before it could spend anyone's tokens


def test_rate_limit_is_per_address_without_keys(tmp_path):
    app = create_app(loader=FakePipeline, settings=Settings(jobs_db=tmp_path / "jobs.sqlite3", rate_limit_per_min=1))

    async def post_from(address: str) -> int:
        transport = httpx.ASGITransport(app=app, client=(address, 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            while (await client.get("/readyz")).status_code != 200:
                await asyncio.sleep(0.01)
            return (await client.post("/v1/analyze", json={"text": "Some text."})).status_code

    async def scenario() -> list[int]:
        async with app.router.lifespan_context(app):
            return [await post_from("10.0.0.1"), await post_from("10.0.0.1"), await post_from("10.0.0.2")]

    assert asyncio.run(scenario()) == [200, 429, 200]


def test_bucket_refills_over_time():
    now = [0.0]
    limiter = RateLimiter(per_min=60, burst=2, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(3)] == [0, 0, 1]
    now[0] += 0.5
    assert limiter.take("a") == 1  # half a token is not enough
    now[0] += 0.5
    assert limiter.take("a") == 0
    now[0] += 3600
    assert [limiter.take("a") for _ in range(3)] == [0, 0, 1]  # refilled to the burst, not beyond


def test_buckets_are_bounded(monkeypatch):
    monkeypatch.setattr(security, "MAX_CLIENTS", 100)
    limiter = RateLimiter(per_min=1, burst=1)
    for i in range(1_000):
        limiter.take(f"address 10.0.{i // 256}.{i % 256}")
    assert limiter.clients == 100
    assert limiter.take("address 10.0.3.231") > 0  # the most recent clients are remembered


def test_limiter_is_thread_safe():
    limiter = RateLimiter(per_min=1, burst=50, clock=lambda: 0.0)
    granted = []
    start = threading.Barrier(8)

    def hammer():
        start.wait()
        granted.extend(limiter.take("shared") == 0 for _ in range(2_000))

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, so a race would show
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(previous)
    assert sum(granted) == 50


# ---------- CORS ----------

def preflight(client: TestClient, origin: str) -> httpx.Response:
    return client.options("/v1/analyze", headers={
        "origin": origin, "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
    })


def test_cors_is_off_by_default(tmp_path):
    with make_client(tmp_path) as c:
        assert "access-control-allow-origin" not in preflight(c, ORIGIN).headers
        assert "access-control-allow-origin" not in c.get("/healthz", headers={"origin": ORIGIN}).headers


def test_cors_allows_exactly_the_configured_origins(tmp_path):
    with make_client(tmp_path, cors_origins=[ORIGIN], api_keys=[entry_line("alice", ALICE)]) as c:
        _wait_ready(c)
        ok = preflight(c, ORIGIN)  # preflights carry no key, and must not need one
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == ORIGIN
        assert "authorization" in ok.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-origin" not in preflight(c, "https://elsewhere.example").headers
        # the page on the allowed origin can read a 401, and the request id of any answer
        refused = analyze(c, origin=ORIGIN)
        assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == ORIGIN
        allowed = analyze(c, origin=ORIGIN, authorization=f"Bearer {ALICE}")
        assert allowed.status_code == 200 and "x-request-id" in allowed.headers["access-control-expose-headers"].lower()


def test_cors_origins_from_env(monkeypatch):
    monkeypatch.setenv("STANCELENS_CORS_ORIGINS", f"{ORIGIN}, http://localhost:3000")
    assert Settings().cors_origins == [ORIGIN, "http://localhost:3000"]
