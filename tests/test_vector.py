"""The vectorised backend's own parts: date built-ins over arrays agree with the Python built-ins
(the ones the proofs show) on every day of several years, and plans handle the edges the
differential tests rarely reach (no cases, several versions of the law in one batch)."""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pytest

import redress
from redress.kb.answers import comparable_outcome
from redress.kb.schema import validate_case
from redress.law.builtins import BUILTINS
from redress.compiled.vector import Builtins, Calendar, VectorEngine

EPOCH = _dt.date(1970, 1, 1)


@pytest.fixture(scope="module")
def builtins() -> Builtins:
    return Builtins(Calendar(_dt.date(1990, 1, 1), _dt.date(2101, 2, 9)))


DAYS = [_dt.date(2019, 12, 1) + _dt.timedelta(days=i) for i in range(800)]  # two Christmases, two Augusts


@pytest.mark.parametrize("name, extra", [
    ("add_months", 2), ("add_months", 1), ("months_starting_with", 2), ("add_days", 30), ("add_weeks", 5),
    ("add_working_days", 5), ("add_working_days", 0), ("time_limit_end", None), ("sen_time_limit_end", None)])
def test_date_builtins_match_the_python_ones_on_every_day(builtins: Builtins, name: str, extra: int | None) -> None:
    days = np.array([(d - EPOCH).days for d in DAYS], dtype=np.int32)
    args: list[object] = [days] + ([extra] if extra is not None else [])
    values, invalid = builtins.call(name, args)  # type: ignore[arg-type]
    assert invalid is False or not np.any(invalid)
    got = [EPOCH + _dt.timedelta(days=int(v)) for v in np.asarray(values)]
    expected = [BUILTINS[name].call((d, extra) if extra is not None else (d,)).value for d in DAYS]
    assert got == expected


def test_later_of_and_array_counts(builtins: Builtins) -> None:
    a = np.array([10, 50], dtype=np.int32)
    b = np.array([20, 40], dtype=np.int32)
    assert list(builtins.call("later_of", [a, b])[0]) == [20, 50]
    months = np.array([1, 3], dtype=np.int32)  # a per-case count is computed, not tabulated
    got, _ = builtins.call("add_months", [np.array([(_dt.date(2025, 1, 31) - EPOCH).days] * 2, dtype=np.int32), months])
    assert [EPOCH + _dt.timedelta(days=int(v)) for v in got] == [_dt.date(2025, 2, 28), _dt.date(2025, 4, 30)]


def test_dates_past_the_calendar_are_unknown_not_wrong(builtins: Builtins) -> None:
    """Plain arithmetic holds anywhere; a working-day answer past the calendar is unknown (as the
    SQL backend's calendar join gives NULL), never a wrong date."""
    late = np.array([(_dt.date(2101, 2, 8) - EPOCH).days, (_dt.date(2030, 1, 2) - EPOCH).days], dtype=np.int32)
    values, invalid = builtins.call("add_months", [late, 2])
    assert invalid is False
    assert EPOCH + _dt.timedelta(days=int(values[0])) == _dt.date(2101, 4, 8)
    outside = np.array([(_dt.date(2101, 3, 1) - EPOCH).days, (_dt.date(2030, 1, 2) - EPOCH).days], dtype=np.int32)
    values, invalid = builtins.call("time_limit_end", [outside])
    assert list(np.asarray(invalid)) == [True, False]
    assert EPOCH + _dt.timedelta(days=int(values[1])) == _dt.date(2030, 1, 2)


@pytest.fixture(scope="module")
def kb() -> redress.KnowledgeBase:
    return redress.load()


