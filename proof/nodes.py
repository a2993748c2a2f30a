"""The data shapes of a proof: truth values, proof nodes, what is known of an atom, the proofs
shared across cases. No search and no wording here; reports read these alone."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterable, NamedTuple

from redress.kb import ir
from redress.queries.model import Pattern, Row

__all__ = ["Status", "ProofNode", "AtomResult", "SharedProofs", "render_value"]


class Status(str, Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


def render_value(value: Any) -> str:
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


class ProofNode(NamedTuple):
    """One step of a proof tree. ``kind``: rule, fact, input, missing, absent, not, compare,
    builtin, unknown, why_not, failed_rule, exception.

    Immutable and hashable (answers share subtrees, across cases too): a named tuple, because
    a frozen dataclass sets each field through ``object.__setattr__``, several times slower to
    build, and a warm ask builds dozens of nodes."""

    conclusion: str
    status: Status
    kind: str
    rule: str | None = None
    cites: tuple[str, ...] = ()
    bindings: tuple[tuple[str, str], ...] = ()
    because: tuple["ProofNode", ...] = ()
    field: str | None = None
    steps: tuple[tuple[str, str | None], ...] = ()
    caveats: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"conclusion": self.conclusion, "rule": self.rule, "cites": list(self.cites),
                               "because": [c.to_dict() for c in self.because], "status": self.status.value,
                               "kind": self.kind}
        if self.bindings:
            out["bindings"] = dict(self.bindings)
        if self.field:
            out["field"] = self.field
        if self.steps:
            out["steps"] = [{"text": t, "basis": b} for t, b in self.steps]
        if self.caveats:
            out["caveats"] = list(self.caveats)
        return out

    def walk(self) -> Iterable["ProofNode"]:
        """Every node, depth first in order (a stack: nested generators cost more than the walk)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.because))


@dataclass(slots=True)
class AtomResult:
    """What is known of a relation pattern: the rows found (TRUE or UNKNOWN) and whether more
    rows may exist (``rest``: FALSE = certainly none, UNKNOWN = maybe, with why)."""

    rows: list[tuple[Row, Status, ProofNode]] = field(default_factory=list)
    rest: Status = Status.FALSE
    rest_node: ProofNode | None = None


@dataclass
class SharedProofs:
    """Proofs of atoms that are the same for every case, shared by every Prover on dates when the
    same rules are in force (see ``redress.proof.prover.shareable_relations``). Results are never
    mutated once made."""

    relations: frozenset[str]
    atoms: dict[tuple[str, Pattern], AtomResult] = field(default_factory=dict)
    lapsed: dict[str, list[ir.Provision]] = field(default_factory=dict)  # per rule: the same all epoch
