"""IR -> pyDatalog. The only module that imports pyDatalog.

Terms are built through pyDatalog's Python API (``pyParser.Query``, ``Term``, ``add_clause``);
no text ever reaches ``pyDatalog.load``/``ask``, ``eval`` or ``exec``. pyDatalog state is per
thread, so each thread gets its own ``Logic`` with the program loaded. A case's input rows
are served to the query by resolvers for as long as one evaluation runs (any other facts are
asserted and retracted around it), so nothing leaks between queries.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import weakref
from typing import Any, Iterable, Iterator, Mapping

from pyDatalog import Logic, pyEngine, pyParser
from pyDatalog import pyDatalog as _pd

from redress.core.errors import RedressError
from redress.kb import ir
from redress.law.builtins import BUILTINS, Builtin
from redress.queries.fixpoint import fixpoint
from redress.queries.model import Model, Pattern, Row

__all__ = ["DatalogEngine"]

Facts = Mapping[str, Iterable[tuple[Any, ...]]]
Explored = dict[str, list[tuple[Pattern, frozenset[Row]]]]  # per relation: each pattern evaluated, its answers

_PREFIX = "r__"  # keeps relation names clear of pyDatalog's reserved words (ask, concat, rank...)
_INPUT_PREFIX = "i{}__"  # an input relation, per engine: its rows come from the case being evaluated
_BUILTIN_PREFIX = "b__"
_GOAL_PREFIX = "g__"
_PARSER_BOOLS = {"True": True, "False": False}
_DUMMY = "__redress_undefined__"
_engine_ids = itertools.count(1)
_FROM_ENGINE = {True: "True", False: "False"}
_case = threading.local()  # the input rows of the evaluation running on this thread, and its memo table


def _resolver(builtin: Builtin) -> Any:
    def resolve(*terms: Any) -> list[tuple[Any, ...]]:
        # pyDatalog hands over engine terms; only fully bound inputs can be computed, and a bound
        # output is left to pyDatalog to compare (Subgoal.fact_candidate keeps matching rows)
        values = []
        for t in terms[:-1]:
            if not t.is_const():
                return []
            values.append(t.id)
        args = tuple(values)
        if not builtin.accepts(args):
            return []
        return [(*args, builtin.call(args).value)]

    return resolve


for _builtin in BUILTINS.values():  # pure functions: one registry for every Logic and thread
    pyEngine.Python_resolvers[f"{_BUILTIN_PREFIX}{_builtin.name}/{_builtin.arity + 1}"] = _resolver(_builtin)


def _input_resolver(relation: str) -> Any:
    """An input relation's rows, served from the case under evaluation on this thread: asserting
    and retracting each case fact cost pyDatalog more than the inference for a single case.
    Called inside a query, it also keeps that query's memo table (see ``DatalogEngine.explore``)."""

    def resolve(*terms: Any) -> Iterable[Row]:
        state = _case.__dict__
        if "table" not in state:
            state["table"] = Logic.tl.logic.Subgoals
        # every row: pyDatalog keeps only those that match the subgoal (Subgoal.fact_candidate)
        rows: list[Row] = state.get("rows", {}).get(relation, [])
        return rows

    return resolve


def _unregister(names: tuple[str, ...]) -> None:
    for name in names:
        pyEngine.Python_resolvers.pop(name, None)


