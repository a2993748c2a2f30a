"""Built-in functions a rule may call (``D = add_months(Sent, 2)``): each one object with every
form a backend evaluates it in, so a built-in is added or changed in one place.

* ``function``: Python, with the steps that prove its result (``dates``, on python-dateutil and
  the holidays package): the engine of record registers it and the explainer shows the steps;
* ``sql``: an SQL expression over the argument expressions, for ``sqlgen`` (NULL in, NULL out),
  written against ``SqlDialect``, which ``sqlgen`` implements for DuckDB and PostgreSQL;
* ``numpy``: arrays in, (values, invalid) out, for the vectorised backend, over ``workdays``;
  ``tabled`` says it may be computed once per calendar day when its other arguments are constants.

The checker reads the signatures and rejects a built-in any backend lacks (``missing_forms``). No
module here imports numpy: the engine of record's cold start never pays for it.
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Protocol

from redress.core.errors import CalculationError
from redress.law import dates

if TYPE_CHECKING:
    from redress.law.workdays import Calendar, Mask, Values

__all__ = ["Builtin", "BUILTINS", "Result", "SqlDialect", "BACKEND_FORMS"]

Result = dates.DateResult
BACKEND_FORMS = ("sql", "numpy")  # besides the Python function, which every built-in has


class SqlDialect(Protocol):
    """What an SQL form needs of a dialect: expressions over expressions."""

    def add_months(self, d: str, n: str) -> str: ...
    def month(self, d: str) -> str: ...
    def day(self, d: str) -> str: ...
    def year(self, d: str) -> str: ...
    def make_date(self, year: str, month: int, day: int) -> str: ...
    def next_working_day(self, d: str) -> str: ...
    def working_day_after(self, d: str, n: str) -> str: ...


SqlForm = Callable[[SqlDialect, list[str]], str]
NumpyForm = Callable[["Calendar", list["Values"]], tuple["Values", "Mask"]]


@dataclass(frozen=True)
class Builtin:
    name: str
    arg_types: tuple[str, ...]  # "date" | "int"
    function: Callable[..., Result]
    description: str
    sql: SqlForm | None = None
    numpy: NumpyForm | None = None
    tabled: bool = False

    @property
    def arity(self) -> int:
        return len(self.arg_types)

    def missing_forms(self) -> list[str]:
        """The backends this built-in cannot run on (the checker rejects its use)."""
        return [form for form in BACKEND_FORMS if getattr(self, form) is None]

    def call(self, args: tuple[object, ...]) -> Result:
        """Compute the result; a value the calendar cannot hold is a CalculationError, not a crash."""
        try:
            return _memo(self.function, args)
        except ValueError as err:
            shown = ", ".join(a.isoformat() if isinstance(a, _dt.date) else str(a) for a in args)
            raise CalculationError(f"{self.name}({shown}): {err}") from None

    def accepts(self, args: tuple[object, ...]) -> bool:
        for value, kind in zip(args, self.arg_types):
            if kind == "date" and (not isinstance(value, _dt.date) or isinstance(value, _dt.datetime)):
                return False
            # an int is a count: the date functions take none below zero (dates._check_count), so a
            # negative one, like a wrong type, is a value the function does not apply to
            if kind == "int" and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                return False
        return True


@functools.lru_cache(maxsize=4096)
def _memo(function: Callable[..., Result], args: tuple[object, ...]) -> Result:
    """Built-ins are pure and results immutable, so the engine and the explainer share one
    computation per argument tuple."""
    return function(*args)


def _sen_roll(d: _dt.date) -> Result:
    return dates.hesc_r12_roll(d, sen=True)


def _plain_roll(d: _dt.date) -> Result:
    return dates.hesc_r12_roll(d, sen=False)


# --- SQL forms -------------------------------------------------------------------------------


def _sql_months_starting_with(s: SqlDialect, a: list[str]) -> str:
    # the day before the corresponding date, else (clamped to the month's end) the month's last day
    later = s.add_months(a[0], a[1])
    return (f"(CASE WHEN {s.day(later)} <> {s.day(a[0])} THEN {later} "
            f"ELSE CAST({later} - 1 AS DATE) END)")


def _sql_later_of(s: SqlDialect, a: list[str]) -> str:
    return f"(CASE WHEN {a[0]} IS NULL OR {a[1]} IS NULL THEN NULL WHEN {a[0]} >= {a[1]} THEN {a[0]} ELSE {a[1]} END)"


def _sql_sen_roll(s: SqlDialect, a: list[str]) -> str:
    d = a[0]
    md = f"{s.month(d)} * 100 + {s.day(d)}"
    whens = "".join(
        f"WHEN {md} BETWEEN {lo} AND {hi} THEN "
        f"{s.next_working_day(s.make_date(f'{s.year(d)} + {years_on}', *window.resume))} "
        for window in dates.R12_3_WINDOWS for lo, hi, years_on in window.segments())
    return f"(CASE WHEN {d} IS NULL THEN NULL {whens}ELSE {s.next_working_day(d)} END)"


# --- numpy forms (numpy imported on first use, by the vectorised backend only) ---------------


def _np(values: Any) -> Any:
    import numpy as np

    return np.asarray(values)


def _np_add_months(cal: Calendar, a: list[Values]) -> tuple[Values, Mask]:
    from redress.law import workdays

    return workdays.add_months(a[0], a[1]), False


def _np_months_starting_with(cal: Calendar, a: list[Values]) -> tuple[Values, Mask]:
    from redress.law import workdays

    return workdays.add_months(a[0], a[1], starting_with=True), False


def _np_later_of(cal: Calendar, a: list[Values]) -> tuple[Values, Mask]:
    import numpy as np

    return np.maximum(a[0], a[1]), False


def _np_sen_roll(cal: Calendar, a: list[Values]) -> tuple[Values, Mask]:
    from redress.law import workdays

    return cal.next_working(workdays.day_after_window(a[0]))


BUILTINS: dict[str, Builtin] = {
    b.name: b
    for b in (
        Builtin("add_months", ("date", "int"), dates.add_months,
                "calendar months later: the corresponding date, or the month's last day",
                sql=lambda s, a: s.add_months(a[0], a[1]), numpy=_np_add_months, tabled=True),
        Builtin("add_days", ("date", "int"), dates.add_days, "calendar days later",
                sql=lambda s, a: f"CAST({a[0]} + {a[1]} AS DATE)",
                numpy=lambda cal, a: (_np(a[0]) + a[1], False), tabled=True),
        Builtin("months_starting_with", ("date", "int"), dates.months_starting_with,
                "the last day of a period of months starting with (and counting) a date",
                sql=_sql_months_starting_with, numpy=_np_months_starting_with, tabled=True),
        Builtin("add_weeks", ("date", "int"), dates.add_weeks, "weeks later",
                sql=lambda s, a: f"CAST({a[0]} + 7 * {a[1]} AS DATE)",
                numpy=lambda cal, a: (_np(a[0]) + 7 * _np(a[1]), False), tabled=True),
        Builtin("add_working_days", ("date", "int"), dates.add_working_days,
                "working days later (Monday to Friday, not an England bank holiday)",
                sql=lambda s, a: s.working_day_after(a[0], a[1]),
                numpy=lambda cal, a: cal.add_working(a[0], a[1]), tabled=True),
        Builtin("later_of", ("date", "date"), dates.later_of, "the later of two dates",
                sql=_sql_later_of, numpy=_np_later_of),
        Builtin("sen_time_limit_end", ("date",), _sen_roll,
                "HESC r.12 for an SEN appeal: Christmas and August windows, then the next working day",
                sql=_sql_sen_roll, numpy=_np_sen_roll, tabled=True),
        Builtin("time_limit_end", ("date",), _plain_roll,
                "HESC r.12(2): a time limit ending on a non-working day moves to the next working day",
                sql=lambda s, a: s.next_working_day(a[0]),
                numpy=lambda cal, a: cal.next_working(a[0]), tabled=True),
    )
}
