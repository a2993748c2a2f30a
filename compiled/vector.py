"""IR -> numpy: the vectorised batch backend, one array element per case.

The IR is compiled once into a plan over *slots*. A relation is a short list of slots per mode;
a slot is a row pattern shared by every case: a mask (which cases have the row) and one column
per argument after the case, each either a constant (a Python int, the same for every case) or
an array (a value per case). Rows whose values come from the law (``appealable_decision_kind``)
stay constants, so most joins are settled while compiling: ``decision_kind(C, K) and
appealable_decision_kind(K)`` becomes one mask per kind the law lists. Only dates, ages and
other per-case values remain arrays.

Three-valued meaning is the SQL backend's (``sqlgen``), which mirrors the proof builder: every
relation has definitely-true (T) and possibly-true (P) slots; in P a column may be *null*
("some unknown value", an absent case field), which matches anything. Rules compile once per
mode with the same literal-by-literal semantics, so all backends answer identically (the
differential tests hold them to it).

Values are encoded as int32 (``CODE``; half the memory traffic of int64): dates as days since
1970-01-01, integers as themselves, strings as codes from a :class:`Pool` (offset far above any
date or age, so the kinds never collide).

Missing fields. A P slot also carries the case fields left unknown that it rests on (``fields``),
so an answer names what would settle it as the engine of record does (``api._missing_fields``:
the ``missing`` leaves along the proof's UNKNOWN paths, never inside a branch already false):

* an unknown input contributes its field; a rule's branch the union of its literals' (the mask
  already drops the cases where a literal is known false, where the prover's branch fails);
* a relation's row the union over the rules and branches that may give it, but nothing where the
  row is definitely true (``_settled``: the prover proves it TRUE and shows no open way);
* a negation of a possibly-true atom its fields; nothing where an argument of the negation is
  itself unknown (the prover cannot look the atom up, "a value it needs is unknown"); comparisons
  and built-ins name nothing.

The fields are sets of bits (``FIELD_BITS``), piecewise per slot (``Fields``: a set wherever a
mask holds), so unions and joins are bool operations on masks that exist already, and a per-case
array is made only for the answers (``_fmat``), within each case's unknown fields; that lets an
input name its field as one constant. Names come out in the order the rules first read the
fields (``field_order``), where the engine of record orders them as its proof of the case meets
them: the same set, not always the same order. Two corners where the prover names fewer are not
modelled, as no rule here reaches them (the differential tests would show it): its why-not shows
at most ``proof.prover.MAX_WHY_NOT`` open ways of one atom, and an atom it evaluates with a value bound
where a P row has an unknown column is TRUE when a T row holds that value.
"""

from __future__ import annotations

import ctypes
import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from redress.core.errors import RedressError
from redress.kb import ir
from redress.kb.answers import (CONFLICT, DETERMINED, OPEN, SEVERAL, SOME, STATUSES, UNDETERMINED, assemble, conditions,
                                shape)
from redress.kb.schema import FIELDS
from redress.law import dates
from redress.law.builtins import BUILTINS
from redress.queries.fixpoint import fixpoint
from redress.compiled.sqlgen import FIELD_BITS, UnsupportedError, relation_types, unsupported  # one type inference, one field numbering
from redress.law.workdays import EPOCH, Calendar, Mask, Values

__all__ = ["Calendar", "Pool", "holds", "CaseColumns", "FieldColumn", "VectorProgram", "QuestionResult", "UnsupportedError",
           "STATUS_DETERMINED", "STATUS_UNDETERMINED", "STATUS_CONFLICT"]

# A slot's field sets, piecewise: the set ``c`` (bit k: FIELD_BITS[k]) wherever ``m`` holds, united
# over the pieces. Unions and restrictions are then bool operations and Python (cheap); a per-case
# array of sets is built only for the answers (see ``_fmat``).
Fields = tuple[tuple[Mask, int], ...]

_EPOCH = EPOCH
_STRING_BASE = 1 << 30  # string codes live far above day numbers and ages
CODE = np.int32
# the working-day calendar: every supported date, and slack after the last for deadlines past it
CALENDAR_END = dates.MAX_DATE + _dt.timedelta(days=40)
STATUS_NAMES = STATUSES  # a status code is the status's position (kb.answers)
STATUS_DETERMINED, STATUS_UNDETERMINED, STATUS_CONFLICT = (STATUS_NAMES.index(DETERMINED), STATUS_NAMES.index(UNDETERMINED),
                                                           STATUS_NAMES.index(CONFLICT))
BITS = np.uint32 if len(FIELD_BITS) <= 32 else np.uint64  # the narrower, the less memory each pass reads


