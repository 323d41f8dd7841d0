"""The web page's routes: the page itself, the Markdown report, and the guarded URL fetch.

No test here reaches the internet: local addresses are refused before any connection, and "public" hosts are
a fake DNS answer (`service.page.resolve`) in front of a fake network (`app.state.fetch_transport`).
"""

from __future__ import annotations

import http.server
import threading

import httpx
import pytest
from fastapi.testclient import TestClient

from service import page
from service.app import create_app
from stancelens.config import Settings
from stancelens.report import to_markdown
from stancelens.schema import AnalysisResult

PUBLIC_IP = "93.184.216.34"


def _no_models():
    raise RuntimeError("no models in the page tests")


def _client(tmp_path, **settings) -> TestClient:
    app = create_app(loader=_no_models, settings=Settings(jobs_db=tmp_path / "jobs.sqlite3", **settings))
    return TestClient(app)


@pytest.fixture
def client(tmp_path):
    with _client(tmp_path, allow_fetch=True, fetch_max_bytes=1_000) as c:
        yield c


@pytest.fixture
def fake_dns(monkeypatch):
    """Names ending in .test resolve to what the test says; everything else resolves for real."""
    table: dict[str, list[str]] = {}
    real = page.resolve

    def resolve(host: str, port: int) -> list[str]:
        return table[host] if host in table else real(host, port)

    monkeypatch.setattr(page, "resolve", resolve)
    return table


@pytest.fixture
def network(client, fake_dns):
    """A fake internet behind the public address: tests set `routes[path] = handler` and read `seen`."""
    seen: list[httpx.Request] = []
    routes: dict[str, object] = {}

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert request.url.host == PUBLIC_IP, "the fetch must connect to the checked address"
        return routes[request.url.path](request)

    fake_dns["news.test"] = [PUBLIC_IP]
    client.app.state.fetch_transport = httpx.MockTransport(handle)
    return routes, seen


