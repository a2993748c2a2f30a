"""The vectorised backend of a knowledge base: plans per version of the rules, and answers decoded
to the contract's values."""

from __future__ import annotations

import ctypes
import datetime as _dt
from typing import Any, Mapping, Sequence

import numpy as np

from redress.compiled.sqlgen import FIELD_BITS, UnsupportedError, relation_types
from redress.compiled.vector.builtins import Builtins
from redress.compiled.vector.columns import CaseColumns, columns_from_cases
from redress.compiled.vector.masks import STATUS_NAMES, Pool
from redress.compiled.vector.plan import VectorProgram
from redress.compiled.vector.result import QuestionResult
from redress.kb import ir
from redress.kb.answers import assemble, shape
from redress.kb.schema import FIELDS
from redress.law import dates
from redress.law.workdays import EPOCH, Calendar

# the working-day calendar: every supported date, and slack after the last for deadlines past it
CALENDAR_END = dates.MAX_DATE + _dt.timedelta(days=40)


def field_order(program: ir.Program, relation: str) -> tuple[int, ...]:
    """The bits of every field, in the order a proof of ``relation`` first meets them: depth
    first through its rules and their literals, as the proof builder tries them (the engine of
    record names a missing field where its proof first reaches it); fields it never reads last."""
    seen: set[str] = set()
    order: dict[int, None] = {}
    stack = [relation]
    while stack:  # an explicit stack, visiting each relation once, in the order a recursion would
        item = stack.pop()
        if item in seen:
            continue
        seen.add(item)
        rel = program.relations[item]
        if rel.kind == "input":
            if rel.field in FIELD_BITS:
                order.setdefault(FIELD_BITS.index(rel.field), None)
            continue
        stack.extend(reversed(list(program.reads(item))))
    for k in range(len(FIELD_BITS)):
        order.setdefault(k, None)
    return tuple(order)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
_memory_kept = False


def keep_freed_memory() -> None:
    """Ask the C allocator (glibc) to keep freed memory for reuse rather than hand it back to the
    system. An evaluation allocates and frees arrays of N values thousands of times; by default
    glibc maps each large one afresh and unmaps it when freed, so every array costs a page fault
    per page (about 40 % of ``local_contacts`` over a million cases, measured in a sandbox whose
    page faults are dear). Process-wide and once; a no-op where the C library has no ``mallopt``.
    The price: memory freed stays with the process (its peak, not more), up to 1 GB spare."""
    global _memory_kept
    if _memory_kept:
        return
    _memory_kept = True
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # arrays up to 32 MB from the heap, not fresh mappings
    mallopt(_M_TRIM_THRESHOLD, 1 << 30)  # and the heap not shrunk until 1 GB of it is free


