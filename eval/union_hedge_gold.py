"""Build the union hedge gold: CoNLL-2010 Wikipedia sentences that the Szeged corpus also labels.

    .venv/bin/python eval/union_hedge_gold.py [--data ../shared/data] [--out artifacts/union_hedge]

Writes `train.jsonl` and `dev.jsonl` (CoNLL's splits; `stancelens.hedges.union` says how sentences
are matched) and `counts.json`. A record is uncertain when either scheme says so; it keeps both
labels, Szeged's cue spans and `domain`, so `stancelens eval hedge --data OUT --split dev` scores
the API's one score on it. The text is from the shared data (research-use licences): the output
goes to an ignored folder, never into the repository.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from stancelens.config import default_data_dir
from stancelens.heads import read_jsonl
from stancelens.hedges.union import CONLL, SPLITS, SZEGED, union


def build(data: Path, out: Path) -> list[dict]:
    szeged = [r for split in SPLITS for r in read_jsonl(data / SZEGED / f"{split}.jsonl")]
    out.mkdir(parents=True, exist_ok=True)
    counts = []
    for split in SPLITS:
        records, count = union(read_jsonl(data / CONLL / f"{split}.jsonl"), szeged, split)
        with (out / f"{split}.jsonl").open("w", encoding="utf-8") as f:
            f.writelines(r.model_dump_json() + "\n" for r in records)
        counts.append(count.model_dump())
    (out / "counts.json").write_text(json.dumps(counts, indent=2) + "\n", encoding="utf-8")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default: $STANCELENS_DATA_DIR)")
    parser.add_argument("--out", type=Path, default=Path("artifacts/union_hedge"))
    args = parser.parse_args(argv)
    for count in build(args.data or default_data_dir(), args.out):
        print(json.dumps(count))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
