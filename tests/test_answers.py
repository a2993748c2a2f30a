"""The contract's answer rule (kb/answers.py), once for every backend: its truth table per kind,
written out by hand from the contract (shared/spec/contract.md), and its SQL and numpy renderings
held to the Python one on every combination of the facts it reads."""

from __future__ import annotations

import datetime as _dt
import itertools
import json
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from conformance import HEADER

import redress
from redress.core.errors import KnowledgeBaseError
from redress.kb.answers import (CONFLICT, CONFLICT_ANSWER, DETERMINED, FACTS, OPEN, RULES, SEVERAL, SOME,
                                UNDETERMINED, Outcome, Possible, assemble, present, shape, status_of, status_sql)
from redress.compiled.columnar import ColumnarEngine
from redress.compiled.vector import STATUS_NAMES, status_codes

F, G = "decision.kind", "disagreement.stage"

# (established, open, open fields) -> (status, answer, missing): yes/no, its definite rows give True
YES_NO = [
    ([], False, [F], (DETERMINED, False, ())),  # nothing proves it and nothing could: no
    ([], True, [F], (UNDETERMINED, None, (F,))),  # nothing proves it yet, something could
    ([True], False, [F], (DETERMINED, True, ())),  # proved
    ([True], True, [F], (DETERMINED, True, ())),  # proved: what else might hold changes nothing
]

VALUE = [
    ([], False, [F], (DETERMINED, None, ())),  # no value, and none could come
    ([], True, [F, G], (UNDETERMINED, None, (F, G))),
    (["a"], False, [F], (DETERMINED, "a", ())),
    (["a"], True, [F], (UNDETERMINED, None, (F,))),  # one value, but another could yet be proved
    (["a", "a"], False, [], (DETERMINED, "a", ())),  # one value, proved twice
    (["a", "b"], False, [F], (CONFLICT, CONFLICT_ANSWER, ())),  # two values
    (["a", "b"], True, [F], (UNDETERMINED, None, (F,))),  # open before conflicting
]

# (established, possible members -> fields) -> (status, answer, possible, missing)
LIST: list[tuple[list[Any], dict[Any, tuple[str, ...]], tuple[Any, ...]]] = [
    ([], {}, (DETERMINED, [], (), ())),  # nothing, and nothing could be added: the empty list
    ([], {"x": (F,)}, (UNDETERMINED, None, (Possible("x", (F,)),), (F,))),
    ([], {None: (G,), "x": (F,)}, (UNDETERMINED, None, (Possible("x", (F,)), Possible(None, (G,))), (F, G))),
    (["a"], {}, (DETERMINED, ["a"], (), ())),
    (["a"], {"x": (F,)}, (DETERMINED, ["a"], (Possible("x", (F,)),), (F,))),  # one member is enough
    (["b", "a"], {"a": (F,), "c": (G,), "b": ()}, (DETERMINED, ["b", "a"], (Possible("c", (G,)),), (G,))),
]


@pytest.mark.parametrize("kind, rows", [("yes_no", YES_NO), ("value", VALUE), ("date", VALUE)])
def test_yes_no_and_value_truth_tables(kind: str, rows: list[tuple[list[Any], bool, list[str], tuple[Any, ...]]]
                                       ) -> None:
    for established, open_, fields, expected in rows:
        outcome = assemble(kind, established, open_, fields)
        assert (outcome.status, outcome.answer, outcome.missing) == expected, (kind, established, open_)
        assert outcome.possible is None


def test_list_truth_table() -> None:
    for established, possible, (status, answer, members, missing) in LIST:
        assert assemble("list", established, possible) == Outcome(status, answer, members, missing), established


def test_a_decided_status_is_shaped_as_assemble_shapes_it() -> None:
    """The compiled backends decide the status themselves (SQL, masks) and shape the rest."""
    for kind, rows in (("yes_no", YES_NO), ("value", VALUE)):
        for established, open_, fields, _ in rows:
            outcome = assemble(kind, established, open_, fields)
            shown = list(dict.fromkeys(established))
            assert shape(kind, outcome.status, shown).naming(fields) == outcome


def _combinations() -> list[dict[str, bool]]:
    """Every combination of the facts, those that cannot occur (several without some) too."""
    return [dict(zip(FACTS, values)) for values in itertools.product((False, True), repeat=len(FACTS))]


