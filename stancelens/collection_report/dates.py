"""`--by` groupings (`source`, `date:week`) and the dates they read, parsed with dateutil.

A value that is no date costs its record's date only: the record counts under `(no date)` and the
header says how many there were, with a few examples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from dateutil import parser as dateparser

from ..errors import InputError
from .model import DateProblems

GRAINS = ("day", "week", "month", "quarter", "year")
EXAMPLES = 5


@dataclass(frozen=True)
class Grouping:
    """One `--by`: a field of the results' `meta`, and for a date field the period to group it by."""

    field: str
    grain: str | None = None

    @property
    def label(self) -> str:
        return f"{self.field}:{self.grain}" if self.grain else self.field

    @classmethod
    def parse(cls, spec: str) -> Grouping:
        name, _, grain = spec.strip().partition(":")
        if not name:
            raise InputError(f"--by {spec!r}: give a field, e.g. source or date:week")
        if grain and grain not in GRAINS:
            raise InputError(f"--by {spec!r}: {grain!r} is no period; use one of {', '.join(GRAINS)}")
        return cls(name, grain or None)


@dataclass
class DateField:
    """Parses one field's dates and counts what could not be read."""

    name: str
    missing: int = 0
    unreadable: int = 0
    examples: list[str] = field(default_factory=list)

    def read(self, value: object) -> datetime | None:
        if value is None or value == "":
            self.missing += 1
            return None
        try:
            if not isinstance(value, str):
                raise TypeError(value)
            parsed = dateparser.parse(value)
        except (ValueError, OverflowError, TypeError):
            self.unreadable += 1
            if len(self.examples) < EXAMPLES:
                self.examples.append(repr(value)[:80])
            return None
        if parsed.tzinfo is not None:  # every date in UTC, so a week is the same week for every source
            parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
        return parsed

    def problems(self) -> DateProblems:
        return DateProblems(field=self.name, missing=self.missing, unreadable=self.unreadable, examples=self.examples)


def date_fields(groupings: list[Grouping]) -> dict[str, DateField]:
    return {g.field: DateField(g.field) for g in groupings if g.grain}
