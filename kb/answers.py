"""How an answer follows from what a backend found: the contract's rule, once.

Every backend (pyDatalog + Prover, SQL, numpy) finds, per case, the answer values the facts
establish (its definite rows) and whether further facts could still change the answer (its open,
possible rows). From three facts about those,

- ``some``: some value is established (a yes/no question: it is proved);
- ``several``: more than one distinct value is established (a question of one value);
- ``open``: some possible row could still change the answer (a list: add a member),

:data:`RULES` decides each kind's ``status`` (shared/spec/contract.md): a yes/no answer is
determined once it is proved or once nothing could prove it; a value is undetermined while a
possible row could change it, else a ``conflict`` when two values are established; a list is
undetermined only when nothing is established and something could be ("List questions").

The rule is stated once, as data, and read three ways: :func:`status_of` in Python (the engine
of record, through :func:`assemble`), :func:`status_sql` as the SQL CASE expression the
generated script computes (``sqlgen.answer_sql``), and :func:`conditions` over any algebra of
conditions, which the numpy backend folds over its masks (``vector.status_codes``).
:func:`assemble` turns what was found into the contract's ``status`` / ``answer`` / ``possible``
/ ``missing``; :func:`shape` does the same from a status a compiled backend already decided.

The backends part on purpose in one case, two different values established (``conflict``): the
compiled engines report it (answer :data:`CONFLICT_ANSWER`), so one inconsistent case does not
stop a batch; the engine of record (``app.api``) refuses to answer from inconsistent rules and
raises ``KnowledgeBaseError`` on a ``conflict`` outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

__all__ = ["Possible", "ListOutcome", "list_outcome", "member_key", "comparable_outcome", "Outcome", "Clause",
           "RULES", "FACTS", "STATUSES", "DETERMINED", "UNDETERMINED", "CONFLICT", "CONFLICT_ANSWER", "SOME",
           "SEVERAL", "OPEN", "status_of", "conditions", "status_sql", "condition_sql", "present", "assemble",
           "shape"]

DETERMINED, UNDETERMINED, CONFLICT = "determined", "undetermined", "conflict"
STATUSES = (DETERMINED, UNDETERMINED, CONFLICT)  # a compiled backend's status code is its position here
CONFLICT_ANSWER = "CONFLICT"  # a compiled backend's answer to a value question with two established values
SOME, SEVERAL, OPEN = "some", "several", "open"
FACTS = (SOME, SEVERAL, OPEN)


@dataclass(frozen=True)
class Clause:
    """``status`` where every fact of ``when`` holds and none of ``unless`` (no facts: always)."""

    status: str
    when: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()


# Each kind's status: that of its first clause that holds (the last holds always).
RULES: dict[str, tuple[Clause, ...]] = {
    "yes_no": (Clause(DETERMINED, when=(SOME,)), Clause(DETERMINED, unless=(OPEN,)), Clause(UNDETERMINED)),
    "value": (Clause(UNDETERMINED, when=(OPEN,)), Clause(CONFLICT, when=(SEVERAL,)), Clause(DETERMINED)),
    "list": (Clause(UNDETERMINED, when=(OPEN,), unless=(SOME,)), Clause(DETERMINED)),
}
RULES["date"] = RULES["value"]  # a date question is a question of one value

T = TypeVar("T")


def conditions(kind: str, fact: Callable[[str, bool], T], all_of: Callable[[list[T]], T]
               ) -> list[tuple[str, T | None]]:
    """Each clause of ``kind``'s rule as (status, condition), the condition built from
    ``fact(name, holds)`` joined by ``all_of`` (None: the last clause, which always holds)."""
    out: list[tuple[str, T | None]] = []
    for clause in RULES[kind]:
        parts = [fact(f, True) for f in clause.when] + [fact(f, False) for f in clause.unless]
        out.append((clause.status, all_of(parts) if parts else None))
    return out


def status_of(kind: str, facts: Mapping[str, bool]) -> str:
    """The status the rule gives ``kind`` where ``facts`` (``SOME``, ``SEVERAL``, ``OPEN``) hold."""
    for status, holds in conditions(kind, lambda f, h: facts[f] == h, all):
        if holds is None or holds:
            return status
    raise AssertionError("the last clause always holds")


def present(expression: str) -> tuple[str, str]:
    """A fact that holds where a SQL expression is not NULL: (holds, fails) as SQL."""
    return f"{expression} IS NOT NULL", f"{expression} IS NULL"


def _sql_conditions(kind: str, facts: Mapping[str, tuple[str, str]]) -> list[tuple[str, str | None]]:
    return conditions(kind, lambda f, h: facts[f][0 if h else 1],
                      lambda parts: parts[0] if len(parts) == 1 else f"({' AND '.join(parts)})")


def status_sql(kind: str, facts: Mapping[str, tuple[str, str]]) -> str:
    """The rule as a SQL CASE expression, from each fact the rule reads as (holds, fails) SQL
    conditions (see :func:`present`); clauses in a row with one status are joined by OR."""
    merged: list[tuple[str, list[str]]] = []
    default = DETERMINED
    for status, condition in _sql_conditions(kind, facts):
        if condition is None:
            default = status
        elif merged and merged[-1][0] == status:
            merged[-1][1].append(condition)
        else:
            merged.append((status, [condition]))
    whens = " ".join(f"WHEN {' OR '.join(cs)} THEN '{s}'" for s, cs in merged)
    return f"CASE {whens} ELSE '{default}' END"


def condition_sql(kind: str, status: str, facts: Mapping[str, tuple[str, str]]) -> str:
    """The SQL condition under which ``kind``'s answer has ``status`` (a status of one clause,
    that is not the last's)."""
    found = [c for s, c in _sql_conditions(kind, facts) if s == status]
    assert len(found) == 1 and found[0] is not None, f"{kind}: '{status}' is not the status of one clause"
    return found[0]


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
    status = status_of("list", {SOME: bool(known), SEVERAL: len(known) > 1, OPEN: bool(maybe)})
    return ListOutcome(status, None if status == UNDETERMINED else known, maybe)


