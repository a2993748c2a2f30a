"""AST -> IR. Runs only on programs the checker passed.

Exceptions read like the law ("exception X to rule R: if ..."). They compile to a defeat
relation ``defeated__R`` over R's head variables; R gains ``not defeated__R(...)``. Bodies are
reordered so every variable is bound before a built-in, comparison or negation uses it.
"""

from __future__ import annotations

from redress.kb import analysis, ir
from redress.parser import ast

__all__ = ["compile_program", "defeat_relation", "paragraph_range"]


def defeat_relation(rule_label: str) -> str:
    return f"defeated__{rule_label}"


def paragraph_range(first: str, last: str | None) -> tuple[str, ...] | None:
    """'CoP 11.68', 'CoP 11.70' -> the three ids; None when the two are not numbered paragraphs
    of one prefix in order (the checker reports that)."""
    head, _, n = first.rpartition(".")
    if not head or not n.isdigit():
        return None
    if last is None:
        return (first,)
    last_head, _, m = last.rpartition(".")
    if last_head != head or not m.isdigit() or int(m) < int(n):
        return None
    return tuple(f"{head}.{k}" for k in range(int(n), int(m) + 1))


def _term(t: ast.Term) -> ir.Term:
    return ir.Var(t.name) if isinstance(t, ast.Var) else ir.Const(t.value)


def _atom(a: ast.Atom) -> ir.Atom:
    return ir.Atom(a.predicate, tuple(_term(t) for t in a.args))


def _order_body(body: tuple[ast.Literal, ...], bound: set[str]) -> list[ir.Literal]:
    """Positive atoms first (as written), then built-ins once their inputs are bound, then tests."""
    out: list[ir.Literal] = []
    bound = set(bound)
    for lit in body:
        if isinstance(lit, ast.Atom):
            out.append(ir.Pos(_atom(lit)))
            bound.update(t.name for t in lit.args if isinstance(t, ast.Var))
    pending = [lit for lit in body if isinstance(lit, ast.Assignment)]
    while pending:
        ready = [lit for lit in pending if all(t.name in bound for t in lit.args if isinstance(t, ast.Var))]
        if not ready:  # the checker reports this; keep source order so compilation still terminates
            ready = pending[:1]
        for lit in ready:
            out.append(ir.Call(ir.Var(lit.target.name), lit.function, tuple(_term(t) for t in lit.args)))
            bound.add(lit.target.name)
            pending.remove(lit)
    for lit in body:
        if isinstance(lit, ast.Comparison):
            out.append(ir.Compare(lit.op, _term(lit.left), _term(lit.right)))
    for lit in body:
        if isinstance(lit, ast.Negation):
            out.append(ir.Neg(_atom(lit.atom)))
    return out


def _head_vars(head: ast.Atom) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.name for t in head.args if isinstance(t, ast.Var)))


def _strata(relations: dict[str, ir.Relation], rules: list[ir.Rule]) -> tuple[tuple[str, ...], ...]:
    """The derived relations in strata, lowest first (kb/analysis.py); inputs, the case's facts,
    are below every stratum."""
    return analysis.of_rules(relations, rules).strata(name for name, rel in relations.items() if rel.kind != "input")


def _existential_negations(rules: list[ir.Rule], relations: dict[str, ir.Relation]) -> list[ir.Rule]:
    """``not p(X, _)`` holds when no ``p(X, Y)`` holds for any Y: each negation with a variable no
    positive condition binds (the checker lets only ``_`` through) negates a helper relation over
    its bound variables, ``some__R__k(X) if p(X, Y)``, so every backend evaluates plain negation."""
    out: list[ir.Rule] = []
    for rule in rules:
        out.append(_rewrite_negations(rule, relations, out))
    return out


def _rewrite_negations(rule: ir.Rule, relations: dict[str, ir.Relation], helpers: list[ir.Rule]) -> ir.Rule:
    """``rule`` with each existential negation negating a helper relation (added to ``relations``,
    its rule to ``helpers``); ``rule`` itself when it has none."""
    bound = {t.name for lit in rule.body if isinstance(lit, ir.Pos) for t in lit.atom.args if isinstance(t, ir.Var)}
    bound |= {lit.target.name for lit in rule.body if isinstance(lit, ir.Call)}
    body: list[ir.Literal] = []
    for lit in rule.body:
        free = [t for t in lit.atom.args if isinstance(t, ir.Var) and t.name not in bound] \
            if isinstance(lit, ir.Neg) else []
        if not free:
            body.append(lit)
            continue
        assert isinstance(lit, ir.Neg)
        shared = tuple(dict.fromkeys(t.name for t in lit.atom.args if isinstance(t, ir.Var) and t.name in bound))
        name = f"some__{rule.label}__{len(body)}"
        relations[name] = ir.Relation(name, shared, f"some {lit.atom.relation} row matches"
                                      + "".join(f" {{{v}}}" for v in shared), "derived")
        head = ir.Atom(name, tuple(ir.Var(v) for v in shared))
        helpers.append(ir.Rule(f"{name}", head, (ir.Pos(lit.atom),), rule.cites, rule.span))
        body.append(ir.Neg(head, lit.defeater_of))
    return rule if body == list(rule.body) else ir.Rule(rule.label, rule.head, tuple(body), rule.cites,
                                                        rule.span, rule.kind, rule.exception_of)


