"""Exports of one answer: Markdown, DOT (built with networkx, written by pydot) and SVG."""

from __future__ import annotations

import re
import shutil
from typing import Any

import pydot
import pytest

import redress
from redress.reports import export
from redress.api import Answer
from redress.errors import CalculationError
from redress.reports.export import answer_dot, answer_markdown, answer_svg
from redress.proof.nodes import ProofNode, Status

# pydot's DOT parser calls pyparsing names that pyparsing 3.3 deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pydot.dot_parser")

CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "appealable": ("appealable", {"id": "case-a", "decision": {"kind": "refuse_assessment"}}),
    "not_appealable": ("appealable", {"decision": {"kind": "issue_plan"}, "appeal": {"grounds": ["decision"]}}),
    "deadline": ("appeal_deadline", {"as_of": "2025-02-01", "person": {"age": 9},
                                     "decision": {"kind": "refuse_assessment", "sent": "2025-01-10"},
                                     "mediation": {"certificate_issued": "2025-03-01"}}),
    "appellant_unknown": ("appellant", {"decision": {"kind": "refuse_assessment"}}),
    "arranged_by": ("mediation_arranged_by", {"decision": {"kind": "refuse_assessment"},
                                              "appeal": {"grounds": ["decision"]},
                                              "mediation": {"issues": ["education"]}}),
    "local_contacts": ("local_contacts", {"authority": "barking-and-dagenham", "decision": {"kind": "refuse_amend"},
                                          "appeal": {"grounds": ["decision"]}, "mediation": {"issues": ["education"]}}),
}


@pytest.fixture(scope="module")
def kb() -> redress.KnowledgeBase:
    return redress.load()


@pytest.fixture(scope="module")
def answers(kb: redress.KnowledgeBase) -> dict[str, Answer]:
    return {key: kb.ask(question, case) for key, (question, case) in CASES.items()}


def rule_labels(answer: Answer) -> set[str]:
    return {n.rule for n in answer.explanation.walk() if n.rule}


def unquote(value: str) -> str:
    """A DOT quoted attribute value back to its text (\\n as a newline)."""
    assert value.startswith('"') and value.endswith('"'), value
    out, i, body = [], 0, value[1:-1]
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append("\n" if nxt == "n" else nxt)
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def parsed_nodes(dot: str) -> dict[str, pydot.Node]:
    graphs = pydot.graph_from_dot_data(dot)
    assert graphs is not None and len(graphs) == 1
    return {n.get_name(): n for n in graphs[0].get_nodes() if n.get_name() not in ("node", "edge", "graph")}


def synthetic_answer() -> Answer:
    """An answer whose texts hold Markdown and DOT specials: quotes, backslashes, *, [, <, |."""
    leaf = ProofNode('the "quoted" value \\ is *starred* [linked] <b>|pipe|', Status.TRUE, "input")
    step = ProofNode("D = add_months(2025-01-10, 2) = 2025-03-10", Status.TRUE, "builtin",
                     steps=(("2 calendar months after 2025-01-10 is 2025-03-10", "Dodds v Walker [1981]"),))
    gap = ProofNode("unknown whether _x_ holds", Status.UNKNOWN, "missing", field="person.age")
    no = ProofNode("rule 'other_rule' does not apply", Status.FALSE, "failed_rule", rule="other_rule",
                   cites=("CoP 11.8",))
    root = ProofNode("it holds", Status.TRUE, "rule", rule="odd_rule", cites=("CoP 11.13", 'X "s.1"'),
                     because=(leaf, step, gap, no, leaf))
    return Answer("mediation_available", "c-1", "determined", True, ("CoP 11.13", 'X "s.1"', "CoP 11.8"), root, (),
                  "sha256:0", ("CoP 11.13: a caveat with *stars*",))


# ------------------------------------------------------------------------------------------ Markdown

@pytest.mark.parametrize("key", list(CASES))
def test_markdown_has_every_citation_and_rule_label(answers: dict[str, Answer], key: str) -> None:
    answer = answers[key]
    md = answer_markdown(answer)
    assert md.startswith(f"# {answer.question}: ")
    assert "## Citations" in md
    for cid in answer.citations:
        assert f"- {cid}" in md
    labels = rule_labels(answer)
    assert labels or key == "not_appealable"
    for label in labels:
        assert f"rule `{label}`" in md
    if answer.caveats:
        assert "## Caveats" in md


def test_markdown_proof_is_a_nested_list_with_marks(answers: dict[str, Answer]) -> None:
    answer = answers["appellant_unknown"]
    md = answer_markdown(answer)
    assert md.splitlines()[0] == "# appellant: undetermined"
    assert "## What is missing" in md
    assert "**Missing:** `person.age`, `person.over_compulsory_school_age`" in md
    proof = md.split("## What is missing\n\n", 1)[1].split("\n\n## ", 1)[0].splitlines()
    nodes = list(answer.explanation.walk())
    assert len(proof) == len(nodes)  # one bullet per node position, in depth-first order

    def depths(node: ProofNode, d: int = 0) -> list[int]:
        return [d] + [x for c in node.because for x in depths(c, d + 1)]

    for line, node, depth in zip(proof, nodes, depths(answer.explanation)):
        assert line.startswith("  " * depth + "- " + {"true": "✓", "false": "✗", "unknown": "?"}[node.status.value])


