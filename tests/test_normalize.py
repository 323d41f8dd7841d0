"""Input normalisation: content-type sniffing and HTML reduced to text plus heading markers."""

from __future__ import annotations

import pytest

from stancelens.document import Article
from stancelens.errors import EmptyTextError, InputError
from stancelens.normalize import normalize, sniff_content_type
from stancelens.sections import build_sections


def _headings(article: Article, kind: str = "heading") -> list[str]:
    return [article.text[m.heading_start : m.heading_end] for m in article.markers if m.kind == kind]


# --- content-type sniffing -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<!DOCTYPE html><html><body><p>Hello</p></body></html>",
        "<html><body>Hello</body></html>",
        "<p>Just a paragraph.</p>",
        "  \n  <div class='story'>Indented markup</div>",
        "<H2>Upper-case tag</H2>",
        "<article><h1>Title</h1></article>",
    ],
)
def test_sniff_detects_html(text):
    assert sniff_content_type(text) == "html"


@pytest.mark.parametrize(
    "text",
    [
        "# A markdown heading\n\nBody text.",
        "Plain text that mentions a <p> tag in passing.",
        "<notatag> is not HTML either",
        "**Bold heading:**\nBody.",
        "",
    ],
)
def test_sniff_detects_markdown(text):
    assert sniff_content_type(text) == "markdown"


def test_auto_content_type_follows_sniffing():
    assert normalize("<p>Hello there.</p>").content_type == "html"
    assert normalize("Hello there.").content_type == "markdown"


@pytest.mark.parametrize("content_type", ["text", "markdown"])
def test_text_and_markdown_are_kept_verbatim(content_type):
    raw = "  Line one.\n\n\tLine   two <b>not parsed</b>.  \n"
    article = normalize(raw, content_type)
    assert article.text == raw  # offsets must point into the caller's own string
    assert article.content_type == content_type


def test_explicit_text_type_does_not_parse_html():
    raw = "<p>Looks like HTML</p>"
    assert normalize(raw, "text").text == raw


@pytest.mark.parametrize("content_type", ["pdf", "HTML", "", "plain"])
def test_unknown_content_type_raises_input_error(content_type):
    with pytest.raises(InputError, match="content_type"):
        normalize("Some text.", content_type)


# --- HTML to text ----------------------------------------------------------------------------


def test_scripts_styles_and_head_are_dropped():
    html = (
        "<html><head><title>Page title</title><style>p { color: red }</style>"
        "<script>var secret = 'from head';</script></head>"
        "<body><script>document.write('hidden script')</script>"
        "<p>Visible text.</p><noscript>Enable JS</noscript><template><p>tmpl</p></template>"
        "<style>.x{}</style><p>More text.</p></body></html>"
    )
    article = normalize(html, "html")
    assert article.text == "Visible text.\nMore text."
    for hidden in ("Page title", "color", "secret", "hidden script", "Enable JS", "tmpl"):
        assert hidden not in article.text


def test_text_after_a_skipped_element_is_kept():
    article = normalize("<p>Before <script>x = 1</script>after the script.</p>", "html")
    assert article.text == "Before after the script."


def test_text_after_a_comment_is_kept():
    html = "<p>Visible<!-- an editor's note --> text.</p><h2>Head<!-- c --> line</h2><p>End.</p>"
    article = normalize(html, "html")
    assert article.text == "Visible text.\nHead line\nEnd."
    assert "editor" not in article.text
    assert _headings(article) == ["Head line"]


def test_whitespace_is_collapsed():
    html = "<p>  First\n   paragraph \t with   <em>emphasis</em>\n and&nbsp;&nbsp;spaces.  </p>"
    assert normalize(html, "html").text == "First paragraph with emphasis and spaces."


def test_block_tags_become_newlines_and_inline_tags_do_not():
    html = (
        "<div>One</div><div>Two <span>still</span> <b>two</b></div>"
        "<p>Three<br>Four</p><ul><li>Five</li><li>Six</li></ul>"
        "<table><tr><td>Seven</td><td>Eight</td></tr></table>"
    )
    lines = normalize(html, "html").text.split("\n")
    assert lines == ["One", "Two still two", "Three", "Four", "Five", "Six", "Seven", "Eight"]


def test_no_blank_or_padded_lines_from_nested_blocks():
    html = "<div>\n  <div>\n    <p>  Alpha  </p>\n  </div>\n\n  <div><p>Beta</p></div>\n</div>"
    text = normalize(html, "html").text
    assert text == "Alpha\nBeta"


def test_headings_h1_to_h6_have_markers_with_correct_offsets():
    html = "<body>" + "".join(f"<h{i}>  Heading   level <i>{i}</i> </h{i}><p>Body {i}.</p>" for i in range(1, 7)) + "</body>"
    article = normalize(html, "html")
    headings = [m for m in article.markers if m.kind == "heading"]
    assert [m.level for m in headings] == [1, 2, 3, 4, 5, 6]
    for i, m in enumerate(headings, start=1):
        assert article.text[m.heading_start : m.heading_end] == f"Heading level {i}"
        assert m.line_start == m.heading_start
        # The body starts on the next line, with the paragraph under the heading.
        assert article.text[m.heading_end] == "\n"
        assert article.text[m.body_start :].startswith(f"Body {i}.")


