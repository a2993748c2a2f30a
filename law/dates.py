"""Date arithmetic for SEND time limits, each result carrying the steps that prove it.

Every function here is a built-in the rule engine can call. Each returns the date together with
one English sentence per step (and the provision behind it), so an explanation can show *why* a
deadline is what it is, plus the contested points the answer rests on (``caveats``).

Calendar months and England bank holidays come from ``python-dateutil`` and ``holidays``: hand-
written month arithmetic and holiday tables are exactly where deadline engines go wrong.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

__all__ = [
    "r12_windows",
    "R12_3_WINDOWS",
    "WEEKEND_DAYS",
    "TimeLimitWindow",
    "bank_holidays_between",
    "MIN_DATE",
    "MAX_DATE",
    "MONTH_END_CAVEAT",
    "WORKING_DAY_CAVEAT",
    "Step",
    "DateResult",
    "add_months",
    "add_days",
    "add_weeks",
    "add_working_days",
    "is_working_day",
    "next_working_day",
    "hesc_r12_roll",
    "later_of",
    "bank_holidays",
]

# The years for which we trust the holidays package's England data; outside them a working-day
# answer would be a guess, so we refuse rather than compute.
MIN_DATE = date(1990, 1, 1)
MAX_DATE = date(2100, 12, 31)

DODDS = "Dodds v Walker [1981]"
R12_2 = "HESC Rules r.12(2)"
R12_3 = "HESC Rules r.12(3)"

MONTH_END_CAVEAT = (
    "Where the later month has no corresponding date, the period is taken to end on the last day "
    "of that month; this is derived from Dodds v Walker [1981] rather than stated in it "
    "(minor uncertainty)."
)
WORKING_DAY_CAVEAT = (
    "'Working day' is not defined in the SEND Regulations 2014 (and the HESC Rules' definition "
    "was not checked); it is assumed to mean Monday to "
    "Friday excluding England bank holidays (including Christmas Day and Good Friday), the usual "
    "statutory formula (FOIA s.10(6); Children Act 1989 Representations Procedure (England) "
    "Regulations 2006 reg 2). UNVERIFIED."
)

# Monday is 0: the days that are never working days, whatever the holidays (every backend's
# working-day calendar is built from this and the holidays package; see WORKING_DAY_CAVEAT)
WEEKEND_DAYS = (5, 6)

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Step:
    """One step of a date computation: a sentence and the provision or authority behind it."""

    text: str
    basis: str | None


@dataclass(frozen=True)
class DateResult:
    """A computed date, the steps that prove it, and the contested points it rests on."""

    value: date
    steps: tuple[Step, ...]
    caveats: tuple[str, ...] = ()


# --- validation -------------------------------------------------------------------------------



def bank_holidays_between(first_year: int, last_year: int) -> list[date]:
    """Every England bank holiday (on a weekday) from first_year to last_year inclusive."""
    return [d for year in range(first_year, last_year + 1) for d in bank_holidays(year)]


def _holidays() -> Any:
    """The holidays package, imported on first use: most answers never need a calendar."""
    import holidays

    return holidays

def _check_date(value: object, name: str) -> date:
    # Rules pass values through untyped, so check at run time. A datetime is a date subclass, but
    # adding months to one keeps the time, so it would leak into answers: refuse it.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{name} must be a date (YYYY-MM-DD), got {value!r}")
    _check_range(value, name)
    return value


def _check_range(value: date, name: str) -> None:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(
            f"{name} {value.isoformat()} is outside the supported range "
            f"{MIN_DATE.isoformat()} to {MAX_DATE.isoformat()} (the bank-holiday data we trust)"
        )


def _check_count(value: object, name: str) -> int:
    # bool is an int subclass; True months is almost certainly a rule-author's mistake.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def _shift(start: date, what: str, *, days: int = 0, months: int = 0) -> date:
    # Huge counts overflow datetime itself; report them in the same terms as any other range error.
    # relativedelta clamps to the month's last day, which is the rule we want for short months.
    try:
        result: date = start + (relativedelta(months=months) if months else timedelta(days=days))
    except (OverflowError, ValueError):
        raise ValueError(
            f"{what} after {start.isoformat()} is outside the supported range "
            f"{MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}"
        ) from None
    if not MIN_DATE <= result <= MAX_DATE:
        raise ValueError(
            f"{what} after {start.isoformat()} is {result.isoformat()}, outside the supported "
            f"range {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}"
        )
    return result


def _join(parts: list[str]) -> str:
    """English list: "a", "a and b", "a, b and c"."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


