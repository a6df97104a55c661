"""AWS cron expressions, as Glue triggers and crawler schedules write them: no I/O.

``cron(Minutes Hours Day-of-month Month Day-of-week Year)``, in UTC, with AWS's rules
(EventBridge, "Cron expressions"): ``*``, ``,``, ``-`` and ``/`` in every field; month and
weekday names; weekdays 1-7 starting on Sunday; ``?`` in exactly one of day-of-month and
day-of-week; ``L`` (the month's last day) in day-of-month; ``n#k`` (the k-th weekday n of the
month) in day-of-week. ``W`` and ``nL`` are refused rather than guessed. AWS's five-field
Unix form is not Glue's and is refused too.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime

_MONTHS = {name: index for index, name in enumerate(calendar.month_abbr) if name}
_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


class InvalidSchedule(ValueError):
    """The expression is not an AWS cron expression this cloud can evaluate."""


@dataclass(frozen=True)
class CronSchedule:
    """A parsed ``cron(...)``; ``None`` fields are ``?`` (any)."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None
    last_day: bool
    months: frozenset[int]
    weekdays: frozenset[int] | None
    nth_weekday: tuple[int, int] | None
    years: frozenset[int]

    def matches(self, moment: datetime) -> bool:
        """Whether the schedule fires in the minute that contains ``moment`` (UTC)."""
        if moment.minute not in self.minutes or moment.hour not in self.hours:
            return False
        if moment.month not in self.months or moment.year not in self.years:
            return False
        if self.last_day:
            return moment.day == calendar.monthrange(moment.year, moment.month)[1]
        if self.days is not None:
            return moment.day in self.days
        weekday = (moment.isoweekday() % 7) + 1  # AWS: 1 = Sunday ... 7 = Saturday
        if self.nth_weekday is not None:
            day, nth = self.nth_weekday
            return weekday == day and (moment.day - 1) // 7 + 1 == nth
        return self.weekdays is None or weekday in self.weekdays


def parse(expression: str) -> CronSchedule:
    """Parse ``cron(...)``; raises :class:`InvalidSchedule` naming what is wrong."""
    found = re.fullmatch(r"\s*cron\((.*)\)\s*", expression or "")
    if not found:
        raise InvalidSchedule(f"Schedule {expression!r} is not a cron(...) expression")
    fields = found.group(1).split()
    if len(fields) != 6:
        raise InvalidSchedule(
            f"Schedule {expression!r} needs 6 fields (minutes hours day-of-month month "
            "day-of-week year)"
        )
    minute, hour, day, month, weekday, year = (field.upper() for field in fields)
    if (day == "?") == (weekday == "?"):
        raise InvalidSchedule(
            f"Schedule {expression!r}: exactly one of day-of-month and day-of-week must be ?"
        )
    nth_weekday = None
    weekdays = None
    if weekday != "?":
        if "#" in weekday:
            day_part, _, nth = weekday.partition("#")
            nth_weekday = (_value(day_part, 1, 7, _WEEKDAYS, expression), int(nth))
        else:
            weekdays = _field(weekday, 1, 7, _WEEKDAYS, expression)
    return CronSchedule(
        expression=expression,
        minutes=_field(minute, 0, 59, {}, expression),
        hours=_field(hour, 0, 23, {}, expression),
        days=None if day in ("?", "L") else _field(day, 1, 31, {}, expression),
        last_day=day == "L",
        months=_field(month, 1, 12, {k.upper(): v for k, v in _MONTHS.items()}, expression),
        weekdays=weekdays,
        nth_weekday=nth_weekday,
        years=_field(year, 1970, 2199, {}, expression),
    )


def _field(text: str, low: int, high: int, names: dict[str, int], expression: str) -> frozenset:
    values: set[int] = set()
    for part in text.split(","):
        if "W" in part or (part.endswith("L") and part != "L"):
            raise InvalidSchedule(f"Schedule {expression!r}: {part!r} is not supported locally")
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if span == "*":
            start, end = low, high
        elif "-" in span:
            first, _, last = span.partition("-")
            start, end = (
                _value(first, low, high, names, expression),
                _value(last, low, high, names, expression),
            )
        else:
            start = _value(span, low, high, names, expression)
            end = high if step_text else start
        if step < 1 or start > end:
            raise InvalidSchedule(f"Schedule {expression!r}: {part!r} is not a valid range")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, low: int, high: int, names: dict[str, int], expression: str) -> int:
    value = names.get(text)
    if value is None:
        try:
            value = int(text)
        except ValueError:
            raise InvalidSchedule(f"Schedule {expression!r}: {text!r} is not a value") from None
    if not low <= value <= high:
        raise InvalidSchedule(f"Schedule {expression!r}: {value} is outside {low}-{high}")
    return value