class DatalogEngine:
    """Evaluates an IR program on pyDatalog, one isolated Logic per thread."""

    def __init__(self, program: ir.Program):
        self.program = program
        self._id = next(_engine_ids)
        self._local = threading.local()
        self._static = program.static()
        self._keyed = _keyed_relations(program)
        # input relations with no rules are served by resolvers, named per engine: the registry
        # is global, and another program may give the same name to a derived relation. An input
        # used anywhere with a repeated variable keeps asserted facts: pyDatalog matches a repeated
        # unbound variable by the identity of the terms, which resolver rows do not share
        repeated = {lit.atom.relation for rule in program.rules for lit in rule.body
                    if isinstance(lit, (ir.Pos, ir.Neg)) and _repeats_a_variable(lit.atom)}
        self._served = {name: f"{_INPUT_PREFIX.format(self._id)}{name}" for name, rel in program.relations.items()
                        if rel.kind == "input" and rel.arity > 0 and not program.rules_for(name) and name not in repeated}
        for name, pred in self._served.items():
            pyEngine.Python_resolvers[f"{pred}/{program.relations[name].arity}"] = _input_resolver(name)
        weakref.finalize(self, _unregister, tuple(f"{pred}/{program.relations[name].arity}"
                                                  for name, pred in self._served.items()))
        # recursive components are evaluated here, not by pyDatalog, whose tabled resolution
        # loops forever on some of them (see _fixpoint); pyDatalog reads their rows as facts
        recursive = program.recursive()
        self._recursive = tuple(c for c in program.components() if c[0] in recursive)
        self._evaluated = frozenset(recursive)
        self._dynamic: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}

    def _pred(self, relation: str) -> str:
        return self._served.get(relation) or _PREFIX + relation

    # ------------------------------------------------------------------ loading
    def _term(self, t: ir.Term, variables: dict[str, Any]) -> Any:
        if isinstance(t, ir.Var):
            if t.name not in variables:
                variables[t.name] = pyParser.Term(t.name)
            return variables[t.name]
        return t.value

    def _literal(self, lit: ir.Literal, variables: dict[str, Any]) -> Any:
        if isinstance(lit, (ir.Pos, ir.Neg)):
            query = pyParser.Query(self._pred(lit.atom.relation), [self._term(a, variables) for a in lit.atom.args])
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

    def _load(self, relations: set[str]) -> None:
        """Load the rules for ``relations`` into this thread's Logic (``relations`` must include
        every relation they read that is not loaded yet)."""
        for name in relations:
            if name in self._served:
                continue
            # pyDatalog fails on a predicate with no clauses; asserting and retracting defines it
            dummy = (_DUMMY,) * self.program.relations[name].arity
            _pd.assert_fact(_PREFIX + name, *dummy)
            _pd.retract_fact(_PREFIX + name, *dummy)
        for rule in self.program.rules:
            if rule.head.relation not in relations or rule.head.relation in self._evaluated:
                continue
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
        for component in self._recursive:  # the law's own recursive relations, once per Logic
            if component[0] in relations and component[0] in self._static:
                for clause in self._fixpoint(component, {}):
                    pyEngine.assert_(clause)

    def _fixpoint(self, component: tuple[str, ...], facts: Facts, key: Any = None) -> list[Any]:
        """The rows of a recursive component, as engine facts: its rules evaluated bottom up
        (``fixpoint``) over the relations it reads: inputs from ``facts``, the others asked of
        pyDatalog; when every fact is of an input under one case ``key``, the law's own relations
        as this thread first asked them and the rest in one query."""
        extents: dict[str, set[Row]] = {}
        asked = []
        for name in self.program.dependencies().reads_outside(component):
            if self.program.relations[name].kind == "input":
                extents[name] = {tuple(row) for row in facts.get(name, ())}
            elif name in self._static and key is not None:  # no derived facts asserted: the cache holds
                extents[name] = self._static_rows(name)
            elif key is None:
                extents[name] = {_row(row) for row in (self._goal(name).ask() or [])}
            else:
                asked.append(name)
                extents[name] = set()
        if asked:
            goal_name, width = self._combined_goal(tuple(asked))
            goal = pyEngine.Literal(goal_name, [_constant(key), *(pyEngine.Var(f"V{i}") for i in range(width + 1))])
            for row in goal.ask() or []:
                extents[row[1]].add(_row(row[2:2 + self.program.relations[row[1]].arity]))
        given = {name: facts[name] for name in component if name in facts}
        rows = fixpoint(self.program, component, extents, given)
        return [pyEngine.Clause(pyEngine.Literal(_PREFIX + name, [_constant(v) for v in row]), [])
                for name in component for row in rows[name]]

    def _dynamic_components(self, relations: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
        """The recursive components ``relations`` read that depend on the case, lowest first."""
        found = self._dynamic.get(relations)
        if found is None:
            cone = self.program.cone(relations)
            found = self._dynamic[relations] = tuple(c for c in self._recursive
                                                     if c[0] in cone and c[0] not in self._static)
        return found

    def _activate(self, relations: tuple[str, ...] = ()) -> None:
        """Make this thread's Logic current, with the rules ``relations`` need loaded: rules are
        loaded by need, so a first ask pays for its question's rules, not the whole program's."""
        logic = getattr(self._local, "logic", None)
        if logic is None:
            Logic()  # a fresh, empty logic for this thread
            self._local.logic = logic = Logic(True)
            self._local.loaded = set()
            self._local.ready = set()
        elif getattr(Logic.tl, "logic", None) is not logic:
            Logic(logic)
            self._local.logic = Logic(True)
        if relations not in self._local.ready:
            missing = self.program.cone(relations) - self._local.loaded
            self._local.loaded |= missing  # first: loading asks the law's own recursive relations' reads
            self._load(missing)
            self._local.ready.add(relations)

    def _goal(self, relation: str) -> Any:
        """The engine literal ``relation(V0, ..., Vn)``, built once per thread and asked directly:
        ``Query.ask`` would add and delete a temporary clause on every call."""
        goals: dict[str, Any] = self._local.__dict__.setdefault("goals", {})
        goal = goals.get(relation)
        if goal is None:
            arity = self.program.relations[relation].arity
            goal = goals[relation] = pyParser.Query(self._pred(relation),
                                                    [pyParser.Term(f"V{i}") for i in range(arity)]).lua
        return goal

    def _ask(self, relation: str) -> set[tuple[Any, ...]]:
        self._activate((relation,))
        return {_row(row) for row in (self._goal(relation).ask() or [])}

    def _combined_goal(self, relations: tuple[str, ...]) -> tuple[str, int]:
        """One goal relation ``g(K, Tag, A0, ..., An)`` whose clauses copy each of ``relations``
        (tagged with its name, padded to a common width), built once per thread and relation set.
        A keyed relation is read as ``r(K, ...)``: with K bound to the case, the query asks the
        same bound subgoals the rules ask of each other, so pyDatalog's one memo table serves
        both instead of one query per relation, each starting from an empty table."""
        goals: dict[tuple[str, ...], tuple[str, int]] = self._local.__dict__.setdefault("combined", {})
        found = goals.get(relations)
        if found is None:
            name = f"{_GOAL_PREFIX}{len(goals)}"
            width = max(self.program.relations[r].arity for r in relations)
            key = pyParser.Term("K")
            for relation in relations:
                arity = self.program.relations[relation].arity
                args: list[Any] = [pyParser.Term(f"V{i}") for i in range(arity)]
                if relation in self._keyed:
                    args[0] = key
                head = pyParser.Query(name, [key, relation, *args, *([_DUMMY] * (width - arity))])
                pyParser.add_clause(head, pyParser.Query(self._pred(relation), args))
            found = goals[relations] = (name, width)
        return found

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, facts: Facts, relations: Iterable[str]) -> dict[str, set[tuple[Any, ...]]]:
        """Take ``facts`` for one evaluation and return the extent of each requested relation."""
        return self._run(facts, relations)[0]

    def explore(self, facts: Facts, relations: Iterable[str]) -> Model:
        """One case's facts in, the engine's model of it out: the requested relations' extents and
        every other atom pattern pyDatalog evaluated on the way, with all its answers, read from
        the query's memo table. Several cases, or facts of derived relations, give the extents
        alone."""
        inputs = {relation: list(rows) for relation, rows in facts.items()}
        extents, explored = self._run(facts, relations)
        if explored is None:
            return Model(inputs, extents)
        complete = {r: rows for r, rows in extents.items() if r in self._static or r not in self._keyed}
        return Model(inputs, complete, explored)

    def _run(self, facts: Facts, relations: Iterable[str]) -> tuple[dict[str, set[Row]], Explored | None]:
        """The extents, and the explored patterns when one query answered for one case."""
        wanted = tuple(dict.fromkeys(relations))
        with self._facts(facts, wanted) as one_case:
            if one_case is not None:
                try:
                    return self._one_case(wanted, one_case)
                except RedressError:
                    pass  # a calculation failed: asked one by one, the first relation to fail names it
            # facts of derived relations, several cases (or none) at once, or an error to report
            return {relation: self._ask(relation) for relation in wanted}, None

    @contextlib.contextmanager
    def _facts(self, facts: Facts, relations: tuple[str, ...]) -> Iterator[Any]:
        """The facts in force for an evaluation of ``relations``: input rows served to the
        resolvers, any others asserted, and every one gone afterwards. Yields the case key when
        every fact is of an input relation and under that one key, else None."""
        self._activate(relations)
        dynamic = self._dynamic_components(relations)
        if dynamic:  # read twice: by pyDatalog and by the fixpoint
            facts = {relation: [tuple(row) for row in rows] for relation, rows in facts.items()}
        asserted: list[Any] = []
        served: dict[str, list[Row]] = {}
        keys: set[Any] = set()
        only_inputs = True
        declared = self.program.relations
        try:
            for relation, rows in facts.items():
                if relation in self._served:
                    served[relation] = converted = [tuple([_engine_value(v) for v in row]) for row in rows]
                    keys.update([row[0] for row in converted])
                    continue
                rel = declared.get(relation)
                only_inputs = only_inputs and rel is not None and rel.kind == "input"
                _assert_rows(relation, rows, asserted, keys)
            _case.rows = served
            one_key = next(iter(keys)) if only_inputs and len(keys) == 1 else None
            for component in dynamic:
                for clause in self._fixpoint(component, facts, one_key):
                    pyEngine.assert_(clause)
                    asserted.append(clause)
            yield one_key
        finally:
            _case.rows = {}
            _case.__dict__.pop("table", None)
            for clause in asserted:
                pyEngine.retract(clause)

    def _static_rows(self, relation: str) -> set[Row]:
        """A relation of the law's own rows, the same whatever the case: asked once per thread."""
        static: dict[str, set[Row]] = self._local.__dict__.setdefault("static", {})
        rows = static.get(relation)
        if rows is None:
            rows = static[relation] = self._ask(relation)
        return rows

    def _one_case(self, relations: tuple[str, ...], key: Any) -> tuple[dict[str, set[Row]], Explored]:
        """The extents when every fact is of an input relation and under one case key: a keyed
        relation's rows all start with that key, and a static relation's extent is the same
        whatever the input facts, so it is asked once per thread and kept. Also the patterns
        the query evaluated (keyed to the case), each with all its answers."""
        out: dict[str, set[Row]] = {}
        for relation in relations:
            if relation in self._static:
                out[relation] = set(self._static_rows(relation))
        dynamic = tuple(relation for relation in relations if relation not in self._static)
        if not dynamic:
            return out, {}
        _case.__dict__.pop("table", None)  # the next query's table, kept by the input resolvers
        # one relation with an open position: its own goal, no wrapper clause. A ground goal
        # (arity 1, the case bound) would not do: pyDatalog stops a query whose goal is ground at
        # its first answer, leaving other subgoals' tables part-filled; the wrapper has variables
        if len(dynamic) == 1 and dynamic[0] in self._keyed and self.program.relations[dynamic[0]].arity > 1:
            (relation,) = dynamic
            goal = pyEngine.Literal(self._pred(relation), [_constant(key), *(
                pyEngine.Var(f"V{i}") for i in range(1, self.program.relations[relation].arity))])
            out[relation] = {_row(row) for row in goal.ask() or []}
        else:
            name, width = self._combined_goal(dynamic)
            goal = pyEngine.Literal(name, [_constant(key), *(pyEngine.Var(f"V{i}") for i in range(width + 1))])
            out.update((relation, set()) for relation in dynamic)
            for row in goal.ask() or []:
                out[row[1]].add(_row(row[2:2 + self.program.relations[row[1]].arity]))
        explored = _explored(_case.__dict__.pop("table", {}))
        for relation in dynamic:  # the goal's own subgoals, should the table not have been kept
            if relation in self._keyed:
                pattern = (_from_engine(key), *(None,) * (self.program.relations[relation].arity - 1))
                patterns = explored.setdefault(relation, [])
                if all(p != pattern for p, _ in patterns):
                    patterns.append((pattern, frozenset(out[relation])))
        return out, explored


