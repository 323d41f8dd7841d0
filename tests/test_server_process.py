"""`running_server` never leaves a server behind, even when a signal lands while it starts one."""

from __future__ import annotations

import signal
import subprocess

import pytest

from stancelens import server_process


def test_a_sigterm_during_popen_still_stops_the_child(monkeypatch):
    """The signal arrives while `Popen` runs (here: just before it returns), the worst moment:
    the caller has no process object yet. The child must still be stopped."""
    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def popen_then_sigterm(command, **kwargs):
        process = real_popen(["sleep", "120"])
        started.append(process)
        signal.raise_signal(signal.SIGTERM)
        return process

    def exit_on_sigterm(signum, _frame):
        raise SystemExit(128 + signum)

    monkeypatch.setattr(server_process.subprocess, "Popen", popen_then_sigterm)
    previous = signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        with pytest.raises(SystemExit) as exit_info:
            with server_process.running_server(timeout_s=30):
                pytest.fail("the server context must not be entered after a SIGTERM")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert exit_info.value.code == 128 + signal.SIGTERM
    assert started and started[0].poll() is not None, "the child outlived the SIGTERM"