# ---------------------------------------------------------------------- values
class Pool:
    """Encodes rule values as int32 codes and back: dates as day numbers, strings as codes."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}
        self._strings: list[str] = []

    def string(self, text: str) -> int:
        code = self._codes.get(text)
        if code is None:
            code = self._codes[text] = _STRING_BASE + len(self._strings)
            self._strings.append(text)
        return code

    def encode(self, value: ir.Value) -> int:
        if isinstance(value, bool):
            raise RedressError("booleans are not rule values")
        if isinstance(value, int):
            return value
        if isinstance(value, _dt.date):
            return (value - _EPOCH).days
        return self.string(str(value))

    base = _STRING_BASE

    def strings(self) -> list[str]:
        """Every string so far, in code order (code = base + position)."""
        return list(self._strings)

    def decode(self, code: int, kind: str) -> Any:
        """``kind``: the column's SQL-ish type from ``sqlgen.relation_types`` (DATE, INTEGER, VARCHAR)."""
        code = int(code)
        if kind == "DATE":
            return _EPOCH + _dt.timedelta(days=code)
        if kind == "INTEGER":
            return code
        return self._strings[code - _STRING_BASE]


def _band(a: Mask, b: Mask) -> Mask:
    if a is False or b is False:
        return False
    if a is True:
        return b
    if b is True:
        return a
    return a & b


def _bor(a: Mask, b: Mask) -> Mask:
    if a is True or b is True:
        return True
    if a is False:
        return b
    if b is False:
        return a
    return a | b


def _bnot(a: Mask) -> Mask:
    return (not a) if isinstance(a, bool) else ~a


def _fu(a: Fields, b: Fields) -> Fields:
    """The union of two piecewise field sets: pieces of the same set are one, a set that holds
    everywhere (mask True) absorbs what it contains."""
    if not b:
        return a
    if not a:
        return b
    pieces: dict[int, Mask] = {}
    for m, c in (*a, *b):
        pieces[c] = _bor(pieces[c], m) if c in pieces else m
    everywhere = 0
    for c, m in pieces.items():
        if m is True:
            everywhere |= c
    if not everywhere:
        return tuple((m, c) for c, m in pieces.items())
    out: dict[int, Mask] = {everywhere: True}
    for c, m in pieces.items():
        rest = c & ~everywhere
        if rest:
            out[rest] = _bor(out[rest], m) if rest in out else m
    return tuple((m, c) for c, m in out.items())


def _fmask(mask: Mask, f: Fields) -> Fields:
    """``f`` only where ``mask`` holds."""
    if mask is True or not f:
        return f
    if mask is False:
        return ()
    out = []
    for m, c in f:
        m = _band(m, mask)
        if m is not False:
            out.append((m, c))
    return tuple(out)


def _fmat(f: Fields, unknown: np.ndarray) -> np.ndarray:
    """A piecewise field set as one set per case, within the case's ``unknown`` fields (pieces
    may name a field beyond where it is unknown, see ``VectorProgram._input``)."""
    out: np.ndarray = np.zeros(len(unknown), dtype=BITS)
    if not f:  # untouched zero pages: nothing to restrict (always so when no fields are tracked)
        return out
    for m, c in f:
        if isinstance(m, np.ndarray):
            np.bitwise_or(out, m.view(np.uint8) * BITS(c), out=out)  # a product: many times faster than np.where
        elif m:
            np.bitwise_or(out, BITS(c), out=out)
    np.bitwise_and(out, unknown, out=out)
    return out


def unknown_fields(columns: "CaseColumns") -> np.ndarray:
    """Each case's unknown (absent) fields as a set: the only fields its answers can miss."""
    out: np.ndarray = np.zeros(columns.n, dtype=BITS)
    for k, path in enumerate(FIELD_BITS):
        col = columns.fields.get(path)
        if col is not None:
            np.bitwise_or(out, (~col.known).view(np.uint8) * BITS(1 << k), out=out)
    return out


def holds(m: Mask) -> bool:
    """Whether a mask the same for every case (a bool, or a built-in's scalar result) holds."""
    if isinstance(m, np.ndarray) and m.ndim:
        raise RedressError("a row of the law's own relations differs between cases")
    return bool(m)


def _static(m: Any) -> Mask:
    """Scalar comparisons come back as numpy bools; keep them as Python bools (static)."""
    return bool(m) if isinstance(m, (bool, np.bool_)) else m


@dataclass(frozen=True)
class Col:
    values: Values
    null: Mask = False  # P only: where the value is unknown (matches anything)


@dataclass(frozen=True)
class Slot:
    """A row pattern: where it holds (``mask``) and its columns. A possibly-true slot also carries
    ``fields``, the case fields left unknown that it rests on (read only where ``mask`` holds;
    empty where its row is definitely true, see ``_settled``): ``missing`` in the answers."""

    mask: Mask
    cols: tuple[Col, ...]
    fields: Fields = ()
    tight: bool = True  # every piece's mask lies within ``mask`` (or is True): uniting needs no restriction


