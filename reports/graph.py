"""The citation graph of a knowledge base, and the audits built on it: coverage and impact.

Nodes (``type`` attribute, id prefix):

* ``provision:<id>``   a provision (``declared`` is False for one a scenario cites that the KB lacks)
* ``rule:<label>``     a rule, exception or fact. Facts sharing a label (the authority data gives
                       one label per file) are one node; ``count`` says how many IR facts it stands for.
* ``relation:<name>``  a predicate: ``kind`` input | derived | defeat (compiled from exceptions)
* ``question:<name>``  a contract question (``declared`` False if only a scenario names it)
* ``scenario:<file>::<title>``  a scenario test. ``<file>`` is the file's name inside the
                       scenarios folder (or the module path, for a scenario written in a rule file).

Edges all point the same way, **from what depends to what it depends on** ("needs"):

==================  =======================  ==============================================
edge ``kind``       from -> to               meaning
==================  =======================  ==============================================
``cites``           rule -> provision        the rule (or fact) cites the provision
``derived_by``      relation -> rule         the rule concludes the relation (its head)
``uses``            rule -> relation         the relation occurs in the rule's body
                                             (``negated``: only under ``not``/``unless``)
``asks``            question -> relation     the question is answered from the relation
``expects``         scenario -> question     the scenario has an ``expect`` on the question
``cites``           scenario -> provision    the scenario's ``cites`` line (or an
                                             ``expect Q cites`` line: ``expects_citation``)
==================  =======================  ==============================================

A rule's conclusion is therefore the edge ``relation:<head> -> rule:<label>``: read it backwards
as "rule concludes relation". With one direction throughout, reachability is the audit:

* ``nx.descendants(g, "question:Q")`` is Q's dependency cone: its relations, the rules that
  derive them and every provision those rules cite;
* ``nx.ancestors(g, "provision:P")`` is everything P can change: the rules citing it, the
  relations they conclude, the rules that use those, ..., the questions and the scenarios.

``coverage`` and ``impact`` are computed exactly so. The chapter-11 paragraphs the project's
reference names are read from its §1 (headings and bold text: "11.N" and "11.N–11.M", ranges
expanded); if the file is absent a built-in copy of that list is used. A KB provision encodes a
paragraph only on an exact match of its number: "CoP 11.67" encodes 11.67, not the range
11.67–11.111 the reference groups under it ("CoP 11.13(a)" would still encode 11.13). A paragraph
without a provision of its own is accounted for by the knowledge base's classification
(``paragraphs "CoP 11.68" to "CoP 11.88" are encoded by ... because "..."``, kb/ir.ParagraphNote):
encoded by other provisions, descriptive, guidance only or outside the reference. One that is
neither encoded nor classified is *unexplained*.
"""

from __future__ import annotations

import difflib
import json
import re
import textwrap
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import networkx as nx
from networkx.drawing.nx_pydot import to_pydot

from redress.api import KnowledgeBase
from redress.core.errors import DataError, QueryError
from redress.kb import ir
from redress.parser import ast
from redress.parser.ast import PARAGRAPH_CLASSES
from redress.parser.parse import parse_file

__all__ = ["NODE_TYPES", "DEFAULT_REFERENCE", "REFERENCE_FALLBACK", "ReferenceEntry", "ReferenceParagraph",
           "ProvisionCoverage", "ParagraphCoverage", "CoverageReport", "ScenarioRef", "ImpactReport",
           "citation_graph", "graph_json", "graph_from_json", "graph_dot", "default_scenarios_dir",
           "load_scenarios", "reference_paragraphs", "coverage", "coverage_text", "coverage_json", "impact",
           "impact_text", "impact_json", "dumps", "nodes_of", "paragraph_of", "parse_reference",
           "expand_reference"]

NODE_TYPES = ("provision", "rule", "relation", "question", "scenario")

# The reference lives in ../shared beside the repository (the working layout); an installed
# copy without it falls back to the list below.
DEFAULT_REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "domain" / "send-dispute-routes.md"


# ============================================================================================ scenarios

def default_scenarios_dir(kb: KnowledgeBase) -> Path:
    """The ``scenarios`` folder beside the knowledge base's entry file, else the bundled one."""
    if kb.modules:
        entry = Path(kb.modules[0].path)
        if entry.is_file() and (entry.parent / "scenarios").is_dir():
            return entry.parent / "scenarios"
    return Path(str(resources.files("redress.rules").joinpath("scenarios")))


