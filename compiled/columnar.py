"""The compiled batch backend: cases in, answers out, in DuckDB, columnar throughout.

Input files (JSONL, CSV, Parquet) are read by DuckDB, one text column per line with its line
number; validation of the contract is SQL over the whole column, so a bad line is reported
with its number and field and skipped. The rules run as the SQL from ``sqlgen`` (the same IR
as the pyDatalog engine), once per set of rules in force (cases grouped by ``as_of``), in
chunks of lines so memory stays flat as the caseload grows. Answers carry ``status``,
``answer`` (and ``possible`` for lists) and the ``missing`` fields, each possible member's too
(the SQL's field sets, named in the order the numpy backend names them); proofs come on demand
from pyDatalog.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator

import numpy as np

from redress.core.errors import CaseValidationError, DataError, RedressError, printable
from redress.kb import ir
from redress.kb.answers import assemble, shape
from redress.kb.schema import (AGE_RANGE, COMPULSORY_SCHOOL_AGE_ENDED_BY, COMPULSORY_SCHOOL_AGE_NOT_ENDED_BY, CSV_NULL, FIELDS,
                                FIRST_DATE, HUGE_NUMBER_DIGITS, ISO_DATE_PATTERN, LAST_DATE, NOT_UTF8, case_line,
                                validate_case)
from redress.law import dates
from redress.compiled.answerfile import Layout
from redress.compiled.sqlgen import (ANSWER_COLUMNS, FIELD_BITS, answer_sql, calendar_sql, column_of, compile_sql,
                                     given_column, run)
from redress.compiled.vector import CALENDAR_END as _TABLE_END  # supported dates plus slack
from redress.compiled.vector import CODE, CaseColumns, FieldColumn, QuestionResult, VectorEngine, field_order

__all__ = ["ColumnarEngine", "Problem", "CALENDAR_START", "CALENDAR_END"]

_ROWS_PER_READ = 65536  # lines handed to DuckDB at a time by the careful reader
_PIECES_KEPT = 200_000  # answer texts kept across chunks (a few dozen MB at most)

CALENDAR_START, CALENDAR_END = dates.MIN_DATE, dates.MAX_DATE
_GROUPS: dict[str, list[str]] = {}
for _path in FIELDS:
    if "." in _path:
        group, sub = _path.split(".", 1)
        _GROUPS.setdefault(group, []).append(sub)
_TOP = sorted({p.split(".")[0] for p in FIELDS})
# The paths whose JSON type each line records: each group, then the line itself (last). A field's
# own presence (a key given, null or not) is read from its group's keys, which the unknown-key
# checks list anyway: typing every field's path cost a third of the validation.
_TYPE_PATHS = [f"$.{g}" for g in _GROUPS] + ["$"]
_TYPE_AT = {g: i for i, g in enumerate(_GROUPS, start=1)}  # 1-based, as SQL lists are
_KEYS_AT = {g: i for i, g in enumerate(_GROUPS, start=2)}  # keys[1]: the line's own keys


def _key_given(path: str) -> str:
    """Whether the line has the field's key (its value may be null)."""
    if "." not in path:
        return f"COALESCE(list_contains(keys[1], {_q(path)}), false)"
    group, sub = path.split(".", 1)
    return f"COALESCE(list_contains(keys[{_KEYS_AT[group]}], {_q(sub)}), false)"


@dataclass(frozen=True)
class Problem:
    line: int
    message: str
    field: str | None


# a line the SQL checks refuse and the schema's accept: never seen, but never answered either
CHECKS_DISAGREE = ("refused by the batch reader's checks, though the case's own validation accepts it "
                   "(the two should agree: please report this line)")