@dataclass
class RelationSlots:
    t: list[Slot] = field(default_factory=list)
    p: list[Slot] = field(default_factory=list)

    def mode(self, mode: str) -> list[Slot]:
        return self.t if mode == "T" else self.p


# ---------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class FieldColumn:
    """One contract field over N cases. ``values``: ``CODE`` codes (dates as day numbers, enum and
    string values as pool codes, bools as codes of 'true'/'false'); for enum lists ``members``
    holds one boolean column per vocabulary value instead. ``known`` marks the cases that give it."""

    known: np.ndarray
    values: np.ndarray | None = None
    members: dict[str, np.ndarray] | None = None
    present: np.ndarray | None = None  # where there is a value: ``known`` less the nulls that mean "none"

    @property
    def valued(self) -> np.ndarray:
        return self.known if self.present is None else self.present


@dataclass
class CaseColumns:
    n: int
    fields: dict[str, FieldColumn]

    def take(self, index: np.ndarray) -> "CaseColumns":
        return CaseColumns(len(index), {
            k: FieldColumn(f.known[index], None if f.values is None else f.values[index],
                           None if f.members is None else {v: m[index] for v, m in f.members.items()},
                           None if f.present is None else f.present[index])
            for k, f in self.fields.items()})


# ---------------------------------------------------------------------- built-ins
class Builtins:
    """The built-ins over arrays: (values, invalid) where invalid marks results the calendar cannot hold.

    A date function whose other arguments are constants (``add_months(Sent, 2)``) is computed once
    for every day of the calendar; over the cases it is then a single lookup."""

    def __init__(self, calendar: Calendar):
        self.cal = calendar
        self._tables: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray]] = {}

    def call(self, name: str, args: list[Values]) -> tuple[Values, Mask]:
        if name in BUILTINS and BUILTINS[name].tabled and isinstance(args[0], np.ndarray) and all(isinstance(a, int) for a in args[1:]):
            return self._lookup(name, args)
        return self.compute(name, args)

    def _lookup(self, name: str, args: list[Values]) -> tuple[Values, Mask]:
        key = (name, *args[1:])
        if key not in self._tables:
            days = np.arange(self.cal.start, self.cal.start + self.cal.size, dtype=np.int64)
            values, invalid = self.compute(name, [days, *args[1:]])
            self._tables[key] = (np.asarray(values, dtype=CODE), _full(invalid, len(days)))
        table, bad = self._tables[key]
        index = np.asarray(args[0]) - self.cal.start
        if len(index) == 0:
            return index, False
        lo, hi = int(index.min()), int(index.max())
        if lo < 0 or hi >= self.cal.size:  # some date outside the calendar: those results are unknown
            outside = (index < 0) | (index >= self.cal.size)
            index = np.clip(index, 0, self.cal.size - 1)
            return table[index], outside | bad[index]
        return table[index], (bad[index] if bad[lo:hi + 1].any() else False)

    def compute(self, name: str, args: list[Values]) -> tuple[Values, Mask]:
        form = BUILTINS[name].numpy if name in BUILTINS else None
        if form is None:
            raise UnsupportedError(f"built-in {name!r} has no vectorised form")
        return form(self.cal, args)


# ---------------------------------------------------------------------- compiling
def _case_relations(program: ir.Program) -> set[str]:
    """Relations whose first argument is the case: inputs, and what is derived from them."""
    return program.readers((name for name, rel in program.relations.items() if rel.kind == "input"), negated=False)


