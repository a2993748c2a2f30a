"""A recursive component's rows, bottom up and semi-naive, in plain Python.

pyDatalog's top-down tabled resolution loops forever on some recursive programs (right-recursive
transitive closure over a three-node cycle, in pyDatalog 0.22.4), and the numpy plan re-derived
a recursive component slot by slot, one slot per row. Both hand a recursive component to this
evaluator instead: the rows of every relation it reads from below in, the least fixpoint of its
rules out. Each round joins, for every rule and every positive literal of the component in its
body, that literal's rows new in the last round with the other literals' rows so far, so a row
is derived from each combination once; a round that adds no row ends it. It always ends: the
rows are tuples of values taken from the rules and the rows below, or computed by built-ins
from them, and stratification keeps negation out of the component.
"""

from __future__ import annotations

from typing import Any, Collection, Iterable, Mapping

from redress.core.errors import RedressError
from redress.kb import ir
from redress.law.builtins import BUILTINS

__all__ = ["fixpoint", "compare"]

Row = tuple[Any, ...]
_Env = dict[str, Any]


def compare(op: str, a: Any, b: Any) -> bool:
    """A comparison as every Python-side evaluator decides it: equality on any two values, order
    only between values of one type."""
    if op == "=":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if type(a) is not type(b):
        raise RedressError(f"cannot compare {a!r} with {b!r}")
    return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])


class _Index:
    """Rows looked up by the values at some positions, each (rows, positions) indexed once. Rows
    are named by a tag: a relation below the component keeps its rows throughout; the
    component's own rows get a new index each round."""

    def __init__(self) -> None:
        self._built: dict[tuple[Any, tuple[int, ...]], dict[tuple[Any, ...], list[Row]]] = {}

    def lookup(self, tag: Any, rows: Collection[Row], positions: tuple[int, ...],
               key: tuple[Any, ...]) -> Iterable[Row]:
        if not positions:
            return rows
        table = self._built.get((tag, positions))
        if table is None:
            table = self._built[(tag, positions)] = {}
            for row in rows:
                table.setdefault(tuple([row[i] for i in positions]), []).append(row)
        return table.get(key, ())


def _value(term: ir.Term, env: _Env) -> Any:
    return env[term.name] if isinstance(term, ir.Var) else term.value


def _join(body: tuple[ir.Literal, ...], extents: Mapping[str, Collection[Row]], below: _Index,
          own: Mapping[str, Collection[Row]], own_index: _Index, delta_at: int | None = None,
          delta: Collection[Row] = ()) -> list[_Env]:
    """Every binding of the body's variables: a literal of a relation of the component reads
    ``own`` (the rows so far), or ``delta`` (the last round's new rows) at position ``delta_at``;
    any other reads ``extents``."""
    envs: list[_Env] = [{}]
    for i, lit in enumerate(body):
        if isinstance(lit, ir.Pos):
            name = lit.atom.relation
            tag: Any = name
            if i == delta_at:
                rows, index, tag = delta, own_index, ("delta", name)
            elif name in own:
                rows, index = own[name], own_index
            else:
                rows, index = extents.get(name, ()), below
            envs = _join_positive(lit.atom.args, envs, index, tag, rows)
        elif isinstance(lit, ir.Neg):
            rows = extents.get(lit.atom.relation, ())
            envs = [env for env in envs if tuple(_value(a, env) for a in lit.atom.args) not in rows]
        elif isinstance(lit, ir.Compare):
            envs = [env for env in envs if compare(lit.op, _value(lit.left, env), _value(lit.right, env))]
        else:
            envs = _join_call(lit, envs)
        if not envs:
            break
    return envs


def _join_positive(args: tuple[ir.Term, ...], envs: list[_Env], index: _Index, tag: Any,
                   rows: Collection[Row]) -> list[_Env]:
    """Each binding extended by each of ``rows`` (looked up in ``index`` under ``tag``) matching the atom's ``args``."""
    nxt: list[_Env] = []
    for env in envs:
        positions = tuple(k for k, a in enumerate(args) if isinstance(a, ir.Const) or a.name in env)
        key = tuple(_value(args[k], env) for k in positions)
        for row in index.lookup(tag, rows, positions, key):
            bound = dict(env)
            for term, value in zip(args, row):
                if isinstance(term, ir.Var):  # a variable repeated in the atom must match itself
                    held = bound.setdefault(term.name, value)
                    if held != value:
                        break
            else:
                nxt.append(bound)
    return nxt


def _join_call(lit: ir.Call, envs: list[_Env]) -> list[_Env]:
    """Each binding the built-in accepts, with its result bound to (or matched against) the target."""
    nxt: list[_Env] = []
    builtin = BUILTINS[lit.function]
    for env in envs:
        args = tuple(_value(a, env) for a in lit.args)
        if not builtin.accepts(args):
            continue
        result = builtin.call(args).value
        if lit.target.name in env:
            if env[lit.target.name] == result:
                nxt.append(env)
        else:
            nxt.append({**env, lit.target.name: result})
    return nxt


def fixpoint(program: ir.Program, component: Iterable[str], extents: Mapping[str, Collection[Row]],
             given: Mapping[str, Iterable[Row]] | None = None) -> dict[str, set[Row]]:
    """The rows of each relation of ``component`` (a strongly connected component of the
    program's dependency graph), given the rows of every relation its rules read from outside it
    (``extents``: sets, or anything ``in`` tests quickly, for negated ones) and any rows of its
    own relations asserted beside the rules (``given``)."""
    members = tuple(component)
    total: dict[str, set[Row]] = {name: set() for name in members}
    rules = [rule for name in members for rule in program.rules_for(name)]
    below = _Index()
    delta: dict[str, set[Row]] = {name: set(map(tuple, (given or {}).get(name, ()))) for name in members}
    for rule in rules:  # round one: the rules that read no relation of the component
        if not any(isinstance(lit, ir.Pos) and lit.atom.relation in total for lit in rule.body):
            for env in _join(rule.body, extents, below, total, _Index()):
                delta[rule.head.relation].add(tuple(_value(a, env) for a in rule.head.args))
    while any(delta.values()):
        for name in members:
            total[name] |= delta[name]
        found = _round(rules, extents, below, total, delta)
        delta = {name: found[name] - total[name] for name in members}
    return total


def _round(rules: list[ir.Rule], extents: Mapping[str, Collection[Row]], below: _Index,
           total: dict[str, set[Row]], delta: dict[str, set[Row]]) -> dict[str, set[Row]]:
    """One semi-naive round: the rows each rule derives with one literal reading the last round's new rows."""
    own_index = _Index()  # the component's rows changed: indexed afresh
    found: dict[str, set[Row]] = {name: set() for name in total}
    for rule in rules:
        for i, lit in enumerate(rule.body):
            if isinstance(lit, ir.Pos) and delta.get(lit.atom.relation):
                head = found[rule.head.relation]
                for env in _join(rule.body, extents, below, total, own_index, i, delta[lit.atom.relation]):
                    head.add(tuple(_value(a, env) for a in rule.head.args))
    return found
