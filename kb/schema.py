"""The public contract's case format (../shared/spec/contract.md): fields, vocabulary, validation.

A validated case is flat: ``{"decision.kind": "refuse_assessment", "appeal.grounds": [...]}``.
An absent field is *unknown*. JSON ``null`` is unknown too, except for the fields whose
``null_means`` says what null stands for (the contract: a vocabulary that lists null, such as
``disagreement.stage``, and the event dates of mediation and recommendations): there null is a
known value, kept as ``None`` — "none" or "has not happened" — and the rules see no row for it.
An empty list is a known empty value. docs/case-fields.md tabulates each field's reading.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from redress.core.errors import CaseValidationError, printable, shown
from redress.law.dates import MAX_DATE, MIN_DATE

__all__ = ["case_line", "FieldSpec", "FIELDS", "NULLABLE", "CSV_NULL", "CONTRACT_QUESTIONS", "ROUTES", "ROUTE_NAMES", "Case", "NOT_UTF8",
           "parse_json", "validate_case", "FIRST_DATE", "LAST_DATE", "OUT_OF_RANGE"]

# The dates a case may hold. The calendar (bank holidays) runs to MAX_DATE, and every period the
# rules count from a case date (two months, five weeks, 30 days, then HESC r.12's roll to the next
# working day) must end inside it, or the answer fails with no field to blame: a year's margin.
FIRST_DATE, LAST_DATE = MIN_DATE, _dt.date(MAX_DATE.year - 1, 12, 31)
OUT_OF_RANGE = (f"is outside the supported range {FIRST_DATE} to {LAST_DATE} "
                f"(deadlines counted from it must end within the calendar, to {MAX_DATE})")


@dataclass(frozen=True)
class FieldSpec:
    path: str
    type: str  # enum | enum_list | date | int | bool | string
    values: tuple[str, ...] = ()
    default: Any = None
    description: str = ""  # a noun phrase: reads after "the case does not say ..."
    null_means: str = ""  # non-empty: JSON null is a known value meaning this (else null = unknown)


_KINDS = (
    "refuse_assessment", "refuse_plan", "plan_finalised", "plan_amended", "refuse_reassessment",
    "refuse_amend", "cease_plan", "issue_plan", "personal_budget_refused", "school_sen_support",
    "provision_not_delivered", "plan_delayed", "tribunal_order_not_implemented", "recommendation_not_implemented",
)
_GROUNDS = (
    "decision", "section_a", "section_b", "section_c", "section_d", "section_e", "section_f",
    "section_g", "section_h1", "section_h2", "section_i_named", "section_i_type", "section_i_none",
    "section_j",
)
AUTHORITIES = ("barnet", "barking-and-dagenham", "camden", "bath-and-north-east-somerset", "north-central-london")

FIELDS: dict[str, FieldSpec] = {
    f.path: f
    for f in (
        FieldSpec("id", "string", description="the case's identifier, echoed in answers"),
        FieldSpec("authority", "enum", AUTHORITIES, description="which local authority the case is with (absent: national rules only)"),
        FieldSpec("as_of", "date", description="the date the question is asked (default: today)"),
        FieldSpec("person.role", "enum", ("parent", "young_person"), description="who brings the case"),
        FieldSpec("person.age", "int", description="the age in years of the child or young person"),
        FieldSpec("person.over_compulsory_school_age", "bool",
                  description="whether the person is past the last Friday in June of the school year in which they turn 16"),
        FieldSpec("decision.kind", "enum", _KINDS, description="what the local authority (or other body) decided or did"),
        FieldSpec("decision.sent", "date", description="when written notice of the decision was sent"),
        FieldSpec("decision.plan_made", "date", description="when the EHC plan was made or last amended"),
        FieldSpec("appeal.type", "enum", ("sen", "disability_discrimination"), default="sen",
                  description="whether it is an s.51 SEN appeal (the default) or a disability discrimination claim"),
        FieldSpec("appeal.grounds", "enum_list", _GROUNDS, description="which parts of the decision or plan the appeal is about"),
        FieldSpec("appeal.conduct_date", "date",
                  description="when the conduct complained of in a disability discrimination claim occurred (an extension field)"),
        FieldSpec("mediation.adviser_contacted", "date", description="when the mediation adviser was contacted",
                  null_means="the family has not contacted the mediation adviser"),
        FieldSpec("mediation.adviser_told_decline", "date", description="when the adviser was told mediation is declined",
                  null_means="the family has not told the adviser it declines mediation"),
        FieldSpec("mediation.requested", "date", description="when the family told the LA it wants mediation",
                  null_means="the family has not asked for mediation"),
        FieldSpec("mediation.issues", "enum_list", ("education", "health", "social_care"),
                  description="what the mediation is about (education, health, social care)"),
        FieldSpec("mediation.concluded", "date", description="when mediation concluded",
                  null_means="mediation has not concluded (or not taken place)"),
        FieldSpec("mediation.la_cannot_arrange_notified", "date",
                  description="when the LA told the adviser it cannot arrange mediation within 30 days",
                  null_means="the LA has not said it cannot arrange mediation in time"),
        FieldSpec("mediation.certificate_issued", "date", description="when the mediation certificate was issued",
                  null_means="no mediation certificate has been issued"),
        FieldSpec("disagreement.counterparty", "enum",
                  ("local_authority", "maintained_school", "academy", "early_years_provider",
                   "post16_institution", "health_commissioner"),
                  description="who the disagreement is with"),
        FieldSpec("disagreement.about", "enum",
                  ("sen_duties", "special_educational_provision", "health_provision",
                   "social_care_provision", "funding_between_bodies"),
                  description="what the disagreement is about"),
        FieldSpec("disagreement.stage", "enum",
                  ("ehc_assessment", "drafting_plan", "review", "reassessment", "awaiting_appeal"),
                  description="the stage of the EHC process the disagreement arises at",
                  null_means="the disagreement arises at none of these stages"),
        FieldSpec("disagreement.parties_agree", "bool", description="whether all parties agree to use disagreement resolution"),
        FieldSpec("recommendation.issued", "date", description="when the Tribunal's recommendation was made",
                  null_means="the Tribunal has made no recommendation"),
        FieldSpec("recommendation.to", "enum", ("health_commissioner", "local_authority"),
                  description="the body the recommendation is made to",
                  null_means="no recommendation has been made to anybody"),
        FieldSpec("recommendation.responded", "date",
                  description="when the body responded in writing to the recommendation (an extension field)",
                  null_means="the body has not responded to the recommendation"),
        FieldSpec("complaint.first_aware", "date",
                  description="when the family first knew of the problem complained of (an extension field: the ombudsmen's time limits)"),
        FieldSpec("complaint.good_reason_for_delay", "bool",
                  description="whether the ombudsman accepts a good reason for complaining after its time limit (an extension field)"),
        FieldSpec("complaint.whole_school", "bool",
                  description="whether the complaint is about the school as a whole, not one pupil only (an extension field: Ofsted)"),
        FieldSpec("complaint.made", "date",
                  description="when the body complained about received the written complaint (an extension field)"),
    )
}

_GROUPS = {p.split(".")[0] for p in FIELDS if "." in p}
NULLABLE: tuple[str, ...] = tuple(p for p, f in FIELDS.items() if f.null_means)  # null is a known value
CSV_NULL = "null"  # in a CSV file, the cell of a nullable field that stands for JSON null (empty: unknown)

CONTRACT_QUESTIONS: tuple[str, ...] = (
    "appealable", "appellant", "mediation_available", "mediation_arranged_by", "mediation_deadline",
    "mediation_advice_required", "adviser_contact_deadline", "certificate_due", "appeal_deadline",
    "recommendations_available", "recommendation_response_due", "disagreement_resolution_available",
    "routes", "local_contacts",
    # extensions (docs/complaints.md)
    "complaint_deadline", "complaint_reply_due",
)

# Each route's name for people, written once: every front-end that shows a route to a person
# (CLI text, Markdown, HTTP details) takes it from here.
ROUTE_NAMES: dict[str, str] = {
    "disagreement_resolution": "Disagreement resolution (an independent service the local authority arranges)",
    "mediation": "Mediation",
    "tribunal_appeal": "Appeal to the First-tier Tribunal (SEND)",
    "tribunal_recommendations": "Ask the Tribunal for recommendations on health and social care",
    "school_complaint": "Complaint to the school (its complaints procedure)",
    "la_complaint": "Complaint to the local authority",
    "nhs_complaint": "NHS complaint",
    "lgsco": "Local Government and Social Care Ombudsman",
    "phso": "Parliamentary and Health Service Ombudsman",
    "judicial_review": "Judicial review",
    "dfe_complaint": "Complaint to the Department for Education (after an academy's own procedure)",
    "ofsted_complaint": "Complaint to Ofsted (about the school as a whole)",
    "social_care_complaint": "Complaint under the council's social care complaints procedure",
    "county_court_claim": "Disability discrimination claim in the county court",
}
ROUTES = tuple(ROUTE_NAMES)


@dataclass(frozen=True)
class Case:
    """A validated case: ``values`` maps dotted field paths to known values only (``None`` for a
    nullable field given as null: known to be "none" / "has not happened")."""

    id: str | None
    values: Mapping[str, Any]
    as_of_defaulted: bool = False
    notes: tuple[str, ...] = ()  # how the case was read, for the answers to say (e.g. an authority not encoded)

    def known(self, path: str) -> bool:
        return path in self.values

    def get(self, path: str) -> Any:
        return self.values.get(path)


def _did_you_mean(word: str, options: Any) -> str:
    if len(word) > 64:  # no name is this long, and difflib's time grows with the length
        return ""
    close = difflib.get_close_matches(word, list(options), n=1)
    return f"did you mean '{close[0]}'? " if close else ""


def _check_value(spec: FieldSpec, value: Any, path: str) -> Any:
    check = _CHECKS.get(spec.type)
    if check is None:  # pragma: no cover
        raise AssertionError(spec.type)
    return check(spec, value, path)


def _check_string(spec: FieldSpec, value: Any, path: str) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise CaseValidationError("must be a string", path)
    try:
        text = str(value)
        text.encode("utf-8")
    except ValueError:  # a lone surrogate (UnicodeEncodeError), or an int over 4,300 digits
        raise CaseValidationError(f"must be a string of Unicode text, got {shown(value)}", path) from None
    return text


def _check_enum(spec: FieldSpec, value: Any, path: str) -> str:
    if not isinstance(value, str) or value not in spec.values:
        hint = _did_you_mean(value, spec.values) if isinstance(value, str) else ""
        raise CaseValidationError(f"unknown value {shown(value)}; {hint}expected one of: {', '.join(spec.values)}", path)
    return value


def _check_enum_list(spec: FieldSpec, value: Any, path: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise CaseValidationError("must be a list", path)
    for i, item in enumerate(value):
        if not isinstance(item, str) or item not in spec.values:
            hint = _did_you_mean(item, spec.values) if isinstance(item, str) else ""
            raise CaseValidationError(
                f"unknown value {shown(item)}; {hint}expected one of: {', '.join(spec.values)}", f"{path}[{i}]")
    return tuple(dict.fromkeys(value))


AGE_RANGE = (0, 120)  # a plausible person.age, in years
# Compulsory school age ends on the last Friday in June of the school year in which the person
# turns 16 (CFA 2014 s.83(2)): always ended at 17, never at 14.
COMPULSORY_SCHOOL_AGE_ENDED_BY, COMPULSORY_SCHOOL_AGE_NOT_ENDED_BY = 17, 14
_ISO_DATE = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}")  # YYYY-MM-DD in ASCII digits: the contract's one date form
ISO_DATE_PATTERN = _ISO_DATE.pattern  # the batch readers' SQL checks the same form


def _check_date(spec: FieldSpec, value: Any, path: str) -> _dt.date:
    if not isinstance(value, str):
        raise CaseValidationError("must be a date string YYYY-MM-DD", path)
    try:
        if not _ISO_DATE.fullmatch(value):  # fromisoformat alone also takes week dates ("2025-W01-1")
            raise ValueError
        parsed = _dt.date.fromisoformat(value)
    except ValueError:
        raise CaseValidationError(f"malformed date {shown(value)}; expected YYYY-MM-DD", path) from None
    if not FIRST_DATE <= parsed <= LAST_DATE:
        raise CaseValidationError(f"date {value} {OUT_OF_RANGE}", path)
    return parsed


def _check_int(spec: FieldSpec, value: Any, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise CaseValidationError("must be a whole number", path)
    if not AGE_RANGE[0] <= value <= AGE_RANGE[1]:
        raise CaseValidationError(f"{shown(value)} is not a plausible age", path)
    return value


def _check_bool(spec: FieldSpec, value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise CaseValidationError("must be true, false or null", path)
    return value


# a field's value checked, and converted to what the rules read, by the field's type
_CHECKS: dict[str, Callable[[FieldSpec, Any, str], Any]] = {
    "string": _check_string, "enum": _check_enum, "enum_list": _check_enum_list, "date": _check_date,
    "int": _check_int, "bool": _check_bool,
}


def _check_consistency(values: dict[str, Any]) -> None:
    """Reject facts that contradict each other; the rules may then rely on them agreeing."""
    age, over = values.get("person.age"), values.get("person.over_compulsory_school_age")
    if age is not None and over is False and age >= COMPULSORY_SCHOOL_AGE_ENDED_BY:
        raise CaseValidationError(f"cannot be false at age {age}: compulsory school age has always ended by "
                                  f"{COMPULSORY_SCHOOL_AGE_ENDED_BY}", "person.over_compulsory_school_age")
    if age is not None and over is True and age <= COMPULSORY_SCHOOL_AGE_NOT_ENDED_BY:
        raise CaseValidationError(f"cannot be true at age {age}: compulsory school age cannot have ended by "
                                  f"{COMPULSORY_SCHOOL_AGE_NOT_ENDED_BY}", "person.over_compulsory_school_age")


def _key_path(group: str, key: str) -> str:
    """The dotted path of a key as written, quoted when it is not a plain name (empty, dotted,
    bracketed, spaced), so an error's field always points at one key: ``person[""]``. The key is
    judged with its surrogates escaped, and shown as ``printable`` gives it (cut short)."""
    shown_key = printable(key)
    plain = key.encode("utf-8", "backslashreplace").decode("utf-8")
    if plain and plain.isprintable() and not any(c in plain for c in '.[]" '):
        return f"{group}.{shown_key}" if group else shown_key
    return f"{group}[{json.dumps(shown_key)}]"


HUGE_NUMBER_DIGITS = 4300  # Python's limit on an integer's digits (sys.get_int_max_str_digits), kept for every engine
HUGE_NUMBER = f"a number has more than {HUGE_NUMBER_DIGITS:,} digits"
NOT_UTF8 = "not valid UTF-8 text"  # a line of a cases file whose bytes do not decode


def parse_json(text: str, field: str | None = None, *, one_line: bool = False) -> Any:
    """JSON text as data; every way it can fail is a CaseValidationError naming ``field``: bad
    syntax (with its position: the column alone for ``one_line`` text, a batch line), nesting too
    deep for the parser, an integer too long to convert."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        where = f"column {err.colno}" if one_line else f"line {err.lineno}, column {err.colno}"
        raise CaseValidationError(f"invalid JSON at {where}: {err.msg}", field) from None
    except RecursionError:
        raise CaseValidationError("invalid JSON: nested too deeply", field) from None
    except ValueError as err:  # int() refuses over 4,300 digits
        if "integer string conversion" in str(err):
            raise CaseValidationError(f"invalid JSON: {HUGE_NUMBER}", field) from None
        raise CaseValidationError(f"invalid JSON: {err}", field) from None