def load_scenarios(kb: KnowledgeBase, scenarios_dir: Path | None = None) -> list[tuple[str, ast.Scenario]]:
    """(file, scenario) for each scenario in the folder's ``*.rules`` files (not ``next/`` drafts),
    then any scenario written in the knowledge base's own modules."""
    folder = Path(scenarios_dir) if scenarios_dir is not None else default_scenarios_dir(kb)
    if not folder.is_dir():
        raise DataError("scenarios folder not found", file=str(folder))
    out: list[tuple[str, ast.Scenario]] = []
    for path in sorted(folder.glob("*.rules")):
        module = parse_file(path)
        out.extend((path.name, item) for item in module.items if isinstance(item, ast.Scenario))
    for module in kb.modules:
        out.extend((module.path, item) for item in module.items if isinstance(item, ast.Scenario))
    return out


# ============================================================================================ the graph

def _rule_id(label: str) -> str:
    return f"rule:{label}"


def _add_provision(g: nx.DiGraph, kb: KnowledgeBase, pid: str) -> str:
    node = f"provision:{pid}"
    if node not in g:
        p = kb.program.provisions.get(pid)
        g.add_node(node, type="provision", provision=pid, declared=p is not None, title=p.title if p else "",
                   source=p.source if p else "",
                   in_force_from=p.in_force_from.isoformat() if p and p.in_force_from else None,
                   in_force_until=p.in_force_until.isoformat() if p and p.in_force_until else None,
                   file=p.span.file if p else None, line=p.span.line if p else None)
    return node


def _add_question(g: nx.DiGraph, kb: KnowledgeBase, name: str) -> str:
    node = f"question:{name}"
    if node not in g:
        q = kb.program.questions.get(name)
        g.add_node(node, type="question", name=name, declared=q is not None, kind=q.kind if q else None,
                   relation=q.relation if q else None, description=q.description if q else "")
        if q is not None:
            g.add_edge(node, f"relation:{q.relation}", kind="asks")
    return node


def citation_graph(kb: KnowledgeBase, scenarios_dir: Path | None = None) -> nx.DiGraph:
    """Provisions, rules, relations, questions and scenario tests, edges pointing at dependencies.

    ``scenarios_dir`` defaults to ``default_scenarios_dir(kb)``. See the module docstring.
    """
    program = kb.program
    g = nx.DiGraph(rules_version=kb.rules_version)
    for pid in program.provisions:
        _add_provision(g, kb, pid)
    for rel in program.relations.values():
        g.add_node(f"relation:{rel.name}", type="relation", name=rel.name, kind=rel.kind, field=rel.field,
                   template=rel.template)
    for rule in program.rules:
        _add_rule(g, kb, rule)
    for name in program.questions:
        _add_question(g, kb, name)
    folder = Path(scenarios_dir) if scenarios_dir is not None else default_scenarios_dir(kb)
    g.graph["scenarios_dir"] = str(folder)
    for file, sc in load_scenarios(kb, folder):
        _add_scenario(g, kb, file, sc)
    return g


def _add_rule(g: nx.DiGraph, kb: KnowledgeBase, rule: ir.Rule) -> None:
    """A rule's node (one per label: a label's several IR rules counted into it), with its edges."""
    node = _rule_id(rule.label)
    if node in g:
        g.nodes[node]["count"] += 1
        heads = g.nodes[node]["heads"]
        if rule.head.relation not in heads:
            heads.append(rule.head.relation)
        g.nodes[node]["cites"].extend(c for c in rule.cites if c not in g.nodes[node]["cites"])
    else:
        g.add_node(node, type="rule", label=rule.label, kind=rule.kind, heads=[rule.head.relation],
                   cites=list(rule.cites), exception_of=rule.exception_of, file=rule.span.file,
                   line=rule.span.line, count=1)
    g.add_edge(f"relation:{rule.head.relation}", node, kind="derived_by")
    for cid in rule.cites:
        g.add_edge(node, _add_provision(g, kb, cid), kind="cites")
    for lit in rule.body:
        if isinstance(lit, (ir.Pos, ir.Neg)):
            target = f"relation:{lit.atom.relation}"
            negated = isinstance(lit, ir.Neg)
            if g.has_edge(node, target):
                g.edges[node, target]["negated"] = g.edges[node, target]["negated"] and negated
            else:
                g.add_edge(node, target, kind="uses", negated=negated)


