"""The predicate dependency analysis (kb/analysis.py) on small programs, each answer written by
hand from Datalog semantics (a relation depends on what its rules' bodies read; a strongly
connected component is evaluated after every component it reads; a relation is one stratum above
what it reads under negation), and on random graphs against networkx."""

from __future__ import annotations

import networkx as nx
import pytest
from conformance import HEADER, compile_case, program_text
from hypothesis import given, settings
from hypothesis import strategies as st

from redress.kb import analysis, ir
from redress.kb.analysis import Edge
from redress.kb.checker import check
from redress.kb.compiler import compile_program, defeat_relation
from redress.parser.parse import parse_text


# ----------------------------------------------------------------------------- hand-written programs


def test_a_chain_is_evaluated_from_its_end() -> None:
    """a reads b reads c: c first, though a sorts first (the walk starts at a)."""
    program = compile_case("a/1 b/1 c/1", "c(x). a(X) if b(X). b(X) if c(X).")
    assert program.components() == (("c",), ("b",), ("a",))
    assert program.components(["b"]) == (("c",), ("b",))
    assert program.strata == (("a", "b", "c"),)
    assert program.cone(["b"]) == {"b", "c"}
    assert program.readers(["b"]) == {"a", "b"}
    assert program.readers(["c"], negated=False) == {"a", "b", "c"}
    assert program.recursive() == frozenset()
    assert program.static() == {"a", "b", "c"}  # no input below any of them


def test_self_recursion_is_one_recursive_component() -> None:
    program = compile_case("e/2 path/2", "e(a, b). e(b, c). path(X, Y) if e(X, Y). path(X, Z) if e(X, Y) and path(Y, Z).")
    assert program.components() == (("e",), ("path",))
    assert program.recursive() == {"path"}
    assert program.strata == (("e", "path"),)
    assert program.cone(["path"]) == {"e", "path"}
    assert program.readers(["path"]) == {"path"}
    assert program.dependencies().reads_outside(("path",)) == ("e",)


def test_mutual_recursion_is_one_component_after_what_it_reads() -> None:
    """even and odd read each other, and next and zero below them."""
    program = compile_case("zero/1 next/2 even/1 odd/1", "zero(n0). next(n0, n1). next(n1, n2). even(X) if zero(X). "
                           "odd(Y) if next(X, Y) and even(X). even(Y) if next(X, Y) and odd(X).")
    assert program.components() == (("next",), ("zero",), ("even", "odd"))
    assert program.components(["odd"]) == (("next",), ("zero",), ("even", "odd"))
    assert program.recursive() == {"even", "odd"}
    assert program.strata == (("even", "next", "odd", "zero"),)
    assert program.readers(["odd"]) == {"even", "odd"}
    assert program.readers(["zero"]) == {"even", "odd", "zero"}
    assert program.dependencies().reads_outside(("even", "odd")) == ("next", "zero")


def test_same_generation() -> None:
    """sg(X, Y): X and Y are of one generation (both people, or children of one generation)."""
    program = compile_case("par/2 person/1 sg/2", "person(a). person(b). par(b, a). sg(X, X) if person(X). "
                           "sg(X, Y) if par(X, XP) and sg(XP, YP) and par(Y, YP).")
    assert program.components() == (("par",), ("person",), ("sg",))
    assert program.recursive() == {"sg"}
    assert program.cone(["sg"]) == {"par", "person", "sg"}
    assert program.readers(["par"]) == {"par", "sg"}
    assert program.strata == (("par", "person", "sg"),)


def test_a_diamond_with_negation_has_two_strata() -> None:
    """top reads l and, negated, r; both read base."""
    program = compile_case("base/1 l/1 r/1 top/1",
                           "base(a). base(b). l(X) if base(X). r(X) if base(X). top(X) if l(X) and not r(X).")
    assert program.components() == (("base",), ("l",), ("r",), ("top",))
    assert program.components(["l"]) == (("base",), ("l",))
    assert program.strata == (("base", "l", "r"), ("top",))
    assert program.cone(["top"]) == {"base", "l", "r", "top"}
    assert program.cone(["l", "r"]) == {"base", "l", "r"}
    assert program.readers(["base"]) == {"base", "l", "r", "top"}
    assert program.readers(["r"]) == {"r", "top"}
    assert program.readers(["r"], negated=False) == {"r"}
    assert program.recursive() == frozenset()
    edges = program.dependencies().edges["top"]
    assert edges == {"l": Edge(True, False), "r": Edge(False, True)}