def case_line(text: str) -> dict[str, Any]:
    """One line of a JSONL cases file as a case object, for every engine's batch reader: invalid
    JSON (with its column) and a value that is not an object are errors naming no field, as the
    line itself is at fault; the object is then validated by :func:`validate_case`."""
    value = parse_json(text.rstrip("\r\n"), one_line=True)  # without its line ending, as every reader takes it
    if not isinstance(value, dict):
        raise CaseValidationError("a case must be a JSON object")
    return value


def _check_group(key: str, value: Any, values: dict[str, Any]) -> None:
    """Check the fields of the group ``key`` (an object), adding their values to ``values``."""
    if not isinstance(value, dict):
        raise CaseValidationError("must be an object", key)
    for sub, subvalue in value.items():
        path = f"{key}.{printable(sub)}"
        if path not in FIELDS:
            subs = [p.split(".", 1)[1] for p in FIELDS if p.startswith(key + ".")]
            raise CaseValidationError(f"unknown field; {_did_you_mean(sub, subs)}{key} has: "
                                      + ", ".join(subs), _key_path(key, sub))
        if subvalue is not None:
            values[path] = _check_value(FIELDS[path], subvalue, path)
        elif FIELDS[path].null_means:
            values[path] = None  # null is this field's value "none" / "has not happened"


