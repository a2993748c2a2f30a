"""What the engine of record computed for one case, as the Prover checks its proofs against it.

The Prover re-derives every conclusion itself, three-valued and with its proof; each derived atom
it proves is then checked against pyDatalog's answers for that atom. pyDatalog answers a query
top-down with a memo table of the subgoals it evaluated, so for one case the engine hands over
that table: every atom pattern it evaluated, each with all its answers. An atom the Prover
visits is checked against the first evaluated pattern at least as general as its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

__all__ = ["Model", "Row", "Pattern", "matches", "subsumes"]

Row = tuple[Any, ...]
Pattern = tuple[Any, ...]  # None marks an unbound position


def matches(pattern: Pattern, row: Row) -> bool:
    return all(p is None or p == v for p, v in zip(pattern, row))


def subsumes(general: Pattern, specific: Pattern) -> bool:
    """Every row matching ``specific`` matches ``general``."""
    return all(g is None or (s is not None and g == s) for g, s in zip(general, specific))


@dataclass(frozen=True)
class Model:
    """``inputs``: the case's rows of each input relation. ``complete``: relations whose whole
    extent the engine computed. ``explored``: per derived relation, each pattern the engine
    evaluated with all of that pattern's answers."""

    inputs: Mapping[str, Sequence[Row]]
    complete: Mapping[str, frozenset[Row] | set[Row]] = field(default_factory=dict)
    explored: Mapping[str, Sequence[tuple[Pattern, frozenset[Row]]]] = field(default_factory=dict)
    _exact: dict[tuple[str, Pattern], frozenset[Row]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # the Prover mostly asks exactly the patterns the engine evaluated: those answer at once
        exact: dict[tuple[str, Pattern], frozenset[Row]] = {}
        for relation, patterns in self.explored.items():
            for pattern, rows in patterns:
                exact.setdefault((relation, pattern), rows)
        object.__setattr__(self, "_exact", exact)

    def input_rows(self, relation: str) -> Sequence[Row]:
        return self.inputs.get(relation, ())

    def engine_rows(self, relation: str, pattern: Pattern) -> set[Row] | frozenset[Row] | None:
        """The engine's answers for ``relation`` matching ``pattern``; None when the engine
        evaluated no pattern that covers it (the Prover's rows then stand unchecked)."""
        if relation not in self.complete:
            exact = self._exact.get((relation, pattern))
            if exact is not None:
                return exact
        rows = self.complete.get(relation)
        if rows is None:
            for general, found in self.explored.get(relation, ()):
                if subsumes(general, pattern):
                    rows = found
                    break
            else:
                return None
        return {row for row in rows if matches(pattern, row)}