@pytest.mark.parametrize("kind", sorted(RULES))
def test_the_sql_rendering_agrees_with_the_python_rule(kind: str) -> None:
    """The CASE the generated SQL computes, run on DuckDB over columns as the answer SQL reads
    them: NULL or not (some, open), a count of distinct values (several)."""
    combos = _combinations()
    rows = ", ".join(f"({k}, {1 if c[SOME] else 'NULL'}, {2 if c[SEVERAL] else 1}, {1 if c[OPEN] else 'NULL'})"
                     for k, c in enumerate(combos))
    case = status_sql(kind, {SOME: present("v.t"), SEVERAL: ("v.k > 1", "v.k <= 1"), OPEN: present("v.u")})
    con = duckdb.connect()
    try:
        got = dict(con.execute(f"SELECT v.i, {case} FROM (VALUES {rows}) v(i, t, k, u) ORDER BY v.i").fetchall())
    finally:
        con.close()
    assert got == {k: status_of(kind, c) for k, c in enumerate(combos)}


def test_the_sql_renderings_are_those_the_recorded_script_holds() -> None:
    """The rule's rendering keeps the generated SQL's text (tests/recorded/duckdb.sql)."""
    assert status_sql("yes_no", {SOME: present("t.n"), OPEN: present("p.n")}) == (
        "CASE WHEN t.n IS NOT NULL OR p.n IS NULL THEN 'determined' ELSE 'undetermined' END")
    assert status_sql("list", {SOME: present("t.v"), OPEN: present("u.n")}) == (
        "CASE WHEN (u.n IS NOT NULL AND t.v IS NULL) THEN 'undetermined' ELSE 'determined' END")
    assert status_sql("value", {OPEN: present("u.n"), SEVERAL: ("len(t.v) > 1", "len(t.v) <= 1")}) == (
        "CASE WHEN u.n IS NOT NULL THEN 'undetermined' WHEN len(t.v) > 1 THEN 'conflict' ELSE 'determined' END")


@pytest.mark.parametrize("kind", sorted(RULES))
def test_the_numpy_rendering_agrees_with_the_python_rule(kind: str) -> None:
    """Over masks (one case per combination), and over constant masks (a fact that holds, or
    fails, for every case), as the vectorised engine's slots give them."""
    combos = _combinations()
    masks = {f: np.array([c[f] for c in combos]) for f in FACTS}
    codes = status_codes(kind, masks, len(combos))
    assert codes.dtype == np.int8
    assert [STATUS_NAMES[int(c)] for c in codes] == [status_of(kind, c) for c in combos]
    for c in combos:
        assert [STATUS_NAMES[int(s)] for s in status_codes(kind, c, 3)] == [status_of(kind, c)] * 3


CONFLICTING = HEADER + '''
input decision_kind(Case, Kind) from decision.kind means "the decision in {Case} is of kind {Kind}".
predicate who(Case, Who) means "in {Case} {Who} decides".
rule council cites "P": who(C, council) if decision_kind(C, refuse_assessment).
rule tribunal cites "P": who(C, tribunal) if decision_kind(C, refuse_assessment).
rule plan cites "P": who(C, council) if decision_kind(C, refuse_plan).
question decider answers value who(C, W) means "who decides".
'''


def test_two_values_are_a_conflict_the_engine_of_record_refuses(tmp_path: Path) -> None:
    """The one place the backends differ on purpose: the compiled ones report ``conflict``, the
    engine of record raises (it does not answer from inconsistent rules)."""
    (tmp_path / "main.rules").write_text(CONFLICTING)
    kb = redress.load(tmp_path / "main.rules", use_cache=False)
    cases = [{"decision": {"kind": "refuse_assessment"}}, {"decision": {"kind": "refuse_plan"}}, {}]
    with pytest.raises(KnowledgeBaseError, match="gives 2 different answers to 'decider': council, tribunal"):
        kb.ask("decider", cases[0])
    assert kb.ask("decider", cases[1]).outcome() == (DETERMINED, "council", None, [])
    assert kb.ask("decider", cases[2]).outcome() == (UNDETERMINED, None, None, [F])
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in cases))
    engine = ColumnarEngine(kb.program, kb.rules_version, kb.patterns)
    engine.load_lines(path, "jsonl")
    first, last = engine.line_range()
    assert engine.validate(_dt.date(2026, 1, 5), first, last) == []
    expected = [(CONFLICT, CONFLICT_ANSWER, None, []), (DETERMINED, "council", None, []), (UNDETERMINED, None, None, [F])]
    for run in (engine.evaluate, engine.evaluate_numpy):
        run(["decider"])
        assert [tuple(outcome) for _, _, _, *outcome in engine.answers(["decider"])] == expected
