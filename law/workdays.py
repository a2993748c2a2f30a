"""The working-day calendar and calendar-month arithmetic over numpy arrays of day numbers
(days since 1970-01-01): what the numpy forms of the built-ins (``builtins``) compute with.

The meaning is ``dates``'s, read from its data: a working day is not one of ``WEEKEND_DAYS`` nor
an England bank holiday from the holidays package, and the HESC r.12(3) periods are
``R12_3_WINDOWS``. The differential tests hold these forms to the Python ones.
"""

from __future__ import annotations

import datetime as _dt
from typing import Union

import numpy as np

from redress.law import dates

__all__ = ["Calendar", "EPOCH", "Mask", "Values", "add_months", "day_after_window"]

Mask = Union[bool, np.ndarray]
Values = Union[int, np.ndarray]
EPOCH = _dt.date(1970, 1, 1)


class Calendar:
    """Working days from ``start`` to ``end`` as lookup arrays."""

    def __init__(self, start: _dt.date, end: _dt.date):
        self.start = (start - EPOCH).days
        days = np.arange(self.start, (end - EPOCH).days + 1, dtype=np.int64)
        holidays = np.array([(h - EPOCH).days for h in dates.bank_holidays_between(
                                 start.year, min(end.year, dates.MAX_DATE.year))],
                            dtype=np.int64)
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0, as in dates
        working = ~np.isin(weekday, dates.WEEKEND_DAYS) & ~np.isin(days, holidays)
        self.wd = np.cumsum(working)  # working days up to and including each day
        self.working_days = np.concatenate([[days[0]], days[working]])  # k-th working day (1-based)
        # next working day on or after each day
        idx = np.where(working, np.arange(len(days)), len(days))
        nxt = np.minimum.accumulate(idx[::-1])[::-1]
        self.next_wd = np.where(nxt < len(days), days[np.minimum(nxt, len(days) - 1)], -1)
        self.size = len(days)

    def _index(self, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i = d - self.start
        ok = (i >= 0) & (i < self.size)
        return np.clip(i, 0, self.size - 1), ok

    def next_working(self, d: Values) -> tuple[Values, Mask]:
        arr = np.asarray(d, dtype=np.int64)
        i, ok = self._index(arr)
        out = self.next_wd[i]
        return out, ~ok | (out < 0)

    def add_working(self, d: Values, n: Values) -> tuple[Values, Mask]:
        arr = np.asarray(d, dtype=np.int64)
        i, ok = self._index(arr)
        k = self.wd[i] + np.asarray(n, dtype=np.int64)
        k_ok = (k >= 0) & (k < len(self.working_days))
        out = np.where(np.asarray(n) == 0, arr, self.working_days[np.clip(k, 0, len(self.working_days) - 1)])
        return out, ~(ok & k_ok)


def add_months(d: Values, n: Values, starting_with: bool = False) -> Values:
    """``add_months`` (the corresponding date, else the month's last day) or, with
    ``starting_with``, ``months_starting_with`` (the day before it, else the month's last day)."""
    days = np.asarray(d, dtype=np.int64).astype("datetime64[D]")
    month = days.astype("datetime64[M]")
    day = (days - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.asarray(n, dtype=np.int64)
    first = target.astype("datetime64[D]")
    last = (target + 1).astype("datetime64[D]") - 1
    corresponding = first + day
    out: np.ndarray = (np.where(corresponding > last, last, corresponding - 1) if starting_with
                       else np.minimum(corresponding, last))
    return (out - np.datetime64("1970-01-01")).astype(np.int64)


def _ymd(d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    days = np.asarray(d, dtype=np.int64).astype("datetime64[D]")
    y = days.astype("datetime64[Y]")
    m = days.astype("datetime64[M]")
    month = (m - y.astype("datetime64[M]")).astype(np.int64) + 1
    day = (days - m.astype("datetime64[D]")).astype(np.int64) + 1
    year = y.astype(np.int64) + 1970
    return year, month, day


def _day_number(year: np.ndarray, month: int, day: int) -> np.ndarray:
    base = (year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (month - 1)
    return (base.astype("datetime64[D]") + (day - 1) - np.datetime64("1970-01-01")).astype(np.int64)


def day_after_window(d: Values) -> np.ndarray:
    """Each date in an r.12(3) window moved to the day after it (``dates.R12_3_WINDOWS``);
    every other date as it is."""
    arr = np.asarray(d, dtype=np.int64)
    year, month, day = _ymd(arr)
    md = month * 100 + day
    out = arr
    for window in dates.R12_3_WINDOWS:  # disjoint: each date is in one run of one window at most
        for lo, hi, years_on in window.segments():
            out = np.where((md >= lo) & (md <= hi), _day_number(year + years_on, *window.resume), out)
    return out