# --- bank holidays and working days -----------------------------------------------------------


@functools.cache
def _holidays_for(year: int) -> dict[date, str]:
    # Building a holidays object is slow relative to a lookup; dates cluster in a few years.
    # Weekend-dated entries (e.g. Boxing Day on a Saturday) are dropped: the day off is the
    # substitute day, which the package lists separately, and a weekend is already non-working.
    return {
        d: name
        for d, name in sorted(_holidays().country_holidays("GB", subdiv="ENG", years=year).items())
        if d.weekday() not in WEEKEND_DAYS
    }


def bank_holidays(year: int) -> dict[date, str]:
    """England bank holidays falling on weekdays in ``year``, mapped to their names.

    Includes Christmas Day, Good Friday, substitute days and one-off proclaimed holidays, as the
    ``holidays`` package gives them. A fresh dict each call, so callers cannot corrupt the cache.
    """
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValueError(f"year must be a whole number, got {year!r}")
    if not MIN_DATE.year <= year <= MAX_DATE.year:
        raise ValueError(
            f"year {year} is outside the supported range {MIN_DATE.year} to {MAX_DATE.year}"
        )
    return dict(_holidays_for(year))


def _non_working_reason(d: date) -> str | None:
    """Why ``d`` is not a working day, as a phrase, or None if it is one."""
    if d.weekday() in WEEKEND_DAYS:
        return f"{d.isoformat()} is a {_WEEKDAY_NAMES[d.weekday()]}"
    name = _holidays_for(d.year).get(d)
    if name is not None:
        return f"{d.isoformat()} is a bank holiday ({name})"
    return None


def is_working_day(d: date) -> bool:
    """Monday to Friday and not an England bank holiday (the assumed meaning; see caveat)."""
    return _non_working_reason(_check_date(d, "date")) is None


def _roll_forward(d: date) -> tuple[date, list[str]]:
    """First working day on or after ``d``, and why each day skipped was skipped."""
    reasons: list[str] = []
    while (reason := _non_working_reason(d)) is not None:
        reasons.append(reason)
        d = _shift(d, "the next working day", days=1)
    return d, reasons


def next_working_day(d: date) -> date:
    """The first working day on or after ``d``."""
    return _roll_forward(_check_date(d, "date"))[0]


# --- period arithmetic ------------------------------------------------------------------------


def add_months(start: date, months: int) -> DateResult:
    """``months`` calendar months after ``start``: the corresponding date of the later month.

    The day of the event is excluded and the period ends on the corresponding date (Dodds v
    Walker); with no corresponding date (31 Jan + 1 month) it ends on the month's last day.
    """
    start = _check_date(start, "start")
    months = _check_count(months, "months")
    end = _shift(start, _plural(months, "calendar month"), months=months)
    head = f"{_plural(months, 'calendar month')} after {start.isoformat()} is {end.isoformat()}"
    if end.day == start.day:
        return DateResult(end, (Step(head, DODDS),))
    text = (
        f"{head}: {end.strftime('%B %Y')} has no day {start.day}, "
        f"so the period ends on the last day of that month"
    )
    return DateResult(end, (Step(text, DODDS),), (MONTH_END_CAVEAT,))


