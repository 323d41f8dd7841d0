"""The analyst's web page at `/`, and the two routes only it needs.

- `GET /` and `GET /static/{name}`: a static page (plain HTML, JS and CSS in `service/static/`, no build step,
  nothing loaded from elsewhere).
- `POST /v1/report`: an `AnalysisResult` in, the Markdown report (`stancelens.report.to_markdown`) out, so the
  page's "Export Markdown" uses the same report as `stancelens analyze --format markdown`.
- `POST /v1/fetch`: download an article from a URL, server-side (browsers may not read other origins). Off
  unless `STANCELENS_ALLOW_FETCH=true`. When on, it is guarded against requests to the server's own network:
  only http(s); the host is resolved here and every address it resolves to must be global (not loopback,
  private, link-local, reserved, multicast or unspecified); the request then goes to the checked address
  (the name travels in `Host` and TLS SNI, so certificates are still checked against it), so a second DNS
  answer cannot swap in a local address; redirects are followed by hand, each hop checked the same way, at
  most `STANCELENS_FETCH_MAX_REDIRECTS`; the body is capped at `STANCELENS_FETCH_MAX_BYTES` and the whole
  fetch at `STANCELENS_FETCH_TIMEOUT_S`; no proxy from the environment is used.
"""

from __future__ import annotations

import codecs
import ipaddress
import json
import re
import socket
from pathlib import Path

import anyio
import httpx
from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.dependencies import ErrorResponse
from stancelens.config import Settings, get_settings
from stancelens.report import to_markdown
from stancelens.schema import AnalysisResult, integral_number

STATIC = Path(__file__).parent / "static"
ASSETS = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"}
# The page loads nothing from elsewhere and runs no inline script.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}

router = APIRouter()


@router.get("/", include_in_schema=False)
async def page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


@router.get("/static/{name}", include_in_schema=False)
async def asset(name: str) -> FileResponse:
    if name not in ASSETS:  # a fixed list: no path from the request ever reaches the file system
        raise HTTPException(404, f"no static file {name!r}")
    return FileResponse(STATIC / name, media_type=ASSETS[name], headers=PAGE_HEADERS)


@router.post(
    "/v1/report",
    tags=["page"],
    summary="The Markdown report of an analysis result (what `stancelens analyze --format markdown` prints).",
    response_class=Response,
    responses={
        200: {
            "content": {"text/markdown": {}},
            "description": "The report.",
            "headers": {"Content-Disposition": {"description": "`attachment`, with a file name from the result's id.",
                                                "required": True, "schema": {"type": "string"}}},
        },
        413: {"model": ErrorResponse, "description": "The body is over STANCELENS_MAX_BODY_BYTES."},
        422: {"model": ErrorResponse, "description": "The body is not an AnalysisResult (values of another JSON "
              "type are refused, not converted)."},
    },
)
async def report(request: Request, result: AnalysisResult) -> Response:
    # FastAPI documents the body and validates it in pydantic's lax mode, which would turn `false` into 0;
    # validated again strictly, the body must match the schema exactly.
    try:
        result = _strict_result(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", result.id)[:80] or "result"
    return Response(
        to_markdown(result),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="stancelens-{name}.md"'},
    )


class FetchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2048, description="An http or https URL of an article.")


class FetchResult(BaseModel):
    url: str = Field(description="The URL the text came from, after redirects.")
    text: str = Field(description="The body, decoded as text.")
    content_type: str = Field(description="'html', 'markdown' or 'text': the value to send as `content_type` to /v1/analyze.")


class FetchError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


