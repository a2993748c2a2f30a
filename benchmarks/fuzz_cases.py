"""Fuzz the case front-ends: generated case JSON through every question of the Python API, a
sample through the CLI (``redress ask``) and HTTP (``POST /ask``), and all of them through
``redress batch`` on each engine.

usage: python benchmarks/fuzz_cases.py [--count N] [--seed S] [--only INDEX] [--json]
       [--cli-every N] [--http-every N] [--batch-lines N] [--pydatalog-lines N]

Cases are valid shapes with random values, wrong types, unknown keys, nulls, huge strings and
integers (over 4,300 digits), deep nesting, odd dates (2025-02-30, 0001-01-01, 9999-12-31, ...),
odd unicode (lone surrogates), non-objects, and, for the text front-ends, broken JSON. An error
must name the JSON field (``field``), or for invalid JSON its position. A batch must account
for every line: each one answered (every question) or reported with its number. "Over 5 s" is
judged per input: a batch run counts as slow when its CPU time per line is over 5 s (its whole
time is the front-end's ``slowest_s``).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fuzzkit import ROOT, Tally, indices, interrupted, progress, report  # noqa: E402

from redress.errors import CaseValidationError, RedressError  # noqa: E402
from redress.kb.schema import FIELDS  # noqa: E402

ODD_DATES = ("2025-02-30", "0001-01-01", "9999-12-31", "2100-12-31", "2101-01-01", "1990-01-01", "1989-12-31",
             "2024-02-29", "2025-02-29", "2025-13-01", "2025-00-10", "2025-1-1", "20250101", "2025-01-01T00:00",
             " 2025-01-01", "2025-01-01 ", "２０２５-０１-０１", "2025-W01-1", "2025-001", "", "-2025-01-01",
             "+2025-01-01", "2025/01/01", "0000-00-00")
HUGE_INTS = (10 ** 5000, -(10 ** 5000), 2 ** 63, -1, 121, 10 ** 4299, 10 ** 4301)
ODD_STRINGS = ("\ud800", "a\udfffb", "\x00", "\u202e", "\U0001f600" * 3, "x" * 1_000_000, "'; DROP TABLE cases; --",
               "${jndi:ldap://x}", "__import__('os')", "\x1f", "line\nbreak", "\\", '"')
_LOCATED_JSON = re.compile(r"(character|column|line) \d+")


def _date(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return rng.choice(ODD_DATES)
    return f"{rng.randint(1990, 2100):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _valid(spec_type: str, values: tuple[str, ...], rng: random.Random) -> Any:
    if spec_type == "enum":
        return rng.choice(values)
    if spec_type == "enum_list":
        return [rng.choice(values) for _ in range(rng.randint(0, 4))]
    if spec_type == "date":
        return _date(rng)
    if spec_type == "int":
        return rng.randint(0, 25) if rng.random() < 0.9 else rng.randint(0, 120)
    if spec_type == "bool":
        return rng.random() < 0.5
    return f"case-{rng.randrange(10 ** 6)}"


def _nest(depth: int, rng: random.Random) -> Any:
    """A value nested ``depth`` deep, built without recursion."""
    value: Any = rng.choice([1, "a", None, [], {}])
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"k": value}
    return value


def _junk(rng: random.Random) -> Any:
    return rng.choice([None, True, False, 0, -7, 3.5, float("inf"), float("nan"), 1e308, "", "yes", [], {},
                       [None], {"a": 1}, rng.choice(ODD_STRINGS), rng.choice(HUGE_INTS), _nest(rng.randint(2, 50), rng)])


def valid_case(rng: random.Random, p: float = 0.6) -> dict[str, Any]:
    """A case of the contract's shape: each field present with probability ``p``, valid values."""
    case: dict[str, Any] = {}
    for path, spec in FIELDS.items():
        if rng.random() > p:
            continue
        value = None if rng.random() < 0.05 else _valid(spec.type, spec.values, rng)
        _put(case, path, value)
    if "as_of" not in case and rng.random() < 0.9:
        case["as_of"] = f"{rng.randint(2015, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return case


def _put(case: dict[str, Any], path: str, value: Any) -> None:
    group, _, sub = path.rpartition(".")
    target = case.setdefault(group, {}) if group else case
    if isinstance(target, dict):
        target[sub] = value


