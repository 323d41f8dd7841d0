"""API keys: making them, hashing them, and reading the configured entries.

Only SHA-256 digests are configured or held: an entry is `NAME:sha256:HEX` (or `sha256:HEX`, named
after its digest), given in `STANCELENS_API_KEYS` (comma-separated) or one per line of
`STANCELENS_API_KEYS_FILE`. A leaked entry does not let anyone call the API. Keys are long and random
(`stancelens keys new`), so a fast hash is enough: there is no password to guess.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:
    from .config import Settings

NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Printable ASCII without spaces: what an HTTP header carries unchanged.
KEY = re.compile(r"[\x21-\x7e]+")
MIN_KEY_CHARS = 16
ENTRY_FORM = "NAME:sha256:HEX or sha256:HEX (64 hex digits; `stancelens keys new` makes one)"


class KeyConfigError(ValueError):
    """A malformed key entry or an unreadable key file: the server refuses to start."""


@dataclass(frozen=True)
class KeyEntry:
    name: str
    digest: bytes


def digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


def entry_line(name: str | None, key: str) -> str:
    return f"{name + ':' if name else ''}sha256:{digest(key).hex()}"


def parse_entry(text: str, where: str) -> KeyEntry:
    """One entry; `where` names it in the error (the entry itself may be a pasted key, so it is never echoed)."""
    parts = text.strip().split(":")
    if len(parts) == 2:
        parts = ["", *parts]
    if len(parts) != 3 or parts[1].lower() != "sha256":
        raise KeyConfigError(
            f"{where}: not a key entry; expected {ENTRY_FORM}. Plain keys are never configured, only their hashes"
        )
    name, _, hex_digest = parts
    if not re.fullmatch(r"[0-9a-fA-F]{64}", hex_digest):
        raise KeyConfigError(f"{where}: the sha256 digest must be 64 hex digits; expected {ENTRY_FORM}")
    name = name or f"sha256-{hex_digest[:8].lower()}"
    if not NAME.fullmatch(name):
        raise KeyConfigError(f"{where}: the key name must be 1-64 letters, digits, '.', '_' or '-'")
    return KeyEntry(name, bytes.fromhex(hex_digest))


class KeyRing:
    """The configured key digests. Empty means the API is open."""

    def __init__(self, entries: list[KeyEntry]) -> None:
        self.entries = entries

    def __bool__(self) -> bool:
        return bool(self.entries)

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        entries = [parse_entry(text, f"STANCELENS_API_KEYS entry {i}") for i, text in enumerate(settings.api_keys, 1)]
        if settings.api_keys_file is not None:
            entries += read_key_file(settings.api_keys_file)
        return cls(entries)

    def name_of(self, key: str) -> str | None:
        """The name of the entry matching `key`, or None. Every entry is compared, in constant time each."""
        presented = digest(key)
        names = [entry.name for entry in self.entries if hmac.compare_digest(presented, entry.digest)]
        return names[0] if names else None


def read_key_file(path: Path) -> list[KeyEntry]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyConfigError(f"STANCELENS_API_KEYS_FILE {path}: cannot read it: {exc}") from None
    entries = []
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if text:
            entries.append(parse_entry(text, f"STANCELENS_API_KEYS_FILE {path} line {number}"))
    return entries


def _new(args: argparse.Namespace) -> int:
    key = secrets.token_urlsafe(32)
    print(f"key:   {key}")
    print(f"entry: {entry_line(args.name, key)}")
    print(
        "Give the key to its user now: it is not stored anywhere and cannot be shown again. Put the entry in "
        "STANCELENS_API_KEYS (comma-separated) or on a line of STANCELENS_API_KEYS_FILE.",
        file=sys.stderr,
    )
    return 0


def _hash(args: argparse.Namespace) -> int:
    key = sys.stdin.readline().strip()
    if not KEY.fullmatch(key) or len(key) < MIN_KEY_CHARS:
        raise InputError(
            f"a key must be at least {MIN_KEY_CHARS} printable ASCII characters without spaces; "
            "`stancelens keys new` makes a random one"
        )
    print(entry_line(args.name, key))
    return 0


def _name(value: str) -> str:
    if not NAME.fullmatch(value):
        raise argparse.ArgumentTypeError("1-64 letters, digits, '.', '_' or '-'")
    return value


NAME_HELP = ("who holds the key: the server logs it and rate-limits per name "
             "(default: none; the server then names the key after its hash)")


def add_keys_command(commands: argparse._SubParsersAction) -> None:
    k = commands.add_parser("keys", help="make API keys and the hashed entries that configure them")
    actions = k.add_subparsers(dest="keys_command", required=True)
    new = actions.add_parser("new", help="print a new random key, once, and its entry")
    new.add_argument("--name", type=_name, help=NAME_HELP)
    new.set_defaults(run=_new)
    hashed = actions.add_parser("hash", help="read a key from standard input and print its entry")
    hashed.add_argument("--name", type=_name, help=NAME_HELP)
    hashed.set_defaults(run=_hash)
