"""Synthetic batch results, valid `AnalysisResult`s with sources and dates, for the report's benchmark and
tests: the report must scale with the records' count, and these cost nothing to make in any number."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

SOURCES = ("Reuters", "AP", "BBC", "TASS", "Kyiv Independent", "Al Jazeera")
TARGETS = (("Russia", ["Russia", "Moscow"]), ("Ukraine", ["Ukraine", "Kyiv"]),
           ("Vladimir Putin", ["Vladimir Putin", "Putin"]),
           ("Putin", ["Putin"]), ("NATO", ["NATO"]), ("European Union", ["European Union"]),
           ("Volodymyr Zelensky", ["Volodymyr Zelensky", "Zelensky"]), ("North Korea", ["North Korea", "Pyongyang"]))
SOURCES_HEDGED = ("officials", "experts", "US officials", "analysts", "the ministry")
CUES = (("may", "modal"), ("reportedly", "evidential"), ("around", "approximator"), ("likely", "probability"),
        ("said", "attribution"))
CLAIMS = ("North Korean troops withdrew", "Sanctions hurt the economy")
START = date(2025, 1, 6)


def _span(text: str, part: str, **extra: object) -> dict:
    start = text.index(part)
    return {"text": part, "start": start, "end": start + len(part), **extra}


def result(i: int, rng: random.Random) -> dict:
    """One article's result: a few sentences, targets with evidence, hedged claims and claim stances."""
    picked = rng.sample(TARGETS, 3)
    sentences = [f"Sentence {k} of article {i} is about {name}." for k, (name, _) in enumerate(picked)]
    sentences += [f"{src.capitalize()} said the talks may {verb}."
                  for src, verb in zip(rng.sample(SOURCES_HEDGED, 2), ("resume", "stall"))]
    text = " ".join(sentences)
    stances = []
    for k, (name, aliases) in enumerate(picked):
        label = rng.choice(("favor", "against", "neutral"))
        sentence = sentences[k]
        stances.append({"target": name, "aliases": aliases, "origin": "auto", "label": label,
                        "score": round(rng.uniform(0.34, 1.0), 4),
                        "mentions": [_span(text, name)],
                        "evidence": [_span(text, sentence, label=label, score=round(rng.uniform(0, 1), 4))]})
    hedged = []
    for sentence in sentences[3:]:
        _, kind = rng.choice(CUES[:4])  # how the sentence hedges: modal alone, or modal and attribution
        source = sentence.split(" said")[0]
        hedged.append({"sentence": _span(text, sentence), "section": 0, "score": round(rng.uniform(0.45, 1), 4),
                       "cues": [_span(text, "may", type="modal")] + ([_span(text, "said", type="attribution")]
                                                                     if kind == "modal" else []),
                       "source": _span(text, source), "probabilities": {}})
    claims = [{"claim": claim, "label": rng.choice(("agree", "disagree", "discuss", "unrelated")),
               "score": round(rng.uniform(0.25, 1), 4), "evidence": [_span(text, sentences[0], relevance=0.5)]}
              for claim in CLAIMS]
    day = START + timedelta(days=rng.randrange(56))
    return {
        "id": f"a{i:06d}", "text": text, "content_type": "text",
        "model": {"version": "0.1.0+synthetic", "components": {}, "hedge_threshold": 0.45, "precision": "fp32"},
        "language": {"code": "en", "name": "English", "confidence": 1.0}, "warnings": [],
        "summary": {"text": sentences[0], "sentences": [_span(text, sentences[0])], "method": "extractive"},
        "sections": [], "hedged_claims": hedged, "stances": stances, "claims": claims,
        "sentence_count": len(sentences), "timings_ms": {"total": 1.0},
        "meta": {"source": rng.choice(SOURCES), "date": day.isoformat() if rng.random() > 0.01 else "not a date"},
    }


def records(n: int, seed: int = 0) -> Iterator[dict]:
    rng = random.Random(seed)
    for i in range(n):
        yield result(i, rng)


def write_jsonl(path: Path, n: int, seed: int = 0) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for record in records(n, seed):
            f.write(json.dumps(record) + "\n")
    return path
