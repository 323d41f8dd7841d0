"""Jobs, their documents and outcomes in one SQLite file.

Each document is a row of `items`, and its outcome is a column of that row, written once
(`WHERE outcome IS NULL`) in the same transaction as the rest of its chunk. So a document
has at most one outcome by construction, and a crash loses at most the chunk in progress,
which the next server on the same file analyses again. WAL mode lets results stream out
while the runner writes. One server process per file: two would analyse the same chunks.

With a retention, finished jobs are deleted (their items by cascade) once it has passed since
they finished; SQLite reuses the freed pages, so the file stops growing rather than shrinking.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from stancelens.jobs.schema import ACTIVE_STATES, ItemOutcome, JobState, JobStatus
from stancelens.schema import AnalyzeRequest, ItemError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id          TEXT PRIMARY KEY,
    state       TEXT NOT NULL,
    total       INTEGER NOT NULL,
    created_at  REAL NOT NULL,
    finished_at REAL,
    busy_s      REAL NOT NULL DEFAULT 0,  -- time spent on the job's chunks, for `rate`
    error       TEXT
);
CREATE TABLE IF NOT EXISTS items (
    job_id   TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    idx      INTEGER NOT NULL,
    request  TEXT,      -- AnalyzeRequest JSON; NULL when the document was rejected on upload
    outcome  TEXT,      -- ItemOutcome JSON; NULL until analysed
    ok       INTEGER,   -- 1 result, 0 item error, NULL pending
    PRIMARY KEY (job_id, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS jobs_active ON jobs(state, created_at);
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs(finished_at);
"""

_ACTIVE = tuple(s.value for s in ACTIVE_STATES)
_RESULTS_PAGE = 64


