"""IR -> SQL: the compiled batch backend, for DuckDB and PostgreSQL.

Every relation becomes two tables with the same three-valued meaning as the proof builder
(proof/prover.py): ``t_<rel>`` holds what is definitely true, ``p_<rel>`` what is possibly true, with
NULL standing for "some unknown value" (an absent case field). A rule compiles twice:

* definitely (T): positive literals read ``t_`` tables; a negation requires that no ``p_`` row
  could match (NULLs in ``p_`` match anything); comparisons and built-ins are plain SQL.
* possibly (P): positive literals read ``p_`` tables and a NULL joins with anything; a
  negation requires that no ``t_`` row matches, and holds outright when an argument is unknown;
  a comparison with an unknown side holds; a built-in of an unknown is unknown (NULL).

An answer is then determined-true when in ``t_``, undetermined when only in ``p_`` (or ``p_``
holds a row with an unknown answer), and false otherwise, exactly as the prover decides.

Relations are evaluated stratum by stratum; a recursive component is iterated to a fixpoint.
The cases table has one row per case: ``case_id`` and one column per contract field
(``decision__kind``...), lists as arrays.

Missing fields. Each ``p_`` row also carries ``f``, the case fields left unknown that it rests on,
as a BIGINT set (bit k: ``FIELD_BITS[k]``), with the meaning the numpy backend gives its slots'
field sets (``vector``, "Missing fields"), row by row:

* an input's row of an absent field has that field's bit, a known value none;
* a rule body the union (``|``) of its positive literals' rows and its negations' fields; a
  negation of a possibly-true atom names the fields of the ``p_`` rows that may match it, and
  nothing where an argument is itself unknown; comparisons and built-ins name nothing;
* a row the union (``bit_or``) over the rule bodies that give it, and nothing where the row is
  definitely true (in ``t_``: the proof builder proves it TRUE and shows no open way). Only
  relations some rule reads positively are settled so: an answer takes a definitely true row
  from ``t_`` and a negation of one fails, so neither reads its fields.

A recursive component's field sets grow round by round with its rows, to the least fixpoint.
Two corners where numpy, working slot by slot, could name more are not reached by these rules
(the differential tests hold the two backends byte for byte): it settles no slot whose column
is unknown for some case, where this settles each row with known values; and its recursion
recomputes field sets from the last round's, so a field a row named before it became definitely
true could stay on a cycle of possible rows.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from redress.core.errors import RedressError
from redress.kb import answers, ir
from redress.kb.answers import present
from redress.kb.schema import FIELDS
from redress.law import dates
from redress.law.builtins import BUILTINS

__all__ = ["SqlStatement", "UnsupportedError", "unsupported", "run", "script", "compile_sql", "answer_sql", "cases_table_sql", "full_script", "column_of", "relation_types", "nullable_columns", "fielded_relations", "calendar_sql", "fields_sql", "DIALECTS", "FIELD_BITS", "ANSWER_COLUMNS"]

DIALECTS = ("duckdb", "postgres")
_SQL_TYPE = {"enum": "VARCHAR", "enum_list": "VARCHAR", "string": "VARCHAR", "date": "DATE", "int": "INTEGER",
             "bool": "VARCHAR", "case": "INTEGER"}


class UnsupportedError(RedressError):
    """A program the checker accepts that a compiled backend (SQL, numpy) cannot run."""


FIELD_BITS = tuple(FIELDS)  # bit k of a field set (SQL ``f`` columns, numpy slots) is FIELD_BITS[k]
assert len(FIELD_BITS) <= 63, "a field set is one signed 64-bit word (SQL BIGINT)"
_NO_FIELDS = "CAST(0 AS BIGINT)"


@dataclass(frozen=True)
class SqlStatement:
    """One statement, or a recursive component's loop: ``round`` run again and again until ``sql``
    (the number of rows the last round added) is 0 (see ``run``)."""

    sql: str
    table: str | None = None
    round: tuple[str, ...] = ()


_ROUNDS_IN_A_SCRIPT = 32  # a plain DuckDB script cannot loop: a component's round is written out this often


def run(statements: Iterable[SqlStatement], execute: Callable[[str], Any], count: Callable[[str], int]) -> None:
    """Run statements on a connection: ``execute`` runs one, ``count`` returns a query's one number."""
    for st in statements:
        if not st.round:
            execute(st.sql)
            continue
        while True:
            for sql in st.round:
                execute(sql)
            if count(st.sql) == 0:
                break


def script(statements: Iterable[SqlStatement], dialect: str) -> list[str]:
    """Statements as a plain script. PostgreSQL runs a component's loop in a DO block; a DuckDB
    script writes its round out a fixed number of times and fails loudly, rather than answer
    short, should that not reach the fixpoint."""
    out: list[str] = []
    for st in statements:
        if not st.round:
            out.append(st.sql)
        elif dialect == "postgres":
            body = " ".join(f"{sql};" for sql in st.round)
            out.append(f"DO $redress$ BEGIN LOOP {body} EXIT WHEN ({st.sql}) = 0; END LOOP; END $redress$")
        else:
            out.extend(list(st.round) * _ROUNDS_IN_A_SCRIPT)
            out.append(f"SELECT CASE WHEN ({st.sql}) > 0 THEN error('recursion deeper than {_ROUNDS_IN_A_SCRIPT} "
                       f"rounds for {st.table}: run the rules with redress batch, or as a PostgreSQL script') END")
    return out