def generate(rng: random.Random) -> Any:
    """One case (JSON data) of a randomly chosen kind."""
    kind = rng.randrange(12)
    if kind <= 3:
        return valid_case(rng)
    case = valid_case(rng, 0.4)
    paths = list(FIELDS)
    if kind == 4:  # wrong types
        for _ in range(rng.randint(1, 3)):
            _put(case, rng.choice(paths), _junk(rng))
    elif kind == 5:  # unknown keys, top level or inside a group
        where = rng.choice(["", "person", "decision", "appeal", "mediation", "nope"])
        key = rng.choice(["kind ", "Kind", "extra", "", "__proto__", "decision.kind", rng.choice(ODD_STRINGS)[:20]])
        _put(case, f"{where}.{key}" if where else key, _junk(rng))
    elif kind == 6:  # nulls: fields, whole groups
        for path in rng.sample(paths, rng.randint(1, 6)):
            _put(case, path, None)
        if rng.random() < 0.5:
            case[rng.choice(["person", "decision", "appeal", "mediation", "disagreement", "recommendation"])] = None
    elif kind == 7:  # huge and odd strings
        _put(case, rng.choice(paths), rng.choice(ODD_STRINGS))
    elif kind == 8:  # huge and out-of-range integers
        _put(case, rng.choice(["person.age", "id", "person.age", rng.choice(paths)]), rng.choice(HUGE_INTS))
    elif kind == 9:  # deep nesting
        depth = rng.choice([10, 100, 900, 1200, 3000, 10000])
        if rng.random() < 0.3:
            return _nest(depth, rng)
        _put(case, rng.choice(paths), _nest(depth, rng))
    elif kind == 10:  # odd dates in every date field
        for path, spec in FIELDS.items():
            if spec.type == "date" and rng.random() < 0.5:
                _put(case, path, rng.choice(ODD_DATES))
    else:  # not an object
        return rng.choice([[], [case], "case", 17, None, True, 1.5])
    return case


def to_text(value: Any) -> str:
    """The case as JSON text; integers of any length and nesting of any depth included."""
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return json.dumps(value)
    except RecursionError:
        return _deep_text(value)
    finally:
        sys.set_int_max_str_digits(limit)


def _deep_text(value: Any) -> str:
    """JSON text without recursion (for nesting deeper than json.dumps goes)."""
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Raw):
            out.append(item.text)
        elif isinstance(item, list):
            stack.append(_Raw("]"))
            for i, member in enumerate(reversed(item)):
                stack.append(member)
                if i < len(item) - 1:
                    stack.append(_Raw(","))
            out.append("[")
        elif isinstance(item, dict):
            stack.append(_Raw("}"))
            pairs = list(item.items())
            for i, (k, v) in enumerate(reversed(pairs)):
                stack.append(v)
                stack.append(_Raw(json.dumps(str(k)) + ":"))
                if i < len(pairs) - 1:
                    stack.append(_Raw(","))
            out.append("{")
        else:
            out.append(json.dumps(item))
    return "".join(out)


class _Raw:
    def __init__(self, text: str):
        self.text = text


def break_text(rng: random.Random, text: str) -> str:
    """Broken JSON for the text front-ends, now and then."""
    pick = rng.random()
    if pick < 0.9 or not text:
        return text
    if pick < 0.95:
        return text[:rng.randrange(len(text))]
    i = rng.randrange(len(text))
    return text[:i] + rng.choice(["\x1f", "\x00", "\r", "}", "\\", '"', "\ufeff", "\u2028", ",,"]) + text[i:]


# ---------------------------------------------------------------------- the front-ends


def located(err: RedressError) -> bool:
    """A case error names its field; a JSON error its position."""
    field = getattr(err, "field", None)
    if field:
        return True
    return isinstance(err, CaseValidationError) and bool(_LOCATED_JSON.search(str(err)))


def _check_located(body: dict[str, Any]) -> None:
    """An error body of the CLI or HTTP must name the field (or the JSON position)."""
    error = body.get("error") or {}
    if not error.get("field") and not _LOCATED_JSON.search(str(error.get("message", ""))):
        raise _Unlocated(f"{error.get('code')} {str(error.get('message'))[:50]}")


class _Unlocated(RedressError):
    """A front-end's error without a field: re-raised as this to be counted as unlocated."""


