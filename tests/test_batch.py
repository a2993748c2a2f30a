"""Batch runs: JSONL and CSV in and out, bad lines reported and skipped, atomic output."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import redress
from redress.batch import run_batch, run_batch_compiled
from redress.frontends.cli import cli

REFUSAL = {"id": "a", "decision": {"kind": "refuse_assessment", "sent": "2025-01-10"}, "appeal": {"grounds": ["decision"]}}


@pytest.fixture(scope="module")
def kb() -> redress.KnowledgeBase:
    return redress.load()


def _jsonl(path: Path, *lines: object) -> Path:
    path.write_text("".join((json.dumps(x) if not isinstance(x, str) else x) + "\n" for x in lines))
    return path


def test_jsonl_one_line_per_case_and_question(tmp_path: Path, kb: redress.KnowledgeBase) -> None:
    src = _jsonl(tmp_path / "cases.jsonl", REFUSAL, {"id": "b", "decision": {"kind": "issue_plan"}})
    out = tmp_path / "answers.jsonl"
    summary = run_batch(kb, src, ["appealable", "mediation_available"], out, "jsonl", "jsonl")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["case"], r["question"]) for r in rows] == [
        ("a", "appealable"), ("a", "mediation_available"), ("b", "appealable"), ("b", "mediation_available")]
    assert rows[0]["answer"] is True and rows[2]["answer"] is False
    assert rows[0] == {"line": 1, **kb.ask("appealable", REFUSAL).to_dict(), "engine": "pydatalog"}
    assert (summary.cases, summary.answers, summary.problems) == (2, 4, [])


def test_bad_lines_are_reported_with_their_number_and_skipped(tmp_path: Path, kb: redress.KnowledgeBase) -> None:
    src = _jsonl(tmp_path / "cases.jsonl", REFUSAL, "{not json", {"decision": {"kind": "bogus"}}, "[1, 2]", REFUSAL)
    out = tmp_path / "answers.jsonl"
    summary = run_batch(kb, src, ["appealable"], out, "jsonl", "jsonl")
    assert [p.line for p in summary.problems] == [2, 3, 4]
    assert summary.problems[1].field == "decision.kind"
    assert [json.loads(line)["line"] for line in out.read_text().splitlines()] == [1, 5]


def test_csv_in_and_out(tmp_path: Path, kb: redress.KnowledgeBase) -> None:
    src = tmp_path / "cases.csv"
    src.write_text("id,decision.kind,decision.sent,appeal.grounds,person.age\n"
                   "a,plan_finalised,2025-01-10,section_f;section_g,9\n"
                   "b,plan_finalised,2025-01-10,,notanumber\n"
                   "c,plan_finalised,,,\n")
    out = tmp_path / "answers.csv"
    summary = run_batch(kb, src, ["appealable"], out, "csv", "csv")
    lines = out.read_text().splitlines()
    assert lines[0] == "line,case,question,status,answer,citations,missing,rules_version"
    assert lines[1].startswith("2,a,appealable,determined,true,")
    assert lines[2].startswith("4,c,appealable,undetermined,,") and ",appeal.grounds," in lines[2]
    assert [(p.line, p.field) for p in summary.problems] == [(3, "person.age")]


def test_output_is_atomic_on_interruption(tmp_path: Path, kb: redress.KnowledgeBase) -> None:
    src = _jsonl(tmp_path / "cases.jsonl", REFUSAL, REFUSAL, REFUSAL)
    out = tmp_path / "answers.jsonl"
    out.write_text("previous complete file\n")

    def interrupt(line: int) -> None:
        if line == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(kb, src, ["appealable"], out, "jsonl", "jsonl", progress=interrupt)
    assert out.read_text() == "previous complete file\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_cli_batch_exit_codes_and_report(tmp_path: Path) -> None:
    src = _jsonl(tmp_path / "cases.jsonl", REFUSAL, "oops")
    out = tmp_path / "answers.jsonl"
    result = CliRunner().invoke(cli, ["batch", str(src), "--questions", "appealable,routes", "--out", str(out),
                                      "--no-progress"])
    assert result.exit_code == 4, result.output
    assert "line 2: invalid JSON" in result.stderr
    assert len(out.read_text().splitlines()) == 2
    result = CliRunner().invoke(cli, ["batch", str(src), "--questions", "appealible", "--out", str(out)])
    assert result.exit_code == 2 and "unknown question 'appealible'" in result.stderr


def test_all_questions(tmp_path: Path, kb: redress.KnowledgeBase) -> None:
    src = _jsonl(tmp_path / "cases.jsonl", REFUSAL)
    out = tmp_path / "answers.jsonl"
    result = CliRunner().invoke(cli, ["batch", str(src), "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert {json.loads(line)["question"] for line in out.read_text().splitlines()} == set(kb.questions)
    assert not os.path.exists(str(out) + ".partial")


def test_compiled_engine_matches_the_reference_in_every_format(tmp_path: Path, kb: redress.KnowledgeBase) -> None:
    """The default (numpy) engine: JSONL, CSV and Parquet in; JSONL and CSV out; same answers."""
    import duckdb

    src = _jsonl(tmp_path / "cases.jsonl", {**REFUSAL, "as_of": "2025-06-01"}, "{bad",
                 {"id": "b", "as_of": "2025-06-01", "decision": {"kind": "plan_finalised"}, "appeal": {"grounds": []}})
    runner = CliRunner()
    out = tmp_path / "answers.jsonl"
    result = runner.invoke(cli, ["batch", str(src), "--questions", "appealable,routes", "--out", str(out), "--no-progress"])
    assert result.exit_code == 4 and "line 2: invalid JSON" in result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["line"], r["question"], r["engine"]) for r in rows] == [
        (1, "appealable", "numpy"), (1, "routes", "numpy"), (3, "appealable", "numpy"), (3, "routes", "numpy")]
    for r in rows:
        case = {**REFUSAL, "as_of": "2025-06-01"} if r["line"] == 1 else {
            "id": "b", "as_of": "2025-06-01", "decision": {"kind": "plan_finalised"}, "appeal": {"grounds": []}}
        ref = kb.ask(r["question"], case).to_dict()
        assert (r["status"], r["answer"]) == (ref["status"], ref["answer"])

    csv_out = tmp_path / "answers.csv"
    assert runner.invoke(cli, ["batch", str(src), "--questions", "appealable", "--out", str(csv_out),
                               "--no-progress"]).exit_code == 4
    assert csv_out.read_text().splitlines()[:2] == [
        "line,case,question,status,answer,possible,rules_version,engine",
        f"1,a,appealable,determined,true,,{kb.rules_version},numpy"]

    parquet = tmp_path / "cases.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT 'p1' AS id, {{'kind': 'refuse_assessment'}} AS decision) TO '{parquet}' (FORMAT PARQUET)")
    out = tmp_path / "from-parquet.jsonl"
    result = runner.invoke(cli, ["batch", str(parquet), "--questions", "appealable", "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    row = json.loads(out.read_text())
    assert (row["case"], row["answer"]) == ("p1", True)


def test_reference_engine_still_available(tmp_path: Path) -> None:
    src = _jsonl(tmp_path / "cases.jsonl", REFUSAL)
    out = tmp_path / "answers.jsonl"
    result = CliRunner().invoke(cli, ["batch", str(src), "--questions", "appealable", "--out", str(out),
                                      "--engine", "pydatalog", "--no-progress"])
    assert result.exit_code == 0
    row = json.loads(out.read_text())
    assert row["answer"] is True and row["explanation"]["because"] and row["citations"]


AWKWARD = [  # ids a CSV or JSON writer must escape, a missing id, and answers of every kind
    {"id": 'quote " and, comma', "as_of": "2025-06-01", "decision": {"kind": "plan_finalised", "sent": "2025-01-10"},
     "appeal": {"grounds": ["section_i_named"]}, "authority": "barnet"},
    {"id": "línea\nnueva", "as_of": "2025-06-01", "decision": {"kind": "refuse_assessment", "sent": "2024-12-20"},
     "person": {"role": "parent", "age": 9}, "mediation": {"certificate_issued": "2025-01-05"}},
    {"as_of": "2025-06-01", "decision": {"kind": "plan_finalised"}},
    {"id": "", "as_of": "2025-06-01"},
]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("layout", ["long", "wide"])
def test_every_engine_writes_the_same_file(tmp_path: Path, fmt: str, layout: str) -> None:
    """numpy, the SQL and pyDatalog (in the compiled layout: CSV, or JSONL long) write the same
    bytes but for the engine's name: the writers share one layout, the backends only codes; the
    two compiled backends name the same missing fields in the same order."""
    src = _jsonl(tmp_path / "cases.jsonl", *AWKWARD, "", "{bad")
    texts = {}
    for engine in ("numpy", "duckdb", "pydatalog"):
        out = tmp_path / f"{engine}.{fmt}"
        result = CliRunner().invoke(cli, ["batch", str(src), "--out", str(out), "--engine", engine, "--layout", layout,
                                          "--no-progress"])
        assert result.exit_code == 4 and "line 6: invalid JSON" in result.stderr, result.output
        texts[engine] = out.read_text(encoding="utf-8").replace(engine, "ENGINE")
    assert texts["numpy"] == texts["duckdb"]
    if fmt == "jsonl":  # not vacuous: open answers name their fields
        assert '"missing":["appeal.grounds"]' in texts["duckdb"]
    if fmt == "csv" and layout == "wide":
        assert texts["pydatalog"] == texts["numpy"]


def test_wide_layout_has_every_answer_of_a_case_on_one_line(tmp_path: Path, kb: redress.KnowledgeBase) -> None:
    import csv

    src = _jsonl(tmp_path / "cases.jsonl", *AWKWARD)
    out = tmp_path / "answers.jsonl"
    result = CliRunner().invoke(cli, ["batch", str(src), "--out", str(out), "--layout", "wide", "--no-progress"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["line"], r["case"]) for r in rows] == [(1, 'quote " and, comma'), (2, "línea\nnueva"), (3, None), (4, "")]
    for row, case in zip(rows, AWKWARD):
        assert list(row["answers"]) == list(kb.questions)
        assert (row["rules_version"], row["engine"]) == (kb.rules_version, "numpy")
        for q, got in row["answers"].items():
            ref = kb.ask(q, case).to_dict()
            members = None if "possible" not in ref else [p["member"] for p in ref["possible"]]
            assert (got["status"], got["answer"]) == (ref["status"], ref["answer"])
            assert (None if "possible" not in got else [p["member"] for p in got["possible"]]) == members
    assert any(got.get("possible") for row in rows for got in row["answers"].values())

    csv_out = tmp_path / "answers.csv"
    assert CliRunner().invoke(cli, ["batch", str(src), "--out", str(csv_out), "--layout", "wide", "--questions",
                                    "appealable,routes", "--no-progress"]).exit_code == 0
    table = list(csv.DictReader(csv_out.open(encoding="utf-8", newline="")))
    assert list(table[0]) == ["line", "case", "rules_version", "engine", "appealable.status", "appealable.answer",
                              "routes.status", "routes.answer", "routes.possible"]
    assert [(r["line"], r["case"]) for r in table] == [("1", 'quote " and, comma'), ("2", "línea\nnueva"), ("3", ""),
                                                       ("4", "")]
    assert table[0]["appealable.answer"] == "true"
    routes = kb.ask("routes", AWKWARD[1])
    assert (table[1]["routes.answer"], table[1]["routes.possible"]) == (
        ";".join(routes.answer or []), ";".join(p.member for p in routes.possible or []))


def test_unknown_layout_is_refused(tmp_path: Path, kb: redress.KnowledgeBase) -> None:
    from redress.batch import run_batch_compiled
    from redress.errors import RedressError

    with pytest.raises(RedressError, match="unknown layout 'tall'"):
        run_batch_compiled(kb, _jsonl(tmp_path / "c.jsonl", REFUSAL), ["appealable"], tmp_path / "o.jsonl", "jsonl",
                           "jsonl", layout="tall")


@pytest.mark.parametrize("layout", ["long", "wide"])
def test_numpy_and_sql_write_the_same_file_for_a_generated_caseload(tmp_path: Path, kb: redress.KnowledgeBase,
                                                                     layout: str) -> None:
    """Every kind of answer (dates, conflicts, lists, none) over 3,000 seeded cases: the numpy
    writer's per-question codes and the SQL writer's distinct rows render the same lines, the
    missing fields and each possible member's included."""
    from redress.batch import run_batch_compiled
    from redress.caseload import write_jsonl

    src = tmp_path / "cases.jsonl"
    write_jsonl(src, 3000, 7)
    texts = []
    for backend in ("numpy", "duckdb"):
        out = tmp_path / f"{backend}.jsonl"
        summary = run_batch_compiled(kb, src, list(kb.questions), out, "jsonl", "jsonl", backend=backend, layout=layout,
                                     chunk=1000)
        assert (summary.cases, summary.problems) == (3000, [])
        texts.append(out.read_text(encoding="utf-8").replace(f'"engine":"{backend}"', '"engine":"E"'))
    assert texts[0] == texts[1]
    assert texts[1].count('"missing":[]') < texts[1].count('"missing":')  # some answers name fields


