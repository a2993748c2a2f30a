"""Proofs, why-not and "undetermined", re-derived and checked against pyDatalog's model.

pyDatalog keeps no provenance, so for each answer we re-derive it in Python over the case's
facts and the rules, with three truth values: a case field that is absent is *unknown*, not
false. A conclusion is TRUE when some rule proves it using only known facts; FALSE when every
candidate rule fails on a known fact; UNKNOWN otherwise, and the unknown leaves name the case
fields that would settle it. Every derived atom proved is checked against the answers pyDatalog
gave for it (see ``redress.queries.model``): a TRUE conclusion pyDatalog did not derive, or a
row it derived that no rule here proves, is an internal inconsistency and raises.

The search decides what holds and why; what a node says comes from ``redress.proof.wording``,
and the shapes of a proof from ``redress.proof.nodes``.
"""

from __future__ import annotations

import datetime as _dt
import sys
from typing import Any, Mapping, Sequence

from redress.core.errors import KnowledgeBaseError
from redress.kb import ir
from redress.law.builtins import BUILTINS
from redress.proof.nodes import AtomResult, ProofNode, SharedProofs, Status
from redress.proof.wording import Wording
from redress.queries.fixpoint import compare
from redress.queries.model import Model, Pattern, Row, matches

__all__ = ["Prover", "shareable_relations", "MAX_WHY_NOT"]

Env = dict[str, Any]

MAX_WHY_NOT = 12  # failed branches shown per conclusion; more are summarised, never silently dropped
MAX_SHARED = 10_000  # case-independent atoms kept per program version; patterns may carry case values


def _and(a: Status, b: Status) -> Status:
    if Status.FALSE in (a, b):
        return Status.FALSE
    if Status.UNKNOWN in (a, b):
        return Status.UNKNOWN
    return Status.TRUE


def _not(a: Status) -> Status:
    return {Status.TRUE: Status.FALSE, Status.FALSE: Status.TRUE, Status.UNKNOWN: Status.UNKNOWN}[a]


def shareable_relations(program: ir.Program, on: _dt.date, case_key: Any) -> frozenset[str]:
    """The relations whose atoms, on a pattern without the case key, prove the same way for every
    case: no input relation and no recursion below them (so neither a case fact nor the cycle
    check reaches their proof), every rule below them in force on ``on`` (so the date shows in no
    proof and the engine's extent is the whole law's), and no constant that reads as the case."""
    recursive = program.recursive()
    ok: dict[str, bool] = {}

    def check(name: str) -> bool:
        if name not in ok:  # a relation on a cycle fails at once, so the walk below is over a DAG
            rules = program.rules_for(name)
            ok[name] = name not in recursive and program.relations[name].kind != "input" and all(
                not program.not_in_force(rule, on) and case_key not in _constants(rule) for rule in rules) and all(
                check(read) for read in program.reads(name))
        return ok[name]

    return frozenset(name for name in program.relations if check(name))


def _constants(rule: ir.Rule) -> list[Any]:
    terms: list[ir.Term] = list(rule.head.args)
    for lit in rule.body:
        if isinstance(lit, (ir.Pos, ir.Neg)):
            terms.extend(lit.atom.args)
        elif isinstance(lit, ir.Compare):
            terms.extend((lit.left, lit.right))
        else:
            terms.extend(lit.args)
    return [t.value for t in terms if isinstance(t, ir.Const)]


# one way a rule body goes so far: (bindings, status, the proof nodes of its literals). A plain
# tuple: a warm ask makes dozens, and a class's constructor call costs more than the rest of a step
_Branch = tuple[Env, Status, tuple[ProofNode, ...]]
# a derived atom's rows proved so far: status, the proofs kept, and the signatures of those kept
_Found = dict[Row, tuple[Status, list[ProofNode], set[tuple[str | None, tuple[str, ...]]]]]