def column_of(field: str) -> str:
    """The cases-table column of a contract field: ``decision.kind`` -> ``decision__kind``."""
    return field.replace(".", "__")


def given_column(field: str) -> str:
    """A nullable field's flag column: true when the case gives the field, null included, so a
    NULL in its value column is the known "none" / "has not happened" (``schema.NULLABLE``)."""
    return column_of(field) + "__given"


def _lit(value: ir.Value, sql_type: str) -> str:
    if isinstance(value, bool):
        raise RedressError("booleans are not rule values")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, _dt.date):
        return f"DATE '{value.isoformat()}'"
    text = str(value).replace("'", "''")
    return f"CAST('{text}' AS {sql_type})" if sql_type not in ("VARCHAR", "TEXT") else f"'{text}'"


def _value_type(value: ir.Value) -> str:
    if isinstance(value, _dt.date):
        return "DATE"
    if isinstance(value, int):
        return "INTEGER"
    return "VARCHAR"


def relation_types(program: ir.Program) -> dict[str, list[str]]:
    """Column SQL types of every relation, inferred from inputs, constants and built-ins (a
    column nothing reaches is VARCHAR)."""
    return {name: [t or "VARCHAR" for t in cols] for name, cols in _inferred_types(program).items()}


def _inferred_types(program: ir.Program) -> dict[str, list[str | None]]:
    """Column SQL types as far as inputs, constants and built-ins tell (None: nothing does)."""
    types: dict[str, list[str | None]] = {name: [None] * rel.arity for name, rel in program.relations.items()}
    for rel in program.relations.values():
        if rel.kind == "input" and rel.field:
            spec = FIELDS[rel.field]
            input_types: list[str | None] = ["INTEGER", _SQL_TYPE[spec.type]]
            types[rel.name] = input_types[: rel.arity]
    changed = True
    while changed:
        changed = False
        for rule in program.rules:
            var_type = {name: found[0] for name, found in _variable_types(rule, types).items()}
            for i, arg in enumerate(rule.head.args):
                t = var_type.get(arg.name) if isinstance(arg, ir.Var) else _value_type(arg.value)
                if t and types[rule.head.relation][i] is None:
                    types[rule.head.relation][i] = t
                    changed = True
    return types


def _variable_types(rule: ir.Rule, types: Mapping[str, Sequence[str | None]]) -> dict[str, list[str]]:
    """Each variable's column types where the rule's positive literals and built-ins bind it,
    first binding first."""
    found: dict[str, list[str]] = {}
    for lit in rule.body:
        if isinstance(lit, ir.Pos):
            for i, arg in enumerate(lit.atom.args):
                t = types[lit.atom.relation][i]
                if isinstance(arg, ir.Var) and t and t not in found.setdefault(arg.name, []):
                    found[arg.name].append(t)
        elif isinstance(lit, ir.Call) and "DATE" not in found.setdefault(lit.target.name, []):
            found[lit.target.name].append("DATE")
    return found


def unsupported(program: ir.Program) -> list[str]:
    """Why the compiled backends (SQL, numpy) cannot run a program the checker accepts: they
    give each column one type, so a column that holds values of two types (a number and a name)
    or a variable joining columns of two types has no compiled form. Empty: they can."""
    types = _inferred_types(program)
    problems = []
    for rule in program.rules:
        where = f"{rule.span}: " if rule.span else ""
        for name, found in _variable_types(rule, types).items():
            if len(found) > 1:
                problems.append(f"{where}rule '{rule.label}' joins {name} over columns of types {' and '.join(found)}")
        var_type = {name: found[0] for name, found in _variable_types(rule, types).items()}
        checked = [(rule.head, "concludes")] + [(lit.atom, "negates") for lit in rule.body if isinstance(lit, ir.Neg)]
        for atom, verb in checked:
            for i, arg in enumerate(atom.args):
                t = var_type.get(arg.name) if isinstance(arg, ir.Var) else _value_type(arg.value)
                if t and types[atom.relation][i] and t != types[atom.relation][i]:
                    problems.append(f"{where}rule '{rule.label}' {verb} a {t} value in {atom.relation}'s column "
                                    f"{i + 1}, which holds {types[atom.relation][i]} values")
    if problems:
        problems.append("the SQL and numpy backends need one type per column; the pyDatalog engine runs the program")
    return problems


def nullable_columns(program: ir.Program) -> dict[str, list[bool]]:
    """Which ``p_`` columns can hold NULL ("some unknown value"); ``t_`` columns never do.

    A column is nullable when some rule can put an unknown there: an input whose field may be
    absent, a variable bound only by nullable columns, or a built-in of a nullable argument.
    Knowing which are not lets the possibly-true joins be plain equalities (hash joins).
    """
    nullable: dict[str, list[bool]] = {name: [False] * rel.arity for name, rel in program.relations.items()}
    for rel in program.relations.values():
        if rel.kind == "input" and rel.arity > 1 and not rel.as_recorded:
            nullable[rel.name][1] = True
    changed = True
    while changed:
        changed = False
        for rule in program.rules:
            var_null = _nullable_variables(rule, nullable)
            for i, arg in enumerate(rule.head.args):
                if isinstance(arg, ir.Var) and var_null.get(arg.name, False) and not nullable[rule.head.relation][i]:
                    nullable[rule.head.relation][i] = True
                    changed = True
    return nullable


