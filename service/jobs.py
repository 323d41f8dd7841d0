"""/v1/jobs: collections analysed in the background, with progress, streamed results and deletion.

Upload rules: the collection as a whole must be readable (a JSON list, JSON lines, or a text file of
JSON lines), not empty and within STANCELENS_MAX_JOB_ITEMS, else the upload fails (400, 413, 415, 422);
a document in it that is not a valid AnalyzeRequest fails alone, as an item error in its place, and the
rest is analysed. The OpenAPI schema says the same: the collection's items may be any JSON value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.datastructures import UploadFile as StarletteUploadFile

from service.dependencies import NOT_READY, ErrorResponse, ready_pipeline
from stancelens.batch.command import parse_keep_fields
from stancelens.errors import InputError
from stancelens.jobs.collection import read_json_list, read_jsonl
from stancelens.collection_report.model import CollectionReport
from stancelens.jobs.schema import JobState, JobStatus
from stancelens.jobs.store import JobStore

router = APIRouter(tags=["jobs"])

DOCUMENT = ("Each document should be an AnalyzeRequest; one that is not fails alone, as an item error in its "
            "place, and the rest of the collection is analysed.")

JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines")
# A file part's own type: JSON lines, a JSON list, text, or unnamed (curl -F sends application/octet-stream
# for a suffix it does not know, such as .jsonl). Anything else (an image, a PDF) is 415.
UPLOAD_TYPES = (*JSONL_TYPES, "application/json", "text/plain", "application/octet-stream", "")
NOT_FOUND = {404: {"model": ErrorResponse, "description": "No job has this id: it was deleted, or it finished "
                   "longer ago than STANCELENS_JOB_RETENTION_HOURS."}}


class UnsupportedMediaType(InputError):
    status_code = 415


def job_store(request: Request) -> JobStore:
    return request.app.state.jobs


def _found(status: JobStatus | None, job_id: str) -> JobStatus:
    if status is None:
        raise HTTPException(404, detail=f"no job with id {job_id!r}: ids come from POST /v1/jobs; a job is gone once "
                            "deleted, and finished jobs are deleted after STANCELENS_JOB_RETENTION_HOURS")
    return status


async def _uploaded_file(request: Request) -> tuple[bytes, Callable[[bytes, int], list]]:
    """The `file` field of a multipart upload: a file, or a plain form field holding the text. Read as a
    JSON list when the file is named *.json or sent as application/json, else as JSON lines."""
    form = await request.form()
    upload = form.get("file")
    if isinstance(upload, str):
        return upload.encode("utf-8"), read_jsonl
    if not isinstance(upload, StarletteUploadFile):
        raise InputError("a multipart upload needs a `file` field holding the collection (JSON lines)")
    media_type = (upload.content_type or "").split(";")[0].strip().lower()
    if media_type not in UPLOAD_TYPES:
        raise UnsupportedMediaType(f"the uploaded file is {media_type}, not a collection: upload JSON lines "
                                   "(or a JSON list in a file named *.json)")
    body = await upload.read()
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsupportedMediaType("the uploaded file is not text (not UTF-8): upload JSON lines, encoded as "
                                   "UTF-8") from None
    as_list = media_type == "application/json" or (upload.filename or "").lower().endswith(".json")
    return body, read_json_list if as_list else read_jsonl


@router.post(
    "/v1/jobs",
    status_code=202,
    response_model=JobStatus,
    summary="Submit a collection of articles; answers at once with the job to poll.",
    description=(
        "The body is a JSON list of AnalyzeRequest objects (`application/json`), one AnalyzeRequest "
        "per line (`application/x-ndjson` or `application/jsonl`; blank lines are skipped), or a file "
        "uploaded as multipart form data in the field `file` (JSON lines; a JSON list when the file is named "
        "*.json or sent as application/json). The collection must be readable, not empty and within "
        "STANCELENS_MAX_JOB_ITEMS, or the upload fails; a document in it that is not valid JSON or not a "
        "valid AnalyzeRequest fails alone: it becomes an item error in its place (the error names its line), "
        "and the rest of the collection is analysed. Interactive requests take "
        "priority over jobs on the worker pool. The `Location` header points at the job."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "array", "minItems": 1, "items": {"description": DOCUMENT}}
                },
                "application/x-ndjson": {
                    "schema": {"type": "string", "pattern": r"\S",
                               "description": "One AnalyzeRequest JSON object per line. " + DOCUMENT}
                },
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "pattern": r"\S",
                                                "description": "The collection as JSON lines (or a JSON list in "
                                                "a file named *.json), as a file or a form field. " + DOCUMENT}},
                    },
                    "encoding": {"file": {"contentType": "application/x-ndjson"}},
                },
            },
        }
    },
    responses={
        202: {
            "description": "The job, queued; poll it at `Location`.",
            "headers": {"Location": {"description": "The job's URL.", "required": True, "schema": {"type": "string"}}},
        },
        413: {"model": ErrorResponse, "description": "A body over STANCELENS_MAX_UPLOAD_BYTES."},
        415: {"model": ErrorResponse, "description": "The body is neither JSON nor JSON lines, or the uploaded "
              "file is of another type (an image, a PDF) or not UTF-8 text."},
        422: {"model": ErrorResponse, "description": "The body is not JSON (for application/json), not a list, has "
              "no documents or more than STANCELENS_MAX_JOB_ITEMS, or a multipart upload has no `file` field."},
        **NOT_READY,
    },
    dependencies=[Depends(ready_pipeline)],
)
async def submit_job(
    request: Request,
    response: Response,
    store: Annotated[JobStore, Depends(job_store)],
    keep_fields: Annotated[str | None, Query(
        max_length=2000, pattern=r"^[^,]+(,[^,]+)*$",
        description="Comma-separated top-level fields of each document (e.g. `source,date,url,title`) to move "
        "into its `meta`, so they are carried into its result and the job's report can group by them, as "
        "`stancelens batch --keep-fields` does. Without it, a document's extra fields make it an item error.",
    )] = None,
) -> JobStatus:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        body, read = await _uploaded_file(request)
    elif media_type == "application/json":
        body, read = await request.body(), read_json_list
    elif media_type in JSONL_TYPES:
        body, read = await request.body(), read_jsonl
    else:
        raise UnsupportedMediaType(
            f"content-type {media_type or '(none)'!r} is not accepted: send application/json (a list), "
            "application/x-ndjson (one document per line) or a multipart upload with a `file` field"
        )
    keep = parse_keep_fields(keep_fields)
    items = await anyio.to_thread.run_sync(read, body, request.app.state.settings.max_job_items, keep)
    status = await anyio.to_thread.run_sync(store.create, items)
    request.app.state.runner.notify()
    response.headers["Location"] = f"/v1/jobs/{status.id}"
    return status


@router.get("/v1/jobs/{job_id}", response_model=JobStatus, summary="A job's state and progress.", responses=NOT_FOUND)
async def job_status(job_id: str, store: Annotated[JobStore, Depends(job_store)]) -> JobStatus:
    return _found(await anyio.to_thread.run_sync(store.status, job_id), job_id)


@router.get(
    "/v1/jobs/{job_id}/results",
    summary="The outcomes written so far, as JSON lines in input order.",
    description=(
        "One ItemOutcome per line (`index`, `ok`, and `result` or `error`), for every document finished "
        "when the request is made; poll the job and fetch again for the rest, or wait for `done`."
    ),
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"application/x-ndjson": {"schema": {"$ref": "#/components/schemas/ItemOutcome"}}},
            "description": "One ItemOutcome JSON object per line.",
        },
        **NOT_FOUND,
    },
)
async def job_results(job_id: str, store: Annotated[JobStore, Depends(job_store)]) -> StreamingResponse:
    _found(await anyio.to_thread.run_sync(store.status, job_id), job_id)
    # A sync iterator: Starlette reads it on a worker thread, so SQLite never blocks the event loop.
    return StreamingResponse(store.outcome_lines(job_id), media_type="application/x-ndjson")


@router.delete(
    "/v1/jobs/{job_id}",
    response_model=JobStatus,
    summary="Delete a job and its results; a job still queued or running is cancelled first.",
    description=(
        "The job stops (a chunk being analysed finishes, and its outcomes are dropped) and is deleted with its "
        "documents and outcomes: afterwards the job and its results answer 404. Fetch the results first to keep "
        "them. Answers with the job's status as it was when deleted (`cancelled` if it was still active)."
    ),
    responses=NOT_FOUND,
)
async def delete_job(job_id: str, store: Annotated[JobStore, Depends(job_store)]) -> JobStatus:
    return _found(await anyio.to_thread.run_sync(store.delete, job_id), job_id)


REPORT_TYPES = {"text/markdown": "markdown", "text/html": "html"}


def _report_format(accept: str) -> str:
    """The first of text/markdown and text/html the client accepts (in its order, with q > 0), else JSON."""
    for part in accept.split(","):
        media, *params = (p.strip().lower() for p in part.split(";"))
        if any(p.replace(" ", "") in ("q=0", "q=0.0") for p in params):
            continue
        if media in REPORT_TYPES:
            return REPORT_TYPES[media]
        if media in ("application/json", "*/*", "application/*"):
            return "json"
    return "json"


def _job_report(store: JobStore, job_id: str, by: list[str], targets: list[str], claims: list[str], top: int):
    from stancelens.collection_report.aggregate import build_report
    from stancelens.collection_report.records import line_records

    return build_report(line_records(store.outcome_lines(job_id), f"job {job_id} results"), f"job {job_id}",
                        by=by, targets=targets, claims=claims, top=top)


@router.get(
    "/v1/jobs/{job_id}/report",
    response_model=CollectionReport,
    summary="The collection report of a finished job: targets, hedging and claims over all its articles.",
    description=(
        "What the whole collection says: per target (merged across articles by the pipeline's alias rules) "
        "the articles that mention it, the stance distribution with 95% intervals, the mean score and the "
        "strongest evidence, per group and over time for the `by` groupings; hedging per article and group, "
        "cue types, the sources hedged behind and the most hedged claims; per claim, the articles that agree, "
        "disagree or discuss it with their best evidence. The same report as `stancelens report`. Group by "
        "fields the documents carried in `meta` (submit with `keep_fields`). JSON by default; "
        "`Accept: text/markdown` or `text/html` (self-contained, plots inline) for a document."
    ),
    responses={
        200: {"description": "The report.", "content": {
            "text/markdown": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
        }},
        **NOT_FOUND,
        409: {"model": ErrorResponse, "description": "The job is not done yet (queued or running), or failed."},
        422: {"model": ErrorResponse, "description": "A `by` grouping that is not FIELD or FIELD:PERIOD."},
    },
)
async def job_report(
    job_id: str,
    request: Request,
    store: Annotated[JobStore, Depends(job_store)],
    by: Annotated[list[str], Query(
        max_length=8, description="Group by a `meta` field (e.g. `source`), or by a date field and a period: "
        "`date:day`, `date:week`, `date:month`, `date:quarter` or `date:year`. Repeat for more. Default: "
        "`source` and `date:week`, when the documents carried those fields.")] = [],
    targets: Annotated[list[str], Query(
        max_length=50, description="Targets to report first, in your spelling (merged with their aliases). "
        "Repeat for more.")] = [],
    claims: Annotated[list[str], Query(
        max_length=50, description="Claims to report (default: every claim of the job). Repeat for more.")] = [],
    top: Annotated[int, Query(ge=0, le=200, description="Most mentioned targets reported besides `targets`.")] = 20,
) -> Response | CollectionReport:
    status = _found(await anyio.to_thread.run_sync(store.status, job_id), job_id)
    if status.state != JobState.done:
        why = f": {status.error}" if status.error else f" ({status.done} of {status.total} documents done)"
        raise HTTPException(409, detail=f"job {job_id} is {status.state.value}{why}: a report needs a finished "
                            "job; poll GET /v1/jobs/{id} until its state is done")
    report = await anyio.to_thread.run_sync(_job_report, store, job_id, by, targets, claims, top)
    kind = _report_format(request.headers.get("accept", ""))
    if kind == "markdown":
        from stancelens.collection_report.render import to_markdown

        return Response(to_markdown(report), media_type="text/markdown; charset=utf-8")
    if kind == "html":
        from stancelens.collection_report.plots import plots
        from stancelens.collection_report.render import to_html

        page = await anyio.to_thread.run_sync(lambda: to_html(report, plots(report)))
        return Response(page, media_type="text/html; charset=utf-8")
    return report
