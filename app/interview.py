"""The guided interview: which case field to ask next, and how to ask it in plain English.

One module drives both the web pages (``redress.frontends.webui``) and the terminal (``redress interview``).
It reasons about nothing itself: it asks the knowledge base (``kb.ask_many``) and reads the
contract's answer JSON (``Answer.to_dict()``), whose ``missing`` names the fields that could
still settle an answer. The rule for the next question:

1. the interview's questions are asked in a fixed order (for "What can the family do?": can they
   appeal, by when, must they get mediation advice, then every route, who arranges mediation,
   and the local contacts);
2. take the first of them whose answer is still open (its ``missing`` is not empty);
3. among its missing fields not yet answered, take the first — for a list answer (the routes),
   the field most of its possible members wait on; then in the case format's order (the person,
   the decision, the appeal, mediation, the disagreement, a recommendation) — that some value
   would change: for a field with few values (a choice, yes/no, a list) each value is tried
   and a field every value of which leaves that question's answer and its missing fields the same
   is skipped; a date or a number is asked as the engine reports it;
4. if none does, the first that some value changes once one other missing field with few values is
   given (two facts that matter only together);
5. when no open question has such a field, the interview is over.

Facts are kept flat and in the order they were given (``{"decision.kind": "refuse_assessment"}``),
so "back" removes the last one; :func:`nest` turns them into a contract case.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from redress.api import KnowledgeBase
from redress.core.errors import CaseValidationError, QueryError
from redress.kb.schema import AUTHORITIES, FIELDS, NULLABLE, ROUTE_NAMES, validate_case

__all__ = ["Option", "Prompt", "Interview", "FAMILY", "GOALS", "ROUTE_NAMES", "AUTHORITY_NAMES", "TIMELINE",
           "prompt", "nest", "sentence", "members", "parse_text", "parse_date_parts", "display_value", "nullable", "long_date"]

FAMILY = "routes"  # the start page's interview: "What can the family do?"

# The questions each interview answers, in the order their missing facts are asked.
GOALS: dict[str, tuple[str, ...]] = {
    FAMILY: ("appealable", "appeal_deadline", "mediation_advice_required", "routes", "mediation_arranged_by",
             "local_contacts"),
}
# Deadlines shown on the result page and its timeline when the facts given settle them (never asked for).
TIMELINE = ("adviser_contact_deadline", "certificate_due", "mediation_deadline", "appeal_deadline",
            "recommendation_response_due")

AUTHORITY_NAMES = {
    "barnet": "London Borough of Barnet",
    "barking-and-dagenham": "London Borough of Barking and Dagenham",
    "camden": "London Borough of Camden",
    "bath-and-north-east-somerset": "Bath and North East Somerset Council",
    "north-central-london": "North Central London (the borough of seed 004)",
}
assert set(AUTHORITY_NAMES) == set(AUTHORITIES)


# Plain-English labels for the contract's vocabulary (shared/spec/contract.md), by field.
_LABELS: dict[str, dict[str, str]] = {
    "person.role": {"parent": "A parent, for their child", "young_person": "The young person, for themselves"},
    "decision.kind": {
        "refuse_assessment": "Refused to carry out an EHC needs assessment",
        "refuse_plan": "After an assessment, decided not to issue an EHC plan",
        "plan_finalised": "Finalised a first EHC plan",
        "plan_amended": "Finalised an amended or replacement EHC plan",
        "refuse_reassessment": "Refused to carry out a re-assessment",
        "refuse_amend": "Decided not to amend the EHC plan after a review or re-assessment",
        "cease_plan": "Decided to stop maintaining the EHC plan",
        "issue_plan": "Decided to issue an EHC plan (the decision itself, not what is in it)",
        "personal_budget_refused": "Refused a personal budget",
        "school_sen_support": "A school's SEN support for a pupil without an EHC plan",
        "provision_not_delivered": "Provision in the EHC plan is not being delivered",
        "plan_delayed": "A plan or decision was made late",
        "tribunal_order_not_implemented": "The local authority has not carried out the Tribunal's order",
        "recommendation_not_implemented": "A body has not carried out the Tribunal's recommendation",
    },
    "appeal.type": {"sen": "An appeal about special educational needs (an SEN appeal)",
                    "disability_discrimination": "A disability discrimination claim"},
    "appeal.grounds": {
        "decision": "The decision itself (the refusal or the ending of the plan)",
        "section_a": "Section A: the views, interests and aspirations",
        "section_b": "Section B: the description of special educational needs",
        "section_c": "Section C: health needs",
        "section_d": "Section D: social care needs",
        "section_e": "Section E: outcomes",
        "section_f": "Section F: special educational provision",
        "section_g": "Section G: health provision",
        "section_h1": "Section H1: social care provision under the Chronically Sick and Disabled Persons Act",
        "section_h2": "Section H2: other social care provision",
        "section_i_named": "Section I: the school or college named",
        "section_i_type": "Section I: the type of school or college",
        "section_i_none": "Section I: that no school or college is named",
        "section_j": "Section J: the personal budget",
    },
    "mediation.issues": {"education": "Education", "health": "Health", "social_care": "Social care"},
    "disagreement.counterparty": {
        "local_authority": "The local authority", "maintained_school": "A maintained school",
        "academy": "An academy or free school", "early_years_provider": "An early years provider",
        "post16_institution": "A college or other post-16 institution",
        "health_commissioner": "A health commissioner (an NHS body)"},
    "disagreement.about": {
        "sen_duties": "How the body carries out its SEN duties",
        "special_educational_provision": "The special educational provision made",
        "health_provision": "Health provision", "social_care_provision": "Social care provision",
        "funding_between_bodies": "Funding between the local authority and a health body"},
    "disagreement.stage": {
        "ehc_assessment": "During an EHC needs assessment", "drafting_plan": "While the EHC plan is drafted",
        "review": "At a review of the plan", "reassessment": "During a re-assessment",
        "awaiting_appeal": "While an appeal to the Tribunal is waiting to be heard"},
    "recommendation.to": {"health_commissioner": "A health commissioner (an NHS body)",
                          "local_authority": "The local authority (social care)"},
    "authority": AUTHORITY_NAMES,
}

# (question, hint, the "none" choice for a field where null is a value)
_TEXT: dict[str, tuple[str, str, str | None]] = {
    "authority": ("Which local authority is responsible for the child or young person?",
                  "Its own leaflet adds local contacts. Leave it out to use the national rules only.",
                  "National rules only"),
    "as_of": ("On what date is the question asked?", "The law in force on that date applies.", None),
    "person.role": ("Who is bringing the case?", "", None),
    "person.age": ("How old is the child or young person?", "In whole years.", None),
    "person.over_compulsory_school_age": (
        "Is the young person over compulsory school age?",
        "Compulsory school age ends on the last Friday in June of the school year in which they turn 16.", None),
    "decision.kind": ("What did the local authority (or school) decide or do?", "", None),
    "decision.sent": ("When was written notice of the decision sent to the family?",
                      "Use the date the letter or email was sent. If you only know the date on the letter, use that.",
                      None),
    "decision.plan_made": ("When was the EHC plan made, or last amended?", "", None),
    "appeal.type": ("What kind of case is it?", "", None),
    "appeal.grounds": ("What does the family disagree with?", "Select all that apply.", None),
    "appeal.conduct_date": ("When did the conduct complained of happen?", "", None),
    "mediation.adviser_contacted": ("When did the family contact the mediation adviser?", "",
                                    "They have not contacted the mediation adviser"),
    "mediation.adviser_told_decline": ("When did the family tell the mediation adviser they do not want mediation?",
                                       "", "They have not told the adviser that"),
    "mediation.requested": ("When did the family tell the local authority they want mediation?", "",
                            "They have not asked for mediation"),
    "mediation.issues": ("Which parts of the disagreement are about education, health or social care?",
                         "Select all that apply.", None),
    "mediation.concluded": ("When did mediation end?", "", "Mediation has not ended (or not taken place)"),
    "mediation.la_cannot_arrange_notified": (
        "When did the local authority tell the adviser it cannot arrange mediation within 30 days?", "",
        "The local authority has not said that"),
    "mediation.certificate_issued": ("When was the mediation certificate issued?",
                                     "The mediation adviser issues it after giving information about mediation, "
                                     "or after mediation.", "No certificate has been issued"),
    "disagreement.counterparty": ("Who is the disagreement with?", "", None),
    "disagreement.about": ("What is the disagreement about?", "", None),
    "disagreement.stage": ("At what stage is the disagreement?", "", "None of these"),
    "disagreement.parties_agree": ("Do all the parties agree to try disagreement resolution?", "", None),
    "recommendation.issued": ("When did the Tribunal make its recommendation?", "",
                              "The Tribunal has not made a recommendation"),
    "recommendation.to": ("Who was the recommendation made to?", "", "No recommendation has been made"),
    "recommendation.responded": ("When did the body respond in writing to the recommendation?", "",
                                 "It has not responded"),
    "complaint.first_aware": ("When did the family first know of the problem they are complaining about?",
                              "The ombudsmen's time limits run from then.", None),
    "complaint.good_reason_for_delay": ("Is there a good reason the complaint was not made sooner?",
                                        "The ombudsman may accept a late complaint for a good reason.", None),
    "complaint.whole_school": ("Is the complaint about the school as a whole, not only this pupil?",
                               "Ofsted takes complaints about a school as a whole, never about one pupil.", None),
    "complaint.made": ("When did the body receive the written complaint?", "", None),
}
assert set(_TEXT) == set(FIELDS) - {"id"}

_ISO = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
NONE = "none"  # the form and terminal value meaning "null": none / has not happened


def nullable(field: str) -> bool:
    """Whether JSON null is a value of the field ("none" / "has not happened"), not unknown (the
    contract's "Absent versus null"; ``FieldSpec.null_means`` in the schema)."""
    return field in NULLABLE


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Prompt:
    """How to ask one case field: ``kind`` is choice, choices (several), yes_no, date or number."""

    field: str
    kind: str
    question: str
    hint: str
    options: tuple[Option, ...]
    none_label: str | None  # the "none / has not happened" choice, for a field where null is a value

    @property
    def name(self) -> str:
        """The field as an HTML name/id: ``decision.kind`` -> ``decision-kind``."""
        return self.field.replace(".", "-").replace("_", "-")


_KIND = {"enum": "choice", "enum_list": "choices", "bool": "yes_no", "date": "date", "int": "number"}


def prompt(field: str) -> Prompt:
    """The plain-English question for a case field, with its allowed values."""
    if field not in _TEXT:
        raise CaseValidationError("unknown field", field)
    spec = FIELDS[field]
    question, hint, none = _TEXT[field]
    labels = _LABELS.get(field, {})
    options = tuple(Option(v, labels.get(v, v.replace("_", " "))) for v in spec.values)
    if spec.type == "bool":
        options = (Option("yes", "Yes"), Option("no", "No"))
    # an authority left out is the national rules only, so "none" is offered there too
    if nullable(field) and none is None:
        none = spec.null_means[:1].upper() + spec.null_means[1:]
    return Prompt(field, _KIND[spec.type], question, hint, options,
                  none if nullable(field) or field == "authority" else None)


def display_value(field: str, value: Any) -> str:
    """A given fact as a reader would say it."""
    if value is None:
        none = _TEXT.get(field, ("", "", None))[2]
        return none or "None"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "; ".join(display_value(field, v) for v in value) or "None of these"
    labels = _LABELS.get(field, {})
    if isinstance(value, str) and value in labels:
        return labels[value]
    if FIELDS.get(field) is not None and FIELDS[field].type == "date":
        return long_date(str(value))
    return str(value)


def long_date(iso: str) -> str:
    """``2026-01-02`` -> ``Friday 2 January 2026`` (unparseable text is returned as it is)."""
    try:
        d = _dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{d:%A} {d.day} {d:%B %Y}"


def nest(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Flat facts as a contract case: ``{"decision.kind": k}`` -> ``{"decision": {"kind": k}}``."""
    case: dict[str, Any] = {}
    for path, value in facts.items():
        if "." in path:
            group, sub = path.split(".", 1)
            case.setdefault(group, {})[sub] = value
        else:
            case[path] = value
    return case


def check_facts(raw: Any) -> dict[str, Any]:
    """Facts from outside (a form field, a link) checked against the case format; errors name the field."""
    if not isinstance(raw, dict) or not all(isinstance(k, str) for k in raw):
        raise CaseValidationError("the facts must be a JSON object of case fields", "case")
    for path in raw:
        if path not in FIELDS or path == "id":
            raise CaseValidationError("unknown case field", path)
    validate_case(nest(raw))
    return dict(raw)


# ---------------------------------------------------------------------- reading an answer


def _date(text: str, field: str) -> str:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return _dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise CaseValidationError("enter a real date, as YYYY-MM-DD (for example 2025-10-31)", field) from None


def parse_date_parts(field: str, day: str, month: str, year: str) -> str:
    """A date typed as day, month and year (the web form's three boxes), as ISO text."""
    day, month, year = day.strip(), month.strip(), year.strip()
    if not (day or month or year):
        raise CaseValidationError("enter the date", field)
    missing = [name for name, part in (("day", day), ("month", month), ("year", year)) if not part]
    if missing:
        raise CaseValidationError(f"the date must include a {' and a '.join(missing)}", field)
    if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
        raise CaseValidationError("the date must be numbers, with a 4-digit year (for example 31 10 2025)", field)
    try:
        return _dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        raise CaseValidationError("the date must be a real date", field) from None


def parse_choice(p: Prompt, raw: str) -> Any:
    """One chosen option (its value or, in the terminal, its number), as the fact's value."""
    raw = raw.strip()
    if p.none_label is not None and raw in (NONE, str(len(p.options) + 1)):
        return None
    values = [o.value for o in p.options]
    if raw.isdigit() and 1 <= int(raw) <= len(values):
        raw = values[int(raw) - 1]
    if raw not in values:
        raise CaseValidationError("select one of the options", p.field)
    if p.kind == "yes_no":
        return raw == "yes"
    return raw


def parse_text(p: Prompt, text: str) -> Any:
    """A terminal answer: an option's number or value; several, comma-separated; a date as
    YYYY-MM-DD; a number; or ``none`` where null is a value."""
    text = text.strip()
    if p.none_label is not None and text.lower() == NONE:
        return None
    if p.kind in ("choice", "yes_no"):
        return parse_choice(p, text)
    if p.kind == "choices":
        parts = [t for t in (s.strip() for s in text.split(",")) if t]
        if not parts:
            raise CaseValidationError("select at least one", p.field)
        return list(dict.fromkeys(parse_choice(p, part) for part in parts))
    if p.kind == "date":
        return _date(text, p.field)
    if not text.isdigit():
        raise CaseValidationError("enter a whole number", p.field)
    return int(text)


# ---------------------------------------------------------------------- the interview


def _walk(node: Mapping[str, Any], above: tuple[Mapping[str, Any], ...] = ()) -> Iterable[
        tuple[Mapping[str, Any], tuple[Mapping[str, Any], ...]]]:
    yield node, above
    for child in node.get("because", ()):
        yield from _walk(child, above + (node,))


def _is_open(answer: Mapping[str, Any]) -> bool:
    return bool(answer.get("missing"))


def _outcome(answer: Mapping[str, Any]) -> tuple[Any, ...]:
    """What a fact can change about an answer: its status, value, missing fields and the members a
    list answer has or may yet have."""
    return (answer["status"], repr(answer["answer"]), tuple(answer.get("missing") or ()),
            repr(answer.get("possible")), repr(answer.get("known")))


@dataclass
class Interview:
    """The interview for one question (or the family's questions, for ``routes``)."""

    kb: KnowledgeBase
    question: str

    def __post_init__(self) -> None:
        if self.question not in self.kb.questions:
            self.kb.ask(self.question, {})  # raises the API's own error (unknown / not encoded)
            raise QueryError(f"unknown question '{self.question}'")  # pragma: no cover
        self.questions = GOALS.get(self.question, (self.question,))
        self.shown = tuple(dict.fromkeys(self.questions + (TIMELINE if self.question == FAMILY else ())))

    @property
    def title(self) -> str:
        if self.question == FAMILY:
            return "What can the family do?"
        description = self.kb.questions[self.question].description
        return description[:1].upper() + description[1:]

    def answers(self, facts: Mapping[str, Any], shown: bool = False) -> dict[str, dict[str, Any]]:
        """The interview's answers (``shown``: with the result page's deadlines) on the facts."""
        names = list(self.shown if shown else self.questions)
        return {a.question: a.to_dict() for a in self.kb.ask_many(names, nest(facts))}

    def next_field(self, facts: Mapping[str, Any], answers: Mapping[str, Mapping[str, Any]] | None = None
                   ) -> str | None:
        """The next field to ask (see the module's rule), or None when the interview is over."""
        answers = answers if answers is not None else self.answers(facts)
        order = list(FIELDS)
        for name in self.questions:
            answer = answers[name]
            if not _is_open(answer):
                continue
            # a list answer's possible members each name the fields that would settle them: the
            # field more of them wait on comes first
            waiting = Counter(f for m in answer.get("possible") or [] if isinstance(m, dict) for f in m["missing"])
            candidates = sorted((str(f) for f in answer["missing"] if f not in facts and f in _TEXT),
                                key=lambda f: (-waiting[f], order.index(f)))
            for field in candidates:
                if self.can_change(name, facts, field):
                    return field
            # Two facts may matter only together: then ask the first that changes something once
            # one other missing fact with few values is given.
            for field in candidates:
                for other in candidates:
                    if other != field and any(self.can_change(name, {**facts, other: v}, field)
                                              for v in candidate_values(other) or ()):
                        return field
        return None

    def can_change(self, question: str, facts: Mapping[str, Any], field: str) -> bool:
        """Whether some value of ``field`` changes the question's answer or what it still needs."""
        values = candidate_values(field)
        if values is None:
            return True  # a date or a number: as the engine reports it
        seen = set()
        for value in values:
            try:
                seen.add(_outcome(self.kb.ask(question, nest({**facts, field: value})).to_dict()))
            except CaseValidationError:
                continue  # a value contradicting the facts (e.g. age against school age) cannot be chosen
            if len(seen) > 1:
                return True
        return False

    def reasons(self, field: str, answers: Mapping[str, Mapping[str, Any]]) -> list[str]:
        """The provisions the field matters for: those cited nearest above where each proof misses it."""
        cited: dict[str, None] = {}
        for answer in answers.values():
            for node, above in _walk(answer["explanation"]):
                if node.get("kind") == "missing" and node.get("field") == field:
                    for parent in reversed((*above, node)):
                        if parent.get("cites"):
                            cited.update(dict.fromkeys(parent["cites"]))
                            break
        return [c for c in cited if c in self.kb.provisions]

    def help_quote(self, provision_id: str) -> str:
        """The first sentence of a provision's text, for a question's help."""
        text = " ".join(self.kb.provisions[provision_id].text.split())
        first = re.split(r"(?<=[.;])\s", text, maxsplit=1)[0]
        return first if len(first) <= 320 else first[:317].rsplit(" ", 1)[0] + "…"


def candidate_values(field: str) -> list[Any] | None:
    """Every value a field with few values can take (a list field: each single member and the
    empty list), with null where it is a value; None for dates, numbers and free text."""
    spec = FIELDS[field]
    values: list[Any]
    if spec.type == "enum":
        values = list(spec.values)
    elif spec.type == "bool":
        values = [True, False]
    elif spec.type == "enum_list":
        values = [[v] for v in spec.values] + [[]]
    else:
        return None
    return values + ([None] if nullable(field) else [])


# ---------------------------------------------------------------------- answers in words

_SENTENCES: dict[str, tuple[str, str, str]] = {  # (yes or value, no or none, not yet known)
    "appealable": ("Yes — the family can appeal to the First-tier Tribunal (SEND)",
                   "No — this cannot be appealed to the First-tier Tribunal (SEND)",
                   "It is not yet known whether the family can appeal to the First-tier Tribunal (SEND)"),
    "appellant": ("The right of appeal belongs to {value}", "No one holds a right of appeal on these facts",
                  "It is not yet known who holds the right of appeal"),
    "mediation_available": ("Yes — the family can ask for mediation", "No — mediation is not available for this",
                            "It is not yet known whether mediation is available"),
    "mediation_arranged_by": ("Mediation is arranged by {value}", "No body must arrange mediation on these facts",
                              "It is not yet known who must arrange mediation"),
    "mediation_advice_required": (
        "Yes — the family must get mediation advice (a certificate) before appealing",
        "No — the family does not need a mediation certificate before appealing",
        "It is not yet known whether the family needs a mediation certificate before appealing"),
    "adviser_contact_deadline": ("Contact the mediation adviser by {value}", "No such deadline applies on these facts",
                                 "The deadline to contact the mediation adviser is not yet known"),
    "certificate_due": ("The mediation adviser must issue the certificate by {value}",
                        "No such deadline applies on these facts", "The certificate's due date is not yet known"),
    "mediation_deadline": ("Mediation must take place by {value}", "No such deadline applies on these facts",
                           "The mediation deadline is not yet known"),
    "appeal_deadline": ("The Tribunal must receive the appeal by {value}", "No appeal deadline applies on these facts",
                        "The appeal deadline is not yet known"),
    "recommendations_available": ("Yes — the Tribunal can make recommendations on health and social care",
                                  "No — the Tribunal cannot make recommendations here",
                                  "It is not yet known whether the Tribunal can make recommendations"),
    "recommendation_response_due": ("The body must respond to the recommendation by {value}",
                                    "No response deadline applies on these facts",
                                    "The response deadline is not yet known"),
    "disagreement_resolution_available": ("Yes — disagreement resolution can be used",
                                          "No — disagreement resolution is not available for this",
                                          "It is not yet known whether disagreement resolution can be used"),
    "routes": ("Open to the family: {value}", "No route is open on these facts",
               "It is not yet known which routes are open"),
    "local_contacts": ("Local contacts: {value}", "No local contacts for this case",
                       "The local contacts are not yet known"),
}
_VALUE_WORDS = {"parent": "the parent", "young_person": "the young person", "local_authority": "the local authority",
                "health_commissioner": "the health commissioner (the NHS body responsible)"}


def members(answer: Mapping[str, Any]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """A list answer's established members, and each member it may yet have with the fields that
    would settle it (the contract's ``possible``; the older ``known`` shape is read too)."""
    value = answer.get("answer")
    established = list(value if isinstance(value, list) else answer.get("known") or [])
    maybe: list[tuple[str, list[str]]] = []
    for item in answer.get("possible") or []:
        if isinstance(item, dict):
            maybe.append((str(item.get("member")), list(item.get("missing") or [])))
        else:
            maybe.append((str(item), []))
    return established, maybe


def _value_words(question: str, value: Any, names: Mapping[str, str]) -> str:
    if isinstance(value, list):
        return ", ".join(names.get(v, ROUTE_NAMES.get(v, str(v))) for v in value)
    if isinstance(value, str) and _ISO.fullmatch(value):
        return long_date(value)
    return _VALUE_WORDS.get(str(value), str(value).replace("_", " "))


def sentence(question: str, answer: Mapping[str, Any], names: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The answer in a sentence, and its tone: yes, no or unknown."""
    yes, no, unknown = _SENTENCES.get(question, ("{value}", "No", "Not yet known"))
    value = answer.get("answer")
    if question in ("routes", "local_contacts"):
        established, _ = members(answer)
        if established:
            return yes.format(value=_value_words(question, established, names or {})), "yes"
        return (unknown, "unknown") if answer["status"] == "undetermined" else (no, "no")
    if answer["status"] == "undetermined":
        return unknown, "unknown"
    if value is True:
        return yes, "yes"
    if value in (False, None, []):
        return no, "no"
    return yes.format(value=_value_words(question, value, names or {})), "yes"
