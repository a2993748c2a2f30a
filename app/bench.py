"""The benchmark behind ``redress bench``: redress beside the OpenFisca peer on the same inputs.

Figures (``--json`` prints them as one object):
  eval_seconds_4q / peer_seconds_4q / ratio_vs_peer — the peer's four questions over N cases
      given as columns (input generation untimed, as the peer does; turning the columns into our
      encoding is timed, as the peer's simulation building is), vectorised backend vs OpenFisca,
      each the median of the runs after one warm-up run;
  eval_seconds_all, per_question_seconds — every contract question, and each alone (vectorised);
  batch_file_seconds — `redress batch --layout wide` end to end on an N-case JSONL file to an
      answers file (one line per case, every question); batch_file_seconds_long — the same in the
      default long layout (one line per case and question: 14 lines a case), and each file's size;
  ask_p50_ms, ask_p99_ms — a warm single ask with its proof (2,000 of them), pyDatalog answering
      and the Prover's proof checked against its answers, of appeal_deadline (its proof runs through the
      decision, the certificate, two month additions and the r.12 windows);
      ask_p50_ms_by_question — each question alone (routes, twelve route rules, is the heaviest);
  cold_ask_ms — a whole `redress ask` process; peak_rss_mb;
  identical_to_reference — a sample of cases answers identically on pyDatalog, numpy and SQL;
  identical_to_peer — the four questions agree with the OpenFisca model on every case, with
      the disagreements counted per question where they do not; peer_departures puts each
      disagreement down to a documented point where the law departs from the peer's simpler model
      (``PEER_DEPARTURES``), and peer_disagreements_unexplained counts the rest (0 is the target);
      ``peer`` says where the peer was found, or that it is not installed (then its figures are null).

Everything it needs ships in the package (the peer's driver, ``peer_driver.py``, and the two
cases below), so it runs from any install, not only from a checkout.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from redress.api import KnowledgeBase, load
from redress.caseload import cases as caseload_cases
from redress.caseload import generate, write_jsonl
from redress.kb.answers import comparable_outcome
from redress.kb.schema import FIELDS
from redress.compiled.columnar import ColumnarEngine
from redress.compiled.vector import CODE, CaseColumns, FieldColumn, QuestionResult, VectorEngine

ASK_SAMPLES = 2000  # warm asks timed for ask_p50_ms / ask_p99_ms

__all__ = ["run_bench", "bench_text", "PEER_QUESTIONS"]

PEER_QUESTIONS = ["appealable", "mediation_advice_required", "recommendations_available", "appeal_deadline"]
PEER_GROUNDS = ["decision", "section_b", "section_f", "section_i_named", "section_i_type", "section_i_none",
                "section_e", "section_g", "section_h2"]
AS_OF = _dt.date(2026, 11, 22)
_REPO = Path(__file__).resolve().parents[1]  # the checkout, when run from one: ../shared beside it holds the peer
# The README's examples (examples/christmas-deadline.json and refusal-to-assess.json; a test keeps
# them equal): the warm ask times the deadline, whose proof is the longest; the cold ask the refusal.
DEADLINE_CASE: dict[str, Any] = {
    "id": "example-deadline", "as_of": "2025-11-25", "person": {"age": 12},
    "decision": {"kind": "refuse_assessment", "sent": "2025-10-31"}, "appeal": {"grounds": ["decision"]},
    "mediation": {"adviser_contacted": "2025-11-14", "adviser_told_decline": "2025-11-17",
                  "certificate_issued": "2025-11-20"}}
REFUSAL_CASE: dict[str, Any] = {
    "id": "example-refusal", "as_of": "2025-02-01", "person": {"role": "parent", "age": 9},
    "decision": {"kind": "refuse_assessment", "sent": "2025-01-10"}, "appeal": {"type": "sen", "grounds": ["decision"]}}


def _peer_columns(n: int, seed: int) -> dict[str, np.ndarray]:
    """Inputs in the peer's vocabulary (its nine grounds), as its own generator draws them."""
    rng = np.random.default_rng(seed)
    data: dict[str, np.ndarray] = {"decision_kind": rng.integers(0, 12, n).astype(np.int16)}
    for g in PEER_GROUNDS:
        data[f"ground_{g}"] = rng.random(n) < 0.25
    data["appeal_is_disability_discrimination"] = rng.random(n) < 0.1
    sent = np.datetime64("2015-01-01") + rng.integers(0, 16 * 365, n)
    data["decision_sent"] = sent
    has_cert = rng.random(n) < 0.5
    data["certificate_issued"] = np.where(has_cert, sent + rng.integers(0, 120, n), np.datetime64("1970-01-01"))
    return data