def fielded_relations(program: ir.Program) -> frozenset[str]:
    """The relations whose ``p_`` rows can name a field (``f`` other than 0): inputs whose field
    may be absent, and what reads one, positively or negated. The others' ``f`` is 0 throughout,
    so rules that read them skip it and their tables need no union or settling of field sets."""
    return frozenset(program.readers(name for name, rel in program.relations.items()
                                     if rel.kind == "input" and rel.field and not rel.as_recorded))


def _nullable_variables(rule: ir.Rule, nullable: dict[str, list[bool]]) -> dict[str, bool]:
    """Whether each variable of ``rule``'s body can be unknown, given the columns ``nullable`` so far."""
    var_null: dict[str, bool] = {}
    for lit in rule.body:
        if isinstance(lit, ir.Pos):
            for i, arg in enumerate(lit.atom.args):
                if isinstance(arg, ir.Var):
                    var_null[arg.name] = var_null.get(arg.name, True) and nullable[lit.atom.relation][i]
    for lit in rule.body:
        if isinstance(lit, ir.Call) and lit.target.name not in var_null:
            var_null[lit.target.name] = any(var_null.get(a.name, False) for a in lit.args
                                            if isinstance(a, ir.Var))
    return var_null


class _Dialect:
    def __init__(self, name: str):
        if name not in DIALECTS:
            raise RedressError(f"unknown SQL dialect {name!r}; expected one of: {', '.join(DIALECTS)}")
        self.name = name

    def add_months(self, d: str, n: str) -> str:
        if self.name == "duckdb":
            return f"CAST({d} + to_months({n}) AS DATE)"
        return f"CAST({d} + make_interval(months => {n}) AS DATE)"

    def month(self, d: str) -> str:
        return f"EXTRACT(MONTH FROM {d})"

    def day(self, d: str) -> str:
        return f"EXTRACT(DAY FROM {d})"

    def year(self, d: str) -> str:
        return f"CAST(EXTRACT(YEAR FROM {d}) AS INTEGER)"

    def make_date(self, year: str, month: int, day: int) -> str:
        return f"make_date({year}, {month}, {day})"

    def next_working_day(self, d: str) -> str:
        return f"(SELECT cal.next_wd FROM redress_calendar cal WHERE cal.d = {d})"

    def working_day_after(self, d: str, n: str) -> str:
        return (f"(SELECT w.d FROM redress_working_days w WHERE w.wd = "
                f"(SELECT cal.wd FROM redress_calendar cal WHERE cal.d = {d}) + {n})")


def _builtin(dialect: _Dialect, name: str, args: list[str]) -> str:
    """SQL for a built-in (its ``sql`` form); NULL in, NULL out (unknown stays unknown)."""
    form = BUILTINS[name].sql if name in BUILTINS else None
    if form is None:
        raise UnsupportedError(f"built-in {name!r} has no SQL form")
    return form(dialect, args)


_OPS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


@dataclass(frozen=True)
class _Plan:
    """What every rule's SQL needs to know of the program, worked out once."""

    program: ir.Program
    dialect: _Dialect
    types: dict[str, list[str]]
    nullable: dict[str, list[bool]]  # p_ columns that may be NULL (``nullable_columns``)
    fielded: frozenset[str]  # relations whose p_ rows may name fields (``fielded_relations``)
    settled: frozenset[str]  # those whose definitely true rows' fields are emptied (``_united``)

    @classmethod
    def of(cls, program: ir.Program, dialect: _Dialect) -> "_Plan":
        fielded = fielded_relations(program)
        # Only a positive literal reads a definitely true row's fields: an answer takes the row
        # from t_, and a negation of it fails; the other relations' rows are left as they are.
        read = {lit.atom.relation for rule in program.rules for lit in rule.body if isinstance(lit, ir.Pos)}
        return cls(program, dialect, relation_types(program), nullable_columns(program), fielded, fielded & read)

    def rule(self, rule: ir.Rule, mode: str, delta_at: int | None = None) -> str:
        return _RuleSql(rule, mode, self, delta_at).sql(self.types[rule.head.relation])


