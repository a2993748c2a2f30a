"""The parser alone: text -> AST nodes with spans, strings, scenarios, includes, syntax errors."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redress.frontends.cli import cli
from redress.errors import RedressSyntaxError, Span
from redress.parser import ast
from redress.parser.parse import parse_file, parse_program, parse_text

SOURCE = '''\
# A small but complete program. Line numbers below are asserted by the tests.
provision "P 1":
    title "A provision"
    text "One line."
    source "https://example.org/p1"
    in force from 2020-01-01 until 2030-12-31
    caveat "First caveat."
    caveat "Second caveat."
end

input decision_kind(Case, Kind) from decision.kind
    means "the decision in {Case} is of kind {Kind}".
input certificate_issued(Case, Date) from mediation.certificate_issued as recorded
    means "the certificate in {Case} was issued on {Date}".
predicate appealable(Case) means "the decision in {Case} can be appealed".
predicate always() means "always".

fact appealable_kind(refuse_assessment, "s.51", 2, 2014-09-01) cites "P 1".

rule refusal cites "P 1", "P 2":
    appealable(C) if decision_kind(C, K) and not excluded(K) and D = add_months(S, 2)
        and D >= 2015-01-01 and 5 = N unless a(C) or b(C).
exception ceased to refusal:
    if decision_kind(C, cease_plan).
question appealable answers yes_no appealable(C) means "can it be appealed?".
'''


@pytest.fixture(scope="module")
def module() -> ast.Module:
    return parse_text(SOURCE, "m.rules")


def item(module: ast.Module, kind: type) -> object:
    return next(i for i in module.items if isinstance(i, kind))


# ---------------------------------------------------------------------------- nodes and spans


def test_items_come_in_source_order_with_their_node_types(module: ast.Module) -> None:
    assert module.path == "m.rules"
    assert module.text == SOURCE
    assert [type(i) for i in module.items] == [
        ast.Provision, ast.InputDecl, ast.InputDecl, ast.PredicateDecl, ast.PredicateDecl,
        ast.Fact, ast.Rule, ast.Exception_, ast.Question,
    ]


def test_rule_span_covers_the_whole_rule(module: ast.Module) -> None:
    rule = item(module, ast.Rule)
    assert isinstance(rule, ast.Rule)
    assert rule.label == "refusal"
    assert rule.span == Span("m.rules", 20, 1, 22, 59)
    assert str(rule.span) == "m.rules:20:1"
    assert (rule.cites_span.line, rule.cites_span.column) == (20, 14)


def test_head_atom_and_variable_spans(module: ast.Module) -> None:
    rule = item(module, ast.Rule)
    assert isinstance(rule, ast.Rule)
    head = rule.head
    assert head.predicate == "appealable"
    assert (head.span.line, head.span.column, head.span.end_column) == (21, 5, 18)
    (c,) = head.args
    assert isinstance(c, ast.Var)
    assert c == ast.Var("C", Span("m.rules", 21, 16, 21, 17))


def test_body_literals_of_every_kind(module: ast.Module) -> None:
    rule = item(module, ast.Rule)
    assert isinstance(rule, ast.Rule)
    atom, neg, assign, cmp, eq, unless_a, unless_b = rule.body
    assert isinstance(atom, ast.Atom) and str(atom) == "decision_kind(C, K)"
    assert isinstance(neg, ast.Negation) and neg.written_as == "not" and str(neg.atom) == "excluded(K)"
    assert isinstance(assign, ast.Assignment)
    assert (assign.target.name, assign.function, [str(a) for a in assign.args]) == ("D", "add_months", ["S", "2"])
    assert (assign.target.span.line, assign.target.span.column) == (21, 66)
    assert assign.span.line == 21 and assign.span.column == 66
    assert isinstance(cmp, ast.Comparison) and cmp.op == ">=" and cmp.right.value == dt.date(2015, 1, 1)
    assert (cmp.left.span.line, cmp.left.span.column) == (22, 13)
    assert isinstance(eq, ast.Comparison) and eq.op == "=" and eq.left.value == 5 and eq.right == ast.Var(
        "N", Span("m.rules", 22, 37, 22, 38))
    assert [type(unless_a), type(unless_b)] == [ast.Negation, ast.Negation]


def test_unless_a_or_b_becomes_two_negations(module: ast.Module) -> None:
    rule = item(module, ast.Rule)
    assert isinstance(rule, ast.Rule)
    a, b = rule.body[-2:]
    assert isinstance(a, ast.Negation) and isinstance(b, ast.Negation)
    assert (a.written_as, b.written_as) == ("unless", "unless")
    assert (str(a.atom), str(b.atom)) == ("a(C)", "b(C)")
    assert (a.span.line, a.span.column) == (22, 46)
    assert (b.span.line, b.span.column) == (22, 54)


def test_unless_alone_and_not_alone() -> None:
    rule = parse_text('rule r: p(X) if q(X) unless s(X).').items[0]
    assert isinstance(rule, ast.Rule)
    assert [(type(l).__name__, getattr(l, "written_as", None)) for l in rule.body] == [
        ("Atom", None), ("Negation", "unless")]


def test_constants_keep_their_types(module: ast.Module) -> None:
    fact = item(module, ast.Fact)
    assert isinstance(fact, ast.Fact)
    assert [a.value for a in fact.atom.args] == ["refuse_assessment", "s.51", 2, dt.date(2014, 9, 1)]
    assert all(isinstance(a, ast.Const) for a in fact.atom.args)
    assert fact.cites == ("P 1",)
    assert (fact.span.line, fact.span.column) == (18, 1)


def test_provision_fields(module: ast.Module) -> None:
    prov = item(module, ast.Provision)
    assert prov == ast.Provision(
        "P 1", Span("m.rules", 2, 1, 9, 4), title="A provision", text="One line.",
        source="https://example.org/p1", in_force_from=dt.date(2020, 1, 1), in_force_until=dt.date(2030, 12, 31),
        caveats=("First caveat.", "Second caveat."))


def test_declarations(module: ast.Module) -> None:
    kind, cert = [i for i in module.items if isinstance(i, ast.InputDecl)]
    assert (kind.name, kind.params, kind.field, kind.as_recorded) == (
        "decision_kind", ("Case", "Kind"), "decision.kind", False)
    assert kind.template == "the decision in {Case} is of kind {Kind}"
    assert (kind.span.line, kind.span.column, kind.span.end_line) == (11, 1, 12)
    assert (cert.field, cert.as_recorded) == ("mediation.certificate_issued", True)
    appealable, always = [i for i in module.items if isinstance(i, ast.PredicateDecl)]
    assert (appealable.name, appealable.params) == ("appealable", ("Case",))
    assert (always.name, always.params) == ("always", ())


def test_exception_and_question(module: ast.Module) -> None:
    exc = item(module, ast.Exception_)
    assert isinstance(exc, ast.Exception_)
    assert (exc.label, exc.target, exc.cites) == ("ceased", "refusal", ())
    assert [str(l) for l in exc.body] == ["decision_kind(C, cease_plan)"]
    assert exc.cites_span == exc.span  # no cites clause: the span of the whole exception stands in
    q = item(module, ast.Question)
    assert isinstance(q, ast.Question)
    assert (q.name, q.kind, str(q.atom), q.description) == ("appealable", "yes_no", "appealable(C)", "can it be appealed?")


def test_comments_and_blank_lines_do_not_shift_lines() -> None:
    module = parse_text('# one\n\n   # three\nfact p(a). # trailing\n\n\nfact p(b).\n')
    assert [(i.span.line, i.span.column) for i in module.items] == [(4, 1), (7, 1)]


def test_empty_file_is_an_empty_module() -> None:
    assert parse_text("").items == ()
    assert parse_text("# only a comment\n\n").items == ()


def test_include_item() -> None:
    (inc,) = parse_text('\n  include "sub/x.rules"\n', "e.rules").items
    assert inc == ast.Include("sub/x.rules", Span("e.rules", 2, 3, 2, 24))


# ---------------------------------------------------------------------------- strings


def _title(literal: str) -> str:
    prov = parse_text(f'provision "p":\n    title {literal}\nend\n').items[0]
    assert isinstance(prov, ast.Provision)
    return str(prov.title)


@pytest.mark.parametrize(("literal", "value"), [
    (r'"plain"', "plain"),
    (r'"say \"no\""', 'say "no"'),
    (r'"back\\slash"', "back\\slash"),
    (r'"two\nlines"', "two\nlines"),
    (r'"a\ttab"', "a\ttab"),
    (r'"#not a comment"', "#not a comment"),
    (r'""', ""),
])
def test_string_escapes(literal: str, value: str) -> None:
    assert _title(literal) == value


def test_plain_string_cannot_span_lines() -> None:
    with pytest.raises(RedressSyntaxError):
        _title('"one\ntwo"')


def test_triple_quoted_block_is_dedented_and_stripped() -> None:
    literal = '"""\n        First line,\n          indented more,\n        last line.\n    """'
    assert _title(literal) == "First line,\n  indented more,\nlast line."


def test_triple_quoted_keeps_quotes_and_backslashes() -> None:
    assert _title('"""He said "yes" \\n here"""') == 'He said "yes" \\n here'


def test_triple_quoted_text_starting_on_the_opening_line_is_dedented() -> None:
    literal = '"""The whole text\n    of the provision,\n    in two lines."""'
    assert _title(literal) == "The whole text\nof the provision,\nin two lines."


# ---------------------------------------------------------------------------- scenarios

SCENARIO = '''\
scenario "Every kind of line"
    cites "P 1", "P 2"
    given decision.kind = "refuse_assessment"
    given person.age = 9
    given person.over_compulsory_school_age = false
    given appeal.grounds = ["section_b", "section_f"]
    given mediation.issues = []
    given decision.sent = null
    cites "P 3"
    expect appealable = true
    expect appellant = "parent"
    expect routes includes "mediation"
    expect routes excludes "phso"
    expect appeal_deadline undetermined
    expect mediation_deadline undetermined missing "decision.sent", "mediation.requested"
    expect appealable cites "P 1"
    expect offset = -3
end
'''


def test_every_scenario_line_kind() -> None:
    (sc,) = parse_text(SCENARIO, "s.rules").items
    assert isinstance(sc, ast.Scenario)
    assert sc.title == "Every kind of line"
    assert sc.cites == ("P 1", "P 2", "P 3")
    assert sc.span == Span("s.rules", 1, 1, 18, 4)
    assert [(g.field, g.value) for g in sc.givens] == [
        ("decision.kind", "refuse_assessment"),
        ("person.age", 9),
        ("person.over_compulsory_school_age", False),
        ("appeal.grounds", ["section_b", "section_f"]),
        ("mediation.issues", []),
        ("decision.sent", None),
    ]
    assert [(g.span.line, g.span.column) for g in sc.givens] == [(n, 5) for n in range(3, 9)]
    assert [(e.question, e.kind, e.value) for e in sc.expectations] == [
        ("appealable", "equals", True),
        ("appellant", "equals", "parent"),
        ("routes", "includes", "mediation"),
        ("routes", "excludes", "phso"),
        ("appeal_deadline", "undetermined", ()),
        ("mediation_deadline", "undetermined", ("decision.sent", "mediation.requested")),
        ("appealable", "cites", "P 1"),
        ("offset", "equals", -3),
    ]
    assert [e.span.line for e in sc.expectations] == list(range(10, 18))


def test_empty_scenario() -> None:
    (sc,) = parse_text('scenario "nothing" end').items
    assert sc == ast.Scenario("nothing", (), (), (), Span("<string>", 1, 1, 1, 23))


# ---------------------------------------------------------------------------- includes


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_includes_are_resolved_depth_first_each_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {
        "main.rules": 'include "a.rules"\ninclude "b.rules"\nfact p(main).\n',
        "a.rules": 'include "c.rules"\nfact p(a).\n',
        "b.rules": 'include "c.rules"\ninclude "a.rules"\nfact p(b).\n',
        "c.rules": 'fact p(c).\n',
    })
    monkeypatch.chdir(tmp_path)
    modules = parse_program(Path("main.rules"))
    assert [m.path for m in modules] == ["main.rules", "a.rules", "c.rules", "b.rules"]


def test_includes_are_relative_to_the_including_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {
        "main.rules": 'include "topics/x.rules"\n',
        "topics/x.rules": 'include "y.rules"\ninclude "../shared/z.rules"\n',
        "topics/y.rules": "",
        "shared/z.rules": "",
        "y.rules": "this file must not be read",
    })
    monkeypatch.chdir(tmp_path / "shared")  # the working directory plays no part in resolution
    modules = parse_program(tmp_path / "main.rules")
    assert [Path(m.path).resolve() for m in modules] == [
        (tmp_path / p).resolve() for p in ("main.rules", "topics/x.rules", "topics/y.rules", "shared/z.rules")]
    assert modules[-1].path == "z.rules"  # shown relative to the working directory when inside it


def test_same_file_through_two_spellings_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"main.rules": 'include "x.rules"\ninclude "./sub/../x.rules"\n', "x.rules": ""})
    monkeypatch.chdir(tmp_path)
    assert [m.path for m in parse_program(Path("main.rules"))] == ["main.rules", "x.rules"]


def test_include_cycle_is_reported_at_the_closing_include(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"a.rules": '\ninclude "b.rules"\n', "b.rules": '# b\n\n  include "a.rules"\n'})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RedressSyntaxError) as info:
        parse_program(Path("a.rules"))
    assert info.value.span == Span("b.rules", 3, 3, 3, 20)
    assert info.value.bare_message == "include cycle: a.rules -> b.rules -> a.rules"


def test_self_include_is_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"a.rules": 'include "a.rules"\n'})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RedressSyntaxError, match=r"^a\.rules:1:1: include cycle: a\.rules -> a\.rules$"):
        parse_program(Path("a.rules"))


def test_missing_include_is_reported_at_the_include(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"a.rules": 'fact p(a).\ninclude "gone.rules"\n'})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RedressSyntaxError) as info:
        parse_program(Path("a.rules"))
    assert (info.value.span.file, info.value.span.line, info.value.span.column) == ("a.rules", 2, 1)
    assert "gone.rules" in info.value.bare_message


def test_missing_entry_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RedressSyntaxError, match=r"^nope\.rules:1:1: rule file not found$"):
        parse_program(Path("nope.rules"))


def test_syntax_error_in_an_included_file_names_that_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"a.rules": 'include "sub/b.rules"\n', "sub/b.rules": "fact p(a)\n"})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RedressSyntaxError) as info:
        parse_program(Path("a.rules"))
    assert info.value.span.file == os.path.join("sub", "b.rules")


# ---------------------------------------------------------------------------- syntax errors


def test_syntax_error_carries_span_context_and_expected() -> None:
    with pytest.raises(RedressSyntaxError) as info:
        parse_text('fact p(a).\nfakt p(b).\n', "t.rules")
    err = info.value
    assert err.span == Span("t.rules", 2, 1, 2, 2)
    assert err.bare_message == "unexpected 'fakt'"
    assert err.context == "   2 | fakt p(b).\n     | ^"
    assert '"fact"' in err.expected and '"rule"' in err.expected
    assert str(err).splitlines() == [
        "t.rules:2:1: unexpected 'fakt'", "   2 | fakt p(b).", "     | ^", "expected one of: " + ", ".join(err.expected)]


def test_caret_sits_under_the_column() -> None:
    with pytest.raises(RedressSyntaxError) as info:
        parse_text('rule r: p(X) if q(X) and ).\n')
    err = info.value
    assert (err.span.line, err.span.column) == (1, 26)
    line, caret = err.context.splitlines()
    assert caret.index("^") - len("     | ") == err.span.column - 1
    assert line[caret.index("^")] == ")"


def test_impossible_date_is_a_syntax_error() -> None:
    with pytest.raises(RedressSyntaxError) as info:
        parse_text('fact p(1).\nfact d(2025-02-30).\n', "d.rules")
    assert info.value.span.file == "d.rules"
    assert (info.value.span.line, info.value.span.column) == (2, 8)
    assert info.value.bare_message == "not a real date: 2025-02-30"


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(RedressSyntaxError, match="cannot read rule file"):
        parse_file(tmp_path / "missing.rules")


@pytest.mark.parametrize("equality", ["X = 5", "X = Y", "X = refuse_plan", 'X = "s"', "X = 2025-01-01"])
def test_equality_with_a_variable_on_the_left(equality: str) -> None:
    rule = parse_text(f"rule r: p(X) if q(X, Y) and {equality}.").items[0]
    assert isinstance(rule, ast.Rule) and isinstance(rule.body[-1], ast.Comparison)


def test_context_line_with_a_form_feed() -> None:
    text = "fact p(a).\x0cfact q(b)\nfact r(c).\n"
    with pytest.raises(RedressSyntaxError) as info:
        parse_text(text)
    assert info.value.context.splitlines()[0] == f"{info.value.span.line:>4} | " + text.split("\n")[
        info.value.span.line - 1]


# ---------------------------------------------------------------------------- fuzz: only RedressSyntaxError escapes

VALID = (Path(__file__).parent / "golden" / "ok.rules").read_text(encoding="utf-8") + SCENARIO

FRAGMENTS = [
    *'()":.,=<>!#-_ \n\t0123456789aAzZ\\[]', '"""', "not ", " and ", " if ", " unless ", " or ", "end",
    "rule ", "fact ", "cites ", "include ", '"x"', "2025-02-30", "9999-99-99", "0000-00-00", "as recorded",
    "null", "true", "-", "é", "\ufeff", "\r", "\x0c", "\u2028", "\x00",
]


