"""Errors in the caller's input. Each carries the HTTP status the API answers with."""

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


class CollectionTooLargeError(InputError):
    """More documents in one batch or job than the configured limit."""

    status_code = 413


def describe_validation(exc: ValidationError, whole: str = "document") -> str:
    """A pydantic error as one line a user can act on: `field.path: what is wrong; ...`."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or whole}: {e['msg']}" for e in exc.errors(include_url=False))