class _RuleSql:
    """One rule's SELECT in one mode (T or P); in P the row's field set too, as ``f``."""

    def __init__(self, rule: ir.Rule, mode: str, plan: _Plan, delta_at: int | None = None):
        self.rule, self.mode, self.types, self.dialect = rule, mode, plan.types, plan.dialect
        self.fielded = plan.fielded
        self.delta_at = delta_at  # the body literal that reads the last round's new rows
        nullable = plan.nullable
        self.nullable = nullable if mode == "P" else {k: [False] * len(v) for k, v in nullable.items()}
        self.occurrences: dict[str, list[tuple[str, bool]]] = {}  # var -> (expression, may be NULL)
        self.nullable_p = nullable
        self.froms: list[str] = []
        self.where: list[str] = []
        self.fields: list[str] = []  # P: the field sets the body rests on, united into the row's

    def term(self, term: ir.Term) -> tuple[str, bool]:
        if isinstance(term, ir.Const):
            return _lit(term.value, _value_type(term.value)), False
        occ = self.occurrences.get(term.name, [])
        if not occ:
            raise RedressError(f"rule {self.rule.label}: variable {term.name} is not bound")
        certain = [e for e, null in occ if not null]
        if certain:
            return certain[0], False
        exprs = [e for e, _ in occ]
        return (exprs[0] if len(exprs) == 1 else f"COALESCE({', '.join(exprs)})"), True

    def value(self, term: ir.Term) -> str:
        return self.term(term)[0]

    @staticmethod
    def eq(a: tuple[str, bool], b: tuple[str, bool]) -> str:
        unknowns = [f"{e} IS NULL" for e, null in (a, b) if null]
        return f"{a[0]} = {b[0]}" if not unknowns else f"({a[0]} = {b[0]} OR {' OR '.join(unknowns)})"

    def sql(self, head_types: list[str]) -> str:
        prefix = "t_" if self.mode == "T" else "p_"
        n = 0
        for k, lit in enumerate(self.rule.body):  # the FROM and its joins first, the conditions after
            if isinstance(lit, ir.Pos):
                self.positive(lit, f"a{n}", f"{'d' if k == self.delta_at else ''}{prefix}")
                n += 1
        for lit in self.rule.body:
            if isinstance(lit, ir.Call):
                self.call(lit)
            elif isinstance(lit, ir.Compare):
                self.compare(lit)
            elif isinstance(lit, ir.Neg):
                self.negation(lit)
        select = ", ".join(f"CAST({self.value(a)} AS {t}) AS c{i}"
                           for i, (a, t) in enumerate(zip(self.rule.head.args, head_types))) or _PLACEHOLDER_VALUE
        if self.mode == "P":
            select += f", {' | '.join(self.fields) or _NO_FIELDS} AS f"
        sql = f"SELECT {select}"
        if self.froms:
            sql += " FROM " + ", ".join(self.froms)
        if self.where:
            sql += " WHERE " + " AND ".join(self.where)
        return sql

    def positive(self, lit: ir.Pos, alias: str, prefix: str) -> None:
        """A positive literal: its table joined as ``alias``, on its constants and repeated variables."""
        self.froms.append(f"{prefix}{lit.atom.relation} {alias}")
        if self.mode == "P" and lit.atom.relation in self.fielded:
            self.fields.append(f"{alias}.f")
        for i, arg in enumerate(lit.atom.args):
            col = (f"{alias}.c{i}", self.nullable[lit.atom.relation][i])
            if isinstance(arg, ir.Const):
                self.where.append(self.eq(col, (_lit(arg.value, self.types[lit.atom.relation][i]), False)))
            else:
                if arg.name in self.occurrences:
                    self.where.append(self.eq(col, self.occurrences[arg.name][0]))
                self.occurrences.setdefault(arg.name, []).append(col)

    def call(self, lit: ir.Call) -> None:
        """A built-in: its result bound to the target, or compared with it when bound already."""
        args = [self.term(a) for a in lit.args]
        for (count, null), kind in zip(args, BUILTINS[lit.function].arg_types):
            if kind == "int":  # a count below zero: the function does not apply (Builtin.accepts)
                self.where.append(f"({count} >= 0 OR {count} IS NULL)" if null else f"{count} >= 0")
        expr = (_builtin(self.dialect, lit.function, [a for a, _ in args]), any(null for _, null in args))
        if lit.target.name in self.occurrences:
            self.where.append(self.eq(expr, self.term(lit.target)))
        else:
            self.occurrences[lit.target.name] = [expr]

    def compare(self, lit: ir.Compare) -> None:
        (left, lnull), (right, rnull) = self.term(lit.left), self.term(lit.right)
        test = f"{left} {_OPS[lit.op]} {right}"
        unknowns = [f"{e} IS NULL" for e, null in ((left, lnull), (right, rnull)) if null]
        self.where.append(test if not unknowns else f"({test} OR {' OR '.join(unknowns)})")

    def negation(self, lit: ir.Neg) -> None:
        args = [self.term(a) for a in lit.atom.args]
        if self.mode == "T":  # definitely not: no possibly-true row matches (its NULLs match anything)
            other_null = self.nullable_p[lit.atom.relation]
            conds = [self.eq((f"n.c{i}", other_null[i]), a) for i, a in enumerate(args)]
            self.where.append(f"NOT EXISTS (SELECT 1 FROM p_{lit.atom.relation} n WHERE "
                              f"{' AND '.join(conds) or 'TRUE'})")
        else:  # possibly not: no definitely-true row matches, or an argument is unknown
            conds = [f"n.c{i} = {a}" for i, (a, _) in enumerate(args)]
            unknown = " OR ".join(f"{a} IS NULL" for a, null in args if null)
            exists = f"EXISTS (SELECT 1 FROM t_{lit.atom.relation} n WHERE {' AND '.join(conds) or 'TRUE'})"
            self.where.append(f"({unknown} OR NOT {exists})" if unknown else f"NOT {exists}")
            if lit.atom.relation in self.fielded:
                self.fields.append(self.negated_fields(lit, args, unknown))

    def negated_fields(self, lit: ir.Neg, args: list[tuple[str, bool]], unknown: str) -> str:
        """A possibly-not literal's fields: those of the negated atom's possible rows that may
        match it (its NULLs match anything); none where an argument is itself unknown (the proof
        builder cannot look the atom up then)."""
        other_null = self.nullable_p[lit.atom.relation]
        conds = [self.eq((f"n.c{i}", other_null[i]), (a, False)) for i, (a, _) in enumerate(args)]
        ways = (f"COALESCE((SELECT bit_or(n.f) FROM p_{lit.atom.relation} n WHERE "
                f"{' AND '.join([*conds, 'n.f <> 0'])}), {_NO_FIELDS})")
        return f"CASE WHEN {unknown} THEN {_NO_FIELDS} ELSE {ways} END" if unknown else ways


