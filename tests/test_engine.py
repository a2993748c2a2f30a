"""The pyDatalog engine on small programs compiled from text: parse_text -> check -> compile -> evaluate."""

from __future__ import annotations

import gc
from datetime import date

import pytest
from pyDatalog import pyEngine

from redress.kb import ir
from redress.kb.checker import check
from redress.kb.compiler import compile_program, defeat_relation
from redress.parser.parse import parse_text
from redress.queries.engine import DatalogEngine
from redress.queries.model import Model
from redress.proof.nodes import Status
from redress.proof.prover import Prover

PROGRAM = '''
provision "P1":
    title "A test provision"
    text "Text."
    source "https://example.org/p1"
    in force from 2014-09-01
end

input kind(Case, Kind) from decision.kind means "the decision in {Case} is {Kind}".
input sent(Case, Date) from decision.sent means "notice in {Case} was sent on {Date}".
input age(Case, Age) from person.age means "the person in {Case} is {Age}".
input ground(Case, Ground) from appeal.grounds means "{Case} is about {Ground}".

predicate refusal(Case) means "{Case} is a refusal".
predicate not_refusal(Case) means "{Case} is not a refusal".
predicate deadline(Case, Date) means "{Case} ends on {Date}".
predicate sent_early(Case) means "{Case} was sent before 2025".
predicate sent_late(Case) means "{Case} was sent after 2024".
predicate adult(Case) means "{Case} is an adult".
predicate minor(Case) means "{Case} is a minor".
predicate deadline_after_sent(Case) means "{Case} deadline is after sending".
predicate edge(From, To) means "{From} leads to {To}".
predicate reach(From, To) means "{From} reaches {To}".
predicate covered(Case) means "{Case} is covered".
predicate never(Case) means "{Case} never".
predicate always(Case) means "{Case} always".

rule refusal_rule cites "P1":
    refusal(C) if kind(C, refuse_assessment).
rule not_refusal_rule cites "P1":
    not_refusal(C) if kind(C, K) and not refusal(C).

rule deadline_rule cites "P1":
    deadline(C, D) if sent(C, S) and D = add_months(S, 2).
rule after_rule cites "P1":
    deadline_after_sent(C) if sent(C, S) and deadline(C, D) and D > S.

rule early_rule cites "P1":
    sent_early(C) if sent(C, S) and S < 2025-01-01.
rule late_rule cites "P1":
    sent_late(C) if sent(C, S) and 2025-01-01 <= S.
rule adult_rule cites "P1":
    adult(C) if age(C, A) and A >= 18.
rule minor_rule cites "P1":
    minor(C) if age(C, A) and A < 18.

fact edge(a, b) cites "P1".
fact edge(b, c) cites "P1".
fact edge(c, d) cites "P1".
rule reach_base cites "P1":
    reach(X, Y) if edge(X, Y).
rule reach_step cites "P1":
    reach(X, Z) if edge(X, Y) and reach(Y, Z).

rule covered_rule cites "P1":
    covered(C) if kind(C, K).
exception not_for_decision_grounds to covered_rule cites "P1":
    if ground(C, decision).

rule never_rule cites "P1":
    never(C) if kind(C, K) and 1 > 2.
rule always_rule cites "P1":
    always(C) if kind(C, K) and 1 < 2.
'''


def compile_text(text: str) -> ir.Program:
    modules = (parse_text(text, "test.rules"),)
    errors = [d for d in check(modules) if d.severity == "error"]
    assert not errors, errors
    return compile_program(modules)


@pytest.fixture(scope="module")
def program() -> ir.Program:
    return compile_text(PROGRAM)


@pytest.fixture(scope="module")
def engine(program: ir.Program) -> DatalogEngine:
    return DatalogEngine(program)


def test_the_program_checks_clean() -> None:
    modules = (parse_text(PROGRAM, "test.rules"),)
    assert [d for d in check(modules) if d.severity == "error"] == []


