"""How a list question's answer follows from what a backend found: the contract's rule, once.

Every backend (pyDatalog + Prover, SQL, numpy) finds, per case, the members the facts establish
and the members further facts could still add; :func:`list_outcome` turns those into the
contract's ``status`` / ``answer`` / ``possible`` (shared/spec/contract.md, "List questions"):

- ``answer`` lists every established member;
- the answer is ``determined`` once one member is established, or when nothing more could be
  added; ``undetermined`` (answer null) only when nothing is established and something could be;
- ``possible`` lists each member that further facts could add (``None``: members the case does
  not yet name), with the fields that would settle it (every backend names them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

__all__ = ["Possible", "ListOutcome", "list_outcome", "member_key", "comparable_outcome"]


@dataclass(frozen=True)
class Possible:
    """A member a list answer may yet gain, and the case fields that would settle it."""

    member: Any
    missing: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"member": _json(self.member), "missing": list(self.missing)}


@dataclass(frozen=True)
class ListOutcome:
    status: str  # determined | undetermined
    answer: list[Any] | None
    possible: list[Any]  # members, in a stable order (None, "some other", last)


def member_key(value: Any) -> tuple[int, str]:
    """Sort order of members: named ones by their text, the unnamed (None) last."""
    return (1, "") if value is None else (0, str(value))


def list_outcome(established: Iterable[Any], possible: Iterable[Any]) -> ListOutcome:
    """The contract's list answer from the established members and those that could be added."""
    known = list(dict.fromkeys(established))
    seen = set(known)
    maybe = sorted({m for m in possible if m not in seen}, key=member_key)
    if not known and maybe:
        return ListOutcome("undetermined", None, maybe)
    return ListOutcome("determined", known, maybe)


def _json(value: Any) -> Any:
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if isoformat is not None else value


def comparable_outcome(outcome: tuple[Any, Any, Any, Any]) -> tuple[Any, Any, Any, Any]:
    """An answer's (status, answer, possible, missing) with each set of fields as a sorted list:
    what two backends must agree on. The fields are a set: the engine of record lists them in the
    order its proof of the case meets them, the compiled engines in the order the rules first
    read them (``vector.field_order``), and the two orders can differ."""
    status, answer, possible, missing = outcome
    return (status, answer, None if possible is None else [{**p, "missing": sorted(p["missing"])} for p in possible],
            None if missing is None else sorted(missing))
