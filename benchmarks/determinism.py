"""Determinism: the same cases answered byte-identically (the JSON of ``Answer.to_dict()``) in one
thread, in 8 threads at once, in a fresh process, through the engine of record's batch, and, for
the fields they share (status, answer, known), by the compiled batch backends (numpy, DuckDB SQL).

usage: python benchmarks/determinism.py [--cases 1000] [--threads 8] [--seed 14]

The cases: the seeded synthetic caseload (redress.caseload) and generated valid cases of every
field (benchmarks/fuzz_cases.valid_case), each with ``as_of`` set so nothing depends on today.
An error is part of the answer: a question that raises gives its code and field, which must be
as stable as an answer. Prints each comparison's count of differences; exit status 1 if any.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fuzz_cases import valid_case  # noqa: E402

import redress  # noqa: E402
from redress.errors import RedressError  # noqa: E402

Answers = dict[tuple[int, str], bytes]  # (case index, question) -> JSON bytes


def determinism_cases(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` valid cases: about 60 % the synthetic caseload, the rest generated over every field."""
    from redress.caseload import cases, generate
    from redress.kb.schema import validate_case

    out = list(cases(generate(n * 3 // 5, seed)))
    rng = random.Random(seed)
    while len(out) < n:
        case = valid_case(rng)
        case.setdefault("as_of", "2025-06-01")
        try:
            validate_case(case)
        except RedressError:
            continue
        out.append(case)
    return out


def _one(kb: redress.KnowledgeBase, question: str, case: dict[str, Any]) -> bytes:
    try:
        return json.dumps(kb.ask(question, case).to_dict(), ensure_ascii=False).encode()
    except RedressError as err:
        return json.dumps({"error": err.code, "field": getattr(err, "field", None)}).encode()


def answer_all(kb: redress.KnowledgeBase, cases: list[dict[str, Any]], indices: range | list[int] | None = None,
               start: threading.Barrier | None = None) -> Answers:
    """Every question about each case (of ``indices``), one ask at a time."""
    if start is not None:
        start.wait()
    return {(i, q): _one(kb, q, cases[i]) for i in (indices if indices is not None else range(len(cases)))
            for q in kb.questions}


def in_threads(kb: redress.KnowledgeBase, cases: list[dict[str, Any]], threads: int) -> Answers:
    """The cases dealt round-robin to ``threads`` threads released together."""
    start = threading.Barrier(threads)
    with ThreadPoolExecutor(threads) as pool:
        parts = [pool.submit(answer_all, kb, cases, list(range(k, len(cases), threads)), start) for k in range(threads)]
        out: Answers = {}
        for part in parts:
            out.update(part.result())
    return out


def digests(answers: Answers) -> dict[str, str]:
    return {f"{i}:{q}": hashlib.sha256(data).hexdigest() for (i, q), data in answers.items()}


def in_fresh_process(cases_file: Path) -> dict[str, str]:
    """The digests of every answer as a new interpreter computes them."""
    proc = subprocess.run([sys.executable, __file__, "--emit", str(cases_file)], capture_output=True, text=True,
                          timeout=600, check=True)
    result: dict[str, str] = json.loads(proc.stdout)
    return result


BACKENDS = ("numpy", "duckdb", "pydatalog")


def batch_files(kb: redress.KnowledgeBase, cases_file: Path, work: Path) -> dict[str, Path]:
    """Every question about every case of ``cases_file`` through ``redress batch`` on each backend,
    into ``work``: the answers file of each."""
    from redress.batch import run_batch, run_batch_compiled

    questions = list(kb.questions)
    out: dict[str, Path] = {}
    for backend in BACKENDS:
        target = out[backend] = work / f"answers-{backend}.jsonl"
        if backend == "pydatalog":
            run_batch(kb, cases_file, questions, target, "jsonl", "jsonl")
        else:
            run_batch_compiled(kb, cases_file, questions, target, "jsonl", "jsonl", backend=backend)
    return out


def batch_fields(kb: redress.KnowledgeBase, cases_file: Path, work: Path) -> dict[str, dict[tuple[int, str], bytes]]:
    """Each batch backend's output, as JSON of the fields all of them write, by (case index, question):
    the compiled ones (numpy, duckdb) write status, answer and possible members; pydatalog the full answer."""
    out: dict[str, dict[tuple[int, str], bytes]] = {}
    for backend, target in batch_files(kb, cases_file, work).items():
        rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
        if backend == "pydatalog":
            out["pydatalog-full"] = {(r["line"] - 1, r["question"]): _full(r) for r in rows}
        out[backend] = {(r["line"] - 1, r["question"]): shared(r) for r in rows}
    return out


def shared(answer: dict[str, Any]) -> bytes:
    """The fields every backend answers: status, answer, and a list's possible members (else null)."""
    possible = answer.get("possible")
    members = None if possible is None else [p["member"] for p in possible]
    return json.dumps([answer["status"], answer["answer"], members], ensure_ascii=False).encode()


def _full(row: dict[str, Any]) -> bytes:
    return json.dumps({k: v for k, v in row.items() if k not in ("line", "engine")}, ensure_ascii=False).encode()


def differences(a: dict[Any, Any], b: dict[Any, Any]) -> list[Any]:
    """Keys on which two answer maps differ (over the keys both have), and whether b answers at all."""
    return [k for k in a if k in b and a[k] != b[k]]


def run(n: int, threads: int, seed: int) -> dict[str, Any]:
    """Every comparison's figures: how many answers compared, how many differ, and the first few."""
    kb = redress.load()
    cases = determinism_cases(n, seed)
    figures: dict[str, Any] = {"cases": len(cases), "questions": len(kb.questions)}
    with tempfile.TemporaryDirectory(prefix="redress-determinism-") as tmp:
        cases_file = Path(tmp) / "cases.jsonl"
        cases_file.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
        t0 = time.perf_counter()
        one = answer_all(kb, cases)
        figures["one_thread_s"] = round(time.perf_counter() - t0, 1)

        def compare(name: str, other: dict[Any, Any], base: dict[Any, Any]) -> None:
            diff = differences(base, other)
            figures[name] = {"compared": sum(1 for k in base if k in other), "differ": len(diff),
                             "missing": sum(1 for k in base if k not in other), "first": [str(k) for k in diff[:5]]}

        t0 = time.perf_counter()
        compare(f"{threads}_threads", in_threads(kb, cases, threads), one)
        figures["threads_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        compare("fresh_process", in_fresh_process(cases_file), digests(one))
        figures["fresh_process_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        batches = batch_fields(kb, cases_file, Path(tmp))
        figures["batches_s"] = round(time.perf_counter() - t0, 1)
        answered = {k: v for k, v in one.items() if not json.loads(v).get("error")}
        compare("pydatalog_batch_full", batches.pop("pydatalog-full"), answered)
        base = {k: shared(json.loads(v)) for k, v in answered.items()}
        for backend, rows in batches.items():
            compare(f"{backend}_batch_shared_fields", rows, base)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--emit", type=Path, default=None, help=argparse.SUPPRESS)  # the fresh process's side
    args = parser.parse_args(argv)
    if args.emit is not None:
        cases = [json.loads(line) for line in args.emit.read_text(encoding="utf-8").splitlines()]
        print(json.dumps(digests(answer_all(redress.load(), cases))))
        return 0
    figures = run(args.cases, args.threads, args.seed)
    print(json.dumps(figures, indent=2))
    bad = [k for k, v in figures.items() if isinstance(v, dict) and (v["differ"] or not v["compared"])]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
