"""A batch never loses data: every bad line is reported with its number and skipped whatever its
bytes, every good line is answered, and an interrupted or killed run leaves no partial output
(issue 18 item 2, issue 14 item 6)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import redress
from redress.batch import run_batch, run_batch_compiled
from redress.frontends.cli import cli

GOOD = {"id": "g", "as_of": "2025-02-01", "decision": {"kind": "refuse_assessment", "sent": "2025-01-10"}}
GOOD_LINE = json.dumps(GOOD).encode()
# Each a line the old readers could not survive, or that an engine mishandled.
BAD_LINES: dict[str, bytes] = {
    "unit separator": b'{"id": "x\x1fy", "decision": {"kind": "refuse_assessment"}}',
    "invalid UTF-8": b'{"id": "\xff\xfe", "decision": {"kind": "refuse_assessment"}}',
    "deep nesting": b"[" * 3000 + b"]" * 3000,
    "deep object": b'{"id": ' + b'{"a": ' * 3000 + b"1" + b"}" * 3001,
    "lone surrogate": b'{"id": "\\ud800", "decision": {"kind": "refuse_assessment"}}',
    "NUL byte": b'{"id": "a\x00b"}',
    "bare CR": b'{"id": "a"}\r{"id": "b"}',
    "huge integer": b'{"id": ' + b"9" * 5000 + b"}",
    "huge age": b'{"person": {"age": ' + b"9" * 5000 + b"}}",
    "huge string": b'{"decision": {"kind": "' + b"x" * 1_000_000 + b'"}}',
    "late date": b'{"decision": {"kind": "refuse_assessment", "sent": "2100-12-31"}}',
    "not an object": b"[1, 2]",
    "truncated": b'{"decision": {"kind": "refuse_assess',
}
ENGINES = ("numpy", "duckdb", "pydatalog")


@pytest.fixture(scope="module")
def kb() -> redress.KnowledgeBase:
    return redress.load()


def _run(kb: redress.KnowledgeBase, engine: str, src: Path, out: Path, questions: list[str]) -> redress.batch.BatchSummary:
    if engine == "pydatalog":
        return run_batch(kb, src, questions, out, "jsonl", "jsonl")
    return run_batch_compiled(kb, src, questions, out, "jsonl", "jsonl", backend=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_every_bad_line_is_reported_and_skipped_whatever_its_bytes(tmp_path: Path, kb: redress.KnowledgeBase,
                                                                   engine: str) -> None:
    lines = [GOOD_LINE]
    for bad in BAD_LINES.values():
        lines += [bad, GOOD_LINE]
    src = tmp_path / "cases.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "answers.jsonl"
    summary = _run(kb, engine, src, out, ["appealable"])
    bad_numbers = [2 * k + 2 for k in range(len(BAD_LINES))]
    assert [p.line for p in summary.problems] == bad_numbers, [str(p) for p in summary.problems]
    assert summary.cases == len(BAD_LINES) + 1
    answered = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [a["line"] for a in answered] == [2 * k + 1 for k in range(len(BAD_LINES) + 1)]
    assert all(a["answer"] is True for a in answered)
    for problem in summary.problems:
        assert len(str(problem)) < 400, "a message quotes the bad value cut short"
        str(problem).encode("utf-8")  # printable whatever the line held
    late = summary.problems[list(BAD_LINES).index("late date")]
    assert late.field == "decision.sent" and "2099-12-31" in late.message


def test_csv_with_odd_bytes_is_reported_row_by_row(tmp_path: Path, kb: redress.KnowledgeBase) -> None:
    src = tmp_path / "cases.csv"
    src.write_bytes(b"id,decision.kind\n"
                    b"a,refuse_assessment\n"
                    b"\xff,refuse_assessment\n"
                    b'"' + b"x" * 200_000 + b'",refuse_assessment\n'
                    b"d,refuse_assessment\n")
    out = tmp_path / "answers.csv"
    summary = run_batch(kb, src, ["appealable"], out, "csv", "csv")
    assert [p.line for p in summary.problems] == [3, 4]
    assert summary.cases == 2


@pytest.mark.parametrize("engine", ["numpy", "pydatalog"])
def test_one_percent_malformed_lines_are_all_reported_and_the_rest_answered(tmp_path: Path,
                                                                            kb: redress.KnowledgeBase,
                                                                            engine: str) -> None:
    n = 2000 if engine == "pydatalog" else 10_000
    kinds = list(BAD_LINES.values())
    lines, bad = [], []
    for number in range(1, n + 1):
        if number % 100 == 37:
            lines.append(kinds[len(bad) % len(kinds)])
            bad.append(number)
        else:
            lines.append(json.dumps({**GOOD, "id": f"c{number}"}).encode())
    src = tmp_path / "cases.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "answers.jsonl"
    summary = _run(kb, engine, src, out, ["appealable"])
    assert [p.line for p in summary.problems] == bad
    assert (summary.cases, summary.answers) == (n - len(bad), n - len(bad))
    ids = [json.loads(line)["case"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert ids == [f"c{k}" for k in range(1, n + 1) if k not in set(bad)]


def _big_batch(path: Path, n: int) -> Path:
    path.write_text("".join(json.dumps({**GOOD, "id": f"c{k}"}) + "\n" for k in range(n)), encoding="utf-8")
    return path


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial") or p.name.startswith(".redress-batch-"))


def _start(tmp_path: Path, engine: str, n: int) -> tuple[subprocess.Popen[bytes], Path]:
    src = _big_batch(tmp_path / "cases.jsonl", n)
    out = tmp_path / "answers.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "redress", "batch", str(src), "--out", str(out), "--engine", engine,
                             "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300  # a loaded machine may take long to start it
    while not any(p.name.endswith(".partial") for p in tmp_path.iterdir()):  # the run is under way
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.3)
    return proc, out


@pytest.mark.parametrize("sig, engine", [(signal.SIGINT, "pydatalog"), (signal.SIGTERM, "pydatalog"),
                                         (signal.SIGINT, "numpy"), (signal.SIGTERM, "numpy")])
def test_an_interrupted_run_says_aborted_and_leaves_nothing(tmp_path: Path, sig: signal.Signals, engine: str) -> None:
    proc, out = _start(tmp_path, engine, 20_000 if engine == "pydatalog" else 400_000)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal arrived")
    assert proc.returncode == 128 + sig, err
    text = err.decode()
    assert "aborted" in text and "Traceback" not in text, text
    assert not out.exists()
    assert _leftovers(tmp_path) == []


def test_what_a_killed_run_leaves_is_swept_by_the_next(tmp_path: Path) -> None:
    proc, out = _start(tmp_path, "numpy", 400_000)
    proc.kill()
    proc.wait(timeout=60)
    left = _leftovers(tmp_path)
    if not left:
        pytest.skip("the run finished before it was killed")
    live = tmp_path / f".answers.jsonl.{os.getpid()}.abcd1234.partial"  # a run still going: kept
    live.write_text("")
    src = _big_batch(tmp_path / "small.jsonl", 3)
    result = CliRunner().invoke(cli, ["batch", str(src), "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert _leftovers(tmp_path) == [live.name]
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3 * len(redress.load().questions)