def _input_select(rel: ir.Relation, mode: str) -> str:
    """An input's rows from the cases table; in P with their fields: an absent field's row its bit."""
    assert rel.field is not None
    spec = FIELDS[rel.field]
    col = column_of(rel.field)
    if spec.type == "enum_list":
        value = f"CAST(UNNEST({col}) AS VARCHAR)"
    elif spec.type == "bool":
        value = f"CAST(CASE WHEN {col} THEN 'true' ELSE 'false' END AS VARCHAR)"
    else:
        value = col
    fields = f", {_NO_FIELDS} AS f" if mode == "P" else ""
    known = f"SELECT case_id AS c0, {value} AS c1{fields} FROM redress_cases WHERE {col} IS NOT NULL"
    if mode == "T" or rel.as_recorded:
        return known
    unknown_type = _SQL_TYPE[spec.type]
    absent = f"{col} IS NULL" + (f" AND NOT COALESCE({given_column(rel.field)}, FALSE)" if spec.null_means else "")
    bit = f"CAST({1 << FIELD_BITS.index(rel.field)} AS BIGINT)"
    return (f"{known} UNION ALL SELECT case_id AS c0, CAST(NULL AS {unknown_type}) AS c1, {bit} AS f "
            f"FROM redress_cases WHERE {absent}")


_PLACEHOLDER_VALUE = "1 AS c0"  # SQL has no table of no columns: a relation of no arguments keeps one, always 1


def _columns(types: list[str], fields: bool = False) -> str:
    """A table's columns; a ``p_`` table's (``fields``) end with its rows' field sets."""
    return (", ".join(f"c{i} {t}" for i, t in enumerate(types)) or "c0 INTEGER") + (", f BIGINT" if fields else "")


def _keys(types: list[str]) -> list[str]:
    """A table's value columns (a relation of no arguments keeps its placeholder)."""
    return [f"c{i}" for i in range(len(types))] or ["c0"]


def _united(name: str, plan: _Plan, select: str) -> str:
    """``select``'s rows of ``name`` (each with a field set ``f``) one per row, its field set the
    union over the rules and bodies that give it and, if ``name`` is settled, none where the row
    is definitely true (in ``t_``: a row with an unknown column never is, NULL equals nothing)."""
    keys = _keys(plan.types[name])
    if name not in plan.settled:
        return f"SELECT {', '.join(keys)}, bit_or(f) AS f FROM ({select}) s GROUP BY {', '.join(keys)}"
    match = " AND ".join(f"y.{k} = g.{k}" for k in keys)
    # a join, not EXISTS: DuckDB then looks up only the rows that name a field (t_ rows are distinct)
    return (f"SELECT {', '.join(f'g.{k}' for k in keys)}, CASE WHEN y.{keys[0]} IS NULL THEN g.f ELSE {_NO_FIELDS} END "
            f"AS f FROM (SELECT {', '.join(keys)}, bit_or(f) AS f FROM ({select}) s GROUP BY {', '.join(keys)}) g "
            f"LEFT JOIN t_{name} y ON g.f <> 0 AND {match}")


def compile_sql(program: ir.Program, dialect: str = "duckdb",
                relations: Iterable[str] | None = None) -> list[SqlStatement]:
    """Statements that build ``t_``/``p_`` tables for every relation (or those given and what they
    depend on), each component after those it reads, over a ``redress_cases`` table and the
    calendar tables. A recursive component's rules run together, semi-naive (``_recursive``)."""
    d = _Dialect(dialect)
    problems = unsupported(program)
    if problems:
        raise UnsupportedError("; ".join(problems))
    plan = _Plan.of(program, d)
    types = plan.types
    recursive = program.recursive()
    out: list[SqlStatement] = []

    def create(table: str, cols: list[str], select: str | None, distinct: bool = True, fields: bool = False) -> None:
        out.append(SqlStatement(f"DROP TABLE IF EXISTS {table}", table=table))
        if select is None:
            out.append(SqlStatement(f"CREATE TABLE {table} ({_columns(cols, fields)})", table=table))
        else:
            out.append(SqlStatement(f"CREATE TABLE {table} AS SELECT {'DISTINCT ' if distinct else ''}* FROM ({select}) s",
                                    table=table))

    for component in program.components(relations):
        name = component[0]
        if program.relations[name].kind == "input":
            for mode in ("T", "P"):
                create(f"{mode.lower()}_{name}", types[name], _input_select(program.relations[name], mode))
        elif name in recursive:
            for mode in ("T", "P"):
                for member in component:
                    for table in (f"{mode.lower()}_{member}", f"d{mode.lower()}_{member}", f"n{mode.lower()}_{member}"):
                        create(table, types[member], None, fields=mode == "P")
                out.extend(_recursive(plan, component, mode))
        else:
            for mode in ("T", "P"):
                selects = [plan.rule(rule, mode) for rule in program.rules_for(name)]
                union = " UNION ALL ".join(selects) if selects else None
                if union is not None and mode == "P" and name in plan.fielded:
                    create(f"p_{name}", types[name], _united(name, plan, union), distinct=False)
                else:
                    create(f"{mode.lower()}_{name}", types[name], union, fields=mode == "P")
    return out


