"""Built-in functions a rule may call (``D = add_months(Sent, 2)``).

Pure Python, no engine: the checker reads the signatures, the engine registers the functions,
and the explainer shows each result's steps. Date arithmetic lives in ``dates`` on
python-dateutil and the ``holidays`` package.
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass
from typing import Callable

from redress.core.errors import CalculationError
from redress.queries import dates

__all__ = ["Builtin", "BUILTINS", "Result"]

Result = dates.DateResult


@dataclass(frozen=True)
class Builtin:
    name: str
    arg_types: tuple[str, ...]  # "date" | "int"
    function: Callable[..., Result]
    description: str

    @property
    def arity(self) -> int:
        return len(self.arg_types)

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


BUILTINS: dict[str, Builtin] = {
    b.name: b
    for b in (
        Builtin("add_months", ("date", "int"), dates.add_months,
                "calendar months later: the corresponding date, or the month's last day"),
        Builtin("add_days", ("date", "int"), dates.add_days, "calendar days later"),
        Builtin("months_starting_with", ("date", "int"), dates.months_starting_with,
                "the last day of a period of months starting with (and counting) a date"),
        Builtin("add_weeks", ("date", "int"), dates.add_weeks, "weeks later"),
        Builtin("add_working_days", ("date", "int"), dates.add_working_days,
                "working days later (Monday to Friday, not an England bank holiday)"),
        Builtin("later_of", ("date", "date"), dates.later_of, "the later of two dates"),
        Builtin("sen_time_limit_end", ("date",), _sen_roll,
                "HESC r.12 for an SEN appeal: Christmas and August windows, then the next working day"),
        Builtin("time_limit_end", ("date",), _plain_roll,
                "HESC r.12(2): a time limit ending on a non-working day moves to the next working day"),
    )
}
