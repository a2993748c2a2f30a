"""Case validation: every error names the offending field; nulls are unknown; defaults."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from redress.errors import CaseValidationError, RedressError
from redress.kb.schema import FIELDS, validate_case

TODAY = dt.date(2025, 3, 14)


def error_for(raw: Any) -> CaseValidationError:
    with pytest.raises(CaseValidationError) as err:
        validate_case(raw, TODAY)
    return err.value


@pytest.mark.parametrize(("raw", "field"), [
    # unknown enum values
    ({"decision": {"kind": "refuse_everything"}}, "decision.kind"),
    ({"authority": 7}, "authority"),  # an authority not encoded is a note, not an error (see below)
    ({"person": {"role": "grandparent"}}, "person.role"),
    ({"appeal": {"type": "judicial_review"}}, "appeal.type"),
    ({"recommendation": {"to": "school"}}, "recommendation.to"),
    # unknown fields, nested and top-level
    ({"decision": {"kynd": "refuse_assessment"}}, "decision.kynd"),
    ({"decison": {"kind": "refuse_assessment"}}, "decison"),
    # malformed dates
    ({"decision": {"sent": "2025-13-01"}}, "decision.sent"),
    ({"decision": {"sent": "2025-02-30"}}, "decision.sent"),
    ({"decision": {"sent": "2025-1-10"}}, "decision.sent"),
    ({"decision": {"sent": "10/01/2025"}}, "decision.sent"),
    ({"decision": {"sent": "2025-01-10T09:00:00"}}, "decision.sent"),
    ({"as_of": "yesterday"}, "as_of"),
    ({"mediation": {"certificate_issued": "2025-06-31"}}, "mediation.certificate_issued"),
    # list items
    ({"appeal": {"grounds": ["section_f", "section_z"]}}, "appeal.grounds[1]"),
    ({"appeal": {"grounds": ["section_q"]}}, "appeal.grounds[0]"),
    ({"mediation": {"issues": ["education", "health", 3]}}, "mediation.issues[2]"),
    # wrong types
    ({"decision": {"sent": 20250110}}, "decision.sent"),
    ({"person": {"age": "9"}}, "person.age"),
    ({"person": {"age": 9.5}}, "person.age"),
    ({"person": {"age": True}}, "person.age"),
    ({"person": {"over_compulsory_school_age": "yes"}}, "person.over_compulsory_school_age"),
    ({"person": {"over_compulsory_school_age": 1}}, "person.over_compulsory_school_age"),
    ({"appeal": {"grounds": "section_f"}}, "appeal.grounds"),
    ({"decision": {"kind": ["refuse_assessment"]}}, "decision.kind"),
    ({"decision": "refuse_assessment"}, "decision"),
    ({"person": ["parent"]}, "person"),
    ({"id": True}, "id"),
    ({"id": {"n": 1}}, "id"),
])
def test_errors_name_the_field(raw: dict[str, Any], field: str) -> None:
    err = error_for(raw)
    assert err.field == field
    assert str(err).startswith(f"{field}: ")
    assert isinstance(err, RedressError)
    assert err.code == "invalid_case"


def test_an_unknown_value_error_lists_the_vocabulary() -> None:
    err = error_for({"decision": {"kind": "refuse_everything"}})
    assert "refuse_everything" in err.bare_message
    assert "refuse_assessment" in err.bare_message and "cease_plan" in err.bare_message


def test_an_unknown_field_error_lists_the_known_fields() -> None:
    err = error_for({"decision": {"kynd": "x"}})
    assert "kind" in err.bare_message and "sent" in err.bare_message


def test_a_malformed_date_error_shows_the_value_and_the_format() -> None:
    err = error_for({"decision": {"sent": "2025-13-01"}})
    assert "2025-13-01" in err.bare_message
    assert "YYYY-MM-DD" in err.bare_message


@pytest.mark.parametrize("age", [-1, 121, 1000])
def test_implausible_ages_are_rejected(age: int) -> None:
    assert error_for({"person": {"age": age}}).field == "person.age"


@pytest.mark.parametrize("raw", [[], ["decision"], "refuse_assessment", 17, None, True])
def test_a_case_must_be_an_object(raw: Any) -> None:
    err = error_for(raw)
    assert err.field == "case"
    assert "object" in err.bare_message


def test_null_is_unknown_except_where_the_contract_gives_null_a_meaning() -> None:
    case = validate_case({
        "id": None,
        "authority": None,
        "as_of": None,
        "person": {"role": None, "age": None, "over_compulsory_school_age": None},
        "decision": None,
        "appeal": {"grounds": None},
        "mediation": {"requested": None, "issues": None},
        "recommendation": None,
    }, TODAY)
    assert case.id is None
    for path in ("authority", "person.role", "person.age", "person.over_compulsory_school_age", "decision.kind",
                 "appeal.grounds", "mediation.issues"):
        assert not case.known(path), path
        assert case.get(path) is None
    assert case.get("as_of") == TODAY  # a null as_of defaults like an absent one
    assert case.get("appeal.type") == "sen"
    assert case.known("mediation.requested") and case.get("mediation.requested") is None  # nullable: "has not happened"
    assert not case.known("recommendation.issued")  # a null group: every field in it absent


# The contract: "where a field's vocabulary lists null (disagreement.stage), or for an event date
# (mediation and recommendation dates), null is a value: none / has not happened".
NULLABLE_FIELDS = ("disagreement.stage", "mediation.adviser_contacted", "mediation.adviser_told_decline",
                   "mediation.requested", "mediation.concluded", "mediation.la_cannot_arrange_notified",
                   "mediation.certificate_issued", "recommendation.issued", "recommendation.to",
                   "recommendation.responded")


@pytest.mark.parametrize("path", NULLABLE_FIELDS)
def test_null_is_a_known_value_for_each_nullable_field(path: str) -> None:
    group, sub = path.split(".")
    given = validate_case({group: {sub: None}}, TODAY)
    absent = validate_case({group: {}}, TODAY)
    assert given.known(path) and given.get(path) is None
    assert not absent.known(path)


def test_the_nullable_fields_are_exactly_the_contracts() -> None:
    from redress.kb.schema import NULLABLE

    assert set(NULLABLE) == set(NULLABLE_FIELDS)


def test_false_and_empty_list_are_known_values_not_absent() -> None:
    case = validate_case({"person": {"over_compulsory_school_age": False}, "appeal": {"grounds": []}}, TODAY)
    assert case.known("person.over_compulsory_school_age") and case.get("person.over_compulsory_school_age") is False
    assert case.known("appeal.grounds") and tuple(case.get("appeal.grounds")) == ()


def test_valid_values_are_normalised() -> None:
    case = validate_case({
        "id": "case-17", "authority": "camden", "as_of": "2025-06-01",
        "person": {"role": "parent", "age": 11},
        "decision": {"kind": "plan_amended", "sent": "2025-01-10"},
        "appeal": {"grounds": ["section_f", "section_i_named", "section_f"]},
    }, TODAY)
    assert case.id == "case-17"
    assert case.get("decision.sent") == dt.date(2025, 1, 10)
    assert case.get("as_of") == dt.date(2025, 6, 1)
    assert case.get("person.age") == 11
    assert tuple(case.get("appeal.grounds")) == ("section_f", "section_i_named")  # duplicates once
    assert case.get("decision.kind") == "plan_amended"


def test_the_contract_example_case_validates() -> None:
    example = {
        "id": "case-17", "authority": "camden", "as_of": "2025-06-01",
        "person": {"role": "parent", "age": 11, "over_compulsory_school_age": None},
        "decision": {"kind": "plan_amended", "sent": "2025-01-10", "plan_made": "2019-05-02"},
        "appeal": {"type": "sen", "grounds": ["section_f", "section_i_named", "section_h2"]},
        "mediation": {"adviser_contacted": "2025-02-20", "adviser_told_decline": "2025-03-05", "requested": None,
                      "issues": ["education"], "concluded": None, "la_cannot_arrange_notified": None,
                      "certificate_issued": "2025-03-07"},
        "disagreement": {"counterparty": "academy", "about": "special_educational_provision", "stage": None,
                         "parties_agree": True},
        "recommendation": {"issued": None, "to": None},
    }
    case = validate_case(example, TODAY)
    assert case.get("mediation.certificate_issued") == dt.date(2025, 3, 7)
    assert case.get("disagreement.parties_agree") is True
    assert case.known("disagreement.stage") and case.get("disagreement.stage") is None  # null: at none of the stages
    assert case.known("mediation.requested") and case.get("mediation.requested") is None  # has not happened


def test_an_integer_id_is_accepted_as_a_string() -> None:
    assert validate_case({"id": 17}, TODAY).id == "17"


@pytest.mark.parametrize("raw", [{}, {"appeal": {}}, {"appeal": {"type": None}}, {"appeal": None},
                                 {"appeal": {"grounds": ["section_f"]}}])
def test_appeal_type_defaults_to_sen(raw: dict[str, Any]) -> None:
    case = validate_case(raw, TODAY)
    assert case.get("appeal.type") == "sen"
    assert FIELDS["appeal.type"].default == "sen"


def test_a_given_appeal_type_is_kept() -> None:
    assert validate_case({"appeal": {"type": "disability_discrimination"}}, TODAY).get("appeal.type") \
        == "disability_discrimination"


def test_as_of_defaults_to_today() -> None:
    before = dt.date.today()
    case = validate_case({})
    after = dt.date.today()
    assert case.get("as_of") in (before, after)
    assert isinstance(case.get("as_of"), dt.date)
    assert case.as_of_defaulted is True


def test_as_of_default_can_be_injected_and_a_given_as_of_wins() -> None:
    assert validate_case({}, TODAY).get("as_of") == TODAY
    given = validate_case({"as_of": "2024-12-25"}, TODAY)
    assert given.get("as_of") == dt.date(2024, 12, 25)
    assert given.as_of_defaulted is False


def test_validation_does_not_mutate_its_input() -> None:
    raw = {"decision": {"kind": "refuse_assessment", "sent": "2025-01-10"}, "appeal": {"grounds": ["decision"]}}
    snapshot = repr(raw)
    validate_case(raw, TODAY)
    assert repr(raw) == snapshot


@pytest.mark.parametrize(("age", "over"), [(17, False), (20, False), (14, True), (9, True)])
def test_contradictory_school_age_facts_name_the_flag(age: int, over: bool) -> None:
    err = error_for({"person": {"age": age, "over_compulsory_school_age": over}})
    assert err.field == "person.over_compulsory_school_age"


@pytest.mark.parametrize(("age", "over"), [(15, True), (16, False), (17, True), (14, False)])
def test_consistent_school_age_facts_are_accepted(age: int, over: bool) -> None:
    case = validate_case({"person": {"age": age, "over_compulsory_school_age": over}}, TODAY)
    assert case.get("person.over_compulsory_school_age") is over


def test_a_misspelt_field_or_value_gets_a_did_you_mean() -> None:
    assert "did you mean 'decision'?" in str(error_for({"decison": {"kind": "refuse_assessment"}}))
    assert "did you mean 'kind'?" in str(error_for({"decision": {"knd": "refuse_assessment"}}))
    assert "did you mean 'refuse_assessment'?" in str(error_for({"decision": {"kind": "refuse_asessment"}}))
    assert "did you mean 'section_f'?" in str(error_for({"appeal": {"grounds": ["sectoin_f"]}}))
    assert "did you mean" not in str(error_for({"zzzz": 1}))


def test_an_authority_not_encoded_is_answered_on_the_national_rules_with_a_note() -> None:
    from redress.api import load

    case = validate_case({"authority": "westminster", "decision": {"kind": "refuse_assessment"}}, TODAY)
    assert not case.known("authority")  # as if absent: the contract's "national rules only"
    assert case.notes and "authority 'westminster' is not encoded" in case.notes[0]
    answer = load().ask("appealable", {"authority": "camdem", "decision": {"kind": "refuse_assessment"}})
    assert (answer.status, answer.answer) == ("determined", True)
    assert answer.caveats[0].startswith("authority 'camdem' is not encoded (did you mean 'camden'?")
    assert "answered on the national rules only" in answer.caveats[0]
