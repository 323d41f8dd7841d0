"""Errors in the caller's input. Each carries the HTTP status the API answers with."""


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
