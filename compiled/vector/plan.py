"""A program compiled for numpy: its relations as slots, evaluated over the cases' columns, and
each question's answer read off its relation's slots."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from redress.compiled.sqlgen import FIELD_BITS, UnsupportedError, unsupported
from redress.compiled.vector.builtins import Builtins
from redress.compiled.vector.columns import CaseColumns, unknown_fields
from redress.compiled.vector.masks import (BITS, Fields, Pool, any_of, band, bnot, bor, distinct, equal, fmat, full,
                                           fwhere, funion, holds, static, status_codes)
from redress.compiled.vector.result import QuestionResult
from redress.compiled.vector.rules import RulePlan
from redress.compiled.vector.slots import Col, RelationSlots, Slot, merge, same_slots, settled
from redress.kb import ir
from redress.kb.answers import OPEN, SEVERAL, SOME
from redress.kb.schema import FIELDS
from redress.law.workdays import Mask, Values
from redress.queries.fixpoint import fixpoint


def _case_relations(program: ir.Program) -> set[str]:
    """Relations whose first argument is the case: inputs, and what is derived from them."""
    return program.readers((name for name, rel in program.relations.items() if rel.kind == "input"), negated=False)



class VectorProgram:
    """A program compiled for numpy: evaluate it over :class:`CaseColumns`."""

    def __init__(self, program: ir.Program, patterns: Mapping[str, Sequence[Any]], pool: Pool,
                 builtins: Builtins, value_types: Mapping[str, list[str]], missing: bool = True,
                 guards: Mapping[str, tuple[int | None, int | None]] | None = None):
        self.program = program
        # rules in force on only some of the cases' dates: label -> first and last day (day
        # numbers, None: no bound) of ``as_of`` on which the rule applies. What reads such a rule
        # differs between cases even where it reads no input, so it is derived per evaluation.
        self.guards = dict(guards or {})
        varying = program.readers({r.head.relation for r in program.rules if r.label in self.guards}) if self.guards else set()
        self._guard_masks: dict[str, Mask] = {}
        self.missing = missing  # track the unknown fields each possible slot rests on (see Slot.fields)
        self.patterns = {q: tuple(p) for q, p in patterns.items()}
        self.pool = pool
        self.builtins = builtins  # shared by every version's plan: its date tables are built once
        self.types = value_types
        self._order: dict[tuple[str, ...], list[list[str]]] = {}
        problems = unsupported(program)
        if problems:
            raise UnsupportedError("; ".join(problems))
        self.case_relations = _case_relations(program)
        self._lawful = program.static() - varying
        if varying & program.static() & program.recursive():  # its fixpoint is over the law's rows alone
            raise UnsupportedError("a recursive relation of the law's own rows reads a rule in force on only "
                                   "some of the cases' dates")
        self._constants: dict[str, RelationSlots] = {}
        self._calls: dict[tuple[Any, ...], Any] = {}
        self._unknown = np.zeros(0, dtype=BITS)  # per evaluation: each case's unknown fields
        constant = [n for n, r in program.relations.items()
                    if r.kind != "input" and n not in self.case_relations and n not in varying]
        for names in map(list, program.components(constant)):
            self._derive_component(names, self._constants)
        for name in self.case_relations:
            rel = program.relations[name]
            if rel.kind == "input" and (not rel.field or rel.arity != 2):
                raise UnsupportedError(f"input {name} must be (Case, Value) over a contract field")

    # ------------------------------------------------------------------ inputs
    def _input(self, rel: ir.Relation, columns: CaseColumns) -> RelationSlots:
        assert rel.field is not None
        spec = FIELDS[rel.field]
        col = columns.fields[rel.field]
        out = RelationSlots()
        if spec.type in ("enum", "bool", "enum_list"):
            vocab = ("true", "false") if spec.type == "bool" else spec.values
            for v in vocab:
                code = self.pool.string(v)
                if spec.type == "enum_list":
                    assert col.members is not None
                    mask: Mask = col.members[v]
                else:
                    assert col.values is not None
                    mask = col.values == code
                slot = Slot(mask, (Col(code),))
                out.t.append(slot)
                out.p.append(slot)
            if not rel.as_recorded:
                out.p.append(Slot(~col.known, (Col(0, True),), self._field_set(rel.field)))
        else:
            assert col.values is not None
            out.t.append(Slot(col.valued, (Col(col.values),)))
            if rel.as_recorded:
                out.p.append(out.t[0])
            else:
                # a row for every case: its value, or "some unknown value"; none for a null "none"
                unknown = ~col.known
                # its field is named where it is known too: the answers keep only the fields a case
                # leaves unknown (``fmat``), so the set is one constant, and its unions and joins cost nothing
                out.p.append(Slot(True if col.present is None else col.present | unknown, (Col(col.values, unknown),),
                                  self._field_set(rel.field) if unknown.any() else ()))
        return out

    def _field_set(self, path: str) -> Fields:
        """An unknown input's field set: none when this plan does not track them (every union and
        join of field sets downstream is then free)."""
        return ((True, 1 << FIELD_BITS.index(path)),) if self.missing else ()

    # ------------------------------------------------------------------ rules
    def _derive(self, name: str, rels: Mapping[str, RelationSlots]) -> RelationSlots:
        out = RelationSlots()
        for rule in self.program.rules_for(name):
            for mode in ("T", "P"):
                out.mode(mode).extend(RulePlan(self, rule, mode, rels).slots())
        t = merge(out.t)
        return RelationSlots(t, settled(merge(out.p), t))

    def _derive_component(self, names: list[str], rels: dict[str, RelationSlots]) -> None:
        if names[0] not in self.program.recursive():  # a single relation that does not read itself
            rels[names[0]] = self._derive(names[0], rels)
            return
        if names[0] in self._lawful:
            self._fixpoint(names, rels)
            return
        # a recursive component: start empty and re-derive until no slot changes (monotone: the
        # checker's stratification keeps negation out of the cycle)
        for name in names:
            rels[name] = RelationSlots()
        for _ in range(1000):
            new = {name: self._derive(name, rels) for name in names}
            stable = all(same_slots(new[n].t, rels[n].t) and same_slots(new[n].p, rels[n].p, fields=True) for n in names)
            rels.update(new)
            if stable:
                return
        raise UnsupportedError(f"recursive relations {', '.join(names)} did not reach a fixpoint")

    def _fixpoint(self, names: list[str], rels: dict[str, RelationSlots]) -> None:
        """A recursive component of the law's own rows (no case reaches it): every slot below it is
        one row, the same for every case, so the rows are decoded, evaluated bottom up
        (``fixpoint``, semi-naive over hash indexes rather than slot by slot) and encoded back."""
        extents: dict[str, set[tuple[Any, ...]]] = {}
        for read in self.program.dependencies().reads_outside(names):
            kinds = self.types[read]
            extents[read] = {tuple(self.pool.decode(int(c.values), kind) for c, kind in zip(s.cols, kinds))
                             for s in rels[read].t if holds(s.mask)}
        for name, rows in fixpoint(self.program, names, extents).items():
            slots = [Slot(True, tuple(Col(self.pool.encode(v)) for v in row)) for row in sorted(rows, key=repr)]
            rels[name] = RelationSlots(slots, slots)

    def call(self, name: str, args: list[Values]) -> tuple[Values, Mask]:
        """A built-in over arrays, computed once per evaluation for the same inputs (so rows
        computed alike in different branches share their arrays and merge)."""
        key = (name, *(a if isinstance(a, int) else ("a", id(a)) for a in args))
        hit = self._calls.get(key)
        if hit is None:
            hit = self._calls[key] = (self.builtins.call(name, args), args)  # args kept: ids stay unique
        return hit[0]

    def guard(self, rule: ir.Rule) -> Mask:
        """Where ``rule`` is in force for this evaluation's cases (True: on all their dates)."""
        return self._guard_masks.get(rule.label, True)

    def relations_for(self, columns: CaseColumns, questions: Iterable[str]) -> dict[str, RelationSlots]:
        self._calls = {}  # per evaluation: arrays are only valid for these cases
        as_of = columns.fields["as_of"].values if self.guards else None
        self._guard_masks = {}
        for label, (first, last) in self.guards.items():
            assert as_of is not None
            m: Mask = True
            if first is not None:
                m = band(m, as_of >= first)
            if last is not None:
                m = band(m, as_of <= last)
            self._guard_masks[label] = m
        rels: dict[str, RelationSlots] = dict(self._constants)
        wanted = tuple(self.program.questions[q].relation for q in questions)
        if wanted not in self._order:
            self._order[wanted] = list(map(list, self.program.components(wanted)))
        for names in self._order[wanted]:
            if names[0] in rels:
                continue
            rel = self.program.relations[names[0]]
            if rel.kind == "input":
                rels[names[0]] = self._input(rel, columns)
            else:
                self._derive_component(names, rels)
        return rels

    def evaluate(self, columns: CaseColumns, questions: Iterable[str]) -> dict[str, QuestionResult]:
        qs = list(questions)
        rels = self.relations_for(columns, qs)
        # without field tracking no slot names a field, so no answer reads the unknown set
        self._unknown = unknown_fields(columns) if self.missing else np.zeros(columns.n, dtype=BITS)
        return {q: self._answer(q, rels, columns.n) for q in qs}

    # ------------------------------------------------------------------ answers
    def _answer(self, name: str, rels: Mapping[str, RelationSlots], n: int) -> QuestionResult:
        q = self.program.questions[name]
        pattern = self.patterns[name]
        rel = rels[q.relation]
        value_type = self.types[q.relation][q.answer_position] if q.answer_position is not None else "VARCHAR"
        fixed = [(i - 1, self.pool.encode(v)) for i, v in enumerate(pattern) if i > 0 and v is not None]

        def matching(slots: list[Slot], with_null: bool) -> list[tuple[Mask, Slot]]:
            out: list[tuple[Mask, Slot]] = []
            for s in slots:
                m = s.mask
                for i, code in fixed:
                    c = s.cols[i]
                    eq = static(c.values == code)
                    m = band(m, bor(eq, c.null) if with_null else eq)
                if m is not False:
                    out.append((m, s))
            return out

        t_rows = matching(rel.t, False)
        p_rows = matching(rel.p, True)
        if q.kind == "yes_no":
            t_hit = any_of(m for m, _ in t_rows)
            p_hit = any_of(m for m, _ in p_rows)
            # bools viewed as int8 are 0/1: truth 1, 0 or -1 (open: may yet be proved)
            maybe = full(band(p_hit, bnot(t_hit)), n)
            truth = full(t_hit, n).view(np.int8) - maybe.view(np.int8)
            fields: Fields = ()
            for m, s in p_rows:
                fields = funion(fields, fwhere(m, s.fields))
            return QuestionResult(name, q.kind, value_type, status_codes(q.kind, {SOME: t_hit, OPEN: p_hit}, n),
                                  truth=truth, missing=fmat(fwhere(maybe, fields), self._unknown))
        a = q.answer_position
        assert a is not None
        j = a - 1
        slots = [(m, s.cols[j].values) for m, s in t_rows]
        if q.kind == "list":  # its status is the list rule's, from the members (not the loop below)
            result = QuestionResult(name, q.kind, value_type, np.zeros(n, dtype=np.int8))
            return self._list_result(result, slots, p_rows, t_rows, j, n, self._unknown)
        undetermined: Mask = False
        missing: Fields = ()
        for m, s in p_rows:  # a possible row that is not among the definite ones leaves the answer open
            c = s.cols[j]
            unsettled: Mask = c.null
            for i, _ in fixed:
                unsettled = bor(unsettled, s.cols[i].null)
            same: Mask = False
            for tm, ts in t_rows:
                same = bor(same, band(tm, equal(ts.cols[j].values, c.values)))
            opens = band(m, bor(unsettled, bnot(same)))
            undetermined = bor(undetermined, opens)
            missing = funion(missing, fwhere(opens, s.fields))
        open_ = full(undetermined, n)
        some, several, first = distinct(slots, n)
        result = QuestionResult(name, q.kind, value_type, status_codes(q.kind, {OPEN: open_, SEVERAL: several}, n),
                                missing=fmat(fwhere(open_, missing), self._unknown))
        result.value = first
        result.has_value = full(band(band(some, bnot(open_)), bnot(several)), n)
        return result

    @staticmethod
    def _list_result(result: QuestionResult, slots: list[tuple[Mask, Any]], p_rows: list[tuple[Mask, Slot]],
                     t_rows: list[tuple[Mask, Slot]], j: int, n: int, unknown: np.ndarray) -> QuestionResult:
        """A list question: established members (``t`` rows), the members a ``p`` row may add that
        no ``t`` row establishes, and where a ``p`` row's member is itself unknown (``unnamed``);
        the status is the contract's list rule (``kb.answers.RULES``, by ``status_codes``)."""
        for m, v in slots:
            if isinstance(v, int):
                result.members[v] = full(bor(result.members.get(v, False), m), n)
            else:
                result.dynamic.append((full(m, n), v))
        unnamed: Mask = False
        unnamed_fields: Fields = ()
        fields: dict[int, Fields] = {}
        for m, s in p_rows:
            c = s.cols[j]
            some = band(m, c.null)
            unnamed = bor(unnamed, some)
            unnamed_fields = funion(unnamed_fields, fwhere(some, s.fields))
            named = band(m, bnot(c.null))
            if named is False:
                continue
            same: Mask = False
            for tm, ts in t_rows:
                same = bor(same, band(tm, equal(ts.cols[j].values, c.values)))
            adds = band(named, bnot(same))
            if adds is False:
                continue
            if isinstance(c.values, int):
                result.possible[c.values] = full(bor(result.possible.get(c.values, False), adds), n)
                fields[c.values] = funion(fields.get(c.values, ()), fwhere(adds, s.fields))
            else:
                result.possible_dynamic.append((full(adds, n), c.values))
                result.possible_dynamic_fields.append(fmat(fwhere(adds, s.fields), unknown))
        result.unnamed = full(unnamed, n)
        result.unnamed_fields = fmat(fwhere(unnamed, unnamed_fields), unknown)
        result.possible_fields = {code: fmat(f, unknown) for code, f in fields.items()}
        established: Mask = False
        for m in result.members.values():
            established = bor(established, m)
        for m, _ in result.dynamic:
            established = bor(established, m)
        maybe: Mask = result.unnamed
        for m in result.possible.values():
            maybe = bor(maybe, m)
        for m, _ in result.possible_dynamic:
            maybe = bor(maybe, m)
        result.status = status_codes(result.kind, {SOME: established, OPEN: maybe}, n)
        return result

