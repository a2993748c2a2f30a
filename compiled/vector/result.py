"""One question's answers over N cases, as arrays, and their distinct answers for the writers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from redress.compiled.vector.masks import BITS, CODE


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