@dataclass
class QuestionResult:
    """One question over N cases, as arrays. ``status``: STATUS_* codes. Yes/no: ``truth`` is 1, 0
    or -1 (none). Value and date: ``value`` where ``has_value``. List: ``members`` maps each value
    code to the cases whose (known so far) answer includes it; ``dynamic`` holds rows whose value
    differs per case (mask, values)."""

    question: str
    kind: str
    value_type: str
    status: np.ndarray
    truth: np.ndarray | None = None
    value: np.ndarray | None = None
    has_value: np.ndarray | None = None
    members: dict[int, np.ndarray] = field(default_factory=dict)
    dynamic: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    # list: the members further facts could add, like ``members``; ``unnamed`` where a member
    # the case does not yet name could be added
    possible: dict[int, np.ndarray] = field(default_factory=dict)
    possible_dynamic: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    unnamed: np.ndarray | None = None
    # the case fields (uint64 sets, bit k: FIELD_BITS[k]) that would settle an undetermined
    # answer (``missing``, yes/no and value questions), or add each possible member of a list
    # (keyed like ``possible``, parallel to ``possible_dynamic``, and for ``unnamed``); zero elsewhere
    missing: np.ndarray | None = None
    possible_fields: dict[int, np.ndarray] = field(default_factory=dict)
    possible_dynamic_fields: list[np.ndarray] = field(default_factory=list)
    unnamed_fields: np.ndarray | None = None

    @classmethod
    def empty(cls, question: str, kind: str, value_type: str, n: int) -> "QuestionResult":
        r = cls(question, kind, value_type, np.zeros(n, dtype=np.int8))
        if kind == "yes_no":
            r.truth = np.zeros(n, dtype=np.int8)
        elif kind != "list":
            r.value, r.has_value = np.zeros(n, dtype=CODE), np.zeros(n, dtype=bool)
        return r

    def scatter(self, index: np.ndarray, part: "QuestionResult", n: int) -> None:
        """Write an epoch's results (cases ``index``) into this whole-caseload result."""
        self.status[index] = part.status
        if part.truth is not None and self.truth is not None:
            self.truth[index] = part.truth
        if part.value is not None and self.value is not None and self.has_value is not None:
            self.value[index] = part.value
            assert part.has_value is not None
            self.has_value[index] = part.has_value
        for mine, theirs in ((self.members, part.members), (self.possible, part.possible)):
            for code, m in theirs.items():
                if code not in mine:
                    mine[code] = np.zeros(n, dtype=bool)
                mine[code][index] = m
        for code, f in part.possible_fields.items():
            if code not in self.possible_fields:
                self.possible_fields[code] = np.zeros(n, dtype=BITS)
            self.possible_fields[code][index] = f
        for mine_d, theirs_d in ((self.dynamic, part.dynamic), (self.possible_dynamic, part.possible_dynamic)):
            for m, v in theirs_d:
                full_m, full_v = np.zeros(n, dtype=bool), np.zeros(n, dtype=CODE)
                full_m[index], full_v[index] = m, v
                mine_d.append((full_m, full_v))
        for f in part.possible_dynamic_fields:
            full_f = np.zeros(n, dtype=BITS)
            full_f[index] = f
            self.possible_dynamic_fields.append(full_f)
        if part.unnamed is not None:
            if self.unnamed is None:
                self.unnamed = np.zeros(n, dtype=bool)
            self.unnamed[index] = part.unnamed
        for name in ("missing", "unnamed_fields"):
            theirs_f = getattr(part, name)
            if theirs_f is not None:
                if getattr(self, name) is None:
                    setattr(self, name, np.zeros(n, dtype=BITS))
                getattr(self, name)[index] = theirs_f

    def distinct(self) -> tuple[np.ndarray, np.ndarray]:
        """(code per case, one case per code): cases with the same code have the same status,
        answer and known values, so a writer renders each distinct answer once."""
        key = self.status.astype(np.int64)
        if self.kind == "yes_no":
            assert self.truth is not None
            key = key * 3 + (self.truth.astype(np.int64) + 1)
        elif self.kind != "list":
            assert self.value is not None and self.has_value is not None
            present = self.value[self.has_value].astype(np.int64)
            low = int(present.min()) if len(present) else 0
            span = int(present.max()) - low + 1 if len(present) else 1  # days, or string codes: a narrow range
            value = np.where(self.has_value, self.value.astype(np.int64) - low, 0)
            key = (key * 2 + self.has_value) * span + value
        columns: list[np.ndarray] = []
        masks = [self.members[c] for c in sorted(self.members)] + [self.possible[c] for c in sorted(self.possible)]
        if self.unnamed is not None:
            masks.append(self.unnamed)
        for start in range(0, len(masks), 60):  # member sets as 60-bit words
            word = np.zeros(len(key), dtype=np.int64)
            for bit, mask in enumerate(masks[start:start + 60]):
                word |= mask.astype(np.int64) << bit
            columns.append(word)
        for mask, values in (*self.dynamic, *self.possible_dynamic):
            columns.append(np.where(mask, values.astype(np.int64) & 0xFFFFFFFF, -1))
        if self.kind == "list" and len(columns) == 1 and not self.dynamic and not self.possible_dynamic \
                and len(masks) <= 60:
            key, columns = (key << 60) | columns[0], []  # status (2 bits) and up to 60 members fit one word
        codes, first = _dense(key)
        for column in columns:  # rarely more than one word: refine the codes column by column
            codes, first = _split(codes, column)
        return _refine(codes, first, self.field_sets())

    def case_key(self, i: int) -> tuple[int, ...] | None:
        """What case ``i``'s answer is made of, as plain numbers, for a yes/no or value question
        (a list's members are too many to key): equal keys decode to equal answers, in any chunk
        of cases, so a writer can keep each answer's text from one chunk to the next."""
        if self.kind == "list":
            return None
        fields = int(self.missing[i]) if self.missing is not None else 0
        if self.kind == "yes_no":
            assert self.truth is not None
            return int(self.status[i]), int(self.truth[i]), fields
        assert self.value is not None and self.has_value is not None
        return int(self.status[i]), int(self.has_value[i]), int(self.value[i]), fields

    def field_sets(self) -> list[np.ndarray]:
        """Every field-set array of the answer (see ``missing``), in a fixed order."""
        found = [self.missing, *(self.possible_fields.get(c) for c in sorted(self.possible)),
                 *self.possible_dynamic_fields, self.unnamed_fields]
        return [f for f in found if f is not None]


