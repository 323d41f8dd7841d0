"""`stancelens batch`: every input format, the errors file, and resuming after SIGKILL and Ctrl-C.

The kill and Ctrl-C tests run the real command in a subprocess with the real pipeline, on a
collection of short articles cut from the test data, so a whole run takes seconds.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from stancelens.batch import runner
from stancelens.batch.sink import ErrorRecord
from stancelens.cli import main
from stancelens.pipeline import text_id
from stancelens.schema import AnalysisResult

from .conftest import DATA, EXAMPLE_PATH

TEXT_FIELDS = ("text", "sentence", "article", "body")
KILL_TIMEOUT_S = 120


def _texts() -> list[str]:
    """Short real texts: the example article's paragraphs and the text of every eval record, deduplicated."""
    texts = [line.strip() for line in EXAMPLE_PATH.read_text(encoding="utf-8").splitlines() if len(line.split()) > 5]
    for path in sorted((DATA / "eval").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            text = next((record[f] for f in TEXT_FIELDS if isinstance(record.get(f), str)), None)
            if text and len(text.split()) > 5:
                texts.append(" ".join(text.split()[:150]))  # long CNN/FNC bodies cut, to keep runs short
    return list(dict.fromkeys(texts))


@pytest.fixture(scope="module")
def collection() -> list[dict]:
    records = [{"id": f"n{i:03d}", "text": t} for i, t in enumerate(_texts())]
    assert len(records) >= 60
    return records


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _without_timings(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "timings_ms"} for r in records]


def _assert_each_id_once(out: Path, ids: list[str]) -> tuple[list[dict], list[dict]]:
    results, errors = _jsonl(out), _jsonl(Path(f"{out}.errors.jsonl"))
    seen = Counter([r["id"] for r in results] + [e["id"] for e in errors])
    assert sorted(seen) == sorted(ids)
    assert set(seen.values()) == {1}
    assert not Path(f"{out}.parts").exists()
    return results, errors


def _command(inp: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "stancelens.cli", "batch", str(inp), "--out", str(out), *extra]


