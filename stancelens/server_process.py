"""A real `stancelens serve` in a subprocess on a free loopback port, ready before it is used.

The benchmark times one, and the tests that must crash, restart or drive a browser at a real
server start one; all go through here, so readiness and clean-up are handled in one place.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
STARTUP_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Server:
    url: str
    process: subprocess.Popen
    startup_s: float

    @property
    def pid(self) -> int:
        return self.process.pid


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _wait_ready(process: subprocess.Popen, url: str, log: Path, timeout_s: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"stancelens serve exited with status {process.returncode} before it was ready:\n{tail}")
        try:
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.25)
    raise RuntimeError(f"stancelens serve was not ready within {timeout_s:.0f} s")


@contextmanager
def _signals_held_until_exit(*signums: int) -> Iterator[None]:
    """Hold these signals for the block and deliver them as it ends.

    A SIGTERM or Ctrl-C that lands while `Popen` runs would raise before the caller has the
    process object, leaving a server that no `finally` knows about; held, it is raised just after.
    Signal handlers belong to the main thread, so elsewhere this holds nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = {signum: signal.signal(signum, lambda received, _frame: pending.append(received))
                for signum in signums}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in pending:
            signal.raise_signal(signum)


@contextmanager
def running_server(env: Mapping[str, str | None] | None = None, port: int | None = None,
                   timeout_s: float = STARTUP_TIMEOUT_S) -> Iterator[Server]:
    """`stancelens serve`, ready, with `env` over this process's environment (None unsets a
    variable); stopped on exit, whatever happened, even if the caller already killed it."""
    port = port or free_port()
    url = f"http://{HOST}:{port}"
    merged = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
    environment = {k: v for k, v in merged.items() if v is not None}
    command = [sys.executable, "-m", "stancelens.cli", "serve", "--host", HOST, "--port", str(port),
               "--log-level", "warning"]
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        with log.open("wb") as out:
            t0 = time.perf_counter()
            process = None
            try:
                with _signals_held_until_exit(signal.SIGTERM, signal.SIGINT):
                    process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environment)
                _wait_ready(process, url, log, timeout_s)
                yield Server(url, process, time.perf_counter() - t0)
            finally:
                if process is not None:
                    _stop(process)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
