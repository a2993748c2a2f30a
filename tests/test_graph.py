"""The citation graph, coverage and impact audits (redress.reports.graph)."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pydot
import pytest

import redress
from redress.reports import graph as rgraph
from redress.api import default_rules_path
from redress.errors import DataError, QueryError
from redress.reports.graph import (DEFAULT_REFERENCE, REFERENCE_FALLBACK, CoverageReport, citation_graph, coverage, coverage_json,
                           coverage_text, expand_reference, graph_dot, graph_from_json, graph_json, impact,
                           impact_json, impact_text, parse_reference, reference_paragraphs)
from redress.kb import ir
from redress.parser import ast
from redress.parser.parse import parse_file

# pydot's DOT parser calls pyparsing names that pyparsing 3.3 deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pydot.dot_parser")

SCENARIOS = default_rules_path().parent / "scenarios"
REFERENCE = DEFAULT_REFERENCE
# What the reference's §1 names: its five section ranges (the individually named paragraphs and
# ≈ ranges all fall inside them).
NAMED_RANGES = [(1, 5), (6, 12), (13, 38), (39, 55), (67, 111)]
NAMED = [f"11.{n}" for a, b in NAMED_RANGES for n in range(a, b + 1)]


@pytest.fixture(scope="module")
def kb() -> redress.KnowledgeBase:
    return redress.load()


@pytest.fixture(scope="module")
def g(kb: redress.KnowledgeBase) -> nx.DiGraph:
    return citation_graph(kb, SCENARIOS)


@pytest.fixture(scope="module")
def report(kb: redress.KnowledgeBase, g: nx.DiGraph) -> CoverageReport:
    return coverage(kb, SCENARIOS, graph=g)


@functools.cache
def bundled_scenarios() -> list[tuple[str, ast.Scenario]]:
    return [(p.name, item) for p in sorted(SCENARIOS.glob("*.rules")) for item in parse_file(p).items
            if isinstance(item, ast.Scenario)]


def write_scenarios(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "only.rules").write_text(text, encoding="utf-8")
    return folder


# ------------------------------------------------------------------------------------------ the graph

def test_graph_has_all_five_node_types_with_typed_ids(kb: redress.KnowledgeBase, g: nx.DiGraph) -> None:
    by_type: dict[str, set[str]] = {}
    for node, kind in g.nodes(data="type"):
        assert node.startswith(f"{kind}:"), node
        by_type.setdefault(kind, set()).add(node)
    assert set(by_type) == {"provision", "rule", "relation", "question", "scenario"}
    assert {f"provision:{p}" for p in kb.provisions} <= by_type["provision"]
    assert {f"relation:{r}" for r in kb.program.relations} == by_type["relation"]
    assert {f"question:{q}" for q in kb.questions} == by_type["question"]
    assert {f"rule:{r.label}" for r in kb.program.rules} == by_type["rule"]
    assert "scenario:mediation.rules::Mediation is available after a refusal to assess" in by_type["scenario"]


def test_edges_of_a_known_rule(g: nx.DiGraph) -> None:
    rule = "rule:decision_itself_appealable"
    assert g.nodes[rule]["kind"] == "rule" and g.nodes[rule]["heads"] == ["appealable"]
    assert g.edges[rule, "provision:CoP 11.45"]["kind"] == "cites"
    assert g.edges[rule, "provision:CFA 2014 s.51(1)"]["kind"] == "cites"
    assert g.edges["relation:appealable", rule]["kind"] == "derived_by"  # rule concludes appealable
    uses = {v for _, v, k in g.out_edges(rule, data="kind") if k == "uses"}
    assert uses == {"relation:decision_kind", "relation:appealable_decision_kind", "relation:sen_appeal"}
    assert not g.has_edge(rule, "relation:appealable")
    assert g.edges["question:appealable", "relation:appealable"]["kind"] == "asks"
    assert g.edges["question:routes", "relation:route_open"]["kind"] == "asks"


def test_exceptions_negation_and_facts(kb: redress.KnowledgeBase, g: nx.DiGraph) -> None:
    assert g.edges["rule:advice_before_appeal", "relation:defeated__advice_before_appeal"] == \
        {"kind": "uses", "negated": True}
    exc = g.nodes["rule:placement_only_exemption"]
    assert exc["kind"] == "exception" and exc["exception_of"] == "advice_before_appeal"
    assert g.has_edge("relation:defeated__advice_before_appeal", "rule:placement_only_exemption")
    assert g.nodes["relation:defeated__advice_before_appeal"]["kind"] == "defeat"
    facts = [n for n, a in g.nodes(data=True) if a["type"] == "rule" and a["kind"] == "fact"]
    assert facts and all(g.out_degree(n) >= 1 for n in facts)
    fact = next(r for r in kb.program.rules if r.kind == "fact" and "CFA 2014 s.51(2)(a)" in r.cites)
    assert g.nodes[f"rule:{fact.label}"]["kind"] == "fact"
    assert g.edges[f"rule:{fact.label}", "provision:CFA 2014 s.51(2)(a)"]["kind"] == "cites"
    assert g.has_edge(f"relation:{fact.head.relation}", f"rule:{fact.label}")


def test_scenario_edges(g: nx.DiGraph) -> None:
    sc = "scenario:mediation.rules::Mediation is available after a refusal to assess"
    attrs = g.nodes[sc]
    assert attrs["file"] == "mediation.rules" and attrs["questions"] == ["mediation_available"]
    assert g.edges[sc, "question:mediation_available"]["kind"] == "expects"
    assert g.edges[sc, "provision:CoP 11.13"]["kind"] == "cites"
    assert g.edges[sc, "provision:CFA 2014 s.52"]["kind"] == "cites"


def test_scenarios_are_the_folder_files_not_drafts(g: nx.DiGraph) -> None:
    expected = bundled_scenarios()
    nodes = [a for _, a in g.nodes(data=True) if a["type"] == "scenario"]
    assert len(nodes) == len(expected)
    assert {a["file"] for a in nodes} == {p.name for p in SCENARIOS.glob("*.rules")}


def _derived_cone(kb: redress.KnowledgeBase, question: str) -> set[str]:
    return {r for r in kb.program.cone([kb.questions[question].relation]) if kb.program.relations[r].kind != "input"}


def test_question_cone_is_the_programs_cone(kb: redress.KnowledgeBase, g: nx.DiGraph) -> None:
    for name in kb.questions:
        down = nx.descendants(g, f"question:{name}")
        derived = {g.nodes[n]["name"] for n in down
                   if g.nodes[n]["type"] == "relation" and g.nodes[n]["kind"] != "input"}
        assert derived == _derived_cone(kb, name), name
        assert not any(g.nodes[n]["type"] in ("question", "scenario") for n in down)


def test_default_scenarios_dir_is_beside_the_rules(kb: redress.KnowledgeBase, g: nx.DiGraph) -> None:
    assert rgraph.default_scenarios_dir(kb).resolve() == SCENARIOS.resolve()
    assert set(citation_graph(kb).nodes) == set(g.nodes)


def test_missing_scenarios_dir_is_a_data_error(kb: redress.KnowledgeBase, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="scenarios folder not found"):
        citation_graph(kb, tmp_path / "nowhere")


def test_graph_json_round_trips(g: nx.DiGraph) -> None:
    data = json.loads(json.dumps(graph_json(g)))
    assert set(data) == {"directed", "multigraph", "graph", "nodes", "edges"}
    for back in (graph_from_json(data), nx.node_link_graph(data, edges="edges")):
        assert isinstance(back, nx.DiGraph)
        assert dict(back.nodes(data=True)) == dict(g.nodes(data=True))
        assert sorted(back.edges(data=True)) == sorted(g.edges(data=True))
        assert back.graph == g.graph


def test_graph_dot_parses(g: nx.DiGraph) -> None:
    dot = graph_dot(g, types=["provision", "rule", "relation", "question"])  # pydot's parser is slow
    parsed = pydot.graph_from_dot_data(dot)
    assert parsed is not None
    names = [n.get_name() for n in parsed[0].get_nodes() if n.get_name() not in ("node", "edge", "graph")]
    assert len(names) == sum(1 for _, t in g.nodes(data="type") if t != "scenario")
    labels = {n.get("tooltip"): n.get("label") for n in parsed[0].get_nodes()}
    assert labels['"provision:CoP 11.45"'].startswith('"CoP 11.45\\nAppeals to the Tribunal')
    assert labels['"rule:decision_itself_appealable"'] == '"decision_itself_appealable"'
    assert labels['"rule:placement_only_exemption"'] == '"placement_only_exemption\\nexception to advice_before_appeal"'
    with pytest.raises(QueryError, match="unknown node type"):
        graph_dot(g, types=["provisions"])


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_whole_graph_dot_is_accepted_by_graphviz(g: nx.DiGraph) -> None:
    done = subprocess.run(["dot", "-Tcanon"], input=graph_dot(g).encode(), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()


# ------------------------------------------------------------------------------------------ reference

def test_reference_names_the_expected_paragraphs() -> None:
    paragraphs, source = reference_paragraphs()
    assert [p.paragraph for p in paragraphs] == NAMED
    if REFERENCE.is_file():
        assert source == str(REFERENCE)


@pytest.mark.skipif(not REFERENCE.is_file(), reason="the project reference is not on this machine")
def test_fallback_list_matches_the_reference() -> None:
    entries = parse_reference(REFERENCE.read_text(encoding="utf-8"))
    assert entries == REFERENCE_FALLBACK
    assert expand_reference(entries) == expand_reference(REFERENCE_FALLBACK)


def test_fallback_is_used_when_the_reference_is_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rgraph, "DEFAULT_REFERENCE", tmp_path / "absent.md")
    paragraphs, source = reference_paragraphs()
    assert [p.paragraph for p in paragraphs] == NAMED
    assert source.startswith("built-in list")
    by = {p.paragraph: p for p in paragraphs}
    assert by["11.13"].named == ("11.13 / CFA s.52 — When mediation is available",)
    assert by["11.13"].section == "1C. Mediation" and not by["11.13"].approximate
    assert by["11.22"].approximate and by["11.22"].named[0].startswith("≈11.21–11.25")
    assert by["11.50"].named == () and by["11.50"].section == "1D. Appeals"
    with pytest.raises(DataError, match="reference file not found"):
        reference_paragraphs(tmp_path / "absent.md")


def test_a_reference_naming_nothing_is_a_data_error(tmp_path: Path) -> None:
    (tmp_path / "ref.md").write_text("# Something else\n\n## 1. Provisions\n\nno numbers here\n", encoding="utf-8")
    with pytest.raises(DataError, match="no chapter-11 paragraphs"):
        reference_paragraphs(tmp_path / "ref.md")


def test_reference_parsing_reads_only_section_one_headings_and_bold() -> None:
    text = ("## 0. Keys\n**11.99 — not here**\n## 1. Provisions\n### 1A. Things (Code 11.1–11.3)\n"
            "**≈11.7–11.8 — Approx** (cites 11.40 outside bold)\nplain 11.50 and **11.60**\n"
            "## 2. Later\n### 11.70\n")
    entries = parse_reference(text)
    assert [(e.first, e.last, e.approximate) for e in entries] == [(1, 3, False), (7, 8, True), (60, 60, False)]
    assert [p.paragraph for p in expand_reference(entries)] == ["11.1", "11.2", "11.3", "11.7", "11.8", "11.60"]


# ------------------------------------------------------------------------------------------ coverage

def test_coverage_lists_every_provision_with_consistent_totals(kb: redress.KnowledgeBase,
                                                               report: CoverageReport) -> None:
    assert [p.id for p in report.provisions] == list(kb.provisions)
    t = report.totals["provisions"]
    assert t["total"] == len(kb.provisions)
    assert t["encoded"] == sum(p.encoded for p in report.provisions)
    assert t["exercised"] == sum(p.exercised for p in report.provisions)
    assert t["not_encoded"] == t["total"] - t["encoded"]
    cited = {c for r in kb.program.rules for c in r.cites}
    for p in report.provisions:
        assert p.encoded == (p.id in cited)
        assert set(p.rules) == {r.label for r in kb.program.rules if p.id in r.cites}
    assert report.scenario_count == len(bundled_scenarios())


def test_coverage_of_chapter_11_paragraphs(kb: redress.KnowledgeBase, report: CoverageReport) -> None:
    assert [p.paragraph for p in report.paragraphs] == NAMED
    by = {p.paragraph: p for p in report.paragraphs}
    assert by["11.13"].provisions == ("CoP 11.13",) and by["11.13"].encoded and by["11.13"].exercised
    assert by["11.2"].provisions == () and not by["11.2"].encoded and not by["11.2"].exercised
    assert by["11.67"].encoded and not by["11.68"].encoded  # exact paragraph match, no range expansion
    t = report.totals["paragraphs"]
    assert t["total"] == 100
    encoded = {p.paragraph for p in report.paragraphs if p.encoded}
    assert t["encoded"] == len(encoded)
    assert {"11.1", "11.6", "11.7", "11.8", "11.13", "11.21", "11.31", "11.45", "11.67"} <= encoded
    cited = {c for r in kb.program.rules for c in r.cites}
    assert encoded == {f"11.{n}" for n in range(1, 112) if f"CoP 11.{n}" in cited} & set(NAMED)
    assert t["exercised"] == sum(p.exercised for p in report.paragraphs)
    assert t["declared"] == sum(bool(p.provisions) for p in report.paragraphs)
    assert report.unlisted == ()


def test_coverage_by_hand_with_one_scenario(kb: redress.KnowledgeBase, tmp_path: Path) -> None:
    folder = write_scenarios(tmp_path / "sc", '''
scenario "who appeals"
    cites "CoP 11.67"
    given person.age = 9
    expect appellant = "parent"
end
''')
    rep = coverage(kb, folder)
    exercised = {p.id for p in rep.provisions if p.exercised}
    # appellant's cone cites s.51(1) and s.83(2); the scenario itself cites CoP 11.67
    cone = {c for r in kb.program.rules if r.head.relation in _derived_cone(kb, "appellant") for c in r.cites}
    assert exercised == cone | {"CoP 11.67"}
    assert {"CFA 2014 s.51(1)", "CFA 2014 s.83(2)"} <= cone and "CoP 11.13" not in cone
    assert next(p for p in rep.provisions if p.id == "CFA 2014 s.83(2)").scenarios == ("only.rules::who appeals",)
    by = {p.paragraph: p for p in rep.paragraphs}
    assert by["11.67"].exercised and by["11.13"].encoded and not by["11.13"].exercised
    assert rep.totals["provisions"]["encoded_not_exercised"] == sum(p.encoded and not p.exercised
                                                                    for p in rep.provisions)


def test_declared_but_uncited_provision_is_not_encoded(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_path().parent, rules, ignore=shutil.ignore_patterns("__pycache__"))
    with open(rules / "routes.rules", "a", encoding="utf-8") as f:
        f.write('\nprovision "CoP 11.2":\n    title "Complaints framing"\nend\n'
                'provision "CoP 11.60":\n    title "Not named by the reference"\nend\n')
    kb2 = redress.load(rules / "main.rules")
    rep = coverage(kb2)  # the scenarios beside the copied rules
    assert Path(rep.scenarios_dir) == rules / "scenarios"
    p = next(p for p in rep.provisions if p.id == "CoP 11.2")
    assert not p.encoded and not p.exercised and p.rules == ()
    para = next(p for p in rep.paragraphs if p.paragraph == "11.2")
    assert para.provisions == ("CoP 11.2",) and para.declared and not para.encoded
    assert rep.unlisted == ("CoP 11.60",)
    assert {"CoP 11.2", "CoP 11.60"} <= {p.id for p in rep.provisions if not p.encoded}
    assert "KB chapter-11 provisions the reference does not name: CoP 11.60" in coverage_text(rep)


def test_every_chapter_11_paragraph_is_encoded_or_classified(kb: redress.KnowledgeBase,
                                                              report: CoverageReport) -> None:
    unexplained = [p.paragraph for p in report.paragraphs if p.status == "unexplained"]
    assert not unexplained, f"chapter-11 paragraphs neither encoded nor classified: {unexplained}"
    t = report.totals["paragraphs"]
    assert t["unexplained"] == 0
    assert t["encoded"] + sum(t[c.replace(" ", "_")] for c in ast.PARAGRAPH_CLASSES) == t["total"] == 100
    for p in report.paragraphs:
        if not p.encoded:
            assert p.reason and "chapter11.rules:" in p.where
            cited = {c for r in kb.program.rules for c in r.cites}
            assert set(p.by) <= cited  # "encoded by" names provisions the rules do cite
    by = {p.paragraph: p for p in report.paragraphs}
    assert by["11.3"].status == "descriptive" and by["11.89"].status == "encoded"
    assert by["11.46"].status == "encoded by" and "HESC Rules r.20(1)(c)" in by["11.46"].by
    assert not [w for w in kb.warnings if w.code in ("unaccounted-paragraph", "classified-encoded", "not-encoded")]


def test_an_unclassified_paragraph_is_unexplained_and_warned(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_path().parent, rules, ignore=shutil.ignore_patterns("__pycache__"))
    text = (rules / "chapter11.rules").read_text(encoding="utf-8")
    cut = text.replace('paragraph "CoP 11.3" is descriptive\n', '# removed\n', 1)
    cut = cut.split("# removed\n", 1)
    (rules / "chapter11.rules").write_text(cut[0] + cut[1].split("\n", 1)[1], encoding="utf-8")
    kb2 = redress.load(rules / "main.rules", use_cache=False)
    [warning] = [w for w in kb2.warnings if w.code == "unaccounted-paragraph"]
    assert "CoP 11.3 of chapter 'CoP 11' is neither encoded nor classified" in warning.message
    assert warning.span.file.endswith("chapter11.rules") and warning.span.line > 0
    rep = coverage(kb2)
    para = next(p for p in rep.paragraphs if p.paragraph == "11.3")
    assert para.status == "unexplained" and rep.totals["paragraphs"]["unexplained"] == 1
    assert "unexplained (neither encoded nor classified): 11.3" in coverage_text(rep)


def test_coverage_renderers(report: CoverageReport) -> None:
    text = coverage_text(report)
    assert "chapter 11 paragraphs named by the reference: 100" in text
    assert "not encoded: 11.2–11.5, 11.9–11.12, 11.14–11.20" in text
    assert "  11.13   encoded exercised  CoP 11.13" in text
    assert "  11.2    ------- ---------" in text
    assert "unexplained (neither encoded nor classified): none" in text
    assert "          descriptive: an aspiration that most decisions are agreed early" in text
    data = json.loads(json.dumps(coverage_json(report), ensure_ascii=False))
    assert data["totals"] == report.totals
    assert len(data["provisions"]) == len(report.provisions)
    para = next(p for p in data["paragraphs"] if p["paragraph"] == "11.13")
    assert para["encoded"] and para["exercised"] and para["declared"] and para["provisions"] == ["CoP 11.13"]


# ------------------------------------------------------------------------------------------ impact

def test_impact_of_cop_11_13(kb: redress.KnowledgeBase, g: nx.DiGraph) -> None:
    rep = impact(kb, "CoP 11.13", graph=g)
    assert {"mediation_available", "mediation_arranged_by", "routes", "local_contacts"} <= set(rep.questions)
    assert "appellant" not in rep.questions
    assert {"mediation_on_appealable_decision", "mediation_on_plan_contents", "mediation_route"} <= \
        set(rep.citing_rules)
    assert {"health_only_by_commissioner", "otherwise_by_local_authority"} <= set(rep.dependent_rules)
    assert not set(rep.citing_rules) & set(rep.dependent_rules)
    mediation = {s.title for s in rep.scenarios if s.file == "mediation.rules"}
    assert "Mediation is available after a refusal to assess" in mediation
    assert all(s.questions or s.cites for s in rep.scenarios)


def test_impact_scenarios_by_question_or_by_citation(kb: redress.KnowledgeBase, tmp_path: Path) -> None:
    folder = write_scenarios(tmp_path / "sc", '''
scenario "cites it, asks something else"
    cites "CoP 11.13"
    given person.age = 9
    expect appellant = "parent"
end
scenario "asks it, cites nothing"
    given decision.kind = "refuse_assessment"
    expect mediation_available = true
end
scenario "expects its citation"
    given decision.kind = "refuse_assessment"
    expect appealable cites "CoP 11.13"
end
scenario "unrelated"
    given person.age = 9
    expect appellant = "parent"
end
''')
    rep = impact(kb, "CoP 11.13", folder)
    got = {s.title: (s.questions, s.cites) for s in rep.scenarios}
    assert got == {"cites it, asks something else": ((), True),
                   "asks it, cites nothing": (("mediation_available",), False),
                   "expects its citation": ((), True)}


def test_impact_default_scenarios_dir(kb: redress.KnowledgeBase) -> None:
    rep = impact(kb, "CoP 11.13")
    assert {"mediation_available", "mediation_arranged_by", "routes", "local_contacts"} <= set(rep.questions)
    assert any(s.file == "mediation.rules" for s in rep.scenarios)


def test_impact_of_recommendations_reg_2(kb: redress.KnowledgeBase, g: nx.DiGraph) -> None:
    rep = impact(kb, "SI 2017/1306 reg 2", graph=g)
    assert {"recommendations_available", "routes"} <= set(rep.questions)
    assert "appellant" not in rep.questions and "appealable" not in rep.questions
    assert "recommendations_power" in rep.citing_rules
    assert {"recommendations_available", "route_open"} <= set(rep.relations)


def test_impact_agrees_with_a_fixpoint_over_the_ir(kb: redress.KnowledgeBase, g: nx.DiGraph) -> None:
    """An independent oracle: affected relations by fixpoint over rule bodies; questions by the engine's cones."""
    rules = kb.program.rules
    for pid in kb.provisions:
        citing = {r.label for r in rules if pid in r.cites}
        affected = {r.head.relation for r in rules if r.label in citing}
        while True:
            more = {r.head.relation for r in rules
                    if any(isinstance(lit, (ir.Pos, ir.Neg)) and lit.atom.relation in affected for lit in r.body)}
            if more <= affected:
                break
            affected |= more
        dependent = {r.label for r in rules if r.label not in citing
                     and any(isinstance(lit, (ir.Pos, ir.Neg)) and lit.atom.relation in affected for lit in r.body)}
        questions = {q for q in kb.questions if _derived_cone(kb, q) & affected}
        rep = impact(kb, pid, graph=g)
        assert set(rep.citing_rules) == citing, pid
        assert set(rep.dependent_rules) == dependent, pid
        assert set(rep.relations) == affected, pid
        assert set(rep.questions) == questions, pid
        expected = {(f, s.title) for f, s in bundled_scenarios()
                    if pid in s.cites or any(e.question in questions or (e.kind == "cites" and e.value == pid)
                                             for e in s.expectations)}
        assert {(s.file, s.title) for s in rep.scenarios} == expected, pid


