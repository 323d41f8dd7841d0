"""What the batch endpoint and jobs answer with: one outcome per document, and a job's progress."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from pydantic import BaseModel, Field

from stancelens.schema import AnalysisResult, ItemError


class ItemOutcome(BaseModel):
    """The result for one document of a collection, or why it has none."""

    index: int = Field(ge=0, description="Position of the document in the collection sent, from 0.")
    ok: bool = Field(description="True when `result` holds the analysis; false when `error` says why there is none.")
    result: AnalysisResult | None = Field(None, description="The analysis, when `ok`.")
    error: ItemError | None = Field(None, description="Why the document was not analysed, when not `ok`.")

    @classmethod
    def of(cls, index: int, value: AnalysisResult | ItemError) -> ItemOutcome:
        if isinstance(value, ItemError):
            return cls(index=index, ok=False, error=value)
        return cls(index=index, ok=True, result=value)


class JobState(str, Enum):
    queued = "queued"
    running = "running"
    done = "done"
    cancelled = "cancelled"
    failed = "failed"


ACTIVE_STATES = (JobState.queued, JobState.running)


class JobStatus(BaseModel):
    id: str = Field(description="The job's id, for /v1/jobs/{id}.")
    state: JobState = Field(
        description="queued, running, done (every document has an outcome), cancelled (stopped by DELETE, "
        "which deletes the job too: only its answer shows this state) "
        "or failed (the server could not analyse a chunk; `error` says why)."
    )
    total: int = Field(description="Documents in the job.")
    done: int = Field(description="Documents with an outcome so far, item errors included.")
    errors: int = Field(description="Documents whose outcome is an item error.")
    rate: float | None = Field(
        None,
        description="Documents per second over the time the server has spent on this job, waits for "
        "interactive requests included and downtime excluded; null before the first chunk.",
    )
    created_at: datetime = Field(description="When the job was submitted (UTC).")
    finished_at: datetime | None = Field(None, description="When it reached done, cancelled or failed (UTC).")
    error: str | None = Field(None, description="Why the job failed, when it did.")
    expires_at: datetime | None = Field(
        None,
        description="When the finished job and its results will be deleted (UTC), after STANCELENS_JOB_RETENTION_HOURS; "
        "null while it runs, or when finished jobs are kept.",
    )
