"""The Datalog conformance suite: programs in the rules language (see ``conformance.py`` for the
shorthand) with each relation's contents written by hand from Datalog semantics (least model;
stratified negation read lowest stratum first; an exception defeats its rule where its body
holds), never from an engine's output. ``expect`` maps a relation to its rows (``"a b; b c"``,
``""`` for none, ``"()"`` for a relation of no arguments that holds); ``errors`` lists the
checker's codes for a program it must reject; ``compiled=False`` marks a program the SQL and
numpy backends cannot express (they say why, naming the rule; pyDatalog still answers it).
The ``issue19_*`` cases are the reproducers of issue 19."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    name: str
    decl: str
    src: str
    expect: dict[str, str] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    compiled: bool = True


def C(name: str, decl: str, src: str, /, compiled: bool = True, **expect: str) -> Case:
    return Case(name, decl, src, expect, compiled=compiled)


def E(name: str, decl: str, src: str, *errors: str) -> Case:
    return Case(name, decl, src, errors=errors)


CHAIN = "e(a, b). e(b, c). e(c, d)."
CYCLE3 = "e(a, b). e(b, c). e(c, a)."
ALL9 = "a a; a b; a c; b a; b b; b c; c a; c b; c c"

CASES: list[Case] = [
    # ------------------------------------------------------------------ facts, joins, constants
    C("facts_only", "e/2", "e(a, b). e(b, c).", e="a b; b c"),
    C("duplicate_facts_are_one_row", "e/2", "e(a, b). e(a, b) .", e="a b"),
    C("copy", "e/2 f/2", "e(a, b). e(b, c). f(X, Y) if e(X, Y).", f="a b; b c"),
    C("swap", "e/2 f/2", "e(a, b). e(b, c). f(Y, X) if e(X, Y).", f="b a; c b"),
    C("projection", "e/2 src/1", "e(a, b). e(a, c). e(b, c). src(X) if e(X, Y).", src="a; b"),
    C("join_two_hops", "e/2 two/2", CHAIN + " two(X, Z) if e(X, Y) and e(Y, Z).", two="a c; b d"),
    C("join_three_hops", "e/2 three/2", CHAIN + " three(W, Z) if e(W, X) and e(X, Y) and e(Y, Z).", three="a d"),
    C("join_two_relations", "p/2 q/2 r/3", "p(a, 1). p(b, 2). q(1, x). q(1, y). q(3, z). r(A, N, V) if p(A, N) and q(N, V).",
      r="a 1 x; a 1 y"),
    C("cross_product", "p/1 q/1 pq/2", "p(a). p(b). q(x). q(y). pq(X, Y) if p(X) and q(Y).", pq="a x; a y; b x; b y"),
    C("constant_in_body", "e/2 from_a/1", "e(a, b). e(a, c). e(b, d). from_a(Y) if e(a, Y).", from_a="b; c"),
    C("constant_in_head", "e/2 tagged/2", "e(a, b). e(b, c). tagged(X, seen) if e(X, Y).", tagged="a seen; b seen"),
    C("constant_head_only", "e/2 some/0", "e(a, b). some() if e(X, Y).", some="()"),
    C("constant_no_match", "e/2 from_z/1", "e(a, b). from_z(Y) if e(z, Y).", from_z=""),
    C("empty_relation_joins_nothing", "e/2 f/2 g/2", "e(a, b). f(z, z) if e(z, z). g(X, Y) if e(X, Y) and f(Y, X).",
      f="", g=""),
    C("integers", "n/1 m/2", "n(1). n(2). n(30). m(X, X) if n(X).", m="1 1; 2 2; 30 30"),
    C("strings", "s/1 t/1", 's("hello world"). s("x"). t(X) if s(X).', t='"hello world"; x'),
    C("dates_as_values", "d/1 e/1", "d(2024-02-29). d(2023-01-01). e(X) if d(X).", e="2024-02-29; 2023-01-01"),
    C("two_rules_one_head", "p/1 q/1 u/1", "p(a). q(b). u(X) if p(X). u(X) if q(X).", u="a; b"),
    C("rule_order_does_not_matter", "p/1 q/1 u/1", "u(X) if q(X). u(X) if p(X). q(b). p(a).", u="a; b"),
    C("unused_rule_no_rows", "p/1 q/1", "q(X) if p(X).", q=""),
    # ------------------------------------------------------------------ repeated variables
    C("repeated_in_body_atom", "e/2 loop/1", "e(a, a). e(a, b). e(b, b). loop(X) if e(X, X).", loop="a; b"),
    C("repeated_across_atoms", "p/2 q/2 r/1", "p(a, 1). p(b, 2). q(1, a). q(2, c). r(X) if p(X, N) and q(N, X).", r="a"),
    C("repeated_in_head", "p/1 pair/2", "p(a). p(b). pair(X, X) if p(X).", pair="a a; b b"),
    C("repeated_three_times", "t/3 same/1", "t(a, a, a). t(a, a, b). t(b, b, b). same(X) if t(X, X, X).", same="a; b"),
    C("repeated_no_row_repeats", "m/1 s/3 q/1 r/1",
      "m(8). s(8, 5, 8). q(X) if s(X, P, P). r(X) if m(X) and not q(X).", q="", r="8"),
    C("issue19_repeated_negation", "m/1 s/3 q/1 r/1",
      "m(8). s(8, 5, 8). q(X) if s(X, P, P). r(X) if m(X) and not q(X).", r="8"),
    C("repeated_some_rows_repeat", "s/3 q/2", "s(1, 5, 5). s(2, 5, 6). s(3, 7, 7). q(X, P) if s(X, P, P).",
      q="1 5; 3 7"),
    C("repeated_with_constant", "e/3 f/1", "e(a, a, k). e(b, b, j). e(c, d, k). f(X) if e(X, X, k).", f="a"),
    # ------------------------------------------------------------------ comparisons
    C("int_less", "n/1 small/1", "n(1). n(5). n(10). small(X) if n(X) and X < 5.", small="1"),
    C("int_less_equal", "n/1 small/1", "n(1). n(5). n(10). small(X) if n(X) and X <= 5.", small="1; 5"),
    C("int_greater", "n/1 big/1", "n(1). n(5). n(10). big(X) if n(X) and X > 5.", big="10"),
    C("int_greater_equal", "n/1 big/1", "n(1). n(5). n(10). big(X) if n(X) and X >= 5.", big="5; 10"),
    C("constant_on_the_left", "n/1 big/1", "n(1). n(5). n(10). big(X) if n(X) and 5 < X.", big="10"),
    C("not_equal", "e/2 diff/2", "e(a, a). e(a, b). e(b, c). diff(X, Y) if e(X, Y) and X != Y.", diff="a b; b c"),
    C("equal_variables", "p/2 same/1", "p(a, a). p(a, b). same(X) if p(X, Y) and X = Y.", same="a"),
    C("equal_constant", "p/2 q/1", "p(a, 1). p(b, 2). q(X) if p(X, N) and N = 2.", q="b"),
    C("compare_two_columns", "p/2 asc/2", "p(1, 2). p(3, 2). p(4, 4). asc(X, Y) if p(X, Y) and X < Y.", asc="1 2"),
    C("between", "n/1 mid/1", "n(1). n(3). n(5). n(7). mid(X) if n(X) and X > 1 and X < 7.", mid="3; 5"),
    C("constant_comparison_false", "n/1 never/1", "n(1). never(X) if n(X) and 1 > 2.", never=""),
    C("constant_comparison_true", "n/1 always/1", "n(1). always(X) if n(X) and 1 < 2.", always="1"),
    C("negative_constants", "n/1 neg/1", "n(-3). n(0). n(4). neg(X) if n(X) and X < 0.", neg="-3"),
    C("negative_bound", "n/1 above/1", "n(-5). n(-1). n(2). above(X) if n(X) and X > -2.", above="-1; 2"),
    C("date_before", "d/1 early/1", "d(2024-01-01). d(2025-06-30). early(X) if d(X) and X < 2025-01-01.", early="2024-01-01"),
    C("date_not_after", "d/1 upto/1", "d(2024-12-31). d(2025-01-01). d(2025-01-02). upto(X) if d(X) and X <= 2025-01-01.",
      upto="2024-12-31; 2025-01-01"),
    C("date_columns", "p/2 late/2", "p(2024-01-01, 2024-02-01). p(2024-03-01, 2024-02-01). late(A, B) if p(A, B) and A > B.",
      late="2024-03-01 2024-02-01"),
    # ------------------------------------------------------------------ date built-ins
    C("add_days", "d/1 plus/2", "d(2024-01-30). d(2023-12-31). plus(X, Y) if d(X) and Y = add_days(X, 3).",
      plus="2024-01-30 2024-02-02; 2023-12-31 2024-01-03"),
    C("negative_count_from_a_fact_applies_to_nothing", "d/1 n/1 plus/2",
      "d(2024-03-01). n(-1). n(2). plus(X, Y) if d(X) and n(N) and Y = add_days(X, N).", plus="2024-03-01 2024-03-03"),
    C("add_months_month_end", "d/1 m/2", "d(2024-01-31). d(2023-01-31). m(X, Y) if d(X) and Y = add_months(X, 1).",
      m="2024-01-31 2024-02-29; 2023-01-31 2023-02-28"),
    C("add_months_plain", "d/1 m/2", "d(2024-05-15). m(X, Y) if d(X) and Y = add_months(X, 2).", m="2024-05-15 2024-07-15"),
    C("add_weeks", "d/1 w/2", "d(2024-03-01). w(X, Y) if d(X) and Y = add_weeks(X, 2).", w="2024-03-01 2024-03-15"),
    C("later_of", "p/2 l/1", "p(2024-01-01, 2023-12-31). p(2022-05-05, 2022-06-06). l(Z) if p(X, Y) and Z = later_of(X, Y).",
      l="2024-01-01; 2022-06-06"),
    C("months_starting_with", "d/1 m/2", "d(2024-01-15). m(X, Y) if d(X) and Y = months_starting_with(X, 2).",
      m="2024-01-15 2024-03-14"),
    # no 31 April: the period starting with 31 March runs to the end of April, not the day before 30 April
    C("months_starting_with_month_end", "d/1 m/2", "d(2025-03-31). m(X, Y) if d(X) and Y = months_starting_with(X, 1).",
      m="2025-03-31 2025-04-30"),
    C("add_working_days_over_christmas", "d/1 w/2", "d(2024-12-20). w(X, Y) if d(X) and Y = add_working_days(X, 3).",
      w="2024-12-20 2024-12-27"),
    C("add_working_days_over_a_weekend", "d/1 w/2", "d(2024-06-07). w(X, Y) if d(X) and Y = add_working_days(X, 1).",
      w="2024-06-07 2024-06-10"),
    C("builtin_then_compare", "d/1 soon/1", "d(2024-01-01). d(2024-06-01). soon(X) if d(X) and Y = add_days(X, 10) and Y < 2024-02-01.",
      soon="2024-01-01"),
    C("builtin_target_bound", "p/2 ok/1", "p(2024-01-01, 2024-01-04). p(2024-01-01, 2024-01-05). ok(Y) if p(X, Y) and Y = add_days(X, 3).",
      ok="2024-01-04"),
    C("builtins_chained", "d/1 c/1", "d(2024-01-31). c(Z) if d(X) and Y = add_months(X, 1) and Z = add_days(Y, 1).",
      c="2024-03-01"),
    # ------------------------------------------------------------------ stratified negation
    C("negation_basic", "p/1 q/1 r/1", "p(a). p(b). q(a). r(X) if p(X) and not q(X).", r="b"),
    C("negation_of_empty", "p/1 q/1 r/1", "p(a). p(b). r(X) if p(X) and not q(X).", r="a; b"),
    C("negation_of_all", "p/1 q/1 r/1", "p(a). q(a). r(X) if p(X) and not q(X).", r=""),
    C("negation_of_derived", "p/1 e/2 has/1 sink/1", "p(a). p(b). p(c). e(a, b). e(b, c). has(X) if e(X, Y). "
      "sink(X) if p(X) and not has(X).", sink="c"),
    C("negation_two_strata", "p/1 q/1 r/1 s/1", "p(a). p(b). p(c). q(a). r(X) if p(X) and not q(X). s(X) if p(X) and not r(X).",
      r="b; c", s="a"),
    C("negation_three_strata", "p/1 a1/1 a2/1 a3/1", "p(x). p(y). a1(x). a2(X) if p(X) and not a1(X). a3(X) if p(X) and not a2(X).",
      a2="y", a3="x"),
    C("negation_binary", "e/2 f/2 g/2", "e(a, b). e(b, c). f(a, b). g(X, Y) if e(X, Y) and not f(X, Y).", g="b c"),
    C("negation_constant", "p/1 q/2 r/1", "p(a). p(b). q(a, k). q(b, j). r(X) if p(X) and not q(X, k).", r="b"),
    C("negation_zero_arity", "p/1 stop/0 r/1", "p(a). r(X) if p(X) and not stop().", r="a"),
    C("negation_zero_arity_holds", "p/1 stop/0 r/1", "p(a). stop(). r(X) if p(X) and not stop().", r=""),
    C("unless_one", "p/1 q/1 r/1", "p(a). p(b). q(a). r(X) if p(X) unless q(X).", r="b"),
    C("unless_either", "p/1 q/1 s/1 r/1", "p(a). p(b). p(c). q(a). s(b). r(X) if p(X) unless q(X) or s(X).", r="c"),
    C("negation_of_recursive", "e/2 reach/2 node/1 unreachable/1",
      "e(a, b). e(b, c). node(a). node(b). node(c). node(d). reach(X, Y) if e(X, Y). "
      "reach(X, Z) if reach(X, Y) and e(Y, Z). unreachable(Y) if node(Y) and not reach(a, Y).", unreachable="a; d"),
    C("anonymous_under_negation", "m/1 e/2 lonely/1", "m(a). m(b). m(c). e(a, b). e(c, d). lonely(X) if m(X) and not e(X, _).",
      lonely="b"),
    C("anonymous_two_under_negation", "m/1 t/3 none/1", "m(a). m(b). t(a, 1, 2). none(X) if m(X) and not t(X, _, _).",
      none="b"),
    C("anonymous_positive", "e/2 src/1", "e(a, b). e(c, d). src(X) if e(X, _).", src="a; c"),
    C("anonymous_each_its_own", "e/2 any/0", "e(a, b). any() if e(_, _).", any="()"),
    C("anonymous_with_bound_under_negation", "p/2 q/3 r/2", "p(a, 1). p(b, 2). q(a, 1, z). r(X, N) if p(X, N) and not q(X, N, _).",
      r="b 2"),
    # ------------------------------------------------------------------ exceptions
    C("exception_defeats", "p/1 q/1 r/1", "p(a). p(b). q(a). r1: r(X) if p(X). exception x1 to r1: if q(X).", r="b"),
    C("exception_not_applying", "p/1 q/1 r/1", "p(a). p(b). r1: r(X) if p(X). exception x1 to r1: if q(X).", r="a; b"),
    C("exception_other_rule_still_proves", "p/1 q/1 s/1 r/1", "p(a). s(a). q(a). r1: r(X) if p(X). r2: r(X) if s(X). "
      "exception x1 to r1: if q(X).", r="a"),
    C("two_exceptions", "p/1 q/1 s/1 r/1", "p(a). p(b). p(c). q(a). s(b). r1: r(X) if p(X). exception x1 to r1: if q(X). "
      "exception x2 to r1: if s(X).", r="c"),
    C("exception_with_join", "p/2 bad/1 r/2", "p(a, 1). p(b, 2). bad(2). r1: r(X, N) if p(X, N). "
      "exception x1 to r1: if bad(N) and p(X, N).", r="a 1"),
    C("exception_with_comparison", "n/1 r/1", "n(1). n(5). n(9). r1: r(X) if n(X). exception x1 to r1: if n(X) and X > 4.",
      r="1"),
    C("exception_on_derived", "e/2 has/1 r/1 p/1", "p(a). p(b). e(a, z). has(X) if e(X, Y). r1: r(X) if p(X). "
      "exception x1 to r1: if has(X).", r="b"),
    C("exception_of_recursive_base", "e/2 blocked/2 path/2", "e(a, b). e(b, c). e(c, d). blocked(b, c). "
      "base: path(X, Y) if e(X, Y). exception cut to base: if blocked(X, Y). path(X, Z) if path(X, Y) and path(Y, Z).",
      path="a b; c d"),
    # ------------------------------------------------------------------ transitive closure
    C("tc_chain_left", "e/2 path/2", CHAIN + " path(X, Y) if e(X, Y). path(X, Z) if path(X, Y) and e(Y, Z).",
      path="a b; a c; a d; b c; b d; c d"),
    C("tc_chain_right", "e/2 path/2", CHAIN + " path(X, Y) if e(X, Y). path(X, Z) if e(X, Y) and path(Y, Z).",
      path="a b; a c; a d; b c; b d; c d"),
    C("tc_chain_nonlinear", "e/2 path/2", CHAIN + " path(X, Y) if e(X, Y). path(X, Z) if path(X, Y) and path(Y, Z).",
      path="a b; a c; a d; b c; b d; c d"),
    C("issue19_tc_right_3cycle", "e/2 reach/2", CYCLE3 + " reach(X, Y) if e(X, Y). reach(X, Y) if e(X, Z) and reach(Z, Y).",
      reach=ALL9),
    C("tc_left_3cycle", "e/2 reach/2", CYCLE3 + " reach(X, Y) if e(X, Y). reach(X, Y) if reach(X, Z) and e(Z, Y).",
      reach=ALL9),
    C("tc_nonlinear_3cycle", "e/2 reach/2", CYCLE3 + " reach(X, Y) if e(X, Y). reach(X, Y) if reach(X, Z) and reach(Z, Y).",
      reach=ALL9),
    C("tc_2cycle", "e/2 reach/2", "e(a, b). e(b, a). reach(X, Y) if e(X, Y). reach(X, Y) if e(X, Z) and reach(Z, Y).",
      reach="a a; a b; b a; b b"),
    C("tc_self_loop", "e/2 reach/2", "e(a, a). e(a, b). reach(X, Y) if e(X, Y). reach(X, Y) if e(X, Z) and reach(Z, Y).",
      reach="a a; a b"),
    C("issue19_pre_nonlinear", "pre/2", "pre(a, b). pre(b, c). pre(X, Y) if pre(X, Z) and pre(Z, Y).", pre="a b; a c; b c"),
    C("issue19_path_two_edge_relations", "e1/2 e2/2 path/2",
      "e1(a, b). e2(b, c). e1(c, d). path(X, Y) if e1(X, Y). path(X, Y) if e2(X, Y). "
      "path(X, Y) if path(X, Z) and e1(Z, Y). path(X, Y) if path(X, Z) and e2(Z, Y).",
      path="a b; a c; a d; b c; b d; c d"),
    C("issue19_recursive_rule_first", "edge/2 path/2",
      "edge(a, b). edge(b, c). path(X, Y) if edge(X, Z) and path(Z, Y). path(X, Y) if edge(X, Y).",
      path="a b; a c; b c"),
    C("tc_from_a_constant", "e/2 from_a/1", CHAIN + " from_a(Y) if e(a, Y). from_a(Y) if from_a(X) and e(X, Y).",
      from_a="b; c; d"),
    C("tc_to_a_constant", "e/2 to_d/1", CHAIN + " to_d(X) if e(X, d). to_d(X) if e(X, Y) and to_d(Y).", to_d="a; b; c"),
    C("tc_two_components", "e/2 path/2", "e(a, b). e(b, c). e(x, y). path(X, Y) if e(X, Y). path(X, Z) if e(X, Y) and path(Y, Z).",
      path="a b; a c; b c; x y"),
    C("tc_diamond", "e/2 path/2", "e(a, b). e(a, c). e(b, d). e(c, d). path(X, Y) if e(X, Y). path(X, Z) if path(X, Y) and e(Y, Z).",
      path="a b; a c; a d; b d; c d"),
    C("tc_symmetric_closure", "e/2 conn/2", "e(a, b). e(b, c). conn(X, Y) if e(X, Y). conn(X, Y) if e(Y, X). "
      "conn(X, Z) if conn(X, Y) and conn(Y, Z).", conn=ALL9),
    C("tc_with_filter", "e/2 w/3 cheap/2", "w(a, b, 1). w(b, c, 9). w(c, d, 2). e(X, Y) if w(X, Y, N) and N < 5. "
      "cheap(X, Y) if e(X, Y). cheap(X, Z) if cheap(X, Y) and e(Y, Z).", cheap="a b; c d"),
    C("tc_no_base_rows", "e/2 path/2", "path(X, Y) if e(X, Y). path(X, Z) if path(X, Y) and e(Y, Z).", path=""),
    C("tc_self_only_no_base", "p/1", "p(X) if p(X).", p=""),
    C("tc_longer_chain", "e/2 path/2",
      "e(n1, n2). e(n2, n3). e(n3, n4). e(n4, n5). e(n5, n6). path(X, Y) if e(X, Y). path(X, Z) if e(X, Y) and path(Y, Z).",
      path="n1 n2; n1 n3; n1 n4; n1 n5; n1 n6; n2 n3; n2 n4; n2 n5; n2 n6; n3 n4; n3 n5; n3 n6; n4 n5; n4 n6; n5 n6"),
    C("tc_counting_with_builtin", "d/1 next/2 days/1",
      "d(2024-01-01). days(X) if d(X). days(Y) if days(X) and Y = add_days(X, 1) and Y < 2024-01-04.",
      days="2024-01-01; 2024-01-02; 2024-01-03"),
    # ------------------------------------------------------------------ mutual recursion
    C("issue19_in_out_cycle", "start/1 edge/2 inn/1 out/1",
      "start(a). edge(a, b). edge(b, c). edge(x, y). inn(X) if start(X). inn(Y) if out(X) and edge(X, Y). out(X) if inn(X).",
      inn="a; b; c", out="a; b; c"),
    C("even_odd", "succ/2 even/1 odd/1", "succ(0, 1). succ(1, 2). succ(2, 3). succ(3, 4). even(0). "
      "odd(Y) if even(X) and succ(X, Y). even(Y) if odd(X) and succ(X, Y).", even="0; 2; 4", odd="1; 3"),
    C("cycle2", "base/1 base2/1 a/1 b/1 d/1 top/1",
      "base(x). base2(y). a(X) if base(X). a(X) if d(X). b(X) if d(X). b(X) if base2(X). d(X) if b(X). "
      "top(X) if a(X) and b(Y).", a="x; y", b="y", d="y", top="x; y"),
    C("three_way_cycle", "s/1 p/1 q/1 r/1 e/2", "s(a). e(a, b). e(b, c). p(X) if s(X). q(Y) if p(X) and e(X, Y). "
      "r(Y) if q(X) and e(X, Y). p(X) if r(X). p(X) if q(X).", p="a; b; c", q="b; c", r="c"),
    C("mutual_with_negation_below", "n/1 bad/1 ok/1 a/1 b/1", "n(1). n(2). n(3). bad(2). ok(X) if n(X) and not bad(X). "
      "a(X) if ok(X). b(X) if a(X). a(X) if b(X).", a="1; 3", b="1; 3"),
    C("mutual_negation_above", "e/2 a/2 b/2 node/1 lone/1",
      "e(a, b). e(b, c). node(a). node(b). node(c). a(X, Y) if e(X, Y). b(X, Y) if a(X, Y). a(X, Z) if b(X, Y) and e(Y, Z). "
      "lone(X) if node(X) and not a(X, _).", a="a b; a c; b c", b="a b; a c; b c", lone="c"),
    C("mutual_two_edge_kinds", "r/2 g/2 red/2 green/2", "r(a, b). g(b, c). r(c, d). red(X, Y) if r(X, Y). "
      "green(X, Y) if g(X, Y). red(X, Z) if green(X, Y) and r(Y, Z). green(X, Z) if red(X, Y) and g(Y, Z).",
      red="a b; a d; b d; c d", green="a c; b c"),
    C("mutual_zero_arity", "p/0 q/0 s/0", "s(). p() if s(). q() if p(). p() if q().", p="()", q="()"),
    C("mutual_zero_arity_no_base", "p/0 q/0", "q() if p(). p() if q().", p="", q=""),
    C("two_separate_cycles_stacked", "e/2 p/2 q/2", "e(a, b). e(b, a). p(X, Y) if e(X, Y). p(X, Z) if p(X, Y) and p(Y, Z). "
      "q(X, Y) if p(X, Y) and X != Y. q(X, Z) if q(X, Y) and q(Y, Z).", p="a a; a b; b a; b b", q="a a; a b; b a; b b"),
    # ------------------------------------------------------------------ same generation
    C("same_generation", "par/2 person/1 sg/2",
      "par(b, a). par(c, a). par(d, b). par(e, c). person(a). person(b). person(c). person(d). person(e). "
      "sg(X, X) if person(X). sg(X, Y) if par(X, XP) and sg(XP, YP) and par(Y, YP).",
      sg="a a; b b; c c; d d; e e; b c; c b; d e; e d"),
    C("same_generation_strict", "par/2 person/1 sg/2 cousin/2",
      "par(b, a). par(c, a). par(d, b). par(e, c). person(a). person(b). person(c). person(d). person(e). "
      "sg(X, X) if person(X). sg(X, Y) if par(X, XP) and sg(XP, YP) and par(Y, YP). cousin(X, Y) if sg(X, Y) and X != Y.",
      cousin="b c; c b; d e; e d"),
    C("same_generation_flat", "up/2 flat/2 down/2 rsg/2",
      "up(a, e). up(b, f). flat(e, f). flat(a, b). down(f, c). rsg(X, Y) if flat(X, Y). "
      "rsg(X, Y) if up(X, X1) and rsg(X1, Y1) and down(Y1, Y).", rsg="e f; a b; a c"),
    C("ancestors", "par/2 anc/2", "par(b, a). par(c, b). par(d, c). anc(X, Y) if par(X, Y). anc(X, Z) if par(X, Y) and anc(Y, Z).",
      anc="b a; c a; c b; d a; d b; d c"),
    C("ancestor_not_parent", "par/2 anc/2 far/2", "par(b, a). par(c, b). par(d, c). anc(X, Y) if par(X, Y). "
      "anc(X, Z) if par(X, Y) and anc(Y, Z). far(X, Y) if anc(X, Y) and not par(X, Y).", far="c a; d a; d b"),
    # ------------------------------------------------------------------ programs of no arguments
    C("issue19_zero_arity", "p/0 q/0", "p(). q() if p().", p="()", q="()"),
    C("zero_arity_false", "p/0 q/0", "q() if p().", p="", q=""),
    C("zero_arity_guard", "p/0 n/1 r/1", "p(). n(1). n(2). r(X) if n(X) and p().", r="1; 2"),
    C("zero_arity_from_join", "e/2 cyclic/0", "e(a, b). e(b, a). cyclic() if e(X, Y) and e(Y, X).", cyclic="()"),
    # ------------------------------------------------------------------ not expressible on SQL / numpy
    C("mixed_types_in_a_column", "v/1 w/1", "v(1). v(a). w(X) if v(X).", compiled=False, w="1; a"),
    C("join_across_types", "n/1 s/1 both/1", "n(1). s(a). both(X) if n(X) and s(X).", compiled=False, both=""),
    # ------------------------------------------------------------------ the checker's refusals
    E("unsafe_head_variable", "p/1 q/1", "p(a). q(Y) if p(X).", "unsafe-variable"),
    E("unsafe_negated_variable", "p/1 q/2 r/1", "p(a). r(X) if p(X) and not q(X, Y).", "unsafe-variable"),
    E("unsafe_comparison_variable", "p/1 r/1", "p(1). r(X) if p(X) and Y < 3.", "unsafe-variable"),
    E("unsafe_builtin_input", "p/1 r/2", "p(2024-01-01). r(X, Y) if p(X) and Y = add_days(Z, 1).", "unsafe-variable"),
    E("anonymous_in_head", "p/1 r/1", "p(a). r(_) if p(X).", "unsafe-variable"),
    E("variable_in_fact", "p/1", "p(X).", "unsafe-variable"),
    E("unstratified_self", "p/1 q/1", "q(a). p(X) if q(X) and not p(X).", "not-stratifiable"),
    E("unstratified_pair", "p/1 q/1 s/1", "s(a). p(X) if s(X) and not q(X). q(X) if s(X) and not p(X).", "not-stratifiable"),
    E("unstratified_through_exception", "p/1 s/1", "s(a). r1: p(X) if s(X). exception x1 to r1: if p(X).", "not-stratifiable"),
    E("arity_in_body", "e/2 p/1", "e(a, b). p(X) if e(X).", "arity"),
    E("arity_in_head", "e/2 p/1", "e(a, b). p(X, Y) if e(X, Y).", "arity"),
    E("arity_in_fact", "e/2", "e(a).", "arity"),
    E("arity_of_builtin", "d/1 p/1", "d(2024-01-01). p(Y) if d(X) and Y = add_days(X).", "arity"),
    E("negative_count_constant", "d/1 m/2", "d(2024-03-01). m(X, Y) if d(X) and Y = add_days(X, -1).", "negative-count"),
    E("unknown_predicate", "p/1", "p(X) if q(X).", "unknown-predicate"),
    E("unknown_builtin", "d/1 p/1", "d(2024-01-01). p(Y) if d(X) and Y = add_years(X, 1).", "unknown-builtin"),
]
