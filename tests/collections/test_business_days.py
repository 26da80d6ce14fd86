"""Chinese working days: statutory holidays rest, make-up weekends (调休) work."""

from datetime import date

import pytest

from arcollections.business_days import is_business_day, next_business_day


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 1, 1), False),  # New Year's Day
        (date(2026, 1, 4), True),  # Sunday, made up for New Year
        (date(2026, 2, 14), True),  # Saturday, made up for the Spring Festival
        (date(2026, 2, 15), False),  # Sunday
        (date(2026, 2, 16), False),  # Spring Festival holiday …
        (date(2026, 2, 20), False),
        (date(2026, 2, 23), False),  # … to its last day
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # Saturday, made up for the Spring Festival
        (date(2026, 3, 13), True),  # an ordinary Friday
        (date(2026, 3, 14), False),  # an ordinary Saturday
        (date(2026, 9, 20), True),  # Sunday, made up for National Day
        (date(2026, 10, 1), False),  # National Day week …
        (date(2026, 10, 3), False),
        (date(2026, 10, 7), False),  # … to its last day
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday, made up for National Day
        (date(2026, 10, 11), False),
    ],
)
def test_working_days_follow_the_state_council_schedule(day, working):
    assert is_business_day(day) is working


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 13), date(2026, 3, 13)),  # a working day is its own
        (date(2026, 3, 14), date(2026, 3, 16)),  # weekend → Monday
        (date(2026, 10, 1), date(2026, 10, 8)),  # National Day week → Thursday
        (date(2026, 10, 3), date(2026, 10, 8)),
        (date(2026, 2, 15), date(2026, 2, 24)),  # Spring Festival → Tuesday
        (date(2026, 1, 3), date(2026, 1, 4)),  # holiday Saturday → make-up Sunday
    ],
)
def test_the_next_working_day_skips_rest_days(day, expected):
    assert next_business_day(day) == expected
