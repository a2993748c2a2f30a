"""The checker: every semantic diagnostic of a program, collected before failing.

Errors: unknown predicate or built-in, arity mismatch, unsafe variable, negation through
recursion, undeclared citation, missing citation, duplicate id, unknown case field, exception
to an unknown rule, rules deriving an input, a classified paragraph outside every declared
chapter. Warnings: unused predicate, unused provision, a chapter paragraph neither encoded nor
classified, a paragraph both encoded and classified.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from dataclasses import dataclass
from typing import Iterable, Iterator

from redress.core.errors import Span
from redress.kb import analysis
from redress.kb.compiler import paragraph_range
from redress.kb.schema import CONTRACT_QUESTIONS, FIELDS
from redress.parser import ast
from redress.law.builtins import BUILTINS

__all__ = ["Diagnostic", "check"]

_PARAGRAPH = re.compile(r"^(.+\.\d+)(?!\d)")  # 'CoP 11.13(a)' is part of paragraph 'CoP 11.13'
_INPUT_ARITY = {"enum": 2, "enum_list": 2, "date": 2, "int": 2, "string": 2, "bool": 2}


@dataclass(frozen=True)
class Diagnostic:
    severity: str  # "error" | "warning"
    code: str
    message: str
    span: Span

    def __str__(self) -> str:
        return f"{self.span}: {self.severity}: {self.message} [{self.code}]"


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _vars(terms: Iterable[ast.Term]) -> Iterator[ast.Var]:
    return (t for t in terms if isinstance(t, ast.Var))


def _anonymous(v: ast.Var) -> bool:
    return v.name.startswith("_")  # the parser's name for each _ (see parse._ToAst.anon)


class _Checker:
    def __init__(self, modules: tuple[ast.Module, ...]):
        self.modules = modules
        self.diags: list[Diagnostic] = []
        self.arity: dict[str, int] = {}
        self.inputs: set[str] = set()
        self.decl_span: dict[str, Span] = {}
        self.provisions: dict[str, Span] = {}
        self.rules: dict[str, ast.Rule] = {}
        self.used_preds: set[str] = set()
        self.cited: set[str] = set()

    def error(self, code: str, message: str, span: Span) -> None:
        self.diags.append(Diagnostic("error", code, message, span))

    def warning(self, code: str, message: str, span: Span) -> None:
        self.diags.append(Diagnostic("warning", code, message, span))

    def items(self) -> Iterator[ast.Item]:
        for module in self.modules:
            yield from module.items

    # ------------------------------------------------------------------ pass 1: declarations
    def declare(self) -> None:
        labels: dict[str, Span] = {}
        questions: dict[str, Span] = {}
        for item in self.items():
            if isinstance(item, ast.Provision):
                self.declare_provision(item)
            elif isinstance(item, (ast.PredicateDecl, ast.InputDecl)):
                self.declare_predicate(item)
            elif isinstance(item, (ast.Rule, ast.Exception_)):
                if item.label in labels:
                    self.error("duplicate-rule", f"rule label '{item.label}' is already used at {labels[item.label]}", item.span)
                else:
                    labels[item.label] = item.span
                    if isinstance(item, ast.Rule):
                        self.rules[item.label] = item
            elif isinstance(item, ast.Question):
                if item.name in questions:
                    self.error("duplicate-question", f"question '{item.name}' is already declared at {questions[item.name]}", item.span)
                questions[item.name] = item.span
        for module in self.modules:  # a scenario's title is unique within its module
            titles: dict[str, Span] = {}
            for item in module.items:
                if isinstance(item, ast.Scenario):
                    if item.title in titles:
                        self.error("duplicate-scenario", f"scenario '{item.title}' already appears at {titles[item.title]}", item.span)
                    titles[item.title] = item.span

    def declare_provision(self, item: ast.Provision) -> None:
        if item.id in self.provisions:
            self.error("duplicate-provision", f"provision '{item.id}' is already declared at {self.provisions[item.id]}", item.span)
        else:
            self.provisions[item.id] = item.span
        if item.in_force_from and item.in_force_until and item.in_force_until < item.in_force_from:
            self.error("bad-dates", f"provision '{item.id}' ends before it starts", item.span)

    def declare_predicate(self, item: ast.PredicateDecl | ast.InputDecl) -> None:
        if item.name in self.arity or item.name in BUILTINS:
            where = self.decl_span.get(item.name)
            self.error("duplicate-predicate", f"predicate '{item.name}' is already declared"
                       + (f" at {where}" if where else " as a built-in"), item.span)
            return
        self.arity[item.name] = len(item.params)
        self.decl_span[item.name] = item.span
        self.check_template(item.template, item.params, item.span)
        if len(set(item.params)) != len(item.params):
            self.error("duplicate-parameter", f"predicate '{item.name}' repeats a parameter name", item.span)
        if isinstance(item, ast.InputDecl):
            self.declare_input(item)

    def declare_input(self, item: ast.InputDecl) -> None:
        self.inputs.add(item.name)
        spec = FIELDS.get(item.field)
        if item.field == "id":
            self.error("unknown-field", "the case 'id' labels answers; it is not a fact rules can use", item.span)
        elif spec is None:
            self.error("unknown-field", f"unknown case field '{item.field}'" + _suggest(item.field, FIELDS), item.span)
        elif len(item.params) != _INPUT_ARITY[spec.type]:
            self.error("arity", f"input '{item.name}' from {spec.type} field '{item.field}' takes "
                       f"{_INPUT_ARITY[spec.type]} argument(s), not {len(item.params)}", item.span)

    def check_template(self, template: str, params: tuple[str, ...], span: Span) -> None:
        for placeholder in re.findall(r"\{([^}]*)\}", template):
            if placeholder not in params:
                self.error("bad-template", f"template mentions {{{placeholder}}}, which is not a parameter", span)

    # ------------------------------------------------------------------ pass 2: uses
    def check_atom(self, atom: ast.Atom) -> bool:
        self.used_preds.add(atom.predicate)
        if atom.predicate in BUILTINS:
            self.error("builtin-as-predicate", f"'{atom.predicate}' is a built-in function: write Var = {atom.predicate}(...)", atom.span)
            return False
        if atom.predicate not in self.arity:
            self.error("unknown-predicate", f"unknown predicate '{atom.predicate}'" + _suggest(atom.predicate, self.arity), atom.span)
            return False
        if len(atom.args) != self.arity[atom.predicate]:
            self.error("arity", f"'{atom.predicate}' takes {self.arity[atom.predicate]} argument(s), "
                       f"but is given {len(atom.args)}", atom.span)
            return False
        return True

    def check_cites(self, cites: tuple[str, ...], span: Span, what: str) -> None:
        if not cites:
            self.error("no-citation", f"{what} cites no provision: every rule and fact must cite the law it encodes", span)
        for cid in cites:
            self.cited.add(cid)
            if cid not in self.provisions:
                self.error("undeclared-citation", f"cites undeclared provision '{cid}'" + _suggest(cid, self.provisions), span)

    def check_body(self, body: tuple[ast.Literal, ...], bound_at_start: set[str], head_vars: Iterable[ast.Var],
                   exception: tuple[ast.Exception_, ast.Rule] | None = None) -> None:
        """Safety: every variable is bound by a positive literal or an assignment from bound inputs."""
        bound = self.bound(body, bound_at_start)
        for lit in body:
            if isinstance(lit, ast.Assignment):
                self.check_assignment(lit, bound)
            elif isinstance(lit, ast.Negation):
                self.check_atom(lit.atom)
                for v in _vars(lit.atom.args):
                    if v.name not in bound and not _anonymous(v):  # `not p(X, _)`: no p(X, Y) for any Y
                        self.error("unsafe-variable", f"variable {v.name} appears only under negation: bind it with a "
                                   "positive condition first, or write _ for any value", v.span)
            elif isinstance(lit, ast.Comparison):
                for v in _vars((lit.left, lit.right)):
                    if v.name not in bound:
                        self.error("unsafe-variable", f"variable {v.name} appears only in a comparison: bind it with a "
                                   "positive condition first", v.span)
        self.check_head_vars(head_vars, bound, exception)

    def bound(self, body: tuple[ast.Literal, ...], bound_at_start: set[str]) -> set[str]:
        """The variables the body binds (checking its positive atoms on the way)."""
        bound = set(bound_at_start)
        for lit in body:
            if isinstance(lit, ast.Atom):
                self.check_atom(lit)
                bound.update(v.name for v in _vars(lit.args))
        # assignments bind in dependency order, whatever the order they are written in
        pending = [lit for lit in body if isinstance(lit, ast.Assignment)]
        progress = True
        while pending and progress:
            progress = False
            for lit in list(pending):
                if all(v.name in bound for v in _vars(lit.args)):
                    bound.add(lit.target.name)
                    pending.remove(lit)
                    progress = True
        # an assignment whose inputs are unsafe is reported once, at its inputs; its target then
        # counts as bound so the same cause is not reported again at the conclusion
        bound.update(lit.target.name for lit in pending)
        return bound

    def check_assignment(self, lit: ast.Assignment, bound: set[str]) -> None:
        builtin = BUILTINS.get(lit.function)
        if builtin is None:
            self.error("unknown-builtin", f"unknown built-in function '{lit.function}'" + _suggest(lit.function, BUILTINS), lit.span)
        elif builtin.missing_forms():  # every backend answers every program the checker accepts
            self.error("builtin-backend", f"built-in '{lit.function}' has no {' or '.join(builtin.missing_forms())} "
                       "form, so a backend could not evaluate this rule; give it every form in "
                       "redress.law.builtins", lit.span)
        elif len(lit.args) != builtin.arity:
            self.error("arity", f"built-in '{lit.function}' takes {builtin.arity} argument(s), "
                       f"but is given {len(lit.args)}", lit.span)
        else:
            for arg, kind in zip(lit.args, builtin.arg_types):
                if kind == "int" and isinstance(arg, ast.Const) and isinstance(arg.value, int) and arg.value < 0:
                    self.error("negative-count", f"built-in '{lit.function}' counts forward: {arg.value} is "
                               "below zero, and the function applies to no such count", arg.span)
        for v in _vars(lit.args):
            if v.name not in bound:
                self.error("unsafe-variable", f"variable {v.name} is used in a built-in call but never bound "
                           "by a positive condition", v.span)

    def check_head_vars(self, head_vars: Iterable[ast.Var], bound: set[str],
                        exception: tuple[ast.Exception_, ast.Rule] | None) -> None:
        for v in head_vars:
            if v.name not in bound and exception is not None:
                exc, target = exception
                self.error("unsafe-variable", f"exception '{exc.label}' must bind {v.name}, from the conclusion "
                           f"{target.head} of rule '{target.label}', but no positive condition binds it", exc.span)
            elif _anonymous(v):
                self.error("unsafe-variable", "the conclusion cannot hold _ (any value): name a variable that a "
                           "condition binds", v.span)
            elif v.name not in bound:
                self.error("unsafe-variable", f"variable {v.name} in the conclusion is not bound by any positive condition", v.span)

    def uses(self) -> None:
        for item in self.items():
            if isinstance(item, ast.Fact):
                if self.check_atom(item.atom):
                    if item.atom.predicate in self.inputs:
                        self.error("derives-input", f"'{item.atom.predicate}' is an input from the case; facts cannot assert it", item.span)
                for v in _vars(item.atom.args):
                    self.error("unsafe-variable", f"a fact must be ground, but has variable {v.name}", v.span)
                self.check_cites(item.cites, item.cites_span, "fact")
            elif isinstance(item, ast.Rule):
                if self.check_atom(item.head) and item.head.predicate in self.inputs:
                    self.error("derives-input", f"'{item.head.predicate}' is an input from the case; rules cannot derive it", item.head.span)
                self.check_body(item.body, set(), _vars(item.head.args))
                self.check_cites(item.cites, item.cites_span, f"rule '{item.label}'")
            elif isinstance(item, ast.Exception_):
                self.use_exception(item)
            elif isinstance(item, ast.Question):
                self.use_question(item)

    def use_exception(self, item: ast.Exception_) -> None:
        target = self.rules.get(item.target)
        self.check_cites(item.cites, item.cites_span, f"exception '{item.label}'")
        if target is None:
            self.error("unknown-rule", f"exception to unknown rule '{item.target}'" + _suggest(item.target, self.rules), item.span)
            self.check_body(item.body, set(), ())
            return
        # the defeat rule concludes over the target's head variables, so the exception's own
        # positive conditions must bind each of them
        head_vars = [ast.Var(v.name, item.span) for v in _vars(target.head.args)]
        self.check_body(item.body, set(), list(dict.fromkeys(head_vars)), (item, target))

    def use_question(self, item: ast.Question) -> None:
        if item.name not in CONTRACT_QUESTIONS and not re.fullmatch(r"[a-z][a-z0-9_]*", item.name):
            self.error("bad-question", f"bad question name '{item.name}'", item.span)
        if self.check_atom(item.atom):
            args = item.atom.args
            if not args or not isinstance(args[0], ast.Var):
                self.error("bad-question", "a question's first argument must be the case variable", item.span)
            free = [a for a in args[1:] if isinstance(a, ast.Var)]
            if item.kind == "yes_no" and free:
                self.error("bad-question", "a yes_no question binds no answer variable", item.span)
            if item.kind != "yes_no" and len(free) != 1:
                self.error("bad-question", f"a {item.kind} question needs exactly one answer variable", item.span)

    # ------------------------------------------------------------------ pass 3: types
    def types(self) -> None:
        """Comparisons and built-in arguments compare like with like: a date with a date, a
        number with a number, a symbol or string with a symbol or string. The engine would raise
        a TypeError at ask time on a date compared with a string; this says so at the source."""
        params = self.param_types()
        for item in self.items():
            if isinstance(item, (ast.Rule, ast.Exception_)):
                known = _body_types(item.body, params)
                for lit in item.body:
                    if isinstance(lit, ast.Comparison):
                        left, right = _term_type(lit.left, known), _term_type(lit.right, known)
                        if left and right and left != right:
                            self.error("type-mismatch", f"{_term(lit.left)} is {_A[left]} and {_term(lit.right)} is {_A[right]}: "
                                       f"'{lit.op}' compares values of one kind", lit.span)
                    elif isinstance(lit, ast.Assignment) and lit.function in BUILTINS:
                        wanted = BUILTINS[lit.function].arg_types
                        for k, (arg, kind) in enumerate(zip(lit.args, wanted), start=1):
                            got = _term_type(arg, known)
                            if got and got != kind:
                                self.error("type-mismatch", f"argument {k} of {lit.function} must be {_A[kind]}, but "
                                           f"{_term(arg)} is {_A[got]}", arg.span)

    def param_types(self) -> dict[tuple[str, int], str | None]:
        """The kind of value each argument of each predicate holds, where one kind is certain
        (None: mixed): inputs from their case field, facts from their constants, derived
        predicates from what their rules' bodies bind, to a fixpoint."""
        out: dict[tuple[str, int], str | None] = {}

        def note(key: tuple[str, int], kind: str | None) -> bool:
            if kind is None or (key in out and (out[key] is None or out[key] == kind)):
                return False
            out[key] = kind if key not in out else None  # a second, different kind: mixed
            return True

        for item in self.items():
            if isinstance(item, ast.InputDecl) and item.field in FIELDS:
                note((item.name, 0), "text")
                note((item.name, 1), _FIELD_KIND.get(FIELDS[item.field].type, "text"))
            elif isinstance(item, ast.Fact):
                for i, arg in enumerate(item.atom.args):
                    note((item.atom.predicate, i), _term_type(arg, {}))
        rules = [item for item in self.items() if isinstance(item, ast.Rule)]
        changed = True
        while changed:
            changed = False
            for rule in rules:
                known = _body_types(rule.body, out)
                for i, arg in enumerate(rule.head.args):
                    changed = note((rule.head.predicate, i), _term_type(arg, known)) or changed
        return out

    # ------------------------------------------------------------------ pass 4: stratification
    def stratify(self) -> None:
        """A negative dependency inside a recursive cycle (kb/analysis.py finds them)."""
        for a, b, edge, component in analysis.of_modules(self.modules).unstratified():
            assert edge.span is not None  # the AST view's edges all carry one
            cycle = " -> ".join(sorted(component))
            self.error("not-stratifiable", f"'{a}' depends negatively on '{b}' within a recursive cycle ({cycle}); "
                       "negation through recursion has no meaning", edge.span)

    def unused(self) -> None:
        for name, span in self.decl_span.items():
            if name not in self.used_preds:
                self.warning("unused-predicate", f"predicate '{name}' is declared but never used", span)
        for pid, span in self.provisions.items():
            if pid not in self.cited:
                self.warning("unused-provision", f"provision '{pid}' is never cited", span)

    # ------------------------------------------------------------------ pass 5: chapter paragraphs
    def paragraphs(self) -> None:
        """Each paragraph of a declared chapter is encoded (a provision of its id, or a sub-unit
        such as 'CoP 11.13(a)', cited by a rule or fact) or classified, and not both."""
        chapters = self.chapters()
        encoded = {m.group(1) for cid in self.cited if cid in self.provisions and (m := _PARAGRAPH.match(cid))}
        classified: dict[str, Span] = {}
        for item in self.items():
            if isinstance(item, ast.Classification):
                self.classification(item, chapters, encoded, classified)
        for chapter in chapters.values():
            missing = [n for n in range(chapter.first, chapter.last + 1)
                       if f"{chapter.prefix}.{n}" not in encoded and f"{chapter.prefix}.{n}" not in classified]
            for first, last in _runs(missing):
                which = f"{chapter.prefix}.{first}" + (f" to {chapter.prefix}.{last}" if last > first else "")
                self.warning("unaccounted-paragraph", f"{which} of chapter '{chapter.prefix}' "
                             f"{'is' if first == last else 'are'} neither encoded nor classified", chapter.span)

    def chapters(self) -> dict[str, ast.Chapter]:
        """The chapters declared, by prefix (a duplicate or backward one reported and left out)."""
        chapters: dict[str, ast.Chapter] = {}
        for item in self.items():
            if isinstance(item, ast.Chapter):
                if item.prefix in chapters:
                    self.error("duplicate-chapter", f"chapter '{item.prefix}' is already declared at "
                               f"{chapters[item.prefix].span}", item.span)
                elif item.first > item.last:
                    self.error("bad-range", f"chapter '{item.prefix}' ends before it starts", item.span)
                else:
                    chapters[item.prefix] = item
        return chapters

    def classification(self, item: ast.Classification, chapters: dict[str, ast.Chapter], encoded: set[str],
                       classified: dict[str, Span]) -> None:
        """Check one classification, adding the paragraphs it classifies to ``classified``."""
        paras = paragraph_range(item.first, item.last)
        chapter = chapters.get(item.first.rpartition(".")[0])
        if paras is None:
            self.error("bad-range", f"'{item.first}' to '{item.last}' is not a range of numbered paragraphs "
                       "of one chapter, in order", item.span)
            return
        if chapter is None:
            self.error("bad-paragraph", f"'{item.first}' is not a paragraph of a declared chapter"
                       + _suggest(item.first.rpartition(".")[0], chapters), item.span)
            return
        outside = [p for p in paras if not chapter.first <= int(p.rpartition(".")[2]) <= chapter.last]
        if outside:
            self.error("bad-paragraph", f"'{outside[0]}' is outside chapter '{chapter.prefix}' (paragraphs "
                       f"{chapter.first} to {chapter.last})", item.span)
            return
        for pid in item.by:
            if pid not in self.provisions:
                self.error("undeclared-citation", f"encoded by undeclared provision '{pid}'"
                           + _suggest(pid, self.provisions), item.span)
            elif pid not in self.cited:
                self.warning("not-encoded", f"provision '{pid}' is said to encode {item.first} but no rule "
                             "cites it", item.span)
        for para in paras:
            if para in classified:
                self.error("duplicate-classification", f"paragraph '{para}' is already classified at "
                           f"{classified[para]}", item.span)
            classified.setdefault(para, item.span)
            if para in encoded:
                self.warning("classified-encoded", f"paragraph '{para}' is encoded (its provision is cited by "
                             "rules) and also classified: drop it from the classification", item.span)

    def run(self) -> list[Diagnostic]:
        self.declare()
        self.uses()
        self.types()
        self.stratify()
        self.unused()
        self.paragraphs()
        return sorted(self.diags, key=lambda d: (d.span.file, d.span.line, d.span.column, d.code))