def months_starting_with(start: date, months: int) -> DateResult:
    """The last day of a period of ``months`` months *starting with* ``start`` (the start day
    counts), as in the Equality Act 2010 Sch 17 para 4 and LGA 1974 s.26B ("beginning with"):
    the day before the corresponding date. With no corresponding date (a period starting with
    31 August runs into a February), the period runs to the last day of that month: counting the
    start day never makes a period shorter than one starting a day or more earlier (28 Jan to
    27 Feb, so 29, 30 and 31 Jan to 28 Feb; Pruden v Cunard Ellerman [1993] IRLR 317)."""
    later = add_months(start, months)
    if later.value.day != start.day:  # clamped to the month's last day: there is no day before to take
        end = later.value
        text = (f"a period of {_plural(months, 'month')} starting with {start.isoformat()} counts that day; "
                f"{end.strftime('%B %Y')} has no day {start.day}, so the period ends on the last day of that "
                f"month: {end.isoformat()}")
    else:
        end = _shift(later.value, "1 calendar day", days=-1)
        text = (f"a period of {_plural(months, 'month')} starting with {start.isoformat()} counts that day, "
                f"so it ends the day before {later.value.isoformat()}: {end.isoformat()}")
    return DateResult(end, later.steps + (Step(text, None),), later.caveats)


def add_days(start: date, days: int) -> DateResult:
    """``days`` calendar days after ``start`` (the start day itself not counted)."""
    start = _check_date(start, "start")
    days = _check_count(days, "days")
    end = _shift(start, _plural(days, "calendar day"), days=days)
    text = f"{_plural(days, 'calendar day')} after {start.isoformat()} is {end.isoformat()}"
    return DateResult(end, (Step(text, None),))


def add_weeks(start: date, weeks: int) -> DateResult:
    """``weeks`` weeks after ``start``: the same weekday ``weeks`` weeks on."""
    start = _check_date(start, "start")
    weeks = _check_count(weeks, "weeks")
    end = _shift(start, _plural(weeks, "week"), days=7 * weeks)
    text = f"{_plural(weeks, 'week')} after {start.isoformat()} is {end.isoformat()}"
    return DateResult(end, (Step(text, None),))


def add_working_days(start: date, days: int) -> DateResult:
    """The ``days``-th working day after ``start`` (start excluded); 0 gives ``start`` itself."""
    start = _check_date(start, "start")
    days = _check_count(days, "days")
    what = _plural(days, "working day")
    # Each working day is at least one calendar day, so this bounds the loop below up front.
    _shift(start, what, days=days)
    current, counted, weekend_days = start, 0, 0
    skipped_holidays: list[str] = []
    while counted < days:
        current = _shift(current, what, days=1)
        if current.weekday() in WEEKEND_DAYS:
            weekend_days += 1
        elif (name := _holidays_for(current.year).get(current)) is not None:
            skipped_holidays.append(f"{current.isoformat()} {name}")
        else:
            counted += 1
    text = f"{what} after {start.isoformat()} is {current.isoformat()}"
    skipped: list[str] = []
    if weekend_days:
        skipped.append(_plural(weekend_days, "weekend day"))
    if skipped_holidays:
        skipped.append(
            f"{_plural(len(skipped_holidays), 'bank holiday')} ({', '.join(skipped_holidays)})"
        )
    if skipped:
        text += ", not counting " + _join(skipped)
    return DateResult(current, (Step(text, None),), (WORKING_DAY_CAVEAT,))


def later_of(a: date, b: date) -> DateResult:
    """The later of two dates (HESC r.20(1)(c): the appeal limb that ends later governs)."""
    a = _check_date(a, "first date")
    b = _check_date(b, "second date")
    later = max(a, b)
    text = f"the later of {a.isoformat()} and {b.isoformat()} is {later.isoformat()}"
    return DateResult(later, (Step(text, None),))


# --- HESC r.12 --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeLimitWindow:
    """A holiday period of HESC r.12(3): an SEN appeal's time limit ending in it moves to the
    first working day after its last day. Stated once here; the Python, SQL and numpy forms of
    ``sen_time_limit_end`` and the timeline all read ``R12_3_WINDOWS``."""

    name: str  # "25 December to 1 January"
    falls: str  # "falls between 25 December and 1 January"
    first: tuple[int, int]  # (month, day) of its first day
    last: tuple[int, int]  # of its last day: before ``first`` when it runs into the next year

    @property
    def last_day(self) -> str:
        last = date(2001, *self.last)
        return f"{last.day} {last.strftime('%B')}"

    @property
    def resume(self) -> tuple[int, int]:
        """(month, day) of the day after the last day (2001: no 29 February to stumble on)."""
        after = date(2001, *self.last) + timedelta(days=1)
        return after.month, after.day

    def segments(self) -> tuple[tuple[int, int, int], ...]:
        """The window as runs within one calendar year, each (first, last, years on to the day
        after the window), days written month * 100 + day: 25 December to 1 January is
        (1225, 1231, 1) and (101, 101, 0)."""
        lo, hi, after = (self.first[0] * 100 + self.first[1], self.last[0] * 100 + self.last[1],
                         self.resume[0] * 100 + self.resume[1])
        runs = ((lo, hi),) if lo <= hi else ((lo, 1231), (101, hi))
        return tuple((a, b, 1 if after < a else 0) for a, b in runs)

    def containing(self, d: date) -> date | None:
        """The day after this window for a date in it (before the range check), else None."""
        md = d.month * 100 + d.day
        for lo, hi, years_on in self.segments():
            if lo <= md <= hi:
                return date(d.year + years_on, *self.resume)
        return None