def _peer_case_columns(vector: VectorEngine, data: dict[str, np.ndarray]) -> CaseColumns:
    """The peer's input columns as the vectorised backend's encoded columns (timed, as the peer's
    own simulation building is): kinds to codes, dates to day numbers, grounds as they are."""
    n = len(data["decision_kind"])
    none = np.zeros(n, dtype=bool)
    every = np.ones(n, dtype=bool)
    zeros = np.zeros(n, dtype=CODE)
    fields: dict[str, FieldColumn] = {}
    for path, spec in FIELDS.items():
        fields[path] = (FieldColumn(none, members={v: none for v in spec.values}) if spec.type == "enum_list"
                        else FieldColumn(none, zeros))
    kinds = np.array([vector.pool.string(k) for k in FIELDS["decision.kind"].values], dtype=CODE)
    fields["decision.kind"] = FieldColumn(every, kinds[data["decision_kind"]])
    fields["decision.sent"] = FieldColumn(every, _days(data["decision_sent"]))
    # the peer's 1970-01-01 is "no certificate issued", which the contract writes as null (known,
    # no value), not as an absent key (unknown)
    cert = _days(data["certificate_issued"])
    fields["mediation.certificate_issued"] = FieldColumn(every, cert, present=cert > 0)
    fields["appeal.type"] = FieldColumn(every, np.where(data["appeal_is_disability_discrimination"],
                                                        vector.pool.string("disability_discrimination"),
                                                        vector.pool.string("sen")).astype(CODE))
    fields["appeal.grounds"] = FieldColumn(every, members={g: data.get(f"ground_{g}", none)
                                                           for g in FIELDS["appeal.grounds"].values})
    fields["as_of"] = FieldColumn(every, np.full(n, (AS_OF - _dt.date(1970, 1, 1)).days, dtype=CODE))
    return CaseColumns(n, fields)


def _days(values: np.ndarray) -> np.ndarray:
    return (values.astype("datetime64[D]") - np.datetime64("1970-01-01")).astype(CODE)


def _peer_agrees(results: dict[str, QuestionResult], peer: Any) -> dict[str, np.ndarray]:
    """Per question, the cases where our determined answer is the peer's (vectorised)."""
    out = {}
    for q in PEER_QUESTIONS:
        r, theirs = results[q], np.asarray(peer[q])
        determined = r.status == 0
        if r.kind == "yes_no":
            assert r.truth is not None
            out[q] = determined & ((r.truth == 1) == theirs.astype(bool))
        else:
            assert r.value is not None and r.has_value is not None
            nat = np.isnat(theirs)
            days = np.where(nat, 0, theirs.astype("datetime64[D]").astype(np.int64))
            out[q] = determined & np.where(nat, ~r.has_value, r.has_value & (r.value == days))
    return out


@dataclass(frozen=True)
class PeerDeparture:
    """A documented point where the law as encoded departs from the peer's simpler model: the
    questions it touches, why (with its source), and the peer inputs where it applies."""

    name: str
    questions: tuple[str, ...]
    why: str
    applies: Callable[[dict[str, np.ndarray], dict[str, QuestionResult]], np.ndarray]


_PLAN_CONTENTS = ("plan_finalised", "plan_amended")  # the peer's CONTENT kinds
_PLACEMENT = ("section_i_named", "section_i_type", "section_i_none")
_HEALTH_CARE = ("section_g", "section_h2")  # the peer's non-educational sections


