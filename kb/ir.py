"""The backend-neutral Datalog IR: relations, facts, rules (with exceptions compiled away), strata.

Nothing here knows about pyDatalog: any backend (pyDatalog, SQL, generated code) compiles
from this. Values are str, int or datetime.date.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Union

from redress.core.errors import Span

if TYPE_CHECKING:
    from redress.kb import analysis

# The constant every backend binds a question's first argument to: the case being asked about.
CASE_KEY = "case"

Value = Union[str, int, _dt.date]


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Const:
    value: Value


Term = Union[Var, Const]


@dataclass(frozen=True)
class Atom:
    relation: str
    args: tuple[Term, ...]


@dataclass(frozen=True)
class Pos:
    atom: Atom


@dataclass(frozen=True)
class Neg:
    atom: Atom
    defeater_of: str | None = None  # set when this negation checks a rule's exceptions


@dataclass(frozen=True)
class Compare:
    op: str  # = != < <= > >=
    left: Term
    right: Term


@dataclass(frozen=True)
class Call:
    """``target = function(args)``: a built-in evaluated once its arguments are bound."""

    target: Var
    function: str
    args: tuple[Term, ...]


Literal = Union[Pos, Neg, Compare, Call]


@dataclass(frozen=True)
class Relation:
    name: str
    params: tuple[str, ...]
    template: str
    kind: str  # "input" (from a case field) | "derived" | "defeat" (compiled from exceptions)
    field: str | None = None  # for inputs: the dotted case field
    span: Span | None = None
    as_recorded: bool = False  # for inputs: an absent field means none recorded, not unknown

    @property
    def arity(self) -> int:
        return len(self.params)


@dataclass(frozen=True)
class Rule:
    label: str
    head: Atom
    body: tuple[Literal, ...]  # ordered for left-to-right evaluation: binders first, negations last
    cites: tuple[str, ...]
    span: Span
    kind: str = "rule"  # "rule" | "exception" | "fact"
    exception_of: str | None = None


@dataclass(frozen=True)
class Provision:
    id: str
    title: str
    text: str
    source: str
    in_force_from: _dt.date | None
    in_force_until: _dt.date | None
    caveats: tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class Question:
    name: str
    kind: str  # yes_no | value | date | list
    relation: str
    answer_position: int | None  # which argument holds the answer (None for yes_no)
    description: str
    span: Span
    # the question atom's arguments after the case: a constant's value, or None where it is open
    arguments: tuple[Any, ...] = ()

    @property
    def pattern(self) -> tuple[Any, ...]:
        """The atom every backend answers: the case bound (``CASE_KEY``), the rest as written."""
        return (CASE_KEY, *self.arguments)


@dataclass(frozen=True)
class Chapter:
    """A chapter whose paragraphs ``prefix.first`` .. ``prefix.last`` must each be accounted for."""

    prefix: str
    first: int
    last: int
    span: Span

    def paragraphs(self) -> tuple[str, ...]:
        return tuple(f"{self.prefix}.{n}" for n in range(self.first, self.last + 1))


@dataclass(frozen=True)
class ParagraphNote:
    """Why a paragraph has no provision of its own: descriptive, guidance only, outside the
    reference, or encoded by other provisions (``by``)."""

    paragraph: str  # "CoP 11.3"
    status: str
    by: tuple[str, ...]
    reason: str
    span: Span


@dataclass(frozen=True)
class Program:
    relations: dict[str, Relation]
    rules: tuple[Rule, ...]  # facts are rules with an empty body
    strata: tuple[tuple[str, ...], ...]  # derived relations, lowest stratum first
    provisions: dict[str, Provision]
    questions: dict[str, Question]
    exceptions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # rule label -> exception labels
    chapters: tuple[Chapter, ...] = ()
    paragraph_notes: dict[str, ParagraphNote] = field(default_factory=dict)  # paragraph id -> its classification

    def rules_for(self, relation: str) -> tuple[Rule, ...]:
        index: dict[str, tuple[Rule, ...]] | None = self.__dict__.get("_rules_by_head")
        if index is None:  # built on first use; a frozen dataclass still owns its __dict__
            lists: dict[str, list[Rule]] = {}
            for r in self.rules:
                lists.setdefault(r.head.relation, []).append(r)
            index = {k: tuple(v) for k, v in lists.items()}
            object.__setattr__(self, "_rules_by_head", index)
        return index.get(relation, ())

    def reads(self, relation: str, *, negated: bool = True) -> Iterator[str]:
        """The relations the rules for ``relation`` read: positively, or negated too; in rule and
        literal order, with repeats (the proof's order; the graph is ``dependencies()``)."""
        kinds = (Pos, Neg) if negated else (Pos,)
        for rule in self.rules_for(relation):
            yield from (lit.atom.relation for lit in rule.body if isinstance(lit, kinds))

    def dependencies(self) -> analysis.Graph:
        """The predicate dependency graph of the rules (``kb/analysis.py``), built on first use."""
        graph: analysis.Graph | None = self.__dict__.get("_dependencies")
        if graph is None:
            from redress.kb import analysis  # here, not at the top: analysis imports this module

            graph = analysis.of_rules(self.relations, self.rules)
            object.__setattr__(self, "_dependencies", graph)
        return graph

    # What follows from the graph, computed in kb/analysis.py (see there).
    def readers(self, sources: Iterable[str], *, negated: bool = True) -> set[str]:
        """``sources`` and every relation that reads one of them, directly or through others."""
        return self.dependencies().readers(sources, negated=negated)

    def cone(self, relations: Iterable[str]) -> set[str]:
        """``relations`` and every relation they read, directly or through others."""
        return self.dependencies().cone(relations)

    def static(self) -> frozenset[str]:
        """The relations that depend on no input relation, directly or through others: the same
        rows for every case."""
        found: frozenset[str] | None = self.__dict__.get("_static")
        if found is None:
            found = self.dependencies().static(name for name, rel in self.relations.items() if rel.kind == "input")
            object.__setattr__(self, "_static", found)
        return found

    def recursive(self) -> frozenset[str]:
        """The relations on a cycle of the dependency graph (each reads itself, through others)."""
        return self.dependencies().recursive()

    def components(self, relations: Iterable[str] | None = None) -> tuple[tuple[str, ...], ...]:
        """The strongly connected components of the dependency graph over ``relations`` and what
        they read (every relation when None), each after every component its rules read. A
        component is recursive when its relations are in ``recursive()``; its rules are evaluated
        together, to their common fixpoint."""
        return self.dependencies().components(relations)

    def read_from(self, relation: str) -> tuple[frozenset[str], ...]:
        """For each rule for ``relation`` in order, the relations it and the rules after it read,
        directly or through others."""
        index: dict[str, tuple[frozenset[str], ...]] = self.__dict__.setdefault("_read_from", {})
        found = index.get(relation)
        if found is None:
            found = index[relation] = self.dependencies().rule_cones(self.rules_for(relation))
        return found

    def not_in_force(self, rule: Rule, on: _dt.date) -> list[Provision]:
        """The provisions a rule cites that are not in force on a date (empty: the rule applies)."""
        out = []
        for cid in rule.cites:
            p = self.provisions.get(cid)
            if p and ((p.in_force_from and on < p.in_force_from) or (p.in_force_until and on > p.in_force_until)):
                out.append(p)
        return out

    def in_force_window(self, rule: Rule) -> tuple[_dt.date | None, _dt.date | None]:
        """The first and last day a rule is in force (None: no bound), from the provisions it cites:
        ``not_in_force(rule, on)`` is empty exactly on the days between them."""
        cited = [self.provisions[c] for c in rule.cites if c in self.provisions]
        starts = [p.in_force_from for p in cited if p.in_force_from]
        ends = [p.in_force_until for p in cited if p.in_force_until]
        return (max(starts) if starts else None), (min(ends) if ends else None)

    def in_force_on_any(self, days: Iterable[_dt.date]) -> "Program":
        """The rules in force on at least one of ``days`` (their union), exceptions likewise."""
        days = list(days)
        rules = tuple(r for r in self.rules if any(not self.not_in_force(r, on) for on in days))
        labels = {r.label for r in rules}
        exceptions = {k: tuple(e for e in v if e in labels) for k, v in self.exceptions.items()}
        return Program(self.relations, rules, self.strata, self.provisions, self.questions, exceptions,
                       self.chapters, self.paragraph_notes)

    def version_boundaries(self) -> tuple[_dt.date, ...]:
        """The dates on which some provision comes into or goes out of force. Between two of them
        the same rules are in force, so an epoch (how many boundaries a date has passed) names a
        version of the program."""
        days = {d for p in self.provisions.values()
                for d in (p.in_force_from, p.in_force_until and p.in_force_until + _dt.timedelta(days=1)) if d}
        return tuple(sorted(days))

    def epoch_start(self, epoch: int) -> _dt.date:
        """A date in an epoch (its first day; any day before the first boundary for epoch 0), on
        which the program in force is that epoch's version."""
        boundaries = self.version_boundaries()
        return boundaries[epoch - 1] if epoch > 0 else _dt.date(1900, 1, 1)

    def in_force_on(self, on: _dt.date) -> "Program":
        """The program as it stood on a date: rules citing a provision not then in force drop out."""
        return self.in_force_on_any([on])
