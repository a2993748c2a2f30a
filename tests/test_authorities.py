"""Local data per authority: loading, validation, quotes against the seeds, coverage of §3."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from redress.errors import DataError
from redress.kb.authorities import (
    CONTACT_KINDS,
    DEPARTURE_KINDS,
    Authority,
    load_authorities,
    load_authority_file,
    verify_quotes,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"
REFERENCE = SHARED / "domain" / "send-dispute-routes.md"

CONTRACT_IDS = {
    "barnet",
    "barking-and-dagenham",
    "camden",
    "bath-and-north-east-somerset",
    "north-central-london",
}

SEED_OF = {
    "barnet": "000_8587835dc4d5028a.txt",
    "barking-and-dagenham": "001_7b9a677e61c9ddb2.txt",
    "camden": "002_74535d750b803831.txt",
    "bath-and-north-east-somerset": "003_42ab5d1eb8dae135.txt",
    "north-central-london": "004_41b84a466aa74012.txt",
}

# Departures per authority. §3 of the reference has 5 / 8 / 5 / 4 / 10 bullets; a bullet that
# names several provisions is split into one departure per provision. B&NES also carries the
# seven points of its shared template (001) that §3 lists only under 001, and NCL the reg 33
# point of §3 001/2, which its own text repeats.
EXPECTED_DEPARTURES = {
    "barnet": 9,
    "barking-and-dagenham": 11,
    "camden": 6,
    "bath-and-north-east-somerset": 13,
    "north-central-london": 17,
}

# Provisions each authority's departures must cover (from the §3 bullets).
EXPECTED_PROVISIONS = {
    "barnet": {
        "CFA 2014 s.55",
        "HESC Rules r.20(1)(c)",
        "SEND Regs 2014 reg 33",
        "LGA 1974 s.26(6)(a)",
        "CFA 2014 s.51(2)",
        "CoP 11.6",
        "CoP 11.31",
        "SI 2017/1306 reg 2",
    },
    "barking-and-dagenham": {
        "CoP 11.8",
        "SEND Regs 2014 reg 33",
        "HESC Rules r.20(1)(c)",
        "CoP 11.31",
        "CFA 2014 ss.52-54",
        "CFA 2014 s.55",
        "HESC Rules r.20",
        "CFA 2014 s.56(3)(b)",
        "SI 2017/1306 reg 2",
        "CFA 2014 s.51(2)",
    },
    "camden": {
        "CFA 2014 ss.52-54",
        "CFA 2014 s.55",
        "HESC Rules r.20(1)(c)",
        "CFA 2014 s.51(2)",
        "SI 2017/1306 reg 2",
    },
    "bath-and-north-east-somerset": {
        "CoP 11.8",
        "SEND Regs 2014 reg 33",
        "CFA 2014 s.51(2)(c)",
        "SI 2017/1306 reg 2",
        "CFA 2014 s.55",
    },
    "north-central-london": {
        "CoP 11.6",
        "CFA 2014 s.55(4)",
        "CFA 2014 s.55",
        "SI 2017/1306 reg 3",
        "HESC Rules r.20(1)(c)",
        "SI 2017/1306 reg 2",
        "CFA 2014 ss.52-54",
        "CFA 2014 s.56(3)(b)",
    },
}


@pytest.fixture(scope="module")
def authorities() -> dict[str, Authority]:
    return load_authorities()


# --------------------------------------------------------------------------------------------
# The bundled data
# --------------------------------------------------------------------------------------------


def test_all_five_load_with_contract_ids(authorities: dict[str, Authority]) -> None:
    assert set(authorities) == CONTRACT_IDS
    for authority_id, a in authorities.items():
        assert a.id == authority_id
        assert a.file == f"{authority_id}.yaml"
        assert a.seed == SEED_OF[authority_id]
        assert a.name and a.source_title
        assert a.contacts, authority_id
        assert a.procedures, authority_id


def test_loading_twice_gives_equal_data(authorities: dict[str, Authority]) -> None:
    assert load_authorities() == authorities


def test_every_quote_is_in_its_seed(authorities: dict[str, Authority]) -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"seeds folder not available at {SEEDS}")
    assert verify_quotes(authorities, SEEDS) == []


def test_contact_kinds_and_ids(authorities: dict[str, Authority]) -> None:
    for a in authorities.values():
        ids = [c.id for c in a.contacts]
        assert len(ids) == len(set(ids)), a.id
        for c in a.contacts:
            assert c.kind in CONTACT_KINDS
            assert c.applies_to
            assert c.quote


def test_every_authority_has_an_advice_service_and_a_tribunal(
    authorities: dict[str, Authority],
) -> None:
    for a in authorities.values():
        assert a.contacts_of_kind("iass"), a.id
        assert a.contacts_of_kind("tribunal"), a.id


def test_contact_details_copied_from_seeds(authorities: dict[str, Authority]) -> None:
    barnet = authorities["barnet"].contact("kids_london_sen_mediation")
    assert barnet.kind == "mediation_adviser"
    assert barnet.phone == ("0207 359 3635",)

    ncl = authorities["north-central-london"]
    gm = ncl.contact("global_mediation")
    assert gm.phone == ("020 8441 1355", "0800 064 448")
    assert gm.email == "sen@globalmediation.co.uk"
    assert ncl.contact("first_tier_tribunal").email == "sendistqueries@hmcts.gsi.gov.uk"

    sps = authorities["bath-and-north-east-somerset"].contact("send_partnership_service")
    assert sps.phone[0] == "01225 394382"
    assert sps.email == "send_partnershipservice@bathnes.gov.uk"

    # Camden's seed gives no contact details at all: none may be invented.
    for c in authorities["camden"].contacts:
        assert c.phone == () and c.email is None and c.url is None and c.address is None, c.id


def test_contacts_for_area(authorities: dict[str, Authority]) -> None:
    camden = authorities["camden"]
    health = {c.id for c in camden.contacts_for("health")}
    assert {"nel_csu_patient_experience", "phso", "sendiass"} <= health
    assert "childrens_services_complaints" not in health
    social = {c.id for c in authorities["north-central-london"].contacts_for("social_care")}
    assert {"social_care_complaints", "lgsco"} <= social


def test_camden_nhs_resource_complaint(authorities: dict[str, Authority]) -> None:
    proc = authorities["camden"].procedure("nhs_resource_complaint")
    limits = [(s.limit_days, s.unit) for s in proc.steps]
    assert limits == [
        (28, "calendar_days"),
        (10, "working_days"),
        (30, "working_days"),
        (1, "years"),
    ]
    assert "health" in proc.applies_to
    assert "28 days" in proc.steps[0].quote[0]
    assert "10 working" in proc.steps[1].quote[0]
    assert "30 working days" in proc.steps[2].quote[0]
    assert "within a year" in proc.steps[3].quote[0]


def test_ncl_recommendation_response_is_five_weeks(authorities: dict[str, Authority]) -> None:
    step = authorities["north-central-london"].procedure("recommendation_response").steps[0]
    assert (step.limit_days, step.unit) == (35, "calendar_days")
    assert "five weeks" in step.quote[0]


def test_departure_counts(authorities: dict[str, Authority]) -> None:
    counts = {k: len(a.departures) for k, a in authorities.items()}
    assert counts == EXPECTED_DEPARTURES


def test_departure_fields(authorities: dict[str, Authority]) -> None:
    for a in authorities.values():
        ids = [d.id for d in a.departures]
        assert len(ids) == len(set(ids)), a.id
        for d in a.departures:
            assert d.kind in DEPARTURE_KINDS
            assert d.provision and d.explanation and d.statement
            assert d.ref, f"{a.id}:{d.id} has no ref to the reference's §3"


def test_departure_provisions(authorities: dict[str, Authority]) -> None:
    for authority_id, expected in EXPECTED_PROVISIONS.items():
        got = {d.provision for d in authorities[authority_id].departures}
        assert expected <= got, (authority_id, expected - got)


def test_specific_departures(authorities: dict[str, Authority]) -> None:
    bd = authorities["barking-and-dagenham"]
    assert bd.departure("three_kinds_of_disagreement").provision == "CoP 11.8"
    assert bd.departure("adviser_deadline_from_getting_decision").kind == "contradicts"
    assert bd.departure("appealable_decisions_list").kind == "consistent"
    banes = authorities["bath-and-north-east-somerset"]
    glossary = banes.departure("glossary_type_of_provision")
    assert "type of provision" in glossary.statement and glossary.kind == "contradicts"
    ncl = authorities["north-central-london"]
    assert ncl.departure("dr_formal_process").kind == "contradicts"
    assert ncl.departure("certificate_produced_at_tribunal").kind == "overstates"
    assert ncl.departure("trial_runs_two_years").kind == "outdated"
    camden = authorities["camden"]
    assert camden.departure("appeal_heading_is_nhs_complaint").kind == "contradicts"
    assert "within a year" in camden.departure("phso_within_a_year").statement


def _section_3_bullets(text: str) -> dict[str, int]:
    """Number of top-level bullets per seed ("000", "001", ...) in §3 of the reference."""
    start = text.index("## 3.")
    end = text.index("\n## ", start + 1)
    counts: dict[str, int] = {}
    for line in text[start:end].splitlines():
        m = re.match(r"^- (\d{3}) ", line)
        if m:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return counts


def test_every_section_3_bullet_is_covered(authorities: dict[str, Authority]) -> None:
    if not REFERENCE.is_file():
        pytest.skip(f"reference not available at {REFERENCE}")
    bullets = _section_3_bullets(REFERENCE.read_text(encoding="utf-8"))
    assert bullets == {"000": 5, "001": 8, "002": 5, "003": 4, "004": 10}
    for a in authorities.values():
        number = a.seed[:3]
        covered = {
            int(i)
            for d in a.departures
            for seed, i in re.findall(r"§3 (\d{3})/(\d+)", d.ref or "")
            if seed == number
        }
        assert covered == set(range(1, bullets[number] + 1)), (a.id, covered)


# --------------------------------------------------------------------------------------------
# verify_quotes catches what it should
# --------------------------------------------------------------------------------------------


def _minimal() -> dict[str, Any]:
    return {
        "id": "testshire",
        "name": "Testshire County Council",
        "seed": "009_0123456789abcdef.txt",
        "source_title": "A test leaflet",
        "contacts": [
            {
                "id": "iass",
                "kind": "iass",
                "name": "Testshire IASS",
                "phone": "01234 567890",
                "email": "iass@example.org",
                "applies_to": ["all"],
                "quote": "Call Testshire IASS on 01234 567890.",
            },
            {
                "id": "mediation",
                "kind": "mediation_provider",
                "name": "Test Mediation",
                "applies_to": ["education"],
                "quote": ["Test Mediation arranges mediation.", "It is free."],
            },
            {
                "id": "tribunal",
                "kind": "tribunal",
                "name": "First-tier Tribunal",
                "applies_to": ["education"],
                "quote": "You can appeal to the Tribunal.",
            },
        ],
        "procedures": [
            {
                "id": "complaint",
                "name": "Complaint",
                "steps": [
                    {
                        "what": "Complain",
                        "limit_days": 28,
                        "unit": "calendar_days",
                        "quote": "Complain within 28 days.",
                    },
                    {"what": "Wait", "limit_days": None, "quote": "It is free."},
                ],
            }
        ],
        "departures": [
            {
                "id": "no_limits",
                "statement": "You can appeal to the Tribunal.",
                "provision": "HESC Rules r.20(1)(c)",
                "kind": "omits",
                "explanation": "No time limit is given.",
            }
        ],
    }


SEED_TEXT = (
    "Call Testshire IASS on 01234\n567890. Email iass@example.org.\n"
    "Test Mediation arranges   mediation. It is free.\n"
    "You can appeal to the Tribunal. Complain within 28 days.\n"
)


def _write(directory: Path, doc: object, name: str = "testshire.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    text = doc if isinstance(doc, str) else yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_file_loads_and_verifies(tmp_path: Path) -> None:
    _write(tmp_path / "a", _minimal())
    loaded = load_authorities(tmp_path / "a")
    a = loaded["testshire"]
    assert a.contact("iass").phone == ("01234 567890",)
    assert a.contact("mediation").quote == ("Test Mediation arranges mediation.", "It is free.")
    assert a.procedure("complaint").steps[1].unit is None
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "009_0123456789abcdef.txt").write_text(SEED_TEXT, encoding="utf-8")
    assert verify_quotes(loaded, seeds) == []
    assert verify_quotes(list(loaded.values()), seeds) == []


def test_verify_quotes_reports_invented_text(tmp_path: Path) -> None:
    doc = _minimal()
    doc["contacts"][0]["phone"] = "01234 999999"
    doc["contacts"][1]["quote"][1] = "It is not free."
    doc["departures"][0]["statement"] = "Appeal whenever you like."
    _write(tmp_path / "a", doc)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "009_0123456789abcdef.txt").write_text(SEED_TEXT, encoding="utf-8")
    problems = verify_quotes(load_authorities(tmp_path / "a"), seeds)
    joined = "\n".join(problems)
    assert len(problems) == 3, joined
    assert "contacts[0].phone" in joined
    assert "contacts[1].quote[1]" in joined
    assert "departures[0].statement" in joined


def test_verify_quotes_reports_missing_seed(tmp_path: Path) -> None:
    _write(tmp_path / "a", _minimal())
    problems = verify_quotes(load_authorities(tmp_path / "a"), tmp_path / "no-seeds")
    assert len(problems) == 1 and "009_0123456789abcdef.txt" in problems[0]


# --------------------------------------------------------------------------------------------
# Bad files give DataError naming file and field
# --------------------------------------------------------------------------------------------


def _set(doc: dict[str, Any], path: str, value: object) -> None:
    """Set a dotted path like 'contacts[2].kind'; value _DELETE removes the key."""
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    target: Any = doc
    for part in parts[:-1]:
        target = target[int(part[1:-1])] if part.startswith("[") else target[part]
    last = parts[-1]
    if last.startswith("["):
        target[int(last[1:-1])] = value
    elif value is _DELETE:
        del target[last]
    else:
        target[last] = value


_DELETE = object()

BAD_CASES: list[tuple[str, object, str]] = [
    ("unknown_top_level_key", ("colour", "blue"), "colour"),
    ("unknown_contact_key", ("contacts[1].fax", "0123"), "contacts[1].fax"),
    ("missing_name", ("name", _DELETE), "name"),
    ("missing_contact_quote", ("contacts[0].quote", _DELETE), "contacts[0].quote"),
    ("missing_departure_provision", ("departures[0].provision", _DELETE), "departures[0].provision"),
    ("bad_contact_kind", ("contacts[2].kind", "court"), "contacts[2].kind"),
    ("bad_departure_kind", ("departures[0].kind", "wrong"), "departures[0].kind"),
    ("bad_applies_to", ("contacts[1].applies_to", ["education", "housing"]), "contacts[1].applies_to[1]"),
    ("applies_to_not_list", ("contacts[1].applies_to", "education"), "contacts[1].applies_to"),
    ("duplicate_contact_id", ("contacts[2].id", "iass"), "contacts[2].id"),
    ("contact_id_not_snake_case", ("contacts[0].id", "Test-IASS"), "contacts[0].id"),
    ("limit_is_text", ("procedures[0].steps[0].limit_days", "28"), "procedures[0].steps[0].limit_days"),
    ("limit_is_float", ("procedures[0].steps[0].limit_days", 2.5), "procedures[0].steps[0].limit_days"),
    ("limit_is_bool", ("procedures[0].steps[0].limit_days", True), "procedures[0].steps[0].limit_days"),
    ("limit_negative", ("procedures[0].steps[0].limit_days", -3), "procedures[0].steps[0].limit_days"),
    ("bad_unit", ("procedures[0].steps[0].unit", "weeks"), "procedures[0].steps[0].unit"),
    ("limit_without_unit", ("procedures[0].steps[0].unit", _DELETE), "procedures[0].steps[0].unit"),
    ("unit_without_limit", ("procedures[0].steps[1].unit", "months"), "procedures[0].steps[1].unit"),
    ("missing_limit", ("procedures[0].steps[1].limit_days", _DELETE), "procedures[0].steps[1].limit_days"),
    ("steps_not_list", ("procedures[0].steps", {"what": "x"}), "procedures[0].steps"),
    ("contacts_not_list", ("contacts", "none"), "contacts"),
    ("contact_not_mapping", ("contacts[0]", "Testshire IASS"), "contacts[0]"),
    ("quote_not_text", ("contacts[0].quote", 42), "contacts[0].quote"),
    ("empty_quote_item", ("contacts[1].quote", ["ok", "  "]), "contacts[1].quote[1]"),
    ("bad_email", ("contacts[0].email", "not an email"), "contacts[0].email"),
    ("bad_phone", ("contacts[0].phone", "call us"), "contacts[0].phone"),
    ("bad_url", ("contacts[0].url", "ftp://x"), "contacts[0].url"),
    ("bad_seed_name", ("seed", "leaflet.pdf"), "seed"),
    ("id_not_file_name", ("id", "otherfordshire"), "id"),
    ("empty_name", ("name", "   "), "name"),
]


@pytest.mark.parametrize(
    ("mutation", "field"),
    [(m, f) for _, m, f in BAD_CASES],
    ids=[name for name, _, _ in BAD_CASES],
)
def test_bad_file_names_file_and_field(tmp_path: Path, mutation: Any, field: str) -> None:
    doc = copy.deepcopy(_minimal())
    _set(doc, mutation[0], mutation[1])
    _write(tmp_path, doc)
    with pytest.raises(DataError) as info:
        load_authorities(tmp_path)
    assert info.value.file == "testshire.yaml"
    assert info.value.field == field, str(info.value)
    assert str(info.value).startswith(f"testshire.yaml:{field}: ")


def test_duplicate_departure_id(tmp_path: Path) -> None:
    doc = _minimal()
    doc["departures"].append(dict(doc["departures"][0]))
    _write(tmp_path, doc)
    with pytest.raises(DataError) as info:
        load_authorities(tmp_path)
    assert (info.value.file, info.value.field) == ("testshire.yaml", "departures[1].id")


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    text = yaml.safe_dump(_minimal(), sort_keys=False) + "name: Again\n"
    _write(tmp_path, text)
    with pytest.raises(DataError) as info:
        load_authorities(tmp_path)
    assert (info.value.file, info.value.field) == ("testshire.yaml", "name")
    assert "duplicate key" in str(info.value)


def test_invalid_yaml_syntax(tmp_path: Path) -> None:
    _write(tmp_path, "id: testshire\ncontacts: [unclosed\n")
    with pytest.raises(DataError) as info:
        load_authorities(tmp_path)
    assert info.value.file == "testshire.yaml"
    assert "not valid YAML" in str(info.value)


@pytest.mark.parametrize("text", ["", "- just\n- a list\n"])
def test_empty_or_non_mapping_file(tmp_path: Path, text: str) -> None:
    _write(tmp_path, text)
    with pytest.raises(DataError) as info:
        load_authorities(tmp_path)
    assert info.value.file == "testshire.yaml"


def test_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        load_authorities(tmp_path)


def test_load_single_file(tmp_path: Path) -> None:
    path = _write(tmp_path, _minimal())
    assert load_authority_file(path).id == "testshire"
    bad = _minimal()
    bad["contacts"][2]["kind"] = "court"
    path = _write(tmp_path, bad)
    with pytest.raises(DataError) as info:
        load_authority_file(path)
    assert (info.value.file, info.value.field) == ("testshire.yaml", "contacts[2].kind")


def test_bundled_files_load_one_by_one(authorities: dict[str, Authority]) -> None:
    """Each bundled file also loads on its own (via its path), giving the same data."""
    folder = Path(__file__).resolve().parents[1] / "rules" / "authorities"
    if not folder.is_dir():
        pytest.skip("rules/authorities not found beside tests")
    for authority_id, a in authorities.items():
        assert load_authority_file(folder / f"{authority_id}.yaml") == a
