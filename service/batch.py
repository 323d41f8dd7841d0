"""POST /v1/analyze/batch: several articles in one request, one encoder pass, answered in order."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from service.dependencies import BUSY, NOT_READY, ErrorResponse, ready_pipeline, request_deadline, worker_pool
from stancelens.errors import CollectionTooLargeError, InputError
from stancelens.jobs.pool import WorkerPool
from stancelens.jobs.schema import ItemOutcome
from stancelens.pipeline import Pipeline
from stancelens.schema import AnalyzeRequest

router = APIRouter(tags=["analysis"])


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    documents: list[AnalyzeRequest] = Field(
        min_length=1,
        description="The articles, at least one and at most STANCELENS_MAX_BATCH (default 64). "
        "One that does not match the schema (its limits included: too long, too many targets) makes the whole "
        "request 422; one that matches it but cannot be analysed (a language other than English, HTML without "
        "text) gets an item error, and the others go on.",
    )


class BatchResponse(BaseModel):
    results: list[ItemOutcome] = Field(description="One outcome per document, in the order sent.")


@router.post(
    "/v1/analyze/batch",
    response_model=BatchResponse,
    summary="Analyse several articles in one request; a bad one gets an item error, the others go on.",
    responses={
        413: {"model": ErrorResponse, "description": "A body over STANCELENS_MAX_BODY_BYTES."},
        422: {"model": ErrorResponse,
              "description": "The body is malformed, has no documents or more than STANCELENS_MAX_BATCH, or a "
              "document does not match the schema (text too long, too many targets or claims)."},
        **NOT_READY,
        **BUSY,
    },
)
async def analyze_batch(
    body: BatchRequest,
    request: Request,
    pipeline: Annotated[Pipeline, Depends(ready_pipeline)],
    pool: Annotated[WorkerPool, Depends(worker_pool)],
    deadline: Annotated[float, Depends(request_deadline)],
) -> BatchResponse:
    limit = request.app.state.settings.max_batch
    if len(body.documents) > limit:
        raise CollectionTooLargeError(
            f"{len(body.documents)} documents sent, over the limit of {limit} per batch: "
            "send several batches, submit a job to /v1/jobs, or raise STANCELENS_MAX_BATCH"
        )
    for i, document in enumerate(body.documents):
        # Limits the schema states make the request 422 as any schema violation does; what only the analysis
        # finds (a language the models cannot read, HTML without text) is an item error.
        try:
            pipeline.check_request(document)
        except InputError as exc:
            raise InputError(f"documents.{i}: {exc}") from exc
    results = await pool.run_interactive(lambda: pipeline.analyze_batch(body.documents, deadline), deadline)
    return BatchResponse(results=[ItemOutcome.of(i, r) for i, r in enumerate(results)])
