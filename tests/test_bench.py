"""`redress bench` runs from any install: what it needs ships in the package (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from redress import bench
from redress.api import load
from redress.compiled.vector import VectorEngine
from redress.kb.schema import FIELDS

REPO = Path(__file__).resolve().parents[1]


def test_the_bench_cases_are_the_readme_examples() -> None:
    assert bench.DEADLINE_CASE == json.loads((REPO / "examples" / "christmas-deadline.json").read_text())
    assert bench.REFUSAL_CASE == json.loads((REPO / "examples" / "refusal-to-assess.json").read_text())


def test_bench_runs_without_a_checkout_and_says_the_peer_is_not_installed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # as from site-packages: no examples/, no benchmarks/, no ../shared beside the package
    monkeypatch.setattr(bench, "_REPO", tmp_path / "site-packages")
    monkeypatch.setattr(bench, "ASK_SAMPLES", 20)
    monkeypatch.chdir(tmp_path)
    result = bench.run_bench(200, runs=1, sample=20)
    assert result["peer"].startswith("not installed: no OpenFisca peer at ")
    assert result["peer_seconds_4q"] is None and result["identical_to_reference"] is True
    text = bench.bench_text(result)
    assert "None" not in text
    assert "peer                               not installed: no OpenFisca peer at" in text
    ask = next(line for line in text.splitlines() if line.startswith("ask_p50_ms "))
    figure = ask.split()[-1]
    assert len(figure.replace(".", "").lstrip("0")) <= 3, ask  # three significant digits, not 0.81234567


def test_rounded_figures() -> None:
    assert bench._rounded(0.812345678) == "0.812"
    assert bench._rounded(12.3456) == "12.3"
    assert bench._rounded(123456.7) == "123,457"
    assert bench._rounded(12345678) == "12,345,678"
    assert bench._rounded(None) == "-" and bench._rounded(True) == "yes"


def _peer_inputs(rows: list[tuple[str, tuple[str, ...], bool, str, str | None]]) -> dict[str, np.ndarray]:
    """The peer's input columns for hand-written cases: (kind, grounds, discrimination, sent, certificate)."""
    kinds = FIELDS["decision.kind"].values
    data: dict[str, np.ndarray] = {"decision_kind": np.array([kinds.index(r[0]) for r in rows], dtype=np.int16)}
    for g in bench.PEER_GROUNDS:
        data[f"ground_{g}"] = np.array([g in r[1] for r in rows])
    data["appeal_is_disability_discrimination"] = np.array([r[2] for r in rows])
    data["decision_sent"] = np.array([r[3] for r in rows], dtype="datetime64[D]")
    data["certificate_issued"] = np.array([r[4] or "1970-01-01" for r in rows], dtype="datetime64[D]")
    return data


def test_every_disagreement_with_the_peer_is_put_down_to_a_documented_departure() -> None:
    # the peer's answers are worked by hand from its formulas (shared/peers/openfisca-send/reference.py):
    # appealable, mediation advice unless a discrimination claim or all grounds are section I,
    # recommendations (an appealable case, not a refusal to assess, on section G or H2 beside an
    # educational ground), and 2 months after the decision (1 after a later certificate) rolled to a working day
    rows = [("refuse_assessment", ("decision",), False, "2025-01-10", None),          # both: appeal by 10 Mar 2025
            ("refuse_assessment", ("decision",), False, "2025-01-10", "2025-02-20"),  # both: 20 Mar (the certificate)
            ("issue_plan", ("decision",), False, "2025-01-10", None),                 # nothing to appeal: no deadline
            ("refuse_plan", ("section_i_named",), False, "2025-01-10", None),         # no plan, so no placement appeal
            ("refuse_assessment", ("decision",), True, "2025-01-10", None),           # an Equality Act claim
            ("plan_finalised", ("section_g", "section_i_none"), False, "2025-01-10", None)]  # seed 004's trial reading
    peer = {"appealable": np.array([True, True, False, True, True, True]),
            "mediation_advice_required": np.array([True, True, False, False, False, True]),
            "recommendations_available": np.array([False, False, False, False, False, True]),
            "appeal_deadline": np.array(["2025-03-10", "2025-03-20", "2025-03-10", "2025-03-10", "2025-03-10",
                                         "2025-03-10"], dtype="datetime64[D]")}
    kb = load()
    engine = VectorEngine(kb.program, kb.patterns, missing=False)
    data = _peer_inputs(rows)
    results = engine.evaluate(bench._peer_case_columns(engine, data), bench.PEER_QUESTIONS)
    seen = bench._peer_comparison(data, results, peer)
    assert seen["identical_to_peer"] is False
    assert seen["peer_disagreements"] == {"appealable": 1, "mediation_advice_required": 2,
                                          "recommendations_available": 0, "appeal_deadline": 2}
    assert seen["peer_departures"] == {"discrimination_claim_is_not_an_s51_appeal": 2,
                                       "no_deadline_without_an_appeal": 1,
                                       "placement_exemption_is_for_plan_contents": 1,
                                       "health_and_care_sections_beside_a_placement_appeal": 1}
    assert set(seen["peer_disagreements_unexplained"].values()) == {0}
    assert seen["peer_disagreements_undetermined"] == 1  # the claim's deadline waits on its counterparty

    # a disagreement no departure covers is counted as unexplained, not absorbed
    peer["appealable"][0] = False
    assert bench._peer_comparison(data, results, peer)["peer_disagreements_unexplained"]["appealable"] == 1
