"""IR -> pyDatalog. The only module that imports pyDatalog.

Terms are built through pyDatalog's Python API (``pyParser.Query``, ``Term``, ``add_clause``);
no text ever reaches ``pyDatalog.load``/``ask``, ``eval`` or ``exec``. pyDatalog state is per
thread, so each thread gets its own ``Logic`` with the program loaded; case facts are
asserted for one evaluation and always retracted, so nothing leaks between queries.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, Iterable, Iterator, Mapping

from pyDatalog import Logic, pyEngine, pyParser
from pyDatalog import pyDatalog as _pd

from redress.kb import ir
from redress.queries.builtins import BUILTINS, Builtin

__all__ = ["DatalogEngine"]

Facts = Mapping[str, Iterable[tuple[Any, ...]]]

_PREFIX = "r__"  # keeps relation names clear of pyDatalog's reserved words (ask, concat, rank...)
_BUILTIN_PREFIX = "b__"
_DUMMY = "__redress_undefined__"
_engine_ids = itertools.count(1)


def _resolver(builtin: Builtin) -> Any:
    def resolve(*terms: Any) -> Iterator[tuple[Any, ...]]:
        # pyDatalog hands over engine terms; only fully bound inputs can be computed
        inputs = terms[:-1]
        if not all(t.is_const() for t in inputs):
            return
        values = tuple(t.id for t in inputs)
        if not builtin.accepts(values):
            return
        result = builtin.call(values).value
        out = terms[-1]
        if out.is_const() and out.id != result:
            return
        yield (*values, result)

    return resolve


for _builtin in BUILTINS.values():  # pure functions: one registry for every Logic and thread
    pyEngine.Python_resolvers[f"{_BUILTIN_PREFIX}{_builtin.name}/{_builtin.arity + 1}"] = _resolver(_builtin)


class DatalogEngine:
    """Evaluates an IR program on pyDatalog, one isolated Logic per thread."""

    def __init__(self, program: ir.Program):
        self.program = program
        self._id = next(_engine_ids)
        self._local = threading.local()

    # ------------------------------------------------------------------ loading
    def _term(self, t: ir.Term, variables: dict[str, Any]) -> Any:
        if isinstance(t, ir.Var):
            if t.name not in variables:
                variables[t.name] = pyParser.Term(t.name)
            return variables[t.name]
        return t.value

    def _literal(self, lit: ir.Literal, variables: dict[str, Any]) -> Any:
        if isinstance(lit, (ir.Pos, ir.Neg)):
            query = pyParser.Query(_PREFIX + lit.atom.relation, [self._term(a, variables) for a in lit.atom.args])
            return ~query if isinstance(lit, ir.Neg) else query
        if isinstance(lit, ir.Call):
            args = [self._term(a, variables) for a in (*lit.args, lit.target)]
            return pyParser.Query(_BUILTIN_PREFIX + lit.function, args)
        left, right = self._term(lit.left, variables), self._term(lit.right, variables)
        if not isinstance(left, pyParser.Term):  # pyDatalog wants the variable on the left
            left, right = right, left
            lit = ir.Compare({"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(lit.op, lit.op), lit.right, lit.left)
        op = lit.op
        if op == "=":
            return left == right
        if op == "!=":
            return left != right
        if op == "<":
            return left < right
        if op == "<=":
            return left <= right
        if op == ">":
            return left > right
        return left >= right

    def _load(self) -> Any:
        Logic()  # a fresh, empty logic for this thread
        for rel in self.program.relations.values():
            # pyDatalog fails on a predicate with no clauses; asserting and retracting defines it
            dummy = (_DUMMY,) * rel.arity
            _pd.assert_fact(_PREFIX + rel.name, *dummy)
            _pd.retract_fact(_PREFIX + rel.name, *dummy)
        for rule in self.program.rules:
            variables: dict[str, Any] = {}
            head = pyParser.Query(_PREFIX + rule.head.relation, [self._term(a, variables) for a in rule.head.args])
            body = [self._literal(lit, variables) for lit in rule.body if not _constant_true(lit)]
            if any(_constant_false(lit) for lit in rule.body):
                continue  # a rule whose comparison of two constants fails can never fire
            if not body:
                _pd.assert_fact(_PREFIX + rule.head.relation, *[a.value for a in rule.head.args if isinstance(a, ir.Const)])
                continue
            conj = body[0]
            for lit in body[1:]:
                conj = conj & lit
            pyParser.add_clause(head, conj)
        return Logic(True)

    def _activate(self) -> None:
        logic = getattr(self._local, "logic", None)
        if logic is None:
            self._local.logic = self._load()
            return
        if getattr(Logic.tl, "logic", None) is not logic:
            Logic(logic)
            self._local.logic = Logic(True)

    def _goal(self, relation: str) -> Any:
        """The engine literal ``relation(V0, ..., Vn)``, built once per thread and asked directly:
        ``Query.ask`` would add and delete a temporary clause on every call."""
        goals: dict[str, Any] = self._local.__dict__.setdefault("goals", {})
        goal = goals.get(relation)
        if goal is None:
            arity = self.program.relations[relation].arity
            goal = goals[relation] = pyParser.Query(_PREFIX + relation,
                                                    [pyParser.Term(f"V{i}") for i in range(arity)]).lua
        return goal

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, facts: Facts, relations: Iterable[str]) -> dict[str, set[tuple[Any, ...]]]:
        """Assert ``facts``, return the extent of each requested relation, retract the facts."""
        self._activate()
        asserted: list[Any] = []
        try:
            for relation, rows in facts.items():
                for row in rows:
                    # engine clauses built directly: pyDatalog.assert_fact goes through the parser
                    head = pyEngine.Literal(_PREFIX + relation,
                                            [pyParser.Term(v, forced_type="constant")._pyD_lua for v in row])
                    clause = pyEngine.Clause(head, [])
                    pyEngine.assert_(clause)
                    asserted.append(clause)
            out: dict[str, set[tuple[Any, ...]]] = {}
            for relation in relations:
                out[relation] = {tuple(row) for row in (self._goal(relation).ask() or [])}
            return out
        finally:
            for clause in asserted:
                pyEngine.retract(clause)


def _constant_compare(lit: ir.Literal) -> bool | None:
    if isinstance(lit, ir.Compare) and isinstance(lit.left, ir.Const) and isinstance(lit.right, ir.Const):
        a, b = lit.left.value, lit.right.value
        return {"=": a == b, "!=": a != b}.get(lit.op, None) if lit.op in ("=", "!=") else {
            "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[lit.op]  # type: ignore[operator]
    return None


def _constant_true(lit: ir.Literal) -> bool:
    return _constant_compare(lit) is True


def _constant_false(lit: ir.Literal) -> bool:
    return _constant_compare(lit) is False
