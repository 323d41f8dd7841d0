"""Errors in the caller's input. Each carries the HTTP status the API answers with."""

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError


class InputError(ValueError):
    """The input cannot be analysed as sent; the message says what to fix."""

    status_code = 422


class EmptyTextError(InputError):
    pass


# Over a limit the OpenAPI schema states (maxLength, maxItems): a schema violation like any other, so 422.
# 413 is for bodies over the byte limits, which the middleware refuses before reading them.
class TextTooLongError(InputError):
    pass


class TooManyItemsError(InputError):
    pass


class MalformedBodyError(InputError):
    """The body cannot be parsed at all: not UTF-8, or JSON nested too deeply."""

    status_code = 400


def check_article_text(text: str) -> str:
    """The article text as sent, or why it cannot be analysed. The schema states the same rules."""
    if not text.strip():  # what the schema's pattern `\S` allows: Python's `\s` is what strip() removes
        raise EmptyTextError("text is empty or only whitespace: send the article's text")
    if (nul := text.find("\x00")) >= 0:
        # A NUL is never part of an article: it means binary data or a broken decoder upstream.
        raise InputError(
            f"text contains a NUL character (U+0000) at offset {nul}: send the article's text, "
            "not binary data, with NULs removed"
        )
    return text


def check_item_text(item: str, kind: str = "targets and claims") -> str:
    """A target or claim: any text but a blank one."""
    if not item.strip():
        raise InputError(f"every entry of {kind} must be non-empty text")
    return item


def describe_undecodable(exc: UnicodeDecodeError, what: str = "the body") -> str:
    return (f"{what} is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at position {exc.start}): "
            "send it encoded as UTF-8")


class CollectionTooLargeError(InputError):
    """More documents in one batch or job than the configured limit (422, as `TextTooLongError`)."""


class DeadlineExceeded(Exception):
    """An analysis ran past its time limit and was stopped at the next stage boundary.

    Not an `InputError`: the same text may well finish on a less busy server.
    """


def describe_errors(errors: Sequence[Mapping[str, Any]], whole: str = "document") -> str:
    """Pydantic-style errors as one line a user can act on: `field.path: what is wrong; ...`."""
    return "; ".join(f"{'.'.join(map(_field_name, e['loc'])) or whole}: {_message(e['msg'])}" for e in errors)


def _message(msg: str) -> str:
    # Pydantic prefixes the message of a check's own error (an InputError is a ValueError) with this.
    return msg.removeprefix("Value error, ")


def _field_name(part: object) -> str:
    # Unknown keys are the caller's own text: quoted and escaped, a line break in one cannot break the line.
    name = str(part)
    return name if name.isprintable() else repr(name)


def describe_validation(exc: ValidationError, whole: str = "document") -> str:
    return describe_errors(exc.errors(include_url=False), whole)
