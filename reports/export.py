"""Exports of one answer: Markdown, a Graphviz DOT digraph and SVG. Each is a separate function
over the same proof tree (``Answer.explanation``); none of them changes or re-derives it.

* ``answer_markdown``: a heading with the question and the answer, a nested bullet proof with
  ✓/✗/? marks, rule names, citations and date steps, then citations and caveats sections.
* ``answer_dot``: one DOT node per proof node (a subproof the prover shares between two
  conclusions is one node with two incoming edges), coloured by status, shaped by kind, edges
  from conclusion to premise. Node ids are ``n0``, ``n1``, ... so any text is safe in a label.
* ``answer_svg``: ``answer_dot`` run through Graphviz ``dot -Tsvg``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
from typing import Any

import networkx as nx
from networkx.drawing.nx_pydot import to_pydot

from redress.api import Answer
from redress.core.errors import CalculationError
from redress.proof.nodes import ProofNode, Status
from redress.reports.render import _answer_value, contact_lines, mark, member_name

__all__ = ["answer_markdown", "answer_dot", "answer_svg", "dot_quote"]

# ---------------------------------------------------------------------------------------------- Markdown

# Backslash, code, emphasis, links, HTML, tables, headings. An underscore inside a word cannot open
# emphasis in CommonMark, so ``refuse_assessment`` stays readable.
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|#])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def _md(text: str) -> str:
    """Escape the characters that would otherwise turn plain text into Markdown markup."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}" if fence == "`" else f"{fence} {text} {fence}"


def _md_tree(node: ProofNode, depth: int = 0) -> list[str]:
    pad = "  " * depth
    line = f"{pad}- {mark(node)} {_md(node.conclusion)}"
    extras = []
    if node.rule:
        extras.append(f"rule {_code(node.rule)}")
    if node.cites:
        extras.append("; ".join(_md(c) for c in node.cites))
    if extras:
        line += " — " + " · ".join(extras)
    lines = [line]
    for text, basis in node.steps:
        lines.append(f"{pad}  - _step:_ {_md(text)}" + (f" ({_md(basis)})" if basis else ""))
    for caveat in node.caveats:
        lines.append(f"{pad}  - _caveat:_ {_md(caveat)}")
    for child in node.because:
        lines.extend(_md_tree(child, depth + 1))
    return lines


def _why_heading(answer: Answer) -> str:
    if answer.status != "determined":
        return "What is missing"
    return "Why" if answer.answer not in (False, None) else "Why not"


def answer_markdown(answer: Answer) -> str:
    """The answer as a Markdown document (heading, facts, proof, citations, caveats)."""
    lines = [f"# {_md(answer.question)}: {_md(_answer_value(answer))}", ""]
    lines += _md_facts(answer) + ["", f"## {_why_heading(answer)}", ""]
    lines += _md_tree(answer.explanation)
    lines += ["", "## Citations", ""] + _md_citations(answer)
    if answer.caveats:
        lines += ["", "## Caveats", ""]
        lines += [f"- {_md(c)}" for c in answer.caveats]
    return "\n".join(lines) + "\n"


def _md_facts(answer: Answer) -> list[str]:
    """The answer's facts as a Markdown list: status, case, date, what is missing or possible, version, contacts."""
    facts = [f"- **Status:** {answer.status}"]
    if answer.case:
        facts.append(f"- **Case:** {_md(answer.case)}")
    if answer.as_of is not None:
        facts.append(f"- **As of:** {answer.as_of.isoformat()}")
    if answer.missing:
        facts.append("- **Missing:** " + ", ".join(_code(m) for m in answer.missing))
    if answer.possible is not None:
        facts.append("- **Possible, if the case gave more facts:** " + ("none" if not answer.possible else "; ".join(
            ("another member not yet named" if p.member is None else _md(member_name(p.member, answer.details)))
            + (f" (if the case gives {', '.join(_code(m) for m in p.missing)})" if p.missing else "")
            for p in answer.possible)))
    facts.append(f"- **Rules version:** {_code(answer.rules_version)}")
    if answer.details:
        facts.append("- **Contact details and steps:**")
        facts += [f"  - {_md(line.strip())}" for line in contact_lines(answer)]
    return facts


