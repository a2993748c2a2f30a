"""Slots: the row patterns a relation is made of, and how derivations of them merge and settle."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from redress.compiled.vector.masks import Fields, band, bnot, bor, equal, fwhere, funion
from redress.law.workdays import Mask, Values


@dataclass(frozen=True)
class Col:
    values: Values
    null: Mask = False  # P only: where the value is unknown (matches anything)


@dataclass(frozen=True)
class Slot:
    """A row pattern: where it holds (``mask``) and its columns. A possibly-true slot also carries
    ``fields``, the case fields left unknown that it rests on (read only where ``mask`` holds;
    empty where its row is definitely true, see ``settled``): ``missing`` in the answers."""

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



def settled(p: list[Slot], t: list[Slot]) -> list[Slot]:
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
                m = band(m, equal(a.values, b.values))
            true = bor(true, m)
        if true is False:
            out.append(s)
        else:
            out.append(Slot(s.mask, s.cols, fwhere(bnot(true), s.fields), False))
    return out


def _key(s: Slot) -> tuple[Any, ...]:
    return tuple((c.values if isinstance(c.values, int) else ("a", id(c.values)),
                  c.null if isinstance(c.null, bool) else ("a", id(c.null))) for c in s.cols)


def same_slots(a: list[Slot], b: list[Slot], fields: bool = False) -> bool:
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
    return fwhere(s.mask, s.fields)


def _same_fields(a: Fields, b: Fields) -> bool:
    return len(a) == len(b) and all(ca == cb and (ma is mb or np.array_equal(ma, mb)) for (ma, ca), (mb, cb) in zip(a, b))


def merge(slots: list[Slot]) -> list[Slot]:
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
            merged[key] = Slot(bor(old.mask, s.mask), s.cols, s.fields)
        else:
            merged[key] = Slot(bor(old.mask, s.mask), s.cols, funion(_within(old), _within(s)))
    return list(merged.values())