@st.composite
def mutated_source(draw: st.DrawFn) -> str:
    text = VALID
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 25)))
        op = draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
        if op == "delete":
            text = text[:start] + text[end:]
        elif op == "insert":
            text = text[:start] + draw(st.sampled_from(FRAGMENTS)) + text[start:]
        elif op == "replace":
            text = text[:start] + draw(st.sampled_from(FRAGMENTS)) + text[end:]
        else:
            text = text[:end] + text[start:end] + text[end:]
    return text


def test_valid_fuzz_seed_parses() -> None:
    assert len(parse_text(VALID).items) > 10


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_source())
def test_lark_exceptions_never_escape(text: str) -> None:
    try:
        module = parse_text(text, "fuzz.rules")
    except RedressSyntaxError as err:
        assert err.span.file == "fuzz.rules"
        assert 1 <= err.span.line <= text.count("\n") + 1
        assert err.span.column >= 1
        assert str(err).startswith(f"fuzz.rules:{err.span.line}:{err.span.column}: ")
    else:
        assert isinstance(module, ast.Module)


@settings(max_examples=100, deadline=None, database=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))
def test_lark_exceptions_never_escape_on_junk(text: str) -> None:
    try:
        parse_text(text, "junk.rules")
    except RedressSyntaxError:
        pass


