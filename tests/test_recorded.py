"""Recorded outputs: what redress answers, byte for byte, so a refactoring that must not change
behaviour is shown not to (issue 16: "every answer, proof and batch output is byte-identical").

Pinned here, from the repository's bundled knowledge base:
- ``ir.txt``: ``redress check --show ir`` (the strata and every compiled rule);
- ``duckdb.sql`` and ``postgres.sql``: ``redress sql`` for both dialects;
- ``examples.jsonl``: every question about each case in ``examples/*.json``, the full JSON of
  ``Answer.to_dict()`` (proofs included), one line each, readable in a diff;
- ``digests.json``: the SHA-256 of that JSON for every question about 120 generated cases, and of
  each batch backend's whole output file for them.

Update mode: ``REDRESS_UPDATE_GOLDEN=1 pytest tests/test_recorded.py`` rewrites the files from
the current output; a change of the law or of its wording is then reviewed in ``git diff``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import determinism  # noqa: E402

import redress  # noqa: E402
from redress.frontends.cli import cli  # noqa: E402

RECORDED = REPO / "tests" / "recorded"
UPDATE = os.environ.get("REDRESS_UPDATE_GOLDEN") == "1"
N_CASES = 120


def _compare(name: str, text: str) -> None:
    path = RECORDED / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    if text != expected:  # name the first differing line, not a wall of text
        got, want = text.splitlines(), expected.splitlines()
        first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        pytest.fail(f"{name} differs from the recording at line {first + 1}:\n"
                    f"  recorded: {want[first] if first < len(want) else '<end>'}\n"
                    f"  now:      {got[first] if first < len(got) else '<end>'}\n"
                    "If the change is intended, rerun with REDRESS_UPDATE_GOLDEN=1 and review git diff.")


RECORDED_ON = "2026-12-03"  # the day the recording was made, for the examples that give no as_of


def _cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout  # what a user pipes on; the note of which rules were loaded goes to stderr


@pytest.fixture(scope="module")
def kb() -> redress.KnowledgeBase:
    return redress.load()


def test_the_compiled_rules_are_as_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # spans print relative to the working folder
    ir_lines = [line for line in _cli("check", "--show", "ir").splitlines(keepends=True)
                if not line.startswith(("rules_version:", str(REPO)))]  # the 'ok' line names the checkout
    _compare("ir.txt", "".join(ir_lines).replace(str(REPO), "<repo>"))  # the authorities' spans are absolute


@pytest.mark.parametrize("dialect", ["duckdb", "postgres"])
def test_the_generated_sql_is_as_recorded(dialect: str) -> None:
    _compare(f"{dialect}.sql", _cli("sql", "--dialect", dialect).replace(str(REPO), "<repo>"))  # any checkout


def test_the_answers_about_the_examples_are_as_recorded(kb: redress.KnowledgeBase) -> None:
    lines = []
    for path in sorted((REPO / "examples").glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        case.setdefault("as_of", RECORDED_ON)  # an example without one is answered today: pin the day
        for question in kb.questions:
            answer = determinism._one(kb, question, case).decode()
            lines.append(json.dumps({"case": path.name, "question": question, "answer": json.loads(answer)},
                                    ensure_ascii=False, sort_keys=True) + "\n")
    _compare("examples.jsonl", "".join(lines))


def test_the_answers_and_batch_outputs_are_as_recorded(kb: redress.KnowledgeBase, tmp_path: Path) -> None:
    cases = determinism.determinism_cases(N_CASES, seed=16)
    source = tmp_path / "cases.jsonl"
    source.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
    recorded = determinism.digests(determinism.answer_all(kb, cases))
    for backend, answers in determinism.batch_files(kb, source, tmp_path).items():
        recorded[f"batch:{backend}"] = hashlib.sha256(answers.read_bytes()).hexdigest()
    _compare("digests.json", json.dumps(recorded, indent=1, sort_keys=True) + "\n")