def test_unknown_provision_is_a_query_error(kb: redress.KnowledgeBase) -> None:
    with pytest.raises(QueryError, match=r"unknown provision 'cop 11.13'; did you mean 'CoP 11.13'\?") as err:
        impact(kb, "cop 11.13")
    assert err.value.field == "provision"
    with pytest.raises(QueryError, match="did you mean 'SI 2017/1306 reg 2'"):
        impact(kb, "SI 2017/1306 reg 22")
    with pytest.raises(QueryError) as err:
        impact(kb, "zzzz")
    assert "did you mean" not in str(err.value) and err.value.field == "provision"


def test_impact_renderers(kb: redress.KnowledgeBase, g: nx.DiGraph) -> None:
    rep = impact(kb, "CoP 11.13", graph=g)
    text = impact_text(rep)
    assert text.startswith("impact of CoP 11.13 (When mediation is available)")
    assert f"questions whose answers can change ({len(rep.questions)}): " + ", ".join(rep.questions) in text
    assert {"mediation_available", "mediation_arranged_by", "routes", "local_contacts"} <= set(rep.questions)
    assert "mediation.rules:" in text and "Mediation is available after a refusal to assess" in text
    data = json.loads(json.dumps(impact_json(rep), ensure_ascii=False))
    assert data["provision"] == "CoP 11.13" and data["questions"] == list(rep.questions)
    assert len(data["scenarios"]) == len(rep.scenarios)
