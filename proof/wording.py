"""The English of a proof: every phrase a proof node carries, in one place.

The prover decides what holds and why; it asks ``Wording`` how to say it. A ``Wording`` knows
what the texts depend on beyond the step itself: the program (its relations' templates, its
exceptions), the case's key and how to name it, and which case fields were given.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from typing import Any, Mapping, Sequence

from redress.kb import ir
from redress.kb.schema import FIELDS
from redress.proof.nodes import Status, render_value
from redress.queries.model import Pattern, Row

__all__ = ["Wording"]


class Wording:
    """The texts of one case's proof nodes."""

    def __init__(self, program: ir.Program, case_key: str, case_label: str,
                 given_fields: frozenset[str] = frozenset()):
        self.program = program
        self.case_key = case_key
        self.case_label = case_label
        self.given_fields = given_fields
        self._described: dict[tuple[str, Pattern, str], str] = {}

    # ------------------------------------------------------------------ rows and values
    def describe(self, relation: str, row: Pattern, open_as: str = "some") -> str:
        """A row of ``relation`` in its template's words (kept: the same rows are described often);
        an open value as "some <param>", or in a denial ``open_as="any"``: "not listed ... any limb"."""
        key = (relation, row, open_as)
        text = self._described.get(key)
        if text is None:
            text = self._described[key] = self._describe(relation, row, open_as)
        return text

    def _describe(self, relation: str, row: Pattern, open_as: str) -> str:
        rel = self.program.relations[relation]
        pieces: list[str] = []
        for text, index in _template(rel.template, rel.params):
            if index is None:
                pieces.append(text)
                continue
            if row[index] is None and pieces and pieces[-1].endswith("the "):  # "by the some body": "by some body"
                pieces[-1] = pieces[-1][:-4]
            pieces.append(self.show(row[index], text, open_as))
        return "".join(pieces)

    def show(self, value: Any, param: str, open_as: str = "some") -> str:
        """A value in a row or a binding; an open one (None) as "some <param>" (or ``open_as``)."""
        cls = value.__class__
        if cls is str:  # the common cases first: names and the case key, then dates
            return self.case_label if value == self.case_key else value
        if cls is _dt.date:
            return value.isoformat()  # type: ignore[no-any-return]
        if value is None:
            return f"{open_as}one" if param.lower() == "who" else f"{open_as} {param.lower()}"
        if value == self.case_key:
            return self.case_label
        return render_value(value)

    def bindings(self, env: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        """A rule's variables as shown, those bound only (and not each ``_``)."""
        show = self.show
        return tuple([(k, show(v, k)) for k, v in sorted(env.items()) if v is not None and k[0] != "_"])

    @staticmethod
    def input_value(row: Row) -> str:
        """What an input row gives for its field (a flag's row gives nothing: "true")."""
        return ", ".join([render_value(v) for v in row[1:]]) or "true"

    def _given(self, field: str | None) -> bool:
        return field in self.given_fields

    # ------------------------------------------------------------------ inputs
    def input_missing(self, rel: ir.Relation, pattern: Pattern) -> str:
        """Why an input the case leaves out is unknown."""
        spec = FIELDS.get(rel.field or "")
        # with an open value the template would say "some ground": say what the case leaves out
        return (f"the case does not say {spec.description} ({rel.field})" if spec and spec.description
                and None in pattern[1:] else f"unknown whether {self.describe(rel.name, pattern)}: "
                f"the case does not give {rel.field}")

    def input_absent(self, rel: ir.Relation, pattern: Pattern, rows: Sequence[Row]) -> str:
        """Why an input the case gives has no row matching ``pattern`` (``rows``: all its rows)."""
        spec = FIELDS.get(rel.field or "")
        if spec and spec.null_means and self._given(rel.field) and not rows:  # given as null: "none"
            return f"the case says {spec.null_means} ({rel.field} is null)"
        if None in pattern[1:] and not rows:  # an open value: what the case gives, with no placeholder
            if spec and spec.type == "enum_list" and self._given(rel.field):
                return f"the case gives {rel.field} as an empty list"
            what = re.sub(r" \(.*\)$", "", spec.description) if spec and spec.description else "it"
            return f"the case does not record {what} ({rel.field})"
        why = (f"the case records no {rel.field}" if rel.as_recorded and not self._given(rel.field)
               else f"the case gives {rel.field} otherwise")
        return f"not the case that {self.describe(rel.name, pattern)} ({why})"

    # ------------------------------------------------------------------ derived atoms
    @staticmethod
    def not_in_force(rule: ir.Rule, lapsed: list[ir.Provision], on: _dt.date) -> str:
        """Why ``rule``, citing the provisions ``lapsed`` not in force on ``on``, does not count."""
        return f"rule '{rule.label}' is not in force on {on.isoformat()}: " + "; ".join(
            f"{p.id} is in force " + (f"from {p.in_force_from.isoformat()}" if p.in_force_from else "")
            + (f" until {p.in_force_until.isoformat()}" if p.in_force_until else "") for p in lapsed)

    def cannot_tell(self, relation: str, row: Pattern) -> str:
        return f"cannot yet tell whether {self.describe(relation, row)}"

    @staticmethod
    def cannot_tell_value(question: str) -> str:
        """An open value answer, by the question's own description."""
        return f"cannot yet tell: {question}"

    def why_not(self, relation: str, pattern: Pattern, reasons: bool, status: Status) -> str:
        """Why no (more) rows of ``pattern`` are established; ``reasons``: whether any rule was tried."""
        what = self.describe(relation, pattern, "some" if status is Status.UNKNOWN else "any")
        if not reasons and all(r.kind == "fact" for r in self.program.rules_for(relation)):
            return f"not listed in the law: {what}"
        if not reasons:
            return f"no rule concludes that {what}"
        if status is Status.UNKNOWN:
            return f"cannot yet tell whether {what}"
        return f"not established that {what}"

    @staticmethod
    def more_failures(count: int) -> str:
        return f"... and {count} more candidate derivations that fail the same way"

    def rule_conclusion(self, rule: ir.Rule, status: Status, head_row: Pattern) -> str:
        """What a branch of ``rule`` concludes, as far as it goes (``status``)."""
        if status is Status.FALSE:
            return f"rule '{rule.label}' does not apply"
        conclusion = (f"exception '{rule.label}' to rule '{rule.exception_of}' applies" if rule.kind == "exception"
                      else self.describe(rule.head.relation, head_row))
        if status is Status.UNKNOWN:
            return f"rule '{rule.label}' may apply: {conclusion}"
        return conclusion

    # ------------------------------------------------------------------ body literals
    def unmatched(self, relation: str, args: tuple[ir.Term, ...], pattern: Pattern) -> str:
        """Rows match ``pattern``, but none repeats a value where ``args`` repeat a variable."""
        names = [a.name for a in args if isinstance(a, ir.Var)]
        repeated = sorted({n for n in names if names.count(n) > 1})
        return (f"not the case that {self.describe(relation, pattern)} with the same value for each "
                f"{', '.join(repeated)}")

    def negation_unchecked(self, relation: str, pattern: Pattern) -> str:
        return f"cannot yet tell whether {self.describe(relation, pattern)}, which must not hold: the case leaves a value it needs unknown"

    def negation(self, lit: ir.Neg, pattern: Pattern, status: Status) -> str:
        """A negated literal whose atom, on ``pattern``, holds to the opposite of ``status``."""
        if lit.defeater_of:
            exceptions = ", ".join(f"'{e}'" for e in self.program.exceptions.get(lit.defeater_of, ()))
            return {Status.TRUE: f"no exception to rule '{lit.defeater_of}' applies (checked {exceptions})",
                    Status.FALSE: f"an exception to rule '{lit.defeater_of}' applies",
                    Status.UNKNOWN: f"cannot yet tell whether an exception to rule '{lit.defeater_of}' applies"}[status]
        desc = self.describe(lit.atom.relation, pattern)
        return {Status.TRUE: f"not the case that {desc} (looked for and not found)",
                Status.FALSE: f"it is the case that {desc}, which this rule requires not to hold",
                Status.UNKNOWN: f"cannot yet tell whether {desc}"}[status]

    @staticmethod
    def comparison(lit: ir.Compare, left: Any, right: Any, status: Status) -> str:
        """A comparison of ``left`` and ``right`` (None: unknown) that came out ``status``."""
        text = f"{_show_term(lit.left, left)} {lit.op} {_show_term(lit.right, right)}"
        if status is Status.UNKNOWN:
            return f"cannot compare {text}: a value is unknown"
        return text if status is Status.TRUE else f"it is not so that {text}"

    @staticmethod
    def call_unknown(lit: ir.Call, args: tuple[Any, ...]) -> str:
        return f"cannot compute {_call(lit, args)}: an input is unknown"

    @staticmethod
    def call_inapplicable(lit: ir.Call, args: tuple[Any, ...]) -> str:
        return f"{_call(lit, args)} does not apply to these values"

    @staticmethod
    def call_test(lit: ir.Call, args: tuple[Any, ...], value: Any, other: Any | None) -> str:
        """A call whose target was already bound: ``other`` is that value when it is not ``value``."""
        text = f"{_call(lit, args)} = {render_value(value)}"
        return text if other is None else f"{text}, not {render_value(other)}"

    @staticmethod
    def call_binding(lit: ir.Call, args: tuple[Any, ...], value: Any) -> str:
        return f"{lit.target.name} = {_call(lit, args)} = {render_value(value)}"


@functools.lru_cache(maxsize=None)
def _template(template: str, params: tuple[str, ...]) -> tuple[tuple[str, int | None], ...]:
    """A template compiled once: (text, None) for text, (param, its position) for a ``{param}``;
    a name that is no parameter stays as written."""
    parts = re.split(r"\{([^}]*)\}", template)
    return tuple((part, None) if i % 2 == 0 else ((part, params.index(part)) if part in params else (f"{{{part}}}", None))
                 for i, part in enumerate(parts) if part or i % 2)


def _show_term(term: ir.Term, value: Any) -> str:
    if value is None:
        return term.name if isinstance(term, ir.Var) else "?"
    return render_value(value)


def _call(lit: ir.Call, args: tuple[Any, ...]) -> str:
    """A built-in's call with its arguments, an unknown one by its variable's name."""
    return f"{lit.function}({', '.join([_show_term(a, v) for a, v in zip(lit.args, args)])})"
