"""Decision records an auditor can replay.

A record holds the case, the answer with its proof, the ``rules_version``, the text of every
provision the answer cites, and a fingerprint (source text) of every rule in the knowledge
base. It also keeps the ``as_of`` date the answer was given under (the case's own, or the day it
was asked), because that date selects the law in force. Replaying re-asks the question on today's
knowledge base under that same date and says whether the answer is identical; when it differs,
which rules and provisions changed since the record was made.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redress.api import Answer, KnowledgeBase
from redress.core.errors import DataError

__all__ = ["make_record", "write_record", "read_record", "replay", "ReplayResult", "RECORD_FORMAT"]

RECORD_FORMAT = "redress-decision-record/1"


def _rule_sources(kb: KnowledgeBase) -> dict[str, str]:
    """Each rule's (and fact's) source text, by label, sliced from its file by its span."""
    texts = {m.path: m.text.split("\n") for m in kb.modules}
    out: dict[str, str] = {}
    for rule in kb.program.rules:
        lines = texts.get(rule.span.file)
        # generated facts (authority data) have no rule-file text: their structure is their source
        source = ("\n".join(lines[rule.span.line - 1: rule.span.end_line]).strip() if lines is not None
                  else repr((rule.head, rule.cites)))
        # a fact's label is its position, which moves when lines are added; key facts by content
        out[rule.label if rule.kind != "fact" else (source if lines is not None else f"fact {source}")] = source
    return out


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _provision_fingerprints(kb: KnowledgeBase) -> dict[str, str]:
    return {pid: _fingerprint(f"{p.title}\n{p.text}\n{p.in_force_from}\n{p.in_force_until}")
            for pid, p in kb.program.provisions.items()}


def make_record(kb: KnowledgeBase, question: str, case: dict[str, Any], answer: Answer) -> dict[str, Any]:
    provisions = {
        cid: {"title": p.title, "text": p.text, "source": p.source,
              "in_force_from": p.in_force_from.isoformat() if p.in_force_from else None,
              "in_force_until": p.in_force_until.isoformat() if p.in_force_until else None}
        for cid in answer.citations if (p := kb.program.provisions.get(cid)) is not None}
    sources = _rule_sources(kb)
    return {
        "format": RECORD_FORMAT,
        "recorded_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "question": question,
        "case": case,
        "as_of": answer.as_of.isoformat() if answer.as_of else None,
        "answer": answer.to_dict(),
        "rules_version": kb.rules_version,
        "provisions": provisions,
        "rules_used": {label: sources[label] for label in _labels(answer) if label in sources},
        "rule_fingerprints": {label: _fingerprint(text) for label, text in sources.items()},
        "provision_fingerprints": _provision_fingerprints(kb),
    }


def _labels(answer: Answer) -> list[str]:
    return list(dict.fromkeys(n.rule for n in answer.explanation.walk() if n.rule))


def write_record(path: Path, record: dict[str, Any]) -> None:
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_record(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise DataError(f"cannot read decision record: {err}", file=str(path)) from None
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        raise DataError(f"not a decision record (expected format {RECORD_FORMAT!r})", file=str(path), field="format")
    for key in ("question", "case", "answer", "rules_version", "rule_fingerprints", "provision_fingerprints"):
        if key not in record:
            raise DataError("missing field", file=str(path), field=key)
    return record


@dataclass
class ReplayResult:
    identical: bool
    same_rules_version: bool
    answer_changes: list[str] = field(default_factory=list)
    rules_changed: list[str] = field(default_factory=list)
    rules_added: list[str] = field(default_factory=list)
    rules_removed: list[str] = field(default_factory=list)
    provisions_changed: list[str] = field(default_factory=list)
    provisions_added: list[str] = field(default_factory=list)
    provisions_removed: list[str] = field(default_factory=list)
    as_of: str | None = None  # the date the replay asked under
    as_of_from: str = "record"  # case (the case gives it) | record (stored when answered) | today (neither)
    now: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}

    def text(self) -> str:
        lines = ["identical: the answer, its proof and its citations are unchanged" if self.identical
                 else "differs: " + "; ".join(self.answer_changes)]
        lines.append(f"replayed as of {self.as_of}, " + {
            "case": "the date the case gives",
            "record": "the date the record was answered under (the law in force that day)",
            "today": "today: the record does not say which date it was answered under"}[self.as_of_from])
        if not self.same_rules_version:
            lines.append("the rule files changed since the record was made")
        for title, items in (("rules changed", self.rules_changed), ("rules added", self.rules_added),
                             ("rules removed", self.rules_removed), ("provisions changed", self.provisions_changed),
                             ("provisions added", self.provisions_added),
                             ("provisions removed", self.provisions_removed)):
            if items:
                lines.append(f"{title}: " + ", ".join(items))
        return "\n".join(lines)


def _diff(before: dict[str, str], after: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    changed = sorted(k for k in before.keys() & after.keys() if before[k] != after[k])
    return changed, sorted(after.keys() - before.keys()), sorted(before.keys() - after.keys())


def _replay_case(record: dict[str, Any]) -> tuple[Any, str]:
    """The recorded case with the date it was answered under, and where that date came from."""
    case = record["case"]
    if isinstance(case, dict) and case.get("as_of") is not None:
        return case, "case"
    # records written before as_of was stored still carry it in their answer
    stored = record.get("as_of") or (record["answer"].get("as_of") if isinstance(record["answer"], dict) else None)
    if stored is None or not isinstance(case, dict):
        return case, "today"
    return {**case, "as_of": stored}, "record"


def replay(kb: KnowledgeBase, record: dict[str, Any]) -> ReplayResult:
    case, as_of_from = _replay_case(record)
    answer = kb.ask(record["question"], case)
    now = answer.to_dict()
    then = record["answer"]
    changes = [f"{key} was {then.get(key)!r}, now {now.get(key)!r}" for key in ("status", "answer", "missing")
               if then.get(key) != now.get(key)]
    if then.get("citations") != now.get("citations"):
        changes.append("the citations changed")
    if then.get("explanation") != now.get("explanation"):
        changes.append("the proof changed")
    sources = _rule_sources(kb)
    rules = _diff(record["rule_fingerprints"], {k: _fingerprint(v) for k, v in sources.items()})
    provisions = _diff(record["provision_fingerprints"], _provision_fingerprints(kb))
    return ReplayResult(not changes, record["rules_version"] == kb.rules_version, changes,
                        rules[0], rules[1], rules[2], provisions[0], provisions[1], provisions[2],
                        now.get("as_of"), as_of_from, now)
