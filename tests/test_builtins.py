"""Each built-in is one object with its Python, SQL and numpy forms (``redress.law.builtins``):
every form gives the same date on every day of two Christmases and two Augusts, month ends and
leap days, and the checker rejects a built-in some backend lacks."""

from __future__ import annotations

import dataclasses
import datetime as _dt

import duckdb
import numpy as np
import pytest

from redress.kb.checker import check
from redress.parser.parse import parse_text
from redress.law import dates
from redress.law.builtins import BACKEND_FORMS, BUILTINS
from redress.compiled.sqlgen import _Dialect, calendar_sql
from redress.law.workdays import EPOCH, Calendar

DAYS = sorted({_dt.date(2019, 12, 1) + _dt.timedelta(days=i) for i in range(800)}
              | {_dt.date(y, m, d) for y in (2023, 2024) for m, d in ((1, 31), (2, 28), (2, 29) if y == 2024 else (3, 1),
                                                                   (8, 31), (12, 24), (12, 25), (12, 31))})


def _args(name: str) -> list[tuple[object, ...]]:
    kinds = BUILTINS[name].arg_types
    if kinds == ("date", "date"):
        return [(d, DAYS[(i * 37) % len(DAYS)]) for i, d in enumerate(DAYS)]
    return [(d, *(3 if k == "int" else None for k in kinds[1:])) for d in DAYS]


def test_every_builtin_has_every_form() -> None:
    assert BACKEND_FORMS == ("sql", "numpy")
    assert {name: b.missing_forms() for name, b in BUILTINS.items() if b.missing_forms()} == {}


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for sql in calendar_sql("duckdb", dates.bank_holidays_between(2019, 2026), _dt.date(2019, 1, 1), _dt.date(2026, 12, 31)):
        con.execute(sql)
    return con


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_the_three_forms_agree_on_every_day(name: str, con: duckdb.DuckDBPyConnection) -> None:
    builtin = BUILTINS[name]
    rows = _args(name)
    python = [builtin.call(args).value for args in rows]

    cal = Calendar(_dt.date(2019, 1, 1), _dt.date(2026, 12, 31))
    columns = [np.array([(a[i] - EPOCH).days if isinstance(a[i], _dt.date) else a[i] for a in rows])  # type: ignore[operator]
               for i in range(builtin.arity)]
    numpy_args = [columns[0]] + [int(c[0]) if k == "int" else c for c, k in zip(columns[1:], builtin.arg_types[1:])]
    assert builtin.numpy is not None and builtin.sql is not None
    values, invalid = builtin.numpy(cal, numpy_args)  # type: ignore[arg-type]
    assert not np.any(invalid)
    assert [EPOCH + _dt.timedelta(days=int(v)) for v in np.asarray(values)] == python

    names = [f"a{i}" for i in range(builtin.arity)]
    columns_sql = ", ".join(f"{n} {'DATE' if k == 'date' else 'INTEGER'}" for n, k in zip(names, builtin.arg_types))
    con.execute(f"CREATE OR REPLACE TABLE t (k INTEGER, {columns_sql})")
    con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * (builtin.arity + 1))})", [(i, *a) for i, a in enumerate(rows)])
    sql = builtin.sql(_Dialect("duckdb"), names)
    assert [r[0] for r in con.execute(f"SELECT {sql} FROM t ORDER BY k").fetchall()] == python


def test_a_null_argument_gives_null_in_sql(con: duckdb.DuckDBPyConnection) -> None:
    for name, builtin in BUILTINS.items():
        assert builtin.sql is not None
        args = ["CAST(NULL AS DATE)"] + ["3" if k == "int" else "DATE '2024-01-01'" for k in builtin.arg_types[1:]]
        assert con.execute(f"SELECT {builtin.sql(_Dialect('duckdb'), args)}").fetchone() == (None,), name


RULES = """provision "P 1":
    title "A provision"
end

input decision_sent(Case, Date) from decision.sent
    means "the decision in {Case} was sent on {Date}".
predicate day_after(Case, Date)
    means "the day after the decision in {Case} was sent is {Date}".

rule day_after_sending cites "P 1":
    day_after(C, D) if decision_sent(C, S) and D = add_days(S, 1).
"""


def test_the_checker_rejects_a_builtin_a_backend_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    assert [d for d in check((parse_text(RULES, "t.rules"),)) if d.severity == "error"] == []
    monkeypatch.setitem(BUILTINS, "add_days", dataclasses.replace(BUILTINS["add_days"], numpy=None))
    errors = [d for d in check((parse_text(RULES, "t.rules"),)) if d.code == "builtin-backend"]
    assert len(errors) == 1 and "no numpy form" in errors[0].message and errors[0].span.line == 11


def test_the_r12_3_windows_are_stated_once() -> None:
    """25 December to 1 January runs into the next year: two runs within a year; August one."""
    christmas, august = dates.R12_3_WINDOWS
    assert christmas.segments() == ((1225, 1231, 1), (101, 101, 0)) and christmas.resume == (1, 2)
    assert august.segments() == ((801, 831, 0),) and august.resume == (9, 1) and august.last_day == "31 August"
    assert christmas.containing(_dt.date(2024, 12, 27)) == _dt.date(2025, 1, 2)
    assert christmas.containing(_dt.date(2025, 1, 1)) == _dt.date(2025, 1, 2)
    assert august.containing(_dt.date(2025, 9, 1)) is None
    assert dates.r12_windows(_dt.date(2025, 7, 1), _dt.date(2026, 1, 10)) == [
        (_dt.date(2025, 8, 1), _dt.date(2025, 8, 31), "August"),
        (_dt.date(2025, 12, 25), _dt.date(2026, 1, 1), "25 December to 1 January")]