class VectorEngine:
    """The vectorised backend for a knowledge base's program. Cases whose ``as_of`` falls in
    different versions of the rules (epochs) are answered by one plan of every rule in force in
    any of them, each rule masked to the cases on whose dates it is in force (``spanning_plan``);
    where that cannot be planned, the cases are grouped by epoch, each group by its own plan."""

    def __init__(self, program: ir.Program, patterns: Mapping[str, Sequence[Any]],
                 calendar_start: _dt.date = dates.MIN_DATE, calendar_end: _dt.date = CALENDAR_END,
                 missing: bool = True, pool: Pool | None = None):
        keep_freed_memory()
        self.program = program
        self.patterns = patterns
        # ``missing=False``: answers only, no fields named, for a caller that reads no
        # ``missing`` (the bench's comparison with the peer, which has none); ``decode`` refuses
        self.missing = missing
        if pool is None:  # another engine's pool, to read columns encoded for it
            pool = Pool()
            for spec in FIELDS.values():  # stable codes for the whole vocabulary
                for v in spec.values:
                    pool.string(v)
            for v in ("true", "false"):
                pool.string(v)
        self.pool = pool
        self.builtins = Builtins(Calendar(calendar_start, calendar_end))
        self.types = relation_types(program)
        self._boundaries = program.version_boundaries()
        self._days = np.array([(b - EPOCH).days for b in self._boundaries], dtype=np.int64)
        self._plans: dict[int, VectorProgram] = {}
        self._orders: dict[str, tuple[int, ...]] = {}
        self._names: dict[tuple[str, int], tuple[str, ...]] = {}
        self._rules_read: dict[tuple[tuple[str, ...], int], tuple[str, ...]] = {}
        self._spanning: dict[tuple[int, ...], VectorProgram | None] = {}

    def plan(self, epoch: int) -> VectorProgram:
        if epoch not in self._plans:
            self._plans[epoch] = VectorProgram(self.program.in_force_on(self.program.epoch_start(epoch)),
                                               self.patterns, self.pool, self.builtins, self.types, self.missing)
        return self._plans[epoch]

    def columns(self, cases: Sequence[Any]) -> CaseColumns:
        return columns_from_cases(cases, self.pool)

    def evaluate(self, columns: CaseColumns, questions: Sequence[str]) -> dict[str, QuestionResult]:
        as_of = columns.fields["as_of"]
        assert as_of.values is not None
        if columns.n == 0:
            return self.plan(0).evaluate(columns, questions)
        low, high = np.searchsorted(self._days, [as_of.values.min(), as_of.values.max()], side="right")
        if low == high:  # every case under the same rules
            return self.plan(int(low)).evaluate(columns, questions)
        epochs = np.searchsorted(self._days, as_of.values, side="right")
        present = tuple(int(e) for e in np.unique(epochs))
        groups = self._epoch_groups(questions, list(present))
        if len(groups) == 1:  # the versions differ, but not in any rule these questions read
            return self.plan(groups[0][0]).evaluate(columns, questions)
        spanning = self.spanning_plan(present)
        if spanning is not None:  # one evaluation, each rule masked to the dates it is in force
            return spanning.evaluate(columns, questions)
        out = {q: QuestionResult.empty(q, self.program.questions[q].kind, self._value_type(q), columns.n)
               for q in questions}
        for group in groups:
            index = np.flatnonzero(np.logical_or.reduce([epochs == e for e in group]))  # np.isin: 100 times slower
            part = self.plan(group[0]).evaluate(columns.take(index), questions)
            for q in questions:
                out[q].scatter(index, part[q], columns.n)
        return out

    def spanning_plan(self, epochs: tuple[int, ...]) -> VectorProgram | None:
        """One plan for cases in several epochs: the rules in force in any of them, each rule not
        in force in all of them guarded by its in-force window over ``as_of``. None where the
        program cannot be evaluated so (a recursive relation reading a guarded rule): the cases
        are then split by epoch. Splitting costs a copy of every column and every answer, and a
        pass of the plan per epoch."""
        if epochs not in self._spanning:
            days = [self.program.epoch_start(e) for e in epochs]
            program = self.program.in_force_on_any(days)
            guards = {}
            for rule in program.rules:
                if any(program.not_in_force(rule, on) for on in days):
                    first, last = program.in_force_window(rule)
                    guards[rule.label] = (None if first is None else (first - EPOCH).days,
                                          None if last is None else (last - EPOCH).days)
            try:
                self._spanning[epochs] = VectorProgram(program, self.patterns, self.pool, self.builtins, self.types,
                                                       self.missing, guards)
            except UnsupportedError:
                self._spanning[epochs] = None
        return self._spanning[epochs]

    def _epoch_groups(self, questions: Sequence[str], epochs: list[int]) -> list[list[int]]:
        """The epochs in which the same rules are in force for what ``questions`` read: one
        evaluation answers a whole group (splitting the cases costs more than evaluating them)."""
        cone = self.program.cone(self.program.questions[q].relation for q in questions)
        groups: dict[tuple[str, ...], list[int]] = {}
        for epoch in epochs:
            key = (tuple(questions), epoch)
            if key not in self._rules_read:
                self._rules_read[key] = tuple(r.label for r in self.plan(epoch).program.rules if r.head.relation in cone)
            groups.setdefault(self._rules_read[key], []).append(epoch)
        return list(groups.values())

    def _value_type(self, question: str) -> str:
        q = self.program.questions[question]
        return self.types[q.relation][q.answer_position] if q.answer_position is not None else "VARCHAR"

    def decode(self, result: QuestionResult, i: int) -> tuple[str, Any, list[dict[str, Any]] | None, list[str]]:
        """(status, answer, possible, missing) of case ``i``, as the contract's JSON values: a
        list's possible members as ``{"member", "missing"}``, and the fields that would settle
        an undetermined answer (a list: the union of its possible members' fields)."""
        if not self.missing:
            raise UnsupportedError("this vectorised engine answers without naming missing fields (missing=False)")
        status = STATUS_NAMES[int(result.status[i])]
        q = result.question
        if result.kind == "list":
            return self._decode_list(result, i, status)
        fields = self.field_names(q, result.missing, i)
        if result.kind == "yes_no":
            assert result.truth is not None
            truth = int(result.truth[i])
            outcome = assemble(result.kind, [True] if truth == 1 else [], truth == -1, fields)
            assert outcome.status == status  # the masks decide it as the rule does
        else:
            assert result.has_value is not None and result.value is not None
            shown = [self._json(int(result.value[i]), result.value_type)] if result.has_value[i] else []
            outcome = shape(result.kind, status, shown).naming(fields)
        return outcome.status, outcome.answer, None, list(outcome.missing)

    def field_names(self, question: str, fields: np.ndarray | None, i: int) -> tuple[str, ...]:
        return () if fields is None else self.names(question, int(fields[i]))

    def names(self, question: str, bits: int) -> tuple[str, ...]:
        """A field set as the fields' names, in the order the engine of record's proofs meet them
        (``field_order``)."""
        key = (question, bits)
        found = self._names.get(key)
        if found is None:
            order = self._orders.get(question)
            if order is None:
                order = self._orders[question] = field_order(self.program, self.program.questions[question].relation)
            found = self._names[key] = tuple(FIELD_BITS[k] for k in order if bits >> k & 1)
        return found

    def _decode_list(self, result: QuestionResult, i: int, status: str) -> tuple[str, Any, Any, list[str]]:
        """(status, members, possible members with their fields, missing) of case ``i`` for a list question."""
        q = result.question
        codes = {c for c, m in result.members.items() if m[i]} | {int(v[i]) for m, v in result.dynamic if m[i]}
        ways: dict[Any, int] = {}  # each member that may be added: the fields it waits on
        for c, m in result.possible.items():
            if m[i]:
                member = self._json(c, result.value_type)
                ways[member] = ways.get(member, 0) | int(result.possible_fields[c][i])
        for (m, v), f in zip(result.possible_dynamic, result.possible_dynamic_fields):
            if m[i]:
                member = self._json(int(v[i]), result.value_type)
                ways[member] = ways.get(member, 0) | int(f[i])
        if result.unnamed is not None and result.unnamed[i]:
            assert result.unnamed_fields is not None
            ways[None] = int(result.unnamed_fields[i])
        outcome = assemble(result.kind, sorted(self._json(c, result.value_type) for c in codes),
                           {m: self.names(q, bits) for m, bits in ways.items()})
        assert outcome.status == status and outcome.possible is not None  # the masks decide it as the rule does
        return status, outcome.answer, [p.to_dict() for p in outcome.possible], list(outcome.missing)

    def _json(self, code: Any, kind: str) -> Any:
        value = self.pool.decode(int(code), kind)
        return value.isoformat() if isinstance(value, _dt.date) else value
