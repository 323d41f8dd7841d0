"""Normalise input: decide how to read it, and reduce HTML to text plus its heading structure.

Plain text and markdown are analysed as sent, so offsets point into the caller's own string.
HTML is parsed with lxml; a page's main content (the article, without navigation, footer,
sidebars and the like) is found by trafilatura (`main_content`); then the tree is walked
iteratively (deeply nested input cannot exhaust the stack), keeping headings and list items.
The extracted text is what offsets point into.
"""

from __future__ import annotations

import re

import lxml.etree
import lxml.html

from .document import Article, HeadingMarker
from .errors import EmptyTextError, InputError
from .html_content import main_content
from .sections import find_markdown_markers

_HTML_SNIFF = re.compile(
    r"<(?:!doctype\s+html|html|body|p|div|h[1-6]|article|section|br|li|span|table)\b[^>]*>", re.I
)
_WS = re.compile(r"\s+")

_SKIP = {"script", "style", "noscript", "template", "head", "title", "svg", "iframe", "object", "canvas"}
_BLOCK = {
    "address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th",
    "tr", "ul",
}
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_BOLD = {"strong", "b"}


def sniff_content_type(text: str) -> str:
    head = text[:4096]
    if head.lstrip().startswith("<") and _HTML_SNIFF.search(head):
        return "html"
    return "markdown"


def normalize(text: str, content_type: str = "auto") -> Article:
    if content_type == "auto":
        content_type = sniff_content_type(text)
    if content_type == "html":
        article = html_to_article(text)
        if not article.text.strip():
            raise EmptyTextError("the HTML holds no visible text: send the article's HTML or its plain text")
        return article
    if content_type in ("text", "markdown"):
        return Article(text=text, content_type=content_type, markers=find_markdown_markers(text))
    raise InputError(f"unknown content_type {content_type!r}: use 'auto', 'text', 'markdown' or 'html'")


class _TextBuilder:
    """Collects visible text with collapsed whitespace, one line per block."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    @property
    def at_line_start(self) -> bool:
        return not self.parts or self.parts[-1].endswith("\n")

    def add(self, raw: str | None) -> None:
        if not raw:
            return
        s = _WS.sub(" ", raw)
        if self.at_line_start or self.parts[-1].endswith(" "):
            s = s.lstrip(" ")
        if s:
            self.parts.append(s)
            self.length += len(s)

    @property
    def content_end(self) -> int:
        """End of the text so far, without a trailing space."""
        if not self.parts:
            return 0
        last = self.parts[-1]
        return self.length - (len(last) - len(last.rstrip(" ")))

    def newline(self) -> None:
        if self.at_line_start:
            return
        self.length = self.content_end
        self.parts[-1] = self.parts[-1].rstrip(" ")
        if self.parts[-1]:
            self.parts.append("\n")
            self.length += 1
        else:
            self.parts.pop()

    def text(self) -> str:
        return "".join(self.parts).rstrip("\n")


def _enclosing_item(el: lxml.etree._Element, items: dict) -> lxml.etree._Element | None:
    """The <ol> item a bold element opens: its parent, or grandparent through a <p> or <span>."""
    parent = el.getparent()
    if parent in items:
        return parent
    if parent is not None and parent.tag in {"p", "span"} and parent.getparent() in items:
        return parent.getparent()
    return None


def html_to_article(html: str) -> Article:
    """The article a page holds: its main content when trafilatura finds one, else the whole page."""
    root = _parse_html(html)
    page = _walk(root)
    main = main_content(root)  # may change `root`, which was read above
    if main is None:
        return page
    article = _walk(main)
    return article if _drops_more_than_headings(page, article) else page


def _parse_html(html: str) -> lxml.html.HtmlElement:
    parser = lxml.html.HTMLParser(huge_tree=False)
    try:
        root = lxml.html.document_fromstring(html, parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise InputError(f"the HTML could not be parsed ({exc}): send well-formed HTML or content_type 'text'") from exc
    if any(e.type_name == "ERR_RESOURCE_LIMIT" or "Excessive depth" in e.message for e in parser.error_log):
        # libxml2 stops parsing at its depth limit (256): everything after would be silently lost.
        raise InputError(
            "the HTML nests elements too deeply to be read in full (libxml2's limit is 256 levels): "
            "send the article's plain text with content_type 'text'"
        )
    return root


# The main content must leave out at least this share of the page's words outside headings to be taken.
_BOILERPLATE_SHARE = 0.05


def _body_words(article: Article) -> int:
    heading_words = sum(len(article.text[start:end].split()) for start, end in article.headings)
    return len(article.text.split()) - heading_words


def _drops_more_than_headings(page: Article, main: Article) -> bool:
    """Whether the extraction removed boilerplate. On a page with none (a fragment, a short page)
    trafilatura falls back to a baseline that keeps every paragraph but flattens the headings into
    them: then the page itself, with its headings, is the better reading."""
    return _body_words(main) < (1 - _BOILERPLATE_SHARE) * _body_words(page)


def _walk(root: lxml.etree._Element) -> Article:
    out = _TextBuilder()
    markers: list[HeadingMarker] = []
    heading_start: dict[lxml.etree._Element, int] = {}
    items: dict[lxml.etree._Element, int] = {}  # <li> in an <ol>, by where its text starts
    item_headings: dict[lxml.etree._Element, int] = {}  # the bold that opens an item, by its start
    skipping = 0

    for event, el in lxml.etree.iterwalk(root, events=("start", "end", "comment", "pi")):
        if event in ("comment", "pi"):  # invisible, but the text after it is not
            if not skipping:
                out.add(el.tail)
            continue
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _SKIP:
                skipping += 1
            if skipping:
                continue
            if tag in _BLOCK:
                out.newline()
            if tag in _HEADINGS:
                heading_start[el] = out.length
            elif tag == "li" and el.getparent() is not None and el.getparent().tag == "ol":
                items[el] = out.length
            elif tag in _BOLD:
                li = _enclosing_item(el, items)
                if li is not None and items[li] == out.length:
                    item_headings[el] = out.length
                    del items[li]  # one heading per item
            out.add(el.text)
        else:
            if tag in _SKIP:
                skipping -= 1
                if not skipping:
                    out.add(el.tail)
                continue
            if skipping:
                continue
            if tag in _HEADINGS:
                start, end = heading_start.pop(el), out.content_end
                if end > start:
                    markers.append(HeadingMarker("heading", _HEADINGS[tag], start, start, end, end + 1))
            elif el in item_headings:
                start, end = item_headings.pop(el), out.content_end
                if end > start:
                    markers.append(HeadingMarker("item", 0, start, start, end, end))
            if tag in _BLOCK:
                out.newline()
            out.add(el.tail)

    text = out.text()
    markers = [
        HeadingMarker(m.kind, m.level, m.line_start, m.heading_start, m.heading_end, min(m.body_start, len(text)))
        for m in markers
        if m.heading_end <= len(text)
    ]
    return Article(text=text, content_type="html", markers=sorted(markers, key=lambda m: m.line_start))