# ---------------------------------------------------------------------------- redress check


def test_cli_check_reports_a_syntax_error_with_location_and_caret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"typo.rules": 'provision "P 1":\n    title "A provision"\nend\n\npredicat p(X) means "{X}".\n'})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", "typo.rules"])
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert lines[0] == "typo.rules:5:1: unexpected 'predicat'"
    assert lines[1] == "   5 | predicat p(X) means \"{X}\"."
    assert lines[2] == "     | ^"
    assert lines[3].startswith("expected one of: ") and '"predicate"' in lines[3]
    assert "ok" not in result.stdout


def test_cli_check_reports_diagnostics_and_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"bad.rules": 'predicate p(X) means "{X}".\nfact p(a).\n'})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", "bad.rules"])
    assert result.exit_code == 3
    assert "bad.rules:2:1: error: fact cites no provision" in result.stderr


def test_cli_check_ok_file_exits_0(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).parent.parent)
    result = CliRunner().invoke(cli, ["check", "tests/golden/ok.rules"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("tests/golden/ok.rules: ok (1 file, 3 rules, 0 warnings)")


def test_cli_check_strict_fails_on_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).parent.parent)
    assert CliRunner().invoke(cli, ["check", "tests/golden/unused-provision.rules"]).exit_code == 0
    assert CliRunner().invoke(cli, ["check", "--strict", "tests/golden/unused-provision.rules"]).exit_code == 3


