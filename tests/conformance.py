"""Datalog programs through the rules language, run on every backend: the harness of
``test_conformance.py`` (hand-written cases) and ``test_recursion.py`` (generated programs).

A program is written as Datalog in the rules language's own syntax, without the boilerplate:
``decl`` names each predicate and its arity (``"edge/2 path/2"``), and each statement of ``src``
ends with a full stop: ``edge(a, b).`` is a fact, ``path(X, Y) if edge(X, Y).`` a rule (``r1:
...`` names it), ``exception e1 to r1: if ...`` an exception. ``program_text`` writes the rule
file, with one provision "P" cited everywhere.
"""

from __future__ import annotations

import datetime as _dt
import re
import shlex
from typing import Any, Iterable

import duckdb

from redress.errors import RedressCheckError
from redress.kb import ir
from redress.kb.checker import check
from redress.kb.compiler import compile_program
from redress.parser.parse import parse_text
from redress.law import dates
from redress.queries.engine import DatalogEngine
from redress.proof.nodes import ProofNode, Status
from redress.proof.prover import Prover
from redress.compiled.sqlgen import calendar_sql, compile_sql, run, unsupported
from redress.compiled.vector import Builtins, Calendar, Pool, VectorProgram, holds

Rows = dict[str, set[tuple[Any, ...]]]

HEADER = '''provision "P":
    title "A provision"
    text "Text."
    source "https://example.org/p"
end
'''


def program_text(decl: str, src: str) -> str:
    lines = [HEADER]
    for item in decl.split():
        name, arity = item.split("/")
        params = [f"A{i}" for i in range(int(arity))]
        template = " ".join("{" + p + "}" for p in params) or name
        lines.append(f'predicate {name}({", ".join(params)}) means "{name} {template}".')
    n = 0
    for stmt in re.split(r"\.\s*(?:\n|$)|\.\s+(?=[a-z])", src.strip()):
        stmt = " ".join(stmt.split())
        if not stmt:
            continue
        n += 1
        exception = re.fullmatch(r"exception (\w+) to (\w+): (if .*)", stmt)
        labelled = re.fullmatch(r"(\w+): (.*)", stmt)
        if exception:
            lines.append(f'exception {exception[1]} to {exception[2]} cites "P": {exception[3]}.')
        elif labelled:
            lines.append(f'rule {labelled[1]} cites "P": {labelled[2]}.')
        elif " if " in stmt:
            lines.append(f'rule r{n} cites "P": {stmt}.')
        else:
            lines.append(f'fact {stmt} cites "P".')
    return "\n".join(lines) + "\n"


def compile_case(decl: str, src: str) -> ir.Program:
    """The program, or RedressCheckError with every diagnostic."""
    modules = (parse_text(program_text(decl, src), "case.rules"),)
    errors = [d for d in check(modules) if d.severity == "error"]
    if errors:
        raise RedressCheckError(list(errors))
    return compile_program(modules)


def value(token: str) -> Any:
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", token):
        return _dt.date.fromisoformat(token)
    return token


def rows(text: str) -> set[tuple[Any, ...]]:
    """``"a b; b c"``: two rows of two values; ``"()"`` the one row of a relation of no arguments."""
    out = set()
    for row in text.split(";"):
        row = row.strip()
        if row == "()":
            out.add(())
        elif row:
            out.add(tuple(value(t) for t in shlex.split(row.replace(",", " "))))
    return out


# ---------------------------------------------------------------------- backends
def engine_rows(program: ir.Program, relations: Iterable[str]) -> Rows:
    """pyDatalog's extents, each row proved by the Prover (every proof finite and well founded,
    no row the engine lacks, none it has left unproved) for the open pattern and row by row."""
    relations = list(relations)
    engine = DatalogEngine(program)
    model = engine.explore({}, relations)
    out = {r: set(model.complete[r]) for r in relations}
    prover = Prover(program, model, {}, "c", "the case")
    for relation in relations:
        arity = program.relations[relation].arity
        result = prover.atom(relation, (None,) * arity)
        assert result.rest is Status.FALSE, (relation, result.rest)
        proved = {row for row, status, _ in result.rows}
        assert all(status is Status.TRUE for _, status, _ in result.rows), relation
        assert proved == out[relation], (relation, proved, out[relation])
        for row, _, node in result.rows:
            assert_well_founded(node)
            ground = Prover(program, model, {}, "c", "the case").atom(relation, row)
            assert [(r, s) for r, s, _ in ground.rows] == [(row, Status.TRUE)], (relation, row)
            assert_well_founded(ground.rows[0][2])
    return out


def assert_well_founded(root: ProofNode) -> None:
    """Finite, and no conclusion rests on itself: along every path from the root, each rule's
    conclusion appears once."""
    stack: list[tuple[ProofNode, frozenset[str]]] = [(root, frozenset())]
    seen = 0
    while stack:
        node, above = stack.pop()
        seen += 1
        assert seen < 200_000, "proof too large"
        if node.status is not Status.TRUE:
            continue  # why another condition fails: not part of the derivation
        if node.kind in ("rule", "fact"):
            assert node.conclusion not in above, f"{node.conclusion} rests on itself"
            above = above | {node.conclusion}
        stack.extend((child, above) for child in node.because)


def sql_rows(program: ir.Program, relations: Iterable[str], con: Any | None = None) -> Rows:
    """The generated SQL's definitely-true tables on DuckDB (the possibly-true ones must agree:
    nothing is unknown in a program without inputs)."""
    problems = unsupported(program)
    assert not problems, problems
    con = con or duckdb.connect()
    for sql in calendar_sql("duckdb", dates.bank_holidays_between(2019, 2031), _dt.date(2019, 1, 1), _dt.date(2031, 12, 31)):
        con.execute(sql)
    run(compile_sql(program, "duckdb"), con.execute, lambda sql: int(con.execute(sql).fetchone()[0]))
    out: Rows = {}
    for relation in relations:
        arity = program.relations[relation].arity
        t, p = ({tuple(row)[:arity] for row in con.execute(f"SELECT * FROM {m}_{relation}").fetchall()}
                for m in ("t", "p"))
        assert t == p, (relation, t, p)
        out[relation] = t
    return out


_BUILTINS: Builtins | None = None


def numpy_rows(program: ir.Program, relations: Iterable[str]) -> Rows:
    """The numpy plan's rows of the law's own relations: one slot per row, every case's."""
    from redress.compiled.sqlgen import relation_types

    global _BUILTINS
    if _BUILTINS is None:  # the working-day calendar is the costly part: one for every program
        _BUILTINS = Builtins(Calendar(dates.MIN_DATE, dates.MAX_DATE))
    types = relation_types(program)
    plan = VectorProgram(program, {}, Pool(), _BUILTINS, types)
    out: Rows = {}
    for relation in relations:
        slots = plan._constants[relation]
        t, p = ({tuple(plan.pool.decode(int(c.values), kind) for c, kind in zip(s.cols, types[relation]))
                 for s in mode if holds(s.mask)} for mode in (slots.t, slots.p))
        assert t == p, (relation, t, p)
        out[relation] = t
    return out