def test_facts_are_asserted_for_one_evaluation_then_retracted(engine: DatalogEngine) -> None:
    first = engine.evaluate({"kind": [("c1", "refuse_assessment")]}, ["refusal", "covered"])
    assert first["refusal"] == {("c1",)}
    assert first["covered"] == {("c1",)}
    after = engine.evaluate({}, ["refusal", "covered", "not_refusal"])
    assert after == {"refusal": set(), "covered": set(), "not_refusal": set()}
    other = engine.evaluate({"kind": [("c2", "refuse_plan")]}, ["refusal", "covered"])
    assert other["refusal"] == set()
    assert other["covered"] == {("c2",)}


def test_several_cases_in_one_evaluation(engine: DatalogEngine) -> None:
    out = engine.evaluate({"kind": [("c1", "refuse_assessment"), ("c2", "cease_plan")]}, ["refusal", "not_refusal"])
    assert out["refusal"] == {("c1",)}
    assert out["not_refusal"] == {("c2",)}


def test_negation(engine: DatalogEngine) -> None:
    assert engine.evaluate({"kind": [("c", "refuse_plan")]}, ["not_refusal"])["not_refusal"] == {("c",)}
    assert engine.evaluate({"kind": [("c", "refuse_assessment")]}, ["not_refusal"])["not_refusal"] == set()


@pytest.mark.parametrize(("sent", "early", "late"), [
    (date(2024, 12, 31), {("c",)}, set()),
    (date(2025, 1, 1), set(), {("c",)}),  # boundary: < is strict, <= is not
    (date(2025, 6, 1), set(), {("c",)}),
])
def test_date_comparisons_against_a_constant_on_either_side(engine: DatalogEngine, sent: date,
                                                            early: set[tuple[str]], late: set[tuple[str]]) -> None:
    out = engine.evaluate({"sent": [("c", sent)]}, ["sent_early", "sent_late"])
    assert out["sent_early"] == early
    assert out["sent_late"] == late


@pytest.mark.parametrize(("age", "adult", "minor"), [(17, False, True), (18, True, False), (40, True, False), (0, False, True)])
def test_integer_comparisons(engine: DatalogEngine, age: int, adult: bool, minor: bool) -> None:
    out = engine.evaluate({"age": [("c", age)]}, ["adult", "minor"])
    assert (out["adult"] == {("c",)}) is adult
    assert (out["minor"] == {("c",)}) is minor


def test_builtin_add_months(engine: DatalogEngine) -> None:
    out = engine.evaluate({"sent": [("c", date(2025, 1, 10))]}, ["deadline"])
    assert out["deadline"] == {("c", date(2025, 3, 10))}


def test_builtin_add_months_at_a_month_end(engine: DatalogEngine) -> None:
    out = engine.evaluate({"sent": [("c", date(2024, 12, 31))]}, ["deadline"])
    assert out["deadline"] == {("c", date(2025, 2, 28))}


def test_builtin_result_compared_with_a_variable(engine: DatalogEngine) -> None:
    out = engine.evaluate({"sent": [("c", date(2025, 1, 10))]}, ["deadline_after_sent"])
    assert out["deadline_after_sent"] == {("c",)}


def test_builtin_with_no_input_derives_nothing(engine: DatalogEngine) -> None:
    assert engine.evaluate({}, ["deadline"])["deadline"] == set()


def test_recursion_computes_the_transitive_closure(engine: DatalogEngine) -> None:
    out = engine.evaluate({}, ["reach"])
    assert out["reach"] == {("a", "b"), ("b", "c"), ("c", "d"), ("a", "c"), ("b", "d"), ("a", "d")}


def test_an_exception_defeats_its_rule(engine: DatalogEngine) -> None:
    facts = {"kind": [("c1", "refuse_plan"), ("c2", "refuse_plan")], "ground": [("c2", "decision")]}
    out = engine.evaluate(facts, ["covered", defeat_relation("covered_rule")])
    assert out["covered"] == {("c1",)}
    assert out[defeat_relation("covered_rule")] == {("c2",)}


