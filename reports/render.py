"""Renderers of answers and proof trees. The tree is data; each format is a separate function."""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from redress.api import Answer
from redress.kb.schema import ROUTE_NAMES
from redress.proof.nodes import ProofNode, Status, render_value

__all__ = ["answer_text", "answer_json", "report_text", "tree_text", "possible_lines", "mark", "member_name",
           "contact_lines"]

_MARK = {Status.TRUE: "✓", Status.FALSE: "✗", Status.UNKNOWN: "?"}


def mark(node: ProofNode) -> str:
    """✓, ✗ or ?: whether the node's statement holds. An exception that applies is the one node
    whose status (it defeats its rule, so the rule's condition fails) is not its statement's:
    it reads "an exception ... applies", so it is marked ✓ as applying."""
    if node.kind == "not" and node.status is Status.FALSE and any(
            c.kind == "exception" and c.status is Status.TRUE for c in node.because):
        return _MARK[Status.TRUE]
    return _MARK[node.status]


def member_name(value: Any, details: dict[str, Any] | None = None) -> str:
    """A list answer's member as a person reads it: a route's name (kb.schema.ROUTE_NAMES), or a
    local service's own name, with its identifier in brackets so it can still be looked up."""
    name = None
    if isinstance(value, str):
        name = ROUTE_NAMES.get(value) or ((details or {}).get(value) or {}).get("name")
    if not name:
        return render_value(value)
    return name if name == value else f"{name} ({value})"


def contact_lines(answer: Answer) -> list[str]:
    """How to reach each local service an answer names (phone, email, web, address, else its note),
    and each local procedure's steps."""
    lines = []
    for ident, d in (answer.details or {}).items():
        if d.get("procedure"):  # a local procedure: its steps, with their time limits
            how = [st["what"] + (f" (within {st['limit']} {st['unit']})" if st.get("limit") else "")
                   for st in d.get("steps") or ()]
        else:
            how = [*(f"phone {p}" for p in d.get("phone") or ()),
                   *(f"{k} {d[k]}" for k in ("email", "url", "address") if d.get(k))]
        lines.append(f"  {d.get('name') or ident}: " + ("; ".join(how) if how else d.get("note") or "no contact details"))
    return lines


def tree_text(node: ProofNode, indent: str = "", seen: set[tuple[str, Status]] | None = None) -> list[str]:
    """The proof tree as indented lines: mark, conclusion, rule and citations, then children. A
    subtree already shown (the same conclusion, proved the same way) is not repeated: it says so."""
    seen = set() if seen is None else seen
    head = f"{indent}{mark(node)} {node.conclusion}"
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
        return ", ".join(member_name(v, answer.details) for v in value) or "none"
    return render_value(value)


def possible_lines(answer: Answer) -> list[str]:
    """A list answer's members that further facts could add, each with the fields that would
    settle it: shown apart from the established members."""
    if not answer.possible:
        return []
    lines = ["possible, if the case gave more facts:"]
    for p in answer.possible:
        member = "another member not yet named" if p.member is None else member_name(p.member, answer.details)
        lines.append(f"  {member}" + (f" — if the case gives {', '.join(p.missing)}" if p.missing else ""))
    return lines


def answer_text(answer: Answer, waiting: Sequence[str] = ()) -> str:
    """One answer with its proof; ``waiting``: lines on what holds while it waits on a fact."""
    lines = [f"{answer.question}: {_answer_value(answer)}"]
    if answer.case:
        lines[0] += f"   (case {answer.case})"
    if answer.missing:
        lines.append("missing: " + ", ".join(answer.missing))
    lines.extend(waiting)
    lines.extend(possible_lines(answer))
    if answer.details:
        lines += ["", "contact details and steps:", *contact_lines(answer)]
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


def report_text(answers: Sequence[Answer], waiting: Mapping[str, Sequence[str]]) -> str:
    """Several questions about one case as one report: each answer on a line (what is missing,
    and what holds meanwhile, under it), then the citations and caveats of them all, once each."""
    first = answers[0]
    head = f"case {first.case}" if first.case else "this case"
    lines = [head + (f", as of {first.as_of.isoformat()}" if first.as_of else ""), ""]
    width = max(len(a.question) for a in answers) + 1
    for a in answers:
        lines.append(f"{a.question + ':':<{width}} {_answer_value(a)}")
        if a.missing:
            lines.append(f"{'':<{width}}   missing: " + ", ".join(a.missing))
        lines.extend(f"{'':<{width}}   {line}" for line in waiting.get(a.question, ()))
    contacts = [line for a in answers for line in contact_lines(a)]
    if contacts:
        lines += ["", "contact details and steps:", *dict.fromkeys(contacts)]
    lines += ["", "citations: " + ("; ".join(dict.fromkeys(c for a in answers for c in a.citations)) or "none")]
    lines += [f"caveat: {c}" for c in dict.fromkeys(c for a in answers for c in a.caveats)]
    lines += ["proofs: redress ask QUESTION --case FILE, one question at a time", f"rules_version: {first.rules_version}"]
    return "\n".join(lines)


def answer_json(answer: Answer) -> str:
    return json.dumps(answer.to_dict(), indent=2, ensure_ascii=False)
