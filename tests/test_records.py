"""Decision records: written by ask --record, replayed identical, or differing with what changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from redress.api import default_rules_path
from redress.frontends.cli import cli

EXAMPLE = str(Path(__file__).parents[1] / "examples" / "refusal-to-assess.json")


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(default_rules_path().parent, target, ignore=shutil.ignore_patterns("scenarios", "__pycache__"))
    return target / "main.rules"


def test_record_holds_case_answer_proof_version_and_provision_texts(tmp_path: Path) -> None:
    record = tmp_path / "decision.json"
    result = CliRunner().invoke(cli, ["ask", "appealable", "--case", EXAMPLE, "--record", str(record)])
    assert result.exit_code == 0, result.output
    data = json.loads(record.read_text())
    assert data["case"]["decision"]["kind"] == "refuse_assessment"
    assert data["answer"]["answer"] is True and data["answer"]["explanation"]["because"]
    assert data["rules_version"].startswith("sha256:")
    assert "A decision of a local authority not to secure an EHC needs assessment" in \
        data["provisions"]["CFA 2014 s.51(2)(a)"]["text"]
    assert "decision_itself_appealable" in data["rules_used"]


def test_replay_identical_then_reports_a_changed_rule_file(tmp_path: Path) -> None:
    rules = _copy_rules(tmp_path)
    record = tmp_path / "decision.json"
    runner = CliRunner()
    assert runner.invoke(cli, ["ask", "appealable", "--case", EXAMPLE, "--rules", str(rules),
                               "--record", str(record)]).exit_code == 0
    same = runner.invoke(cli, ["replay", str(record), "--rules", str(rules)])
    assert same.exit_code == 0 and same.stdout.startswith("identical")

    appeals = rules.parent / "appeals.rules"
    text = appeals.read_text()
    # the law changes: a refusal to assess is no longer in the list
    changed = text.replace('fact appealable_decision_kind(refuse_assessment, a) cites "CFA 2014 s.51(2)(a)".\n', "")
    assert changed != text
    appeals.write_text(changed.replace('    text "A decision of a local authority not to secure an EHC needs',
                                       '    text "Amended: a decision of a local authority not to secure an EHC needs'))
    differs = runner.invoke(cli, ["replay", str(record), "--rules", str(rules), "--json"])
    assert differs.exit_code == 1
    report = json.loads(differs.stdout)
    assert report["identical"] is False and report["same_rules_version"] is False
    assert any("answer was True, now False" in c for c in report["answer_changes"])
    assert any("appealable_decision_kind(refuse_assessment" in r for r in report["rules_removed"])
    assert report["provisions_changed"] == ["CFA 2014 s.51(2)(a)"]


def test_replay_rejects_a_file_that_is_not_a_record(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"format": "something else"}')
    result = CliRunner().invoke(cli, ["replay", str(bad), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stderr)["error"]["field"] == "format"


def test_replay_asks_under_the_date_the_record_was_answered_under(tmp_path: Path) -> None:
    """A case without as_of is answered under the day it is asked; the record keeps that day, so a
    replay years later applies the law of that day, not of the replay's (issue 17)."""
    import datetime as _dt

    from redress.api import load
    from redress.kb.schema import validate_case
    from redress.reports.records import make_record, write_record

    kb = load()
    raw = {"decision": {"kind": "plan_amended"}, "appeal": {"grounds": ["section_f", "section_g"]}}
    # SI 2017/1306 is in force from 3 April 2018: asked in 2017, recommendations were not available
    answer = kb.ask("recommendations_available", validate_case(raw, _dt.date(2017, 6, 1)))
    assert (answer.status, answer.answer) == ("determined", False)
    record = tmp_path / "decision.json"
    write_record(record, make_record(kb, "recommendations_available", raw, answer))
    assert json.loads(record.read_text())["as_of"] == "2017-06-01"
    result = CliRunner().invoke(cli, ["replay", str(record)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("identical")
    assert "replayed as of 2017-06-01, the date the record was answered under" in result.stdout
    report = json.loads(CliRunner().invoke(cli, ["replay", str(record), "--json"]).stdout)
    assert (report["as_of"], report["as_of_from"]) == ("2017-06-01", "record")
