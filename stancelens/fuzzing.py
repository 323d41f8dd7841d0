"""Fuzzing the HTTP API with schemathesis: what the test suite's short run (`tests/test_fuzz_api.py`)
and the longer one (`eval/fuzz_api.py`) share. Needs the `test` extra, and a checkout: the
configuration is a file at the repository root, not part of the package.

Which checks run, and on what data, is in `schemathesis.toml` at the repository root (a bare `st run`
started there reads it too); `load_config` adds a run's size and seed. Importing this module also
teaches schemathesis to send JSON-lines bodies, and registers two checks for promises the OpenAPI
schema cannot state, so schemathesis has no built-in for them:

- `ndjson_schema_conformance`: every line of a JSON-lines body (`GET /v1/jobs/{id}/results`) matches
  the schema documented for one line. Schemathesis validates whole JSON bodies and event streams only,
  and skips JSON lines without a word.
- `error_detail_is_one_line`: every error (status 400 and up, undocumented ones included) answers
  `{"detail": "<one line>"}`, as `service/errors.py` promises.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import jsonschema_rs
import schemathesis
from schemathesis.core import NOT_SET, NotSet

CONFIG_PATH = Path(__file__).resolve().parents[1] / "schemathesis.toml"
# The server's limits in a fuzzing run (Settings fields). Its schema states them, so the fuzzer keeps to
# them: requests at the boundaries (the longest text, the most targets) stay cheap to analyse.
LIMITS = {"max_chars": 2_000, "max_targets": 3, "max_claims": 3, "max_item_chars": 100, "max_batch": 4,
          "max_job_items": 8}
NDJSON_TYPES = frozenset({"application/x-ndjson", "application/jsonl", "application/json-lines"})

# The JSON-lines body of POST /v1/jobs is documented as a string; without this, schemathesis would
# skip every request in that media type as one it cannot encode.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")


@schemathesis.hook
def filter_case(ctx: schemathesis.HookContext, case: schemathesis.Case) -> bool:
    """JSON lines are text on the wire, as text/plain is: a "schema-violating" value of another type (an
    object, a number) is sent as its text, which is valid. Schemathesis knows this of text/plain bodies and
    form fields and does not count such cases as schema-violating; of JSON lines (a body, or a multipart
    part encoded as JSON lines) it must be told, here, by not generating them."""
    return all(isinstance(value, (str, NotSet)) for value in _json_lines_values(case))


def _json_lines_values(case: schemathesis.Case) -> list[Any]:
    if case.media_type in NDJSON_TYPES:
        return [case.body]
    if case.media_type != "multipart/form-data" or not isinstance(case.body, dict):
        return []
    content = case.operation.definition.raw.get("requestBody", {}).get("content", {}).get(case.media_type, {})
    return [case.body.get(name, NOT_SET) for name, encoding in content.get("encoding", {}).items()
            if encoding.get("contentType") in NDJSON_TYPES]


def load_config(max_examples: int, seed: int | None = None, continue_on_failure: bool = False) -> schemathesis.Config:
    """`schemathesis.toml` with this run's size. Without a seed the run is derandomised: the same
    requests every time, as a test suite needs; with one, another seed explores other requests."""
    data = _checked_in()
    data["generation"] = {**data.get("generation", {}), "max-examples": max_examples, "deterministic": seed is None}
    if seed is not None:
        data["seed"] = seed
    data["continue-on-failure"] = continue_on_failure
    return schemathesis.Config.from_dict(data)


def checks_off() -> list[str]:
    """The checks `schemathesis.toml` turns off, for a report to name (none, today)."""
    checks = _checked_in().get("checks", {})
    return sorted(name for name, value in checks.items() if isinstance(value, dict) and value.get("enabled") is False)


def _checked_in() -> dict[str, Any]:
    return tomllib.loads(CONFIG_PATH.read_text(encoding="utf-8"))


def _media_type(response: schemathesis.Response) -> str:
    values = response.headers.get("content-type") or [""]
    return values[0].split(";", 1)[0].strip().lower()


@schemathesis.check
def ndjson_schema_conformance(ctx: schemathesis.CheckContext, response: schemathesis.Response,
                              case: schemathesis.Case) -> bool | None:
    media_type = _media_type(response)
    if media_type not in NDJSON_TYPES:
        return None
    documented = (
        case.operation.definition.raw.get("responses", {}).get(str(response.status_code), {})
        .get("content", {}).get(media_type, {}).get("schema")
    )
    if documented is None:
        return None
    # The line schema's `$ref`s point into the spec's components: carry them along to resolve there.
    components = case.operation.schema.raw_schema.get("components", {})
    validator = jsonschema_rs.validator_for({**documented, "components": components})
    # JSON lines end at "\n" only: a U+2028 inside a string is part of the line.
    lines = response.content.decode("utf-8").split("\n")
    for number, line in enumerate(lines[:-1] if lines[-1] == "" else lines, 1):
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"line {number} of the {media_type} body is not JSON: {exc}") from None
        problem = next(validator.iter_errors(value), None)
        if problem is not None:
            raise AssertionError(f"line {number} does not match its documented schema: {problem.message} "
                                 f"at /{'/'.join(map(str, problem.instance_path))}")
    return True


@schemathesis.check
def error_detail_is_one_line(ctx: schemathesis.CheckContext, response: schemathesis.Response,
                             case: schemathesis.Case) -> bool | None:
    if response.status_code < 400:
        return None
    try:
        detail = json.loads(response.content).get("detail")
    except (ValueError, AttributeError):
        detail = None
    if not isinstance(detail, str) or not detail.strip() or detail.splitlines() != [detail]:
        raise AssertionError(f'a {response.status_code} must answer {{"detail": "<one line>"}}, not '
                             f"{response.content[:200]!r}")
    return True