def _md_citations(answer: Answer) -> list[str]:
    """Each provision cited, with the dates it is in force between where it has them."""
    lines = []
    in_force = {p: (f, u) for p, f, u in answer.in_force}
    if not answer.citations:
        lines.append("None.")
    for cid in answer.citations:
        item = f"- {_md(cid)}"
        if cid in in_force:
            start, until = in_force[cid]
            if start or until:
                item += " (in force " + (f"from {start}" if start else "") + (" " if start and until else "") \
                        + (f"until {until}" if until else "") + ")"
        lines.append(item)
    return lines


# ---------------------------------------------------------------------------------------------- DOT

_FILL = {Status.TRUE: "#e3f4e1", Status.FALSE: "#fbe3e1", Status.UNKNOWN: "#fff4cc"}
_LINE = {Status.TRUE: "#2e7d32", Status.FALSE: "#c62828", Status.UNKNOWN: "#b26a00"}
_SHAPE = {"rule": "box", "failed_rule": "box", "exception": "box", "fact": "note", "input": "ellipse",
          "missing": "octagon", "absent": "plaintext", "not": "hexagon", "compare": "diamond",
          "builtin": "parallelogram", "unknown": "octagon", "why_not": "doubleoctagon", "answer": "doubleoctagon"}
_WRAP = 48


def dot_quote(text: str) -> str:
    """A DOT double-quoted string; newlines become DOT's centred line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "\\n".join(escaped.split("\n")) + '"'


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, _WRAP, break_long_words=False, break_on_hyphens=False) or [""]


def _node_label(node: ProofNode) -> str:
    """Mark and (wrapped) conclusion; then the rule label and each citation whole, one a line."""
    lines = _wrap(f"{mark(node)} {node.conclusion}")
    if node.rule:
        lines.append(f"rule {node.rule}")
    lines.extend(node.cites)
    for text, basis in node.steps:
        lines.extend(_wrap(f"· {text}"))
        if basis:
            lines.append(f"({basis})")
    return "\n".join(lines)


def _proof_graph(answer: Answer) -> nx.DiGraph:
    """The proof as a networkx digraph of DOT-ready attributes; ids n0, n1, ... in depth-first order."""
    g = nx.DiGraph(name="proof")
    ids: dict[int, str] = {}

    def visit(node: ProofNode) -> str:
        key = id(node)
        if key in ids:
            return ids[key]
        nid = ids[key] = f"n{len(ids)}"
        attrs: dict[str, Any] = {
            "label": dot_quote(_node_label(node)),
            "tooltip": dot_quote(node.conclusion),
            "shape": _SHAPE.get(node.kind, "box"),
            "style": dot_quote("filled,rounded" if _SHAPE.get(node.kind, "box") == "box" else "filled"),
            "color": dot_quote(_LINE[node.status]),
            "fillcolor": dot_quote(_FILL[node.status]),
            "class": dot_quote(f"status-{node.status.value} kind-{node.kind}"),
        }
        if node.rule:
            attrs["penwidth"] = "2"
        g.add_node(nid, **attrs)
        for child in node.because:
            g.add_edge(nid, visit(child), color=dot_quote(_LINE[child.status]))
        return nid

    visit(answer.explanation)
    title = f"{answer.question}: {_answer_value(answer)}" + (f" (case {answer.case})" if answer.case else "")
    g.graph["graph"] = {"label": dot_quote(title), "labelloc": "t", "rankdir": "LR", "fontname": "Helvetica"}
    g.graph["node"] = {"fontname": "Helvetica", "fontsize": "10"}
    g.graph["edge"] = {"arrowsize": "0.6"}
    return g


def answer_dot(answer: Answer) -> str:
    """The proof tree as a DOT digraph (conclusion -> premise), parseable by pydot."""
    return str(to_pydot(_proof_graph(answer)).to_string())


def answer_svg(answer: Answer, timeout: float = 120.0) -> str:
    """The proof tree drawn by Graphviz as SVG text. Needs the ``dot`` program."""
    dot = shutil.which("dot")
    if dot is None:
        raise CalculationError("Graphviz 'dot' is needed for SVG: install the graphviz package")
    try:
        done = subprocess.run([dot, "-Tsvg"], input=answer_dot(answer).encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise CalculationError(f"Graphviz 'dot' could not draw the proof: {err}") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip()
        raise CalculationError(f"Graphviz 'dot' failed (exit {done.returncode}): {detail}")
    return done.stdout.decode("utf-8")