def _runs(total: int, most: int) -> list[int]:
    """``total`` cut into runs of at most ``most``: 4301 -> [1000, 1000, 1000, 1000, 301]."""
    return [most] * (total // most) + ([total % most] if total % most else [])


def _problem(line: int, text: str, fld: str | None) -> Problem:
    """A line the SQL checks reject, reported in the engine of record's words: its text read and
    validated as ``redress ask`` and the pydatalog batch do (``schema.case_line``,
    ``schema.validate_case``), so every engine words a bad line alike. Should Python find nothing
    wrong, the two sets of checks disagree: the line is still refused, and says so
    (tests/test_batch.py finds no such line over thousands of generated ones)."""
    try:
        validate_case(case_line(text))
    except CaseValidationError as err:
        return Problem(line, err.bare_message, err.field)
    return Problem(line, CHECKS_DISAGREE, fld)


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(values: Iterable[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def _leaf_struct() -> str:
    """json_transform target: every contract field as its own small JSON text, so the line is
    parsed once and each check reads a few bytes (not the whole group again)."""
    spec: dict[str, Any] = {}
    for path in FIELDS:
        if "." in path:
            group, sub = path.split(".", 1)
            spec.setdefault(group, {})[sub] = "JSON"
        else:
            spec[path] = "JSON"
    return _q(json.dumps(spec))


def _cut(text: str) -> str:
    """A value's text as an error message quotes it: at most 60 characters."""
    text = f"CAST({text} AS VARCHAR)"
    return f"CASE WHEN length({text}) > 60 THEN left({text}, 57) || '...' ELSE {text} END"


def _x(path: str) -> str:
    """The JSON value of a contract field, read from the parsed leaves ``u``."""
    return f"u.{path}"


def _s(path: str) -> str:
    return f"json_extract_string({_x(path)}, '$')"


def _validation_sql() -> tuple[str, str]:
    """(is bad, field) expressions over a parsed line (``redress_parsed``), first failure wins.
    The flag is one pass over every line; the field is computed for bad lines only. The checks are
    the schema's (``schema.validate_case``) as SQL, and word nothing: a bad line is worded by the
    schema itself (``_problem``)."""
    checks: list[tuple[str, str]] = []  # (condition that is an error, the field it names, as SQL)

    def add(cond: str, fld: str) -> None:
        checks.append((cond, fld))

    add("NOT is_json", "NULL")
    add("huge_number", "NULL")
    add("NOT is_object", "NULL")
    # Unknown keys: each list of keys (the line's, each group's) within the names it may hold.
    # A list no longer than the known fields with a value in it has no other key: that count is
    # cheap and settles most lines, and CASE runs the exact check on the rest only.
    def valued(paths: Iterable[str]) -> str:
        return "(" + " + ".join(f"CASE WHEN {_x(p)} IS NULL THEN 0 ELSE 1 END" for p in paths) + ")"

    add(f"CASE WHEN len(keys[1]) > {valued(_TOP)} THEN NOT list_has_all({_list(_TOP)}, keys[1]) END",
        _cut(f"list_filter(keys[1], lambda k: NOT list_contains({_list(_TOP)}, k))[1]"))
    for grp, subs in _GROUPS.items():
        kind, at = f"types[{_TYPE_AT[grp]}]", _KEYS_AT[grp]
        add(f"{kind} NOT IN ('OBJECT', 'NULL')", _q(grp))
        add(f"CASE WHEN {kind} = 'OBJECT' AND len(keys[{at}]) > {valued(f'{grp}.{sub}' for sub in subs)} THEN "
            f"NOT list_has_all({_list(subs)}, keys[{at}]) END",
            f"'{grp}.' || " + _cut(f"list_filter(keys[{at}], lambda k: NOT list_contains({_list(subs)}, k))[1]"))
    # Each check first tries the field's minified JSON text (a plain string compare), and parses
    # the value only when that fails: escaped or odd values still get the exact answer.
    for path, spec in FIELDS.items():
        x = _x(path)
        text = f"CAST({x} AS VARCHAR)"
        present = f"{x} IS NOT NULL"
        s = _s(path)
        field_sql = _q(path)
        if path == "authority":  # one not encoded is answered on the national rules (schema.validate_case)
            add(f"{present} AND json_type({x}) <> 'VARCHAR'", field_sql)
        elif spec.type == "enum":
            quoted = ", ".join(_q(json.dumps(v)) for v in spec.values)
            add(f"{present} AND CASE WHEN {text} IN ({quoted}) THEN false ELSE (json_type({x}) <> 'VARCHAR' OR "
                f"{s} NOT IN ({', '.join(map(_q, spec.values))})) END", field_sql)
        elif spec.type == "enum_list":
            add(f"{present} AND NOT starts_with({text}, '[')", field_sql)
            add(f"{present} AND starts_with({text}, '[') AND {text} <> '[]' AND NOT list_has_all({_list(spec.values)}, "
                f"from_json({x}, '[\"VARCHAR\"]'))", field_sql)
        elif spec.type == "date":
            # DuckDB's cast is lenient (" 2025-1-01", "2025/01/01"): the text must have the contract's
            # shape first. The fast path's LIKE lets through only what casts to a year before 1000 or
            # BC (" 025-01-01", "-025-01-01"), which the range check below refuses; a regex is exact
            # but costs a second per million cases here.
            add(f"{present} AND CASE WHEN {text} LIKE '\"____-__-__\"' AND "
                f"{_fast_date(x)} IS NOT NULL THEN false ELSE (json_type({x}) <> 'VARCHAR' OR "
                f"NOT regexp_full_match({s}, {_q(ISO_DATE_PATTERN)}) OR TRY_CAST({s} AS DATE) IS NULL) END", field_sql)
            add(f"{present} AND ({_date(path)} < DATE '{FIRST_DATE}' OR {_date(path)} > DATE '{LAST_DATE}')", field_sql)
        elif spec.type == "int":
            low, high = AGE_RANGE
            add(f"{present} AND json_type({x}) NOT IN ('UBIGINT', 'BIGINT')", field_sql)
            add(f"{present} AND json_type({x}) IN ('UBIGINT', 'BIGINT') AND COALESCE(TRY_CAST({s} AS BIGINT) NOT BETWEEN "
                f"{low} AND {high}, true)", field_sql)  # NULL: beyond BIGINT
        elif spec.type == "bool":
            add(f"{present} AND {text} NOT IN ('true', 'false')", field_sql)
        elif spec.type == "string":
            # a whole number of any length is a string's digits (schema._check_string), though DuckDB types a long one DOUBLE
            add(f"{present} AND json_type({x}) NOT IN ('VARCHAR', 'UBIGINT', 'BIGINT') AND NOT (json_type({x}) = 'DOUBLE' "
                f"AND regexp_full_match(CAST({x} AS VARCHAR), '-?[0-9]+'))", field_sql)
    age = f"TRY_CAST({_s('person.age')} AS INTEGER)"
    flag = _s("person.over_compulsory_school_age")
    add(f"{age} >= {COMPULSORY_SCHOOL_AGE_ENDED_BY} AND {flag} = 'false'", "'person.over_compulsory_school_age'")
    add(f"{age} <= {COMPULSORY_SCHOOL_AGE_NOT_ENDED_BY} AND {flag} = 'true'", "'person.over_compulsory_school_age'")
    fld = "CASE " + " ".join(f"WHEN {c} THEN {f}" for c, f in checks) + " END"
    bad = " OR ".join(f"COALESCE({c}, false)" for c, _ in checks)
    return bad, fld


def _fast_date(x: str) -> str:
    """A date given plainly ("2025-01-31"), read from the text without parsing JSON."""
    return f"TRY_CAST(substr(CAST({x} AS VARCHAR), 2, 10) AS DATE)"


def _date(path: str) -> str:
    return f"COALESCE({_fast_date(_x(path))}, TRY_CAST({_s(path)} AS DATE))"


def _extract(path: str) -> str:
    spec = FIELDS[path]
    x, s = _x(path), _s(path)
    if spec.type == "enum_list":
        return f"CASE WHEN json_type({x}) = 'ARRAY' THEN from_json({x}, '[\"VARCHAR\"]') END"
    if spec.type == "date":
        return _date(path)
    if spec.type == "int":
        return f"TRY_CAST({s} AS INTEGER)"
    if spec.type == "bool":
        return f"CASE {s} WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END"
    return s


@dataclass
class BatchResult:
    problems: list[Problem] = field(default_factory=list)
    cases: int = 0
    answers: int = 0


class ColumnarEngine:
    """Evaluates a knowledge base's IR over many cases in DuckDB."""

    def __init__(self, program: ir.Program, rules_version: str, questions: dict[str, tuple[Any, ...]],
                 spill: Path | None = None, memory_limit: str = "1GB"):
        import duckdb  # imported here: only batch users pay for it

        self.program = program
        self.rules_version = rules_version
        self.patterns = questions  # question -> its pattern (None marks the case and the answer)
        # Tables live in memory up to the limit and spill to ``spill`` beyond it, so memory stays
        # flat as the caseload grows (a database file would instead write every table to disk).
        self.con = duckdb.connect(":memory:")
        self.con.execute(f"SET memory_limit = {_q(memory_limit)}")
        if spill is not None:
            self.con.execute(f"SET temp_directory = {_q(str(spill))}")
        self.con.execute("SET preserve_insertion_order = true")
        holidays = dates.bank_holidays_between(CALENDAR_START.year, CALENDAR_END.year)
        for stmt in calendar_sql("duckdb", holidays, CALENDAR_START, _TABLE_END):
            self.con.execute(stmt)
        self._boundaries = program.version_boundaries()
        self._vector: VectorEngine | None = None
        self.backend = "duckdb"  # which backend answered last: "duckdb" (redress_answers) or "numpy" (_results)
        self._results: tuple[np.ndarray, dict[str, QuestionResult]] | None = None
        self._unreadable: dict[int, str] = {}  # line -> problem, for lines no text could be read from
        self._pieces: dict[tuple[Layout, int, tuple[int, ...]], str] = {}  # see _piece
        self._orders: dict[str, tuple[int, ...]] = {}  # question -> the order its fields are named in

    # ------------------------------------------------------------------ input
    def load_lines(self, source: Path, fmt: str) -> None:
        """Read the file into ``redress_raw(line, j)``: one JSON object text per case."""
        import duckdb

        path = _q(str(source))
        self._unreadable = {}
        if fmt == "jsonl":
            try:  # DuckDB's reader, fast; it stops at the first byte it cannot take (0x1F, not UTF-8, a bare CR)
                self.con.execute(
                    "CREATE OR REPLACE TEMP TABLE redress_raw AS SELECT CAST(row_number() OVER () AS INTEGER) AS line, "
                    f"column0 AS j FROM read_csv({path}, columns={{'column0': 'VARCHAR'}}, header=false, "
                    "delim=chr(31), quote='', escape='', auto_detect=false)")
            except duckdb.Error:
                self._read_lines(source)
        elif fmt in ("csv", "parquet"):
            try:  # a file DuckDB cannot read as a whole is one clean error naming it (the pydatalog engine reads CSV row by row)
                if fmt == "csv":
                    self.con.execute(f"CREATE OR REPLACE TEMP TABLE redress_csv AS SELECT CAST(row_number() OVER () + 1 AS "
                                     f"INTEGER) AS line, * FROM read_csv({path}, header=true, all_varchar=true)")
                    self.con.execute("CREATE OR REPLACE TEMP TABLE redress_raw AS SELECT line, " + self._csv_json()
                                     + " AS j FROM redress_csv")
                else:
                    self.con.execute(f"CREATE OR REPLACE TEMP TABLE redress_raw AS SELECT CAST(row_number() OVER () AS "
                                     f"INTEGER) AS line, CAST(to_json(p) AS VARCHAR) AS j FROM read_parquet({path}) p")
            except duckdb.Error as err:
                raise DataError(printable(str(err).split("\n", 1)[0]), str(source)) from None
        else:
            raise RedressError(f"unknown input format {fmt!r}")

    def _read_lines(self, source: Path) -> None:
        """``redress_raw`` read line by line in Python, each line's bytes decoded on their own: a
        line that is not UTF-8 is one bad line (kept in ``_unreadable``), whatever bytes it holds."""
        self.con.execute("CREATE OR REPLACE TEMP TABLE redress_raw (line INTEGER, j VARCHAR)")
        lines: list[int] = []
        texts: list[str | None] = []

        def flush() -> None:
            self.con.register("redress_read", {"line": np.array(lines, dtype=np.int32), "j": np.array(texts, dtype=object)})
            self.con.execute("INSERT INTO redress_raw SELECT line, j FROM redress_read")
            self.con.unregister("redress_read")
            lines.clear()
            texts.clear()

        with source.open("rb") as f:
            for number, raw in enumerate(f, start=1):
                try:
                    texts.append(raw.rstrip(b"\r\n").decode("utf-8"))
                except UnicodeDecodeError:
                    self._unreadable[number] = NOT_UTF8
                    texts.append(None)  # read as blank; validate reports it
                lines.append(number)
                if len(lines) == _ROWS_PER_READ:
                    flush()
        if lines:
            flush()

    def _csv_json(self) -> str:
        """A CSV row of dotted-field columns as the contract's nested case JSON."""
        cols = {r[0] for r in self.con.execute("SELECT column_name FROM (DESCRIBE redress_csv)").fetchall()} - {"line"}
        unknown = sorted(c for c in cols if c not in FIELDS)
        if unknown:
            raise CaseValidationError("unknown column (expected dotted case fields such as decision.kind)", unknown[0])

        def value(path: str) -> str:
            spec = FIELDS[path]
            c = f'NULLIF(trim("{path}"), \'\')'
            if spec.type == "enum_list":
                out = f"to_json(list_filter(list_transform(string_split({c}, ';'), lambda e: trim(e)), lambda e: e <> ''))"
            elif spec.type == "int":
                out = f"COALESCE(to_json(TRY_CAST({c} AS INTEGER)), to_json({c}))"
            elif spec.type == "bool":
                out = f"CASE lower({c}) WHEN 'true' THEN to_json(TRUE) WHEN 'false' THEN to_json(FALSE) ELSE to_json({c}) END"
            else:
                out = f"to_json({c})"
            if spec.null_means:  # the cell "null" is the field's known "none"
                out = f"CASE WHEN lower({c}) = {_q(CSV_NULL)} THEN 'null' ELSE CAST({out} AS VARCHAR) END"
            # an empty cell is an unknown field: its key is left out (concat_ws skips NULLs)
            return f"CASE WHEN {c} IS NOT NULL THEN {_q(json.dumps(path.split('.')[-1]) + ':')} || CAST({out} AS VARCHAR) END"

        parts: list[str] = []
        for top in _TOP:
            if top in _GROUPS:
                subs = [s for s in _GROUPS[top] if f"{top}.{s}" in cols]
                if subs:
                    inner = ", ".join(value(f"{top}.{s}") for s in subs)
                    parts.append(f"{_q(json.dumps(top) + ':{')} || concat_ws(',', {inner}) || '}}'")
            elif top in cols:
                parts.append(value(top))
        return "'{' || concat_ws(',', " + ", ".join(parts) + ") || '}'" if parts else "'{}'"

    def validate(self, today: _dt.date, first: int, last: int) -> list[Problem]:
        """Build ``redress_cases`` for lines first..last; return the problems of the bad ones."""
        bad, fld = _validation_sql()
        # Each line is parsed once by each JSON function, into a table: a subquery's JSON
        # functions would be inlined into every check that reads them and run again for each.
        # One json_type call says whether the text is JSON (it raises on anything else: TRY
        # makes that NULL), whether it is an object (the type of '$', last) and each group's
        # type. Text that is not a JSON object is parsed as an empty object and flagged by the
        # first checks alone. Blank lines are skipped (JSON is never blank, so trim, slow on
        # long text, runs on the rest only).
        groups = _list(["$"] + [f"$.{g}" for g in _GROUPS])
        # (A filter on a computed column would be pushed below it and compute it twice: blank
        # lines are marked here and left out when the cases are built.)
        # a number of more digits than Python reads (schema.parse_json refuses the line): looked for on long lines only
        digits = "".join(f"[0-9]{{{k}}}" for k in _runs(HUGE_NUMBER_DIGITS + 1, 1000))  # RE2 repeats at most 1000 times
        huge = f"CASE WHEN length(j) > {HUGE_NUMBER_DIGITS} THEN regexp_matches(j, '[:\\[,]\\s*-?{digits}') ELSE false END"
        self.con.execute("CREATE OR REPLACE TEMP TABLE redress_parsed AS SELECT * FROM (SELECT line, is_json, huge_number, "
                         f"is_object, blank, json_keys(jj, {groups}) AS keys, types, json_transform(jj, {_leaf_struct()}) AS u "
                         f"FROM (SELECT line, types, types IS NOT NULL AS is_json, {huge} AS huge_number, is_object, CASE WHEN is_object THEN j "
                         "ELSE '{}' END AS jj, CASE WHEN types IS NULL THEN trim(j) = '' ELSE false END AS blank FROM "
                         "(SELECT line, j, types, COALESCE(types[-1] = 'OBJECT', false) AS is_object "
                         f"FROM (SELECT line, j, TRY(json_type(j, {_list(_TYPE_PATHS)})) AS types FROM redress_raw "
                         f"WHERE line BETWEEN {first} AND {last} AND j IS NOT NULL))))")
        columns = []
        for path in FIELDS:
            if path == "id":
                continue
            expr = _extract(path)
            if path == "appeal.type":
                expr = f"COALESCE({expr}, 'sen')"
            elif path == "as_of":
                expr = f"COALESCE({expr}, DATE '{today.isoformat()}')"
            columns.append(f"{expr} AS {column_of(path)}")
            if FIELDS[path].null_means:  # the key is there, null or not: JSON null is a known "none"
                columns.append(f"{_key_given(path)} AS {given_column(path)}")
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE redress_cases AS SELECT line AS case_id, {_s('id')} AS id, "
                         f"{', '.join(columns)}, {bad} AS redress_bad FROM redress_parsed WHERE NOT blank")
        bad_lines = [int(r[0]) for r in self.con.execute("SELECT case_id FROM redress_cases WHERE redress_bad").fetchall()]
        problems: list[Problem] = []
        if bad_lines:
            self.con.execute("DELETE FROM redress_cases WHERE redress_bad")
            self.con.execute("CREATE OR REPLACE TEMP TABLE redress_bad_lines AS SELECT unnest($1::INTEGER[]) AS line",
                             [bad_lines])
            problems = [_problem(int(line), text, f) for line, text, f in self.con.execute(
                f"SELECT line, redress_raw.j, {fld} FROM redress_parsed JOIN redress_bad_lines USING (line) "
                "JOIN redress_raw USING (line) ORDER BY line").fetchall()]
        problems += [Problem(line, message, None) for line, message in self._unreadable.items() if first <= line <= last]
        problems.sort(key=lambda p: p.line)
        self.con.execute("ALTER TABLE redress_cases DROP COLUMN redress_bad")
        self.con.execute("DROP TABLE redress_parsed")
        return problems

    # ------------------------------------------------------------------ evaluation
    def _epoch_sql(self) -> str:
        if not self._boundaries:
            return "0"
        return "(" + " + ".join(f"CASE WHEN as_of >= DATE '{b.isoformat()}' THEN 1 ELSE 0 END" for b in self._boundaries) + ")"

    # ------------------------------------------------------------------ numpy
    def case_columns(self) -> tuple[np.ndarray, CaseColumns]:
        """``redress_cases`` as the vectorised backend's encoded columns (one query, no Python loop
        per case): the case ids, and each field the rules read."""
        vector = self.vector
        used = sorted({r.field for r in self.program.relations.values() if r.kind == "input" and r.field} | {"as_of"})
        select = ["case_id"]
        for path in used:
            spec, col = FIELDS[path], column_of(path)
            select.append(f"{col} IS NOT NULL")
            if spec.null_means:
                select.append(given_column(path))
            if spec.type == "enum_list":
                select += [f"COALESCE(list_contains({col}, {_q(v)}), false)" for v in spec.values]
            elif spec.type in ("enum", "bool"):
                if spec.type == "bool":
                    select.append(f"CASE WHEN {col} THEN {vector.pool.string('true')} "
                                  f"WHEN NOT {col} THEN {vector.pool.string('false')} ELSE 0 END")
                else:
                    codes = "[" + ", ".join(str(vector.pool.string(v)) for v in spec.values) + "]"
                    select.append(f"COALESCE({codes}[list_position({_list(spec.values)}, {col})], 0)")
            elif spec.type == "date":
                select.append(f"COALESCE(CAST({col} - DATE '1970-01-01' AS INTEGER), 0)")
            elif spec.type == "int":
                select.append(f"COALESCE(CAST({col} AS INTEGER), 0)")
            else:
                raise RedressError(f"field {path} of type {spec.type} cannot be read by the vectorised backend")
        names = [f"x{i}" for i in range(len(select))]
        data = self.con.execute("SELECT " + ", ".join(f"{e} AS {n}" for e, n in zip(select, names))
                                + " FROM redress_cases ORDER BY case_id").fetchnumpy()
        arrays = [np.asarray(data[n]) for n in names]
        case_ids = arrays[0].astype(np.int32)
        fields: dict[str, FieldColumn] = {}
        i = 1
        for path in used:
            spec = FIELDS[path]
            present = known = arrays[i].astype(bool)
            i += 1
            if spec.null_means:
                known = present | arrays[i].astype(bool)
                i += 1
            if spec.type == "enum_list":
                members = {v: arrays[i + k].astype(bool) for k, v in enumerate(spec.values)}
                i += len(spec.values)
                fields[path] = FieldColumn(known, members=members)
            else:
                fields[path] = FieldColumn(known, arrays[i].astype(CODE), present=present)
                i += 1
        return case_ids, CaseColumns(len(case_ids), fields)

    @property
    def vector(self) -> VectorEngine:
        if self._vector is None:  # built on first use: the SQL backend does not need its plans
            self._vector = VectorEngine(self.program, self.patterns)
        return self._vector

    def evaluate_numpy(self, questions: list[str]) -> dict[str, QuestionResult]:
        """Answer ``questions`` for every row of ``redress_cases`` with the vectorised backend; the
        results stay here for :meth:`answer_writer` and :meth:`answers`."""
        case_ids, columns = self.case_columns()
        results = self.vector.evaluate(columns, questions)
        self._results = (case_ids, results)
        self.backend = "numpy"
        return results

    def evaluate(self, questions: list[str]) -> None:
        """Answer ``questions`` for every row of ``redress_cases`` into ``redress_answers`` with the
        generated SQL (the backend that also runs inside PostgreSQL)."""
        self.backend = "duckdb"
        self.con.execute("CREATE OR REPLACE TEMP TABLE redress_all_cases AS SELECT *, "
                         f"{self._epoch_sql()} AS redress_epoch FROM redress_cases")
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE redress_answers ({ANSWER_COLUMNS.format(json='JSON')})")
        epochs = [r[0] for r in self.con.execute("SELECT DISTINCT redress_epoch FROM redress_all_cases").fetchall()]
        for epoch in epochs:
            program = self.program.in_force_on(self.program.epoch_start(epoch))
            self.con.execute("CREATE OR REPLACE TEMP TABLE redress_cases AS SELECT * EXCLUDE (redress_epoch) "
                             f"FROM redress_all_cases WHERE redress_epoch = {epoch}")
            relations = [program.questions[q].relation for q in questions]
            run(compile_sql(program, "duckdb", relations), self.con.execute,
                lambda sql: int(self.con.execute(sql).fetchone()[0]))  # type: ignore[index]
            for q in questions:
                self.con.execute(f"INSERT INTO redress_answers {answer_sql(program, q, self.patterns[q], 'duckdb')}")
        # the per-epoch filtering above narrowed redress_cases; put every case back
        self.con.execute("CREATE OR REPLACE TEMP TABLE redress_cases AS SELECT * EXCLUDE (redress_epoch) FROM redress_all_cases")

    def answer_codes(self, layout: Layout) -> tuple[np.ndarray, list[np.ndarray], list[str]]:
        """The answers of ``redress_answers`` (SQL) or the last numpy evaluation as the case ids
        in order, one array of piece numbers per question (1-based) and the pieces' texts."""
        if self.backend == "numpy":
            assert self._results is not None
            return self._numpy_codes(layout, self._results)
        questions = list(layout.questions)
        pieces: list[str] = []
        # each distinct answer numbered in the database (handing the numbers back row by row, as
        # executemany does, cost more than the rules themselves)
        self.con.execute("CREATE OR REPLACE TEMP TABLE redress_combos AS SELECT *, CAST(row_number() OVER () AS INTEGER) "
                         "AS code FROM (SELECT DISTINCT question, status, CAST(answer AS VARCHAR) AS answer, "
                         "CAST(possible AS VARCHAR) AS possible, missing, CAST(possible_missing AS VARCHAR) AS "
                         "possible_missing FROM redress_answers) d")
        position = {q: k for k, q in enumerate(questions)}
        for q, *outcome in self.con.execute("SELECT question, status, answer, possible, missing, possible_missing "
                                            "FROM redress_combos ORDER BY code").fetchall():
            pieces.append(layout.piece(position[q], *self._sql_outcome(q, *outcome)))
        pivot = ", ".join(f"max(CASE WHEN a.question = {_q(q)} THEN c.code END) AS c{k}" for k, q in enumerate(questions))
        data = self.con.execute(
            f"SELECT a.case_id, {pivot} FROM redress_answers a JOIN redress_combos c ON a.question = c.question "
            "AND a.status = c.status AND CAST(a.answer AS VARCHAR) IS NOT DISTINCT FROM c.answer "
            "AND CAST(a.possible AS VARCHAR) IS NOT DISTINCT FROM c.possible AND a.missing = c.missing "
            "AND CAST(a.possible_missing AS VARCHAR) IS NOT DISTINCT FROM c.possible_missing "
            "GROUP BY a.case_id ORDER BY a.case_id").fetchnumpy()
        return (np.asarray(data["case_id"], dtype=np.int32),
                [np.asarray(data[f"c{k}"], dtype=np.int32) for k in range(len(questions))], pieces)

    def _numpy_codes(self, layout: Layout, evaluated: tuple[np.ndarray, dict[str, QuestionResult]]
                     ) -> tuple[np.ndarray, list[np.ndarray], list[str]]:
        """:meth:`answer_codes` of a numpy evaluation, from its arrays alone (no table read)."""
        case_ids, results = evaluated
        pieces: list[str] = []
        codes: list[np.ndarray] = []
        for k, q in enumerate(layout.questions):
            r = results[q]
            code, first = r.distinct()
            codes.append((code + len(pieces) + 1).astype(np.int32))
            pieces += [self._piece(layout, k, r, int(i)) for i in first]
        return case_ids, codes, pieces

    def _piece(self, layout: Layout, position: int, result: QuestionResult, i: int) -> str:
        """Case ``i``'s answer text, kept across chunks where its answer has a key: dates and
        values repeat from chunk to chunk, and decoding and rendering each is most of the cost."""
        key = result.case_key(i)
        if key is None:
            return layout.piece(position, *self.vector.decode(result, i))
        found = self._pieces.get((layout, position, key))
        if found is None:
            if len(self._pieces) >= _PIECES_KEPT:
                self._pieces.clear()
            found = self._pieces[(layout, position, key)] = layout.piece(position, *self.vector.decode(result, i))
        return found

    def answer_writer(self, layout: Layout) -> Callable[[BinaryIO], tuple[int, int]]:
        """This chunk's answers, taken now, as a job that appends them to a file and returns
        (cases, answers). The job reads nothing the next chunk replaces (it holds the cases' heads,
        rendered now by the database, and the codes), so it can run in a thread while the next
        chunk is validated. A numpy evaluation's answers are numbered and rendered in the job,
        from its arrays (the next chunk's evaluation makes new ones), so that Python work overlaps
        the next chunk's validation in the database; the SQL backend's are read from its tables
        now. Each case's text is joined from its head and its pieces (``Layout.write_texts``)."""
        heads = self.con.execute(f"SELECT encode({layout.head_sql('case_id', 'id')}) AS head FROM redress_cases "
                                 "ORDER BY case_id").fetchnumpy()["head"]
        if self.backend == "numpy":
            assert self._results is not None
            evaluated = self._results
            numbered: Callable[[], tuple[np.ndarray, list[np.ndarray], list[str]]] = \
                lambda: self._numpy_codes(layout, evaluated)
        else:
            found = self.answer_codes(layout)
            numbered = lambda: found  # noqa: E731

        def write(target: BinaryIO) -> tuple[int, int]:
            case_ids, codes, pieces = numbered()
            if len(case_ids) != len(heads):
                raise RedressError(f"internal error: {len(case_ids)} cases answered, {len(heads)} read")
            layout.write_texts(target, np.asarray(heads, dtype=object), codes, pieces)
            return len(case_ids), len(case_ids) * len(codes)

        return write

    def _ids(self) -> np.ndarray:
        """The cases' ids in case order, as the answers are (masked where a case has none)."""
        return self.con.execute("SELECT id FROM redress_cases ORDER BY case_id").fetchnumpy()["id"]

    def close(self) -> None:
        self.con.close()

    # ------------------------------------------------------------------ driving a file
    def line_range(self) -> tuple[int, int]:
        row = self.con.execute("SELECT COALESCE(min(line), 1), COALESCE(max(line), 0) FROM redress_raw").fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    def answers(self, questions: list[str]) -> Iterator[tuple[int, str | None, str, str, Any, Any, Any]]:
        """(line, case id, question, status, answer, possible, missing) in line and question order."""
        if self.backend == "numpy":
            assert self._results is not None
            case_ids, results = self._results
            for i, (line, cid) in enumerate(zip(case_ids, self._ids().tolist())):  # masked ids become None
                for q in questions:
                    yield (int(line), cid, q, *self.vector.decode(results[q], i))
            return
        rows = self.con.execute("SELECT a.case_id, c.id, a.question, a.status, CAST(a.answer AS VARCHAR), "
                                "CAST(a.possible AS VARCHAR), a.missing, CAST(a.possible_missing AS VARCHAR) "
                                "FROM redress_answers a JOIN redress_all_cases c ON "
                                f"c.case_id = a.case_id ORDER BY a.case_id, list_position({_list(questions)}, a.question)"
                                ).fetchall()
        for line, cid, question, *outcome in rows:
            yield (int(line), cid, question, *self._sql_outcome(question, *outcome))

    def _sql_outcome(self, question: str, status: str, answer: str | None, possible: str | None, missing: int,
                     possible_missing: str | None) -> tuple[str, Any, Any, list[str]]:
        """(status, answer, possible, missing) from the SQL answer's texts and field sets, through
        the contract's assembler (``kb.answers``), as the numpy backend decodes its own
        (``VectorEngine.decode``); the SQL's own status and answer are checked against it."""
        found = None if answer is None else json.loads(answer)
        if possible is None:  # a yes/no or value answer: the status the SQL rendered of the rule, shaped
            kind = self.program.questions[question].kind
            shown = [] if found is None or found is False else [found]
            outcome = shape(kind, status, shown).naming(self._names(question, missing))
            assert outcome.answer == found, (question, status, found)
            return outcome.status, outcome.answer, None, list(outcome.missing)
        ways = json.loads(possible_missing) if possible_missing is not None else []
        outcome = assemble("list", found or [], {m: self._names(question, f) for m, f in zip(json.loads(possible), ways)})
        assert (outcome.status, outcome.answer) == (status, found), (question, status, found)
        assert outcome.possible is not None
        return outcome.status, outcome.answer, [p.to_dict() for p in outcome.possible], list(outcome.missing)

    def _names(self, question: str, bits: int) -> list[str]:
        """A field set's names, in the order the rules first read them (``vector.field_order``)."""
        order = self._orders.get(question)
        if order is None:
            order = self._orders[question] = field_order(self.program, self.program.questions[question].relation)
        return [FIELD_BITS[k] for k in order if bits >> k & 1]
