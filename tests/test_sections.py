"""Sections from markdown / plain-text headings, and paragraph splitting."""

from __future__ import annotations


import pytest

from stancelens.document import SectionNode
from stancelens.sections import build_sections, find_markdown_markers, paragraphs

from .conftest import EXAMPLE_HEADINGS
from .conftest import EXAMPLE_ITEMS as FUTURE_ITEMS


def sectionize(text: str) -> list[SectionNode]:
    return build_sections(text, find_markdown_markers(text))


def heading(text: str, node: SectionNode) -> str | None:
    return None if node.heading is None else text[node.heading[0] : node.heading[1]]


def outline(text: str) -> list[tuple[int, str | None]]:
    return [(s.level, heading(text, s)) for s in sectionize(text)]


def assert_tiles(text: str, sections: list[SectionNode]) -> None:
    assert sections, "there is always at least one section"
    assert sections[0].start == 0
    for a, b in zip(sections, sections[1:]):
        assert a.end == b.start
    assert sections[-1].end == len(text)
    for index, s in enumerate(sections):
        assert s.index == index
        assert s.start < s.end or len(text) == 0
        if s.heading is not None:
            assert s.start <= s.heading[0] < s.heading[1] <= s.end
        for b0, b1 in s.body:
            assert s.start <= b0 <= b1 <= s.end
        if s.subsections:
            subs = s.subsections
            assert [x.index for x in subs] == list(range(len(subs)))
            assert s.body[-1][1] <= subs[0].start
            for a, b in zip(subs, subs[1:]):
                assert a.end == b.start
            assert subs[-1].end == s.end
            for sub in subs:
                assert sub.level == s.level + 1
                assert sub.start <= sub.heading[0] < sub.heading[1] <= sub.end


# --- ATX and setext headings -----------------------------------------------------------------


def test_atx_headings_and_levels():
    text = "# Title One\n\nBody one.\n\n## Sub Two ##\n\nBody two.\n\n###### Six\nx\n"
    assert outline(text) == [(1, "Title One"), (2, "Sub Two"), (6, "Six")]
    assert_tiles(text, sectionize(text))


def test_atx_heading_body_starts_on_the_next_line():
    text = "## Heading\nBody line.\n"
    (marker,) = find_markdown_markers(text)
    assert (marker.line_start, marker.body_start) == (0, len("## Heading\n"))
    assert text[marker.heading_start : marker.heading_end] == "Heading"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("# Learning C#", "Learning C#"),  # a '#' inside the words is no closing sequence
        ("## Closed ##", "Closed"),
        ("#   Spaced   out   #  ", "Spaced   out"),
        ("   # Indented three", "Indented three"),
        ("# **Bold title**", "Bold title"),  # emphasis around a heading is markup, not words
    ],
)
def test_atx_heading_text(line, expected):
    markers = find_markdown_markers(line + "\nbody")
    assert [line[m.heading_start : m.heading_end] for m in markers] == [expected]


@pytest.mark.parametrize("line", ["#hashtag is not a heading", "####### seven hashes", "    # indented code", "# ", "### ###"])
def test_not_atx_headings(line):
    assert find_markdown_markers(line + "\nbody text") == []


def test_setext_headings():
    text = "Main Title\n==========\n\nIntro text.\n\nSecond Part\n-----------\nMore text."
    markers = find_markdown_markers(text)
    assert [(m.level, text[m.heading_start : m.heading_end]) for m in markers] == [(1, "Main Title"), (2, "Second Part")]
    # The underline belongs to the heading, not to the body.
    assert text[markers[0].body_start :].startswith("\nIntro text.")
    assert text[markers[1].body_start :] == "More text."
    assert_tiles(text, sectionize(text))


def test_dashes_under_a_paragraph_line_or_list_item_are_not_setext():
    text = "A paragraph line\nthat continues here\n---\n\n- a list item\n---\nend"
    assert find_markdown_markers(text) == []


# --- bold headings ---------------------------------------------------------------------------