def test_each_negation_raises_a_stratum() -> None:
    program = compile_case("p/1 a1/1 a2/1 a3/1", "p(x). p(y). a1(x). a2(X) if p(X) and not a1(X). "
                           "a3(X) if p(X) and not a2(X).")
    assert program.strata == (("a1", "p"), ("a2",), ("a3",))


def test_an_exception_puts_its_defeat_relation_below_its_rule() -> None:
    program = compile_case("p/1 q/1 u/1", "p(a). p(b). q(b). r: u(X) if p(X). exception e to r: if q(X).")
    defeat = defeat_relation("r")
    assert program.strata == ((defeat, "p", "q"), ("u",))
    assert program.components() == (("q",), (defeat,), ("p",), ("u",))  # the walk starts at the defeat
    assert program.cone(["u"]) == {defeat, "p", "q", "u"}
    assert program.readers(["q"], negated=False) == {defeat, "q"}  # u reads the defeat only negated


def test_read_from_is_each_rule_and_the_rules_after_it() -> None:
    program = compile_case("p/1 q/1 s/1 u/1", "p(a). s(b). q(X) if s(X). u(X) if p(X). u(X) if q(X).")
    assert program.read_from("u") == (frozenset({"p", "q", "s"}), frozenset({"q", "s"}))


def test_static_relations_read_no_input() -> None:
    text = HEADER + '''
input kind(Case, Kind) from decision.kind means "the decision in {Case} is {Kind}".
predicate refusal(Case) means "{Case} is a refusal".
predicate e(X) means "{X} is e".
predicate f(X) means "{X} is f".
fact e(a) cites "P".
rule refusal_rule cites "P":
    refusal(C) if kind(C, refuse_assessment) and f(C).
rule f_rule cites "P":
    f(X) if e(X).
'''
    program = compile_program((parse_text(text, "static.rules"),))
    assert program.static() == {"e", "f"}
    assert program.readers(["kind"]) == {"kind", "refusal"}
    assert program.strata == (("e", "f", "refusal"),)  # inputs are below every stratum
    assert program.components() == (("e",), ("f",), ("kind",), ("refusal",))


# ----------------------------------------------------------------------------- the checker's view


def test_a_cycle_through_negation_is_reported_at_each_negated_atom() -> None:
    text = program_text("b/1 p/1 q/1", "b(a). p(X) if b(X) and not q(X). q(X) if b(X) and not p(X).")
    modules = (parse_text(text, "neg.rules"),)
    found = sorted((a, b, component) for a, b, _edge, component in analysis.of_modules(modules).unstratified())
    assert found == [("p", "q", ("p", "q")), ("q", "p", ("p", "q"))]
    errors = [d for d in check(modules) if d.code == "not-stratifiable"]
    assert [d.message.split(" within")[0] for d in errors] == ["'p' depends negatively on 'q'",
                                                              "'q' depends negatively on 'p'"]
    assert all("(p -> q)" in d.message for d in errors)


def test_an_exception_is_a_negative_dependency_of_its_rules_head() -> None:
    """The exception reads b and p; its rule concludes p: p depends on itself negatively, and on b
    positively (the rule) and negatively (the exception), its span the exception's atom."""
    text = program_text("b/1 p/1", "b(a). r: p(X) if b(X). exception e to r: if b(X) and p(X).")
    modules = (parse_text(text, "exc.rules"),)
    graph = analysis.of_modules(modules)
    edge = graph.edges["p"]["b"]
    assert (edge.positive, edge.negative) == (True, True)
    assert edge.span is not None and edge.span.line == text.splitlines().index(
        next(line for line in text.splitlines() if line.startswith("exception"))) + 1
    assert [(a, b, c) for a, b, _e, c in graph.unstratified()] == [("p", "p", ("p",))]
    assert graph.recursive() == {"p"}


def test_the_checker_view_keeps_undeclared_predicates() -> None:
    modules = (parse_text(program_text("p/1", "p(X) if q(X) and not p(X)."), "undeclared.rules"),)
    graph = analysis.of_modules(modules)
    assert graph.nodes == {"p", "q"}
    assert graph.components() == (("q",), ("p",))


# ----------------------------------------------------------------------------- random graphs


