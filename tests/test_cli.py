"""The ``redress`` command line, through click's CliRunner and once as a real process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import redress
from redress.frontends.cli import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "refusal-to-assess.json"

# spelled out from the contract (../shared/spec/contract.md), not taken from the code under test
CONTRACT_QUESTIONS = {
    "appealable", "appellant", "mediation_available", "mediation_arranged_by", "mediation_deadline",
    "mediation_advice_required", "adviser_contact_deadline", "certificate_due", "appeal_deadline",
    "recommendations_available", "recommendation_response_due", "disagreement_resolution_available",
    "routes", "local_contacts",
}

WHY_NOT_CASE = {"id": "why-not", "as_of": "2025-06-01", "decision": {"kind": "issue_plan"},
                "appeal": {"grounds": ["decision"]}}
UNDETERMINED_CASE = {"id": "no-grounds", "as_of": "2025-06-01", "decision": {"kind": "plan_finalised"}}


@pytest.fixture(scope="module")
def kb() -> redress.KnowledgeBase:
    return redress.load()


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def run_case(case: Any, *args: str) -> Result:
    return run("ask", *args, "--case", "-", input=json.dumps(case))


def test_ask_prints_the_answer_citations_and_proof() -> None:
    result = run("ask", "appealable", "--case", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0].startswith("appealable: yes")
    assert "example-refusal" in out.splitlines()[0]
    citations = next(line for line in out.splitlines() if line.startswith("citations:"))
    assert "CoP 11.45" in citations and "CFA 2014 s.51(2)(a)" in citations
    assert "why:" in out
    assert "decision_itself_appealable" in out  # the rule that proves it
    assert "refuse_assessment" in out  # the case fact the proof rests on
    assert re.search(r"rules_version: sha256:[0-9a-f]{64}", out)
    # standard error holds only which rules answered (issue 17)
    assert re.fullmatch(r"rules: \S+/rules/main\.rules \(sha256:[0-9a-f]{64}\)\n", result.stderr)


def test_ask_json_equals_the_python_api(kb: redress.KnowledgeBase) -> None:
    result = run("ask", "appealable", "--case", str(EXAMPLE), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    expected = kb.ask("appealable", json.loads(EXAMPLE.read_text(encoding="utf-8"))).to_dict()
    assert data == expected
    assert data["answer"] is True


def test_ask_reads_the_case_from_stdin(kb: redress.KnowledgeBase) -> None:
    case = {"id": "stdin", "person": {"age": 18}}
    result = run_case(case, "appellant", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["answer"] == "young_person"
    assert data["case"] == "stdin"
    without_as_of = {k: v for k, v in data.items() if k != "as_of"}
    expected = kb.ask("appellant", case).to_dict()
    expected.pop("as_of", None)
    assert without_as_of == expected


def test_invalid_json_is_an_error_naming_the_case_and_position() -> None:
    result = run("ask", "appealable", "--case", "-", input='{"decision": {"kind": "refuse_assessment"\n')
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "case" in result.stderr
    assert re.search(r"line 2, column \d+", result.stderr), result.stderr


def test_invalid_json_with_json_flag_gives_a_json_error() -> None:
    result = run("ask", "appealable", "--json", "--case", "-", input="{not json")
    assert result.exit_code == 2
    body = json.loads(result.stderr)
    assert body["error"]["field"] == "case"
    assert re.search(r"line 1, column 2", body["error"]["message"]), body


def test_an_unknown_field_value_is_an_error_naming_the_field() -> None:
    result = run_case({"decision": {"kind": "refuse_everything"}}, "appealable")
    assert result.exit_code == 2
    assert "decision.kind" in result.stderr
    assert "refuse_everything" in result.stderr
    assert result.stdout == ""


def test_an_unknown_field_value_with_json_gives_the_error_body() -> None:
    result = run_case({"decision": {"kind": "refuse_everything"}}, "appealable", "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    body = json.loads(result.stderr)
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "field"}
    assert body["error"]["field"] == "decision.kind"
    assert body["error"]["code"] == "invalid_case"
    assert "refuse_everything" in body["error"]["message"]


def test_a_malformed_date_names_the_field() -> None:
    result = run_case({"decision": {"kind": "refuse_assessment", "sent": "2025-02-30"}}, "appealable", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stderr)["error"]["field"] == "decision.sent"


def test_an_unknown_question_exits_2_with_a_suggestion() -> None:
    result = run("ask", "apealable", "--case", str(EXAMPLE))
    assert result.exit_code == 2
    assert "apealable" in result.stderr
    assert "appealable" in result.stderr.replace("apealable", "")
    as_json = run("ask", "apealable", "--case", str(EXAMPLE), "--json")
    assert as_json.exit_code == 2
    assert json.loads(as_json.stderr)["error"]["field"] == "question"


def test_a_contract_question_not_yet_encoded_exits_2(kb: redress.KnowledgeBase) -> None:
    absent = sorted(CONTRACT_QUESTIONS - set(kb.questions))
    if not absent:
        pytest.skip("every contract question is encoded")
    result = run("ask", absent[0], "--case", str(EXAMPLE), "--json")
    assert result.exit_code == 2
    assert json.loads(result.stderr)["error"]["code"] == "not_encoded"


def test_a_missing_case_file_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["ask", "appealable", "--case", str(ROOT / "no-such-case.json")])
    assert result.exit_code == 2
    assert "no-such-case.json" in result.output


def test_a_false_answer_prints_why_not() -> None:
    result = run_case(WHY_NOT_CASE, "appealable")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0].startswith("appealable: no")
    assert "why not" in out
    assert "issue_plan" in out
    assert "missing:" not in out


def test_an_undetermined_answer_prints_what_is_missing() -> None:
    result = run_case(UNDETERMINED_CASE, "appealable")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0].startswith("appealable: undetermined")
    missing = [line for line in out.splitlines() if line.startswith("missing:")]
    assert missing == ["missing: appeal.grounds"]


def test_check_passes_on_the_bundled_rules() -> None:
    result = run("check")
    assert result.exit_code == 0, result.output
    assert re.search(r"main\.rules: ok \(\d+ files and 5 authorities, \d+ rules, \d+ warnings\)", result.stdout), result.stdout
    assert ": error:" not in result.output


def test_check_checks_what_load_answers_from(tmp_path: Path) -> None:
    """The authorities beside the rules are part of the build: their facts are in the IR, the
    rules_version is load()'s, and a broken authority file fails the check, naming the file."""
    import shutil

    result = run("check", "--show", "ir")
    assert result.exit_code == 0, result.output
    assert "relation='local_service'" in result.stdout
    assert f"rules_version: {redress.load().rules_version}" in result.stdout
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    camden = rules / "authorities" / "camden.yaml"
    camden.write_text(camden.read_text(encoding="utf-8").replace("contacts:", "contacts: [", 1), encoding="utf-8")
    broken = run("check", str(rules / "main.rules"))
    assert broken.exit_code != 0
    assert "camden.yaml" in broken.output, broken.output