_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: multiplying by it mixes bits, and is undone by nothing else


def _refine(codes: np.ndarray, first: np.ndarray, sets: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The codes split further by the field sets, exactly: the sets are hashed to one word, the
    cases that name any field are coded by (code, hash) in one sort, and the split is checked
    against every set (a hash collision, never seen, falls back to comparing the sets themselves)."""
    sets = [f for f in sets if f.any()]
    if not sets or not len(codes):
        return codes, first
    h: np.ndarray = np.zeros(len(codes), dtype=np.uint64)
    for f in sets:  # multiply-xorshift: every bit of each set reaches every bit of the hash
        np.bitwise_xor(h, f, out=h)
        np.multiply(h, _MIX, out=h)
        np.bitwise_xor(h, h >> np.uint64(29), out=h)
    named = np.flatnonzero(h)
    if not len(named):
        return codes, first
    key = h[named] ^ (codes[named].astype(np.uint64) * _MIX)
    _, sub = np.unique(key, return_inverse=True)
    split = codes.astype(np.int64, copy=True)
    split[named] = len(first) + sub.reshape(-1)
    out, out_first = _dense(split)
    rep = out_first[out]
    if np.array_equal(codes[rep], codes) and all(np.array_equal(f[rep], f) for f in sets):
        return out, out_first
    for f in sets:  # the exact split, set by set
        codes, first = _split(codes, f.astype(np.int64))
    return codes, first


def _dense(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..k-1 for the distinct values of ``key`` and the first case of each."""
    low = int(key.min()) if len(key) else 0
    if len(key) and int(key.max()) - low < 4 * len(key) + 4096:  # keys in a narrow range: count, no sort
        if low:
            key = key - low
        count = np.bincount(key)
        present = np.flatnonzero(count)
        remap = np.zeros(len(count), dtype=np.int64)
        remap[present] = np.arange(len(present))
        codes = remap[key]
        first = np.full(len(present), len(key), dtype=np.int64)
        np.minimum.at(first, codes, np.arange(len(key)))
        return codes, first
    _, first, codes = np.unique(key, return_index=True, return_inverse=True)
    return codes.reshape(-1), first


def _split(codes: np.ndarray, column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes for the distinct (code, column value) pairs, in the same order as
    ``np.unique(np.stack([codes, column], axis=1), axis=0)`` would give them (pairs sorted by
    code, then value), and the first case of each: both columns are made dense first, so the
    pair is one int64 and no row-wise sort is needed."""
    inner, _ = _dense(column)
    width = int(inner.max()) + 1 if len(inner) else 1
    return _dense(codes.astype(np.int64) * width + inner)


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
                # leaves unknown (``_fmat``), so the set is one constant, and its unions and joins cost nothing
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
                out.mode(mode).extend(_Rule(self, rule, mode, rels).slots())
        t = _merge(out.t)
        return RelationSlots(t, _settled(_merge(out.p), t))

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
            stable = all(_same(new[n].t, rels[n].t) and _same(new[n].p, rels[n].p, fields=True) for n in names)
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
                m = _band(m, as_of >= first)
            if last is not None:
                m = _band(m, as_of <= last)
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
                    eq = _static(c.values == code)
                    m = _band(m, _bor(eq, c.null) if with_null else eq)
                if m is not False:
                    out.append((m, s))
            return out

        t_rows = matching(rel.t, False)
        p_rows = matching(rel.p, True)
        if q.kind == "yes_no":
            t_hit = _any(m for m, _ in t_rows)
            p_hit = _any(m for m, _ in p_rows)
            # bools viewed as int8 are 0/1: truth 1, 0 or -1 (open: may yet be proved)
            maybe = _full(_band(p_hit, _bnot(t_hit)), n)
            truth = _full(t_hit, n).view(np.int8) - maybe.view(np.int8)
            fields: Fields = ()
            for m, s in p_rows:
                fields = _fu(fields, _fmask(m, s.fields))
            return QuestionResult(name, q.kind, value_type, status_codes(q.kind, {SOME: t_hit, OPEN: p_hit}, n),
                                  truth=truth, missing=_fmat(_fmask(maybe, fields), self._unknown))
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
                unsettled = _bor(unsettled, s.cols[i].null)
            same: Mask = False
            for tm, ts in t_rows:
                same = _bor(same, _band(tm, _equal(ts.cols[j].values, c.values)))
            opens = _band(m, _bor(unsettled, _bnot(same)))
            undetermined = _bor(undetermined, opens)
            missing = _fu(missing, _fmask(opens, s.fields))
        open_ = _full(undetermined, n)
        some, several, first = _distinct(slots, n)
        result = QuestionResult(name, q.kind, value_type, status_codes(q.kind, {OPEN: open_, SEVERAL: several}, n),
                                missing=_fmat(_fmask(open_, missing), self._unknown))
        result.value = first
        result.has_value = _full(_band(_band(some, _bnot(open_)), _bnot(several)), n)
        return result

    @staticmethod
    def _list_result(result: QuestionResult, slots: list[tuple[Mask, Any]], p_rows: list[tuple[Mask, Slot]],
                     t_rows: list[tuple[Mask, Slot]], j: int, n: int, unknown: np.ndarray) -> QuestionResult:
        """A list question: established members (``t`` rows), the members a ``p`` row may add that
        no ``t`` row establishes, and where a ``p`` row's member is itself unknown (``unnamed``);
        the status is the contract's list rule (``kb.answers.RULES``, by ``status_codes``)."""
        for m, v in slots:
            if isinstance(v, int):
                result.members[v] = _full(_bor(result.members.get(v, False), m), n)
            else:
                result.dynamic.append((_full(m, n), v))
        unnamed: Mask = False
        unnamed_fields: Fields = ()
        fields: dict[int, Fields] = {}
        for m, s in p_rows:
            c = s.cols[j]
            some = _band(m, c.null)
            unnamed = _bor(unnamed, some)
            unnamed_fields = _fu(unnamed_fields, _fmask(some, s.fields))
            named = _band(m, _bnot(c.null))
            if named is False:
                continue
            same: Mask = False
            for tm, ts in t_rows:
                same = _bor(same, _band(tm, _equal(ts.cols[j].values, c.values)))
            adds = _band(named, _bnot(same))
            if adds is False:
                continue
            if isinstance(c.values, int):
                result.possible[c.values] = _full(_bor(result.possible.get(c.values, False), adds), n)
                fields[c.values] = _fu(fields.get(c.values, ()), _fmask(adds, s.fields))
            else:
                result.possible_dynamic.append((_full(adds, n), c.values))
                result.possible_dynamic_fields.append(_fmat(_fmask(adds, s.fields), unknown))
        result.unnamed = _full(unnamed, n)
        result.unnamed_fields = _fmat(_fmask(unnamed, unnamed_fields), unknown)
        result.possible_fields = {code: _fmat(f, unknown) for code, f in fields.items()}
        established: Mask = False
        for m in result.members.values():
            established = _bor(established, m)
        for m, _ in result.dynamic:
            established = _bor(established, m)
        maybe: Mask = result.unnamed
        for m in result.possible.values():
            maybe = _bor(maybe, m)
        for m, _ in result.possible_dynamic:
            maybe = _bor(maybe, m)
        result.status = status_codes(result.kind, {SOME: established, OPEN: maybe}, n)
        return result


def status_codes(kind: str, facts: Mapping[str, Mask], n: int) -> np.ndarray:
    """Each case's status code (``STATUS_NAMES``): the contract's rule (``kb.answers.RULES``)
    read over masks of the facts it names, the first clause that holds deciding."""
    def all_of(parts: list[Mask]) -> Mask:
        out: Mask = True
        for part in parts:
            out = _band(out, part)
        return out

    clauses = conditions(kind, lambda f, holds: facts[f] if holds else _bnot(facts[f]), all_of)
    status = np.full(n, STATUS_NAMES.index(clauses[-1][0]), dtype=np.int8)
    for name, where in reversed(clauses[:-1]):  # earlier clauses overwrite later ones
        if where is not False and where is not None:
            status[_full(where, n)] = STATUS_NAMES.index(name)
    return status


def _full(m: Mask, n: int) -> np.ndarray:
    return np.full(n, m, dtype=bool) if isinstance(m, bool) else m


def _any(masks: Iterable[Mask]) -> Mask:
    out: Mask = False
    for m in masks:
        out = _bor(out, m)
    return out


def _equal(a: Values, b: Values) -> Mask:
    return True if a is b else _static(a == b)


def _distinct(slots: list[tuple[Mask, Values]], n: int) -> tuple[Mask, Mask, np.ndarray]:
    """Per case: whether the slots give some value, whether they give several different ones,
    and the first value. Slots are few, so pairwise tests beat sorting."""
    first = np.zeros(n, dtype=CODE)
    some: Mask = False
    several: Mask = False
    for m, v in reversed(slots):
        first = np.where(m, v, first).astype(CODE, copy=False)
    for k, (m, v) in enumerate(slots):
        for m2, v2 in slots[:k]:
            several = _bor(several, _band(_band(m, m2), _bnot(_equal(v2, v))))
        some = _bor(some, m)
    return some, several, first


def _settled(p: list[Slot], t: list[Slot]) -> list[Slot]:
    """Possibly-true slots whose fields are emptied where their row is definitely true: the proof
    builder proves such a row TRUE, so no field is missing for it, whatever other rules leave
    open. (A slot with an unknown column is a row with an open value; it is never settled here.)"""
    if not t:
        return p
    out = []
    for s in p:
        if not s.fields or any(c.null is not False for c in s.cols):
            out.append(s)
            continue
        true: Mask = False
        for ts in t:
            m = ts.mask
            for a, b in zip(ts.cols, s.cols):
                if m is False:
                    break
                m = _band(m, _equal(a.values, b.values))
            true = _bor(true, m)
        if true is False:
            out.append(s)
        else:
            out.append(Slot(s.mask, s.cols, _fmask(_bnot(true), s.fields), False))
    return out


def _key(s: Slot) -> tuple[Any, ...]:
    return tuple((c.values if isinstance(c.values, int) else ("a", id(c.values)),
                  c.null if isinstance(c.null, bool) else ("a", id(c.null))) for c in s.cols)


def _same(a: list[Slot], b: list[Slot], fields: bool = False) -> bool:
    """Whether two derivations gave the same slots (and, with ``fields``, the same field sets)."""
    if len(a) != len(b):
        return False
    old: dict[tuple[Any, ...], list[Slot]] = {}
    for s in b:
        old.setdefault(_key(s), []).append(s)
    new: dict[tuple[Any, ...], list[Slot]] = {}
    for s in a:
        new.setdefault(_key(s), []).append(s)
    for key, slots in new.items():
        others = old.get(key, [])
        if len(others) != len(slots):
            return False
        for s, o in zip(slots, others):
            if not np.array_equal(o.mask, s.mask):
                return False
            if fields and not (s.fields is o.fields or _same_fields(s.fields, o.fields)):
                return False
    return True


def _everywhere(f: Fields) -> int | None:
    """The one set ``f`` holds wherever its slot does (0: none), or None if it varies."""
    if not f:
        return 0
    return f[0][1] if len(f) == 1 and f[0][0] is True else None


def _within(s: Slot) -> Fields:
    """A slot's field pieces restricted to where it holds (for uniting it with another row's)."""
    if s.tight:
        return tuple((s.mask if m is True else m, c) for m, c in s.fields)
    return _fmask(s.mask, s.fields)


def _same_fields(a: Fields, b: Fields) -> bool:
    return len(a) == len(b) and all(ca == cb and (ma is mb or np.array_equal(ma, mb)) for (ma, ca), (mb, cb) in zip(a, b))


def _merge(slots: list[Slot]) -> list[Slot]:
    """Rows with the same columns (constants, or the very same arrays) become one slot, its
    fields each row's where that row holds."""
    merged: dict[tuple[Any, ...], Slot] = {}
    for s in slots:
        if s.mask is False:
            continue
        key = _key(s)
        old = merged.get(key)
        if old is None:
            merged[key] = s
        elif old.fields is s.fields or _everywhere(old.fields) == _everywhere(s.fields) is not None:
            merged[key] = Slot(_bor(old.mask, s.mask), s.cols, s.fields)
        else:
            merged[key] = Slot(_bor(old.mask, s.mask), s.cols, _fu(_within(old), _within(s)))
    return list(merged.values())


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


@dataclass
class _Branch:
    mask: Mask
    env: dict[str, Col]
    fields: Fields = ()  # P only: the unknown fields its literals rest on (where ``mask``)


class _Rule:
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
        test = _equal(a.values, b.values)
        return test if self.mode == "T" else _bor(_bor(test, a.null), b.null)

    def bind(self, a: Col, b: Col) -> Col:
        """The variable's value after meeting a second occurrence: a known one wins (SQL's COALESCE)."""
        if self.mode == "T" or a.null is False:
            return a
        if b.null is False:
            return b
        return Col(np.where(a.null, b.values, a.values), _band(a.null, b.null))

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
                mask = _band(b.mask, s.mask)
                env = dict(b.env)
                for arg, col in zip(args, s.cols):
                    if mask is False:
                        break
                    if self.mode == "T":
                        col = Col(col.values)
                    if isinstance(arg, ir.Const):
                        mask = _band(mask, self.eq(self.const(arg), col))
                    elif arg.name in env:
                        mask = _band(mask, self.eq(env[arg.name], col))
                        env[arg.name] = self.bind(env[arg.name], col)
                    else:
                        env[arg.name] = col
                if mask is not False and (mask is True or mask.any()):  # a branch no case takes is dropped
                    out.append(_Branch(mask, env, _fu(b.fields, s.fields) if self.mode == "P" else ()))
        return out

    def call(self, lit: ir.Call, b: _Branch) -> _Branch:
        args = [self.term(a, b.env) for a in lit.args]
        values, invalid = self.vp.call(lit.function, [a.values for a in args])
        null: Mask = False
        if self.mode == "P":
            for a in args:
                null = _bor(null, a.null)
        result = Col(values, _bor(null, invalid) if self.mode == "P" else False)
        mask = b.mask
        for a, kind in zip(args, BUILTINS[lit.function].arg_types):
            if kind == "int":  # a count below zero: the function does not apply (Builtin.accepts)
                mask = _band(mask, _bor(_static(np.asarray(a.values) >= 0), a.null))
        if self.mode == "T" and invalid is not False:
            mask = _band(mask, _bnot(invalid))  # SQL: a date the calendar cannot hold is NULL, never definite
        if lit.target.name in b.env:
            return _Branch(_band(mask, self.eq(result, b.env[lit.target.name])), b.env, b.fields)
        return _Branch(mask, {**b.env, lit.target.name: result}, b.fields)

    def compare(self, lit: ir.Compare, b: _Branch) -> _Branch:
        left, right = self.term(lit.left, b.env), self.term(lit.right, b.env)
        test = _static(_OPS[lit.op](left.values, right.values))
        if self.mode == "P":
            test = _bor(_bor(test, left.null), right.null)
        return _Branch(_band(b.mask, test), b.env, b.fields)

    def negative(self, lit: ir.Neg, b: _Branch) -> _Branch:
        args = [self.term(a, b.env) for a in self._args(lit.atom)]
        rel = self.rels[lit.atom.relation]
        if self.mode == "T":  # definitely not: no possibly-true row could match (its nulls match anything)
            found: Mask = False
            for s in rel.p:
                m = s.mask
                for a, c in zip(args, s.cols):
                    m = _band(m, _bor(_static(a.values == c.values), c.null))
                found = _bor(found, m)
            return _Branch(_band(b.mask, _bnot(found)), b.env)
        unknown: Mask = False  # possibly not: no definitely-true row matches, or an argument is unknown
        for a in args:
            unknown = _bor(unknown, a.null)
        found = False
        for s in rel.t:
            m = s.mask
            for a, c in zip(args, s.cols):
                m = _band(m, _static(a.values == c.values))
            found = _bor(found, m)
        mask = _band(b.mask, _bor(unknown, _bnot(found)))
        # the negated atom's open ways: its possible rows that may match; an argument that is
        # itself unknown names nothing (the proof builder cannot look the atom up)
        fields: Fields = ()
        if mask is not False:
            known = _bnot(unknown)
            for s in rel.p:
                if not s.fields:
                    continue
                m = _band(s.mask, known)
                for a, c in zip(args, s.cols):
                    m = _band(m, _bor(_static(a.values == c.values), c.null))
                fields = _fu(fields, _fmask(m, s.fields))
        return _Branch(mask, b.env, _fu(b.fields, fields))


def columns_from_cases(cases: Sequence[Any], pool: Pool) -> CaseColumns:
    """Validated cases (``schema.Case``) as columns: a Python loop, for small sets and tests;
    batch files are read columnar by DuckDB instead (``columnar``)."""
    n = len(cases)
    fields: dict[str, FieldColumn] = {}
    for path, spec in FIELDS.items():
        known = np.array([c.known(path) for c in cases], dtype=bool)
        if spec.type == "enum_list":
            members = {v: np.array([c.known(path) and v in c.get(path) for c in cases], dtype=bool)
                       for v in spec.values}
            fields[path] = FieldColumn(known, members=members)
            continue
        values = np.zeros(n, dtype=CODE)
        present = np.array([c.get(path) is not None for c in cases], dtype=bool)
        for i, c in enumerate(cases):
            if present[i]:
                v = c.get(path)
                values[i] = pool.encode(("true" if v else "false") if spec.type == "bool" else
                                        (v if spec.type in ("date", "int") else str(v)))
        fields[path] = FieldColumn(known, values, present=present)
    return CaseColumns(n, fields)


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
        self._days = np.array([(b - _EPOCH).days for b in self._boundaries], dtype=np.int64)
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
                    guards[rule.label] = (None if first is None else (first - _EPOCH).days,
                                          None if last is None else (last - _EPOCH).days)
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