class Prover:
    """Three-valued re-derivation of one case's conclusions, with proof trees."""

    def __init__(self, program: ir.Program, model: Model, unknown_inputs: Mapping[str, str],
                 case_key: str, case_label: str, given_fields: frozenset[str] = frozenset(),
                 as_of: _dt.date | None = None, shared: SharedProofs | None = None):
        self.program = program
        self.model = model
        self.unknown_inputs = unknown_inputs  # input relation -> its (unknown) case field
        self.case_key = case_key
        self.wording = Wording(program, case_key, case_label, given_fields)  # every text a node carries
        self.as_of = as_of
        self.shared = shared
        self._shareable = shared.relations if shared else frozenset()
        self._memo: dict[tuple[str, Pattern], AtomResult] = {}
        # atoms of recursive relations under evaluation (see _tabled): what is found so far, each
        # one's place on the stack, and the lowest place an evaluation read an open atom at
        self._table: dict[tuple[str, Pattern], AtomResult] = {}
        self._stack: list[tuple[str, Pattern]] = []
        self._depth: dict[tuple[str, Pattern], int] = {}
        self._low = _NONE_OPEN
        self._proofs: dict[tuple[str, Row], ProofNode] = {}  # each recursive row's one proof (see _settle)
        self._sorted: dict[str, Sequence[Row]] = {}
        self._missing: dict[int, tuple[ProofNode, frozenset[str]]] = {}  # see _fields
        self._recursive = program.recursive()
        self._static = program.static()
        # what a later rule may not read for an atom with open positions to stop before it (see _derived)
        self._blocking = frozenset(unknown_inputs)

    # ------------------------------------------------------------------ atoms
    def atom(self, relation: str, pattern: Pattern) -> AtomResult:
        key = (relation, pattern)
        found = self._memo.get(key)
        if found is not None:
            return found
        shared = self.shared if relation in self._shareable and self.case_key not in pattern else None
        if shared and key in shared.atoms:
            result = self._memo[key] = shared.atoms[key]
            return result
        if relation in self._recursive:
            return self._tabled(key)
        rel = self.program.relations[relation]
        result = self._input(rel, pattern) if rel.kind == "input" else self._derived(relation, pattern)
        self._memo[key] = result
        if shared and len(shared.atoms) < MAX_SHARED:
            shared.atoms[key] = result
        return result

    def _tabled(self, key: tuple[str, Pattern]) -> AtomResult:
        """An atom of a recursive relation, to the least fixpoint of its rules. An atom under
        evaluation that is read again answers with what it has found so far; once every atom of
        a strongly connected set of such atoms is evaluated, they are all evaluated again, in
        turn, until none finds a new row or a better status (Tarjan's components over atoms, as
        tabled resolution completes them). The rows only grow, and are finitely many, so it
        ends; the answers do not depend on the order in which the atoms are first visited. A
        TRUE row keeps the proof it was first found with, built from rows found before it, so
        every proof is finite and well founded. The atoms are checked against the engine once
        complete. No try/finally: a Prover that raises is dropped with its state."""
        entry = self._table.get(key)
        if entry is not None:
            self._low = min(self._low, self._depth[key])
            return entry
        relation, pattern = key
        depth = self._depth[key] = len(self._stack)
        self._stack.append(key)
        self._table[key] = AtomResult()
        outer, self._low = self._low, _NONE_OPEN
        self._table[key] = self._settle(relation, AtomResult(), self._derived(relation, pattern, checked=False))
        low = self._low
        # while it reads atoms open above it on the stack (or itself), it leads a set of atoms
        # that read each other: evaluate them all again until none changes
        while depth <= low != _NONE_OPEN:
            size = len(self._stack)
            changed = False
            self._low = _NONE_OPEN
            for member in self._stack[depth:]:
                old = self._table[member]
                new = self._settle(member[0], old, self._derived(*member, checked=False))
                changed = changed or _truth(new) != _truth(old)
                self._table[member] = new
            low = min(low, self._low)
            if not changed and len(self._stack) == size:
                break
        if low < depth:  # it reads an atom open below it: completed with that one, by its leader
            self._low = min(outer, low)
            return self._table[key]
        for member in self._stack[depth:]:
            result = self._memo[member] = self._table.pop(member)
            del self._depth[member]
            self._check(member[0], self.model.engine_rows(*member), result.rows)
        del self._stack[depth:]
        self._low = outer
        return self._memo[key]

    def _settle(self, relation: str, old: AtomResult, new: AtomResult) -> AtomResult:
        """A recursive atom's next result: every row found so far, at its best status. A TRUE row
        has one proof in the whole Prover, the first found for it under any pattern, built from
        rows proved before it, so no proof rests on its own conclusion; an UNKNOWN row keeps the
        latest node (the ways it may hold found so far)."""
        rows: dict[Row, tuple[Row, Status, ProofNode]] = {row[0]: row for row in old.rows}
        for row, status, node in new.rows:
            held = rows.get(row)
            if held is not None and held[1] is Status.TRUE:
                continue
            if status is Status.TRUE:
                node = self._proofs.setdefault((relation, row), node)
            rows[row] = (row, status, node)
        rest = Status.UNKNOWN if Status.UNKNOWN in (old.rest, new.rest) else Status.FALSE
        rest_node = new.rest_node if new.rest is rest else old.rest_node
        return AtomResult(sorted(rows.values(), key=_row_order) if len(rows) > 1 else list(rows.values()), rest, rest_node)

    def _check(self, relation: str, engine_rows: set[Row] | frozenset[Row] | None,
               rows: list[tuple[Row, Status, ProofNode]]) -> None:
        """Every row proved TRUE is among the engine's, and every engine row has a proof."""
        if engine_rows is None:
            return
        for row, status, _ in rows:
            if status is Status.TRUE and row not in engine_rows:
                raise KnowledgeBaseError(f"proof of {relation}{row} not derived by the engine")
        for row in engine_rows.difference([r for r, _, _ in rows]):
            raise KnowledgeBaseError(f"engine derived {relation}{row} but no rule proves it")

    def _input(self, rel: ir.Relation, pattern: Pattern) -> AtomResult:
        result = AtomResult()
        rows = self._sorted.get(rel.name)
        if rows is None:  # sorted once per relation; filtering keeps the order
            rows = self.model.input_rows(rel.name)
            if len(rows) > 1:
                rows = sorted(rows, key=lambda r: tuple(map(str, r)))
            self._sorted[rel.name] = rows
        for row in rows:
            if not matches(pattern, row):
                continue
            shown = self.wording.input_value(row)
            result.rows.append((row, Status.TRUE, ProofNode(self.wording.describe(rel.name, row), Status.TRUE, "input",
                                                            field=rel.field, bindings=((rel.field or "", shown),))))
        if rel.name in self.unknown_inputs:
            result.rest = Status.UNKNOWN
            result.rest_node = self._input_missing(rel, pattern)
        elif not result.rows:
            result.rest_node = self._input_absent(rel, pattern, rows)
        return result

    def _input_missing(self, rel: ir.Relation, pattern: Pattern) -> ProofNode:
        """Why an input the case leaves out is unknown."""
        return ProofNode(self.wording.input_missing(rel, pattern), Status.UNKNOWN, "missing", field=rel.field)

    def _input_absent(self, rel: ir.Relation, pattern: Pattern, rows: Sequence[Row]) -> ProofNode:
        """Why an input the case gives has no row matching ``pattern`` (``rows``: all its rows)."""
        return ProofNode(self.wording.input_absent(rel, pattern, rows), Status.FALSE, "absent", field=rel.field)

    def _derived(self, relation: str, pattern: Pattern, checked: bool = True) -> AtomResult:
        # TRUE keeps its first proof; UNKNOWN keeps every way, with the signatures already kept
        found: _Found = {}
        failures: list[ProofNode | tuple[ir.Rule, _Branch, Pattern]] = []  # rule nodes built only if shown
        unknowns: list[ProofNode] = []
        ground = None not in pattern
        engine_rows = self.model.engine_rows(relation, pattern)
        rules = self.program.rules_for(relation)
        read_from = self.program.read_from(relation)
        # when to stop trying rules: a ground atom at its first TRUE proof, an open one once it has
        # as many TRUE rows as the engine found, and then only before rules reading no unknown input
        enough = 1 if ground else len(engine_rows) if engine_rows else None
        for i, rule in enumerate(rules):
            if (len(found) == enough and not unknowns and all(f[0] is Status.TRUE for f in found.values())
                    and (ground or read_from[i].isdisjoint(self._blocking))):
                break  # the rules from here on can change nothing shown. A ground atom proved is TRUE
                # whatever they say. An open one with every row TRUE and as many as the engine found
                # (a row the engine did not find raises below) shows no failures; rules that read no
                # input the case leaves unknown can only prove those rows again or fail. Recursive
                # atoms are evaluated to their fixpoint (_tabled), so the order in which a cycle's
                # atoms are visited changes no answer. What the skipped rules would prove goes
                # unchecked against the engine: that is the price
            env = _unify(rule.head.args, pattern, {})
            if env is None:
                continue
            lapsed = self._lapsed(rule)
            if lapsed:  # the engine ran without this rule; say why it does not count
                failures.append(self._lapsed_node(rule, lapsed))
                continue
            head_args = rule.head.args
            for branch in self._body(rule.body, env):
                head_row = tuple([branch[0].get(a.name) if a.__class__ is ir.Var else a.value  # type: ignore[union-attr]
                                  for a in head_args])
                if branch[1] is Status.FALSE:
                    failures.append((rule, branch, head_row))
                elif None in head_row:
                    unknowns.append(self._rule_node(rule, branch, head_row))
                else:
                    self._keep(found, rule, branch, head_row)
        return self._derived_result(relation, pattern, found, failures, unknowns, engine_rows if checked else None)

    def _lapsed_node(self, rule: ir.Rule, lapsed: list[ir.Provision]) -> ProofNode:
        """Why ``rule``, citing the provisions ``lapsed`` not in force on the date asked about, does not count."""
        assert self.as_of is not None  # nothing lapses without a date
        return ProofNode(self.wording.not_in_force(rule, lapsed, self.as_of), Status.FALSE, "failed_rule",
                         rule.label, rule.cites)

    def _keep(self, found: _Found, rule: ir.Rule, branch: _Branch, head_row: Row) -> None:
        """Record a branch of ``rule`` proving ``head_row`` TRUE or UNKNOWN, if it shows something new."""
        bstatus = branch[1]
        best = found.get(head_row)
        if best is None or (best[0] is Status.UNKNOWN and bstatus is Status.TRUE):
            found[head_row] = (bstatus, [self._rule_node(rule, branch, head_row)], set())
        elif best[0] is Status.UNKNOWN and bstatus is Status.UNKNOWN:
            # every rule that may apply, with each distinct set of fields that would settle it;
            # branches differing only in how an unknown was guessed add nothing (and are not built)
            if not best[2]:
                first = best[1][0]
                best[2].add(self._signature(first.rule, first.because))
            signature = self._signature(rule.label if rule.kind != "fact" else None, branch[2])
            if signature not in best[2]:
                best[1].append(self._rule_node(rule, branch, head_row))
                best[2].add(signature)

    def _derived_result(self, relation: str, pattern: Pattern, found: _Found,
                        failures: list[ProofNode | tuple[ir.Rule, _Branch, Pattern]], unknowns: list[ProofNode],
                        engine_rows: set[Row] | frozenset[Row] | None) -> AtomResult:
        """The rows proved, checked against ``engine_rows`` (None: unchecked), and why no more."""
        result = AtomResult()
        items = sorted(found.items(), key=_row_order) if len(found) > 1 else found.items()
        unknown_only = False
        for row, (status, nodes, _) in items:
            if status is not Status.TRUE:
                unknown_only = True
            node = nodes[0] if len(nodes) == 1 else ProofNode(
                self.wording.cannot_tell(relation, row), Status.UNKNOWN, "why_not",
                because=tuple(nodes))
            result.rows.append((row, status, node))
        self._check(relation, engine_rows, result.rows)
        if unknowns or not result.rows or unknown_only:
            failed = [f if isinstance(f, ProofNode) else self._rule_node(*f) for f in failures]
            if unknowns:
                result.rest = Status.UNKNOWN
                result.rest_node = self._why_not(relation, pattern, unknowns + failed, Status.UNKNOWN)
            else:
                result.rest_node = self._why_not(relation, pattern, failed, Status.FALSE)
        return result

    def _signature(self, rule: str | None, nodes: tuple[ProofNode, ...]) -> tuple[str | None, tuple[str, ...]]:
        """A way a rule may apply, as far as the reader can tell ways apart: the rule, and the
        case fields whose absence its steps ``nodes`` report."""
        return rule, tuple(sorted(frozenset().union(*[self._fields(node) for node in nodes])))

    def _fields(self, node: ProofNode) -> frozenset[str]:
        """The case fields whose absence ``node`` reports, itself or below. Kept per node, since
        branches share their subtrees; the node is kept with them, so its id is not reused."""
        kept = self._missing.get(id(node))
        if kept is None:
            fields = (frozenset([node.field]) if node.kind == "missing" and node.field
                      else frozenset().union(*[self._fields(child) for child in node.because]))
            kept = self._missing[id(node)] = (node, fields)
        return kept[1]

    def _lapsed(self, rule: ir.Rule) -> list[ir.Provision]:
        """The provisions cited by ``rule`` not in force on the date asked about."""
        if self.as_of is None:
            return []
        if self.shared is None:
            return self.program.not_in_force(rule, self.as_of)
        lapsed = self.shared.lapsed.get(rule.label)
        if lapsed is None:
            lapsed = self.shared.lapsed[rule.label] = self.program.not_in_force(rule, self.as_of)
        return lapsed

    def _why_not(self, relation: str, pattern: Pattern, nodes: list[ProofNode], status: Status) -> ProofNode:
        shown = nodes[:MAX_WHY_NOT]
        if len(nodes) > MAX_WHY_NOT:
            shown.append(ProofNode(self.wording.more_failures(len(nodes) - MAX_WHY_NOT), Status.FALSE, "absent"))
        return ProofNode(self.wording.why_not(relation, pattern, bool(nodes), status), status, "why_not",
                         because=tuple(shown))

    def _rule_node(self, rule: ir.Rule, branch: _Branch, head_row: Pattern) -> ProofNode:
        env, status, nodes = branch
        wording = self.wording
        kind = "failed_rule" if status is Status.FALSE else rule.kind if rule.kind in ("fact", "exception") else "rule"
        return ProofNode(wording.rule_conclusion(rule, status, head_row), status, kind,
                         rule.label if rule.kind != "fact" else None, rule.cites, wording.bindings(env), nodes)

    # ------------------------------------------------------------------ bodies
    def _body(self, body: tuple[ir.Literal, ...], env: Env) -> list[_Branch]:
        """Every way the body goes, left to right: the branches still open, then those that failed.
        A positive literal, the most common step, is taken for all branches in one call: per-branch
        calls were a fair share of a warm ask."""
        branches: list[_Branch] = [(env, Status.TRUE, ())]
        done: list[_Branch] = []
        for lit in body:
            if lit.__class__ is ir.Pos:
                nxt = self._positive(lit, branches)
            else:
                nxt = [self._step(lit, branch) for branch in branches]
            branches = []
            for b in nxt:
                (done if b[1] is Status.FALSE else branches).append(b)
            if not branches:
                break
        return branches + done

    def _positive(self, lit: ir.Pos, branches: list[_Branch]) -> list[_Branch]:
        """Extend each branch by a positive literal: one branch per row matching, or one UNKNOWN or FALSE."""
        nxt: list[_Branch] = []
        memo = self._memo
        relation, args = lit.atom.relation, lit.atom.args
        # a law's row met only through a value the case leaves unknown (the rule tried with a
        # guessed counterparty, stage or ground) says nothing about this case: not shown
        static_vars = [a.name for a in args if a.__class__ is ir.Var] if relation in self._static else ()
        for benv, bstatus, bnodes in branches:
            pattern = tuple([benv.get(a.name) if a.__class__ is ir.Var else a.value  # type: ignore[union-attr]
                             for a in args])
            res = memo.get((relation, pattern))
            if res is None:
                res = self.atom(relation, pattern)
            added = False
            guessed = bstatus is Status.UNKNOWN and any(v in benv and benv[v] is None for v in static_vars)
            for row, status, node in res.rows:
                bound = _unify(args, row, benv)
                if bound is not None:
                    nxt.append((bound, bstatus if status is Status.TRUE else _and(bstatus, status),
                                bnodes if guessed else (*bnodes, node)))
                    added = True
            rest_node = res.rest_node
            if res.rest is Status.UNKNOWN:
                assert rest_node is not None
                unbound = {a.name: None for a in args if a.__class__ is ir.Var and benv.get(a.name) is None}
                nxt.append(({**benv, **unbound}, Status.UNKNOWN, (*bnodes, rest_node)))
            elif not added:
                if rest_node is None:  # rows match the pattern, but none repeats a repeated variable
                    rest_node = self._unmatched(relation, args, pattern)
                nxt.append((benv, Status.FALSE, (*bnodes, rest_node)))
        return nxt

    def _unmatched(self, relation: str, args: tuple[ir.Term, ...], pattern: Pattern) -> ProofNode:
        return ProofNode(self.wording.unmatched(relation, args, pattern), Status.FALSE, "absent")

    def _step(self, lit: ir.Literal, branch: _Branch) -> _Branch:
        """Extend one branch by a literal other than a positive one (each gives one branch)."""
        env, bstatus, nodes = branch
        if isinstance(lit, ir.Neg):
            pattern = tuple([_value(a, env) for a in lit.atom.args])
            if None in pattern:
                node = ProofNode(self.wording.negation_unchecked(lit.atom.relation, pattern), Status.UNKNOWN, "not")
                return env, Status.UNKNOWN, (*nodes, node)
            return self._negation(lit, pattern, branch)
        if isinstance(lit, ir.Compare):
            left, right = _value(lit.left, env), _value(lit.right, env)
            if left is None or right is None:
                return env, Status.UNKNOWN, (*nodes, ProofNode(self.wording.comparison(lit, left, right, Status.UNKNOWN),
                                                               Status.UNKNOWN, "compare"))
            status = Status.TRUE if compare(lit.op, left, right) else Status.FALSE
            return env, _and(bstatus, status), (*nodes, ProofNode(self.wording.comparison(lit, left, right, status),
                                                                   status, "compare"))
        assert isinstance(lit, ir.Call)
        return self._call(lit, branch)

    def _negation(self, lit: ir.Neg, pattern: Pattern, branch: _Branch) -> _Branch:
        env, bstatus, nodes = branch
        res = self.atom(lit.atom.relation, pattern)
        inner = Status.TRUE if any(s is Status.TRUE for _, s, _ in res.rows) else (
            Status.UNKNOWN if res.rows or res.rest is Status.UNKNOWN else Status.FALSE)
        status = _not(inner)
        what = self.wording.negation(lit, pattern, status)
        children = [n for _, s, n in res.rows if s is not Status.FALSE]
        if res.rest_node is not None and (inner is not Status.TRUE):
            rest = res.rest_node
            # "✓ not the case that X" over "✗ not established that X" says it twice: show the reasons once
            children.extend(rest.because if status is Status.TRUE and rest.kind == "why_not" and rest.because
                            else (rest,))
        node = ProofNode(what, status, "not", because=tuple(children[:1] if inner is Status.TRUE else children))
        return env, _and(bstatus, status), (*nodes, node)

    def _call(self, lit: ir.Call, branch: _Branch) -> _Branch:
        env, bstatus, nodes = branch
        args = tuple([_value(a, env) for a in lit.args])
        builtin = BUILTINS[lit.function]
        if None in args:
            node = ProofNode(self.wording.call_unknown(lit, args), Status.UNKNOWN, "builtin")
            return {**env, lit.target.name: None}, Status.UNKNOWN, (*nodes, node)
        if not builtin.accepts(args):
            node = ProofNode(self.wording.call_inapplicable(lit, args), Status.FALSE, "builtin")
            return env, Status.FALSE, (*nodes, node)
        result = builtin.call(args)
        steps = tuple((s.text, s.basis) for s in result.steps)
        bound = env.get(lit.target.name)
        if bound is not None:  # the target is already bound: the call is a test, not a binding
            ok = bound == result.value
            node = ProofNode(self.wording.call_test(lit, args, result.value, None if ok else bound),
                             Status.TRUE if ok else Status.FALSE, "builtin", steps=steps, caveats=tuple(result.caveats))
            return env, bstatus if ok else Status.FALSE, (*nodes, node)
        node = ProofNode(self.wording.call_binding(lit, args, result.value), Status.TRUE,
                         "builtin", steps=steps, caveats=tuple(result.caveats))
        return {**env, lit.target.name: result.value}, bstatus, (*nodes, node)


# ---------------------------------------------------------------------- helpers
_NONE_OPEN = sys.maxsize  # an evaluation that read no atom still under evaluation


def _row_order(item: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(map(str, item[0]))


def _truth(result: AtomResult) -> tuple[frozenset[tuple[Row, Status]], Status]:
    return frozenset([(row, status) for row, status, _ in result.rows]), result.rest



def _value(term: ir.Term, env: Env) -> Any:
    return env.get(term.name) if isinstance(term, ir.Var) else term.value


def _unify(args: tuple[ir.Term, ...], row: Pattern, env: Env) -> Env | None:
    out = dict(env)
    for term, value in zip(args, row):
        if value is None:
            continue
        if type(term) is ir.Const:
            if term.value != value:
                return None
        else:
            name = term.name  # type: ignore[union-attr]
            held = out.get(name)
            if held is None:
                out[name] = value
            elif held != value:
                return None
    return out
