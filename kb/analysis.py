"""Predicate dependency analysis: the one place the dependency graph is built and read.

A relation depends on the relations its rules' bodies read: an edge head -> body relation,
marked negative where some literal reads it under ``not``. Two views build the same ``Graph``:
the checker's over the AST (``of_modules``: edges carry the source span to report, and an
exception's body counts as a negative dependency of its target rule's head, since the exception
defeats that rule), and the IR's (``of_rules``: the compiled rules, where exceptions already are
``not defeated__R`` literals). Everything that follows from the graph is computed here: the
strongly connected components in evaluation order, the recursive relations, cones, readers,
the static relations, the strata, and the stratification check (a negative edge inside a
component: negation through recursion, which has no meaning). ``ir.Program`` keeps thin, cached
methods over its graph (``program.cone(...)`` and so on).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from redress.core.errors import Span
from redress.kb import ir
from redress.parser import ast

__all__ = ["Edge", "Graph", "of_modules", "of_rules"]


@dataclass(frozen=True)
class Edge:
    """How a head reads a body relation: positively, under negation, or both (several literals);
    ``span`` (the AST view's) is the first negated literal's, else the first literal's."""

    positive: bool
    negative: bool
    span: Span | None = None


@dataclass(frozen=True)
class Graph:
    """A predicate dependency graph. Built once by ``of_modules`` or ``of_rules``, then only read."""

    nodes: frozenset[str]  # the roots of a walk over the whole graph (for the IR: the declared relations)
    edges: Mapping[str, Mapping[str, Edge]]  # head -> body relation -> how the head reads it
    _successors: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _readers: dict[str, tuple[tuple[str, Edge], ...]] = field(init=False, repr=False, compare=False)
    _recursive: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)
    _outside: dict[tuple[str, ...], tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # indexes for the hot paths (cones, readers, components), built with the graph
        readers: dict[str, list[tuple[str, Edge]]] = {}
        for head, reads in self.edges.items():
            for body, edge in reads.items():
                readers.setdefault(body, []).append((head, edge))
        object.__setattr__(self, "_successors", {head: tuple(sorted(reads)) for head, reads in self.edges.items()})
        object.__setattr__(self, "_readers", {body: tuple(heads) for body, heads in readers.items()})
        object.__setattr__(self, "_outside", {})

    def successors(self, name: str) -> tuple[str, ...]:
        """The relations ``name`` reads directly, positively or negated, sorted."""
        return self._successors.get(name, ())

    def cone(self, roots: Iterable[str]) -> set[str]:
        """``roots`` and every relation they read, directly or through others."""
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(self.successors(name))
        return seen

    def readers(self, sources: Iterable[str], *, negated: bool = True) -> set[str]:
        """``sources`` and every node that reads one of them (only positively, unless ``negated``),
        directly or through others."""
        out = set(sources)
        stack = list(out)
        while stack:
            for head, edge in self._readers.get(stack.pop(), ()):
                if head not in out and head in self.nodes and (negated or edge.positive):
                    out.add(head)
                    stack.append(head)
        return out

    def static(self, inputs: Iterable[str]) -> frozenset[str]:
        """The nodes that depend on none of ``inputs``, directly or through others."""
        return self.nodes - self.readers(inputs)

    def components(self, roots: Iterable[str] | None = None) -> tuple[tuple[str, ...], ...]:
        """The strongly connected components over ``roots`` and what they read (every node when
        None), each sorted, each after every component it reads: evaluation order. Roots are
        visited in name order, so the order is the same on every run."""
        names = self.cone(roots) if roots is not None else self.nodes
        return tuple(_tarjan(sorted(names), self.successors))

    def recursive(self) -> frozenset[str]:
        """The nodes on a cycle (each reads itself, through others or directly)."""
        found = self._recursive
        if found is None:  # cached: the engines ask it of every component
            found = frozenset(name for component in self.components() for name in component
                              if len(component) > 1 or name in self.edges.get(name, {}))
            object.__setattr__(self, "_recursive", found)
        return found

    def reads_outside(self, component: Sequence[str]) -> tuple[str, ...]:
        """The relations a component's members read that are not members, sorted."""
        key = tuple(component)
        found = self._outside.get(key)
        if found is None:
            found = self._outside[key] = tuple(sorted({read for name in key for read in self.successors(name)}
                                                      - set(key)))
        return found

    def rule_cones(self, rules: Sequence[ir.Rule]) -> tuple[frozenset[str], ...]:
        """For each of ``rules`` in order, the relations it and the rules after it read, directly
        or through others."""
        after: list[frozenset[str]] = []
        read: frozenset[str] = frozenset()
        for rule in reversed(rules):
            read = read | self.cone(lit.atom.relation for lit in rule.body if isinstance(lit, (ir.Pos, ir.Neg)))
            after.append(read)
        return tuple(reversed(after))

    def strata(self, among: Iterable[str]) -> tuple[tuple[str, ...], ...]:
        """``among`` in strata, lowest first, over the edges between them: a relation's stratum is
        the highest of those it reads, one higher where it reads one under negation (so negation
        only looks down). Each stratum sorted."""
        inside = frozenset(among)

        def successors(name: str) -> tuple[str, ...]:
            return tuple(read for read in self.successors(name) if read in inside)

        level: dict[str, int] = {}
        for component in _tarjan(sorted(inside), successors):  # what a component reads comes first
            members = set(component)
            best = 0
            for head in component:
                for read in successors(head):
                    if read not in members:
                        best = max(best, level[read] + (1 if self.edges[head][read].negative else 0))
            level.update(dict.fromkeys(component, best))
        by_level: dict[int, list[str]] = {}
        for name, number in level.items():
            by_level.setdefault(number, []).append(name)
        return tuple(tuple(sorted(by_level[k])) for k in sorted(by_level))

    def unstratified(self) -> Iterator[tuple[str, str, Edge, tuple[str, ...]]]:
        """Each negative edge inside a component, as (head, body, edge, the component): negation
        through recursion, which a stratified program has none of."""
        for component in self.components():
            members = set(component)
            for head in component:
                for read in self.successors(head):
                    edge = self.edges[head][read]
                    if read in members and edge.negative:
                        yield head, read, edge, component


def _tarjan(roots: Sequence[str], successors: Callable[[str], Sequence[str]]) -> list[tuple[str, ...]]:
    """Tarjan's algorithm, iterative (a long chain needs no deep stack): the components reachable
    from ``roots``, each emitted after every component it reaches, members sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[tuple[str, ...]] = []
    for root in roots:
        if root in index:
            continue
        work = [(root, iter(successors(root)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, reads = work[-1]
            step = next(reads, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(successors(step))))
                elif step in on_stack:
                    low[node] = min(low[node], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                out.append(_pop_component(node, stack, on_stack))
    return out


def _pop_component(node: str, stack: list[str], on_stack: set[str]) -> tuple[str, ...]:
    """The component ``node`` roots: the stack down to it, sorted."""
    members = []
    while True:
        member = stack.pop()
        on_stack.discard(member)
        members.append(member)
        if member == node:
            return tuple(sorted(members))


def _add_edge(edges: dict[str, dict[str, Edge]], head: str, body: str, negative: bool, span: Span | None) -> None:
    """Add that ``head`` reads ``body`` (negated or not, at ``span``) to what is known of the edge."""
    reads = edges.setdefault(head, {})
    edge = reads.get(body)
    if edge is None:
        reads[body] = Edge(not negative, negative, span)
    elif negative and not edge.negative:  # the span to report is the first negated literal's
        reads[body] = Edge(edge.positive, True, span)
    elif not negative and not edge.positive:
        reads[body] = replace(edge, positive=True)


def _literal_atoms(body: Iterable[ast.Literal]) -> Iterator[tuple[ast.Atom, bool]]:
    """Each atom a body reads, and whether positively."""
    for lit in body:
        if isinstance(lit, ast.Atom):
            yield lit, True
        elif isinstance(lit, ast.Negation):
            yield lit.atom, False


def of_modules(modules: tuple[ast.Module, ...]) -> Graph:
    """The checker's view: predicates as written (declared or not), edges with their spans. An
    exception's body counts as a negative dependency of its target rule's head."""
    rules: dict[str, ast.Rule] = {}
    for module in modules:
        for item in module.items:
            if isinstance(item, ast.Rule):
                rules[item.label] = item
    nodes: dict[str, None] = {}
    edges: dict[str, dict[str, Edge]] = {}
    for module in modules:
        for item in module.items:
            if isinstance(item, ast.Rule):
                head = item.head.predicate
                nodes[head] = None
                for atom, positive in _literal_atoms(item.body):
                    nodes[atom.predicate] = None
                    _add_edge(edges, head, atom.predicate, not positive, atom.span)
            elif isinstance(item, ast.Exception_) and item.target in rules:
                head = rules[item.target].head.predicate
                for atom, _positive in _literal_atoms(item.body):
                    nodes.update(dict.fromkeys((head, atom.predicate)))
                    _add_edge(edges, head, atom.predicate, True, atom.span)
    return Graph(frozenset(nodes), edges)


def of_rules(relations: Iterable[str], rules: Iterable[ir.Rule]) -> Graph:
    """The IR's view: the declared ``relations``, an edge for each relation a rule's body reads."""
    edges: dict[str, dict[str, Edge]] = {}
    for rule in rules:
        for lit in rule.body:
            if isinstance(lit, (ir.Pos, ir.Neg)):
                _add_edge(edges, rule.head.relation, lit.atom.relation, isinstance(lit, ir.Neg), None)
    return Graph(frozenset(relations), edges)
