"""Text for people: routes and services by their names with contact details, an applied exception
marked as applying, counts that agree with their nouns (issue 17)."""

from __future__ import annotations

import re

from click.testing import CliRunner

from redress.api import load
from redress.frontends.cli import cli
from redress.reports.export import answer_markdown
from redress.kb.schema import ROUTE_NAMES, ROUTES
from redress.reports.render import answer_text

BARNET = {"id": "b", "authority": "barnet", "decision": {"kind": "refuse_assessment", "sent": "2025-10-01"},
          "mediation": {"issues": ["education"]}}


def test_every_contract_route_has_one_name() -> None:
    assert ROUTES == tuple(ROUTE_NAMES) and all(ROUTE_NAMES.values())


def test_routes_are_named_for_people_in_text_and_markdown() -> None:
    answer = load().ask("routes", {"decision": {"kind": "provision_not_delivered"}, "mediation": {"issues": ["education"]},
                                   "disagreement": {"counterparty": "local_authority", "about": "sen_duties",
                                                    "stage": "review", "parties_agree": True}})
    assert answer.status == "determined" and "la_complaint" in answer.answer
    for shown in (answer_text(answer).split("\n")[0], answer_markdown(answer).split("\n")[0]):
        assert "Complaint to the local authority (la_complaint)" in shown and "Judicial review" in shown


def test_local_services_show_their_names_and_contact_details() -> None:
    answer = load().ask("local_contacts", BARNET)
    text = answer_text(answer)
    assert "Kids London SEN Mediation Service (barnet:" in text
    assert "contact details and steps:" in text
    assert "  Kids London SEN Mediation Service: phone 0207 359 3635" in text
    assert "Kids London SEN Mediation Service: phone 0207 359 3635" in answer_markdown(answer)


def test_an_applied_exception_is_marked_as_applying() -> None:
    # a placement-only appeal needs no mediation certificate: the exception applies (CFA 2014 s.55)
    answer = load().ask("mediation_advice_required", {"decision": {"kind": "plan_amended"},
                                                      "appeal": {"grounds": ["section_i_named"]}})
    assert answer.answer is False
    text = answer_text(answer)
    assert "✓ an exception to rule 'advice_before_appeal' applies" in text
    assert "✗ an exception" not in text and "✗ an exception" not in answer_markdown(answer)


def test_coverage_counts_agree_with_their_nouns() -> None:
    out = CliRunner().invoke(cli, ["coverage"]).stdout
    assert not re.search(r"\b1 rules\b|\b1 scenarios\b", out)
    assert re.search(r"\b1 rule\b", out) and re.search(r"\b\d{2,} rules\b", out)


# Explanations a policy officer reads (issue 12 item 6): only what bears on the case.
BARE_REFUSAL = {"id": "r", "as_of": "2025-02-01", "decision": {"kind": "refuse_assessment", "sent": "2025-01-10"}}


def test_a_rule_tried_on_an_unknown_value_shows_no_sample_of_the_laws_rows() -> None:
    # The case does not say who the disagreement is with, what it is about, at what stage, or what
    # the appeal is about: the proof says so, and does not pick an academy, a health commissioner,
    # a stage or a plan section the case does not have to show the law's lists with.
    text = answer_text(load().ask("routes", BARE_REFUSAL))
    assert "the case does not say who the disagreement is with (disagreement.counterparty)" in text
    assert "the case does not say which parts of the decision or plan the appeal is about (appeal.grounds)" in text
    for sample in ("the academy has", "the health_commissioner commissions", "drafting_plan is a stage",
                   "section_d is a social care section", "section_c is a health section",
                   "at the awaiting_appeal stage"):
        assert sample not in text, sample


def test_a_date_the_case_does_not_record_is_not_called_an_empty_list() -> None:
    text = answer_text(load().ask("routes", BARE_REFUSAL))
    assert "as an empty list" not in text
    assert "the case does not record when the family first knew of the problem complained of (complaint.first_aware)" in text


def test_a_denial_over_an_open_value_says_any_not_some() -> None:
    # a delayed plan is no decision s.51(2) lists: "under any limb", not "under s.51(2)(some limb)"
    text = answer_text(load().ask("appealable", {"decision": {"kind": "plan_delayed"}}))
    assert "s.51(2)(any limb)" in text and "some limb" not in text


def test_open_values_read_as_a_person_would_say_them() -> None:
    kb = load()
    # nobody appeals a delayed plan: "belongs to anyone", not "belongs to the some who"
    text = answer_text(kb.ask("appellant", {"decision": {"kind": "plan_delayed"}}))
    assert "the right of appeal belongs to anyone" in text and "the some" not in text and "the any" not in text
    # a condition that must not hold, on a ground the case does not give
    text = answer_text(kb.ask("mediation_advice_required", {"decision": {"kind": "plan_finalised"}}))
    assert "which must not hold: the case leaves a value it needs unknown" in text
    assert "cannot check the condition 'not some" not in text


# An SEN appeal about section F of an amended plan, on education alone, before any mediation.
EDUCATION_ONLY = {"id": "e", "as_of": "2025-03-01", "decision": {"kind": "plan_amended", "sent": "2025-02-10"},
                  "appeal": {"grounds": ["section_f"]}, "mediation": {"issues": ["education"]},
                  "person": {"role": "parent", "age": 11}}


def test_caveats_come_only_from_the_steps_an_answer_rests_on() -> None:
    kb = load()
    answer = kb.ask("appeal_deadline", EDUCATION_ONLY)
    # the rules for a disability discrimination claim and for a late contact with the adviser were
    # tried and failed: their paragraphs stay cited (the proof shows them), their caveats do not apply
    for provision in ("Equality Act 2010 Sch 17 para 4", "Tribunal Procedure (Amendment No.3) Rules 2014"):
        assert provision in answer.citations
        assert not any(c.startswith(provision + ":") for c in answer.caveats), provision
    assert any(c.startswith("HESC Rules r.20(1)(c):") for c in answer.caveats)
    # a claim that is a disability discrimination claim does rest on that limit, and says so
    claim = kb.ask("appeal_deadline", {**EDUCATION_ONLY, "appeal": {"type": "disability_discrimination",
                                                                      "conduct_date": "2025-02-10"}})
    assert any(c.startswith("Equality Act 2010 Sch 17 para 4:") for c in claim.caveats), claim.caveats
