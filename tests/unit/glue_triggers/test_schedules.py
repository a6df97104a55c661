"""AWS cron expressions, minute by minute."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from glueline.cloud.glue.schedules import InvalidSchedule, parse


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_every_day_at_noon() -> None:
    schedule = parse("cron(0 12 * * ? *)")

    assert schedule.matches(at("2026-12-05T12:00:30"))
    assert not schedule.matches(at("2026-12-05T12:01:00"))
    assert not schedule.matches(at("2026-12-05T13:00:00"))


def test_steps_ranges_lists_and_names() -> None:
    schedule = parse("cron(0/15 8-10 ? JAN,DEC MON-FRI 2026)")

    assert schedule.matches(at("2026-12-07T09:45:00"))  # a Monday
    assert not schedule.matches(at("2026-12-06T09:45:00"))  # a Sunday
    assert not schedule.matches(at("2026-12-07T09:50:00"))
    assert not schedule.matches(at("2027-01-04T09:45:00"))  # another year


def test_weekdays_count_from_sunday_as_in_aws() -> None:
    sunday = parse("cron(0 0 ? * 1 *)")

    assert sunday.matches(at("2026-12-06T00:00:00"))
    assert not sunday.matches(at("2026-12-07T00:00:00"))


def test_the_last_day_of_the_month_and_the_nth_weekday() -> None:
    assert parse("cron(0 0 L * ? *)").matches(at("2028-02-29T00:00:00"))
    assert not parse("cron(0 0 L * ? *)").matches(at("2028-02-28T00:00:00"))
    first_monday = parse("cron(30 6 ? * 2#1 *)")
    assert first_monday.matches(at("2026-12-07T06:30:00"))
    assert not first_monday.matches(at("2026-12-14T06:30:00"))


@pytest.mark.parametrize(
    ("expression", "complaint"),
    [
        ("0 12 * * ? *", "cron"),
        ("cron(0 12 * * *)", "6 fields"),
        ("cron(0 12 * * * *)", "exactly one"),
        ("cron(0 25 * * ? *)", "outside"),
        ("cron(0 12 1W * ? *)", "not supported"),
    ],
)
def test_what_cannot_be_evaluated_is_refused_with_the_reason(
    expression: str, complaint: str
) -> None:
    with pytest.raises(InvalidSchedule, match=complaint):
        parse(expression)