class CasesFuzzer:
    def __init__(self, workdir: Path):
        import redress
        from click.testing import CliRunner
        from fastapi.testclient import TestClient

        from redress.frontends.cli import cli
        from redress.frontends.web import create_app

        self.kb = redress.load()
        self.questions = list(self.kb.questions)
        self.cli, self.runner = cli, CliRunner()
        self.client = TestClient(create_app(self.kb), raise_server_exceptions=True)
        self.workdir = workdir

    def api(self, question: str, case: Any) -> None:
        answer = self.kb.ask(question, case)
        json.dumps(answer.to_dict())  # the answer is JSON data

    def command(self, question: str, text: str) -> None:
        result = self.runner.invoke(self.cli, ["ask", question, "--case", "-", "--json"], input=text.encode(
            "utf-8", "surrogatepass"))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        if result.exit_code == 0:
            json.loads(result.stdout)
            return
        if result.exit_code not in (2, 3):
            raise RuntimeError(f"redress ask exited {result.exit_code}: {result.stderr[-200:]}")
        _check_located(json.loads(result.stderr))

    def http(self, question: str, text: str) -> None:
        body = json.dumps({"question": question, "case": "@@"}).replace('"@@"', text)
        response = self.client.post("/ask", content=body.encode("utf-8", "surrogatepass"),
                                    headers={"content-type": "application/json"})
        if response.status_code >= 500:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:120]}")
        data = response.json()
        if response.status_code >= 400:
            _check_located(data)

    def batch(self, lines: list[str], engine: str) -> None:
        """``redress batch`` over these lines: every line answered or reported, none lost."""
        source, out = self.workdir / "cases.jsonl", self.workdir / "answers.jsonl"
        data = "".join(line.replace("\n", " ") + "\n" for line in lines).encode("utf-8", "surrogatepass")
        source.write_bytes(data)
        result = self.runner.invoke(self.cli, ["batch", str(source), "--out", str(out), "--engine", engine,
                                               "--no-progress"])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        if result.exit_code not in (0, 4):
            raise RuntimeError(f"redress batch --engine {engine} exited {result.exit_code}: {result.stderr[-300:]}")
        summary = re.search(r"(\d+) cases, (\d+) answers -> .*; (\d+) lines skipped", result.stderr)
        if summary is None:
            raise RuntimeError(f"no summary from redress batch: {result.stderr[-300:]}")
        cases, answers, skipped = map(int, summary.groups())
        reported = {int(n) for n in re.findall(r"^\S*cases\.jsonl:line (\d+):", result.stderr, re.M)}
        numbers = {n for n, line in enumerate(data.split(b"\n"), start=1) if line.strip()}
        written = [json.loads(line) for line in out.read_bytes().split(b"\n") if line.strip()] if out.exists() else []
        answered = {row["line"] for row in written}
        if (cases + skipped != len(numbers) or answers != cases * len(self.questions) or len(written) != answers
                or len(reported) != skipped or answered | reported != numbers or answered & reported):
            raise RuntimeError(f"batch --engine {engine} lost or misnumbered lines: {len(numbers)} lines, {cases} "
                               f"answered, {skipped} skipped, {answers} answers, {len(written)} written, "
                               f"{len(numbers - answered - reported)} unaccounted for")


def run(count: int, seed: int, only: int | None = None, cli_every: int = 50, http_every: int = 20,
        batch_lines: int = 5000, pydatalog_lines: int = 200, start: int = 0,
        on_progress: Callable[[int, int, float], None] | None = None) -> tuple[list[Tally], bool]:
    """The tallies, and whether the run was interrupted before the end."""
    api, command, http = Tally("python-api"), Tally("cli-ask"), Tally("http-ask")
    batches = {engine: Tally(f"batch-{engine}") for engine in ("numpy", "duckdb", "pydatalog")}
    cases = Tally("cases")  # generation itself: counts the cases tried
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="redress-fuzz-cases-") as work:
        fuzzer = CasesFuzzer(Path(work))
        pending: list[tuple[int, str]] = []

        def flush() -> None:
            lines = [text for _, text in pending]
            first = pending[0][0]
            for engine, tally in batches.items():
                chunk = lines if engine != "pydatalog" else lines[:pydatalog_lines]
                tally.run(first, f"batch of {len(chunk)}", lambda: fuzzer.batch(chunk, engine), lambda e: True,
                          inputs=len(chunk))
            pending.clear()

        def loop() -> None:
            for done, index in enumerate(indices(count, only, start)):
                rng = random.Random(f"{seed}:{index}")
                case = generate(rng)
                text = cases.run(index, "to_text", lambda: break_text(rng, to_text(case)), lambda e: True)
                for question in fuzzer.questions:
                    api.run(index, question, lambda: fuzzer.api(question, case), located)
                question = rng.choice(fuzzer.questions + ["appealable ", "no_such_question"])
                if only is not None or index % cli_every == 0:
                    command.run(index, question, lambda: fuzzer.command(question, text), located)
                if only is not None or index % http_every == 0:
                    http.run(index, question, lambda: fuzzer.http(question, text), located)
                pending.append((index, text))
                if len(pending) >= batch_lines:
                    flush()
                if on_progress:
                    on_progress(done + 1, count, started)
            if pending:
                flush()

        stopped = interrupted(loop)
    return [cases, api, command, http, *batches.values()], stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--only", type=int, default=None, help="replay one case by its index")
    parser.add_argument("--start", type=int, default=0, help="first index (to split a run across processes)")
    parser.add_argument("--cli-every", type=int, default=50)
    parser.add_argument("--http-every", type=int, default=20)
    parser.add_argument("--batch-lines", type=int, default=5000, help="cases per redress batch run")
    parser.add_argument("--pydatalog-lines", type=int, default=200, help="of those, how many --engine pydatalog runs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    tallies, stopped = run(args.count, args.seed, args.only, args.cli_every, args.http_every, args.batch_lines,
                           args.pydatalog_lines, args.start, progress)
    return report("cases", args.seed, tallies, started, args.json, stopped)


if __name__ == "__main__":
    sys.exit(main())