REDIRECTS = {301, 302, 303, 307, 308}
TEXT_TYPES = {"application/xhtml+xml": "html", "text/html": "html", "text/markdown": "markdown", "text/x-markdown": "markdown"}


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (tests replace this to fake DNS)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(422, f"cannot resolve host {host!r}: {exc}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: str) -> bool:
    """True only for global unicast addresses; anything local, private or special is refused."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip.teredo is not None:
            return False
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified
    )


def _check_url(url: httpx.URL) -> None:
    if url.scheme not in ("http", "https"):
        raise FetchError(422, f"only http and https URLs can be fetched, not {url.scheme or 'a URL without a scheme'!r}")
    if not url.host:
        raise FetchError(422, "the URL has no host")
    if url.userinfo:
        raise FetchError(422, "URLs with a user name or password are not fetched")


async def _pinned(url: httpx.URL) -> tuple[httpx.URL, dict[str, str], dict[str, str]]:
    """The request to send for `url`: to a checked public address, with the name in Host and SNI."""
    _check_url(url)
    host = url.host
    port = url.port or (443 if url.scheme == "https" else 80)
    addresses = await anyio.to_thread.run_sync(resolve, host, port)
    if not addresses:
        raise FetchError(422, f"host {host!r} resolves to no address")
    for address in addresses:
        if not is_public(address):
            raise FetchError(
                403,
                f"refused: {host!r} resolves to {address}, which is not a public address "
                "(loopback, private, link-local, reserved and other local addresses are never fetched)",
            )
    target = url.copy_with(host=addresses[0])
    host_header = host if url.port is None else f"{host}:{url.port}"
    extensions = {"sni_hostname": host} if url.scheme == "https" else {}
    return target, {"Host": host_header}, extensions


def _content_type(header: str) -> str:
    media = header.split(";", 1)[0].strip().lower()
    if media in TEXT_TYPES:
        return TEXT_TYPES[media]
    if media.startswith("text/") or not media:
        return "text"
    raise FetchError(415, f"the URL returned {media!r}, not text or HTML")


def _decode(body: bytes, response: httpx.Response) -> str:
    encoding = response.charset_encoding or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"
    return body.decode(encoding, errors="replace")


async def fetch_url(raw: str, settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> FetchResult:
    try:
        url = httpx.URL(raw.strip())
    except (httpx.InvalidURL, ValueError) as exc:
        raise FetchError(422, f"not a valid URL: {exc}") from None
    limit = settings.fetch_max_bytes
    timeout = httpx.Timeout(settings.fetch_timeout_s)
    headers = {"User-Agent": "StanceLens-fetch", "Accept": "text/html, text/markdown, text/plain;q=0.9, */*;q=0.1"}
    async with httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False, timeout=timeout) as client:
        for _hop in range(settings.fetch_max_redirects + 1):
            target, host_header, extensions = await _pinned(url)
            request = client.build_request("GET", target, headers={**headers, **host_header}, extensions=extensions)
            response = await client.send(request, stream=True)
            try:
                if response.status_code in REDIRECTS and "location" in response.headers:
                    try:
                        url = url.join(response.headers["location"])
                    except (httpx.InvalidURL, ValueError) as exc:
                        raise FetchError(502, f"the URL redirected to an invalid location: {exc}") from None
                    continue
                if response.status_code >= 400:
                    raise FetchError(502, f"the URL answered HTTP {response.status_code}")
                kind = _content_type(response.headers.get("content-type", ""))
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise FetchError(413, f"the page is {int(declared):,} bytes, over the {limit:,}-byte limit (STANCELENS_FETCH_MAX_BYTES)")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > limit:
                        raise FetchError(413, f"the page is over the {limit:,}-byte limit (STANCELENS_FETCH_MAX_BYTES)")
                return FetchResult(url=str(url), text=_decode(bytes(body), response), content_type=kind)
            finally:
                await response.aclose()
    raise FetchError(422, f"more than {settings.fetch_max_redirects} redirects (STANCELENS_FETCH_MAX_REDIRECTS)")


def _strict_result(body: bytes) -> AnalysisResult:
    # 3.0 is an integer to JSON Schema, which strict mode refuses for an `int`: such numbers are read as ints
    # first. The body was parsed once already (FastAPI's validation), so it is JSON.
    data = json.loads(body, parse_float=lambda number: integral_number(float(number)))
    return AnalysisResult.model_validate_json(json.dumps(data), strict=True)


@router.post(
    "/v1/fetch",
    response_model=FetchResult,
    tags=["page"],
    summary="Download an article from a URL, for the page. Off unless STANCELENS_ALLOW_FETCH=true.",
    responses={
        403: {"model": ErrorResponse, "description": "Fetching is off, or the URL points at a non-public address."},
        413: {"model": ErrorResponse, "description": "The page is larger than STANCELENS_FETCH_MAX_BYTES, or the body "
              "over STANCELENS_MAX_BODY_BYTES."},
        415: {"model": ErrorResponse, "description": "The URL returned something other than text or HTML."},
        422: {"model": ErrorResponse, "description": "Not an http(s) URL, an unknown host, or too many redirects."},
        502: {"model": ErrorResponse, "description": "The URL could not be reached or answered with an error."},
        504: {"model": ErrorResponse, "description": "The fetch took longer than STANCELENS_FETCH_TIMEOUT_S."},
    },
)
async def fetch(body: FetchRequest, request: Request) -> FetchResult:
    settings: Settings = getattr(request.app.state, "settings", None) or get_settings()
    if not settings.allow_fetch:
        raise HTTPException(403, "fetching URLs is off on this server; set STANCELENS_ALLOW_FETCH=true to enable it")
    transport = getattr(request.app.state, "fetch_transport", None)  # tests put a fake network here
    try:
        with anyio.fail_after(settings.fetch_timeout_s):
            return await fetch_url(body.url, settings, transport)
    except FetchError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    except TimeoutError:
        raise HTTPException(504, f"the fetch took longer than {settings.fetch_timeout_s:g} s (STANCELENS_FETCH_TIMEOUT_S)") from None
    except httpx.TimeoutException:
        raise HTTPException(504, f"the URL did not answer within {settings.fetch_timeout_s:g} s (STANCELENS_FETCH_TIMEOUT_S)") from None
    except httpx.HTTPError as exc:
        raise HTTPException(502, f"could not fetch the URL: {type(exc).__name__}: {exc}") from None
