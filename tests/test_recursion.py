"""Generated recursive programs on every backend: several strata, each a few mutually recursive
relations over the ones below (negation only of lower strata), rules in shuffled order. pyDatalog
with the Prover proving every row, the generated SQL on DuckDB and the numpy plan must all give
the least model, which a naive evaluator written here (every rule applied to every row until
nothing changes) computes independently of them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from conformance import compile_case, engine_rows, numpy_rows, sql_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.timeout(300, method="thread")

VALUES = ("a", "b", "c", "d")
VARS = ("X", "Y", "Z")
BASE = {"e": 2, "f": 2, "u": 1}


@dataclass(frozen=True)
class Lit:
    relation: str
    args: tuple[str, ...]  # variables (upper case) or constants
    positive: bool = True

    def text(self) -> str:
        atom = f"{self.relation}({', '.join(self.args)})"
        return atom if self.positive else f"not {atom}"


@dataclass(frozen=True)
class Rule:
    head: Lit
    body: tuple[Lit, ...]
    distinct: tuple[str, str] | None = None  # X != Y

    def text(self) -> str:
        parts = [lit.text() for lit in self.body] + ([f"{self.distinct[0]} != {self.distinct[1]}"] if self.distinct else [])
        return f"{self.head.text()} if {' and '.join(parts)}."


@st.composite
def programs(draw: st.DrawFn) -> tuple[dict[str, int], list[str], list[Rule]]:
    arity = dict(BASE)
    facts = []
    for name, n in BASE.items():
        for row in draw(st.sets(st.tuples(*[st.sampled_from(VALUES)] * n), max_size=6)):
            facts.append(f"{name}({', '.join(row)}).")
    rules: list[Rule] = []
    below = list(BASE)
    for level in range(draw(st.integers(1, 3))):
        names = [f"s{level}_{k}" for k in range(draw(st.integers(1, 3)))]
        for name in names:
            arity[name] = draw(st.integers(1, 2))
        for name in names:
            for _ in range(draw(st.integers(1, 3))):
                body = []
                for _ in range(draw(st.integers(1, 3))):
                    rel = draw(st.sampled_from(below + names))
                    body.append(Lit(rel, tuple(draw(st.sampled_from(VARS + VALUES[:2])) for _ in range(arity[rel]))))
                bound = [a for lit in body for a in lit.args if a in VARS]
                if not bound:
                    continue
                head = Lit(name, tuple(draw(st.sampled_from(bound)) for _ in range(arity[name])))
                if below[len(BASE):] and draw(st.booleans()):  # negation of a lower stratum only
                    rel = draw(st.sampled_from(below))
                    body.append(Lit(rel, tuple(draw(st.sampled_from(bound + ["_"])) for _ in range(arity[rel])), False))
                distinct = None
                if len(set(bound)) > 1 and draw(st.booleans()):
                    distinct = tuple(draw(st.permutations(sorted(set(bound))))[:2])
                rules.append(Rule(head, tuple(body), distinct))  # type: ignore[arg-type]
        below += names
    return arity, facts, draw(st.permutations(rules))


def naive(arity: dict[str, int], facts: list[str], rules: list[Rule]) -> dict[str, set[tuple[str, ...]]]:
    """The least model, stratum by stratum (a relation's level is in its name), naively."""
    model: dict[str, set[tuple[str, ...]]] = {name: set() for name in arity}
    for fact in facts:
        name, rest = fact.rstrip(".").split("(")
        model[name].add(tuple(v.strip() for v in rest.rstrip(")").split(",")))
    levels = sorted({r.head.relation.split("_")[0] for r in rules})
    for level in levels:
        stratum = [r for r in rules if r.head.relation.split("_")[0] == level]
        changed = True
        while changed:
            changed = False
            for rule in stratum:
                for env in _matches(rule.body, model):
                    if rule.distinct and env[rule.distinct[0]] == env[rule.distinct[1]]:
                        continue
                    row = tuple(env.get(a, a) for a in rule.head.args)
                    if row not in model[rule.head.relation]:
                        model[rule.head.relation].add(row)
                        changed = True
    return model


def _matches(body: tuple[Lit, ...], model: dict[str, set[tuple[str, ...]]]) -> list[dict[str, str]]:
    envs: list[dict[str, str]] = [{}]
    for lit in body:
        if not lit.positive:
            envs = [env for env in envs if not any(
                all(a == "_" or env.get(a, a) == v for a, v in zip(lit.args, row)) for row in model[lit.relation])]
            continue
        nxt = []
        for env, row in itertools.product(envs, list(model[lit.relation])):
            new = dict(env)
            for a, v in zip(lit.args, row):
                if a in VARS:
                    if new.setdefault(a, v) != v:
                        break
                elif a != v:
                    break
            else:
                nxt.append(new)
        envs = nxt
    return envs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_generated_recursive_programs_agree_on_every_backend(program: tuple[dict[str, int], list[str], list[Rule]]) -> None:
    arity, facts, rules = program
    decl = " ".join(f"{name}/{n}" for name, n in arity.items())
    compiled = compile_case(decl, "\n".join(facts + [r.text() for r in rules]))
    derived = [name for name in arity if name not in BASE]
    expected = {name: rows for name, rows in naive(arity, facts, rules).items() if name in derived}
    assert engine_rows(compiled, derived) == expected
    assert sql_rows(compiled, derived) == expected
    assert numpy_rows(compiled, derived) == expected
