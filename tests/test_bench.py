"""`redress bench` runs from any install: what it needs ships in the package (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redress import bench

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
