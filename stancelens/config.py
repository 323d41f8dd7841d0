"""Settings, read from `STANCELENS_*` environment variables.

Every model a component uses is named here, as a local path or a hub model id, so a user
with other weights can point any stage at them without touching code.
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The number format of matrix products: stancelens/precision.py says when each is used.
Precision = Literal["auto", "bf16", "fp32"]


def _default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "stancelens"


class Settings(BaseSettings):
    # `none` unsets an optional setting from the environment (say STANCELENS_JOB_RETENTION_HOURS=none).
    model_config = SettingsConfigDict(env_prefix="STANCELENS_", env_parse_none_str="none")

    profile: str = Field(
        "fast",
        description="Which components and models analyse: a shipped profile's name ('fast', the default, on MiniLM-L6; "
        "'accurate', on all-mpnet-base-v2) or the path of a profile file (profiles/*.toml). The model settings below "
        "override single slots of it.",
    )
    cache_dir: Path = Field(
        default_factory=_default_cache_dir,
        description="Folder for files made on first use, such as an encoder unpacked from the pip packages that ship it.",
    )
    # Each model setting below, when set, replaces its slot of the profile (reported in model.overrides).
    encoder: str | None = Field(
        None, description="Sentence encoder: local path, hub id or package:<name> (default: the profile's).")
    spacy_model: str | None = Field(None, description="spaCy package name or path (default: the profile's).")
    summarizer: str | None = Field(
        None,
        description="'extractive', or a local path / hub id of any AutoModelForSeq2SeqLM for abstractive summaries "
        "(default: the profile's).",
    )
    entity_model: str | None = Field(
        None, description="Entity stage: a trained entity head's folder or hub id, or 'spacy' for spaCy's NER "
        "(default: the profile's; models/entities in the fast profile).",
    )
    hedge_model: str | None = Field(
        None, description="Hedge stage: a trained hedge model's folder or hub id, or 'rules' for the rule detector "
        "alone (default: the profile's; models/hedge in the fast profile).",
    )
    stance_model: str | None = Field(
        None, description="Target stance: a trained stance model's folder or hub id, or 'vader' for the VADER lexicon "
        "over the mention's clause (default: the profile's; models/stance in the fast profile).",
    )
    article_stance_model: str | None = Field(
        None, description="Target stance over a whole article: a fitted aggregation's folder or hub id, or 'mean' for "
        "the mean of the sentence distributions (default: the profile's; models/article_stance, fitted on PerSenT). "
        "Used with a trained stance model.",
    )
    claim_model: str | None = Field(
        None, description="Claim stance: a trained claim-stance model's folder or hub id, or 'rules' for embedding "
        "relevance plus refuting and hedge words (default: the profile's; models/claims in the fast profile).",
    )
    max_chars: int = Field(200_000, ge=1, description="Longest text accepted, in characters.")
    max_targets: int = Field(50, ge=0, description="Most targets one request may give.")
    max_claims: int = Field(50, ge=0, description="Most claims one request may give.")
    max_item_chars: int = Field(1_000, ge=1, description="Longest target or claim accepted, in characters.")
    encoder_batch_size: int = Field(64, ge=1, description="Most sentences per encoder batch.")
    encoder_batch_tokens: int = Field(
        512, ge=1,
        description="Most padded tokens per encoder batch (sentences times the longest): similar lengths share a "
        "batch and padding stays small. A huge value gives plain batches of encoder_batch_size.",
    )
    precision: Precision = Field(
        "auto",
        description="Number format of the encoder's and trained heads' matrix products: 'bf16' (about 1.4x faster per "
        "article where the CPU does bfloat16 natively), 'fp32', or 'auto': bf16 where native, fp32 elsewhere.",
    )
    torch_threads: int | None = Field(
        None, ge=1,
        description="Threads for torch in each analysis; default: the cores, shared equally among the analyses the "
        "API runs at once (stancelens/threads.py).",
    )
    workers: int = Field(
        2, ge=1,
        description="Analyses the API runs at once, interactive and job chunks together. Two on two cores overlap one's "
        "single-threaded stages with the other's matrix products: 1.2x the throughput of one, the same latency alone.",
    )
    microbatch_size: int = Field(
        1, ge=1,
        description="Most concurrent POST /v1/analyze requests analysed together in one micro-batch (one encoder "
        "pass); 1 turns micro-batching off.",
    )
    microbatch_wait_ms: float = Field(
        5.0, ge=0, le=1000,
        description="Longest a request waits for others to join its micro-batch, in ms; a full batch starts at once.",
    )
    max_queue: int = Field(
        32, ge=0,
        description="Most interactive requests that may wait for a worker; past it the API answers 429 with Retry-After.",
    )
    request_timeout_s: float = Field(
        60.0, gt=0,
        description="Time limit for one interactive request, queueing included; past it the API answers 503 with "
        "Retry-After. Checked between pipeline stages, so a stage already running finishes first.",
    )
    max_body_bytes: int = Field(
        32 * 2**20, ge=1, description="Largest request body accepted, in bytes, except job uploads; larger is 413."
    )
    max_upload_bytes: int = Field(
        256 * 2**20, ge=1, description="Largest POST /v1/jobs body (a whole collection), in bytes; larger is 413."
    )
    max_batch: int = Field(64, ge=1, description="Most documents one POST /v1/analyze/batch may send.")
    max_job_items: int = Field(100_000, ge=1, description="Most documents one job (POST /v1/jobs) may hold.")
    job_chunk: int = Field(
        8, ge=1, description="Documents a job analyses per turn on the worker pool; interactive requests wait at most one turn."
    )
    allow_fetch: bool = Field(
        False,
        description="Let the web page's 'Fetch URL' (POST /v1/fetch) download articles server-side. Off by default; "
        "when on, only http(s) URLs whose host resolves to public (global) addresses are fetched, redirects included.",
    )
    fetch_max_bytes: int = Field(2_000_000, ge=1, description="Largest body POST /v1/fetch downloads, in bytes.")
    fetch_timeout_s: float = Field(10.0, gt=0, description="Time limit for one POST /v1/fetch, redirects included, in seconds.")
    fetch_max_redirects: int = Field(5, ge=0, description="Most redirects POST /v1/fetch follows; each hop is checked again.")
    job_retention_hours: float | None = Field(
        168.0, gt=0,
        description="Hours a finished job (done, cancelled or failed) and its results are kept before they are deleted, "
        "so the jobs database does not grow without bound; `none` keeps them forever.",
    )
    jobs_db: Path = Field(
        default_factory=lambda: Path(tempfile.gettempdir()) / "stancelens-jobs.sqlite3",
        description="SQLite file holding jobs and their results; point it at a volume so jobs survive the container.",
    )
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="API key entries, comma-separated, each NAME:sha256:HEX or sha256:HEX (`stancelens keys new` "
        "makes one); only hashes, never keys. With none here or in STANCELENS_API_KEYS_FILE the API is open.",
    )
    api_keys_file: Path | None = Field(
        None, description="File of API key entries, one per line, `#` starts a comment; added to STANCELENS_API_KEYS."
    )
    rate_limit_per_min: int | None = Field(
        None, ge=1,
        description="Requests per minute each API key (each client address when keys are off) may make; past it "
        "429 with Retry-After. Off by default. Health checks, the page and the API docs are not counted.",
    )
    rate_limit_burst: int | None = Field(
        None, ge=1,
        description="Requests a client may make at once before the per-minute rate paces it; default: "
        "STANCELENS_RATE_LIMIT_PER_MIN.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins (scheme://host[:port]), comma-separated, whose web pages may call the API from a "
        "browser. Empty (the default): CORS is off and browsers allow only this server's own page.",
    )

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


# Evaluation and benchmark data: the `shared/data` folder beside a checkout, unless the env says otherwise.
DATA_DIR_ENV = "STANCELENS_DATA_DIR"
SHARED_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"


def default_data_dir() -> Path:
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env) if env else SHARED_DATA_DIR
