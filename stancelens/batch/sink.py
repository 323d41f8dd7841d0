"""Writing a batch run's output so that a crash at any point loses nothing and duplicates nothing.

While a run is unfinished its output lives in `OUTPUT.parts/`: each chunk of articles becomes one
results part and (when some failed) one errors part, each written to a temp file, fsynced and
renamed into place, so a part is either whole or absent. The ids in the parts are the run's
progress: a rerun reads them back and skips those articles. When every input id is in a part,
the parts are concatenated into OUTPUT and OUTPUT.errors.jsonl (again temp + rename) and the parts
folder is dropped. A folder of parts means "unfinished"; OUTPUT without one means "finished".
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

from pydantic import Field

from ..errors import InputError
from ..schema import ItemError

if TYPE_CHECKING:
    from ..schema import AnalysisResult

OUTPUT_SUFFIXES = (".jsonl", ".parquet")
PARQUET_COLUMNS = ("id", "result")


class ErrorRecord(ItemError):
    """A line of OUTPUT.errors.jsonl: an input record that was not analysed, and why."""

    row: int = Field(description="Where the record is in the input: line number for JSONL, 1-based row otherwise.")


def errors_path(out: Path) -> Path:
    return out.with_name(out.name + ".errors.jsonl")


def parts_path(out: Path) -> Path:
    return out.with_name(out.name + ".parts")


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class OutputWriteError(OSError):
    """Writing the output failed (disk full, quota, I/O error); everything written before is intact."""


def write_atomic(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write `path` whole or not at all: temp file, fsync, rename, fsync of the folder."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # on a full disk, the torn temp file holds the space a rerun needs
        raise
    _fsync_dir(path.parent)


def _jsonl_ids(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line)["id"] for line in lines if line.strip()]


def _write_lines(lines: Iterable[str]) -> Callable[[IO[bytes]], None]:
    return lambda f: f.writelines((line + "\n").encode("utf-8") for line in lines)


class _JsonlResults:
    suffix = ".jsonl"
    ids = staticmethod(_jsonl_ids)

    @staticmethod
    def write(path: Path, results: Sequence[AnalysisResult]) -> None:
        write_atomic(path, _write_lines(r.model_dump_json() for r in results))

    @staticmethod
    def concat(parts: Sequence[Path], out: Path) -> None:
        def copy(f: IO[bytes]) -> None:
            for part in parts:
                with part.open("rb") as src:
                    shutil.copyfileobj(src, f)

        write_atomic(out, copy)


class _ParquetResults:
    """Parquet holds the id and the whole result as a JSON string: the result nests too deep to flatten usefully."""

    suffix = ".parquet"

    @staticmethod
    def _schema():
        import pyarrow as pa

        return pa.schema([(name, pa.string()) for name in PARQUET_COLUMNS])

    @staticmethod
    def ids(path: Path) -> list[str]:
        import pyarrow.parquet as pq

        return pq.read_table(path, columns=["id"]).column("id").to_pylist()

    @classmethod
    def write(cls, path: Path, results: Sequence[AnalysisResult]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({"id": [r.id for r in results], "result": [r.model_dump_json() for r in results]},
                         schema=cls._schema())
        write_atomic(path, lambda f: pq.write_table(table, f))

    @classmethod
    def concat(cls, parts: Sequence[Path], out: Path) -> None:
        import pyarrow.parquet as pq

        def copy(f: IO[bytes]) -> None:
            with pq.ParquetWriter(f, cls._schema()) as writer:
                for part in parts:
                    writer.write_table(pq.read_table(part))

        write_atomic(out, copy)


class ChunkedOutput:
    """The output of one batch command: parts while unfinished, OUTPUT and OUTPUT.errors.jsonl after."""

    def __init__(self, out: Path, manifest: dict[str, object]):
        suffix = out.suffix.lower()
        if suffix not in OUTPUT_SUFFIXES:
            raise InputError(f"{out}: unknown output type {out.suffix!r}; use {' or '.join(OUTPUT_SUFFIXES)}")
        self.out = out
        self.errors = errors_path(out)
        self.parts = parts_path(out)
        self._format = _ParquetResults if suffix == ".parquet" else _JsonlResults
        self._manifest = manifest
        self._trash = out.with_name(out.name + ".parts.trash")
        self._next = 0
        self._written = 0  # records in parts, this run's and earlier runs'

    @property
    def finished(self) -> bool:
        return self.out.exists() and not self.parts.exists()

    def _result_parts(self) -> list[Path]:
        return sorted(self.parts.glob(f"*.results{self._format.suffix}"))

    def _error_parts(self) -> list[Path]:
        return sorted(self.parts.glob("*.errors.jsonl"))

    def open(self) -> set[str]:
        """Get ready to write, and the ids already done (of a finished run, or of the parts so far)."""
        if self._trash.exists():  # a finished run died while dropping its parts
            shutil.rmtree(self._trash)
        if self.finished:
            return set(self._format.ids(self.out)) | set(_jsonl_ids(self.errors) if self.errors.exists() else [])
        manifest = self.parts / "manifest.json"
        if self.parts.exists():
            found = json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else None
            if found != self._manifest:
                raise InputError(
                    f"{self.parts} holds an unfinished run of another command ({found}): rerun that command "
                    "to finish it, or delete the folder to start over"
                )
            for tmp in self.parts.glob("*.tmp"):  # a part a kill cut short; its articles are not done
                tmp.unlink()
        else:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self.parts.mkdir()
            write_atomic(manifest, lambda f: f.write(json.dumps(self._manifest, sort_keys=True).encode()))
        results, errors = self._result_parts(), self._error_parts()
        self._next = max((int(p.name.split(".", 1)[0]) for p in (*results, *errors)), default=-1) + 1
        ids = [id for part in results for id in self._format.ids(part)]
        done = set(ids) | {id for part in errors for id in _jsonl_ids(part)}
        self._written = len(done)
        return done

    def write_chunk(self, results: Sequence[AnalysisResult], errors: Sequence[ErrorRecord]) -> None:
        """Add one chunk; each of its two parts lands whole or not at all, so a kill between them
        only means the other part's articles are analysed again on resume."""
        index, self._next = self._next, self._next + 1
        with self._explained_write_errors():
            if errors:
                write_atomic(self.parts / f"{index:06d}.errors.jsonl", _write_lines(e.model_dump_json() for e in errors))
                self._written += len(errors)
            if results:
                self._format.write(self.parts / f"{index:06d}.results{self._format.suffix}", results)
                self._written += len(results)

    @contextmanager
    def _explained_write_errors(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise OutputWriteError(
                exc.errno,
                f"writing {exc.filename or self.parts} failed: {exc.strerror or exc}. The {self._written:,} records "
                f"written before are intact in {self.parts}; free some space (or fix the cause) and rerun the same "
                "command: it resumes after them",
            ) from exc

    def finish(self) -> None:
        """Concatenate the parts into OUTPUT and OUTPUT.errors.jsonl, then drop them.

        OUTPUT is renamed into place last but one: until the parts folder is gone, a rerun
        sees an unfinished run and simply concatenates again.
        """
        with self._explained_write_errors():
            write_atomic(self.errors, self._concat_errors)
            self._format.concat(self._result_parts(), self.out)
        os.replace(self.parts, self._trash)
        shutil.rmtree(self._trash)

    def _concat_errors(self, f: IO[bytes]) -> None:
        for part in self._error_parts():
            with part.open("rb") as src:
                shutil.copyfileobj(src, f)