def test_markdown_shows_date_steps_and_in_force(answers: dict[str, Answer]) -> None:
    md = answer_markdown(answers["deadline"])
    assert "# appeal_deadline: 2025-04-01" in md
    assert "## Why\n" in md
    assert "_step:_ 2 calendar months after 2025-01-10 is 2025-03-10 (Dodds v Walker \\[1981\\])" in md
    assert "- HESC Rules r.20(1)(c) (in force from 2014-09-01)" in md
    assert "**As of:** 2025-02-01" in md


def test_markdown_why_not_heading(answers: dict[str, Answer]) -> None:
    md = answer_markdown(answers["not_appealable"])
    assert md.startswith("# appealable: no\n")
    assert "## Why not" in md


def test_markdown_escapes_text_but_keeps_words_readable() -> None:
    md = answer_markdown(synthetic_answer())
    assert 'the "quoted" value \\\\ is \\*starred\\* \\[linked\\] \\<b\\>\\|pipe\\|' in md
    assert "unknown whether \\_x\\_ holds" in md
    assert "rule 'other_rule' does not apply" in md  # an underscore inside a word is left alone
    assert "- CoP 11.13: a caveat with \\*stars\\*" in md


# ------------------------------------------------------------------------------------------ DOT

@pytest.mark.parametrize("key", list(CASES))
def test_dot_parses_with_one_node_per_proof_node(answers: dict[str, Answer], key: str) -> None:
    answer = answers[key]
    dot = answer_dot(answer)
    nodes = parsed_nodes(dot)
    distinct = {id(n): n for n in answer.explanation.walk()}
    assert len(nodes) == len(distinct)
    assert all(re.fullmatch(r"n\d+", name) for name in nodes)
    edges = {(id(p), id(c)) for p in distinct.values() for c in p.because}
    graph = pydot.graph_from_dot_data(dot)[0]  # type: ignore[index]
    assert len(graph.get_edges()) == len(edges)
    root = nodes["n0"]  # the root comes first; edges go from conclusion to premise
    assert answer.explanation.conclusion in unquote(root.get("tooltip"))
    assert {e.get_source() for e in graph.get_edges()} <= set(nodes)


@pytest.mark.parametrize("key", ["appealable", "deadline", "appellant_unknown", "local_contacts"])
def test_dot_rule_nodes_carry_rule_label_and_paragraph_ids(answers: dict[str, Answer], key: str) -> None:
    answer = answers[key]
    labels = [unquote(n.get("label")).split("\n") for n in parsed_nodes(answer_dot(answer)).values()]
    rule_nodes = [n for n in {id(n): n for n in answer.explanation.walk()}.values() if n.rule]
    assert rule_nodes
    for node in rule_nodes:
        matching = [lines for lines in labels if f"rule {node.rule}" in lines
                    and all(cid in lines for cid in node.cites)]
        assert matching, f"no DOT node labelled with rule {node.rule} and {node.cites}"


def test_dot_colours_by_status_and_escapes_specials() -> None:
    answer = synthetic_answer()
    nodes = parsed_nodes(answer_dot(answer))
    assert len(nodes) == 5  # the leaf shared twice is one node
    by_text = {unquote(n.get("tooltip")): n for n in nodes.values()}
    leaf = by_text['the "quoted" value \\ is *starred* [linked] <b>|pipe|']
    assert unquote(leaf.get("fillcolor")) == export._FILL[Status.TRUE]
    assert unquote(by_text["unknown whether _x_ holds"].get("fillcolor")) == export._FILL[Status.UNKNOWN]
    failed = by_text["rule 'other_rule' does not apply"]
    assert unquote(failed.get("fillcolor")) == export._FILL[Status.FALSE]
    assert "CoP 11.8" in unquote(failed.get("label")).split("\n")
    root_lines = unquote(by_text["it holds"].get("label")).split("\n")
    assert "rule odd_rule" in root_lines and 'X "s.1"' in root_lines
    step_lines = unquote(by_text["D = add_months(2025-01-10, 2) = 2025-03-10"].get("label")).split("\n")
    assert "(Dodds v Walker [1981])" in step_lines


# ------------------------------------------------------------------------------------------ SVG

@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed, so no SVG can be drawn")
@pytest.mark.parametrize("key", ["appealable", "deadline"])
def test_svg_is_drawn_with_rule_labels(answers: dict[str, Answer], key: str) -> None:
    answer = answers[key]
    svg = answer_svg(answer)
    assert svg.lstrip().startswith(("<?xml", "<svg"))
    assert "<svg" in svg and svg.rstrip().endswith("</svg>")
    for label in rule_labels(answer):
        assert label in svg


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed, so no SVG can be drawn")
def test_svg_escapes_specials() -> None:
    svg = answer_svg(synthetic_answer())
    assert "&lt;b&gt;" in svg and "odd_rule" in svg


def test_svg_without_graphviz_is_a_clear_error(answers: dict[str, Answer], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export.shutil, "which", lambda name: None)
    with pytest.raises(CalculationError, match="Graphviz 'dot' is needed for SVG: install the graphviz package"):
        answer_svg(answers["appealable"])