def test_check_fails_on_a_broken_rule_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.rules"
    broken.write_text('predicate p(C) means "{C}".\nrule r cites "Nowhere":\n    p(C) if q(C).\n', encoding="utf-8")
    result = run("check", str(broken))
    assert result.exit_code == 3
    assert "unknown predicate 'q'" in result.stderr
    assert ":3:" in result.stderr  # file:line of the rule body


def test_questions_json_lists_every_contract_question(kb: redress.KnowledgeBase) -> None:
    result = run("questions", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    names = [row["name"] for row in rows]
    assert CONTRACT_QUESTIONS <= set(names), CONTRACT_QUESTIONS - set(names)
    assert len(names) == len(set(names))
    by_name = {row["name"]: row for row in rows}
    for name in CONTRACT_QUESTIONS:
        encoded = name in kb.questions
        assert (by_name[name]["kind"] is not None) is encoded is by_name[name]["encoded"], name
    assert by_name["appealable"]["kind"] == "yes_no"


def test_questions_json_is_the_http_listing() -> None:
    """One shape for one thing: the CLI and HTTP list the questions identically (issue 17)."""
    from fastapi.testclient import TestClient

    from redress.frontends.web import create_app

    assert json.loads(run("questions", "--json").stdout) == TestClient(create_app()).get("/questions").json()


def test_provisions_lists_the_encoded_provisions() -> None:
    result = run("provisions")
    assert result.exit_code == 0, result.output
    ids = [line.split("  ")[0].strip() for line in result.stdout.splitlines()]
    assert "CoP 11.45" in ids
    assert "CFA 2014 s.51(2)(a)" in ids
    as_json = json.loads(run("provisions", "--json").stdout)
    prov = {p["id"]: p for p in as_json}
    assert prov["CoP 11.45"]["in_force_from"] == "2014-09-01"
    assert prov["CoP 11.45"]["source"].startswith("https://")


def test_the_installed_command_runs_as_a_real_process() -> None:
    script = Path(sys.executable).parent / "redress"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "redress"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    proc = subprocess.run([*command, "ask", "appealable", "--case", str(EXAMPLE), "--json"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["status"], data["answer"], data["case"]) == ("determined", True, "example-refusal")
    assert "CoP 11.45" in data["citations"]
    text = subprocess.run([*command, "ask", "appealable", "--case", "-"], input="[1, 2]",
                          capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
    assert text.returncode == 2
    assert "case" in text.stderr


def test_ask_all_answers_every_question_in_one_report() -> None:
    result = run("ask", "all", "--case", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "case example-refusal, as of 2025-02-01"
    shown = [line.split(":")[0] for line in lines if line and not line.startswith(" ") and ":" in line]
    assert shown[:len(redress.load().questions)] == list(redress.load().questions)
    assert "appealable:" in result.stdout and result.stdout.count("rules_version:") == 1
    listed = run("ask", "appealable,appeal_deadline", "--case", str(EXAMPLE), "--json")
    assert [a["question"] for a in json.loads(listed.stdout)] == ["appealable", "appeal_deadline"]
    bad = run("ask", "appealable,apealable", "--case", str(EXAMPLE))
    assert bad.exit_code == 2 and "did you mean 'appealable'?" in bad.stderr
    assert run("ask", "all", "--case", str(EXAMPLE), "--format", "markdown").exit_code == 2


def test_a_deadline_waiting_only_on_the_certificate_says_what_holds_meanwhile(tmp_path: Path) -> None:
    """HESC Rules r.20(1)(c): the later of 2 months after notice was sent (31 October 2025: 31
    December, in the Christmas window of r.12(3), so 2 January 2026) and 1 month after the
    certificate. Without the certificate's date the deadline stays undetermined, but an appeal
    received by 2 January 2026 is in time however the certificate falls."""
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"id": "d", "as_of": "2025-11-25", "appeal": {"grounds": ["decision"]},
                                "decision": {"kind": "refuse_assessment", "sent": "2025-10-31"}}))
    result = run("ask", "appeal_deadline", "--case", str(case))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("appeal_deadline: undetermined")
    assert "2 months after the decision, or 1 month after the certificate if later" in result.stdout
    assert "received by 2026-01-02" in result.stdout
    data = json.loads(run("ask", "appeal_deadline", "--case", str(case), "--json").stdout)
    assert (data["status"], data["answer"]) == ("undetermined", None)  # not claimed determined
    assert data["waiting_on"]["in_time_if_received_by"] == "2026-01-02"
    assert "received by 2026-01-02" in run("ask", "all", "--case", str(case)).stdout
