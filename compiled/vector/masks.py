"""Values, masks and field sets: the arithmetic every slot of the numpy plan is made of.

A value is a Python int (the same for every case) or an int32 array (one per case); a mask, where
a row holds, is a Python bool (static) or a bool array. Static values and masks keep most of the
plan's joins in Python, settled while compiling. A field set (``Fields``) is piecewise: the set of
fields ``c`` (bit k: ``FIELD_BITS[k]``) wherever its mask holds."""

from __future__ import annotations

import datetime as _dt
import operator
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from redress.compiled.sqlgen import FIELD_BITS
from redress.core.errors import RedressError
from redress.kb import ir
from redress.kb.answers import CONFLICT, DETERMINED, STATUSES, UNDETERMINED, conditions
from redress.law.workdays import EPOCH, Mask, Values

# A slot's field sets, piecewise: the set ``c`` (bit k: FIELD_BITS[k]) wherever ``m`` holds, united
# over the pieces. Unions and restrictions are then bool operations and Python (cheap); a per-case
# array of sets is built only for the answers (see ``fmat``).
Fields = tuple[tuple[Mask, int], ...]

_STRING_BASE = 1 << 30  # string codes live far above day numbers and ages
CODE = np.int32
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
            return (value - EPOCH).days
        return self.string(str(value))

    base = _STRING_BASE

    def strings(self) -> list[str]:
        """Every string so far, in code order (code = base + position)."""
        return list(self._strings)

    def decode(self, code: int, kind: str) -> Any:
        """``kind``: the column's SQL-ish type from ``sqlgen.relation_types`` (DATE, INTEGER, VARCHAR)."""
        code = int(code)
        if kind == "DATE":
            return EPOCH + _dt.timedelta(days=code)
        if kind == "INTEGER":
            return code
        return self._strings[code - _STRING_BASE]


def _meet(a: Mask, b: Mask, zero: bool, op: Callable[[Any, Any], Mask]) -> Mask:
    """``op`` of two masks where the static ``zero`` absorbs and its opposite is the unit (and:
    False and True; or: True and False): static masks stay Python bools and no array is made."""
    if a is zero or b is zero:
        return zero
    if a is (not zero):
        return b
    if b is (not zero):
        return a
    return op(a, b)


def band(a: Mask, b: Mask) -> Mask:
    return _meet(a, b, False, operator.and_)


def bor(a: Mask, b: Mask) -> Mask:
    return _meet(a, b, True, operator.or_)


def bnot(a: Mask) -> Mask:
    return (not a) if isinstance(a, bool) else ~a


def funion(a: Fields, b: Fields) -> Fields:
    """The union of two piecewise field sets: pieces of the same set are one, a set that holds
    everywhere (mask True) absorbs what it contains."""
    if not b:
        return a
    if not a:
        return b
    pieces: dict[int, Mask] = {}
    for m, c in (*a, *b):
        pieces[c] = bor(pieces[c], m) if c in pieces else m
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
            out[rest] = bor(out[rest], m) if rest in out else m
    return tuple((m, c) for c, m in out.items())


def fwhere(mask: Mask, f: Fields) -> Fields:
    """``f`` only where ``mask`` holds."""
    if mask is True or not f:
        return f
    if mask is False:
        return ()
    out = []
    for m, c in f:
        m = band(m, mask)
        if m is not False:
            out.append((m, c))
    return tuple(out)


def fmat(f: Fields, unknown: np.ndarray) -> np.ndarray:
    """A piecewise field set as one set per case, within the case's ``unknown`` fields (pieces
    may name a field beyond where it is unknown, see ``plan.VectorProgram._input``)."""
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


def holds(m: Mask) -> bool:
    """Whether a mask the same for every case (a bool, or a built-in's scalar result) holds."""
    if isinstance(m, np.ndarray) and m.ndim:
        raise RedressError("a row of the law's own relations differs between cases")
    return bool(m)


def static(m: Any) -> Mask:
    """Scalar comparisons come back as numpy bools; keep them as Python bools (static)."""
    return bool(m) if isinstance(m, (bool, np.bool_)) else m



def status_codes(kind: str, facts: Mapping[str, Mask], n: int) -> np.ndarray:
    """Each case's status code (``STATUS_NAMES``): the contract's rule (``kb.answers.RULES``)
    read over masks of the facts it names, the first clause that holds deciding. Clause by clause,
    the cases no earlier clause took add their code: bool operations and one multiply per nonzero
    code, several times faster over a million cases than assigning through a mask."""
    def all_of(parts: list[Mask]) -> Mask:
        out: Mask = True
        for part in parts:
            out = band(out, part)
        return out

    status = np.zeros(n, dtype=np.int8)
    remaining: Mask = True  # the cases no earlier clause decided
    for name, where in conditions(kind, lambda f, holds: facts[f] if holds else bnot(facts[f]), all_of):
        code = STATUS_NAMES.index(name)
        hit = remaining if where is None else band(remaining, where)
        if code and isinstance(hit, np.ndarray):
            np.add(status, hit.view(np.int8) * np.int8(code), out=status)
        elif code and hit:  # the same for every case
            status += np.int8(code)
        if where is None:
            break
        remaining = band(remaining, bnot(where))
        if remaining is False:
            break
    return status


def full(m: Mask, n: int) -> np.ndarray:
    return np.full(n, m, dtype=bool) if isinstance(m, bool) else m


def any_of(masks: Iterable[Mask]) -> Mask:
    out: Mask = False
    for m in masks:
        out = bor(out, m)
    return out


def equal(a: Values, b: Values) -> Mask:
    return True if a is b else static(a == b)


def distinct(slots: list[tuple[Mask, Values]], n: int) -> tuple[Mask, Mask, np.ndarray]:
    """Per case: whether the slots give some value, whether they give several different ones,
    and the first value. Slots are few, so pairwise tests beat sorting."""
    first = np.zeros(n, dtype=CODE)
    some: Mask = False
    several: Mask = False
    for m, v in reversed(slots):
        first = np.where(m, v, first).astype(CODE, copy=False)
    for k, (m, v) in enumerate(slots):
        for m2, v2 in slots[:k]:
            several = bor(several, band(band(m, m2), bnot(equal(v2, v))))
        some = bor(some, m)
    return some, several, first

