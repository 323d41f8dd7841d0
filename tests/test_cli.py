from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from stancelens.cli import main
from stancelens.schema import AnalysisResult

from .conftest import EXAMPLE_PATH, assert_offsets_valid


def test_analyze_example_prints_json(capsys, pipeline):
    assert main(["analyze", str(EXAMPLE_PATH), "--target", "sanctions", "--claim", "North Korea sent troops"]) == 0
    result = AnalysisResult.model_validate(json.loads(capsys.readouterr().out))
    assert len(result.sections) == 7
    assert any(s.target == "sanctions" and s.origin == "user" for s in result.stances)
    assert result.claims[0].claim == "North Korea sent troops"
    assert_offsets_valid(result)


def test_markdown_report(capsys, pipeline):
    assert main(["analyze", str(EXAMPLE_PATH), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "## Hedged claims" in out and "Reports suggest" in out
    assert "### Understanding the Withdrawal of North Korean Forces:" in out
    assert "| North Korea |" in out


def test_reads_stdin(monkeypatch, capsys, pipeline):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"# Title\n\nRussia may respond soon.")))
    assert main(["analyze", "-"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["sections"][0]["heading"]["text"] == "Title"


@pytest.mark.parametrize("content, message", [(b"  \n", "empty"), (b"\xff\xfe bad", "UTF-8")])
def test_bad_input_exits_2_with_message(tmp_path, capsys, pipeline, content, message):
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    assert main(["analyze", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_missing_file_exits_2(capsys):
    assert main(["analyze", "/nonexistent/article.txt"]) == 2
    assert "No such file" in capsys.readouterr().err


def test_console_script_is_installed():
    """The installed `stancelens` entry point runs the same CLI."""
    exe = os.path.join(os.path.dirname(sys.executable), "stancelens")
    out = subprocess.run([exe, "analyze", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "--format" in out.stdout
