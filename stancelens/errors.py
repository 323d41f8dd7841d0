"""Errors in the caller's input. Each carries the HTTP status the API answers with."""

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError


class InputError(ValueError):
    """The input cannot be analysed as sent; the message says what to fix."""

    status_code = 422


class EmptyTextError(InputError):
    pass


class TextTooLongError(InputError):
    status_code = 413


class TooManyItemsError(InputError):
    pass


class MalformedBodyError(InputError):
    """The body cannot be parsed at all: not UTF-8, or JSON nested too deeply."""

    status_code = 400


def describe_undecodable(exc: UnicodeDecodeError, what: str = "the body") -> str:
    return (f"{what} is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at position {exc.start}): "
            "send it encoded as UTF-8")


class CollectionTooLargeError(InputError):
    """More documents in one batch or job than the configured limit."""

    status_code = 413


class DeadlineExceeded(Exception):
    """An analysis ran past its time limit and was stopped at the next stage boundary.

    Not an `InputError`: the same text may well finish on a less busy server.
    """


def describe_errors(errors: Sequence[Mapping[str, Any]], whole: str = "document") -> str:
    """Pydantic-style errors as one line a user can act on: `field.path: what is wrong; ...`."""
    return "; ".join(f"{'.'.join(map(_field_name, e['loc'])) or whole}: {e['msg']}" for e in errors)


def _field_name(part: object) -> str:
    # Unknown keys are the caller's own text: quoted and escaped, a line break in one cannot break the line.
    name = str(part)
    return name if name.isprintable() else repr(name)


def describe_validation(exc: ValidationError, whole: str = "document") -> str:
    return describe_errors(exc.errors(include_url=False), whole)