@pytest.mark.parametrize("line", ["**Key Points:**", "**Key Points**:", "__Key Points:__", "**Key Points**", "  **Key Points:**  "])
def test_whole_line_bold_is_a_heading(line):
    text = f"Lead text.\n{line}\nBody under the heading."
    markers = find_markdown_markers(text)
    assert len(markers) == 1
    got = text[markers[0].heading_start : markers[0].heading_end]
    assert got in ("Key Points:", "Key Points")
    assert "*" not in got and "_" not in got
    assert text[markers[0].body_start :] == "Body under the heading."


@pytest.mark.parametrize(
    "line",
    [
        "**This bold line is a whole sentence.**",
        "**Is this a question?**",
        "**Stop!**",
        "Some **bold words** inside a line.",
        "**Bold lead:** followed by text on the same line.",
    ],
)
def test_bold_sentences_and_inline_bold_are_not_headings(line):
    assert find_markdown_markers(f"Lead.\n{line}\nMore.") == []


def test_bold_heading_level_nests_under_the_last_markdown_heading():
    text = "**Top:**\nA.\n## Part\nB.\n**Inside part:**\nC.\n# Chapter\n**Inside chapter:**\nD."
    assert outline(text) == [(1, "Top:"), (2, "Part"), (3, "Inside part:"), (1, "Chapter"), (2, "Inside chapter:")]


# --- numbered bold items ---------------------------------------------------------------------


def test_numbered_bold_items_are_subsections():
    text = (
        "## Outlook\n"
        "Several factors matter.\n"
        "1. **First item:** text one.\n"
        "2. **Second item:** text two.\n"
        "3) __Third__ text three\n"
        "\n"
        "## Next\n"
        "End."
    )
    sections = sectionize(text)
    assert_tiles(text, sections)
    assert [heading(text, s) for s in sections] == ["Outlook", "Next"]
    outlook = sections[0]
    assert [heading(text, s) for s in outlook.subsections] == ["First item:", "Second item:", "Third"]
    assert [s.level for s in outlook.subsections] == [3, 3, 3]
    # The section's own body stops where its first item begins; each item's body follows its heading.
    (own,) = outlook.body
    assert text[own[0] : own[1]] == "Several factors matter.\n"
    first = outlook.subsections[0]
    assert text[first.start : first.end] == "1. **First item:** text one.\n"
    assert text[first.body[0][0] : first.body[0][1]] == "text one.\n"
    assert sections[1].subsections == []


def test_item_without_bold_is_not_a_subsection():
    text = "## List\n1. plain item\n2. another plain item\n"
    (section,) = sectionize(text)
    assert section.subsections == []


def test_items_before_any_heading_belong_to_the_lead():
    text = "Intro line.\n1. **Alpha:** a.\n2. **Beta:** b.\n"
    (lead,) = sectionize(text)
    assert lead.level == 0 and lead.heading is None
    assert [heading(text, s) for s in lead.subsections] == ["Alpha:", "Beta:"]
    assert [s.level for s in lead.subsections] == [1, 1]


# --- tiling and the lead ---------------------------------------------------------------------


def test_untitled_lead_before_the_first_heading():
    text = "A lead paragraph.\n\n# Heading\nBody."
    sections = sectionize(text)
    assert_tiles(text, sections)
    lead = sections[0]
    assert (lead.level, lead.heading, lead.start, lead.end) == (0, None, 0, text.index("# Heading"))
    assert lead.body == [(0, lead.end)]


@pytest.mark.parametrize("text", ["# Heading\nBody.", "\n\n  \n# Heading\nBody.", "**Heading:**\nBody."])
def test_no_empty_lead_when_the_text_starts_with_a_heading(text):
    sections = sectionize(text)
    assert_tiles(text, sections)
    assert len(sections) == 1
    assert sections[0].heading is not None and sections[0].level >= 1
    assert sections[0].start == 0  # leading blank lines are folded into the first section


def test_text_without_headings_is_one_lead_section():
    text = "Just a paragraph.\n\nAnd another one."
    (lead,) = sectionize(text)
    assert (lead.index, lead.level, lead.heading, lead.start, lead.end) == (0, 0, None, 0, len(text))


def test_empty_text_gives_one_empty_lead():
    (lead,) = build_sections("", [])
    assert (lead.start, lead.end, lead.heading) == (0, 0, None)


