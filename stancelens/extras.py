"""Optional parts of the install: a command that needs one says which extra to install."""

from __future__ import annotations

import importlib.util

from .errors import InputError


def require(extra: str, *modules: str) -> None:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise InputError(f"this command needs {', '.join(missing)}: pip install 'stancelens[{extra}]'")
