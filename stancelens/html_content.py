"""A page's main content: the article, without navigation, header, footer, sidebars, cookie banners,
related links or comments, found by trafilatura (`trafilatura.bare_extraction`).

Trafilatura answers in its own XML (TEI-like: `head rend="h2"`, `list rend="ol"`, `item`, `hi rend="#b"`);
`main_content` turns that back into the HTML elements `normalize` walks, so headings still make sections
and a bold lead in a numbered item still makes a sub-section. Its own HTML output is not used: it turns
every list into `<ul>`, which would lose the numbered items.
"""

from __future__ import annotations

import lxml.etree
import lxml.html
import trafilatura

# trafilatura's elements (its TEI_VALID_TAGS) -> the HTML element normalize reads the same way; `p`,
# `div` and `table` are HTML already. Images and comments are not asked for, so none come back.
_HTML_TAG = {"list": "ul", "item": "li", "lb": "br", "quote": "blockquote", "row": "tr", "cell": "td",
             "code": "pre", "ref": "span", "hi": "span", "del": "span", "graphic": "span", "body": "div", "ab": "p"}
_BOLD = {"#b", "#strong"}


def main_content(root: lxml.html.HtmlElement) -> lxml.etree._Element | None:
    """The page's main content as HTML elements, or None when trafilatura finds none.
    Trafilatura cleans `root` in place while it works: read anything else from it first."""
    document = trafilatura.bare_extraction(
        root,
        with_metadata=False,
        include_comments=False,  # readers' comments are not the article
        include_tables=True,
        include_images=False,
        include_links=False,
        include_formatting=True,  # keeps bold, which marks numbered items' headings
        favor_recall=True,  # a news page rather keeps a borderline paragraph than loses one
        deduplicate=False,
    )
    body = getattr(document, "body", None)
    if body is None or not "".join(body.itertext()).strip():
        return None
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        rend = el.get("rend", "")
        if el.tag == "head":
            el.tag = rend if rend in {f"h{i}" for i in range(1, 7)} else "h2"
        elif el.tag == "list" and rend == "ol":
            el.tag = "ol"
        elif el.tag == "hi" and rend in _BOLD:
            el.tag = "strong"
        else:
            el.tag = _HTML_TAG.get(el.tag, el.tag)
    return body