def _start_and_signal(command: list[str], out: Path, sig: int) -> subprocess.CompletedProcess:
    """Start `command`, send `sig` once its first chunk has landed, and wait for it to end."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    parts = Path(f"{out}.parts")
    deadline = time.monotonic() + KILL_TIMEOUT_S
    while not list(parts.glob("*.results.jsonl")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no chunk landed in time"
        time.sleep(0.05)
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=KILL_TIMEOUT_S)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _run(command: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=KILL_TIMEOUT_S)


def test_sigkill_mid_run_then_rerun_gives_every_id_exactly_once(tmp_path, collection):
    records = [*collection, {"id": "empty", "text": " "}, {"id": "no-text"}]
    inp, out = _write_jsonl(tmp_path / "in.jsonl", records), tmp_path / "out.jsonl"
    command = _command(inp, out, "--batch-size", "8")

    killed = _start_and_signal(command, out, signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL
    assert not out.exists()  # unfinished runs live in the parts folder only

    rerun = _run(command)
    assert rerun.returncode == 0, rerun.stderr
    assert "already done" in rerun.stderr and " 0 already done" not in rerun.stderr
    results, errors = _assert_each_id_once(out, [r["id"] for r in records])
    assert {e["id"] for e in errors} == {"empty", "no-text"}
    for result in results:
        AnalysisResult.model_validate(result)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_stops_after_the_chunk_and_says_how_to_resume(tmp_path, collection, sig):
    inp, out = _write_jsonl(tmp_path / "in.jsonl", collection), tmp_path / "out.jsonl"
    command = _command(inp, out, "--batch-size", "8")

    stopped = _start_and_signal(command, out, sig)
    assert stopped.returncode == 130, stopped.stderr
    assert "Resume with the same command" in stopped.stderr
    assert f"stancelens batch {inp} --out {out} --batch-size 8" in stopped.stderr
    assert "Traceback" not in stopped.stderr
    done_before = sum(len(_jsonl(p)) for p in Path(f"{out}.parts").glob("*.results.jsonl"))
    assert 8 <= done_before < len(collection)

    resumed = _run(command)
    assert resumed.returncode == 0, resumed.stderr
    # Not a terminal: progress comes as log lines, with the rate and ETA.
    assert "articles/s, ETA" in resumed.stderr
    assert f"{done_before} already done" in resumed.stderr
    _assert_each_id_once(out, [r["id"] for r in collection])


def _write_all_formats(folder: Path, records: list[dict]) -> dict[str, Path]:
    import datasets
    import pandas as pd

    frame = pd.DataFrame(records)
    paths = {"jsonl": _write_jsonl(folder / "in.jsonl", records), "csv": folder / "in.csv",
             "parquet": folder / "in.parquet", "saved": folder / "saved"}
    # CSV has no lists: list fields go in as JSON arrays.
    frame.map(lambda v: json.dumps(v) if isinstance(v, list) else v).to_csv(paths["csv"], index=False)
    frame.to_parquet(paths["parquet"], index=False)
    datasets.Dataset.from_pandas(frame).save_to_disk(str(paths["saved"]))
    return paths


def test_every_input_format_gives_the_same_results(tmp_path, collection, pipeline):
    records = collection[:3]
    outputs = {}
    for kind, path in _write_all_formats(tmp_path, records).items():
        out = tmp_path / f"{kind}.jsonl"
        assert main(["batch", str(path), "--out", str(out)]) == 0
        outputs[kind], errors = _assert_each_id_once(out, [r["id"] for r in records])
        assert errors == []
    expected = _without_timings(outputs["jsonl"])
    assert [r["id"] for r in expected] == [r["id"] for r in records]  # input order kept
    for kind, results in outputs.items():
        assert _without_timings(results) == expected, kind


def test_parallel_workers_write_the_same_results_in_input_order(tmp_path, collection, pipeline, monkeypatch):
    records = collection[:5]
    inp = _write_jsonl(tmp_path / "in.jsonl", records)
    threads: set[str] = set()
    analyse = runner._analyse

    def recording(pipeline, chunk):
        threads.add(threading.current_thread().name)
        return analyse(pipeline, chunk)

    monkeypatch.setattr(runner, "_analyse", recording)
    outputs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}.jsonl"
        assert main(["batch", str(inp), "--out", str(out), "--batch-size", "2", "--workers", workers]) == 0
        outputs[workers], errors = _assert_each_id_once(out, [r["id"] for r in records])
        assert errors == []
    assert [r["id"] for r in outputs["2"]] == [r["id"] for r in records]
    assert _without_timings(outputs["2"]) == _without_timings(outputs["1"])
    assert any(name.startswith("batch") for name in threads)  # the chunks of --workers 2 ran on the pool


def test_id_is_a_hash_of_the_text_when_absent(tmp_path, collection, pipeline):
    records = [{"text": collection[0]["text"]}, {"text": collection[1]["text"], "id": None},
               {"body": collection[2]["text"], "key": 7}]
    inp = _write_jsonl(tmp_path / "in.jsonl", records)
    assert main(["batch", str(inp), "--out", str(tmp_path / "a.jsonl")]) == 0
    results = _jsonl(tmp_path / "a.jsonl")
    assert [r["id"] for r in results] == [text_id(collection[0]["text"]), text_id(collection[1]["text"])]
    # Other field names; an integer id comes back as text.
    assert main(["batch", str(inp), "--out", str(tmp_path / "b.jsonl"), "--text-field", "body", "--id-field", "key"]) == 0
    assert [r["id"] for r in _jsonl(tmp_path / "b.jsonl")] == ["7"]


def test_bad_records_go_to_the_errors_file_and_the_run_goes_on(tmp_path, collection, pipeline, monkeypatch):
    good = collection[0]
    inp = tmp_path / "in.jsonl"
    with inp.open("wb") as f:
        f.write((json.dumps(good) + "\n").encode())
        f.write(b'{"id": "empty", "text": "   "}\n')
        f.write(b'{"id": "missing"}\n')
        f.write(b'{"id": "number", "text": 42}\n')
        f.write(b'{"id": "torn", "text": "cut off\n')
        f.write(b'{"id": "latin1", "text": "caf\xe9"}\n')
        f.write(b'{"id": "surrogate", "text": "bad \\udc80 text"}\n')
        f.write(b'\n["not", "an", "object"]\n')
        f.write((json.dumps({"id": "long", "text": "word " * len(good["text"])}) + "\n").encode())
        f.write(b'{"id": "deep", "text": ' + b"[" * 10_000 + b"]" * 10_000 + b"}\n")
    monkeypatch.setattr(pipeline.settings, "max_chars", len(good["text"]))
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(inp), "--out", str(out)]) == 0
    results = _jsonl(out)
    errors = [ErrorRecord.model_validate(e) for e in _jsonl(Path(f"{out}.errors.jsonl"))]
    assert [r["id"] for r in results] == [good["id"]]
    reasons = {e.id: (e.error, e.status, e.row) for e in errors}
    assert len(errors) == 9
    assert "empty" in reasons["empty"][0]
    assert "no value in text field 'text'" in reasons["missing"][0]
    assert "holds a int" in reasons["number"][0]
    assert "surrogate" in reasons["surrogate"][0]
    assert reasons["long"][1] == 422 and "over the limit" in reasons["long"][0]
    # Lines that are no record get an id hashed from the line, and their line number.
    by_row = {e.row: e.error for e in errors}
    assert "not valid JSON" in by_row[5] and "not valid UTF-8" in by_row[6] and "not an object" in by_row[9]
    assert "too deeply" in by_row[11]


def test_targets_and_claims_fields(tmp_path, collection, pipeline):
    text = next(r["text"] for r in collection if "Ukraine" in r["text"])
    records = [{"id": "a", "text": text, "who": ["Ukraine"], "says": ["Troops have pulled back."]}]
    frame_path = _write_all_formats(tmp_path, records)
    for kind in ("jsonl", "csv"):  # CSV holds the lists as JSON arrays
        out = tmp_path / f"{kind}.jsonl"
        assert main(["batch", str(frame_path[kind]), "--out", str(out),
                     "--targets-field", "who", "--claims-field", "says"]) == 0
        (result,) = _jsonl(out)
        assert result["stances"][0]["target"] == "Ukraine" and result["stances"][0]["origin"] == "user"
        assert [c["claim"] for c in result["claims"]] == ["Troops have pulled back."]


def test_parquet_output_holds_id_and_result_json(tmp_path, collection, pipeline):
    import pyarrow.parquet as pq

    records = [*collection[:3], {"id": "empty", "text": ""}]
    inp, out = _write_jsonl(tmp_path / "in.jsonl", records), tmp_path / "out.parquet"
    assert main(["batch", str(inp), "--out", str(out), "--batch-size", "2"]) == 0
    table = pq.read_table(out)
    assert table.column_names == ["id", "result"]
    rows = table.to_pylist()
    assert [r["id"] for r in rows] == [r["id"] for r in collection[:3]]
    assert all(AnalysisResult.model_validate_json(r["result"]).id == r["id"] for r in rows)
    assert [e["id"] for e in _jsonl(Path(f"{out}.errors.jsonl"))] == ["empty"]


def test_duplicate_ids_are_refused_up_front(tmp_path, capsys, collection):
    records = [collection[0], collection[1], {**collection[2], "id": collection[0]["id"]},
               {"text": collection[3]["text"]}, {"text": collection[3]["text"]}]
    inp = _write_jsonl(tmp_path / "in.jsonl", records)
    assert main(["batch", str(inp), "--out", str(tmp_path / "out.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "2 ids occur more than once" in err and repr(collection[0]["id"]) in err
    assert not (tmp_path / "out.jsonl.parts").exists()


def test_a_finished_run_is_not_redone_and_a_torn_part_is_ignored(tmp_path, collection, pipeline, capsys):
    records = collection[:4]
    inp, out = _write_jsonl(tmp_path / "in.jsonl", records), tmp_path / "out.jsonl"
    parts = Path(f"{out}.parts")
    # A run killed while writing a part leaves a temp file and a manifest; both must be harmless.
    assert main(["batch", str(inp), "--out", str(out), "--batch-size", "2"]) == 0
    first = _jsonl(out)
    capsys.readouterr()
    assert main(["batch", str(inp), "--out", str(out), "--batch-size", "2"]) == 0
    assert "0 analysed" in capsys.readouterr().err and _jsonl(out) == first
    out.unlink()
    parts.mkdir()
    (parts / "manifest.json").write_text(json.dumps({"input": str(inp.resolve()), "fields": {
        "text": "text", "id": "id", "targets": None, "claims": None}}))
    (parts / "000000.results.jsonl.tmp").write_text('{"id": "n000", "te')
    assert main(["batch", str(inp), "--out", str(out)]) == 0
    _assert_each_id_once(out, [r["id"] for r in records])


@pytest.mark.parametrize(("argv", "message"), [
    (["batch", "missing.jsonl", "--out", "o.jsonl"], "does not exist"),
    (["batch", "{inp}", "--out", "o.txt"], "unknown output type"),
    (["batch", "{inp}", "--out", "o.jsonl", "--batch-size", "0"], "--batch-size must be at least 1"),
    (["batch", "{inp}", "--out", "o.jsonl", "--workers", "0"], "--workers must be at least 1"),
])
def test_bad_arguments_exit_2(tmp_path, capsys, collection, argv, message):
    inp = _write_jsonl(tmp_path / "in.jsonl", collection[:1])
    argv = [a.format(inp=inp) for a in argv]
    argv[argv.index("--out") + 1] = str(tmp_path / argv[argv.index("--out") + 1])
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_a_full_disk_stops_with_a_clear_error_and_keeps_what_was_written(tmp_path, collection, pipeline, capsys,
                                                                        monkeypatch):
    from stancelens.batch import sink

    records = collection[:5]
    inp = _write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out.jsonl"
    real_writer = sink._write_lines
    calls = []

    def fills_the_disk_on_the_third_part(lines):
        calls.append(1)
        if len(calls) < 3:
            return real_writer(lines)

        def write(f):
            f.write(b'{"id": "half a li')  # the device fills mid-line
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(f.name))

        return write

    monkeypatch.setattr(sink, "_write_lines", fills_the_disk_on_the_third_part)
    assert main(["batch", str(inp), "--out", str(out), "--batch-size", "2"]) == 2
    message = capsys.readouterr().err
    assert "No space left on device" in message and "4 records written before are intact" in message
    assert "rerun the same command" in message
    parts = Path(f"{out}.parts")
    assert not list(parts.glob("*.tmp")), "the torn temp file must go, to give the space back"
    assert sorted(r["id"] for p in parts.glob("*.results.jsonl") for r in _jsonl(p)) == [r["id"] for r in records[:4]]

    monkeypatch.setattr(sink, "_write_lines", real_writer)  # space freed: the rerun resumes
    assert main(["batch", str(inp), "--out", str(out), "--batch-size", "2"]) == 0
    _assert_each_id_once(out, [r["id"] for r in records])
