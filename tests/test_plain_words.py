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
