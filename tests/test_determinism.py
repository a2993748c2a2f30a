"""Determinism: the same cases get byte-identical answers (JSON of ``Answer.to_dict()``) in one
thread, in 8 threads at once, in a fresh process, through the engine of record's batch, and, for
the fields they share, from the numpy and DuckDB batch backends. The full figure (1,000 cases in
every comparison) is ``python benchmarks/determinism.py``; here 500 cases go through all but the
thread comparison, which takes 200 of them, to stay within the suite's time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import determinism  # noqa: E402

import redress  # noqa: E402

N_CASES = 500
N_THREADED = 200


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> tuple[redress.KnowledgeBase, list[dict[str, object]], Path,
                                                               determinism.Answers]:
    kb = redress.load()
    cases = determinism.determinism_cases(N_CASES, seed=5)
    cases_file = tmp_path_factory.mktemp("determinism") / "cases.jsonl"
    cases_file.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
    return kb, cases, cases_file, determinism.answer_all(kb, cases)


def test_the_cases_are_answered_and_varied(setting: tuple) -> None:
    kb, cases, _, one = setting
    assert len(cases) == N_CASES and len(one) == N_CASES * len(kb.questions)
    statuses = {json.loads(v).get("status") for v in one.values()}
    assert statuses >= {"determined", "undetermined"}
    assert sum(1 for v in one.values() if b'"error"' not in v[:12]) > 0.9 * len(one)


def test_answers_are_identical_when_asked_again(setting: tuple) -> None:
    kb, cases, _, one = setting
    again = determinism.answer_all(kb, cases, range(0, N_CASES, 10))
    assert determinism.differences(again, one) == []


def test_answers_are_identical_in_8_threads_at_once(setting: tuple) -> None:
    kb, cases, _, one = setting
    threaded = determinism.in_threads(kb, cases[:N_THREADED], 8)
    assert len(threaded) == N_THREADED * len(kb.questions)
    assert determinism.differences(threaded, one) == []


def test_answers_are_identical_in_a_fresh_process(setting: tuple) -> None:
    _, _, cases_file, one = setting
    fresh = determinism.in_fresh_process(cases_file)
    assert fresh.keys() == determinism.digests(one).keys()
    assert determinism.differences(fresh, determinism.digests(one)) == []


def test_every_batch_backend_gives_the_same_answers(setting: tuple, tmp_path: Path) -> None:
    kb, _, cases_file, one = setting
    answered = {k: v for k, v in one.items() if not json.loads(v).get("error")}
    batches = determinism.batch_fields(kb, cases_file, tmp_path)
    full = batches.pop("pydatalog-full")
    assert len(full) > 0.9 * len(answered)
    assert determinism.differences(answered, full) == []
    base = {k: determinism.shared(json.loads(v)) for k, v in answered.items()}
    for backend, rows in batches.items():
        assert len(rows) > 0.9 * len(base), backend
        assert determinism.differences(base, rows) == [], backend