def test_chapter_and_paragraph_classifications() -> None:
    module = parse_text('''chapter "CoP 11" has paragraphs 1 to 111.
paragraph "CoP 11.3" is descriptive because "an aspiration".
paragraphs "CoP 11.9" to "CoP 11.10" are guidance only because "no answer turns on them".
paragraphs "CoP 11.56" to "CoP 11.66" are outside the reference because "not named".
paragraphs "CoP 11.40" to "CoP 11.44" are encoded by "CFA 2014 s.51(1)",
    "CFA 2014 s.83(2)" because "who may appeal".
''', "c.rules")
    chapter, *notes = module.items
    assert chapter == ast.Chapter("CoP 11", 1, 111, chapter.span) and chapter.span.line == 1  # type: ignore[union-attr]
    assert [(n.first, n.last, n.status, n.by, n.reason) for n in notes] == [  # type: ignore[union-attr]
        ("CoP 11.3", None, "descriptive", (), "an aspiration"),
        ("CoP 11.9", "CoP 11.10", "guidance only", (), "no answer turns on them"),
        ("CoP 11.56", "CoP 11.66", "outside the reference", (), "not named"),
        ("CoP 11.40", "CoP 11.44", "encoded by", ("CFA 2014 s.51(1)", "CFA 2014 s.83(2)"), "who may appeal"),
    ]
    assert notes[3].span.line == 5 and notes[3].span.end_line == 6  # type: ignore[union-attr]
    with pytest.raises(RedressSyntaxError, match="because"):
        parse_text('paragraph "CoP 11.3" is descriptive.', "c.rules")