CONTRACT_LINE_KEYS = {"line", "case", "question", "status", "answer", "missing", "rules_version", "engine"}


@pytest.mark.parametrize("engine", ["numpy", "duckdb", "pydatalog"])
@pytest.mark.parametrize("layout", ["long", "wide"])
def test_every_engine_writes_the_contract_answer_shape(tmp_path: Path, engine: str, layout: str) -> None:
    """Each line carries the contract's answer keys, `missing` and `engine` included; an authority
    that is not encoded is answered on the national rules by every engine alike (issue 17)."""
    src = _jsonl(tmp_path / "cases.jsonl", REFUSAL, {"id": "u", "decision": {"kind": "plan_finalised"}},
                 {"id": "w", "authority": "westminster", "decision": {"kind": "refuse_assessment"}})
    out = tmp_path / "answers.jsonl"
    result = CliRunner().invoke(cli, ["batch", str(src), "--questions", "appealable,routes", "--out", str(out),
                                      "--engine", engine, "--layout", layout, "--no-progress"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    if layout == "wide":
        assert all(row["engine"] == engine for row in rows)
        rows = [{"line": row["line"], "case": row["case"], "question": q, "rules_version": row["rules_version"],
                 "engine": row["engine"], **a} for row in rows for q, a in row["answers"].items()]
    assert len(rows) == 6
    for row in rows:
        assert CONTRACT_LINE_KEYS <= set(row), (engine, row)
        assert row["engine"] == engine
        if row["status"] == "determined" and not row.get("possible"):
            assert row["missing"] == []
        else:  # the union of the fields each possible member waits on
            assert row["missing"] and set(row["missing"]) == {f for p in row.get("possible") or () for f in p["missing"]} \
                or row["status"] == "undetermined"
    undetermined = next(r for r in rows if r["case"] == "u" and r["question"] == "appealable")
    assert undetermined["status"] == "undetermined"
    assert undetermined["missing"] == ["appeal.grounds"]
    routes = next(r for r in rows if r["case"] == "u" and r["question"] == "routes")
    assert routes["possible"] and all(p["missing"] for p in routes["possible"])
    assert next(r for r in rows if r["case"] == "w" and r["question"] == "appealable")["answer"] is True


# A delayed plan, the disagreement with the council about special educational provision, both
# sides willing, its stage not given (nor the issues for mediation or the grounds of appeal).
DELAYED_PLAN = {"id": "d", "as_of": "2025-06-01", "decision": {"kind": "plan_delayed"},
                "disagreement": {"counterparty": "local_authority", "about": "special_educational_provision",
                                 "parties_agree": True}}


def test_the_sql_names_the_fields_each_route_waits_on(tmp_path: Path) -> None:
    """`routes` for DELAYED_PLAN through the generated SQL, the expectation read off the rules:

    - a delayed plan is no decision s.51(2) lists (appealable_decision_kind) nor a finalised or
      amended plan, so appealable is definitely false: no tribunal, mediation or recommendations;
    - la_complaint_route (la_matter(plan_delayed)) and judicial_review_of_failure
      (public_law_failure(plan_delayed)) hold; so does ombudsman_after_council, as nothing is
      appealable and lgsco_time_barred needs a recorded first_aware: la_complaint, lgsco and
      judicial_review are established;
    - disagreement_resolution: only provision_with_local_authority can bring the case in scope, and
      it waits on disagreement_stage: disagreement.stage;
    - nhs_complaint: health_dispute by health_issue_raised (mediation.issues) or by
      health_section_appealed (appeal.grounds); phso follows it (phso_time_barred needs a
      recorded first_aware too), with the same fields;
    - social_care_complaint: by social_care_procedure_for_issues only (the disagreement is about
      special educational provision): mediation.issues;
    - the answer is determined (members are established) and its missing is the union.
    disagreement_resolution_available alone waits on disagreement.stage."""
    src = _jsonl(tmp_path / "cases.jsonl", DELAYED_PLAN)
    out = tmp_path / "answers.jsonl"
    result = CliRunner().invoke(cli, ["batch", str(src), "--questions", "routes,disagreement_resolution_available",
                                      "--out", str(out), "--engine", "duckdb", "--no-progress"])
    assert result.exit_code == 0, result.output
    routes, resolution = [json.loads(line) for line in out.read_text().splitlines()]
    assert (routes["status"], routes["answer"]) == ("determined", ["judicial_review", "la_complaint", "lgsco"])
    assert {p["member"]: set(p["missing"]) for p in routes["possible"]} == {
        "disagreement_resolution": {"disagreement.stage"},
        "nhs_complaint": {"mediation.issues", "appeal.grounds"},
        "phso": {"mediation.issues", "appeal.grounds"},
        "social_care_complaint": {"mediation.issues"},
    }
    assert [p["member"] for p in routes["possible"]] == ["disagreement_resolution", "nhs_complaint", "phso",
                                                         "social_care_complaint"]
    assert sorted(routes["missing"]) == ["appeal.grounds", "disagreement.stage", "mediation.issues"]
    assert len(routes["missing"]) == 3
    assert (resolution["status"], resolution["answer"], resolution["missing"]) == (
        "undetermined", None, ["disagreement.stage"])
    settled = {**DELAYED_PLAN, "disagreement": {**DELAYED_PLAN["disagreement"], "stage": "review"},
               "mediation": {"issues": []}, "appeal": {"grounds": []}}
    _jsonl(src, settled)  # every field given: nothing is possible, nothing missing
    assert CliRunner().invoke(cli, ["batch", str(src), "--questions", "routes", "--out", str(out), "--engine", "duckdb",
                                    "--no-progress"]).exit_code == 0
    row = json.loads(out.read_text())
    assert (row["answer"], row["possible"], row["missing"]) == (
        ["disagreement_resolution", "judicial_review", "la_complaint", "lgsco"], [], [])


def test_progress_moves_per_chunk_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    from redress.frontends import cli as cli_module
    from redress.caseload import write_jsonl

    screen = io.StringIO()
    monkeypatch.setattr(cli_module, "_stderr_console",
                        lambda: Console(file=screen, force_terminal=True, width=100, color_system=None))
    src = write_jsonl(tmp_path / "cases.jsonl", 3000, 7)
    result = CliRunner().invoke(cli, ["batch", str(src), "--questions", "appealable", "--out",
                                      str(tmp_path / "answers.jsonl")])
    assert result.exit_code == 0, result.output
    shown = screen.getvalue()
    # 3,000 lines in chunks of 1,000: the bar is drawn at each chunk, not only at the end
    assert "1000/3000" in shown and "2000/3000" in shown, shown[-500:]


def test_no_progress_bar_off_a_terminal_only_one_summary_line(tmp_path: Path) -> None:
    src = _jsonl(tmp_path / "cases.jsonl", REFUSAL)
    result = CliRunner().invoke(cli, ["batch", str(src), "--questions", "appealable", "--out",
                                      str(tmp_path / "answers.jsonl")])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if not line.startswith("rules: ")]
    assert len(lines) == 1 and lines[0].startswith("1 case, 1 answer -> ")


@pytest.mark.parametrize("system", ["writev", "short writes", "no writev"])
def test_the_writer_appends_every_text_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, system: str) -> None:
    """``answerfile.write_all`` by writev, by writev that writes less than asked (a signal, a full
    disk: the rest must follow by plain writes), and where the system has no writev."""
    import numpy as np

    from redress.compiled import answerfile

    texts = [f"line {i} ".encode() * (i % 7 + 1) for i in range(5000)]
    expected = b"".join(texts)
    if system == "short writes":
        real = os.writev

        def short(fd: int, buffers: list[bytes]) -> int:
            return real(fd, [b"".join(buffers)[:max(1, sum(map(len, buffers)) // 3)]])

        monkeypatch.setattr(answerfile.os, "writev", short)
    elif system == "no writev":
        monkeypatch.delattr(answerfile.os, "writev")
    out = tmp_path / "out.txt"
    with out.open("wb") as target:
        target.write(b"head\n")  # what the file object holds goes first
        answerfile.write_all(target, texts, np.array([len(t) for t in texts], dtype=np.int64))
        target.write(b"tail\n")
    assert out.read_bytes() == b"head\n" + expected + b"tail\n"


def test_every_engine_reports_a_bad_line_in_the_same_words(tmp_path: Path, kb: redress.KnowledgeBase) -> None:
    """A bad line is worded by the schema's one set of checks whichever engine reads the file: the
    compiled engines flag it in SQL and report it as the engine of record does ("did you mean",
    the list item's index, invalid JSON's column), over hand-picked and generated bad lines."""
    import random
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import fuzz_cases  # noqa: E402  (the fuzzer's case generator: wrong types, unknown keys, odd dates, ...)

    rng = random.Random(14)
    lines: list[object] = [{"decision": {"kind": "refuse_assesment"}}, {"appeal": {"grounds": ["section_x"]}},
                           {"decison": {"kind": "refuse_assessment"}}, "{not json", "[1, 2]",
                           {"person": {"age": 17, "over_compulsory_school_age": False}}, {"decision": {"sent": "2025-02-30"}},
                           # found by this test: a week date Python's fromisoformat took, a slash date and an age
                           # beyond BIGINT DuckDB took, a lone surrogate in an authority's name, a 5,000-digit number
                           {"decision": {"sent": "2025-W01-1"}}, {"decision": {"sent": "2025/01/01"}},
                           {"person": {"age": 2 ** 63}}, '{"authority": "a\\udfffb"}', '{"id": 1' + "0" * 5000 + "}"]
    lines += [fuzz_cases.break_text(rng, fuzz_cases.to_text(fuzz_cases.generate(rng))) for _ in range(400)]
    src = tmp_path / "cases.jsonl"
    src.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
                   encoding="utf-8", errors="surrogatepass")
    reference = run_batch(kb, src, ["appealable"], tmp_path / "ref.jsonl", "jsonl", "jsonl").problems
    assert len(reference) > 100
    for backend in ("numpy", "duckdb"):
        found = run_batch_compiled(kb, src, ["appealable"], tmp_path / f"{backend}.jsonl", "jsonl", "jsonl",
                                   backend=backend).problems
        assert [str(p) for p in found] == [str(p) for p in reference], backend
