"""Sections from the article's own headings.

Markdown and plain text are read line by line: ATX (`## Title`) and setext headings,
whole-line bold headings (`**Heading:**`), and numbered bold items (`1. **Item:** text`),
which become sub-sections of the section they sit in. HTML headings arrive as markers from
`normalize`. Sections tile the text: each runs from its heading's line to the next heading,
and an untitled lead section holds whatever comes before the first heading.
"""

from __future__ import annotations

import re

from .document import HeadingMarker, SectionNode

_LINE = re.compile(r"[^\n]*\n?")
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(?P<h>.*?)[ \t]*(?:(?<=[ \t])#+[ \t]*)?$")  # "# C#" keeps its "#"
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_BOLD_LINE = re.compile(r"^ {0,3}(\*\*|__)(?P<h>[^*_\n]*?[^*_\s\n])\1[ \t]*:?[ \t]*$")
_BOLD_ITEM = re.compile(r"^ {0,3}\d{1,3}[.)][ \t]+(\*\*|__)(?P<h>[^*_\n]*?[^*_\s\n])\1[ \t]*:?[ \t]*")
_EMPHASIS = re.compile(r"^(\*\*|__|\*|_)(?P<h>.+)\1$")
_LIST_OR_QUOTE = re.compile(r"^ {0,3}(?:[-*+>]|\d{1,3}[.)])(?:\s|$)")
_TERMINAL = re.compile(r"[.!?]$")
_MAX_HEADING_CHARS = 200


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, without its newline."""
    spans = []
    for m in _LINE.finditer(text):
        if m.start() == len(text):
            break
        end = m.end() - 1 if m.group().endswith("\n") else m.end()
        spans.append((m.start(), end))
    return spans


def _unwrap(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of a heading's words without surrounding emphasis markers."""
    m = _EMPHASIS.match(text[start:end])
    if m:
        return start + m.start("h"), start + m.end("h")
    return start, end


def find_markdown_markers(text: str) -> list[HeadingMarker]:
    lines = _lines(text)
    markers: list[HeadingMarker] = []
    last_markdown_level = 0
    for i, (start, end) in enumerate(lines):
        line = text[start:end]
        if not line.strip() or len(line) > _MAX_HEADING_CHARS + 20 and not _BOLD_ITEM.match(line):
            continue
        next_start = lines[i + 1][0] if i + 1 < len(lines) else len(text)
        if m := _ATX.match(line):
            if not m.group("h"):
                continue
            level = len(m.group(1))
            h0, h1 = _unwrap(text, start + m.start("h"), start + m.end("h"))
            markers.append(HeadingMarker("heading", level, start, h0, h1, next_start))
            last_markdown_level = level
        elif m := _BOLD_LINE.match(line):
            heading = m.group("h")
            if _TERMINAL.search(heading) or len(heading) > _MAX_HEADING_CHARS:
                continue  # a bold sentence is emphasis, not a heading
            level = min(last_markdown_level + 1, 6)
            markers.append(HeadingMarker("heading", level, start, start + m.start("h"), start + m.end("h"), next_start))
        elif m := _BOLD_ITEM.match(line):
            markers.append(HeadingMarker("item", 0, start, start + m.start("h"), start + m.end("h"), start + m.end()))
        elif (
            i + 1 < len(lines)
            and _SETEXT_UNDERLINE.match(text[lines[i + 1][0] : lines[i + 1][1]])
            and (i == 0 or not text[lines[i - 1][0] : lines[i - 1][1]].strip())
            and not _LIST_OR_QUOTE.match(line)
            and len(line.strip()) <= _MAX_HEADING_CHARS
        ):
            level = 1 if text[lines[i + 1][0] : lines[i + 1][1]].strip().startswith("=") else 2
            h0 = start + len(line) - len(line.lstrip())
            h1 = start + len(line.rstrip())
            after = lines[i + 2][0] if i + 2 < len(lines) else len(text)
            markers.append(HeadingMarker("heading", level, start, h0, h1, after))
            last_markdown_level = level
    return markers


def build_sections(text: str, markers: list[HeadingMarker]) -> list[SectionNode]:
    headings = [m for m in markers if m.kind == "heading"]
    items = [m for m in markers if m.kind == "item"]
    n = len(text)

    bounds: list[tuple[HeadingMarker | None, int, int]] = []
    first = headings[0].line_start if headings else n
    if text[:first].strip() or not headings:
        bounds.append((None, 0, first))
    for i, h in enumerate(headings):
        start = 0 if not bounds and i == 0 else h.line_start
        end = headings[i + 1].line_start if i + 1 < len(headings) else n
        bounds.append((h, start, end))

    sections = []
    for index, (h, start, end) in enumerate(bounds):
        body_start = h.body_start if h else start
        node = SectionNode(
            index=index,
            level=h.level if h else 0,
            heading=(h.heading_start, h.heading_end) if h else None,
            start=start,
            end=end,
        )
        own = [m for m in items if body_start <= m.line_start < end]
        node.body = [(body_start, own[0].line_start if own else end)]
        for j, item in enumerate(own):
            item_end = own[j + 1].line_start if j + 1 < len(own) else end
            node.subsections.append(
                SectionNode(
                    index=j,
                    level=node.level + 1,
                    heading=(item.heading_start, item.heading_end),
                    start=item.line_start,
                    end=item_end,
                    body=[(item.body_start, item_end)],
                )
            )
        sections.append(node)
    return sections


_PARA_BREAK_AFTER = re.compile(r"[.!?:;\"'”’)\]]$")
_SHORT_LINE = 40


def paragraphs(text: str, start: int, end: int, *, hard_wraps: bool = True) -> list[tuple[int, int]]:
    """Split a region into paragraphs, trimmed of whitespace.

    A blank line always ends a paragraph. A single newline ends one when the line before
    closes a sentence, the next line starts a list item or quote, or either line is short
    (bylines, datelines); otherwise it is a hard wrap inside a paragraph. Without
    `hard_wraps` (text extracted from HTML, one block per line) every newline ends one.
    """
    out: list[tuple[int, int]] = []
    para_start: int | None = None
    prev: tuple[int, int] | None = None
    for ls, le in _lines(text[start:end]):
        ls, le = ls + start, le + start
        line = text[ls:le]
        stripped = line.strip()
        if not stripped:
            if para_start is not None and prev is not None:
                out.append((para_start, prev[1]))
            para_start, prev = None, None
            continue
        s0 = ls + len(line) - len(line.lstrip())
        s1 = ls + len(line.rstrip())
        if para_start is not None and prev is not None:
            prev_text = text[prev[0] : prev[1]]
            if (
                not hard_wraps
                or _PARA_BREAK_AFTER.search(prev_text)
                or _LIST_OR_QUOTE.match(line)
                or len(prev_text) < _SHORT_LINE
                or len(stripped) < _SHORT_LINE
            ):
                out.append((para_start, prev[1]))
                para_start = None
        if para_start is None:
            para_start = s0
        prev = (s0, s1)
    if para_start is not None and prev is not None:
        out.append((para_start, prev[1]))
    return out