def validate_case(raw: Any, today: _dt.date | None = None) -> Case:
    """Validate a case as JSON data; every error names the offending field.

    >>> validate_case({"decision": {"kind": "refuse_assessment"}}, _dt.date(2025, 1, 1)).get("decision.kind")
    'refuse_assessment'
    """
    if not isinstance(raw, dict):
        raise CaseValidationError("a case must be a JSON object", "case")
    values: dict[str, Any] = {}
    notes: list[str] = []
    for key, value in raw.items():
        if key == "authority" and isinstance(value, str) and value not in AUTHORITIES:
            _check_string(FIELDS[key], value, key)  # Unicode text, as any name (no lone surrogate)
            # An authority whose leaflet is not encoded: the national rules still answer (the
            # contract's "absent: national rules only"), and the answer says so.
            notes.append(f"authority {shown(value)} is not encoded ({_did_you_mean(value, AUTHORITIES)}encoded: "
                         f"{', '.join(AUTHORITIES)}); answered on the national rules only, without its local "
                         "arrangements")
            continue
        if key in _GROUPS:
            if value is not None:
                _check_group(key, value, values)
        elif key in FIELDS:
            if value is not None:
                values[key] = _check_value(FIELDS[key], value, key)
        else:
            top = sorted({p.split('.')[0] for p in FIELDS})
            raise CaseValidationError(f"unknown field; {_did_you_mean(key, top)}a case has: " + ", ".join(top),
                                      _key_path("", key))
    _check_consistency(values)
    for path, spec in FIELDS.items():
        if spec.default is not None and path not in values:
            values[path] = spec.default
    defaulted = "as_of" not in values
    if defaulted:
        values["as_of"] = today or _dt.date.today()
    case_id = values.pop("id", None)
    return Case(case_id, values, defaulted, tuple(notes))
