"""The cases as columns: one array per contract field, as the plan's inputs read them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from redress.compiled.sqlgen import FIELD_BITS
from redress.compiled.vector.masks import BITS, CODE, Pool
from redress.kb.schema import FIELDS


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



def unknown_fields(columns: "CaseColumns") -> np.ndarray:
    """Each case's unknown (absent) fields as a set: the only fields its answers can miss."""
    out: np.ndarray = np.zeros(columns.n, dtype=BITS)
    for k, path in enumerate(FIELD_BITS):
        col = columns.fields.get(path)
        if col is not None:
            np.bitwise_or(out, (~col.known).view(np.uint8) * BITS(1 << k), out=out)
    return out



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

