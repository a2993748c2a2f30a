"""Every contested or unverified point of the domain reference reaches the answers that rest on it.

Each row names a point (as docs/contested.md lists it), the scenario that shows it, the question
asked of that scenario's case and a phrase of the caveat that names the point. The test asks the
question and looks for the caveat in the answer's ``caveats``: a point decided silently fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import redress
from redress.parser import ast
from redress.parser.parse import parse_file
from redress.frontends.pytest_plugin import case_from_givens

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "rules" / "scenarios"
DOC = REPO / "docs" / "contested.md"

# (point, scenario title, question, a phrase of the caveat)
POINTS: list[tuple[str, str, str, str]] = [
    ("bromley-six-months", "Contested: a refusal to assess soon after an assessment is still appealable",
     "appealable", "Bromley's Local Offer"),
    ("bromley-six-months", "Contested: a refusal to reassess is appealable without a six-month carve-out",
     "appealable", "Bromley's Local Offer"),
    ("issue-plan-derived", "Derived: the decision to issue a plan has no appellant",
     "appellant", "a parent who wants no plan at all is derived"),
    ("health-beside-placement", "Unverified: health sections beside a placement-only appeal need no certificate",
     "mediation_advice_required", "rests on the DfE trial materials"),
    ("s55-text", "Unverified: the certificate requirement rests on s.55 as summarised",
     "mediation_advice_required", "subsection text of s.55 was not read"),
    ("code-numbering", "Unverified: the certificate requirement rests on s.55 as summarised",
     "mediation_advice_required", "(11.21-11.25) is approximate"),
    ("ss52-54-text", "Secondary: mediation after a refusal to amend rests on s.52 as summarised",
     "mediation_available", "CFA 2014 s.52: The section text was not read"),
    ("ss52-54-text", "Unverified: health-only mediation arranged by the commissioner",
     "mediation_arranged_by", "CFA 2014 s.53: The section text was not read"),
    ("regs-35-37", "Unverified: health-only mediation arranged by the commissioner",
     "mediation_deadline", "Regs 35-37 were not read"),
    ("health-only-30-days", "Unverified: health-only mediation arranged by the commissioner",
     "mediation_deadline", "the date given is the latest it can be"),
    ("reg-34-partial", "Unverified: the certificate's three working days",
     "certificate_due", "Only reg 34(1)'s lead-in was read"),
    ("working-day", "Unverified: the certificate's three working days",
     "certificate_due", "'Working day' is not defined"),
    ("month-end", "Derived: two months from 31 December end on 28 February",
     "adviser_contact_deadline", "no corresponding date"),
    ("sent-not-dated", "Derived: two months from 31 December end on 28 February",
     "adviser_contact_deadline", "the sending date is the legally relevant one"),
    ("sent-not-dated", "Uncertain in practice: the appeal runs from the date notice was sent",
     "appeal_deadline", "'sent' may differ in practice"),
    ("srr-permanence", "Contested: recommendations rest on powers whose permanence is disputed",
     "recommendations_available", "Whether they were made permanent is contested"),
    ("education-ground-live", "Contested: recommendations rest on powers whose permanence is disputed",
     "recommendations_available", "must remain live throughout the appeal"),
    ("reg-6-partial", "Unverified: five weeks to respond to a recommendation",
     "recommendation_response_due", "Only reg 6(1) was read"),
    ("reg-3-made-or-sent", "Assumed: the recommendations period runs from the date notice was sent",
     "recommendations_available", "the date notice of the decision was sent as the date it was made"),
    ("dr-sep-with-la", "Secondary: disagreement resolution with the LA while an appeal is awaited",
     "disagreement_resolution_available", "rest on local-offer copies of the Code"),
    ("three-or-four-kinds", "Seeds differ: the fourth kind of disagreement, between the LA and the commissioner",
     "disagreement_resolution_available", "speak of 'three kinds'"),
    ("capacity", "Unverified: the young person's right, by the school-age flag alone",
     "appellant", "lacks capacity"),
    ("school-age-end", "Unverified: the young person's right, by the school-age flag alone",
     "appellant", "taken from secondary sources (Lancashire SENDIAS)"),
    ("under-25-assumed", "Unverified: the young person's right, by the school-age flag alone",
     "appellant", "takes them to be under 25"),
    ("dd-against-la", "Secondary: a discrimination claim against an academy goes to the Tribunal",
     "routes", "go to the county court"),
    ("dd-time-limit", "Unverified: the six-month limit for a discrimination claim",
     "appeal_deadline", "UNVERIFIED here"),
    ("r12-3-2020", "Amended 2020: an SEN appeal ending on Christmas Day moves to 2 January",
     "appeal_deadline", "Since the amendment of 21 July 2020"),
    ("complaints-numbering", "Unverified numbering: delay goes to the LA complaint and the LGSCO",
     "routes", "Paragraph numbering of CoP 11.67-11.111 is not verified"),
    ("lgsco-social-care", "Unsettled: the ombudsman and social care beside an appeal",
     "routes", "whether s.26(6)(a) bars a complaint about the social care element"),
    ("leave-without-certificate", "Appeal deadline before the certificate is issued is limb (i)",
     "appeal_deadline", "given only in exceptional circumstances"),
    ("r12-2-and-3", "Uncertain: an SEN deadline on Saturday 31 July rolls to Monday 2 August, not to September",
     "appeal_deadline", "does not say how r.12(2) and r.12(3) combine"),
    ("dd-before-2020", "Before the 2020 amendment: a discrimination claim ending in August moved to September",
     "appeal_deadline", "transitional provisions were not read"),
    ("no-roll-outside-tribunal", "Adviser contact deadline on the 2022 state-funeral bank holiday is not moved",
     "adviser_contact_deadline", "The 2 months are not moved off a weekend"),
    ("no-roll-outside-tribunal", "Mediation deadline on Christmas Day is not moved",
     "mediation_deadline", "The 30 days are calendar days and are not moved"),
    ("no-roll-outside-tribunal", "Response due date on Christmas Day is not moved",
     "recommendation_response_due", "The 5 weeks end on the same weekday"),
    ("r12-2-and-3", "Uncertain: an SEN deadline on Saturday 24 December 2022 rolls to Wednesday 28 December",
     "appeal_deadline", "does not say how r.12(2) and r.12(3) combine"),
    ("late-adviser-contact", "Permission needed: the adviser contacted after the two months, the certificate limb still counted",
     "appeal_deadline", "contacted after reg 33's 2 months"),
    ("lgsco-twelve-months", "On the last day of the 12 months the ombudsman is still in time",
     "complaint_deadline", "complaints more than 12 months late are refused without good reason"),
    ("phso-one-year", "The PHSO's year from a leap day ends on 28 February",
     "complaint_deadline", "only from the Camden seed (002)"),
]


def _scenarios() -> dict[str, ast.Scenario]:
    found: dict[str, ast.Scenario] = {}
    for path in sorted(SCENARIOS.glob("*.rules")):
        for item in parse_file(path).items:
            if isinstance(item, ast.Scenario):
                found[item.title] = item
    return found


@pytest.fixture(scope="module")
def kb() -> redress.KnowledgeBase:
    return redress.load()


@pytest.fixture(scope="module")
def scenarios() -> dict[str, ast.Scenario]:
    return _scenarios()


@pytest.mark.parametrize(("point", "title", "question", "phrase"), POINTS,
                         ids=[f"{p}-{q}" for p, _, q, _ in POINTS])
def test_point_is_surfaced(kb: redress.KnowledgeBase, scenarios: dict[str, ast.Scenario],
                           point: str, title: str, question: str, phrase: str) -> None:
    assert title in scenarios, f"no scenario titled {title!r}"
    answer = kb.ask(question, case_from_givens(scenarios[title].givens)).to_dict()
    assert any(phrase in caveat for caveat in answer["caveats"]), (point, answer["caveats"])


def test_docs_list_every_point_and_its_scenario() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for point, title, _, _ in POINTS:
        assert f"`{point}`" in doc, f"docs/contested.md does not list {point}"
        assert title in doc, f"docs/contested.md does not name the scenario {title!r}"
