"""Tests for redress.law.dates: hand-computed deadlines, proof text, caveats, properties."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from redress.law.dates import (
    MONTH_END_CAVEAT,
    WORKING_DAY_CAVEAT,
    DateResult,
    Step,
    add_days,
    add_months,
    add_weeks,
    add_working_days,
    bank_holidays,
    hesc_r12_roll,
    is_working_day,
    later_of,
    months_starting_with,
    next_working_day,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def texts(result: DateResult) -> list[str]:
    return [s.text for s in result.steps]


# --- the calendar facts the hand computations below rely on, checked independently -------------


def test_calendar_facts_used_by_these_tests() -> None:
    eng = holidays.country_holidays("GB", subdiv="ENG", years=[2024, 2025, 2026, 2027])
    assert date(2025, 4, 18) in eng and date(2025, 4, 21) in eng  # Good Friday, Easter Monday
    assert date(2025, 8, 25) in eng and date(2026, 8, 31) in eng  # late summer bank holidays
    assert date(2026, 12, 25).weekday() == FRI and date(2026, 12, 26).weekday() == SAT
    assert date(2026, 12, 28) in eng  # Boxing Day substitute
    assert date(2026, 1, 1).weekday() == THU and date(2026, 1, 2).weekday() == FRI
    assert date(2027, 1, 2).weekday() == SAT
    assert date(2024, 9, 1).weekday() == SUN and date(2025, 9, 1).weekday() == MON
    assert date(2025, 12, 23).weekday() == TUE and date(2025, 11, 1).weekday() == SAT


# --- calendar months ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected", "clamped"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28), True),
        (date(2024, 1, 31), 1, date(2024, 2, 29), True),  # leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28), True),
        (date(2025, 8, 31), 2, date(2025, 10, 31), False),
        (date(2025, 11, 30), 1, date(2025, 12, 30), False),
        (date(2025, 10, 1), 2, date(2025, 12, 1), False),  # IPSEA's worked example
        (date(2025, 10, 31), 2, date(2025, 12, 31), False),
        (date(2025, 3, 31), 1, date(2025, 4, 30), True),
        (date(2025, 5, 17), 0, date(2025, 5, 17), False),
    ],
)
def test_add_months(start: date, months: int, expected: date, clamped: bool) -> None:
    result = add_months(start, months)
    assert result.value == expected
    assert result.steps[0].basis == "Dodds v Walker [1981]"
    assert (MONTH_END_CAVEAT in result.caveats) is clamped
    if not clamped:
        assert result.caveats == ()


def test_add_months_corresponding_date_text() -> None:
    assert add_months(date(2025, 10, 1), 2).steps == (
        Step("2 calendar months after 2025-10-01 is 2025-12-01", "Dodds v Walker [1981]"),
    )
    assert texts(add_months(date(2025, 10, 1), 1)) == [
        "1 calendar month after 2025-10-01 is 2025-11-01"
    ]


def test_add_months_clamp_text_explains_last_day() -> None:
    [text] = texts(add_months(date(2025, 1, 31), 1))
    assert text.startswith("1 calendar month after 2025-01-31 is 2025-02-28")
    assert "February 2025 has no day 31" in text and "last day" in text


# --- calendar days and weeks -------------------------------------------------------------------


def test_add_days_and_weeks() -> None:
    assert add_days(date(2025, 1, 1), 30).value == date(2025, 1, 31)
    assert texts(add_days(date(2025, 1, 1), 30)) == [
        "30 calendar days after 2025-01-01 is 2025-01-31"
    ]
    assert add_days(date(2025, 12, 20), 1).value == date(2025, 12, 21)  # weekends count
    six = add_weeks(date(2025, 3, 3), 6)
    assert six.value == date(2025, 4, 14) and six.value.weekday() == MON
    assert texts(six) == ["6 weeks after 2025-03-03 is 2025-04-14"]
    assert texts(add_weeks(date(2025, 3, 3), 1)) == ["1 week after 2025-03-03 is 2025-03-10"]
    assert six.caveats == ()


# --- working days ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2025, 1, 6), 3, date(2025, 1, 9)),  # Mon -> Thu, no weekend
        (date(2025, 1, 3), 1, date(2025, 1, 6)),  # Fri -> Mon over a weekend
        (date(2025, 1, 4), 1, date(2025, 1, 6)),  # start on Saturday: first working day after
        (date(2025, 4, 17), 1, date(2025, 4, 22)),  # Thu before Easter -> Tue after Easter Monday
        (date(2025, 4, 16), 3, date(2025, 4, 23)),  # Wed: Thu 17, Tue 22, Wed 23
        (date(2026, 12, 24), 1, date(2026, 12, 29)),  # Christmas Fri, Sat, Sun, substitute Mon
        (date(2026, 12, 23), 3, date(2026, 12, 30)),  # Thu 24, Tue 29, Wed 30
        (date(2025, 12, 23), 3, date(2025, 12, 30)),  # Wed 24, Mon 29, Tue 30
        (date(2025, 12, 31), 1, date(2026, 1, 2)),  # New Year's Day skipped
        (date(2025, 1, 4), 0, date(2025, 1, 4)),
    ],
)
def test_add_working_days(start: date, days: int, expected: date) -> None:
    result = add_working_days(start, days)
    assert result.value == expected
    assert WORKING_DAY_CAVEAT in result.caveats


def test_add_working_days_text_names_skipped_days() -> None:
    [text] = texts(add_working_days(date(2026, 12, 24), 1))
    assert text == (
        "1 working day after 2026-12-24 is 2026-12-29, not counting 2 weekend days and "
        "2 bank holidays (2026-12-25 Christmas Day, 2026-12-28 Boxing Day (observed))"
    )
    assert texts(add_working_days(date(2025, 1, 6), 3)) == [
        "3 working days after 2025-01-06 is 2025-01-09"
    ]
    assert texts(add_working_days(date(2025, 1, 3), 1)) == [
        "1 working day after 2025-01-03 is 2025-01-06, not counting 2 weekend days"
    ]


def test_working_day_caveat_says_what_is_assumed() -> None:
    assert "UNVERIFIED" in WORKING_DAY_CAVEAT
    assert "FOIA s.10(6)" in WORKING_DAY_CAVEAT and "reg 2" in WORKING_DAY_CAVEAT
    assert "SEND Regulations 2014" in WORKING_DAY_CAVEAT


def test_is_working_day_and_next_working_day() -> None:
    assert is_working_day(date(2025, 1, 6))
    assert not is_working_day(date(2025, 1, 4))  # Saturday
    assert not is_working_day(date(2025, 4, 18))  # Good Friday
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day substitute
    assert is_working_day(date(2025, 8, 15))  # August is not excluded from working days
    assert next_working_day(date(2025, 1, 6)) == date(2025, 1, 6)
    assert next_working_day(date(2026, 12, 25)) == date(2026, 12, 29)
    assert next_working_day(date(2025, 4, 18)) == date(2025, 4, 22)


def test_bank_holidays() -> None:
    bh = bank_holidays(2026)
    assert bh[date(2026, 12, 28)] == "Boxing Day (observed)"
    assert bh[date(2026, 4, 3)] == "Good Friday"
    assert bh[date(2026, 12, 25)] == "Christmas Day"
    assert date(2026, 12, 26) not in bh  # Saturday: the substitute day is the holiday
    assert all(d.year == 2026 and d.weekday() < SAT for d in bh)
    bh.clear()  # a copy: the cache is untouched
    assert date(2026, 12, 28) in bank_holidays(2026)
    assert date(2022, 9, 19) in bank_holidays(2022)  # one-off: the Queen's state funeral


# --- HESC r.12 ---------------------------------------------------------------------------------


def test_r12_worked_example_reads_like_a_proof() -> None:
    limb = add_months(date(2025, 10, 31), 2)
    rolled = hesc_r12_roll(limb.value, sen=True)
    assert texts(limb) + texts(rolled) == [
        "2 calendar months after 2025-10-31 is 2025-12-31",
        "2025-12-31 falls between 25 December and 1 January, so the appeal is in time on the "
        "first working day after 1 January: 2026-01-02",
    ]
    assert rolled.value == date(2026, 1, 2)
    assert rolled.steps[0].basis == "HESC Rules r.12(3)"
    assert WORKING_DAY_CAVEAT in rolled.caveats


@pytest.mark.parametrize("day", [date(2025, 12, d) for d in range(25, 32)] + [date(2026, 1, 1)])
def test_r12_christmas_window_every_day(day: date) -> None:
    result = hesc_r12_roll(day, sen=True)
    assert result.value == date(2026, 1, 2)
    assert "between 25 December and 1 January" in result.steps[0].text


@pytest.mark.parametrize("day", [date(2026, 12, d) for d in range(25, 32)] + [date(2027, 1, 1)])
def test_r12_christmas_window_first_working_day_after_weekend(day: date) -> None:
    result = hesc_r12_roll(day, sen=True)
    assert result.value == date(2027, 1, 4)  # 2 Jan 2027 is a Saturday
    assert result.steps[0].text.endswith(
        "2027-01-04 (2027-01-02 is a Saturday and 2027-01-03 is a Sunday)"
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 12, 24), date(2025, 12, 24)),  # Wednesday, before the window
        (date(2026, 1, 2), date(2026, 1, 2)),  # Friday, after the window
        (date(2025, 9, 1), date(2025, 9, 1)),  # Monday, after August
        (date(2025, 7, 31), date(2025, 7, 31)),  # Thursday, before August
    ],
)
def test_r12_edges_outside_windows_unchanged(day: date, expected: date) -> None:
    result = hesc_r12_roll(day, sen=True)
    assert result.value == expected
    assert texts(result) == [
        f"{day.isoformat()} is a working day outside 25 December to 1 January and outside "
        "August, so no adjustment is needed"
    ]


@pytest.mark.parametrize("d", range(1, 32))
def test_r12_every_day_of_august(d: int) -> None:
    assert hesc_r12_roll(date(2025, 8, d), sen=True).value == date(2025, 9, 1)  # a Monday
    rolled_2024 = hesc_r12_roll(date(2024, 8, d), sen=True)
    assert rolled_2024.value == date(2024, 9, 2)  # 1 Sep 2024 is a Sunday
    assert rolled_2024.steps[0].basis == "HESC Rules r.12(3)"
    assert rolled_2024.steps[0].text == (
        f"2024-08-{d:02d} falls in August, so the appeal is in time on the first working day "
        "after 31 August: 2024-09-02 (2024-09-01 is a Sunday)"
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 8, 15), date(2025, 8, 15)),  # Friday in August: stays
        (date(2025, 8, 16), date(2025, 8, 18)),  # Saturday -> Monday
        (date(2025, 8, 25), date(2025, 8, 26)),  # Late Summer Bank Holiday -> Tuesday
        (date(2025, 12, 25), date(2025, 12, 29)),  # Thu, Fri holidays, then weekend
        (date(2025, 12, 29), date(2025, 12, 29)),  # Monday in the window: stays
        (date(2026, 1, 1), date(2026, 1, 2)),  # New Year's Day -> Friday
        (date(2026, 12, 26), date(2026, 12, 29)),  # Sat, Sun, substitute Monday
    ],
)
def test_r12_non_sen_only_rolls_over_non_working_days(day: date, expected: date) -> None:
    result = hesc_r12_roll(day, sen=False)
    assert result.value == expected
    assert result.steps[0].basis == "HESC Rules r.12(3)"
    assert "not an SEN case" in result.steps[0].text
    assert result.steps[-1].basis == "HESC Rules r.12(2)"


def test_r12_non_sen_step_texts() -> None:
    assert texts(hesc_r12_roll(date(2026, 8, 31), sen=False)) == [
        "this is not an SEN case, so the 25 December to 1 January and August extension does "
        "not apply to 2026-08-31",
        "2026-08-31 is a bank holiday (Late Summer Bank Holiday), so the act is in time if done "
        "on the next working day: 2026-09-01",
    ]
    assert texts(hesc_r12_roll(date(2026, 12, 26), sen=False))[-1] == (
        "2026-12-26 is a Saturday, 2026-12-27 is a Sunday and 2026-12-28 is a bank holiday "
        "(Boxing Day (observed)), so the act is in time if done on the next working day: "
        "2026-12-29"
    )
    assert hesc_r12_roll(date(2025, 8, 15), sen=False).steps[-1] == Step(
        "2025-08-15 is a working day, so no adjustment is needed", "HESC Rules r.12(2)"
    )


def test_r12_sen_weekend_outside_windows() -> None:
    result = hesc_r12_roll(date(2025, 11, 1), sen=True)
    assert result.value == date(2025, 11, 3)
    assert result.steps == (
        Step(
            "2025-11-01 is a Saturday and 2025-11-02 is a Sunday, so the act is in time if done "
            "on the next working day: 2025-11-03",
            "HESC Rules r.12(2)",
        ),
    )


def test_r12_easter() -> None:
    result = hesc_r12_roll(date(2025, 4, 18), sen=True)
    assert result.value == date(2025, 4, 22)
    assert "2025-04-18 is a bank holiday (Good Friday)" in result.steps[0].text
    assert "(Easter Monday)" in result.steps[0].text


# --- later_of ----------------------------------------------------------------------------------


def test_later_of() -> None:
    result = later_of(date(2025, 12, 31), date(2026, 1, 29))
    assert result.value == date(2026, 1, 29)
    assert texts(result) == ["the later of 2025-12-31 and 2026-01-29 is 2026-01-29"]
    assert later_of(date(2026, 1, 29), date(2025, 12, 31)).value == date(2026, 1, 29)
    assert later_of(date(2025, 1, 1), date(2025, 1, 1)).value == date(2025, 1, 1)


def test_results_are_frozen() -> None:
    result = add_days(date(2025, 1, 1), 1)
    with pytest.raises(AttributeError):
        result.value = date(2000, 1, 1)  # type: ignore[misc]
    assert isinstance(result.steps, tuple) and isinstance(result.caveats, tuple)


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["2025-01-01", None, 20250101, datetime(2025, 1, 1, 12, 0)])
def test_non_dates_rejected(bad: object) -> None:
    with pytest.raises(ValueError, match="must be a date"):
        add_months(bad, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be a date"):
        hesc_r12_roll(bad, sen=True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be a date"):
        is_working_day(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be a date"):
        later_of(date(2025, 1, 1), bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "message"),
    [(True, "whole number"), (1.0, "whole number"), ("2", "whole number"), (-1, "negative")],
)
def test_bad_counts_rejected(bad: object, message: str) -> None:
    for fn in (add_months, add_days, add_weeks, add_working_days):
        with pytest.raises(ValueError, match=message):
            fn(date(2025, 1, 1), bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [date(1989, 12, 31), date(2101, 1, 1), date(1, 1, 1)])
def test_dates_outside_supported_range_rejected(bad: date) -> None:
    with pytest.raises(ValueError, match="outside the supported range"):
        add_days(bad, 1)
    with pytest.raises(ValueError, match="outside the supported range"):
        next_working_day(bad)


def test_results_outside_supported_range_rejected() -> None:
    with pytest.raises(ValueError, match="outside the supported range"):
        add_months(date(2100, 12, 1), 1)
    with pytest.raises(ValueError, match="outside the supported range"):
        add_days(date(2025, 1, 1), 10**9)
    for fn in (add_months, add_days, add_weeks, add_working_days):
        with pytest.raises(ValueError, match="outside the supported range"):
            fn(date(2025, 1, 1), 10**20)  # far past what datetime itself can hold
    with pytest.raises(ValueError, match="outside the supported range"):
        add_working_days(date(2100, 12, 30), 5)
    with pytest.raises(ValueError, match="outside the supported range"):
        hesc_r12_roll(date(2100, 12, 27), sen=True)
    assert add_days(date(1990, 1, 1), 0).value == date(1990, 1, 1)  # bounds are inclusive


def test_other_bad_arguments() -> None:
    with pytest.raises(ValueError, match="sen must be True or False"):
        hesc_r12_roll(date(2025, 8, 1), sen="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="outside the supported range"):
        bank_holidays(1989)
    with pytest.raises(ValueError, match="whole number"):
        bank_holidays(True)


# --- properties --------------------------------------------------------------------------------

# Stop short of 2100's Christmas so a rolled date never leaves the supported range.
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 6, 30))


@given(dates, st.booleans())
def test_r12_never_earlier_and_always_a_working_day(d: date, sen: bool) -> None:
    result = hesc_r12_roll(d, sen)
    assert result.value >= d
    assert is_working_day(result.value)
    assert result.steps and all(
        s.basis and s.basis.startswith("HESC Rules r.12") for s in result.steps
    )


@given(dates, st.booleans())
def test_r12_sen_never_before_non_sen(d: date, sen: bool) -> None:
    assert hesc_r12_roll(d, True).value >= hesc_r12_roll(d, False).value


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 1, 1)), st.integers(1, 400))
def test_add_working_days_lands_on_working_day_after_start(d: date, n: int) -> None:
    result = add_working_days(d, n)
    assert result.value > d
    assert is_working_day(result.value)
    span = (d + timedelta(days=i) for i in range(1, (result.value - d).days + 1))
    assert sum(is_working_day(x) for x in span) == n


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)), st.integers(0, 120))
def test_add_months_never_past_the_corresponding_day(d: date, n: int) -> None:
    result = add_months(d, n)
    assert result.value.day <= d.day
    months = (result.value.year - d.year) * 12 + result.value.month - d.month
    assert months == n
    assert (result.value.day < d.day) == (MONTH_END_CAVEAT in result.caveats)


# "A period of N months starting with" a day counts that day: it ends the day before the
# corresponding date (10 Mar + 6 months: 9 Sep). With no corresponding date it runs to the last
# day of the month: a period starting later never ends earlier (28 Jan -> 27 Feb, but 29, 30 and
# 31 Jan -> 28 Feb). Expected dates counted by hand on a calendar.
@pytest.mark.parametrize("start, months, expected", [
    (date(2025, 3, 10), 6, date(2025, 9, 9)),
    (date(2025, 1, 28), 1, date(2025, 2, 27)),
    (date(2025, 1, 29), 1, date(2025, 2, 28)),
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2025, 3, 31), 1, date(2025, 4, 30)),
    (date(2025, 8, 31), 6, date(2026, 2, 28)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2023, 3, 1), 12, date(2024, 2, 29)),
    (date(2025, 1, 31), 12, date(2026, 1, 30)),
])
def test_months_starting_with(start: date, months: int, expected: date) -> None:
    assert months_starting_with(start, months).value == expected


def test_months_starting_with_no_corresponding_date_text() -> None:
    result = months_starting_with(date(2025, 8, 31), 6)
    assert result.steps[-1].text.endswith("February 2026 has no day 31, so the period ends on the last day of that "
                                          "month: 2026-02-28")
    assert result.caveats  # the month-end reading is derived, not quoted: the answer says so