def test_sections_tile_mixed_markup():
    text = (
        "Lead.\n\n# One\nBody.\n**Bold:**\nMore.\n\nSetext\n------\nx\n"
        "## Two\n1. **Item:** y\n2. **Item two:** z\n\n### Three\nend\n"
    )
    sections = sectionize(text)
    assert_tiles(text, sections)
    assert [(s.level, heading(text, s)) for s in sections] == [
        (0, None), (1, "One"), (2, "Bold:"), (2, "Setext"), (2, "Two"), (3, "Three"),
    ]
    assert len(sections[4].subsections) == 2


# --- the example article ---------------------------------------------------------------------


def test_example_article_sections(example_text):
    sections = sectionize(example_text)
    assert_tiles(example_text, sections)
    assert len(sections) == 7
    assert sections[0].level == 0 and sections[0].heading is None
    assert example_text[sections[0].start : sections[0].end].startswith("The recent news regarding the withdrawal")
    assert [heading(example_text, s) for s in sections[1:]] == EXAMPLE_HEADINGS
    assert all(s.level == 1 for s in sections[1:])
    by_heading = {heading(example_text, s): s for s in sections}
    future = by_heading["Looking to the Future:"]
    assert [heading(example_text, s) for s in future.subsections] == FUTURE_ITEMS
    assert all(not s.subsections for s in sections if s is not future)
    # The section's own body is the one line before the first item.
    (own,) = future.body
    assert example_text[own[0] : own[1]].strip() == (
        "As the situation develops, several key factors will need careful attention."
    )
    assert example_text[future.subsections[-1].body[0][0] :].startswith("The humanitarian fallout")


# --- paragraphs ------------------------------------------------------------------------------


def para_texts(text: str, start: int = 0, end: int | None = None) -> list[str]:
    spans = paragraphs(text, start, len(text) if end is None else end)
    for a, b in spans:
        assert text[a:b] == text[a:b].strip()  # trimmed
    return [text[a:b] for a, b in spans]


def test_blank_lines_separate_paragraphs():
    text = "First paragraph\n\n\nSecond paragraph\n   \nThird paragraph"
    assert para_texts(text) == ["First paragraph", "Second paragraph", "Third paragraph"]


def test_hard_wrapped_lines_stay_together():
    text = (
        "This opening paragraph of the article is long enough that the\n"
        "author wrapped it by hand in the middle of a sentence, which\n"
        "continues on a third line before it finally ends here.\n"
        "\n"
        "A second paragraph follows after the blank line as usual."
    )
    assert para_texts(text) == [
        "This opening paragraph of the article is long enough that the\n"
        "author wrapped it by hand in the middle of a sentence, which\n"
        "continues on a third line before it finally ends here.",
        "A second paragraph follows after the blank line as usual.",
    ]


def test_line_ending_a_sentence_ends_the_paragraph():
    text = (
        "This line ends a sentence that is long enough to count here.\n"
        "The next line starts a new paragraph and is long enough too.\n"
        "He said: \"the quote closes the line as it ends this sentence.\"\n"
        "So this one is yet another paragraph of reasonable length."
    )
    assert len(para_texts(text)) == 4


def test_list_items_and_short_lines_split():
    text = (
        "By Jane Reporter\n"
        "KYIV, Ukraine\n"
        "The opening paragraph is long and has no final punctuation so far\n"
        "- a list item that is long enough to be wrapped text otherwise\n"
        "> a quote line that is also long enough to be wrapped text"
    )
    assert para_texts(text) == [
        "By Jane Reporter",
        "KYIV, Ukraine",
        "The opening paragraph is long and has no final punctuation so far",
        "- a list item that is long enough to be wrapped text otherwise",
        "> a quote line that is also long enough to be wrapped text",
    ]


def test_paragraphs_of_a_region_use_absolute_offsets():
    text = "IGNORED PREFIX\n\n  Indented first paragraph.  \n\nSecond one.\n\nIGNORED SUFFIX"
    start = text.index("  Indented")
    end = text.index("IGNORED SUFFIX")
    spans = paragraphs(text, start, end)
    assert [text[a:b] for a, b in spans] == ["Indented first paragraph.", "Second one."]
    assert all(start <= a < b <= end for a, b in spans)


def test_whitespace_only_region_has_no_paragraphs():
    assert paragraphs("  \n\n \t\n", 0, 7) == []
    assert paragraphs("abc", 1, 1) == []