def _assert_rows(relation: str, rows: Iterable[tuple[Any, ...]], asserted: list[Any], keys: set[Any]) -> None:
    """Assert ``rows`` of ``relation`` as engine facts, adding each clause to ``asserted`` (to be
    retracted) and each row's case key to ``keys``."""
    for row in rows:
        # engine clauses built directly: pyDatalog.assert_fact goes through the parser
        clause = pyEngine.Clause(pyEngine.Literal(_PREFIX + relation, [_constant(v) for v in row]), [])
        pyEngine.assert_(clause)
        asserted.append(clause)
        keys.add(row[0] if row else None)


def _constant(value: Any) -> Any:
    """The engine term ``pyParser.Term(value, forced_type="constant")`` builds, without the
    parser-side object around it (a tenth of the cost)."""
    return pyEngine.Term_of(_engine_value(value))


def _engine_value(value: Any) -> Any:
    """A value as rule constants hold it: pyParser reads "True"/"False" as bools."""
    return _PARSER_BOOLS.get(value, value) if isinstance(value, str) else value


def _from_engine(value: Any) -> Any:
    return _FROM_ENGINE[value] if value.__class__ is bool else value


def _row(values: Iterable[Any]) -> Row:
    """An engine row as rule constants hold it (the bools pyParser made of "True"/"False" back)."""
    row = tuple(values)
    return tuple([_from_engine(v) for v in row]) if True in row or False in row else row


