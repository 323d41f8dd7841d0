"""Reading evaluation data: JSONL, JSON, CSV, TSV or Parquet files, folders of them, saved datasets, or hub datasets.

Everything goes through Hugging Face `datasets`, so a local file and a hub dataset give the
same `Dataset`. Tasks name the fields they need with aliases (`sentence` or `text`), so the
shared dev files, the official test files in the same format, and the original CSV releases
(FNC-1's `Headline`, `Body ID`, `articleBody`) all work unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import InputError

HUB_PREFIX = "hf:"

_BUILDERS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".tsv": "csv", ".parquet": "parquet"}


def _load_file(path: Path):
    from datasets import load_dataset

    builder = _BUILDERS.get(path.suffix.lower())
    if builder is None:
        raise InputError(f"{path}: unknown file type {path.suffix!r}; use .jsonl, .json, .csv, .tsv or .parquet")
    kwargs = {"delimiter": "\t"} if path.suffix.lower() == ".tsv" else {}
    return load_dataset(builder, data_files=str(path), split="train", **kwargs)


def split_files(folder: Path, split: str) -> list[Path]:
    """The data files in `folder` for `split`: `dev.jsonl`, `dev_mt.jsonl`, `dev_stances.jsonl`..."""
    return sorted(
        p for p in folder.iterdir()
        if p.suffix.lower() in _BUILDERS and (p.stem == split or p.stem.startswith(split + "_"))
    )


def is_saved_dataset(path: Path) -> bool:
    """Whether `path` is a folder written by `Dataset.save_to_disk` or `DatasetDict.save_to_disk`."""
    return (path / "state.json").is_file() or (path / "dataset_dict.json").is_file()


def _load_saved(path: Path, split: str):
    from datasets import DatasetDict, load_from_disk

    data = load_from_disk(str(path))
    if isinstance(data, DatasetDict):
        if split not in data:
            raise InputError(f"{path} has no split {split!r} (has {', '.join(data)}): pass --split")
        return data[split]
    return data


def load_records(spec: str, split: str = "test"):
    """A `datasets.Dataset` from a file, a folder (its files for `split`, or a `save_to_disk` folder)
    or `hf:<hub id or dataset folder>`."""
    from datasets import concatenate_datasets, load_dataset

    if spec.startswith(HUB_PREFIX):
        name = spec[len(HUB_PREFIX):]
        try:
            return load_dataset(name, split=split)
        except Exception as exc:  # datasets raises many types; the user needs to know which dataset failed
            raise InputError(f"could not load dataset {name!r}, split {split!r}: {exc}") from exc
    path = Path(spec)
    if is_saved_dataset(path):
        return _load_saved(path, split)
    if path.is_dir():
        files = split_files(path, split)
        if not files:
            raise InputError(f"{path} has no {split}*.jsonl/.csv/.parquet files: pass a file, or --split")
        return concatenate_datasets([_load_file(f) for f in files])
    if not path.exists():
        raise InputError(f"{path} does not exist (for a hub dataset write hf:<id>)")
    return _load_file(path)


def field(columns: Sequence[str], aliases: Sequence[str], what: str, data: str) -> str | None:
    """The first of `aliases` among `columns`; None when `what` is optional (empty string)."""
    for name in aliases:
        if name in columns:
            return name
    if not what:
        return None
    raise InputError(f"{data}: no {what} field; expected one of {', '.join(aliases)} (has {', '.join(columns)})")


def normalise_label(value: object, mapping: Mapping[str, str], data: str) -> str:
    key = str(value).strip().lower()
    if key not in mapping:
        raise InputError(f"{data}: unknown label {value!r}; expected one of {sorted(set(mapping))}")
    return mapping[key]
