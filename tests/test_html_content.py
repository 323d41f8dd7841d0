"""A web page's main content is what gets analysed: navigation, header, footer, sidebars, cookie banners,
share buttons and comments are dropped; headings still make sections, and offsets point into the
extracted text. The pages below are saved news pages of three layouts, written here."""

from __future__ import annotations

import time

import pytest

from stancelens.normalize import normalize

from .conftest import assert_offsets_valid, assert_sections_tile

PARAGRAPHS = [
    "Ukrainian special forces have reported that no North Korean soldiers have been spotted in the Kursk "
    "region in recent days, suggesting that they may have pulled back from the front line.",
    "Estimates indicate that around 1,000 of the soldiers have been killed or wounded since they arrived, "
    "according to officials in Kyiv who spoke on condition of anonymity.",
    "Analysts say the withdrawal could be temporary, and that Moscow may send the troops back once they have "
    "been retrained for the kind of drone warfare that dominates the region.",
    "The Kremlin has not commented on the reports, and North Korea's state media made no mention of them on "
    "Tuesday, when it covered a visit by officials to a factory near Pyongyang.",
]
BOILERPLATE = ["Home", "World", "Sign in", "Subscribe", "© 2025", "Privacy policy", "Related stories",
               "Share on", "cookies", "Most read", "Comments", "Advertisement"]


def _body(first: str, second: str, tag: str = "p") -> str:
    return (f"<h1>North Korean troops pull back from Kursk</h1><{tag}>{PARAGRAPHS[0]}</{tag}><{tag}>{PARAGRAPHS[1]}"
            f"</{tag}><h2>{first}</h2><{tag}>{PARAGRAPHS[2]}</{tag}><ol><li><strong>Retraining:</strong> troops "
            f"may return within weeks, officials said.</li></ol><h2>{second}</h2><{tag}>{PARAGRAPHS[3]}</{tag}>")


SEMANTIC = f"""<!DOCTYPE html><html lang="en"><head><title>Troops pull back | The Daily</title>
<script>window.dataLayer = [];</script></head><body>
<header><a href="/">The Daily</a><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/login">Sign in</a></li><li><a href="/subscribe">Subscribe</a></li></ul></nav></header>
<div class="cookie-banner"><p>We use cookies to improve your experience. Accept all cookies?</p></div>
<main><article>{_body("What the withdrawal means", "Silence from Moscow")}
<div class="share"><a href="#">Share on Facebook</a> <a href="#">Share on X</a></div></article>
<aside><h3>Related stories</h3><ul><li><a href="/a">Sanctions widen</a></li><li><a href="/b">Talks stall</a></li>
</ul><h3>Most read</h3><ol><li><a href="/c">Storm hits coast</a></li></ol></aside></main>
<footer><p>© 2025 The Daily. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer>
</body></html>"""

# Tables and divs, no semantic elements: the layout of many older news sites.
DIV_SOUP = f"""<html><head><title>World news</title><style>.x{{}}</style></head><body>
<div id="top"><div class="menu"><a href="/">Home</a> | <a href="/world">World</a> | <a href="/login">Sign in</a>
| <a href="/subscribe">Subscribe</a></div></div>
<div id="wrapper"><div class="sidebar left"><div class="widget"><b>Most read</b><br><a href="/c">Storm hits
coast</a><br><a href="/d">Markets fall</a></div><div class="ad">Advertisement</div></div>
<div class="story-body" id="content">{_body("What the withdrawal means", "Silence from Moscow")}</div>
<div class="related"><b>Related stories</b><br><a href="/a">Sanctions widen</a></div></div>
<div id="footer">© 2025 World News Ltd | <a href="/privacy">Privacy policy</a></div></body></html>"""

# An article with a comment thread under it, and a newsletter box inside the text.
WITH_COMMENTS = f"""<!doctype html><html><body>
<div class="site-header"><ul class="nav"><li>Home</li><li>World</li><li>Sign in</li></ul></div>
<div class="post"><div class="entry-content">{_body("What the withdrawal means", "Silence from Moscow")}
<div class="newsletter-signup">Subscribe to our newsletter for daily updates.</div></div>
<div id="comments" class="comments-area"><h3>Comments</h3><ol class="comment-list">
<li class="comment"><p>Great article, thanks for the reporting!</p></li>
<li class="comment"><p>I think the troops will be back soon, mark my words.</p></li></ol></div></div>
<div class="site-footer">© 2025 Blog News. Privacy policy.</div></body></html>"""

PAGES = {"semantic": SEMANTIC, "div-soup": DIV_SOUP, "with-comments": WITH_COMMENTS}


def _headings(article) -> list[str]:
    return [article.text[m.heading_start : m.heading_end] for m in article.markers if m.kind == "heading"]


@pytest.mark.parametrize("name", PAGES)
def test_the_article_is_kept_and_the_page_around_it_dropped(name):
    article = normalize(PAGES[name], "auto")
    assert article.content_type == "html"
    for paragraph in PARAGRAPHS:
        assert paragraph in article.text, name
    for chrome in BOILERPLATE:
        assert chrome not in article.text, (name, chrome)
    assert "Great article" not in article.text and "newsletter" not in article.text


@pytest.mark.parametrize("name", PAGES)
def test_headings_and_numbered_items_still_make_sections(name):
    article = normalize(PAGES[name], "html")
    assert _headings(article) == ["North Korean troops pull back from Kursk", "What the withdrawal means",
                                  "Silence from Moscow"]
    items = [article.text[m.heading_start : m.heading_end] for m in article.markers if m.kind == "item"]
    assert items == ["Retraining:"]


def test_an_analysed_page_has_offsets_into_the_extracted_text(pipeline):
    result = pipeline.analyze(SEMANTIC, targets=["North Korea"])
    assert result.content_type == "html" and result.text.startswith("North Korean troops pull back from Kursk")
    assert [s.heading.text for s in result.sections if s.heading] == [
        "North Korean troops pull back from Kursk", "What the withdrawal means", "Silence from Moscow"]
    assert_offsets_valid(result)
    assert_sections_tile(result)
    assert not any(t.target in {"Home", "World", "The Daily"} for t in result.stances)
    assert any("may have pulled back" in claim.sentence.text for claim in result.hedged_claims)


def test_a_fragment_or_a_short_page_is_read_whole():
    # Nothing to drop: every heading and paragraph stays, as before extraction existed.
    fragment = "<h2>Head</h2><p>Russia may act.</p><p>Officials said so.</p>"
    assert normalize(fragment, "html").text == "Head\nRussia may act.\nOfficials said so."
    short = "<html><body><h1>Troops</h1><p>About 300 soldiers may have left.</p><h2>Outlook</h2><p>Talks.</p></body></html>"
    assert _headings(normalize(short, "html")) == ["Troops", "Outlook"]


@pytest.mark.parametrize("bomb, kept", [
    ("<p>Reports suggest rain.</p>" * 7_000, "Reports suggest rain."),  # 190,000 characters of siblings
    ("<div>" * 250 + "<p>Reports suggest it may rain.</p>" + "</div>" * 250, "Reports suggest"),  # just under the depth limit
    ("<ul>" + "<li><a href='/x'>Home</a></li>" * 6_000 + "</ul><p>Reports suggest it may rain today.</p>", "Reports suggest"),
    ("<table>" + "<tr><td>a</td><td>b</td></tr>" * 5_000 + "</table>", "a"),
])
def test_html_bombs_are_read_quickly(bomb, kept):
    started = time.perf_counter()
    article = normalize(bomb, "html")
    assert kept in article.text
    assert time.perf_counter() - started < 30  # about 2 s for the largest on 2 busy cores