@dataclass(frozen=True)
class Outcome:
    """A contract answer: its status, answer, possible members (a list; None otherwise) and the
    fields that would settle it (a list: those that would add one of its possible members)."""

    status: str
    answer: Any
    possible: tuple[Possible, ...] | None = None
    missing: tuple[str, ...] = ()

    @property
    def waits_on_fields(self) -> bool:
        """Whether :meth:`naming` would name fields: a yes/no or value outcome still undetermined
        (a definite answer waits on nothing; a list names its members' own)."""
        return self.possible is None and self.status == UNDETERMINED

    def naming(self, fields: Iterable[str]) -> Outcome:
        """This yes/no or value outcome with the fields that would settle it, where it
        :attr:`waits_on_fields`; otherwise itself."""
        if not self.waits_on_fields:
            return self
        return Outcome(self.status, self.answer, None, tuple(dict.fromkeys(fields)))


def assemble(kind: str, established: Iterable[Any], open_: bool | Mapping[Any, Sequence[str]] = False,
             open_fields: Iterable[str] = ()) -> Outcome:
    """The contract's answer from what a backend found for one case: ``established``, the answer
    values its definite rows give (a yes/no question: ``True`` once proved); ``open_``, whether a
    possible row could still change a yes/no or value answer or, for a list, each member a
    possible row may add with the fields that would settle it; ``open_fields``, those that would
    settle an open yes/no or value answer."""
    known = list(dict.fromkeys(established))
    if kind == "list":
        assert not isinstance(open_, bool), "a list's open part is its possible members"
        found = list_outcome(known, open_)
        possible = tuple(Possible(m, tuple(open_[m])) for m in found.possible)
        return Outcome(found.status, found.answer, possible, tuple(dict.fromkeys(f for p in possible for f in p.missing)))
    assert isinstance(open_, bool)
    status = status_of(kind, {SOME: bool(known), SEVERAL: len(known) > 1, OPEN: open_})
    return shape(kind, status, known).naming(open_fields)


def shape(kind: str, status: str, established: Sequence[Any]) -> Outcome:
    """A yes/no or value (or date) answer whose status is decided (by :func:`status_of`, or a compiled
    backend's rendering of the rule), from the values established (the first one is the answer)."""
    if kind == "yes_no":
        return Outcome(status, None if status == UNDETERMINED else bool(established))
    assert kind != "list", "a list answer is assembled from its members"
    if status == CONFLICT:
        return Outcome(status, CONFLICT_ANSWER)
    return Outcome(status, established[0] if status == DETERMINED and established else None)


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