_FIELD_KIND = {"date": "date", "int": "int"}  # every other case field holds symbols or strings
_A = {"date": "a date", "int": "a number", "text": "a symbol or string"}


def _term(term: ast.Term) -> str:
    """A term as written: a string that is not a plain symbol in quotes."""
    if isinstance(term, ast.Const) and isinstance(term.value, str) and not re.fullmatch(r"[a-z][a-z0-9_]*", term.value):
        return f'"{term.value}"'
    return str(term)


def _term_type(term: ast.Term, known: dict[str, str]) -> str | None:
    if isinstance(term, ast.Var):
        return known.get(term.name)
    value = term.value
    if isinstance(value, _dt.date):
        return "date"
    return "int" if isinstance(value, int) else "text"


def _body_types(body: tuple[ast.Literal, ...], params: dict[tuple[str, int], str | None]) -> dict[str, str]:
    """The kind each variable of a body certainly holds: from the predicates binding it and from
    the built-ins (each gives a date)."""
    known: dict[str, str] = {}
    for lit in body:
        if isinstance(lit, ast.Atom):
            for i, arg in enumerate(lit.args):
                kind = params.get((lit.predicate, i))
                if isinstance(arg, ast.Var) and kind and not arg.name.startswith("_"):
                    known.setdefault(arg.name, kind)
        elif isinstance(lit, ast.Assignment) and lit.function in BUILTINS:
            known.setdefault(lit.target.name, "date")
    return known


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    """[2, 3, 4, 9] -> [(2, 4), (9, 9)]."""
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def check(modules: tuple[ast.Module, ...]) -> list[Diagnostic]:
    """Every diagnostic of the program, sorted by position; errors and warnings together."""
    return _Checker(modules).run()
