"""The generated SQL runs unchanged on PostgreSQL and answers as the DuckDB backend does.

Starts a real PostgreSQL server (Debian's package, installed by .ci/run) on 127.0.0.1 with a
throwaway data directory, loads the legal scenarios' cases, runs `redress sql --dialect
postgres`'s script and compares every answer, the missing fields (each possible member's too)
included. Skipped only outside CI when PostgreSQL is absent.
"""

from __future__ import annotations

import datetime as _dt
import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest

import redress
from redress.parser import ast
from redress.parser.parse import parse_file
from redress.frontends.pytest_plugin import case_from_givens
from redress.law import dates
from redress.compiled.columnar import ColumnarEngine
from redress.compiled.sqlgen import FIELD_BITS, full_script

SCENARIOS = Path(__file__).resolve().parents[1] / "rules" / "scenarios"
TODAY = _dt.date.today()


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _as_postgres_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def postgres() -> Iterator[tuple[str, int]]:
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl or not shutil.which("psql"):
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; .ci/run installs Debian's postgresql package")
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="redress-pg-"))
    root.chmod(0o777)
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    sock.chmod(0o777)
    port = _free_port()
    subprocess.run(_as_postgres_user([initdb, "-D", str(data), "-U", "postgres", "--auth=trust"]), check=True,
                   capture_output=True, timeout=120)
    subprocess.run(_as_postgres_user([pg_ctl, "-D", str(data), "-w", "-t", "60", "-l", str(root / "log"), "-o",
                                      f"-p {port} -c listen_addresses=127.0.0.1 -k {sock}", "start"]),
                   check=True, capture_output=True, timeout=120)
    try:
        yield "127.0.0.1", port
    finally:
        subprocess.run(_as_postgres_user([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), capture_output=True,
                       timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def _psql(host: str, port: int, *args: str, script: str | None = None) -> str:
    done = subprocess.run(["psql", "-h", host, "-p", str(port), "-U", "postgres", "-d", "postgres", "-v",
                           "ON_ERROR_STOP=1", "-X", "-q", *args], input=script, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _sql_value(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, _dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, list):
        return "ARRAY[" + ", ".join(_sql_value(v) for v in value) + "]::VARCHAR[]" if value else "ARRAY[]::VARCHAR[]"
    return "'" + str(value).replace("'", "''") + "'"


def test_generated_sql_answers_identically_on_postgresql(postgres: tuple[str, int], tmp_path: Path) -> None:
    host, port = postgres
    kb = redress.load()
    program = kb.program.in_force_on(TODAY)
    patterns = kb.patterns
    cases = [case_from_givens(item.givens) for f in sorted(SCENARIOS.glob("*.rules"))
             for item in parse_file(f).items if isinstance(item, ast.Scenario)]
    for case in cases:
        case["as_of"] = TODAY.isoformat()  # one version of the law for both engines
    source = tmp_path / "cases.jsonl"
    source.write_text("".join(json.dumps(c) + "\n" for c in cases))

    duck = ColumnarEngine(program, kb.rules_version, patterns)
    duck.load_lines(source, "jsonl")
    assert duck.validate(TODAY, *duck.line_range()) == []
    columns = [r[0] for r in duck.con.execute("SELECT column_name FROM (DESCRIBE redress_cases)").fetchall()]
    rows = duck.con.execute("SELECT * FROM redress_cases ORDER BY case_id").fetchall()
    questions = list(kb.questions)
    duck.evaluate(questions)

    def parsed(text: str | None) -> Any:
        return None if text in (None, "") else json.loads(text)

    # the answers as the SQL gives them: texts, and the field sets as numbers
    expected = {(case_id, q): (status, parsed(answer), parsed(possible), int(missing), parsed(ways))
                for case_id, q, status, answer, possible, missing, ways in duck.con.execute(
                    "SELECT case_id, question, status, CAST(answer AS VARCHAR), CAST(possible AS VARCHAR), missing, "
                    "CAST(possible_missing AS VARCHAR) FROM redress_answers").fetchall()}
    assert sum(1 for v in expected.values() if v[3]) > 100  # fields are named: the comparison is not vacuous

    start, end = _dt.date(1990, 1, 1), _dt.date(2100, 12, 31)
    holidays = dates.bank_holidays_between(start.year, end.year)
    script = full_script(program, patterns, holidays, start, end + _dt.timedelta(days=40), "postgres")
    inserts = [f"INSERT INTO redress_cases ({', '.join(columns)}) VALUES "
               + ", ".join("(" + ", ".join(_sql_value(v) for v in row) + ")" for row in rows[i:i + 200])
               for i in range(0, len(rows), 200)]
    # the cases table is created by the script; load cases after it, then run the rules and answers
    split = script.index(next(s for s in script if s.startswith("CREATE TABLE IF NOT EXISTS redress_cases"))) + 1
    full = ";\n".join([*script[:split], *inserts, *script[split:]]) + ";\n"
    _psql(host, port, script=full)
    out = _psql(host, port, "-A", "-t", "-F", "\t", "-c",
                "SELECT case_id, question, status, answer::text, possible::text, missing, possible_missing::text "
                "FROM redress_answers ORDER BY 1, 2")
    got = {}
    for line in out.splitlines():
        case_id, q, status, answer, possible, missing, ways = line.split("\t")
        got[(int(case_id), q)] = (status, parsed(answer), parsed(possible), int(missing), parsed(ways))
    names = _psql(host, port, "-A", "-t", "-F", "\t", "-c", "SELECT bit, field FROM redress_fields ORDER BY bit")
    assert [tuple(line.split("\t")) for line in names.splitlines()] == [(str(k), f) for k, f in enumerate(FIELD_BITS)]
    assert len(got) == len(expected) == len(cases) * len(questions)
    differences = [f"{key}: duckdb {expected[key]}, postgres {got[key]}" for key in expected if got[key] != expected[key]]
    assert not differences, "\n".join(differences[:10]) + f"\n({len(differences)} differences)"


@pytest.mark.timeout(600)
def test_the_conformance_suite_on_postgresql(postgres: tuple[str, int]) -> None:
    """Every conformance case the compiled backends run, the issue-19 reproducers among them
    (recursion semi-naive in a DO loop, two relations on one cycle, relations of no arguments),
    as `script` writes it for PostgreSQL, each in a schema of its own."""
    from conformance import compile_case, rows, value
    from conformance_cases import CASES

    from redress.compiled.sqlgen import calendar_sql, compile_sql, script

    host, port = postgres
    holidays = dates.bank_holidays_between(2019, 2031)
    calendar = calendar_sql("postgres", holidays, _dt.date(2019, 1, 1), _dt.date(2031, 12, 31))
    cases = [c for c in CASES if not c.errors and c.compiled]
    assert sum(c.name.startswith("issue19_") for c in cases) >= 6
    text = list(calendar)  # in the public schema, which every case's search path ends with
    arity: dict[tuple[int, str], int] = {}
    for n, case in enumerate(cases):
        program = compile_case(case.decl, case.src)
        text += [f"CREATE SCHEMA c{n}", f"SET search_path TO c{n}, public", *script(compile_sql(program, "postgres"),
                                                                                     "postgres")]
        for relation in case.expect:
            arity[(n, relation)] = program.relations[relation].arity
            text.append(f"SELECT '{n}|{relation}|' || concat_ws('|', VARIADIC ARRAY(SELECT x::text FROM "
                        f"json_each_text(row_to_json(t)) j(k, x) ORDER BY k)) FROM t_{relation} t")
    out = _psql(host, port, "-A", "-t", script=";\n".join(text) + ";\n")
    got: dict[tuple[int, str], set[tuple[Any, ...]]] = {}
    for line in out.splitlines():
        n, relation, *values = line.split("|")
        key = (int(n), relation)
        got.setdefault(key, set()).add(tuple(value(v) for v in values)[:arity[key]])  # no placeholder column
    differences = [f"{case.name} {relation}: expected {rows(want)}, postgres {got.get((n, relation), set())}"
                   for n, case in enumerate(cases) for relation, want in case.expect.items()
                   if got.get((n, relation), set()) != rows(want)]
    assert not differences, "\n".join(differences)