def _recursive(plan: _Plan, component: tuple[str, ...], mode: str) -> list[SqlStatement]:
    """A recursive component in one mode, semi-naive: ``t_R`` holds the rows so far, ``dt_R`` the
    last round's new ones, ``nt_R`` this round's. The rules that read none of the component fill
    the first delta; each round evaluates every rule of the component once per literal of the
    component in its body, that literal reading the delta and the others the rows so far, and
    keeps what is new for every relation before any table changes, so rows one rule adds reach
    every other rule in the next round, until a round adds nothing.

    Possibly (P) with field sets, a row is new too when it names a field the rows so far with
    its values do not: field sets only grow, so this ends, at the least fixpoint (the ``t_``
    tables, which settle rows, are complete by then). ``p_R`` may then hold a row several times,
    with parts of its field set; they are united at the end."""
    m = mode.lower()
    fielded = mode == "P" and bool(set(component) & plan.fielded)
    out: list[SqlStatement] = []
    new: list[str] = []
    for name in component:
        base, steps = _base_and_steps(plan, component, name, mode)
        if base:
            first = _united(name, plan, " UNION ALL ".join(base)) if fielded else \
                f"SELECT DISTINCT * FROM ({' UNION ALL '.join(base)}) s"
            out.append(SqlStatement(f"INSERT INTO d{m}_{name} {first}", table=f"d{m}_{name}"))
            out.append(SqlStatement(f"INSERT INTO {m}_{name} SELECT * FROM d{m}_{name}", table=f"{m}_{name}"))
        new.append(f"DELETE FROM n{m}_{name}")
        if steps and fielded:
            new.append(f"INSERT INTO n{m}_{name} {_growing(name, plan, ' UNION ALL '.join(steps))}")
        elif steps:
            new.append(f"INSERT INTO n{m}_{name} SELECT * FROM ({' UNION ALL '.join(steps)}) s "
                       f"EXCEPT SELECT * FROM {m}_{name}")
    keep = [sql for name in component for sql in (
        f"INSERT INTO {m}_{name} SELECT * FROM n{m}_{name}", f"DELETE FROM d{m}_{name}",
        f"INSERT INTO d{m}_{name} SELECT * FROM n{m}_{name}")]
    count = "SELECT " + " + ".join(f"(SELECT count(*) FROM d{m}_{name})" for name in component)
    out.append(SqlStatement(count, table=", ".join(f"{m}_{name}" for name in component), round=(*new, *keep)))
    if fielded:
        out += [st for name in component for st in _collapsed(plan, name)]
    return out


def _base_and_steps(plan: _Plan, component: tuple[str, ...], name: str, mode: str) -> tuple[list[str], list[str]]:
    """``name``'s rules that read none of the component (the first delta), and the others once
    per literal of the component they read (that literal reading the delta), as SELECTs."""
    base, steps = [], []
    for rule in plan.program.rules_for(name):
        inner = [k for k, lit in enumerate(rule.body) if isinstance(lit, ir.Pos) and lit.atom.relation in component]
        if not inner:
            base.append(plan.rule(rule, mode))
        steps += [plan.rule(rule, mode, k) for k in inner]
    return base, steps


def _collapsed(plan: _Plan, name: str) -> list[SqlStatement]:
    """``p_R`` with each row once, its field set the union of its copies' (see ``_recursive``)."""
    keys = ", ".join(_keys(plan.types[name]))
    return [SqlStatement(sql, table=f"p_{name}") for sql in (
        f"DROP TABLE IF EXISTS xp_{name}",
        f"CREATE TABLE xp_{name} AS SELECT {keys}, bit_or(f) AS f FROM p_{name} GROUP BY {keys}",
        f"DELETE FROM p_{name}", f"INSERT INTO p_{name} SELECT * FROM xp_{name}", f"DROP TABLE xp_{name}")]


def _growing(name: str, plan: _Plan, steps: str) -> str:
    """This round's rows of ``name`` (from ``steps``) that are new, or name a field the rows so far
    with their values do not (NULL-safe: a row with an unknown column is one row)."""
    keys = _keys(plan.types[name])
    nullable = plan.nullable[name] or [False]
    match = " AND ".join(f"s.{k} IS NOT DISTINCT FROM o.{k}" if null else f"s.{k} = o.{k}"
                         for k, null in zip(keys, nullable))
    return (f"SELECT s.* FROM ({_united(name, plan, steps)}) s LEFT JOIN (SELECT {', '.join(keys)}, bit_or(f) AS f "
            f"FROM p_{name} GROUP BY {', '.join(keys)}) o ON {match} WHERE o.f IS NULL OR (s.f | o.f) <> o.f")


