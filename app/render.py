"""Renderers of answers and proof trees. The tree is data; each format is a separate function."""

from __future__ import annotations

import json
from typing import Any

from redress.api import Answer
from redress.queries.explain import ProofNode, Status, render_value

__all__ = ["answer_text", "answer_json", "tree_text", "possible_lines"]

_MARK = {Status.TRUE: "✓", Status.FALSE: "✗", Status.UNKNOWN: "?"}


def tree_text(node: ProofNode, indent: str = "", seen: set[tuple[str, Status]] | None = None) -> list[str]:
    """The proof tree as indented lines: mark, conclusion, rule and citations, then children. A
    subtree already shown (the same conclusion, proved the same way) is not repeated: it says so."""
    seen = set() if seen is None else seen
    head = f"{indent}{_MARK[node.status]} {node.conclusion}"
    key = (node.conclusion, node.status)
    if node.because and key in seen:
        return [head + "  (as shown above)"]
    if node.because:
        seen.add(key)
    extras = []
    if node.rule:
        extras.append(f"rule {node.rule}")
    if node.cites:
        extras.append("; ".join(node.cites))
    if extras:
        head += f"  [{' | '.join(extras)}]"
    lines = [head]
    for text, basis in node.steps:
        lines.append(f"{indent}    · {text}" + (f" ({basis})" if basis else ""))
    for child in node.because:
        lines.extend(tree_text(child, indent + "    ", seen))
    return lines


def _answer_value(answer: Answer) -> str:
    if answer.status == "undetermined":
        return "undetermined"
    value: Any = answer.answer
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None:
        return "none applies"
    if isinstance(value, list):
        return ", ".join(render_value(v) for v in value) or "none"
    return render_value(value)


def possible_lines(answer: Answer) -> list[str]:
    """A list answer's members that further facts could add, each with the fields that would
    settle it: shown apart from the established members."""
    if not answer.possible:
        return []
    lines = ["possible, if the case gave more facts:"]
    for p in answer.possible:
        member = "another member not yet named" if p.member is None else render_value(p.member)
        lines.append(f"  {member}" + (f" — if the case gives {', '.join(p.missing)}" if p.missing else ""))
    return lines


def answer_text(answer: Answer) -> str:
    lines = [f"{answer.question}: {_answer_value(answer)}"]
    if answer.case:
        lines[0] += f"   (case {answer.case})"
    if answer.missing:
        lines.append("missing: " + ", ".join(answer.missing))
    lines.extend(possible_lines(answer))
    lines.append("")
    lines.append("why:" if answer.status == "determined" and answer.answer not in (False, None) else "why not:"
                 if answer.status == "determined" else "what is missing:")
    lines.extend(tree_text(answer.explanation, "  "))
    lines.append("")
    lines.append("citations: " + ("; ".join(answer.citations) or "none"))
    for caveat in answer.caveats:
        lines.append(f"caveat: {caveat}")
    lines.append(f"rules_version: {answer.rules_version}")
    return "\n".join(lines)


def answer_json(answer: Answer) -> str:
    return json.dumps(answer.to_dict(), indent=2, ensure_ascii=False)
