"""The typed AST of the rules language: frozen dataclasses, every node with its source span."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Union

from redress.core.errors import Span

__all__ = [
    "Span", "Var", "Const", "Term", "Atom", "Negation", "Comparison", "Assignment", "Literal",
    "Include", "Provision", "PredicateDecl", "InputDecl", "Fact", "Rule", "Exception_",
    "Question", "Given", "Expectation", "Scenario", "Chapter", "Classification", "PARAGRAPH_CLASSES", "Item",
    "Module",
]

Value = Union[str, int, _dt.date]


@dataclass(frozen=True)
class Var:
    name: str
    span: Span

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Const:
    """A constant: a symbol (``refuse_assessment``), a string, an integer or a date."""

    value: Value
    span: Span

    def __str__(self) -> str:
        return str(self.value)


Term = Union[Var, Const]


@dataclass(frozen=True)
class Atom:
    predicate: str
    args: tuple[Term, ...]
    span: Span

    def __str__(self) -> str:
        return f"{self.predicate}({', '.join(map(str, self.args))})"


@dataclass(frozen=True)
class Negation:
    atom: Atom
    span: Span
    written_as: str = "not"  # "not" or "unless": kept so the source can be echoed faithfully

    def __str__(self) -> str:
        return f"not {self.atom}"


@dataclass(frozen=True)
class Comparison:
    op: str  # one of = != < <= > >=
    left: Term
    right: Term
    span: Span

    def __str__(self) -> str:
        return f"{self.left} {self.op} {self.right}"


@dataclass(frozen=True)
class Assignment:
    """``Var = builtin(args)``: binds Var to the built-in's result."""

    target: Var
    function: str
    args: tuple[Term, ...]
    span: Span

    def __str__(self) -> str:
        return f"{self.target} = {self.function}({', '.join(map(str, self.args))})"


Literal = Union[Atom, Negation, Comparison, Assignment]


@dataclass(frozen=True)
class Include:
    path: str
    span: Span


@dataclass(frozen=True)
class Provision:
    id: str
    span: Span
    title: str = ""
    text: str = ""
    source: str = ""
    in_force_from: _dt.date | None = None
    in_force_until: _dt.date | None = None
    caveats: tuple[str, ...] = ()


@dataclass(frozen=True)
class PredicateDecl:
    name: str
    params: tuple[str, ...]
    template: str
    span: Span


@dataclass(frozen=True)
class InputDecl:
    """A base predicate filled from a case field (``input decision_kind(C, K) from decision.kind``)."""

    name: str
    params: tuple[str, ...]
    field: str
    template: str
    span: Span
    as_recorded: bool = False  # absent field = nothing recorded (closed world), not unknown


@dataclass(frozen=True)
class Fact:
    atom: Atom
    cites: tuple[str, ...]
    span: Span
    cites_span: Span


@dataclass(frozen=True)
class Rule:
    label: str
    head: Atom
    body: tuple[Literal, ...]
    cites: tuple[str, ...]
    span: Span
    cites_span: Span


@dataclass(frozen=True)
class Exception_:
    """An exception that defeats the general rule ``target`` when its body holds."""

    label: str
    target: str
    body: tuple[Literal, ...]
    cites: tuple[str, ...]
    span: Span
    cites_span: Span


@dataclass(frozen=True)
class Question:
    name: str
    kind: str  # yes_no | value | date | list
    atom: Atom
    description: str
    span: Span


@dataclass(frozen=True)
class Given:
    field: str
    value: object
    span: Span


@dataclass(frozen=True)
class Expectation:
    """One ``expect`` line: kind is equals | undetermined | includes | excludes | possibly | cites."""

    question: str
    kind: str
    value: object
    span: Span


@dataclass(frozen=True)
class Scenario:
    title: str
    cites: tuple[str, ...]
    givens: tuple[Given, ...]
    expectations: tuple[Expectation, ...]
    span: Span


@dataclass(frozen=True)
class Chapter:
    """``chapter "CoP 11" has paragraphs 1 to 111.``: paragraphs "CoP 11.1" to "CoP 11.111" must
    each be encoded (a provision of that id cited by rules) or classified."""

    prefix: str
    first: int
    last: int
    span: Span


# How a paragraph that has no provision of its own is accounted for.
PARAGRAPH_CLASSES = ("descriptive", "guidance only", "outside the reference", "encoded by")


@dataclass(frozen=True)
class Classification:
    """``paragraphs "CoP 11.68" to "CoP 11.88" are guidance only because "...".``"""

    first: str
    last: str | None  # None: one paragraph
    status: str  # one of PARAGRAPH_CLASSES
    by: tuple[str, ...]  # for "encoded by": the provisions whose rules encode the paragraph
    reason: str
    span: Span


Item = Union[Include, Provision, PredicateDecl, InputDecl, Fact, Rule, Exception_, Question, Scenario, Chapter,
             Classification]


@dataclass(frozen=True)
class Module:
    """One parsed rule file."""

    path: str
    text: str
    items: tuple[Item, ...] = field(default_factory=tuple)
