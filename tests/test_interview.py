"""The guided interview (redress.interview) over the engine, and its terminal version
(``redress interview``). The browser version is tests/test_browser.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import redress
from redress import interview as iv
from redress.frontends.cli import cli
from redress.errors import CaseValidationError, QueryError
from redress.kb.schema import FIELDS

AS_OF = "2026-03-02"


@pytest.fixture(scope="module")
def kb() -> redress.KnowledgeBase:
    return redress.load()


def test_every_case_field_has_a_plain_english_prompt_with_labelled_values() -> None:
    for field, spec in FIELDS.items():
        if field == "id":
            continue
        p = iv.prompt(field)
        assert p.question.endswith("?"), field
        if spec.type in ("enum", "enum_list"):
            assert [o.value for o in p.options] == list(spec.values)
            assert all(o.label and o.label != o.value for o in p.options), field
    assert iv.prompt("disagreement.stage").none_label == "None of these"  # null is a value (the contract)
    assert iv.prompt("mediation.certificate_issued").none_label is not None
    assert iv.prompt("decision.sent").none_label is None  # null is unknown there
    with pytest.raises(CaseValidationError):
        iv.prompt("decison.kind")


def test_the_first_question_is_what_was_decided(kb: redress.KnowledgeBase) -> None:
    assert iv.Interview(kb, "routes").next_field({}) == "decision.kind"
    assert iv.Interview(kb, "appeal_deadline").next_field({}) == "decision.kind"
    assert iv.Interview(kb, "appeal_deadline").next_field({"decision.kind": "refuse_assessment"}) == "decision.sent"


def test_a_field_that_cannot_change_the_answer_is_not_asked(kb: redress.KnowledgeBase) -> None:
    # Who arranges mediation turns on what mediation is about (CFA 2014 ss.53-54), not on the
    # parts of the plan appealed, though the engine names both while the issues are unknown.
    session = iv.Interview(kb, "mediation_arranged_by")
    answer = session.answers({"decision.kind": "plan_finalised"})["mediation_arranged_by"]
    assert "appeal.grounds" in answer["missing"]
    assert session.next_field({"decision.kind": "plan_finalised"}) == "mediation.issues"


def test_an_answered_field_is_never_asked_again(kb: redress.KnowledgeBase) -> None:
    session = iv.Interview(kb, "appeal_deadline")
    facts: dict[str, Any] = {"decision.kind": "refuse_assessment", "decision.sent": "2025-10-31",
                             "mediation.certificate_issued": None}
    assert session.next_field(facts) is None


def test_an_unknown_question_is_refused(kb: redress.KnowledgeBase) -> None:
    with pytest.raises(QueryError):
        iv.Interview(kb, "appealible")


def test_answers_read_from_text_and_forms() -> None:
    kind = iv.prompt("decision.kind")
    assert iv.parse_text(kind, "1") == "refuse_assessment"
    assert iv.parse_text(kind, "cease_plan") == "cease_plan"
    with pytest.raises(CaseValidationError, match="select one"):
        iv.parse_text(kind, "99")
    assert iv.parse_text(iv.prompt("appeal.grounds"), "3, section_i_named") == ["section_b", "section_i_named"]
    assert iv.parse_text(iv.prompt("mediation.certificate_issued"), "none") is None
    assert iv.parse_text(iv.prompt("disagreement.parties_agree"), "yes") is True
    with pytest.raises(CaseValidationError, match="real date"):
        iv.parse_text(iv.prompt("decision.sent"), "2025-02-30")
    assert iv.parse_date_parts("decision.sent", "2", "1", "2026") == "2026-01-02"
    with pytest.raises(CaseValidationError, match="month"):
        iv.parse_date_parts("decision.sent", "2", "", "2026")
    with pytest.raises(CaseValidationError, match="real date"):
        iv.parse_date_parts("decision.sent", "31", "2", "2025")


def test_facts_from_outside_are_checked() -> None:
    assert iv.check_facts({"decision.kind": "cease_plan"}) == {"decision.kind": "cease_plan"}
    for bad, field in (([], "case"), ({"decision.kinds": "x"}, "decision.kinds"), ({"id": "x"}, "id"),
                       ({"decision.kind": "refuse"}, "decision.kind")):
        with pytest.raises(CaseValidationError) as err:
            iv.check_facts(bad)
        assert err.value.field == field
    assert iv.nest({"authority": "camden", "decision.kind": "cease_plan", "decision.sent": "2025-01-02"}) == {
        "authority": "camden", "decision": {"kind": "cease_plan", "sent": "2025-01-02"}}


# ---------------------------------------------------------------------- the property


DATES = ["2025-01-10", "2025-03-12", "2025-06-30", "2025-08-15", "2025-10-31", "2025-11-20", "2025-12-28",
         "2026-01-02", "2026-02-20", "2026-07-20"]


def _samples(field: str) -> list[Any]:
    """Every value of a field with few values; for a date or a number, a spread of values
    (including the r.12(3) windows and the school-age boundary)."""
    values = iv.candidate_values(field)
    if values is not None:
        return values
    if FIELDS[field].type == "int":
        return [4, 11, 15, 16, 17, 19, 24, 26]
    return DATES + ([None] if iv.nullable(field) else [])


_FACT_VALUES: dict[str, Any] = {f: st.sampled_from(_samples(f)) for f in FIELDS
                                if f not in ("id", "as_of", "appeal.conduct_date")}


@st.composite
def partial_facts(draw: st.DrawFn) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(sorted(_FACT_VALUES)), max_size=6, unique=True))
    facts: dict[str, Any] = {"as_of": AS_OF}
    for field in chosen:
        facts[field] = draw(_FACT_VALUES[field])
    return facts


def _outcomes(kb: redress.KnowledgeBase, questions: tuple[str, ...], facts: dict[str, Any]) -> tuple[Any, ...] | None:
    try:
        answers = kb.ask_many(list(questions), iv.nest(facts))
    except CaseValidationError:
        return None  # the value contradicts the other facts
    # a list answer's established members are its answer (the older shape kept them in "known")
    return tuple((a.status, json.dumps(d["answer"]), json.dumps(d.get("known")), tuple(a.missing))
                 for a in answers for d in [a.to_dict()])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=st.sampled_from(["routes", "appealable", "appeal_deadline", "mediation_arranged_by",
                                 "mediation_advice_required", "disagreement_resolution_available"]),
       facts=partial_facts())
def test_the_interview_never_asks_a_field_whose_every_value_gives_the_same_answer(
        kb: redress.KnowledgeBase, question: str, facts: dict[str, Any]) -> None:
    try:
        iv.check_facts(facts)
    except CaseValidationError:
        return  # contradictory facts (age against school age) are rejected before any question
    session = iv.Interview(kb, question)
    field = session.next_field(facts)
    if field is None:
        return
    assert field not in facts
    answers = session.answers(facts)
    assert any(field in a["missing"] for a in answers.values())
    # It can change the answers on its own, or together with one other fact still missing
    # (the decision's date and the certificate's settle the deadline only together).
    others = [None] + sorted({f for a in answers.values() for f in a["missing"] if f not in facts and f != field})
    for other in others:
        for given in ([{}] if other is None else [{other: v} for v in _samples(other)]):
            seen = {o for value in _samples(field) if (o := _outcomes(kb, session.questions,
                                                                      {**facts, **given, field: value}))}
            if len(seen) > 1:
                return
    raise AssertionError(f"{field} cannot change the answers to {session.questions} on {facts}")


def test_the_terminal_interview_runs_in_a_real_pipe() -> None:
    import subprocess
    import sys

    # An academy's SEN support for a pupil without a plan: no appeal (CFA 2014 s.51 lists only the
    # local authority's decisions); the school's own complaints procedure (CoP 11.67).
    done = subprocess.run([sys.executable, "-m", "redress", "interview"], input="6\n10\n3\n1\n1\n2\nno\n2\n",
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "No — this cannot be appealed to the First-tier Tribunal (SEND)." in done.stdout
    assert "Complaint to the school (its complaints procedure)" in done.stdout