R12_3_WINDOWS = (
    TimeLimitWindow("25 December to 1 January", "falls between 25 December and 1 January", (12, 25), (1, 1)),
    TimeLimitWindow("August", "falls in August", (8, 1), (8, 31)),
)


def _r12_3_window(d: date) -> tuple[TimeLimitWindow, date] | None:
    for window in R12_3_WINDOWS:
        if (after := window.containing(d)) is not None:
            return window, after
    return None


def hesc_r12_roll(deadline: date, sen: bool) -> DateResult:
    """Apply HESC Rules r.12 to the last day for sending an application notice.

    SEN case (r.12(3)): a deadline from 25 December to 1 January inclusive moves to the first
    working day after 1 January; one in August to the first working day after 31 August. Then,
    and in every non-SEN case (e.g. disability discrimination, since the 2020 amendment), a
    deadline on a non-working day moves to the next working day (r.12(2)). Never moves earlier.
    """
    deadline = _check_date(deadline, "deadline")
    if not isinstance(sen, bool):
        raise ValueError(f"sen must be True or False, got {sen!r}")
    iso = deadline.isoformat()
    steps: list[Step] = []
    found = _r12_3_window(deadline)
    windows = [w.name for w in R12_3_WINDOWS]

    if sen and found is not None:
        window, anchor = found  # 25-31 December belongs to the *following* 1 January
        _check_range(anchor, "the first day after the holiday period")
        rolled, reasons = _roll_forward(anchor)
        why = f" ({_join(reasons)})" if reasons else ""
        steps.append(
            Step(
                f"{iso} {window.falls}, so the appeal is in time on the first working day after "
                f"{window.last_day}: {rolled.isoformat()}{why}",
                R12_3,
            )
        )
        return DateResult(rolled, tuple(steps), (WORKING_DAY_CAVEAT,))

    if found is not None:
        # Say so explicitly: a reader would otherwise expect the August/Christmas extension.
        steps.append(
            Step(
                f"this is not an SEN case, so the {' and '.join(windows)} "
                f"extension does not apply to {iso}",
                R12_3,
            )
        )
    rolled, reasons = _roll_forward(deadline)
    if reasons:
        steps.append(
            Step(
                f"{_join(reasons)}, so the act is in time if done on the next working day: "
                f"{rolled.isoformat()}",
                R12_2,
            )
        )
    elif sen:
        steps.append(
            Step(
                f"{iso} is a working day outside {' and outside '.join(windows)}, "
                f"so no adjustment is needed",
                "HESC Rules r.12",
            )
        )
    else:
        steps.append(Step(f"{iso} is a working day, so no adjustment is needed", R12_2))
    return DateResult(rolled, tuple(steps), (WORKING_DAY_CAVEAT,))


def r12_windows(first: date, last: date) -> list[tuple[date, date, str]]:
    """The HESC r.12(3) holiday periods (25 December to 1 January, and August) overlapping
    ``first``..``last``, as (first day, last day, name), for drawing a timeline."""
    out: list[tuple[date, date, str]] = []
    for year in range(first.year - 1, last.year + 1):
        for window in sorted(R12_3_WINDOWS, key=lambda w: w.first):
            start = date(year, *window.first)
            end = date(year + (window.last < window.first), *window.last)
            if start <= last and end >= first:
                out.append((start, end, window.name))
    return out
