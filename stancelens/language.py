"""Which language an article is written in, and whether the models can read it.

Every model here (spaCy's parser and NER, MiniLM, the hedge and stance heads) was trained on English
only: on other text they still answer, with dates and common nouns as targets and no hedges, which
looks like a result and is not one. So the read step detects the language and refuses other text,
unless the caller forces the analysis, and then the result says so.

Detection is lingua (`lingua-language-detector`), whose n-gram models ship inside the wheel: nothing is
downloaded. It runs in low-accuracy mode (trigrams only), which is as good on article-length text and
several times cheaper; a long article is judged on slices spread over it, so its cost stays bounded.
A text is refused only when the detector is sure: at least `MIN_LETTERS` letters and a confidence of
at least `REFUSE_CONFIDENCE` for a language other than English. Shorter or mixed text (English with
a German quote, names in other scripts) is analysed as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .errors import InputError

SUPPORTED = {"en": "English"}
# Fewer letters than this cannot be judged reliably: random or symbol-heavy strings of up to a few
# dozen letters get confident guesses for some language (measured on 3,000 generated strings).
MIN_LETTERS = 30
REFUSE_CONFIDENCE = 0.9
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

    @property
    def unsupported(self) -> bool:
        """Sure enough to refuse: another language, with confidence, on enough letters."""
        return (self.code is not None and self.code not in SUPPORTED
                and self.confidence >= REFUSE_CONFIDENCE and self.letters >= MIN_LETTERS)


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
    if not values or values[0].value <= 0.0:
        return Detection(None, None, 0.0, letters)
    top = values[0]
    return Detection(top.language.iso_code_639_1.name.lower(), top.language.name.title(), round(top.value, 4), letters)


def check_language(detection: Detection, force: bool) -> list[str]:
    """The warnings for the result; raises `UnsupportedLanguageError` for text the models cannot read."""
    if not detection.unsupported:
        return []
    found = f"{detection.name} ({detection.code}, confidence {detection.confidence:.2f})"
    if not force:
        raise UnsupportedLanguageError(
            f"the text is in {found}, and the models read English only: send English text, or set "
            "options.force_language to analyse it anyway (the results will not be reliable)"
        )
    return [f"the text is in {found}, not English: analysed because options.force_language is set; "
            "the models read English only, so the results are not reliable"]
