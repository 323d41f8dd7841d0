"""End-to-end tests of the page in real headless Chromium, against the app served by uvicorn on loopback.

Needs the Debian `chromium` package (or STANCELENS_CHROMIUM pointing at a Chromium binary) and the Python
`playwright` package (installed by `make test`; its bundled browsers are not used). Without them the tests are
skipped, with the reason, except when CI is set: on CI a missing browser fails the tests instead.
Screenshots go to artifacts/browser/.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import httpx
import pytest

from stancelens.server_process import running_server

from .conftest import EXAMPLE_HEADINGS, EXAMPLE_ITEMS

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "browser"


def _chromium() -> str | None:
    env = os.environ.get("STANCELENS_CHROMIUM")
    if env:
        return env if os.access(env, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package 'playwright' is not installed (make test installs it: pip install -e '.[test]')"
    if not _chromium():
        return "no Chromium binary found (install the Debian packages: apt-get install chromium chromium-driver, or set STANCELENS_CHROMIUM)"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(f"browser tests cannot run on CI: {reason}", pytrace=False)
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The real app in a `stancelens serve` subprocess on a free loopback port; its base URL once ready.
    Fetching stays off, as by default."""
    env = {"STANCELENS_JOBS_DB": str(tmp_path_factory.mktemp("jobs") / "jobs.sqlite3"), "STANCELENS_ALLOW_FETCH": None}
    with running_server(env, timeout_s=180) as srv:
        yield srv.url


@pytest.fixture(scope="module")
def analysed(browser, server, example_text):
    """A page with the example article pasted and analysed."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(server + "/")
    page.fill("#text", example_text)
    page.click("#analyze")
    page.wait_for_selector("#results:not([hidden])", timeout=120_000)
    # Selector waits, not wait_for_function: under load, a string predicate that had to be polled failed
    # on the page's Content-Security-Policy (no 'unsafe-eval'), which is right to forbid it.
    page.wait_for_selector("#analyze:not([disabled])", timeout=120_000)
    yield page, errors
    context.close()


@pytest.fixture(scope="module")
def expected(server, example_text):
    r = httpx.post(f"{server}/v1/analyze", json={"text": example_text}, timeout=120)
    assert r.status_code == 200, r.text
    return r.json()


def test_analysis_shows_headings_hedges_and_chips(analysed, expected):
    page, errors = analysed
    assert page.inner_text("#status").startswith("Done")
    headings = page.locator("#article details.section > summary .heading").all_inner_texts()
    for heading in EXAMPLE_HEADINGS + EXAMPLE_ITEMS:
        assert heading in headings, (heading, headings)
    # the six top-level headings, in order, after the untitled lead
    top = page.locator("#article > details.section > summary .heading").all_inner_texts()
    assert top == ["Lead", *EXAMPLE_HEADINGS]

    approx = page.locator("#article mark.cue", has_text="approximately")
    assert approx.count() >= 1
    assert approx.first.get_attribute("data-type") == "approximator"
    reports = page.locator("#article .hedged", has_text="Reports suggest")
    assert reports.count() == 1
    cue_texts = reports.locator("mark.cue").all_inner_texts()
    assert "Reports" in cue_texts and "suggest" in cue_texts

    russia = page.locator("#chips .chip[data-target='Russia']")
    assert russia.count() == 1 and russia.is_visible()
    stance = next(s for s in expected["stances"] if s["target"] == "Russia")
    assert stance["label"] in russia.inner_text() and f"{stance['score']:.2f}" in russia.inner_text()
    assert page.locator("#chips .chip").count() == len(expected["stances"])

    # section summaries sit at the top of each section, their sentences highlighted in the text
    assert page.locator("#article details.section > .section-summary").count() >= 6
    assert page.locator("#article .sum").count() >= 6
    assert errors == []


def test_clicking_a_chip_highlights_its_evidence(analysed, expected):
    page, _ = analysed
    assert page.locator("#article .ev-on").count() == 0
    chip = page.locator("#chips .chip[data-target='Russia']")
    chip.click()
    assert chip.get_attribute("aria-pressed") == "true"
    on = page.locator("#article .ev-on")
    assert on.count() >= 1
    highlighted = "".join(on.all_text_contents())
    stance = next(s for s in expected["stances"] if s["target"] == "Russia")
    for evidence in stance["evidence"]:
        assert evidence["text"] in highlighted
    assert "Russia" in page.inner_text("#chip-note")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "example-russia-evidence.png"), full_page=True)
    # a second click clears the highlight; another chip moves it
    chip.click()
    assert chip.get_attribute("aria-pressed") == "false" and page.locator("#article .ev-on").count() == 0


def test_cue_tooltip_by_keyboard(analysed, expected):
    page, _ = analysed
    mark = page.locator("#article mark.cue", has_text="approximately").first
    mark.focus()
    assert page.evaluate("document.activeElement.textContent") == "approximately"
    described = page.evaluate("document.getElementById(document.activeElement.getAttribute('aria-describedby')).textContent")
    claim = next(c for c in expected["hedged_claims"] if "approximately" in c["sentence"]["text"])
    assert "approximator" in described and f"hedge score {claim['score']:.2f}" in described and "source:" in described
    assert mark.get_attribute("data-tip") == described
    # the visible tooltip is drawn on focus
    content = page.evaluate("getComputedStyle(document.activeElement, '::after').content")
    assert "approximator" in content


def test_sections_collapse(analysed):
    page, _ = analysed
    first = page.locator("#article > details.section").nth(1)
    summary = first.locator("> summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert first.get_attribute("open") is None
    page.keyboard.press("Enter")
    assert first.get_attribute("open") is not None


def test_hedged_claims_sort_by_score(analysed, expected):
    page, _ = analysed
    page.click("#sort-hedged")
    scores = [float(s) for s in page.locator("#hedged .hedged-item").evaluate_all("els => els.map(e => e.dataset.score)")]
    assert len(scores) == len(expected["hedged_claims"]) and scores == sorted(scores, reverse=True)
    page.click("#sort-hedged")
    scores = [float(s) for s in page.locator("#hedged .hedged-item").evaluate_all("els => els.map(e => e.dataset.score)")]
    assert scores == sorted(scores)


def test_exports(analysed, expected):
    page, _ = analysed
    with page.expect_download() as info:
        page.click("#export-json")
    data = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert data["text"] == expected["text"] and len(data["sections"]) == len(expected["sections"])
    with page.expect_download() as info:
        page.click("#export-md")
    assert info.value.suggested_filename.endswith(".md")
    markdown = Path(info.value.path()).read_text(encoding="utf-8")
    assert markdown.startswith("# StanceLens report") and "## Hedged claims" in markdown


def test_controls_are_labelled(analysed):
    page, _ = analysed
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
            .map(e => e.outerHTML)"""
    )
    assert unlabelled == []