def test_an_exception_that_does_not_hold_leaves_the_rule(engine: DatalogEngine) -> None:
    facts = {"kind": [("c", "refuse_plan")], "ground": [("c", "section_f")]}
    assert engine.evaluate(facts, ["covered"])["covered"] == {("c",)}


def test_an_always_false_constant_comparison_never_fires(engine: DatalogEngine, program: ir.Program) -> None:
    assert any(r.label == "never_rule" for r in program.rules)
    out = engine.evaluate({"kind": [("c", "refuse_plan")]}, ["never", "always"])
    assert out["never"] == set()
    assert out["always"] == {("c",)}  # an always-true comparison does not block its rule


def test_strata_put_a_negated_relation_below_its_user(program: ir.Program) -> None:
    level = {rel: n for n, stratum in enumerate(program.strata) for rel in stratum}
    assert level["refusal"] < level["not_refusal"]
    assert level[defeat_relation("covered_rule")] < level["covered"]
    # positive dependencies and recursion do not need a new stratum
    assert level["reach"] == level["edge"]
    assert "kind" not in level  # inputs are not strata members


def test_exception_compiles_to_a_guarded_negation(program: ir.Program) -> None:
    (rule,) = [r for r in program.rules if r.label == "covered_rule"]
    negs = [lit for lit in rule.body if isinstance(lit, ir.Neg)]
    assert [n.atom.relation for n in negs] == [defeat_relation("covered_rule")]
    assert negs[0].defeater_of == "covered_rule"
    assert isinstance(rule.body[-1], ir.Neg)  # negations are evaluated last


def test_two_engines_in_one_thread_stay_separate() -> None:
    base = compile_text(PROGRAM)
    variant = compile_text(PROGRAM.replace("refusal(C) if kind(C, refuse_assessment).",
                                           "refusal(C) if kind(C, refuse_plan)."))
    one, two = DatalogEngine(base), DatalogEngine(variant)
    facts = {"kind": [("c", "refuse_assessment")]}
    for _ in range(3):
        assert one.evaluate(facts, ["refusal"])["refusal"] == {("c",)}
        assert two.evaluate(facts, ["refusal"])["refusal"] == set()


def test_equality_with_a_constant_on_the_left_filters_rows() -> None:
    program = compile_text(PROGRAM + '''
predicate plan_refused(Case) means "{Case} had a plan refused".
rule plan_refused_rule cites "P1":
    plan_refused(C) if kind(C, K) and refuse_plan = K.
''')
    engine = DatalogEngine(program)
    out = engine.evaluate({"kind": [("c1", "refuse_plan"), ("c2", "refuse_assessment")]}, ["plan_refused"])
    assert out["plan_refused"] == {("c1",)}


def test_equality_with_a_variable_on_the_left_parses() -> None:
    program = compile_text(PROGRAM + '''
predicate plan_refused(Case) means "{Case} had a plan refused".
rule plan_refused_rule cites "P1":
    plan_refused(C) if kind(C, K) and K = refuse_plan.
''')
    out = DatalogEngine(program).evaluate({"kind": [("c1", "refuse_plan"), ("c2", "cease_plan")]}, ["plan_refused"])
    assert out["plan_refused"] == {("c1",)}