@pytest.fixture
def loopback_server():
    """A real HTTP server on 127.0.0.1 that counts the requests it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            body = b"internal secret"
            self.send_response(200)
            self.send_header("content-type", "text/plain")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()


# ---------- the page ----------


def test_root_serves_the_page(client):
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    html = r.text
    assert '<textarea id="text"' in html and 'id="analyze"' in html
    assert "/static/app.js" in html and "/static/style.css" in html
    assert "http://" not in html.replace("http://127", "") and "https://" not in html.replace("https://…", "")


@pytest.mark.parametrize("name, media", [("app.js", "text/javascript"), ("style.css", "text/css")])
def test_static_assets_are_served_locally(client, name, media):
    r = client.get(f"/static/{name}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    assert "https://" not in r.text  # nothing from a CDN


@pytest.mark.parametrize("name", ["index.html.bak", "..%2fpage.py", "../page.py", "nope.js"])
def test_other_static_paths_are_404(client, name):
    assert client.get(f"/static/{name}").status_code == 404


def test_report_is_the_library_markdown(client, pipeline):
    result = pipeline.analyze("**Troops:**\nReports suggest that around 1,000 soldiers may have left.", targets=["soldiers"])
    r = client.post("/v1/report", content=result.model_dump_json(), headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/markdown")
    assert "attachment" in r.headers["content-disposition"]
    assert r.text == to_markdown(AnalysisResult.model_validate_json(result.model_dump_json()))


def test_report_rejects_a_non_result(client):
    assert client.post("/v1/report", json={"text": "x"}).status_code == 422


# ---------- fetch: off by default ----------


def test_fetch_is_off_by_default(tmp_path):
    assert Settings(jobs_db=tmp_path / "j").allow_fetch is False
    with _client(tmp_path) as c:
        r = c.post("/v1/fetch", json={"url": "https://example.com/"})
    assert r.status_code == 403
    assert "STANCELENS_ALLOW_FETCH" in r.json()["detail"]


# ---------- fetch: the guard ----------


def test_loopback_server_is_never_contacted(client, loopback_server):
    port, hits = loopback_server
    for url in (f"http://127.0.0.1:{port}/", f"http://localhost:{port}/", f"http://[::ffff:127.0.0.1]:{port}/", f"http://0.0.0.0:{port}/"):
        r = client.post("/v1/fetch", json={"url": url})
        assert r.status_code == 403, (url, r.text)
        assert "not a public address" in r.json()["detail"]
    assert hits == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.1/",
        "http://2130706433/",
        "http://localhost/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
    ],
)
def test_local_and_special_addresses_are_refused(client, url):
    r = client.post("/v1/fetch", json={"url": url})
    assert r.status_code == 403, r.text


@pytest.mark.parametrize("answer", [["10.1.2.3"], ["169.254.169.254"], ["::1"], ["127.0.0.1"], [PUBLIC_IP, "192.168.0.10"]])
def test_names_resolving_to_local_addresses_are_refused(client, fake_dns, answer):
    fake_dns["intranet.test"] = answer
    r = client.post("/v1/fetch", json={"url": "http://intranet.test/article"})
    assert r.status_code == 403, r.text
    assert "intranet.test" in r.json()["detail"]


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/a.txt", "gopher://example.com/", "javascript:alert(1)", "example.com/a", "http:///nohost"]
)
def test_non_http_urls_are_refused(client, url):
    r = client.post("/v1/fetch", json={"url": url})
    assert r.status_code == 422, r.text


def test_credentials_in_url_are_refused(client, network):
    assert client.post("/v1/fetch", json={"url": "http://user:pw@news.test/"}).status_code == 422


def test_redirect_to_a_local_address_is_refused(client, network, fake_dns, loopback_server):
    port, hits = loopback_server
    routes, seen = network
    fake_dns["internal.test"] = ["192.168.1.5"]
    routes["/to-loopback"] = lambda req: httpx.Response(302, headers={"location": f"http://127.0.0.1:{port}/"})
    routes["/to-internal"] = lambda req: httpx.Response(301, headers={"location": "http://internal.test/x"})
    routes["/to-metadata"] = lambda req: httpx.Response(307, headers={"location": "http://169.254.169.254/latest/"})
    for path in ("/to-loopback", "/to-internal", "/to-metadata"):
        r = client.post("/v1/fetch", json={"url": f"http://news.test{path}"})
        assert r.status_code == 403, (path, r.text)
    assert hits == [] and len(seen) == 3


def test_redirect_to_another_scheme_is_refused(client, network):
    routes, _ = network
    routes["/a"] = lambda req: httpx.Response(302, headers={"location": "file:///etc/passwd"})
    assert client.post("/v1/fetch", json={"url": "http://news.test/a"}).status_code == 422


def test_too_many_redirects(client, network):
    routes, seen = network
    routes["/loop"] = lambda req: httpx.Response(302, headers={"location": "/loop"})
    r = client.post("/v1/fetch", json={"url": "http://news.test/loop"})
    assert r.status_code == 422 and "redirects" in r.json()["detail"]
    assert len(seen) == 6  # the first request and 5 redirects


def test_oversize_body_is_refused(client, network):
    routes, _ = network
    routes["/declared"] = lambda req: httpx.Response(200, headers={"content-type": "text/plain"}, content=b"x" * 5_000)

    async def chunks():
        for _ in range(50):
            yield b"y" * 100

    routes["/streamed"] = lambda req: httpx.Response(200, headers={"content-type": "text/plain"}, content=chunks())
    for path in ("/declared", "/streamed"):
        r = client.post("/v1/fetch", json={"url": f"http://news.test{path}"})
        assert r.status_code == 413, (path, r.text)
        assert "STANCELENS_FETCH_MAX_BYTES" in r.json()["detail"]


def test_non_text_content_is_refused(client, network):
    routes, _ = network
    routes["/img"] = lambda req: httpx.Response(200, headers={"content-type": "image/png"}, content=b"\x89PNG")
    assert client.post("/v1/fetch", json={"url": "http://news.test/img"}).status_code == 415


def test_upstream_error_is_502(client, network):
    routes, _ = network
    routes["/gone"] = lambda req: httpx.Response(404, content=b"no")
    assert client.post("/v1/fetch", json={"url": "http://news.test/gone"}).status_code == 502


# ---------- fetch: what comes back ----------


def test_fetch_html_follows_a_public_redirect(client, network):
    routes, seen = network
    routes["/old"] = lambda req: httpx.Response(301, headers={"location": "https://news.test/story"})
    html = "<html><body><h1>Troops</h1><p>Café reports suggest…</p></body></html>".encode("iso-8859-1", "replace")
    routes["/story"] = lambda req: httpx.Response(200, headers={"content-type": "text/html; charset=iso-8859-1"}, content=html)
    r = client.post("/v1/fetch", json={"url": "http://news.test/old"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["content_type"] == "html"
    assert body["url"] == "https://news.test/story"
    assert "<h1>Troops</h1>" in body["text"] and "Café" in body["text"]
    first, second = seen
    assert first.headers["host"] == "news.test" and second.headers["host"] == "news.test"
    assert second.url.scheme == "https" and second.extensions.get("sni_hostname") == "news.test"


@pytest.mark.parametrize("media, kind", [("text/plain; charset=utf-8", "text"), ("text/markdown", "markdown"), ("application/xhtml+xml", "html")])
def test_fetch_reports_the_content_type(client, network, media, kind):
    routes, _ = network
    routes["/a"] = lambda req: httpx.Response(200, headers={"content-type": media}, content="**Title:**\nbody ✓".encode())
    r = client.post("/v1/fetch", json={"url": "http://news.test/a"})
    assert r.status_code == 200, r.text
    assert r.json() == {"url": "http://news.test/a", "text": "**Title:**\nbody ✓", "content_type": kind}


def test_is_public():
    assert page.is_public(PUBLIC_IP) and page.is_public("2606:4700:4700::1111")
    for address in ("127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "::ffff:10.0.0.1", "2002:7f00:1::1", "0.0.0.0", "fc00::1", "nonsense"):
        assert not page.is_public(address), address