def _kind_in(data: dict[str, np.ndarray], kinds: tuple[str, ...]) -> np.ndarray:
    codes = [FIELDS["decision.kind"].values.index(k) for k in kinds]
    return np.isin(data["decision_kind"], codes)


def _grounds_within(data: dict[str, np.ndarray], allowed: tuple[str, ...]) -> np.ndarray:
    """Some ground is raised, and every ground raised is one of ``allowed``."""
    some: np.ndarray = np.logical_or.reduce([data[f"ground_{g}"] for g in PEER_GROUNDS])
    outside: np.ndarray = np.logical_or.reduce([data[f"ground_{g}"] for g in PEER_GROUNDS if g not in allowed])
    within: np.ndarray = some & ~outside
    return within


def _no_appeal(data: dict[str, np.ndarray], results: dict[str, QuestionResult]) -> np.ndarray:
    r = results["appealable"]
    assert r.truth is not None
    no: np.ndarray = (r.status == 0) & (r.truth != 1)
    return no


PEER_DEPARTURES: tuple[PeerDeparture, ...] = (
    PeerDeparture(
        "discrimination_claim_is_not_an_s51_appeal", tuple(PEER_QUESTIONS),
        "the peer reads appeal_is_disability_discrimination as a flag on an SEN appeal; the contract's "
        "appeal.type disability_discrimination is an Equality Act claim, not an appeal under CFA 2014 "
        "s.51: not 'appealable', no s.51 recommendations, and its deadline (six months from the conduct, "
        "only for a claim against a school) waits on disagreement.counterparty (EqA 2010 Sch.17; CoP 11.39)",
        lambda data, results: data["appeal_is_disability_discrimination"]),
    PeerDeparture(
        "no_deadline_without_an_appeal", ("appeal_deadline",),
        "the peer dates an appeal for every case; a decision that cannot be appealed under CFA 2014 "
        "s.51 (or plan contents appealed on no appealable section) has no appeal deadline (CoP 11.45)",
        _no_appeal),
    PeerDeparture(
        "placement_exemption_is_for_plan_contents", ("mediation_advice_required",),
        "the peer exempts any appeal whose grounds are all section I; the exemption is for an appeal "
        "only about the school or institution named in a plan (CFA 2014 s.55; CoP 11.21), which a "
        "refusal or a cessation is not",
        lambda data, results: ~_kind_in(data, _PLAN_CONTENTS) & _grounds_within(data, _PLACEMENT)),
    PeerDeparture(
        "health_and_care_sections_beside_a_placement_appeal", ("mediation_advice_required",),
        "health or social care sections appealed beside a placement-only appeal add no certificate "
        "requirement (CFA 2014 s.55, as the DfE trial materials are reported in seed 004; caveated "
        "in the answer); the peer requires advice for them",
        lambda data, results: _kind_in(data, _PLAN_CONTENTS) & _grounds_within(data, _PLACEMENT + _HEALTH_CARE)),
)


def _peer_comparison(data: dict[str, np.ndarray], results: dict[str, QuestionResult], peer: Any) -> dict[str, Any]:
    """Disagreements per question, each put down to the first departure that covers it; any left
    over are unexplained, and only those would make the two models differ where they should not."""
    agrees = _peer_agrees(results, peer)
    applies = {d.name: d.applies(data, results) for d in PEER_DEPARTURES}  # once, whatever it covers
    by_departure = {d.name: 0 for d in PEER_DEPARTURES}
    unexplained = {}
    for q in PEER_QUESTIONS:
        left = ~agrees[q]
        for d in PEER_DEPARTURES:
            if q in d.questions:
                covered = left & applies[d.name]
                by_departure[d.name] += int(covered.sum())
                left &= ~covered
        unexplained[q] = int(left.sum())
    return {"identical_to_peer": bool(all(a.all() for a in agrees.values())),
            "peer_disagreements": {q: int((~agrees[q]).sum()) for q in PEER_QUESTIONS},
            "peer_departures": by_departure,
            "peer_disagreements_unexplained": unexplained,
            "peer_disagreements_undetermined": int(sum((results[q].status != 0).sum() for q in PEER_QUESTIONS))}