def test_one_case_agrees_with_one_goal_per_relation(engine: DatalogEngine, program: ir.Program) -> None:
    """One case's facts take the combined goal (keyed relations bound to the case, static ones
    kept); a second case forces one goal per relation, whose rows for the first case must agree."""
    facts = {"kind": [("c", "refuse_plan")], "sent": [("c", date(2025, 1, 10))], "age": [("c", 18)],
             "ground": [("c", "decision")]}
    derived = [name for name, rel in program.relations.items() if rel.kind != "input"]
    one = engine.evaluate(facts, derived)
    two = engine.evaluate({name: [*rows, ("d", *rows[0][1:])] for name, rows in facts.items()}, derived)
    assert one == {name: {row for row in rows if row[:1] != ("d",)} for name, rows in two.items()}
    closure = {("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "d")}
    assert one["reach"] == closure
    one["reach"].clear()  # a caller's set is a copy of the kept static extent
    assert engine.evaluate(facts, ["reach"])["reach"] == closure


def test_explore_hands_over_every_pattern_the_query_evaluated(engine: DatalogEngine) -> None:
    """Asked only deadline_after_sent, the engine still evaluated deadline(c, D) and sent(c, S)
    on the way: the model carries the derived one with all its answers, so the Prover can check
    the intermediate atoms of a proof, not just the answer."""
    model = engine.explore({"sent": [("c", date(2025, 1, 10))]}, ["deadline_after_sent"])
    assert model.engine_rows("deadline_after_sent", ("c",)) == {("c",)}
    assert model.engine_rows("deadline", ("c", None)) == {("c", date(2025, 3, 10))}
    assert model.engine_rows("deadline", ("c", date(2025, 3, 10))) == {("c", date(2025, 3, 10))}
    assert model.engine_rows("deadline", ("c", date(2025, 3, 11))) == set()
    assert model.engine_rows("minor", ("c",)) is None  # never evaluated: nothing to check against
    assert "sent" not in model.explored and model.input_rows("sent") == [("c", date(2025, 1, 10))]


def test_explore_of_a_negation_and_an_exception(engine: DatalogEngine) -> None:
    model = engine.explore({"kind": [("c", "refuse_plan")], "ground": [("c", "decision")]},
                           ["covered", "not_refusal"])
    assert model.engine_rows("covered", ("c",)) == set()
    assert model.engine_rows(defeat_relation("covered_rule"), ("c",)) == {("c",)}
    assert model.engine_rows("refusal", ("c",)) == set()
    assert model.engine_rows("not_refusal", ("c",)) == {("c",)}


def test_explore_of_several_cases_gives_whole_extents(engine: DatalogEngine) -> None:
    model = engine.explore({"kind": [("c1", "refuse_assessment"), ("c2", "refuse_plan")]}, ["refusal"])
    assert model.complete["refusal"] == {("c1",)}
    assert model.engine_rows("refusal", ("c2",)) == set()
    assert model.engine_rows("covered", (None,)) is None


def test_input_rows_are_served_only_while_their_evaluation_runs(engine: DatalogEngine) -> None:
    assert engine.explore({"kind": [("c", "refuse_assessment")]}, ["refusal"]).engine_rows("refusal", ("c",)) == {("c",)}
    assert engine.evaluate({}, ["refusal", "covered"]) == {"refusal": set(), "covered": set()}


def test_an_input_in_one_program_may_be_derived_in_another() -> None:
    """Input rows are served by resolvers, whose registry is global: each engine names its own."""
    derived_kind = compile_text(PROGRAM.replace(
        'input kind(Case, Kind) from decision.kind means "the decision in {Case} is {Kind}".',
        'predicate kind(Case, Kind) means "the decision in {Case} is {Kind}".\n'
        'rule kind_rule cites "P1":\n    kind(C, refuse_assessment) if age(C, A).'))
    served, derived = DatalogEngine(compile_text(PROGRAM)), DatalogEngine(derived_kind)
    for _ in range(2):
        assert served.evaluate({"kind": [("c", "refuse_plan")]}, ["refusal"])["refusal"] == set()
        assert derived.evaluate({"age": [("c", 9)]}, ["refusal"])["refusal"] == {("c",)}


def test_rules_are_loaded_by_need_and_answers_do_not_depend_on_the_order(program: ir.Program) -> None:
    """A fresh engine loads only the rules its first question reads; relations asked later bring
    theirs in, and every answer is the one a fully loaded engine gives."""
    facts = {"kind": [("c", "refuse_plan")], "sent": [("c", date(2025, 1, 10))], "ground": [("c", "decision")]}
    derived = [name for name, rel in program.relations.items() if rel.kind != "input"]
    full = DatalogEngine(program)
    everything = full.evaluate(facts, derived)
    lazy = DatalogEngine(program)
    assert lazy.evaluate(facts, ["not_refusal"]) == {"not_refusal": {("c",)}}
    assert lazy._local.loaded == program.cone(["not_refusal"])
    assert "reach" not in lazy._local.loaded
    for name in reversed(derived):
        assert lazy.evaluate(facts, [name])[name] == everything[name], name


def test_explore_of_several_relations_reads_one_combined_query(engine: DatalogEngine) -> None:
    model = engine.explore({"sent": [("c", date(2025, 1, 10))], "age": [("c", 20)]},
                           ["deadline_after_sent", "adult", "reach"])
    assert model.engine_rows("deadline_after_sent", ("c",)) == {("c",)}
    assert model.engine_rows("adult", ("c",)) == {("c",)}
    assert model.engine_rows("deadline", ("c", None)) == {("c", date(2025, 3, 10))}
    assert model.complete["reach"] == {("a", "b"), ("b", "c"), ("c", "d"), ("a", "c"), ("b", "d"), ("a", "d")}


HEADER = PROGRAM[:PROGRAM.index("input kind")]  # the provision


def test_a_yes_no_question_alone_gets_a_complete_table() -> None:
    """A goal without variables would stop pyDatalog at its first answer, leaving the tables of
    the subgoals still running part-filled; asked alone, has(c, X) must still hold both rows."""
    program = compile_text(HEADER + '''
input item(Case, X) from decision.kind means "{Case} has item {X}".
predicate has(Case, X) means "{Case} holds {X}".
predicate good(X) means "{X} is good".
predicate ok(Case) means "{Case} is ok".
rule has_rule cites "P1":
    has(C, X) if item(C, X).
fact good(a) cites "P1".
fact good(b) cites "P1".
rule ok_rule cites "P1":
    ok(C) if has(C, X) and good(X).
''')
    model = DatalogEngine(program).explore({"item": [("c", "a"), ("c", "b")]}, ["ok"])
    assert model.engine_rows("ok", ("c",)) == {("c",)}
    assert model.engine_rows("has", ("c", None)) == {("c", "a"), ("c", "b")}
    result = Prover(program, model, {}, "c", "this case").atom("ok", ("c",))
    assert [(row, status) for row, status, _ in result.rows] == [(("c",), Status.TRUE)]


REPEATED = HEADER + '''
input item(Case, X) from decision.kind means "{Case} has item {X}".
input other(Case, X) from decision.sent means "{Case} has other {X}".
predicate pair(Case, X, Y) means "{Case} pairs {X} with {Y}".
predicate same(Case) means "{Case} has a pair of equals".
predicate selfref(Case) means "{Case} refers to itself".
rule pair_rule cites "P1":
    pair(C, X, Y) if item(C, X) and other(C, Y).
rule same_rule cites "P1":
    same(C) if pair(C, X, X).
rule selfref_rule cites "P1":
    selfref(C) if item(C, C).
'''


def test_a_subgoal_with_a_repeated_variable_is_not_read_as_an_open_pattern() -> None:
    program = compile_text(REPEATED)
    facts = {"item": [("c", "a"), ("c", "b")], "other": [("c", "a"), ("c", "z")]}
    model = DatalogEngine(program).explore(facts, ["same"])
    assert model.engine_rows("same", ("c",)) == {("c",)}
    assert model.engine_rows("pair", ("c", None, None)) is None  # only pair(c, X, X) was evaluated
    prover = Prover(program, model, {}, "c", "this case")
    assert prover.atom("same", ("c",)).rows[0][1] is Status.TRUE
    assert len(prover.atom("pair", ("c", None, None)).rows) == 4


def test_an_input_read_with_a_repeated_variable_still_matches() -> None:
    engine = DatalogEngine(compile_text(REPEATED))
    assert engine.evaluate({"item": [("c1", "c1"), ("c2", "x")]}, ["selfref"]) == {"selfref": {("c1",)}}


def test_an_engine_gone_takes_its_input_resolvers_with_it(program: ir.Program) -> None:
    before = set(pyEngine.Python_resolvers)
    engine = DatalogEngine(program)
    engine.evaluate({"kind": [("c", "refuse_assessment")]}, ["refusal"])
    assert set(pyEngine.Python_resolvers) > before
    del engine
    gc.collect()
    assert set(pyEngine.Python_resolvers) == before


def test_readers_follow_negation_only_when_asked(program: ir.Program) -> None:
    """refusal reads kind; not_refusal reads kind and, negated, refusal."""
    assert {"refusal", "not_refusal"} <= program.readers(["kind"])
    assert program.readers(["refusal"]) >= {"refusal", "not_refusal"}
    assert "not_refusal" not in program.readers(["refusal"], negated=False)
    assert "reach" not in program.readers(["kind"])


ROUTES = HEADER + '''
input kind(Case, Kind) from decision.kind means "the decision in {Case} is {Kind}".
input age(Case, Age) from person.age means "the person in {Case} is {Age}".
input ground(Case, Ground) from appeal.grounds means "{Case} is about {Ground}".
predicate route(Case, Route) means "{Case} may go to {Route}".
rule by_kind cites "P1":
    route(C, tribunal) if kind(C, refuse_assessment).
rule by_age cites "P1":
    route(C, tribunal) if age(C, A) and A >= 16.
rule by_ground cites "P1":
    route(C, complaint) if ground(C, delay).
'''


def _route_rows(facts: dict[str, list[tuple[object, ...]]], unknown: dict[str, str],
                checked: bool) -> list[tuple[tuple[object, ...], Status]]:
    """route(c, X) as the Prover finds it, with the engine's model (which lets it stop trying rules
    once the engine's rows are proved) or with the inputs alone (every rule tried)."""
    program = compile_text(ROUTES)
    engine_model = DatalogEngine(program).explore(facts, ["route"])
    model = engine_model if checked else Model(engine_model.inputs)
    result = Prover(program, model, unknown, "c", "this case").atom("route", ("c", None))
    return [(row, status) for row, status, _ in result.rows] + [(("rest",), result.rest)]


def test_rules_after_the_engines_rows_are_proved_are_still_tried_when_they_read_an_unknown_input() -> None:
    """tribunal is proved by the first rule, and it is every row pyDatalog found; the grounds are
    unknown, so the third rule may still add complaint and the answer must say so."""
    facts = {"kind": [("c", "refuse_assessment")], "age": [("c", 10)]}
    rows = _route_rows(facts, {"ground": "appeal.grounds"}, checked=True)
    assert rows == [(("c", "complaint"), Status.UNKNOWN), (("c", "tribunal"), Status.TRUE), (("rest",), Status.FALSE)]
    assert rows == _route_rows(facts, {"ground": "appeal.grounds"}, checked=False)


def test_stopping_once_the_engines_rows_are_proved_changes_nothing_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every input known: once tribunal is proved the later rules can only prove it again or fail,
    so the Prover stops trying them; the result is the one trying every rule gives."""
    facts = {"kind": [("c", "refuse_assessment")], "age": [("c", 10)], "ground": [("c", "decision")]}
    bodies: list[int] = []
    original = Prover._body

    def counting(self: Prover, body: tuple[ir.Literal, ...], env: dict[str, object]) -> list[tuple[object, ...]]:
        bodies.append(len(body))
        return original(self, body, env)  # type: ignore[return-value]

    monkeypatch.setattr(Prover, "_body", counting)
    stopped = _route_rows(facts, {}, checked=True)
    tried, bodies_stopped = len(bodies), list(bodies)
    bodies.clear()
    assert stopped == _route_rows(facts, {}, checked=False) == [(("c", "tribunal"), Status.TRUE), (("rest",), Status.FALSE)]
    assert tried == 1 and len(bodies) == 3, (bodies_stopped, bodies)


def test_an_unknown_atom_shows_each_rule_that_may_apply_once_per_set_of_missing_fields() -> None:
    """With the counterparty unknown, by_body may apply for each of three bodies; all three ways
    wait on the same fields, so one is shown, beside by_ground's way (which waits on fewer)."""
    program = compile_text(HEADER + '''
input party(Case, P) from decision.kind means "{Case} is against {P}".
input ground(Case, G) from appeal.grounds means "{Case} is about {G}".
predicate body(P) means "{P} is a body".
predicate scope(Case) means "{Case} is in scope".
fact body(la) cites "P1".
fact body(school) cites "P1".
fact body(health) cites "P1".
rule by_body cites "P1":
    scope(C) if party(C, P) and body(P) and ground(C, duties).
rule by_ground cites "P1":
    scope(C) if ground(C, provision).
''')
    model = DatalogEngine(program).explore({}, ["scope"])
    unknown = {"party": "decision.kind", "ground": "appeal.grounds"}
    ((row, status, node),) = Prover(program, model, unknown, "c", "this case").atom("scope", ("c",)).rows
    assert (row, status, node.kind) == (("c",), Status.UNKNOWN, "why_not")
    assert [(way.rule, way.status) for way in node.because] == [("by_body", Status.UNKNOWN), ("by_ground", Status.UNKNOWN)]


CYCLE = HEADER + '''
input base(Case, X) from decision.kind means "{Case} has base {X}".
input base2(Case, X) from decision.sent means "{Case} has base2 {X}".
predicate a(Case, X) means "{Case} a {X}".
predicate b(Case, X) means "{Case} b {X}".
predicate d(Case, X) means "{Case} d {X}".
predicate top(Case, X) means "{Case} top {X}".
rule a1 cites "P1":
    a(C, X) if base(C, X).
rule a2 cites "P1":
    a(C, X) if d(C, X).
rule b1 cites "P1":
    b(C, X) if d(C, X).
rule b2 cites "P1":
    b(C, X) if base2(C, X).
rule d1 cites "P1":
    d(C, X) if b(C, X).
rule t1 cites "P1":
    top(C, X) if a(C, X) and b(C, Y).
'''


CYCLE_GROUND = HEADER + '''
input base(Case, X) from decision.kind means "{Case} has base {X}".
input base2(Case, X) from decision.sent means "{Case} has base2 {X}".
predicate a(Case) means "{Case} a".
predicate b(Case) means "{Case} b".
predicate d(Case) means "{Case} d".
predicate top(Case) means "{Case} top".
rule a1 cites "P1":
    a(C) if base(C, X).
rule a2 cites "P1":
    a(C) if d(C).
rule b1 cites "P1":
    b(C) if d(C).
rule b2 cites "P1":
    b(C) if base2(C, X).
rule d1 cites "P1":
    d(C) if b(C).
rule t1 cites "P1":
    top(C) if a(C) and b(C).
'''


@pytest.mark.parametrize("text, pattern, row", [(CYCLE, ("c", None), ("c", "x")), (CYCLE_GROUND, ("c",), ("c",))],
                         ids=["open", "ground"])
def test_a_rule_reaching_a_recursive_relation_is_still_tried(text: str, pattern: tuple[object, ...],
                                                             row: tuple[object, ...]) -> None:
    """b and d read each other. Were a2 skipped once a1 proves a, top would first reach the
    cycle through b, the proof of d would be cut there (a recursive call adds nothing on its
    path), and the engine's d row would have no proof; so neither stop, for an open pattern or a
    ground atom, skips a rule that reaches a recursive relation."""
    program = compile_text(text)
    assert program.recursive() == {"b", "d"}
    model = DatalogEngine(program).explore({"base": [("c", "x")], "base2": [("c", "x")]}, ["top"])
    result = Prover(program, model, {}, "c", "this case").atom("top", pattern)
    assert [(r, status, node.rule) for r, status, node in result.rows] == [(row, Status.TRUE, "t1")]