def _add_scenario(g: nx.DiGraph, kb: KnowledgeBase, file: str, sc: ast.Scenario) -> None:
    node = f"scenario:{file}::{sc.title}"
    if node in g:  # two scenarios with one title in one file: keep both, told apart by line
        node = f"{node} (line {sc.span.line})"
    questions = list(dict.fromkeys(e.question for e in sc.expectations))
    g.add_node(node, type="scenario", file=file, title=sc.title, line=sc.span.line, cites=list(sc.cites),
               questions=questions)
    for q in questions:
        g.add_edge(node, _add_question(g, kb, q), kind="expects")
    for cid in sc.cites:
        g.add_edge(node, _add_provision(g, kb, cid), kind="cites")
    for exp in sc.expectations:
        if exp.kind == "cites" and isinstance(exp.value, str):
            target = _add_provision(g, kb, exp.value)
            if not g.has_edge(node, target):
                g.add_edge(node, target, kind="expects_citation")


def nodes_of(g: nx.DiGraph, kind: str, among: Iterable[str] | None = None) -> list[str]:
    """The nodes of one type, in the graph's insertion order (optionally only those in ``among``)."""
    keep = None if among is None else set(among)
    return [n for n, t in g.nodes(data="type") if t == kind and (keep is None or n in keep)]


def graph_json(g: nx.DiGraph) -> dict[str, Any]:
    """The graph in networkx's node-link form (``nodes`` and ``edges`` keys); JSON-ready.

    Node attributes never use the keys ``id``, ``source`` or ``target``, so nothing collides."""
    return {
        "directed": True,
        "multigraph": False,
        "graph": dict(g.graph),
        "nodes": [{"id": n, **attrs} for n, attrs in g.nodes(data=True)],
        "edges": [{"source": u, "target": v, **attrs} for u, v, attrs in g.edges(data=True)],
    }


def graph_from_json(data: dict[str, Any]) -> nx.DiGraph:
    """The inverse of ``graph_json`` (also readable by ``nx.node_link_graph(data, edges="edges")``)."""
    g = nx.DiGraph(**data.get("graph", {}))
    for node in data["nodes"]:
        attrs = {k: v for k, v in node.items() if k != "id"}
        g.add_node(node["id"], **attrs)
    for edge in data["edges"]:
        attrs = {k: v for k, v in edge.items() if k not in ("source", "target")}
        g.add_edge(edge["source"], edge["target"], **attrs)
    return g


_DOT_STYLE: dict[str, dict[str, str]] = {
    "provision": {"shape": "note", "fillcolor": "#dbe9f6"},
    "rule": {"shape": "box", "fillcolor": "#eeeeee"},
    "relation": {"shape": "ellipse", "fillcolor": "#ffffff"},
    "question": {"shape": "hexagon", "fillcolor": "#fde7c8"},
    "scenario": {"shape": "component", "fillcolor": "#e6f2e0"},
}
_EDGE_STYLE = {"cites": "dashed", "expects_citation": "dotted", "derived_by": "bold", "uses": "solid",
               "asks": "solid", "expects": "solid"}