def compile_program(modules: tuple[ast.Module, ...]) -> ir.Program:
    items = [item for module in modules for item in module.items]
    relations, provisions = _declarations(items)
    targets = {item.label: item for item in items if isinstance(item, ast.Rule)}
    exceptions: dict[str, list[str]] = {}
    for item in items:
        if isinstance(item, ast.Exception_):
            exceptions.setdefault(item.target, []).append(item.label)
    for label in exceptions:
        target = targets[label]
        relations[defeat_relation(label)] = ir.Relation(
            defeat_relation(label), _head_vars(target.head), f"an exception to rule '{label}' applies", "defeat")

    chapters = tuple(ir.Chapter(i.prefix, i.first, i.last, i.span) for i in items if isinstance(i, ast.Chapter))
    notes = _paragraph_notes(items)

    rules: list[ir.Rule] = []
    questions: dict[str, ir.Question] = {}
    for item in items:
        if isinstance(item, ast.Question):
            position = next((i for i, t in enumerate(item.atom.args) if i > 0 and isinstance(t, ast.Var)), None)
            arguments = tuple(a.value if isinstance(a, ast.Const) else None for a in item.atom.args[1:])
            questions[item.name] = ir.Question(item.name, item.kind, item.atom.predicate,
                                               position if item.kind != "yes_no" else None, item.description, item.span,
                                               arguments)
        elif isinstance(item, (ast.Fact, ast.Rule, ast.Exception_)):
            rules.append(_rule(item, targets, exceptions))

    rules = _existential_negations(rules, relations)
    return ir.Program(relations, tuple(rules), _strata(relations, rules), provisions, questions,
                      {k: tuple(v) for k, v in exceptions.items()}, chapters, notes)


def _declarations(items: list[ast.Item]) -> tuple[dict[str, ir.Relation], dict[str, ir.Provision]]:
    """The relations declared (inputs and derived predicates) and the provisions, by name."""
    relations: dict[str, ir.Relation] = {}
    provisions: dict[str, ir.Provision] = {}
    for item in items:
        if isinstance(item, ast.InputDecl):
            relations[item.name] = ir.Relation(item.name, item.params, item.template, "input", item.field, item.span,
                                              item.as_recorded)
        elif isinstance(item, ast.PredicateDecl):
            relations[item.name] = ir.Relation(item.name, item.params, item.template, "derived", None, item.span)
        elif isinstance(item, ast.Provision):
            provisions[item.id] = ir.Provision(item.id, item.title, item.text, item.source, item.in_force_from,
                                               item.in_force_until, item.caveats, item.span)
    return relations, provisions


def _paragraph_notes(items: list[ast.Item]) -> dict[str, ir.ParagraphNote]:
    """Each classified paragraph's note, by paragraph id (a later classification wins)."""
    notes: dict[str, ir.ParagraphNote] = {}
    for item in items:
        if isinstance(item, ast.Classification):
            for para in paragraph_range(item.first, item.last) or ():
                notes[para] = ir.ParagraphNote(para, item.status, item.by, item.reason, item.span)
    return notes


def _rule(item: ast.Fact | ast.Rule | ast.Exception_, targets: dict[str, ast.Rule],
          exceptions: dict[str, list[str]]) -> ir.Rule:
    """The IR rule of a fact, a rule (negating its defeat relation when it has exceptions) or an
    exception (concluding its target's defeat relation)."""
    if isinstance(item, ast.Fact):
        # a fact is named by its content, which does not move when lines are added above it
        return ir.Rule(f"fact {item.atom}", _atom(item.atom), (), item.cites, item.span, kind="fact")
    if isinstance(item, ast.Rule):
        body = _order_body(item.body, set())
        if item.label in exceptions:
            head_vars = _head_vars(item.head)
            body.append(ir.Neg(ir.Atom(defeat_relation(item.label), tuple(ir.Var(v) for v in head_vars)),
                               defeater_of=item.label))
        return ir.Rule(item.label, _atom(item.head), tuple(body), item.cites, item.span)
    head_vars = _head_vars(targets[item.target].head)
    head = ir.Atom(defeat_relation(item.target), tuple(ir.Var(v) for v in head_vars))
    return ir.Rule(item.label, head, tuple(_order_body(item.body, set(head_vars))), item.cites,
                   item.span, kind="exception", exception_of=item.target)
