"""Which language an article is written in, and whether the models can read it.

Every model here (spaCy's parser and NER, MiniLM, the hedge and stance heads) was trained on English
only: on other text they still answer, with dates and common nouns as targets and no hedges, which
looks like a result and is not one. So the read step detects the language and refuses other text,
unless the caller forces the analysis, and then the result says so.

Detection is lingua (`lingua-language-detector`), whose n-gram models ship inside the wheel: nothing is
downloaded. It runs in low-accuracy mode (trigrams only: 80 MB and about 2 ms a sentence, where the
high-accuracy mode takes 900 MB and six times as long); a long article is judged on slices spread over
it, so its cost stays bounded. That mode is sure of the wrong language for about 2% of short English
texts (a sentence with Latin names, a headline without function words: measured on 7,950 English texts
of the eval sets), so a text is refused only when three things hold: the detector gives another language
a confidence of at least `REFUSE_CONFIDENCE`, the text has at least `MIN_LETTERS` letters, and under
`MAX_ENGLISH_SHARE` of its words are English function words, which make up a third of English prose and
almost none of other languages'. Then 26 of those 7,950 texts are refused, headlines and sentences
thick with names or technical terms (three of them really French), and no article. English with a German
quote or foreign names is analysed as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import re

from .errors import InputError

SUPPORTED = {"en": "English"}
# Fewer letters than this cannot be judged reliably: random or symbol-heavy strings of up to a few
# dozen letters get confident guesses for some language (3,000 generated strings: none refused from 20).
MIN_LETTERS = 50
REFUSE_CONFIDENCE = 0.9
# Words that are English and rarely words of other languages ("a", "in", "die" are left out).
ENGLISH_FUNCTION_WORDS = frozenset(
    "the of and to is was that for with by it from are this which were has have had not or but its their "
    "they she her would said there been who also more than at could should".split()
)
MAX_ENGLISH_SHARE = 0.1
_WORD = re.compile(r"[^\W\d_]+")
# Texts longer than this are judged on SLICES evenly spaced slices of SLICE_CHARS characters.
SAMPLE_CHARS = 20_000
SLICES = 10
SLICE_CHARS = SAMPLE_CHARS // SLICES

@dataclass(frozen=True)
class Detection:
    code: str | None  # ISO 639-1; None when the text has nothing the detector knows
    name: str | None
    confidence: float
    letters: int  # in the text judged
    english_share: float  # of its words, the share that are English function words

    @property
    def unsupported(self) -> bool:
        """Sure enough to refuse: another language, with confidence, on enough letters, with hardly any English."""
        return (self.code is not None and self.code not in SUPPORTED and self.confidence >= REFUSE_CONFIDENCE
                and self.letters >= MIN_LETTERS and self.english_share < MAX_ENGLISH_SHARE)


class UnsupportedLanguageError(InputError):
    """The text is in a language the models were not trained on (422)."""


@cache
def _detector():
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


def _sample(text: str) -> str:
    if len(text) <= SAMPLE_CHARS:
        return text
    step = len(text) // SLICES
    return "\n".join(text[i * step : i * step + SLICE_CHARS] for i in range(SLICES))


def detect(text: str) -> Detection:
    sample = _sample(text)
    values = _detector().compute_language_confidence_values(sample)
    letters = sum(c.isalpha() for c in sample)
    words = _WORD.findall(sample.lower())
    english = sum(word in ENGLISH_FUNCTION_WORDS for word in words) / max(1, len(words))
    if not values or values[0].value <= 0.0:
        return Detection(None, None, 0.0, letters, english)
    top = values[0]
    return Detection(top.language.iso_code_639_1.name.lower(), top.language.name.title(), round(top.value, 4),
                     letters, english)


def check_language(detection: Detection, refuse: bool) -> list[str]:
    """The warnings for the result of text the models cannot read; with `refuse`, `UnsupportedLanguageError`
    instead."""
    if not detection.unsupported:
        return []
    found = f"{detection.name} ({detection.code}, confidence {detection.confidence:.2f})"
    if refuse:
        raise UnsupportedLanguageError(
            f"the text is in {found}, and the models read English only: send English text, or set "
            "options.force_language to analyse it anyway (the results will not be reliable)"
        )
    return [f"the text is in {found}, not English, which the models were not trained on: the results are not "
            "reliable"]
