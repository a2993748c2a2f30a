"""Odd cases never escape as uncaught exceptions (issue 18 item 4): huge integers, deep nesting,
huge strings, lone surrogates and dates past the calendar are each a CaseValidationError naming
the field, with the bad value cut short; the CLI reports every malformed case cleanly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import redress
from redress.errors import CaseValidationError
from redress.kb.schema import validate_case

HUGE = 10 ** 5000


def _deep(n: int) -> Any:
    value: Any = "x"
    for _ in range(n):
        value = [value]
    return value


ODD: dict[str, tuple[Any, str]] = {
    "5,000-digit id": ({"id": HUGE}, "id"),
    "5,000-digit age": ({"person": {"age": HUGE}}, "person.age"),
    "negative 5,000-digit age": ({"person": {"age": -HUGE}}, "person.age"),
    "900-deep kind": ({"decision": {"kind": _deep(900)}}, "decision.kind"),
    "900-deep grounds member": ({"appeal": {"grounds": [_deep(900)]}}, "appeal.grounds[0]"),
    "900-deep date": ({"decision": {"sent": _deep(900)}}, "decision.sent"),
    "1 MB kind": ({"decision": {"kind": "x" * 1_000_000}}, "decision.kind"),
    "1 MB date": ({"decision": {"sent": "2" * 1_000_000}}, "decision.sent"),
    "1 MB unknown key": ({"decision": {"k" * 1_000_000: 1}}, "decision." + "k" * 200 + "..."),
    "lone surrogate id": ({"id": "\ud800"}, "id"),
    "lone surrogate key": ({"\udfff": 1}, "\\udfff"),
    "lone surrogate kind": ({"decision": {"kind": "\ud800"}}, "decision.kind"),
    "date past the calendar": ({"decision": {"sent": "2100-12-31"}}, "decision.sent"),
    "date before it": ({"as_of": "1989-12-31"}, "as_of"),
    "impossible date": ({"decision": {"sent": "2025-02-30"}}, "decision.sent"),
    "year 9999": ({"mediation": {"concluded": "9999-12-31"}}, "mediation.concluded"),
    "year 1": ({"mediation": {"concluded": "0001-01-01"}}, "mediation.concluded"),
}


@pytest.mark.parametrize("name", list(ODD))
def test_an_odd_case_is_a_validation_error_naming_its_field(name: str) -> None:
    case, field = ODD[name]
    with pytest.raises(CaseValidationError) as caught:
        validate_case(case)
    assert caught.value.field == field
    assert len(str(caught.value)) < 500
    str(caught.value).encode("utf-8")  # printable


def test_every_question_answers_on_the_last_date_a_case_may_hold() -> None:
    """Every period the rules count from a case date ends inside the calendar (to 2100-12-31)."""
    kb = redress.load()
    last = "2099-12-31"
    for kind in ("refuse_assessment", "plan_finalised", "cease_plan"):
        case = {"as_of": last, "person": {"role": "parent", "age": 10}, "appeal": {"grounds": ["decision", "section_f"]},
                "decision": {"kind": kind, "sent": last, "plan_made": last},
                "mediation": {"adviser_contacted": last, "adviser_told_decline": last, "requested": last,
                              "concluded": last, "la_cannot_arrange_notified": last, "certificate_issued": last,
                              "issues": ["education", "health"]},
                "recommendation": {"issued": last, "to": "local_authority"}}
        for question in kb.questions:
            kb.ask(question, case)  # no CalculationError: the case's dates leave the rules room
    answer = kb.ask("appeal_deadline", {"decision": {"kind": "refuse_assessment", "sent": last}, "as_of": last,
                                        "appeal": {"grounds": ["decision"]}, "mediation": {"certificate_issued": last}})
    assert answer.status == "determined" and answer.answer.year == 2100, answer.to_dict()["answer"]


def _cli(tmp_path: Path, content: bytes) -> subprocess.CompletedProcess[str]:
    case = tmp_path / "case.json"
    case.write_bytes(content)
    return subprocess.run([sys.executable, "-m", "redress", "ask", "appeal_deadline", "--case", str(case)],
                          capture_output=True, text=True, errors="replace", timeout=120)


CLI_ODD: dict[str, tuple[bytes, str]] = {
    "5,000-digit age": (b'{"person": {"age": ' + b"9" * 5000 + b"}}", "case"),
    "10,000-deep nesting": (b'{"decision": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", "case"),
    "not UTF-8": (b'{"id": "\xff"}', "case"),
    "lone surrogate": (b'{"id": "\\ud800"}', "id"),
    "1 MB string": (b'{"decision": {"kind": "' + b"x" * 1_000_000 + b'"}}', "decision.kind"),
    "date past the calendar": (b'{"decision": {"kind": "refuse_assessment", "sent": "2100-12-31"}}', "decision.sent"),
}


@pytest.mark.parametrize("name", list(CLI_ODD))
def test_the_cli_reports_an_odd_case_cleanly_naming_the_field(tmp_path: Path, name: str) -> None:
    content, field = CLI_ODD[name]
    result = _cli(tmp_path, content)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {field}: "), result.stderr[:300]
    assert len(result.stderr) < 1000


def test_the_cli_json_error_names_the_field(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"decision": {"kind": "refuse_assessment", "sent": "2100-12-31"}}))
    result = subprocess.run([sys.executable, "-m", "redress", "ask", "appeal_deadline", "--case", str(case), "--json"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert json.loads(result.stderr)["error"]["field"] == "decision.sent"