def _median_seconds(run: Any, runs: int) -> float:
    run()  # warm-up: first-touch page faults and lookup tables, as a long-running service has them
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _peer_python() -> Path:
    """A venv with openfisca-core for the peer, made once in the user's cache (not a runtime dependency)."""
    venv = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "redress" / "peer-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "openfisca-core", "numpy", "python-dateutil",
                        "holidays"], check=True)
    return python


def _engine(kb: KnowledgeBase, spill: Path | None = None) -> ColumnarEngine:
    return ColumnarEngine(kb.program, kb.rules_version, kb.patterns,
                          spill=spill)


def run_bench(n: int, peer_dir: Path | None = None, runs: int = 3, seed: int = 42, sample: int = 2000,
              log: Any = None) -> dict[str, Any]:
    def say(text: str) -> None:
        if log:
            log(text)

    kb = load()
    result: dict[str, Any] = {"cases": n, "rules_version": kb.rules_version}
    work = Path(tempfile.mkdtemp(prefix="redress-bench-"))

    # --- the peer's four questions, same inputs, as columns
    say("four questions: redress vectorised backend")
    data = _peer_columns(n, seed)
    engine = _engine(kb, work / "spill")  # DuckDB spills the N-case tables here beyond its memory limit
    vector = engine.vector
    # the peer answers only (no "missing"): so does the backend it is compared with; the same
    # evaluation naming the missing fields, as a batch file's lines do, is timed beside it
    answers_only = VectorEngine(kb.program, kb.patterns, missing=False, pool=vector.pool)
    results: dict[str, QuestionResult] = {}

    def four() -> None:
        results.update(answers_only.evaluate(_peer_case_columns(answers_only, data), PEER_QUESTIONS))

    result["eval_seconds_4q"] = _median_seconds(four, runs)
    result["eval_seconds_4q_with_missing"] = _median_seconds(
        lambda: vector.evaluate(_peer_case_columns(vector, data), PEER_QUESTIONS), runs)

    peer_dir = peer_dir or (_REPO.parent / "shared" / "peers" / "openfisca-send")
    if peer_dir.is_dir():
        say("four questions: OpenFisca peer")
        result["peer"] = f"OpenFisca peer at {peer_dir}"
        np.savez(work / "peer_in.npz", allow_pickle=True, **data)
        done = subprocess.run([str(_peer_python()), str(Path(__file__).with_name("peer_driver.py")), str(peer_dir),
                               str(work / "peer_in.npz"), str(work / "peer_out.npz"), str(runs)],
                              capture_output=True, text=True, cwd=peer_dir, check=True)
        result["peer_seconds_4q"] = json.loads(done.stdout.strip().splitlines()[-1])["peer_seconds_4q"]
        result["ratio_vs_peer"] = result["peer_seconds_4q"] / result["eval_seconds_4q"]
        result.update(_peer_comparison(data, results, np.load(work / "peer_out.npz")))
    else:
        result["peer"] = f"not installed: no OpenFisca peer at {peer_dir} (pass --peer DIR to compare)"
        result["peer_seconds_4q"] = result["ratio_vs_peer"] = result["identical_to_peer"] = None
    del results

    # --- every question, and each alone, on the contract-vocabulary caseload
    say("every question: vectorised backend")
    cases_file = write_jsonl(work / "cases.jsonl", n, seed)
    engine.load_lines(cases_file, "jsonl")
    engine.validate(AS_OF, 1, n)
    _, columns = engine.case_columns()
    questions = list(kb.questions)
    result["eval_seconds_all"] = _median_seconds(lambda: vector.evaluate(columns, questions), 1)
    result["per_question_seconds"] = {q: _median_seconds(lambda: vector.evaluate(columns, [q]), 1) for q in questions}
    result["per_question_seconds_answers_only"] = {q: _median_seconds(lambda: answers_only.evaluate(columns, [q]), 1)
                                                   for q in questions}
    del columns

    # --- identical to the engine of record on a sample
    say("identical to pyDatalog on a sample")
    sample_cases = list(caseload_cases(generate(sample, seed + 1)))
    for c in sample_cases:
        c["as_of"] = c.get("as_of") or AS_OF.isoformat()
    sample_file = work / "sample.jsonl"
    sample_file.write_text("".join(json.dumps(c) + "\n" for c in sample_cases))
    engine.load_lines(sample_file, "jsonl")
    engine.validate(AS_OF, 1, sample)
    backends = []
    # both compiled backends in full, their missing fields as sets
    for run in (engine.evaluate_numpy, engine.evaluate):
        run(questions)
        backends.append({(line, q): comparable_outcome(tuple(outcome)) for line, _, q, *outcome in engine.answers(questions)})
    same = all(compiled[(i, a.question)] == comparable_outcome(a.outcome())
               for i, case in enumerate(sample_cases, start=1) for a in kb.ask_many(questions, case)
               for compiled in backends)
    result["identical_to_reference"] = same
    result["identical_to_reference_sample"] = sample
    engine.close()

    # --- the batch command end to end
    say("redress batch end to end")
    out = work / "answers.jsonl"
    for layout, key in (("wide", "batch_file_seconds"), ("long", "batch_file_seconds_long")):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "redress", "batch", str(cases_file), "--questions", "all", "--out", str(out),
                        "--layout", layout, "--no-progress"], check=True, capture_output=True)
        result[key] = time.perf_counter() - t0
        result[key.replace("seconds", "bytes")] = out.stat().st_size
        out.unlink()
    result["batch_layout"] = "wide"

    # --- a warm ask with its proof, and a cold process
    say("warm and cold asks")
    case = DEADLINE_CASE
    kb.ask("appeal_deadline", case)
    times = []
    # 2,000 asks, about two seconds: this machine's speed swings twofold for tenths of a second
    # at a time, and 300 asks (a third of a second) could fall inside one swing
    for _ in range(ASK_SAMPLES):
        t0 = time.perf_counter()
        kb.ask("appeal_deadline", case)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    result["ask_p50_ms"] = times[len(times) // 2]
    result["ask_p99_ms"] = times[int(len(times) * 0.99) - 1]
    result["ask_samples"] = len(times)
    by_question = {}
    for q in kb.questions:  # the figure above is one question; here is each one
        kb.ask(q, case)
        one = []
        for _ in range(100):
            t0 = time.perf_counter()
            kb.ask(q, case)
            one.append((time.perf_counter() - t0) * 1000)
        by_question[q] = statistics.median(one)
    result["ask_p50_ms_by_question"] = by_question
    cold = []
    refusal = work / "refusal-to-assess.json"
    refusal.write_text(json.dumps(REFUSAL_CASE))
    _compile_bytecode()
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "redress", "ask", "appealable", "--case", str(refusal), "--json"],
                       check=True, capture_output=True)
        cold.append((time.perf_counter() - t0) * 1000)
    result["cold_ask_ms"] = statistics.median(cold)
    result["peak_rss_mb"] = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    shutil.rmtree(work, ignore_errors=True)
    return result


def _compile_bytecode() -> None:
    """Write the package's bytecode before the cold asks are timed, as pip does when it installs
    a package: an editable install under PYTHONDONTWRITEBYTECODE (set on some machines) never
    writes it, and every "cold" process would then compile the whole package again. The folders
    are those of every redress module loaded by now (the bench has used them all)."""
    import compileall

    files = [getattr(m, "__file__", None) for name, m in list(sys.modules.items())
             if name == "redress" or name.startswith("redress.")]
    folders = {Path(f).parent for f in files if f}
    for folder in sorted(folders):
        compileall.compile_dir(str(folder), maxlevels=0, quiet=1)


def _rounded(value: Any) -> str:
    """A figure as a person reads it: three significant digits, thousands separated, units kept."""
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "-"}[value]
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def bench_text(result: dict[str, Any]) -> str:
    """The figures one to a line, rounded; a figure per question indented under its heading."""
    lines = []
    for key, value in result.items():
        if isinstance(value, dict):
            lines.append(key)
            lines.extend(f"  {k:<32} {_rounded(v)}" for k, v in value.items())
        else:
            lines.append(f"{key:<34} {_rounded(value)}")
    return "\n".join(lines)