def test_narrow_screen_360px(analysed):
    page, _ = analysed
    page.set_viewport_size({"width": 360, "height": 800})
    page.wait_for_timeout(200)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "example-360px.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "example.png"), full_page=True)


def test_errors_are_shown(browser, server, example_text):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/")
    page.click("#analyze")
    assert page.locator("#error").is_visible() and "Paste" in page.inner_text("#error")
    page.fill("#url", "http://127.0.0.1/")
    page.click("#fetch")
    page.wait_for_selector("#error:has-text('403')")
    assert "STANCELENS_ALLOW_FETCH" in page.inner_text("#error")
    context.close()


def test_offsets_with_astral_characters_and_crossing_spans(browser, server):
    """Python offsets count code points, JS strings UTF-16 units; highlights that cross are split, not lost."""
    text = "**Troops 🙂:**\nReports 🙂 suggest that around 1,000 soldiers may have left 🚀. Officials said nothing more."
    result = httpx.post(f"{server}/v1/analyze", json={"text": text, "targets": ["soldiers"]}, timeout=60).json()
    cues = [cue["text"] for claim in result["hedged_claims"] for cue in claim["cues"]]
    assert "around" in cues
    # an evidence span from the middle of one cue into the next sentence crosses every other highlight
    around = next(c for claim in result["hedged_claims"] for c in claim["cues"] if c["text"] == "around")
    start = around["start"] + 2
    end = text.index("said") + 4
    crossing = {"start": start, "end": end, "text": text[start:end], "label": "against", "score": 0.9}
    stance = {"target": "Crossing", "aliases": [], "origin": "user", "label": "against", "score": 0.9,
              "mentions": [], "evidence": [crossing]}
    result["stances"] = [stance, *result["stances"]]

    context = browser.new_context()
    page = context.new_page()
    page.route("**/v1/analyze", lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(result)))
    page.goto(server + "/")
    page.fill("#text", text)
    page.click("#analyze")
    page.wait_for_selector("#results:not([hidden])")
    marks = page.locator("#article mark.cue").all_inner_texts()
    assert sorted(marks) == sorted(cues)  # every cue whole: the crossing evidence span is the one split
    assert page.locator("#article .section-body").first.inner_text().strip().startswith("Reports 🙂 suggest")
    page.click("#chips .chip[data-target='Crossing']")
    assert "".join(page.locator("#article .ev-on").all_text_contents()) == crossing["text"]
    context.close()


def test_api_key_is_asked_for_after_a_401(browser, server):
    """A server with keys answers 401 (faked here in front of the real one): the page shows the key field, focuses
    it, sends the key as a Bearer token, and keeps it for the tab."""
    key = "page-test-key-0123456789"
    seen: list[str | None] = []

    def guard(route):
        seen.append(route.request.headers.get("authorization"))
        if seen[-1] == f"Bearer {key}":
            route.continue_()
        else:
            route.fulfill(status=401, content_type="application/json", headers={"WWW-Authenticate": "Bearer"},
                          body=json.dumps({"detail": "an API key is required"}))

    context = browser.new_context()
    page = context.new_page()
    page.route("**/v1/analyze", guard)
    page.goto(server + "/")
    assert page.locator("#api-key").is_hidden()
    page.fill("#text", "Officials said that the troops may have left.")
    page.click("#analyze")
    page.locator("#error", has_text="401").wait_for()
    assert page.locator("#api-key").is_visible() and "API key" in page.inner_text("#error")
    assert page.evaluate("document.activeElement.id") == "api-key"
    page.keyboard.type(key)
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_selector("#results:not([hidden])", timeout=120_000)
    assert seen == [None, f"Bearer {key}"]
    assert page.locator("#error").is_hidden()
    assert page.evaluate("sessionStorage.getItem('stancelens.apiKey')") == key
    page.reload()
    assert page.locator("#api-key").is_visible() and page.input_value("#api-key") == key
    context.close()