class JobStore:
    def __init__(self, path: Path | str, retention_s: float | None = None) -> None:
        self.path = Path(path)
        self.retention_s = retention_s
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # A connection per call: calls come from the event loop, worker threads and streaming
        # threads, and sqlite3 connections must not cross threads.
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable across process crashes
            with conn:  # one transaction, committed on success
                yield conn
        finally:
            conn.close()

    def create(self, items: Sequence[AnalyzeRequest | ItemError]) -> JobStatus:
        """A new job over `items`; those already rejected get their outcome at once."""
        job_id = uuid.uuid4().hex
        pending = sum(isinstance(item, AnalyzeRequest) for item in items)
        now = time.time()
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO jobs (id, state, total, created_at, finished_at) VALUES (?, ?, ?, ?, ?)",
                (job_id, (JobState.queued if pending else JobState.done).value, len(items), now,
                 None if pending else now),
            )
            conn.executemany(
                "INSERT INTO items (job_id, idx, request, outcome, ok) VALUES (?, ?, ?, ?, ?)",
                (_item_row(job_id, i, item) for i, item in enumerate(items)),
            )
        return self._status(job_id)  # type: ignore[return-value]  # just inserted

    def status(self, job_id: str) -> JobStatus | None:
        return self._status(job_id)

    def pending_documents(self) -> int:
        """Documents of queued or running jobs not analysed yet. Cheap enough to ask per metrics
        scrape (about 2 ms per 1,000 pending): a NULL outcome is read from the row header, not its text."""
        with self._connect() as conn:
            return conn.execute(
                "SELECT count(*) FROM items WHERE outcome IS NULL "
                f"AND job_id IN (SELECT id FROM jobs WHERE state IN {_ACTIVE})"
            ).fetchone()[0]

    def delete(self, job_id: str) -> JobStatus | None:
        """Delete a job with its documents and outcomes; its status as it was then (`cancelled` if it was
        still active), or None when there is no such job. A chunk being analysed when the job goes is
        finished, and its outcomes are dropped (`save` finds no rows to write them to)."""
        with self._connect() as conn:
            conn.execute(
                f"UPDATE jobs SET state = ?, finished_at = ? WHERE id = ? AND state IN {_ACTIVE}",
                (JobState.cancelled.value, time.time(), job_id),
            )
            status = self._status(job_id, conn)
            conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
        return None if status is None else status.model_copy(update={"expires_at": None})  # gone already

    def next_chunk(self, size: int) -> tuple[str, list[tuple[int, AnalyzeRequest]]] | None:
        """Up to `size` pending documents of the oldest active job, which is marked running;
        None when no job has work left. Jobs found without pending documents are marked done."""
        with self._connect() as conn:
            while True:
                row = conn.execute(
                    f"SELECT id FROM jobs WHERE state IN {_ACTIVE} ORDER BY created_at, id LIMIT 1"
                ).fetchone()
                if row is None:
                    return None
                job_id = row[0]
                pending = conn.execute(
                    "SELECT idx, request FROM items WHERE job_id = ? AND outcome IS NULL ORDER BY idx LIMIT ?",
                    (job_id, size),
                ).fetchall()
                if pending:
                    conn.execute("UPDATE jobs SET state = ? WHERE id = ?", (JobState.running.value, job_id))
                    return job_id, [(idx, AnalyzeRequest.model_validate_json(req)) for idx, req in pending]
                conn.execute(
                    "UPDATE jobs SET state = ?, finished_at = ? WHERE id = ?",
                    (JobState.done.value, time.time(), job_id),
                )

    def save(self, job_id: str, outcomes: Sequence[ItemOutcome], busy_s: float) -> None:
        """Write a chunk's outcomes in one transaction. Also after a cancel: they are real results."""
        with self._connect() as conn:
            conn.executemany(
                "UPDATE items SET outcome = ?, ok = ? WHERE job_id = ? AND idx = ? AND outcome IS NULL",
                ((o.model_dump_json(), int(o.ok), job_id, o.index) for o in outcomes),
            )
            conn.execute("UPDATE jobs SET busy_s = busy_s + ? WHERE id = ?", (busy_s, job_id))

    def fail(self, job_id: str, error: str) -> None:
        with self._connect() as conn:
            conn.execute(
                f"UPDATE jobs SET state = ?, finished_at = ?, error = ? WHERE id = ? AND state IN {_ACTIVE}",
                (JobState.failed.value, time.time(), error, job_id),
            )

    def delete_expired(self, now: float | None = None) -> int:
        """Delete the finished jobs whose retention has passed, with their documents and outcomes;
        how many jobs went. A no-op without a retention."""
        if self.retention_s is None:
            return 0
        cutoff = (time.time() if now is None else now) - self.retention_s
        with self._connect() as conn:
            return conn.execute(
                f"DELETE FROM jobs WHERE finished_at < ? AND state NOT IN {_ACTIVE}", (cutoff,)
            ).rowcount

    def outcome_lines(self, job_id: str) -> Iterator[str]:
        """The outcomes written so far, as JSON lines in input order, read a page at a time
        so a large job streams without being held in memory."""
        after = -1
        while True:
            with self._connect() as conn:
                rows = conn.execute(
                    "SELECT idx, outcome FROM items WHERE job_id = ? AND idx > ? AND outcome IS NOT NULL "
                    "ORDER BY idx LIMIT ?",
                    (job_id, after, _RESULTS_PAGE),
                ).fetchall()
            for _, outcome in rows:
                yield outcome + "\n"
            if len(rows) < _RESULTS_PAGE:
                return
            after = rows[-1][0]

    def _status(self, job_id: str, conn: sqlite3.Connection | None = None) -> JobStatus | None:
        if conn is None:
            with self._connect() as conn:
                return self._status(job_id, conn)
        job = conn.execute(
            "SELECT id, state, total, created_at, finished_at, busy_s, error FROM jobs WHERE id = ?", (job_id,)
        ).fetchone()
        if job is None:
            return None
        done, errors = conn.execute(
            "SELECT count(outcome), count(*) FILTER (WHERE ok = 0) FROM items WHERE job_id = ?", (job_id,)
        ).fetchone()
        id_, state, total, created_at, finished_at, busy_s, error = job
        return JobStatus(
            id=id_,
            state=JobState(state),
            total=total,
            done=done,
            errors=errors,
            rate=round(done / busy_s, 3) if busy_s else None,
            created_at=_utc(created_at),
            finished_at=_utc(finished_at) if finished_at else None,
            error=error,
            expires_at=_utc(finished_at + self.retention_s) if finished_at and self.retention_s is not None else None,
        )


def _item_row(job_id: str, index: int, item: AnalyzeRequest | ItemError) -> tuple:
    if isinstance(item, ItemError):
        return job_id, index, None, ItemOutcome.of(index, item).model_dump_json(), 0
    return job_id, index, item.model_dump_json(), None, None


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc)