NAMES = tuple(f"n{i}" for i in range(7))


@st.composite
def graphs(draw: st.DrawFn) -> analysis.Graph:
    nodes = draw(st.sets(st.sampled_from(NAMES), min_size=1))
    edges: dict[str, dict[str, Edge]] = {}
    for head in sorted(nodes):
        for body in draw(st.lists(st.sampled_from(sorted(nodes)), max_size=4, unique=True)):
            negative = draw(st.booleans())
            edges.setdefault(head, {})[body] = Edge(not negative or draw(st.booleans()), negative)
    return analysis.Graph(frozenset(nodes), edges)


def as_nx(graph: analysis.Graph) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(graph.nodes)
    for head, reads in graph.edges.items():
        for body, edge in reads.items():
            g.add_edge(head, body, negative=edge.negative, positive=edge.positive)
    return g


def nx_strata(graph: analysis.Graph) -> tuple[tuple[str, ...], ...]:
    """The compiler's strata as it computed them before kb/analysis.py, over networkx's condensation."""
    g = as_nx(graph)
    condensed = nx.condensation(g)
    level: dict[int, int] = {}
    for node in reversed(list(nx.topological_sort(condensed))):
        members = condensed.nodes[node]["members"]
        best = 0
        for _, succ in condensed.out_edges(node):
            negative = any(g.edges[a, b]["negative"] for a in members for b in condensed.nodes[succ]["members"]
                           if g.has_edge(a, b))
            best = max(best, level[succ] + (1 if negative else 0))
        level[node] = best
    by_level: dict[int, list[str]] = {}
    for node, lvl in level.items():
        by_level.setdefault(lvl, []).extend(sorted(condensed.nodes[node]["members"]))
    return tuple(tuple(sorted(by_level[k])) for k in sorted(by_level))


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_components_are_networkx_components_each_after_what_it_reads(graph: analysis.Graph) -> None:
    g = as_nx(graph)
    found = graph.components()
    assert {frozenset(c) for c in found} == {frozenset(c) for c in nx.strongly_connected_components(g)}
    assert all(list(c) == sorted(c) for c in found)
    place = {name: k for k, component in enumerate(found) for name in component}
    for head, body in g.edges:
        assert place[body] <= place[head], (head, body, found)
    assert graph.recursive() == {n for c in nx.strongly_connected_components(g) for n in c
                                 if len(c) > 1 or g.has_edge(n, n)}
    assert set(graph.unstratified()) == {
        (a, b, graph.edges[a][b], found[place[a]]) for a, b in g.edges if place[a] == place[b] and g.edges[a, b]["negative"]}


@settings(max_examples=300, deadline=None)
@given(graphs(), st.data())
def test_cones_readers_and_strata_agree_with_networkx(graph: analysis.Graph, data: st.DataObject) -> None:
    g = as_nx(graph)
    roots = data.draw(st.sets(st.sampled_from(sorted(graph.nodes))))
    below = set(roots).union(*(nx.descendants(g, r) for r in roots))
    assert graph.cone(roots) == below
    assert {n for c in graph.components(roots) for n in c} == below
    place = {name: k for k, component in enumerate(graph.components(roots)) for name in component}
    assert all(place[body] <= place[head] for head, body in g.edges if head in below)
    assert graph.readers(roots) == set(roots).union(*(nx.ancestors(g, r) for r in roots))
    positive = nx.DiGraph([(a, b) for a, b, p in g.edges(data="positive") if p])
    positive.add_nodes_from(g)
    assert graph.readers(roots, negated=False) == set(roots).union(*(nx.ancestors(positive, r) for r in roots))
    assert graph.static(roots) == graph.nodes - graph.readers(roots)
    assert graph.strata(graph.nodes) == nx_strata(graph)


@pytest.mark.parametrize("decl, src", [
    ("a/1 b/1 c/1", "c(x). a(X) if b(X). b(X) if c(X)."),
    ("p/1 q/1 u/1", "p(a). q(b). r: u(X) if p(X). exception e to r: if q(X)."),
])
def test_program_methods_are_the_graphs(decl: str, src: str) -> None:
    program = compile_case(decl, src)
    graph = program.dependencies()
    assert graph is program.dependencies()  # built once
    assert graph.nodes == set(program.relations)
    assert program.components() == graph.components()
    assert program.recursive() is graph.recursive()
    assert isinstance(program, ir.Program)