def test_cases_under_different_versions_of_the_law_in_one_batch(kb: redress.KnowledgeBase) -> None:
    """Recommendations (SI 2017/1306) apply to decisions from 3 April 2018; cases asked before and
    after the regulations came into force are answered by the rules then in force."""
    raw = [{"as_of": day, "decision": {"kind": "refuse_assessment", "sent": "2018-06-01"},
            "recommendation": {"issued": "2018-07-01"}} for day in ("2017-06-01", "2026-11-22")]
    cases = [validate_case(c) for c in raw]
    engine = VectorEngine(kb.program, kb.patterns)
    results = engine.evaluate(engine.columns(cases), list(kb.questions))
    for i, case in enumerate(cases):
        for a in kb.ask_many(list(kb.questions), case):
            d = a.to_dict()
            assert comparable_outcome(engine.decode(results[a.question], i)) == comparable_outcome(a.outcome()), a.question


def test_one_plan_spans_the_versions_each_rule_masked_to_its_days(kb: redress.KnowledgeBase) -> None:
    """Cases on both sides of each date the rules change (SI 2017/1306 and the LGSCO fact sheet
    from 3 April 2018, the Barnet judgment from 12 December 2019), a day before, on and after it,
    are answered by one plan whose date-bound rules are masked per case, exactly as the engine of
    record answers each under the rules of its own day."""
    days = ["2018-04-02", "2018-04-03", "2018-04-04", "2019-12-11", "2019-12-12", "2019-12-13", "2026-11-22"]
    decisions = [{"kind": "refuse_plan", "sent": "2018-01-10"},
                 {"kind": "recommendation_not_implemented", "sent": "2017-11-01"},
                 {"kind": "tribunal_order_not_implemented", "sent": "2017-11-01"}]
    raw = [{"as_of": day, "authority": "camden", "decision": decision, "appeal": {"grounds": ["section_b", "section_g"]},
            "recommendation": {"issued": "2017-12-01", "to": "local_authority", "responded": None}}
           for day in days for decision in decisions]
    cases = [validate_case(c) for c in raw]
    engine = VectorEngine(kb.program, kb.patterns)
    epochs = tuple(sorted({int(np.searchsorted(engine._days, (c.get("as_of") - EPOCH).days, side="right"))
                           for c in cases}))
    assert len(epochs) == 3 and engine.spanning_plan(epochs) is not None
    results = engine.evaluate(engine.columns(cases), list(kb.questions))
    for i, case in enumerate(cases):
        for a in kb.ask_many(list(kb.questions), case):
            assert comparable_outcome(engine.decode(results[a.question], i)) == comparable_outcome(a.outcome()), \
                (raw[i]["as_of"], raw[i]["decision"]["kind"], a.question)


def test_no_cases(kb: redress.KnowledgeBase) -> None:
    engine = VectorEngine(kb.program, kb.patterns)
    results = engine.evaluate(engine.columns([]), list(kb.questions))
    assert all(len(r.status) == 0 for r in results.values())


def test_answers_only_agree_with_the_engine_naming_missing_fields(kb: redress.KnowledgeBase) -> None:
    """``missing=False`` drops the field sets, never an answer: status, truth, values and the
    list members (established and possible) are the same arrays; and it refuses to decode."""
    from redress.caseload import cases as caseload_cases
    from redress.caseload import generate
    from redress.compiled.sqlgen import UnsupportedError

    cases = [validate_case(c) for c in caseload_cases(generate(400, 7))]
    full = VectorEngine(kb.program, kb.patterns)
    lean = VectorEngine(kb.program, kb.patterns, missing=False, pool=full.pool)
    columns = full.columns(cases)
    a, b = full.evaluate(columns, list(kb.questions)), lean.evaluate(columns, list(kb.questions))
    for q in kb.questions:
        for name in ("status", "truth", "value", "has_value"):
            x, y = getattr(a[q], name), getattr(b[q], name)
            assert (x is None) == (y is None) and (x is None or np.array_equal(x, y)), (q, name)
        for name in ("members", "possible"):
            x, y = getattr(a[q], name), getattr(b[q], name)
            assert x.keys() == y.keys() and all(np.array_equal(x[k], y[k]) for k in x), (q, name)
        assert b[q].missing is None or not b[q].missing.any(), q
    with pytest.raises(UnsupportedError):
        lean.decode(b["appealable"], 0)
