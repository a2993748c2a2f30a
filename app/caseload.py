"""A seeded synthetic caseload from the contract vocabulary, for benchmarks and differential tests.

Realistic mixes: mostly plan and refusal decisions, grounds drawn per kind, decision dates over
2015-2026, certificates and mediation events for some, authorities for some, and fields left out
often enough that undetermined answers are exercised too. Columns are generated with numpy;
``cases`` turns them into contract JSON objects.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from redress.kb.schema import AUTHORITIES, FIELDS

__all__ = ["generate", "cases", "write_jsonl"]

_KINDS = FIELDS["decision.kind"].values
_KIND_WEIGHTS = np.array([14, 8, 16, 14, 6, 8, 6, 4, 5, 7, 6, 6], dtype=float)
_GROUNDS = FIELDS["appeal.grounds"].values
_EPOCH = np.datetime64("1970-01-01")


def generate(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Column arrays for ``n`` cases (NaT / -1 / empty string mark an absent field)."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(len(_KIND_WEIGHTS), n, p=_KIND_WEIGHTS / _KIND_WEIGHTS.sum())
    sent = np.datetime64("2015-01-01") + rng.integers(0, 12 * 365, n)
    as_of = sent + rng.integers(0, 200, n)
    grounds = rng.random((n, len(_GROUNDS))) < 0.18
    has_grounds = rng.random(n) < 0.88
    cert = np.where(rng.random(n) < 0.45, sent + rng.integers(5, 120, n), np.datetime64("NaT"))
    told = np.where(rng.random(n) < 0.3, sent + rng.integers(5, 60, n), np.datetime64("NaT"))
    requested = np.where(rng.random(n) < 0.3, sent + rng.integers(5, 60, n), np.datetime64("NaT"))
    issues = rng.random((n, 3)) < np.array([0.7, 0.3, 0.25])
    has_issues = rng.random(n) < 0.75
    age = np.where(rng.random(n) < 0.85, rng.integers(2, 27, n), -1)
    flag = np.where(rng.random(n) < 0.5, rng.integers(0, 2, n), -1)
    flag = np.where((age >= 17) & (flag == 0), 1, flag)  # keep flag and age consistent (validated)
    flag = np.where((age >= 0) & (age <= 14) & (flag == 1), 0, flag)
    authority = np.where(rng.random(n) < 0.5, rng.integers(0, len(AUTHORITIES), n), -1)
    dd = rng.random(n) < 0.06
    counterparty = np.where(rng.random(n) < 0.4, rng.integers(0, 6, n), -1)
    about = rng.integers(0, 5, n)
    stage = np.where(rng.random(n) < 0.6, rng.integers(0, 5, n), -1)
    agree = rng.integers(0, 2, n)
    recommendation = np.where(rng.random(n) < 0.1, sent + rng.integers(60, 300, n), np.datetime64("NaT"))
    # drawn last, so the columns above are those of earlier versions: the kinds added later (a few
    # cases), the complaint fields and the response to a recommendation
    later = len(_KINDS) - len(_KIND_WEIGHTS)
    kind = np.where(rng.random(n) < 0.04 * later, len(_KIND_WEIGHTS) + rng.integers(0, max(later, 1), n), kind)
    first_aware = np.where(rng.random(n) < 0.3, sent - rng.integers(0, 500, n), np.datetime64("NaT"))
    good_reason = np.where(rng.random(n) < 0.4, rng.integers(0, 2, n), -1)
    responded = np.where(rng.random(n) < 0.5, recommendation + rng.integers(10, 60, n), np.datetime64("NaT"))
    to = np.where(rng.random(n) < 0.7, rng.integers(0, 2, n), -1)
    return {"kind": kind, "sent": sent, "as_of": as_of, "grounds": grounds, "has_grounds": has_grounds,
            "certificate": cert, "told_decline": told, "requested": requested, "issues": issues,
            "has_issues": has_issues, "age": age, "flag": flag, "authority": authority, "dd": dd,
            "counterparty": counterparty, "about": about, "stage": stage, "agree": agree,
            "recommendation": recommendation, "first_aware": first_aware, "good_reason": good_reason,
            "responded": responded, "to": to}


def _date(value: np.datetime64) -> str | None:
    return None if np.isnat(value) else str(value.astype("datetime64[D]"))


def cases(columns: dict[str, np.ndarray]) -> Iterator[dict[str, Any]]:
    """The columns as contract case objects, one per case."""
    for i in range(len(columns["kind"])):
        case: dict[str, Any] = {"id": f"c{i}", "as_of": _date(columns["as_of"][i]),
                                "decision": {"kind": _KINDS[columns["kind"][i]], "sent": _date(columns["sent"][i])}}
        person = _person(columns, i)
        if person:
            case["person"] = person
        appeal: dict[str, Any] = {"type": "disability_discrimination" if columns["dd"][i] else "sen"}
        if columns["has_grounds"][i]:
            appeal["grounds"] = [g for g, on in zip(_GROUNDS, columns["grounds"][i]) if on]
        case["appeal"] = appeal
        case["mediation"] = _mediation(columns, i)
        if columns["authority"][i] >= 0:
            case["authority"] = AUTHORITIES[columns["authority"][i]]
        if columns["counterparty"][i] >= 0:
            case["disagreement"] = _disagreement(columns, i)
        recommendation = _date(columns["recommendation"][i])
        if recommendation:
            case["recommendation"] = {"issued": recommendation}
            if _date(columns["responded"][i]):
                case["recommendation"]["responded"] = _date(columns["responded"][i])
            if columns["to"][i] >= 0:
                case["recommendation"]["to"] = FIELDS["recommendation.to"].values[columns["to"][i]]
        complaint = _complaint(columns, i)
        if complaint:
            case["complaint"] = complaint
        yield case


# Each group of case ``i``'s fields, as the contract's object (absent columns left out).

def _person(columns: dict[str, np.ndarray], i: int) -> dict[str, Any]:
    person: dict[str, Any] = {}
    if columns["age"][i] >= 0:
        person["age"] = int(columns["age"][i])
    if columns["flag"][i] >= 0:
        person["over_compulsory_school_age"] = bool(columns["flag"][i])
    return person


def _mediation(columns: dict[str, np.ndarray], i: int) -> dict[str, Any]:
    mediation: dict[str, Any] = {}
    for key, col in (("certificate_issued", "certificate"), ("adviser_told_decline", "told_decline"),
                     ("requested", "requested")):
        value = _date(columns[col][i])
        if value:
            mediation[key] = value
    if columns["has_issues"][i]:
        mediation["issues"] = [v for v, on in zip(FIELDS["mediation.issues"].values, columns["issues"][i]) if on]
    return mediation


def _disagreement(columns: dict[str, np.ndarray], i: int) -> dict[str, Any]:
    disagreement: dict[str, Any] = {"counterparty": FIELDS["disagreement.counterparty"].values[columns["counterparty"][i]],
                                    "about": FIELDS["disagreement.about"].values[columns["about"][i]],
                                    "parties_agree": bool(columns["agree"][i])}
    if columns["stage"][i] >= 0:
        disagreement["stage"] = FIELDS["disagreement.stage"].values[columns["stage"][i]]
    return disagreement


def _complaint(columns: dict[str, np.ndarray], i: int) -> dict[str, Any]:
    complaint: dict[str, Any] = {}
    if _date(columns["first_aware"][i]):
        complaint["first_aware"] = _date(columns["first_aware"][i])
    if columns["good_reason"][i] >= 0:
        complaint["good_reason_for_delay"] = bool(columns["good_reason"][i])
    return complaint


def write_jsonl(path: Path, n: int, seed: int = 0) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for case in cases(generate(n, seed)):
            f.write(json.dumps(case) + "\n")
    return path


