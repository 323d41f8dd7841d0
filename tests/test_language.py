"""Text the models cannot read: detected in the read step, refused with 422 naming the language, unless
forced; the same rule and message for the library, the API, batches, jobs and the CLI."""

from __future__ import annotations

import json

import pytest

from stancelens.cli import main
from stancelens.errors import InputError
from stancelens.language import MIN_LETTERS, detect
from stancelens.schema import AnalysisResult, AnalyzeOptions

from .test_api import client  # noqa: F401  (a fixture: the app with the real models, ready)
from .test_jobs import jsonl, outcomes, wait_finished

# The example: a German news item the models answered with dates and nouns as targets.
GERMAN = ("Die Bundesregierung hat am Mittwoch neue Sanktionen gegen Russland angekündigt. Nach Angaben aus "
          "Regierungskreisen könnten die Maßnahmen bereits nächste Woche in Kraft treten. Experten warnen "
          "jedoch vor wirtschaftlichen Folgen.")
FRENCH = ("Le gouvernement a annoncé mercredi de nouvelles sanctions contre la Russie. Selon des sources "
          "gouvernementales, les mesures pourraient entrer en vigueur dès la semaine prochaine.")
# English that quotes another language and names people and places in others: analysed as English.
ENGLISH_WITH_QUOTES = (
    "Germany announced new sanctions against Russia on Wednesday. Chancellor Olaf Scholz told reporters "
    "\"Wir schaffen das, und wir werden die Ukraine weiter unterstützen\" in Berlin. Analysts said the measures "
    "could take effect next week, though some experts warned of economic costs for Nordrhein-Westfalen, "
    "Île-de-France and Москва."
)


@pytest.mark.parametrize("text, code", [(GERMAN, "de"), (FRENCH, "fr")])
def test_other_languages_are_detected_and_refused(text, code):
    found = detect(text)
    assert (found.code, found.unsupported) == (code, True) and found.confidence >= 0.9


@pytest.mark.parametrize("text", [
    ENGLISH_WITH_QUOTES,
    "Die Regierung warnt.",  # too few letters to be sure of anything: analysed as before
    "12,000 — 3.5% (2024) | 17:45 UTC",  # no words at all
])
def test_english_short_or_wordless_text_is_not_refused(text):
    assert not detect(text).unsupported


def test_short_text_has_fewer_letters_than_the_rule_needs():
    assert detect("Die Regierung warnt.").letters < MIN_LETTERS <= detect(GERMAN).letters


def test_the_library_refuses_german_naming_it_and_analyses_it_when_forced(pipeline):
    with pytest.raises(InputError, match=r"German \(de, confidence 1\.00\).*options\.force_language") as refused:
        pipeline.analyze(GERMAN)
    assert refused.value.status_code == 422
    forced = pipeline.analyze(GERMAN, options=AnalyzeOptions(force_language=True))
    assert (forced.language.code, forced.language.name) == ("de", "German")
    assert len(forced.warnings) == 1 and "German" in forced.warnings[0] and "not reliable" in forced.warnings[0]


# English sentences the detector's fast mode is sure are Latin or Slovene (from the CoNLL-2010 dev set):
# their English function words keep them in.
MISJUDGED_ENGLISH = [
    "Carl Ditters von Dittersdorf notes him as one of the most important virtuosos of his time.",
    "The brand drug incorporating 20 % monobenzone is Benoquin, made by ICN.",
]


@pytest.mark.parametrize("text", MISJUDGED_ENGLISH)
def test_english_the_detector_misjudges_is_kept_by_its_function_words(text):
    found = detect(text)
    assert found.code != "en" and found.confidence >= 0.9 and found.letters >= MIN_LETTERS  # the detector errs
    assert not found.unsupported


def test_reading_for_evaluation_reports_the_language_without_refusing(pipeline):
    # `read` alone, as the evaluation and training code calls it on curated data: reported, never refused.
    article = pipeline.read(GERMAN, "text")
    assert article.language.code == "de" and article.warnings
    assert pipeline.annotate(article).language.code == "de"


def test_english_results_report_their_language_and_no_warning(pipeline):
    result = pipeline.analyze(ENGLISH_WITH_QUOTES, targets=["Olaf Scholz"])
    assert result.language.code == "en" and result.language.confidence >= 0.9 and result.warnings == []
    assert result.hedged_claims  # "could take effect", "some experts": the analysis ran as for any English text


def test_html_is_judged_on_the_text_extracted_from_it(pipeline):
    with pytest.raises(InputError, match="German"):
        pipeline.analyze(f"<html><body><h1>Sanktionen</h1><p>{GERMAN}</p></body></html>")


def test_the_api_batch_and_jobs_give_the_same_refusal(client):  # noqa: F811
    single = client.post("/v1/analyze", json={"text": GERMAN})
    assert single.status_code == 422
    message = single.json()["detail"]
    assert "German" in message and "force_language" in message

    batch = client.post("/v1/analyze/batch", json={"documents": [{"text": GERMAN}, {"text": ENGLISH_WITH_QUOTES}]})
    first, second = batch.json()["results"]
    assert (first["ok"], first["error"]["status"], first["error"]["error"]) == (False, 422, message)
    assert second["ok"] and second["result"]["language"]["code"] == "en"

    job = client.post("/v1/jobs", content=jsonl([{"text": GERMAN, "id": "de"}, {"text": GERMAN, "id": "forced",
                                                  "options": {"force_language": True}}]),
                      headers={"content-type": "application/x-ndjson"}).json()
    wait_finished(client, job["id"])
    refused, forced = outcomes(client, job["id"])
    assert (refused.ok, refused.error.id, refused.error.error) == (False, "de", message)
    assert forced.ok and forced.result.warnings


def test_the_api_analyses_german_when_forced(client):  # noqa: F811
    r = client.post("/v1/analyze", json={"text": GERMAN, "options": {"force_language": True}})
    assert r.status_code == 200, r.text
    result = AnalysisResult.model_validate(r.json())
    assert result.language.code == "de" and result.warnings


def test_the_cli_refuses_and_forces_the_same_way(tmp_path, capsys, pipeline):
    path = tmp_path / "nachricht.txt"
    path.write_text(GERMAN, encoding="utf-8")
    assert main(["analyze", str(path)]) == 2
    assert "German" in capsys.readouterr().err
    assert main(["analyze", str(path), "--force-language"]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"]


def test_stancelens_batch_records_german_as_an_error_with_the_same_message(tmp_path, pipeline):
    inp, out = tmp_path / "articles.jsonl", tmp_path / "results.jsonl"
    inp.write_bytes(jsonl([{"text": GERMAN, "id": "de"}, {"text": ENGLISH_WITH_QUOTES, "id": "en"}]))
    assert main(["batch", str(inp), "--out", str(out), "--quiet"]) == 0
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    errors = [json.loads(line) for line in (tmp_path / "results.jsonl.errors.jsonl").read_text().splitlines()]
    assert [r["id"] for r in results] == ["en"]
    with pytest.raises(InputError) as refused:
        pipeline.analyze(GERMAN)
    assert [(e["id"], e["status"], e["error"]) for e in errors] == [("de", 422, str(refused.value))]
