"""The built-ins over arrays (their numpy forms live with the built-ins, ``law.builtins``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from redress.compiled.sqlgen import UnsupportedError
from redress.compiled.vector.masks import CODE, full
from redress.law.builtins import BUILTINS
from redress.law.workdays import Calendar, Mask, Values


class Builtins:
    """The built-ins over arrays: (values, invalid) where invalid marks results the calendar cannot hold.

    A date function whose other arguments are constants (``add_months(Sent, 2)``) is computed once
    for every day of the calendar; over the cases it is then a single lookup."""

    def __init__(self, calendar: Calendar):
        self.cal = calendar
        self._tables: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray]] = {}

    def call(self, name: str, args: list[Values]) -> tuple[Values, Mask]:
        if name in BUILTINS and BUILTINS[name].tabled and isinstance(args[0], np.ndarray) and all(isinstance(a, int) for a in args[1:]):
            return self._lookup(name, args)
        return self.compute(name, args)

    def _lookup(self, name: str, args: list[Values]) -> tuple[Values, Mask]:
        key = (name, *args[1:])
        if key not in self._tables:
            days = np.arange(self.cal.start, self.cal.start + self.cal.size, dtype=np.int64)
            values, invalid = self.compute(name, [days, *args[1:]])
            self._tables[key] = (np.asarray(values, dtype=CODE), full(invalid, len(days)))
        table, bad = self._tables[key]
        index = np.asarray(args[0]) - self.cal.start
        if len(index) == 0:
            return index, False
        lo, hi = int(index.min()), int(index.max())
        if lo < 0 or hi >= self.cal.size:  # some date outside the calendar: those results are unknown
            outside = (index < 0) | (index >= self.cal.size)
            index = np.clip(index, 0, self.cal.size - 1)
            return table[index], outside | bad[index]
        return table[index], (bad[index] if bad[lo:hi + 1].any() else False)

    def compute(self, name: str, args: list[Values]) -> tuple[Values, Mask]:
        form = BUILTINS[name].numpy if name in BUILTINS else None
        if form is None:
            raise UnsupportedError(f"built-in {name!r} has no vectorised form")
        return form(self.cal, args)