def test_heading_markers_are_sorted_and_sections_use_them():
    html = "<p>Lead paragraph.</p><h2>First</h2><p>One.</p><h3>Second</h3><p>Two.</p>"
    article = normalize(html, "html")
    assert [m.line_start for m in article.markers] == sorted(m.line_start for m in article.markers)
    sections = build_sections(article.text, article.markers)
    assert [(s.level, s.heading and article.text[s.heading[0] : s.heading[1]]) for s in sections] == [
        (0, None),
        (2, "First"),
        (3, "Second"),
    ]


def test_empty_heading_gives_no_marker():
    article = normalize("<h2> </h2><p>Only body text.</p>", "html")
    assert article.text == "Only body text."
    assert article.markers == []


def test_heading_at_the_very_end_is_kept_in_bounds():
    article = normalize("<p>Body.</p><h2>Closing heading</h2>", "html")
    (m,) = article.markers
    assert article.text[m.heading_start : m.heading_end] == "Closing heading"
    assert m.body_start <= len(article.text)


def test_ordered_list_bold_lead_becomes_item_marker():
    html = (
        "<h2>Outlook</h2><ol>"
        "<li><strong>Reinforcements:</strong> troops may return.</li>"
        "<li>\n  <b>Tactics:</b> both sides adapt.</li>"
        "</ol>"
    )
    article = normalize(html, "html")
    items = [m for m in article.markers if m.kind == "item"]
    assert [article.text[m.heading_start : m.heading_end] for m in items] == ["Reinforcements:", "Tactics:"]
    for m in items:
        assert m.line_start == m.heading_start
        assert article.text[m.line_start - 1] == "\n"  # the item starts its own line
    assert article.text[items[0].body_start :].lstrip().startswith("troops may return.")
    sections = build_sections(article.text, article.markers)
    assert len(sections) == 1
    subs = sections[0].subsections
    assert [article.text[s.heading[0] : s.heading[1]] for s in subs] == ["Reinforcements:", "Tactics:"]


@pytest.mark.parametrize(
    "html",
    [
        "<ul><li><strong>Unordered:</strong> not an item.</li></ul>",  # not an <ol>
        "<ol><li>Text first, then <strong>bold:</strong> inside.</li></ol>",  # bold does not lead
        "<p><strong>Bold lead:</strong> in a paragraph.</p>",
    ],
)
def test_bold_that_does_not_lead_an_ordered_item_is_not_an_item(html):
    article = normalize(html, "html")
    assert [m for m in article.markers if m.kind == "item"] == []


def test_only_the_first_bold_of_an_item_is_its_heading():
    article = normalize("<ol><li><b>Name:</b> text with <b>more bold</b>.</li></ol>", "html")
    assert _headings(article, "item") == ["Name:"]


# --- errors and hostile input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<html><body></body></html>",
        "<html><body>   \n\t </body></html>",
        "<html><head><title>Only a title</title></head><body><script>var x;</script></body></html>",
        "<div><style>.a{}</style><!-- comment only --></div>",
    ],
)
def test_html_without_visible_text_raises_empty_text_error(html):
    with pytest.raises(EmptyTextError):
        normalize(html, "html")
    assert issubclass(EmptyTextError, InputError)


def test_moderately_deep_nesting_keeps_all_text():
    depth = 200
    html = "<html><body><p>Before.</p>" + "<div>" * depth + "Deep text." + "</div>" * depth + "<p>After.</p></body></html>"
    assert normalize(html, "html").text == "Before.\nDeep text.\nAfter."


@pytest.mark.parametrize("depth", [300, 5_000])
def test_very_deep_nesting_does_not_crash_or_silently_lose_text(depth):
    html = "<html><body><p>Before.</p>" + "<div>" * depth + "Deep text." + "</div>" * depth + "<p>After.</p></body></html>"
    try:
        article = normalize(html, "auto")
    except RecursionError:  # pragma: no cover - the failure this test guards against
        pytest.fail("deeply nested HTML exhausted the stack")
    except InputError as exc:
        # libxml2 stops at its depth limit: the caller must be told, not given a truncated text.
        assert not isinstance(exc, EmptyTextError)
        assert "deep" in str(exc)
    else:
        assert "Deep text." in article.text and "After." in article.text


def test_deep_unclosed_tags_do_not_crash():
    html = "<p>Start." + "<span><b><i>" * 2_000 + "End.</p>"
    try:
        article = normalize(html, "html")
    except RecursionError:  # pragma: no cover
        pytest.fail("deeply nested HTML exhausted the stack")
    except InputError as exc:
        assert not isinstance(exc, EmptyTextError)
    else:
        assert article.text.startswith("Start.") and article.text.endswith("End.")


def test_bold_inside_a_paragraph_of_an_ordered_item_is_its_heading():
    article = normalize("<ol><li><p><strong>First:</strong> one thing.</p></li></ol>", "html")
    assert _headings(article, "item") == ["First:"]


def test_html_blocks_stay_separate_paragraphs():
    from stancelens.sections import paragraphs

    html = (
        "<p>The first paragraph is long enough to look like prose and does not end with a stop</p>"
        "<p>The second paragraph is also long enough to look like ordinary running prose here.</p>"
    )
    article = normalize(html, "html")
    assert len(paragraphs(article.text, 0, len(article.text), hard_wraps=False)) == 2
    assert len(paragraphs(article.text, 0, len(article.text))) == 1  # as markdown it would be a hard wrap
