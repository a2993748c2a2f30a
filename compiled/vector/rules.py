"""One rule compiled to slots in one mode (T or P), literal by literal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

from redress.compiled.sqlgen import UnsupportedError
from redress.compiled.vector.masks import Fields, band, bnot, bor, equal, fwhere, funion, static
from redress.compiled.vector.slots import Col, RelationSlots, Slot
from redress.core.errors import RedressError
from redress.kb import ir
from redress.law.builtins import BUILTINS
from redress.law.workdays import Mask

if TYPE_CHECKING:
    from redress.compiled.vector.plan import VectorProgram


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


@dataclass
class _Branch:
    mask: Mask
    env: dict[str, Col]
    fields: Fields = ()  # P only: the unknown fields its literals rest on (where ``mask``)


class RulePlan:
    """One rule's slots in one mode, literal by literal as ``sqlgen._RuleSql`` does in SQL."""

    def __init__(self, vp: VectorProgram, rule: ir.Rule, mode: str, rels: Mapping[str, RelationSlots]):
        self.vp, self.rule, self.mode, self.rels = vp, rule, mode, rels
        self.case = rule.head.relation in vp.case_relations
        self.case_var = rule.head.args[0].name if self.case and isinstance(rule.head.args[0], ir.Var) else None

    def const(self, term: ir.Const) -> Col:
        return Col(self.vp.pool.encode(term.value))

    def term(self, term: ir.Term, env: Mapping[str, Col]) -> Col:
        if isinstance(term, ir.Const):
            return self.const(term)
        col = env.get(term.name)
        if col is None:
            raise RedressError(f"rule {self.rule.label}: variable {term.name} is not bound")
        return col

    def eq(self, a: Col, b: Col) -> Mask:
        test = equal(a.values, b.values)
        return test if self.mode == "T" else bor(bor(test, a.null), b.null)

    def bind(self, a: Col, b: Col) -> Col:
        """The variable's value after meeting a second occurrence: a known one wins (SQL's COALESCE)."""
        if self.mode == "T" or a.null is False:
            return a
        if b.null is False:
            return b
        return Col(np.where(a.null, b.values, a.values), band(a.null, b.null))

    def slots(self) -> list[Slot]:
        branches = [_Branch(self.vp.guard(self.rule), {})]
        for lit in self.rule.body:
            if isinstance(lit, ir.Pos):
                branches = self.positive(lit, branches)
            elif isinstance(lit, ir.Call):
                branches = [self.call(lit, b) for b in branches]
            elif isinstance(lit, ir.Compare):
                branches = [self.compare(lit, b) for b in branches]
            else:
                branches = [self.negative(lit, b) for b in branches]
            branches = [b for b in branches if b.mask is not False]
            if not branches:
                return []
        head = self.rule.head.args[1:] if self.case else self.rule.head.args
        out = []
        for b in branches:
            cols = tuple(self.term(t, b.env) for t in head)
            if self.mode == "T":
                cols = tuple(Col(c.values) for c in cols)
            if self.mode == "P":
                out.append(Slot(b.mask, cols, b.fields, all(m is True for m, _ in b.fields)))
            else:
                out.append(Slot(b.mask, cols))
        return out

    def _args(self, atom: ir.Atom) -> tuple[ir.Term, ...]:
        if atom.relation in self.vp.case_relations:
            first = atom.args[0]
            if not isinstance(first, ir.Var) or first.name != self.case_var:
                raise UnsupportedError(f"rule {self.rule.label}: {atom.relation} must be about the rule's own case")
            return atom.args[1:]
        return atom.args

    def positive(self, lit: ir.Pos, branches: list[_Branch]) -> list[_Branch]:
        args = self._args(lit.atom)
        out = []
        for b in branches:
            for s in self.rels[lit.atom.relation].mode(self.mode):
                mask = band(b.mask, s.mask)
                env = dict(b.env)
                for arg, col in zip(args, s.cols):
                    if mask is False:
                        break
                    if self.mode == "T":
                        col = Col(col.values)
                    if isinstance(arg, ir.Const):
                        mask = band(mask, self.eq(self.const(arg), col))
                    elif arg.name in env:
                        mask = band(mask, self.eq(env[arg.name], col))
                        env[arg.name] = self.bind(env[arg.name], col)
                    else:
                        env[arg.name] = col
                if mask is not False and (mask is True or mask.any()):  # a branch no case takes is dropped
                    out.append(_Branch(mask, env, funion(b.fields, s.fields) if self.mode == "P" else ()))
        return out

    def call(self, lit: ir.Call, b: _Branch) -> _Branch:
        args = [self.term(a, b.env) for a in lit.args]
        values, invalid = self.vp.call(lit.function, [a.values for a in args])
        null: Mask = False
        if self.mode == "P":
            for a in args:
                null = bor(null, a.null)
        result = Col(values, bor(null, invalid) if self.mode == "P" else False)
        mask = b.mask
        for a, kind in zip(args, BUILTINS[lit.function].arg_types):
            if kind == "int":  # a count below zero: the function does not apply (Builtin.accepts)
                mask = band(mask, bor(static(np.asarray(a.values) >= 0), a.null))
        if self.mode == "T" and invalid is not False:
            mask = band(mask, bnot(invalid))  # SQL: a date the calendar cannot hold is NULL, never definite
        if lit.target.name in b.env:
            return _Branch(band(mask, self.eq(result, b.env[lit.target.name])), b.env, b.fields)
        return _Branch(mask, {**b.env, lit.target.name: result}, b.fields)

    def compare(self, lit: ir.Compare, b: _Branch) -> _Branch:
        left, right = self.term(lit.left, b.env), self.term(lit.right, b.env)
        test = static(_OPS[lit.op](left.values, right.values))
        if self.mode == "P":
            test = bor(bor(test, left.null), right.null)
        return _Branch(band(b.mask, test), b.env, b.fields)

    def negative(self, lit: ir.Neg, b: _Branch) -> _Branch:
        args = [self.term(a, b.env) for a in self._args(lit.atom)]
        rel = self.rels[lit.atom.relation]
        if self.mode == "T":  # definitely not: no possibly-true row could match (its nulls match anything)
            found: Mask = False
            for s in rel.p:
                m = s.mask
                for a, c in zip(args, s.cols):
                    m = band(m, bor(static(a.values == c.values), c.null))
                found = bor(found, m)
            return _Branch(band(b.mask, bnot(found)), b.env)
        unknown: Mask = False  # possibly not: no definitely-true row matches, or an argument is unknown
        for a in args:
            unknown = bor(unknown, a.null)
        found = False
        for s in rel.t:
            m = s.mask
            for a, c in zip(args, s.cols):
                m = band(m, static(a.values == c.values))
            found = bor(found, m)
        mask = band(b.mask, bor(unknown, bnot(found)))
        # the negated atom's open ways: its possible rows that may match; an argument that is
        # itself unknown names nothing (the proof builder cannot look the atom up)
        fields: Fields = ()
        if mask is not False:
            known = bnot(unknown)
            for s in rel.p:
                if not s.fields:
                    continue
                m = band(s.mask, known)
                for a, c in zip(args, s.cols):
                    m = band(m, bor(static(a.values == c.values), c.null))
                fields = funion(fields, fwhere(m, s.fields))
        return _Branch(mask, b.env, funion(b.fields, fields))