def _explored(table: Mapping[Any, Any]) -> Explored:
    """A query's memo table read back: each derived-relation subgoal's pattern and answers.
    Subgoals of negations, built-ins, inputs and goals carry other prefixes and are skipped;
    the query's goal is never ground, so it runs to completion and every subgoal holds all its
    answers. A subgoal with a repeated variable (``pair(c, X, X)``) is skipped too: its answers
    are fewer than its pattern, read with open positions, would claim."""
    out: Explored = {}
    const = pyEngine.Const
    for subgoal in table.values():
        literal = subgoal.literal
        name = literal.pred.name
        if not name.startswith(_PREFIX):
            continue
        terms = literal.terms
        pattern = tuple([_from_engine(t.id) if isinstance(t, const) else None for t in terms])
        if None in pattern:
            open_ = [t.id for t in terms if not isinstance(t, const)]
            if len(open_) != len(set(open_)):
                continue
        facts = subgoal.facts
        if facts is True:  # proved outright: only an atom without variables is
            if None in pattern:
                continue
            rows = frozenset([pattern])
        else:
            rows = frozenset([_row([t.id for t in fact.terms]) for fact in facts.values()])
        out.setdefault(name[len(_PREFIX):], []).append((pattern, rows))
    return out


def _repeats_a_variable(atom: ir.Atom) -> bool:
    names = [t.name for t in atom.args if isinstance(t, ir.Var)]
    return len(names) != len(set(names))


def _keyed_relations(program: ir.Program) -> frozenset[str]:
    """The relations whose first argument is always a case key: the input relations (their rows
    come from case facts) and every relation each of whose rules binds its first argument with
    the first argument of a positive literal of a keyed relation (greatest fixpoint)."""
    keyed = {name for name, rel in program.relations.items() if rel.arity > 0 and (
        rel.kind != "input" or not program.rules_for(name))}
    changed = True
    while changed:
        changed = False
        for name in list(keyed):
            if program.relations[name].kind != "input" and not all(
                    isinstance(rule.head.args[0], ir.Var) and any(
                        isinstance(lit, ir.Pos) and lit.atom.relation in keyed and lit.atom.args[0] == rule.head.args[0]
                        for lit in rule.body)
                    for rule in program.rules_for(name)):
                keyed.discard(name)
                changed = True
    return frozenset(keyed)


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