def _q(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "\\n".join(escaped.split("\n")) + '"'


def _dot_label(attrs: dict[str, Any]) -> str:
    kind = attrs["type"]
    if kind == "provision":
        lines = [attrs["provision"], *textwrap.wrap(attrs["title"], 36)]
        if not attrs["declared"]:
            lines.append("(not declared)")
    elif kind == "rule":
        lines = [attrs["label"]]
        if attrs["kind"] == "fact":
            lines.append("fact" + (f" x{attrs['count']}" if attrs["count"] > 1 else ""))
        elif attrs["exception_of"]:
            lines.append(f"exception to {attrs['exception_of']}")
    elif kind == "relation":
        lines = [attrs["name"]] + ([f"input: {attrs['field']}"] if attrs["field"] else [])
    elif kind == "question":
        lines = [attrs["name"], f"({attrs['kind']})" if attrs["declared"] else "(not a KB question)"]
    else:
        lines = [*textwrap.wrap(attrs["title"], 36), attrs["file"]]
    return "\n".join(lines)


def graph_dot(g: nx.DiGraph, types: Iterable[str] | None = None) -> str:
    """The graph as DOT (ids ``n0``, ``n1``, ... ; the typed id is each node's tooltip).

    ``types`` limits the drawing to some node types, e.g. everything but ``scenario``.
    """
    keep = set(types) if types is not None else set(NODE_TYPES)
    unknown = keep - set(NODE_TYPES)
    if unknown:
        raise QueryError(f"unknown node type(s) {', '.join(sorted(unknown))}; types: {', '.join(NODE_TYPES)}",
                         field="types")
    view = nx.DiGraph(name="citations")
    ids: dict[str, str] = {}
    for n, attrs in g.nodes(data=True):
        if attrs["type"] not in keep:
            continue
        ids[n] = f"n{len(ids)}"
        style = _DOT_STYLE[attrs["type"]]
        view.add_node(ids[n], label=_q(_dot_label(attrs)), tooltip=_q(n), shape=style["shape"],
                      style=_q("filled"), fillcolor=_q(style["fillcolor"]), **{"class": _q(attrs["type"])})
    for u, v, attrs in g.edges(data=True):
        if u in ids and v in ids:
            extra = {"arrowhead": "odot"} if attrs.get("negated") else {}
            view.add_edge(ids[u], ids[v], style=_EDGE_STYLE.get(attrs["kind"], "solid"), tooltip=_q(attrs["kind"]),
                          **{"class": _q(attrs["kind"])}, **extra)
    view.graph["graph"] = {"rankdir": "LR", "fontname": "Helvetica"}
    view.graph["node"] = {"fontname": "Helvetica", "fontsize": "10"}
    return str(to_pydot(view).to_string())


# ============================================================================================ reference

@dataclass(frozen=True)
class ReferenceEntry:
    """One place in the reference's §1 naming chapter-11 paragraphs ``11.first``..``11.last``.
    ``title`` is None for a section heading (which names its whole range)."""

    section: str
    first: int
    last: int
    title: str | None = None
    approximate: bool = False


# What ../shared/domain/send-dispute-routes.md §1 names, for copies installed without it. Kept
# equal to the parse of that file by tests/test_graph.py.
REFERENCE_FALLBACK: tuple[ReferenceEntry, ...] = (
    ReferenceEntry("1A. Principles", 1, 5),
    ReferenceEntry("1A. Principles", 1, 1, "11.1 — Principles"),
    ReferenceEntry("1A. Principles", 2, 2, "11.2 — Complaints framing"),
    ReferenceEntry("1A. Principles", 3, 3, "11.3 — Early agreement"),
    ReferenceEntry("1B. Disagreement resolution", 6, 10),
    ReferenceEntry("1B. Disagreement resolution", 6, 6,
                   "11.6 / CFA s.57 — Duty to provide DR; voluntary; independent"),
    ReferenceEntry("1B. Disagreement resolution", 7, 7, "11.7 — Coverage"),
    ReferenceEntry("1B. Disagreement resolution", 8, 8, "11.8 — Types of disagreement"),
    ReferenceEntry("1B. Disagreement resolution", 9, 10, "≈11.9–11.10 — Effect of DR", True),
    ReferenceEntry("1B. Disagreement resolution", 11, 12, "≈11.11–11.12 — DR is distinct from mediation", True),
    ReferenceEntry("1C. Mediation", 13, 38),
    ReferenceEntry("1C. Mediation", 13, 13, "11.13 / CFA s.52 — When mediation is available"),
    ReferenceEntry("1C. Mediation", 14, 14, "11.14 / reg 32 — LA notice contents"),
    ReferenceEntry("1C. Mediation", 21, 25, "≈11.21–11.25 — Mediation advice", True),
    ReferenceEntry("1C. Mediation", 26, 30,
                   "≈11.26–11.30 / regs 35–39 — Arranging and conducting mediation", True),
    ReferenceEntry("1C. Mediation", 31, 31, "11.31 — Health and social care mediation"),
    ReferenceEntry("1D. Appeals", 39, 55),
    ReferenceEntry("1D. Appeals", 39, 39, "11.39 — Tribunal remit"),
    ReferenceEntry("1D. Appeals", 40, 44, "≈11.40–11.44 / s.51(1) — Who can appeal", True),
    ReferenceEntry("1D. Appeals", 45, 45, "11.45 / s.51(2)–(3) — Appealable decisions"),
    ReferenceEntry("1D. Appeals", 46, 47, "≈11.46–11.47 / HESC r.20(1)(c) — Time limits for appealing", True),
    ReferenceEntry("1E. Complaints routes", 67, 111),
    ReferenceEntry("1E. Complaints routes", 89, 89, "11.89"),
)


@dataclass(frozen=True)
class ReferenceParagraph:
    """A chapter-11 paragraph the reference names: its section, the bold entries naming it (most
    specific first) and whether the most specific of those marks the number approximate (≈)."""

    paragraph: str
    section: str
    named: tuple[str, ...] = ()
    approximate: bool = False


_PARA = re.compile(r"(≈\s*)?(?<![\d.])11\.(\d+)(?:\s*[–-]\s*11\.(\d+))?")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def parse_reference(text: str) -> tuple[ReferenceEntry, ...]:
    """The entries of §1 ("## 1. ..." up to the next "## "): headings and bold spans naming 11.x."""
    entries: list[ReferenceEntry] = []
    inside = False
    section = ""
    for line in text.splitlines():
        if line.startswith("## "):
            inside = bool(re.match(r"## 1\.", line))
            continue
        if not inside:
            continue
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
            section = heading.split(" (", 1)[0]
            for m in _PARA.finditer(heading):
                first = int(m.group(2))
                entries.append(ReferenceEntry(section, first, int(m.group(3) or first)))
            continue
        for bold in _BOLD.finditer(line):
            for m in _PARA.finditer(bold.group(1)):
                first = int(m.group(2))
                entries.append(ReferenceEntry(section, first, int(m.group(3) or first), bold.group(1).strip(),
                                              bool(m.group(1))))
    return tuple(entries)


def expand_reference(entries: Iterable[ReferenceEntry]) -> tuple[ReferenceParagraph, ...]:
    """Every paragraph the entries name, in numeric order."""
    entries = list(entries)
    numbers = sorted({n for e in entries for n in range(e.first, e.last + 1)})
    out = []
    for n in numbers:
        holders = [e for e in entries if e.first <= n <= e.last]
        named = sorted((e for e in holders if e.title is not None), key=lambda e: e.last - e.first)
        section = next((e.section for e in holders if e.title is None), holders[0].section)
        out.append(ReferenceParagraph(f"11.{n}", section, tuple(dict.fromkeys(e.title for e in named if e.title)),
                                      named[0].approximate if named else False))
    return tuple(out)


def reference_paragraphs(reference: Path | None = None) -> tuple[tuple[ReferenceParagraph, ...], str]:
    """The chapter-11 paragraphs the reference names, and where they came from.

    ``reference`` None: ``DEFAULT_REFERENCE`` if present, else the built-in ``REFERENCE_FALLBACK``.
    A reference that is given (or present) but names no chapter-11 paragraph is a ``DataError``.
    """
    path = Path(reference) if reference is not None else DEFAULT_REFERENCE
    if not path.is_file():
        if reference is not None:
            raise DataError("reference file not found", file=str(path))
        return expand_reference(REFERENCE_FALLBACK), "built-in list (reference file not found)"
    entries = parse_reference(path.read_text(encoding="utf-8"))
    if not entries:
        raise DataError("no chapter-11 paragraphs (11.N) named in its section 1", file=str(path))
    return expand_reference(entries), str(path)


_COP = re.compile(r"^(?:CoP|Code)\s+(11\.\d+)(?!\d)")


def paragraph_of(provision_id: str) -> str | None:
    """'CoP 11.13' -> '11.13'; None for a provision that is not a chapter-11 paragraph."""
    m = _COP.match(provision_id)
    return m.group(1) if m else None


def _para_key(paragraph: str) -> tuple[int, ...]:
    return tuple(int(x) for x in paragraph.split("."))


# ============================================================================================ coverage

@dataclass(frozen=True)
class ProvisionCoverage:
    id: str
    title: str
    encoded: bool  # cited by at least one rule or fact
    exercised: bool  # some scenario's answers can depend on it (or the scenario cites it)
    rules: tuple[str, ...]  # labels of the rules and facts citing it
    scenarios: tuple[str, ...]  # "file::title" of each scenario exercising it


@dataclass(frozen=True)
class ParagraphCoverage:
    paragraph: str  # "11.13"
    section: str
    named: tuple[str, ...]
    approximate: bool
    provisions: tuple[str, ...]  # KB provisions whose id is exactly this paragraph
    encoded: bool  # one of those provisions is cited by a rule or fact
    exercised: bool  # one of those provisions is exercised by a scenario
    classification: str | None = None  # without a provision of its own: how the KB accounts for it
    by: tuple[str, ...] = ()  # for "encoded by": the provisions whose rules encode it
    reason: str = ""
    where: str = ""  # file:line of the classification

    @property
    def declared(self) -> bool:
        return bool(self.provisions)

    @property
    def status(self) -> str:
        """'encoded', a classification ('encoded by', 'descriptive', ...), or 'unexplained'."""
        return "encoded" if self.encoded else self.classification or "unexplained"


@dataclass(frozen=True)
class CoverageReport:
    rules_version: str
    scenarios_dir: str
    scenario_count: int
    reference: str  # the reference file read, or the built-in list
    provisions: tuple[ProvisionCoverage, ...]
    paragraphs: tuple[ParagraphCoverage, ...]
    unlisted: tuple[str, ...] = ()  # KB chapter-11 provisions whose paragraph the reference does not name
    totals: dict[str, dict[str, int]] = field(default_factory=dict)


def coverage(kb: KnowledgeBase, scenarios_dir: Path | None = None, reference: Path | None = None,
             graph: nx.DiGraph | None = None) -> CoverageReport:
    """Which provisions are encoded and exercised, and which chapter-11 paragraphs of the reference."""
    g = graph if graph is not None else citation_graph(kb, scenarios_dir)
    scenarios = nodes_of(g, "scenario")
    provisions = _provision_coverage(kb, g, scenarios)
    by_paragraph: dict[str, list[ProvisionCoverage]] = {}
    for pc in provisions:
        para = paragraph_of(pc.id)
        if para:
            by_paragraph.setdefault(para, []).append(pc)
    named, source = reference_paragraphs(reference)
    notes = kb.program.paragraph_notes
    paragraphs = [_paragraph_coverage(rp, by_paragraph.get(rp.paragraph, []), notes.get(f"CoP {rp.paragraph}"))
                  for rp in named]
    listed = {rp.paragraph for rp in named}
    unlisted = tuple(pc.id for para in sorted(by_paragraph, key=_para_key) if para not in listed
                     for pc in by_paragraph[para])
    return CoverageReport(kb.rules_version, g.graph.get("scenarios_dir", ""), len(scenarios), source,
                          tuple(provisions), tuple(paragraphs), unlisted, _coverage_totals(provisions, paragraphs))


def _provision_coverage(kb: KnowledgeBase, g: nx.DiGraph, scenarios: list[str]) -> list[ProvisionCoverage]:
    """Each provision: the rules citing it, and the scenarios whose dependencies reach it."""
    exercised_by: dict[str, list[str]] = {}
    for sc in scenarios:
        for node in nodes_of(g, "provision", nx.descendants(g, sc)):
            exercised_by.setdefault(node, []).append(sc.removeprefix("scenario:"))
    provisions = []
    for pid, p in kb.program.provisions.items():
        node = f"provision:{pid}"
        rules = tuple(g.nodes[r]["label"] for r in g.predecessors(node) if g.nodes[r]["type"] == "rule")
        provisions.append(ProvisionCoverage(pid, p.title, bool(rules), node in exercised_by, rules,
                                            tuple(exercised_by.get(node, ()))))
    return provisions


def _paragraph_coverage(rp: ReferenceParagraph, own: list[ProvisionCoverage],
                        note: ir.ParagraphNote | None) -> ParagraphCoverage:
    """A reference paragraph, with the provisions of its number (``own``) and its classification."""
    return ParagraphCoverage(
        rp.paragraph, rp.section, rp.named, rp.approximate, tuple(pc.id for pc in own),
        any(pc.encoded for pc in own), any(pc.exercised for pc in own),
        note.status if note else None, note.by if note else (), note.reason if note else "",
        f"{note.span.file}:{note.span.line}" if note else "")


def _coverage_totals(provisions: list[ProvisionCoverage],
                     paragraphs: list[ParagraphCoverage]) -> dict[str, dict[str, int]]:
    return {
        "provisions": {"total": len(provisions), "encoded": sum(p.encoded for p in provisions),
                       "exercised": sum(p.exercised for p in provisions),
                       "encoded_not_exercised": sum(p.encoded and not p.exercised for p in provisions),
                       "not_encoded": sum(not p.encoded for p in provisions)},
        "paragraphs": {"total": len(paragraphs), "declared": sum(p.declared for p in paragraphs),
                       "encoded": sum(p.encoded for p in paragraphs),
                       "exercised": sum(p.exercised for p in paragraphs),
                       "not_encoded": sum(not p.encoded for p in paragraphs),
                       **{status.replace(" ", "_"): sum(p.status == status for p in paragraphs)
                          for status in (*PARAGRAPH_CLASSES, "unexplained")}},
    }


def _ranges(paragraphs: Iterable[str]) -> str:
    """'11.2', '11.3', '11.4', '11.9' -> '11.2–11.4, 11.9' (runs of consecutive numbers)."""
    nums = sorted(_para_key(p)[1] for p in paragraphs)
    runs: list[list[int]] = []
    for n in nums:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(f"11.{a}" if a == b else f"11.{a}–11.{b}" for a, b in runs)


def _yes(flag: bool, word: str) -> str:
    return word if flag else "-" * len(word)


def _count(n: int, word: str, width: int = 0) -> str:
    """``1 rule``, ``3 rules``; the number right-aligned in ``width`` and the word padded to its
    plural, so a table's columns stay straight."""
    return f"{n:>{width}} " + (word if n == 1 else word + "s").ljust(len(word) + 1)


def coverage_text(report: CoverageReport) -> str:
    t = report.totals
    lines = [f"coverage of the knowledge base ({report.rules_version})",
             f"scenario tests: {report.scenario_count} (from {report.scenarios_dir})", "",
             f"provisions: {t['provisions']['total']}; encoded {t['provisions']['encoded']}, "
             f"exercised {t['provisions']['exercised']}, encoded but not exercised "
             f"{t['provisions']['encoded_not_exercised']}, not encoded {t['provisions']['not_encoded']}"]
    width = max((len(p.id) for p in report.provisions), default=10)
    for p in report.provisions:
        lines.append(f"  {_yes(p.encoded, 'encoded')} {_yes(p.exercised, 'exercised')}  {p.id:<{width}}  "
                     f"{_count(len(p.rules), 'rule', 3)} {_count(len(p.scenarios), 'scenario', 4)}  {p.title}")
    tp = t["paragraphs"]
    lines += ["", f"chapter 11 paragraphs named by the reference: {tp['total']}; provision declared "
                  f"{tp['declared']}, encoded {tp['encoded']}, exercised {tp['exercised']}",
              "  without a provision of their own: " + ", ".join(
                  f"{status} {tp[status.replace(' ', '_')]}" for status in (*PARAGRAPH_CLASSES, "unexplained")),
              f"  reference: {report.reference}",
              "  a provision encodes a paragraph only on an exact number match ('CoP 11.67' is 11.67 alone)"]
    for para in report.paragraphs:
        lines += _paragraph_lines(para)
    lines += _gap_lines(report)
    if report.unlisted:
        lines.append("KB chapter-11 provisions the reference does not name: " + ", ".join(report.unlisted))
    return "\n".join(lines)


def _paragraph_lines(para: ParagraphCoverage) -> list[str]:
    """A paragraph's line of the coverage table, and how it is classified when not encoded."""
    what = f"{para.section}: {para.named[0]}" if para.named else para.section
    lines = [f"  {para.paragraph:<7} {_yes(para.encoded, 'encoded')} {_yes(para.exercised, 'exercised')}  "
             f"{', '.join(para.provisions) or '':<10}  {what}"
             + (" (number approximate)" if para.approximate else "")]
    if not para.encoded:
        how = para.status + (" " + ", ".join(para.by) if para.by else "")
        lines.append(f"          {how}" + (f": {para.reason}" if para.reason else "")
                     + (f" ({para.where})" if para.where else ""))
    return lines


def _gap_lines(report: CoverageReport) -> list[str]:
    """The paragraphs not encoded, by classification, and those encoded but not exercised."""
    gaps = [p.paragraph for p in report.paragraphs if not p.encoded]
    untested = [p.paragraph for p in report.paragraphs if p.encoded and not p.exercised]
    lines = ["", "not encoded: " + (_ranges(gaps) or "none")]
    for status in PARAGRAPH_CLASSES:
        lines.append(f"  {status}: " + (_ranges(p.paragraph for p in report.paragraphs if p.status == status) or "none"))
    return lines + ["  unexplained (neither encoded nor classified): "
                    + (_ranges(p.paragraph for p in report.paragraphs if p.status == "unexplained") or "none"),
                    "encoded but not exercised: " + (_ranges(untested) or "none")]


def coverage_json(report: CoverageReport) -> dict[str, Any]:
    out = asdict(report)
    for p in out["paragraphs"]:
        p["declared"] = bool(p["provisions"])
    return out


# ============================================================================================ impact

@dataclass(frozen=True)
class ScenarioRef:
    file: str
    title: str
    line: int
    questions: tuple[str, ...]  # the affected questions it expects
    cites: bool  # it cites the provision itself (a cites line or an expected citation)


@dataclass(frozen=True)
class ImpactReport:
    provision: str
    title: str
    citing_rules: tuple[str, ...]  # rules and facts citing it
    dependent_rules: tuple[str, ...]  # further rules whose conclusions can change through those
    relations: tuple[str, ...]  # relations whose rows can change
    questions: tuple[str, ...]  # questions whose dependency cone contains any of them
    scenarios: tuple[ScenarioRef, ...]


def _unknown_provision(kb: KnowledgeBase, provision_id: str) -> QueryError:
    ids = list(kb.program.provisions)
    lowered = {i.lower(): i for i in ids}
    close = difflib.get_close_matches(provision_id.lower(), list(lowered), n=1, cutoff=0.6)
    hint = f"; did you mean '{lowered[close[0]]}'?" if close else ""
    return QueryError(f"unknown provision '{provision_id}'{hint}", field="provision")


def impact(kb: KnowledgeBase, provision_id: str, scenarios_dir: Path | None = None,
           graph: nx.DiGraph | None = None) -> ImpactReport:
    """What could change if the provision changed: rules, relations, questions and scenario tests."""
    if provision_id not in kb.program.provisions:
        raise _unknown_provision(kb, provision_id)
    g = graph if graph is not None else citation_graph(kb, scenarios_dir)
    target = f"provision:{provision_id}"
    up = nx.ancestors(g, target)
    citing = [r for r in g.predecessors(target) if g.nodes[r]["type"] == "rule"]
    citing_set = set(citing)
    dependent = [r for r in nodes_of(g, "rule", up) if r not in citing_set]
    questions = nodes_of(g, "question", up)
    affected_q = {g.nodes[q]["name"] for q in questions}
    scenarios = []
    for sc in nodes_of(g, "scenario", up):
        attrs = g.nodes[sc]
        scenarios.append(ScenarioRef(attrs["file"], attrs["title"], attrs["line"],
                                     tuple(q for q in attrs["questions"] if q in affected_q),
                                     g.has_edge(sc, target)))
    return ImpactReport(provision_id, kb.program.provisions[provision_id].title,
                        tuple(_bare(r) for r in nodes_of(g, "rule", citing)), tuple(_bare(r) for r in dependent),
                        tuple(_bare(r) for r in nodes_of(g, "relation", up)), tuple(_bare(q) for q in questions),
                        tuple(scenarios))


def _bare(node: str) -> str:
    """'rule:decision_itself_appealable' -> 'decision_itself_appealable'."""
    return node.split(":", 1)[1]


def impact_text(report: ImpactReport) -> str:
    lines = [f"impact of {report.provision} ({report.title})", "",
             f"rules citing it ({len(report.citing_rules)}): " + (", ".join(report.citing_rules) or "none"),
             f"rules that can change through them ({len(report.dependent_rules)}): "
             + (", ".join(report.dependent_rules) or "none"),
             f"relations that can change ({len(report.relations)}): " + (", ".join(report.relations) or "none"),
             f"questions whose answers can change ({len(report.questions)}): "
             + (", ".join(report.questions) or "none"),
             f"scenario tests to re-check ({len(report.scenarios)}):"]
    for s in report.scenarios:
        why = [f"expects {', '.join(s.questions)}"] if s.questions else []
        if s.cites:
            why.append("cites it")
        lines.append(f"  {s.file}:{s.line}  {s.title}  [{'; '.join(why)}]")
    if not report.scenarios:
        lines.append("  none")
    return "\n".join(lines)


def impact_json(report: ImpactReport) -> dict[str, Any]:
    return asdict(report)


def dumps(data: dict[str, Any]) -> str:
    """JSON text of any of the ``*_json`` results."""
    return json.dumps(data, indent=2, ensure_ascii=False)