def calendar_sql(dialect: str, holidays: list[_dt.date], start: _dt.date, end: _dt.date) -> list[str]:
    """The working-day calendar: ``redress_calendar(d, wd, next_wd)`` (wd: working days up to and
    including d) and ``redress_working_days(wd, d)``, from England's bank holidays."""
    _Dialect(dialect)
    values = ", ".join(f"(DATE '{h.isoformat()}')" for h in sorted(set(holidays))) or "(CAST(NULL AS DATE))"
    weekend = ", ".join(str(day + 1) for day in dates.WEEKEND_DAYS)  # ISODOW: Monday is 1
    series = (f"SELECT CAST(g AS DATE) AS d FROM generate_series(DATE '{start.isoformat()}', "
              f"DATE '{end.isoformat()}', INTERVAL 1 DAY) t(g)") if dialect == "duckdb" else (
              f"SELECT CAST(g AS DATE) AS d FROM generate_series(DATE '{start.isoformat()}', "
              f"DATE '{end.isoformat()}', INTERVAL '1 day') t(g)")
    return [
        "DROP TABLE IF EXISTS redress_holidays",
        f"CREATE TABLE redress_holidays AS SELECT h AS d FROM (VALUES {values}) v(h)",
        "DROP TABLE IF EXISTS redress_days",
        f"CREATE TABLE redress_days AS SELECT s.d, (EXTRACT(ISODOW FROM s.d) NOT IN ({weekend}) AND NOT EXISTS "
        f"(SELECT 1 FROM redress_holidays h WHERE h.d = s.d)) AS working FROM ({series}) s",
        "DROP TABLE IF EXISTS redress_calendar",
        "CREATE TABLE redress_calendar AS SELECT d, "
        "CAST(SUM(CASE WHEN working THEN 1 ELSE 0 END) OVER (ORDER BY d) AS INTEGER) AS wd, "
        "MIN(CASE WHEN working THEN d END) OVER (ORDER BY d ROWS BETWEEN CURRENT ROW AND 20 FOLLOWING) AS next_wd "
        "FROM redress_days",
        "DROP TABLE IF EXISTS redress_working_days",
        "CREATE TABLE redress_working_days AS SELECT wd, d FROM redress_calendar c "
        "WHERE EXISTS (SELECT 1 FROM redress_days x WHERE x.d = c.d AND x.working)",
    ]


def _sql_const(value: ir.Value) -> str:
    return _lit(value, _value_type(value))


def answer_sql(program: ir.Program, question: str, pattern: tuple[ir.Value | None, ...], dialect: str = "duckdb") -> str:
    """One row per case of ``redress_cases``: (case_id, question, status, answer JSON, possible
    JSON, missing, possible_missing JSON), decided from the ``t_``/``p_`` tables exactly as the
    prover decides. ``possible`` (list questions only) holds the members a ``p_`` row may add that
    no ``t_`` row establishes, sorted, with a JSON null last for a row whose member is itself
    unknown. The status is the contract's rule (``kb.answers.RULES``) rendered by ``status_sql``
    over the facts these tables give: some ``t_`` row, several values, some open ``p_`` row.

    The fields, as field sets (BIGINT, bit k: ``FIELD_BITS[k]``; ``fields_sql`` names them):
    ``missing`` those that would settle an undetermined answer (none for a definite one) or, for
    a list, add one of its possible members; ``possible_missing`` each possible member's, in the
    order of ``possible``. As the numpy backend's ``vector.plan.VectorProgram._answer``."""
    d = _Dialect(dialect)
    q = program.questions[question]
    rel = q.relation
    t_cond = " AND ".join(f"x.c{i} = {_sql_const(v)}" for i, v in enumerate(pattern) if i > 0 and v is not None) or "TRUE"
    p_cond = " AND ".join(f"(x.c{i} = {_sql_const(v)} OR x.c{i} IS NULL)" for i, v in enumerate(pattern)
                          if i > 0 and v is not None) or "TRUE"
    name = _sql_const(question)
    json_t = "JSON" if d.name == "duckdb" else "JSONB"
    no_json = f"CAST(NULL AS {json_t})"
    if q.kind == "yes_no":  # a definite yes names nothing, an open one what its possible rows rest on
        proved, may = present("t.n"), present("p.n")
        status = answers.status_sql(q.kind, {answers.SOME: proved, answers.OPEN: may})
        return (f"SELECT c.case_id, {name}, {status}, CAST(CASE WHEN {proved[0]} THEN 'true' WHEN {may[1]} THEN "
                f"'false' END AS {json_t}), {no_json}, CASE WHEN {proved[1]} THEN COALESCE(p.f, {_NO_FIELDS}) ELSE "
                f"{_NO_FIELDS} END, "
                f"{no_json} FROM redress_cases c "
                f"LEFT JOIN (SELECT x.c0, count(*) AS n FROM t_{rel} x WHERE {t_cond} GROUP BY x.c0) t ON t.c0 = c.case_id "
                f"LEFT JOIN (SELECT x.c0, count(*) AS n, bit_or(x.f) AS f FROM p_{rel} x WHERE {p_cond} GROUP BY x.c0) p "
                f"ON p.c0 = c.case_id")
    a = q.answer_position
    assert a is not None  # the checker gives every question but a yes_no one its answer variable
    t_match = " AND ".join(f"y.c{i} = x.c{i}" for i, v in enumerate(pattern) if v is not None and i > 0)
    member_t = relation_types(program)[rel][a]
    if d.name == "duckdb":
        agg, size, to_json = f"list(DISTINCT x.c{a} ORDER BY x.c{a})", "len(t.v)", "to_json"
        empty, no_fields = "[]", "CAST([] AS BIGINT[])"
        open_list, open_fields = f"CAST([NULL] AS {member_t}[])", "[u.uf]"
    else:
        agg, size, to_json = f"array_agg(DISTINCT x.c{a} ORDER BY x.c{a})", "cardinality(t.v)", "to_jsonb"
        empty, no_fields = f"CAST(ARRAY[] AS {member_t}[])", "CAST(ARRAY[] AS BIGINT[])"
        open_list, open_fields = f"CAST(ARRAY[NULL] AS {member_t}[])", "ARRAY[u.uf]"
    # p_ rows not among the t_ ones: a member that may be added (or an unknown member: ``open``)
    opens = (f"FROM p_{rel} x WHERE {p_cond} AND (x.c{a} IS NULL OR NOT EXISTS (SELECT 1 FROM t_{rel} y WHERE "
             f"y.c0 = x.c0 AND y.c{a} = x.c{a}{' AND ' + t_match if t_match else ''}))")
    values = f"SELECT x.c0, {agg} AS v FROM t_{rel} x WHERE {t_cond} GROUP BY x.c0"
    if q.kind == "list":  # each member once, with the fields of every row that may add it
        ordered = "list" if d.name == "duckdb" else "array_agg"
        extra = (f"SELECT e.c0, count(*) AS n, {ordered}(e.m ORDER BY e.m) FILTER (WHERE e.m IS NOT NULL) AS v, "
                 f"{ordered}(e.f ORDER BY e.m) FILTER (WHERE e.m IS NOT NULL) AS vf, bool_or(e.m IS NULL) AS open, "
                 f"bit_or(e.f) FILTER (WHERE e.m IS NULL) AS uf, bit_or(e.f) AS f FROM (SELECT x.c0, x.c{a} AS m, "
                 f"bit_or(x.f) AS f {opens} GROUP BY x.c0, x.c{a}) e GROUP BY e.c0")
        facts = {answers.SOME: present("t.v"), answers.OPEN: present("u.n")}
        open_ = answers.condition_sql(q.kind, answers.UNDETERMINED, facts)  # nothing established, something may be
        answer = f"CASE WHEN NOT {open_} THEN {to_json}(COALESCE(t.v, {empty})) END"
        possible = (f"{to_json}(CASE WHEN u.open THEN array_cat(COALESCE(u.v, {empty}), {open_list}) "
                    f"ELSE COALESCE(u.v, {empty}) END)")
        possible_missing = (f"{to_json}(CASE WHEN u.open THEN array_cat(COALESCE(u.vf, {no_fields}), {open_fields}) "
                            f"ELSE COALESCE(u.vf, {no_fields}) END)")
        status = answers.status_sql(q.kind, facts)
    else:
        extra = f"SELECT x.c0, count(*) AS n, bit_or(x.f) AS f {opens} GROUP BY x.c0"
        settled, several = present("u.n")[1], (f"{size} > 1", f"{size} <= 1")
        answer = (f"CASE WHEN {settled} AND {size} = 1 THEN {to_json}(t.v[1]) "
                  f"WHEN {settled} AND {several[0]} THEN {to_json}('{answers.CONFLICT_ANSWER}'::VARCHAR) END")
        possible = possible_missing = no_json
        status = answers.status_sql(q.kind, {answers.OPEN: present("u.n"), answers.SEVERAL: several})
    return (f"SELECT c.case_id, {name}, {status}, {answer}, {possible}, COALESCE(u.f, {_NO_FIELDS}), {possible_missing} "
            f"FROM redress_cases c LEFT JOIN ({values}) t ON t.c0 = c.case_id LEFT JOIN ({extra}) u ON u.c0 = c.case_id")


