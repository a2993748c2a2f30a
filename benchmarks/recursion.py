"""Recursive programs at scale: parse and evaluation time per MB of program and per derived row.

A generated program (seeded): a random graph's edges as facts, its transitive closure written
right-recursive (the form pyDatalog 0.22.4 loops on over a cycle), the same-generation relation
over a random forest, and a mutually recursive pair. Each backend evaluates every derived
relation: pyDatalog (the engine of record, its recursive components through
``queries/fixpoint.py``), the generated SQL on DuckDB, and the numpy plan.

usage: python benchmarks/recursion.py [--nodes N] [--edges E] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from redress.errors import RedressCheckError
from redress.kb.checker import check
from redress.kb.compiler import compile_program
from redress.parser.parse import parse_text
from redress.law import dates
from redress.queries.engine import DatalogEngine
from redress.compiled.sqlgen import compile_sql, relation_types, run
from redress.compiled.vector import Builtins, Calendar, Pool, VectorProgram, holds

HEADER = '''provision "P":
    title "A provision"
    text "Text."
    source "https://example.org/p"
end
predicate edge(A, B) means "{A} leads to {B}".
predicate reach(A, B) means "{A} reaches {B}".
predicate parent(A, B) means "{A} is a child of {B}".
predicate person(A) means "{A} is a person".
predicate sg(A, B) means "{A} and {B} are of one generation".
predicate even(A, B) means "{A} reaches {B} in an even number of steps".
predicate odd(A, B) means "{A} reaches {B} in an odd number of steps".
rule reach_base cites "P": reach(X, Y) if edge(X, Y).
rule reach_step cites "P": reach(X, Y) if edge(X, Z) and reach(Z, Y).
rule sg_self cites "P": sg(X, X) if person(X).
rule sg_step cites "P": sg(X, Y) if parent(X, XP) and sg(XP, YP) and parent(Y, YP).
rule odd_base cites "P": odd(X, Y) if edge(X, Y).
rule odd_step cites "P": odd(X, Y) if even(X, Z) and edge(Z, Y).
rule even_step cites "P": even(X, Y) if odd(X, Z) and edge(Z, Y).
'''
DERIVED = ("reach", "sg", "even", "odd")


def program_text(nodes: int, edges: int, seed: int) -> str:
    rng = random.Random(seed)
    lines = [HEADER]
    for _ in range(edges):
        lines.append(f'fact edge(n{rng.randrange(nodes)}, n{rng.randrange(nodes)}) cites "P".')
    for k in range(nodes):
        lines.append(f'fact person(p{k}) cites "P".')
        if k:
            lines.append(f'fact parent(p{k}, p{rng.randrange(max(1, k // 2), k) if k > 1 else 0}) cites "P".')
    return "\n".join(lines) + "\n"


def _timed(work: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = work()
    return time.perf_counter() - t0, out


def measure(nodes: int, edges: int, seed: int = 2026) -> dict[str, Any]:
    text = program_text(nodes, edges, seed)
    mb = len(text.encode()) / 1e6
    parse_text(HEADER, "warm-up.rules")  # the parser's tables are built once per process, not per program
    parse_s, modules = _timed(lambda: (parse_text(text, "generated.rules"),))
    check_s, diagnostics = _timed(lambda: check(modules))
    if any(d.severity == "error" for d in diagnostics):
        raise RedressCheckError([d for d in diagnostics if d.severity == "error"])
    compile_s, program = _timed(lambda: compile_program(modules))
    figures: dict[str, Any] = {"program_mb": round(mb, 3), "parse_s": parse_s, "parse_s_per_mb": parse_s / mb,
                               "check_s": check_s, "compile_s": compile_s}

    engine_s, extents = _timed(lambda: DatalogEngine(program).evaluate({}, DERIVED))
    rows = sum(len(v) for v in extents.values())
    figures["derived_rows"] = rows

    def sql() -> dict[str, int]:
        con = duckdb.connect()
        run(compile_sql(program, "duckdb"), con.execute, lambda q: int(con.execute(q).fetchone()[0]))
        return {r: int(con.execute(f"SELECT count(*) FROM t_{r}").fetchone()[0]) for r in DERIVED}

    builtins = Builtins(Calendar(dates.MIN_DATE, dates.MIN_DATE))

    def numpy() -> dict[str, int]:
        plan = VectorProgram(program, {}, Pool(), builtins, relation_types(program))
        return {r: sum(holds(s.mask) for s in plan._constants[r].t) for r in DERIVED}

    sql_s, sql_counts = _timed(sql)
    numpy_s, numpy_counts = _timed(numpy)
    counts = {r: len(v) for r, v in extents.items()}
    assert sql_counts == counts == numpy_counts, (counts, sql_counts, numpy_counts)
    for name, seconds in (("pydatalog", engine_s), ("sql_duckdb", sql_s), ("numpy", numpy_s)):
        figures[f"{name}_s"] = seconds
        figures[f"{name}_us_per_row"] = seconds / max(rows, 1) * 1e6
        figures[f"{name}_s_per_mb"] = seconds / mb
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=300)
    parser.add_argument("--edges", type=int, default=450)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = measure(args.nodes, args.edges)
    if args.json:
        print(json.dumps(figures))
        return
    for key, value in figures.items():
        print(f"{key:>24}: {value:.4g}" if isinstance(value, float) else f"{key:>24}: {value}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
