"""The Datalog conformance suite (``conformance_cases.py``) on every backend: pyDatalog with the
Prover proving each row (engine of record), the generated SQL on DuckDB, the numpy plan; and the
issue-19 reproducers on PostgreSQL (in ``test_postgres.py``). Each case under a time bound: no
backend may hang on a program the checker accepts."""

from __future__ import annotations

import datetime as _dt

import pytest
from conformance import compile_case, engine_rows, numpy_rows, rows, sql_rows
from conformance_cases import CASES, Case

from redress.errors import RedressCheckError
from redress.compiled.sqlgen import UnsupportedError, compile_sql
from redress.compiled.vector import Builtins, Calendar, Pool, VectorProgram

RUNNABLE = [c for c in CASES if not c.errors]
pytestmark = pytest.mark.timeout(60, method="thread")  # a hang inside pyDatalog's compiled code too


def test_the_suite_has_at_least_a_hundred_cases() -> None:
    assert len(CASES) >= 100
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [c for c in CASES if c.errors], ids=lambda c: c.name)
def test_the_checker_refuses(case: Case) -> None:
    with pytest.raises(RedressCheckError) as err:
        compile_case(case.decl, case.src)
    codes = {d.code for d in err.value.diagnostics}  # type: ignore[attr-defined]
    assert set(case.errors) <= codes, str(err.value)
    assert all(str(d).startswith("case.rules:") for d in err.value.diagnostics)  # file:line:col


@pytest.mark.parametrize("case", RUNNABLE, ids=lambda c: c.name)
def test_pydatalog_and_the_prover(case: Case) -> None:
    program = compile_case(case.decl, case.src)
    assert engine_rows(program, case.expect) == {r: rows(t) for r, t in case.expect.items()}


@pytest.mark.parametrize("case", RUNNABLE, ids=lambda c: c.name)
def test_sql_on_duckdb(case: Case) -> None:
    program = compile_case(case.decl, case.src)
    if not case.compiled:
        with pytest.raises(UnsupportedError, match=r"case\.rules:\d+:\d+: rule .*one type per column"):
            compile_sql(program)
        return
    assert sql_rows(program, case.expect) == {r: rows(t) for r, t in case.expect.items()}


@pytest.mark.parametrize("case", RUNNABLE, ids=lambda c: c.name)
def test_numpy(case: Case) -> None:
    program = compile_case(case.decl, case.src)
    if not case.compiled:
        with pytest.raises(UnsupportedError, match=r"case\.rules:\d+:\d+: rule .*one type per column"):
            VectorProgram(program, {}, Pool(), Builtins(Calendar(_dt.date(2024, 1, 1), _dt.date(2024, 1, 2))), {})
        return
    assert numpy_rows(program, case.expect) == {r: rows(t) for r, t in case.expect.items()}