# the answers table ``answer_sql`` fills (``json``: the dialect's JSON type)
ANSWER_COLUMNS = ("case_id INTEGER, question VARCHAR, status VARCHAR, answer {json}, possible {json}, missing BIGINT, "
                  "possible_missing {json}")


def fields_sql(dialect: str = "duckdb") -> list[str]:
    """``redress_fields(bit, field)``: which contract field each bit of a field set stands for
    (``missing & (1 << bit) <> 0``), so the answers' field sets can be read in the database."""
    _Dialect(dialect)
    rows = ", ".join(f"({k}, {_lit(path, 'VARCHAR')})" for k, path in enumerate(FIELD_BITS))
    return ["DROP TABLE IF EXISTS redress_fields",
            f"CREATE TABLE redress_fields AS SELECT CAST(b AS INTEGER) AS bit, CAST(n AS VARCHAR) AS field "
            f"FROM (VALUES {rows}) v(b, n)"]


def cases_table_sql(dialect: str = "duckdb") -> str:
    """The cases table the generated SQL reads: one row per case, one column per contract field."""
    _Dialect(dialect)
    cols = ["case_id INTEGER PRIMARY KEY", "id VARCHAR"]
    for path, spec in FIELDS.items():
        if path == "id":
            continue
        sql_type = {"enum_list": "VARCHAR[]", "bool": "BOOLEAN"}.get(spec.type, _SQL_TYPE[spec.type])
        cols.append(f"{column_of(path)} {sql_type}")
        if spec.null_means:
            cols.append(f"{given_column(path)} BOOLEAN")
    return "CREATE TABLE IF NOT EXISTS redress_cases (" + ", ".join(cols) + ")"


def full_script(program: ir.Program, patterns: dict[str, tuple[ir.Value | None, ...]], holidays: list[_dt.date],
                start: _dt.date, end: _dt.date, dialect: str = "duckdb") -> list[str]:
    """Everything an authority's database needs: calendar, cases table, rules, answers.

    Rules run as the law stands today; for cases decided under other versions, filter the
    program first (``Program.in_force_on``). Recursive components loop as ``script`` says.
    """
    out = calendar_sql(dialect, holidays, start, end)
    out.append(cases_table_sql(dialect))
    out += fields_sql(dialect)
    out += script(compile_sql(program, dialect), dialect)
    json_t = "JSON" if dialect == "duckdb" else "JSONB"
    out.append("DROP TABLE IF EXISTS redress_answers")
    out.append(f"CREATE TABLE redress_answers ({ANSWER_COLUMNS.format(json=json_t)})")
    for q in program.questions:
        out.append(f"INSERT INTO redress_answers {answer_sql(program, q, patterns[q], dialect)}")
    return out
