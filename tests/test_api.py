"""The public Python API: ``redress.load()`` and ``kb.ask()``, shaped as the contract's answer JSON."""

from __future__ import annotations

import builtins
import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import pyDatalog.Aggregate  # noqa: F401  (imported lazily by pyDatalog; import it before exec is patched)
import pyDatalog.pyDatalog
import pyDatalog.pyParser
import pytest

import redress
from redress.api import default_rules_path
from redress.errors import CaseValidationError, KnowledgeBaseError, NotEncodedError, QueryError, RedressCheckError
from redress.kb.schema import CONTRACT_QUESTIONS, validate_case

CONTRACT_KEYS = {"question", "case", "status", "answer", "citations", "explanation", "missing", "rules_version"}
EXTENSION_KEYS = {"caveats", "possible", "as_of", "details", "in_force"}
EXPLANATION_KEYS = {"conclusion", "rule", "cites", "because"}
VERSION = re.compile(r"sha256:[0-9a-f]{64}")

REFUSAL = {"id": "case-a", "as_of": "2025-02-01", "decision": {"kind": "refuse_assessment", "sent": "2025-01-10"}}
PLAN_NO_GROUNDS = {"id": "case-p", "as_of": "2025-06-01", "decision": {"kind": "plan_finalised", "sent": "2025-05-02"}}
ISSUE_PLAN = {"decision": {"kind": "issue_plan"}, "appeal": {"grounds": ["decision"]}}


@pytest.fixture(scope="module")
def kb() -> redress.KnowledgeBase:
    return redress.load()


def copy_rules(dest: Path) -> Path:
    """A copy of the bundled rule files; returns the copy's entry file."""
    shutil.copytree(default_rules_path().parent, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest / "main.rules"


def never_appealable(dest: Path) -> Path:
    """A copy of the bundled rules in which every rule concluding appealable(C) can never fire."""
    entry = copy_rules(dest)
    changed = 0
    for path in dest.glob("*.rules"):
        text = path.read_text(encoding="utf-8")
        new, n = re.subn(r"(\n\s*appealable\(C\) if )", r"\g<1>1 > 2 and ", text)
        if n:
            path.write_text(new, encoding="utf-8")
            changed += n
    assert changed >= 2, "expected the bundled rules to have at least two rules concluding appealable(C)"
    return entry


def walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node["because"]:
        yield from walk(child)


# ---------------------------------------------------------------------- the answers


def test_refusal_to_assess_is_appealable_with_citations_and_a_proof(kb: redress.KnowledgeBase) -> None:
    answer = kb.ask("appealable", REFUSAL)
    d = answer.to_dict()
    assert d["status"] == "determined"
    assert d["answer"] is True
    assert d["missing"] == []
    assert "CoP 11.45" in d["citations"]
    assert "CFA 2014 s.51(2)(a)" in d["citations"]
    assert d["case"] == "case-a"
    assert d["question"] == "appealable"
    leaves = [n for n in walk(d["explanation"]) if not n["because"]]
    assert any(n.get("field") == "decision.kind" and n.get("bindings") == {"decision.kind": "refuse_assessment"}
               for n in leaves), leaves
    # every citation is one the proof tree rests on
    cited_in_tree = {c for n in walk(d["explanation"]) for c in n["cites"]}
    assert "CFA 2014 s.51(2)(a)" in cited_in_tree


def test_answer_object_matches_its_dict(kb: redress.KnowledgeBase) -> None:
    answer = kb.ask("appealable", REFUSAL)
    d = answer.to_dict()
    assert answer.answer is True and answer.status == "determined"
    assert list(answer.citations) == d["citations"]
    assert answer.rules_version == d["rules_version"] == kb.rules_version


@pytest.mark.parametrize(("age", "who"), [(9, "parent"), (14, "parent"), (17, "young_person"), (18, "young_person")])
def test_appellant_by_age(kb: redress.KnowledgeBase, age: int, who: str) -> None:
    d = kb.ask("appellant", {"person": {"age": age}}).to_dict()
    assert (d["status"], d["answer"]) == ("determined", who)
    assert d["citations"], "an answer must cite the law it rests on"


def test_appellant_at_sixteen_needs_the_school_age_flag(kb: redress.KnowledgeBase) -> None:
    d = kb.ask("appellant", {"person": {"age": 16}}).to_dict()
    assert (d["status"], d["answer"]) == ("undetermined", None)
    assert "person.over_compulsory_school_age" in d["missing"]
    told = kb.ask("appellant", {"person": {"age": 16, "over_compulsory_school_age": True}}).to_dict()
    assert (told["status"], told["answer"]) == ("determined", "young_person")


@pytest.mark.parametrize(("case", "expected"), [
    ({"decision": {"kind": "refuse_assessment"}}, True),
    ({"decision": {"kind": "cease_plan"}}, True),
    ({"decision": {"kind": "plan_amended"}, "mediation": {"issues": ["health"]}}, True),
    ({"decision": {"kind": "plan_finalised"}, "appeal": {"grounds": ["section_h2"]}}, True),
    ({"decision": {"kind": "issue_plan"}, "appeal": {"grounds": ["decision"]}, "mediation": {"issues": ["education"]}},
     False),
])
def test_mediation_available(kb: redress.KnowledgeBase, case: dict[str, Any], expected: bool) -> None:
    d = kb.ask("mediation_available", case).to_dict()
    assert (d["status"], d["answer"]) == ("determined", expected)


def test_to_dict_has_the_contract_keys_and_only_documented_extensions(kb: redress.KnowledgeBase) -> None:
    for question, case in [("appealable", REFUSAL), ("appealable", PLAN_NO_GROUNDS), ("appealable", ISSUE_PLAN),
                           ("appellant", {"person": {"age": 9}}), ("mediation_available", {})]:
        d = kb.ask(question, case).to_dict()
        assert CONTRACT_KEYS <= set(d), CONTRACT_KEYS - set(d)
        assert set(d) - CONTRACT_KEYS <= EXTENSION_KEYS, set(d) - CONTRACT_KEYS - EXTENSION_KEYS
        assert d["status"] in ("determined", "undetermined")
        assert VERSION.fullmatch(d["rules_version"]), d["rules_version"]
        assert isinstance(d["citations"], list) and all(isinstance(c, str) for c in d["citations"])
        assert isinstance(d["missing"], list)
        assert isinstance(d["caveats"], list)
        for node in walk(d["explanation"]):
            assert EXPLANATION_KEYS <= set(node), node
            assert isinstance(node["conclusion"], str) and node["conclusion"]
            assert isinstance(node["cites"], list) and isinstance(node["because"], list)


def test_to_dict_is_json_serialisable_and_round_trips(kb: redress.KnowledgeBase) -> None:
    for question, case in [("appealable", REFUSAL), ("appealable", PLAN_NO_GROUNDS), ("appellant", {"person": {"age": 9}})]:
        d = kb.ask(question, case).to_dict()
        assert json.loads(json.dumps(d)) == d


def test_as_of_is_echoed_as_an_iso_date(kb: redress.KnowledgeBase) -> None:
    assert kb.ask("appealable", REFUSAL).to_dict()["as_of"] == "2025-02-01"


def test_a_false_answer_says_why_not(kb: redress.KnowledgeBase) -> None:
    d = kb.ask("appealable", ISSUE_PLAN).to_dict()
    assert (d["status"], d["answer"], d["missing"]) == ("determined", False, [])
    root = d["explanation"]
    assert root.get("status") == "false"
    assert root["because"], "a why-not must list the rules that were tried"
    failed = {n["rule"]: n for n in walk(root) if n.get("kind") == "failed_rule"}
    assert "decision_itself_appealable" in failed, sorted(failed)
    # the failed condition itself is named: issue_plan is not an appealable kind of decision
    reasons = [n for n in walk(failed["decision_itself_appealable"]) if n.get("status") == "false"
               and n is not failed["decision_itself_appealable"]]
    assert any("issue_plan" in n["conclusion"] for n in reasons), [n["conclusion"] for n in reasons]


def test_a_missing_field_makes_the_answer_undetermined(kb: redress.KnowledgeBase) -> None:
    d = kb.ask("appealable", PLAN_NO_GROUNDS).to_dict()
    assert d["status"] == "undetermined"
    assert d["answer"] is None
    assert d["missing"] == ["appeal.grounds"]
    assert any(n.get("kind") == "missing" and n.get("field") == "appeal.grounds" for n in walk(d["explanation"]))
    # and giving the field settles it
    settled = kb.ask("appealable", {**PLAN_NO_GROUNDS, "appeal": {"grounds": ["section_f"]}}).to_dict()
    assert (settled["status"], settled["answer"], settled["missing"]) == ("determined", True, [])


def test_null_fields_are_unknown_not_false(kb: redress.KnowledgeBase) -> None:
    d = kb.ask("appealable", {"decision": {"kind": None}}).to_dict()
    assert (d["status"], d["answer"]) == ("undetermined", None)
    assert "decision.kind" in d["missing"]


def test_missing_names_every_field_that_would_settle_the_answer(kb: redress.KnowledgeBase) -> None:
    case = {"decision": {"kind": "plan_finalised"}}
    # either field on its own would settle it:
    assert kb.ask("mediation_available", {**case, "mediation": {"issues": ["health"]}}).answer is True
    assert kb.ask("mediation_available", {**case, "appeal": {"grounds": ["section_f"]}}).answer is True
    d = kb.ask("mediation_available", case).to_dict()
    assert d["status"] == "undetermined"
    assert set(d["missing"]) == {"appeal.grounds", "mediation.issues"}


def test_ask_accepts_a_validated_case(kb: redress.KnowledgeBase) -> None:
    case = validate_case(REFUSAL)
    assert kb.ask("appealable", case).to_dict() == kb.ask("appealable", REFUSAL).to_dict()


def test_an_invalid_case_is_an_error_naming_the_field(kb: redress.KnowledgeBase) -> None:
    with pytest.raises(CaseValidationError) as err:
        kb.ask("appealable", {"decision": {"kind": "refuse_everything"}})
    assert err.value.field == "decision.kind"


# ---------------------------------------------------------------------- questions


def test_a_contract_question_not_yet_encoded_raises_not_encoded(kb: redress.KnowledgeBase) -> None:
    absent = [q for q in CONTRACT_QUESTIONS if q not in kb.questions]
    if not absent:
        pytest.skip("every contract question is encoded")
    with pytest.raises(NotEncodedError) as err:
        kb.ask(absent[0], REFUSAL)
    assert absent[0] in str(err.value)
    assert isinstance(err.value, QueryError)


def test_an_unknown_question_raises_query_error_with_a_suggestion(kb: redress.KnowledgeBase) -> None:
    with pytest.raises(QueryError) as err:
        kb.ask("apealable", REFUSAL)
    assert not isinstance(err.value, NotEncodedError)
    assert "apealable" in str(err.value)
    assert "appealable" in str(err.value).replace("apealable", "")
    assert err.value.field == "question"


def test_questions_are_contract_names(kb: redress.KnowledgeBase) -> None:
    assert {"appealable", "appellant", "mediation_available"} <= set(kb.questions)
    assert set(kb.questions) & set(CONTRACT_QUESTIONS) == set(kb.questions)  # contract names, as the contract spells them


# ---------------------------------------------------------------------- rules_version and loading


def test_rules_version_is_stable_across_loads_and_copies(kb: redress.KnowledgeBase, tmp_path: Path) -> None:
    assert VERSION.fullmatch(kb.rules_version)
    assert redress.load().rules_version == kb.rules_version
    copy = redress.load(copy_rules(tmp_path / "rules"))
    assert copy.rules_version == kb.rules_version  # the digest is of the rules, not where they live


def test_rules_version_changes_when_a_rule_file_changes(kb: redress.KnowledgeBase, tmp_path: Path) -> None:
    entry = copy_rules(tmp_path / "rules")
    appeals = entry.parent / "appeals.rules"
    appeals.write_text(appeals.read_text(encoding="utf-8") + "\n# a comment changes the text too\n", encoding="utf-8")
    edited = redress.load(entry)
    assert VERSION.fullmatch(edited.rules_version)
    assert edited.rules_version != kb.rules_version
    assert kb.ask("appealable", REFUSAL).rules_version == kb.rules_version
    assert edited.ask("appealable", REFUSAL).rules_version == edited.rules_version


BROKEN = '''
provision "P1":
    title "t"
    text "x"
    source "https://example.org"
end
predicate ok(Case) means "{Case} ok".
predicate other(Case) means "{Case} other".
rule first cites "P1":
    ok(C) if no_such_predicate(C).
rule second cites "P2":
    other(C) if ok(C).
question appealable answers yes_no ok(C) means "ok?".
'''


def test_a_rule_file_with_errors_raises_every_diagnostic(tmp_path: Path) -> None:
    entry = tmp_path / "main.rules"
    entry.write_text(BROKEN, encoding="utf-8")
    result = None
    with pytest.raises(RedressCheckError) as err:
        result = redress.load(entry)
    assert result is None
    codes = [d.code for d in err.value.diagnostics]
    assert "unknown-predicate" in codes
    assert "undeclared-citation" in codes
    assert all(d.severity == "error" for d in err.value.diagnostics)
    text = str(err.value)
    assert "no_such_predicate" in text and "P2" in text
    assert "main.rules:10:" in text  # file:line of the first error


def test_an_error_in_a_copy_of_the_bundled_rules_is_reported(tmp_path: Path) -> None:
    entry = copy_rules(tmp_path / "rules")
    appeals = entry.parent / "appeals.rules"
    appeals.write_text(appeals.read_text(encoding="utf-8")
                       + '\nrule broken_one cites "CoP 11.45":\n    appealable(C) if decison_kind(C, K).\n', encoding="utf-8")
    with pytest.raises(RedressCheckError) as err:
        redress.load(entry)
    assert [d.code for d in err.value.diagnostics] == ["unknown-predicate"]
    assert "decision_kind" in str(err.value)  # the suggestion


# ---------------------------------------------------------------------- isolation


def test_case_facts_never_leak_between_asks(kb: redress.KnowledgeBase) -> None:
    assert kb.ask("appealable", REFUSAL).answer is True
    b = kb.ask("appealable", {"id": "case-b"}).to_dict()
    assert (b["status"], b["answer"]) == ("undetermined", None)
    assert "decision.kind" in b["missing"]
    assert kb.ask("mediation_available", REFUSAL).answer is True
    assert kb.ask("mediation_available", {"id": "case-b"}).to_dict()["status"] == "undetermined"
    assert kb.ask("appellant", {"person": {"age": 9}}).answer == "parent"
    assert kb.ask("appellant", {}).to_dict()["status"] == "undetermined"


def test_two_knowledge_bases_in_one_thread_answer_independently(kb: redress.KnowledgeBase, tmp_path: Path) -> None:
    other = redress.load(never_appealable(tmp_path / "rules"))
    assert other.rules_version != kb.rules_version
    cases = [REFUSAL, {"decision": {"kind": "plan_amended"}, "appeal": {"grounds": ["section_f"]}}]
    for _ in range(3):
        for case in cases:
            assert kb.ask("appealable", case).answer is True
            d = other.ask("appealable", case).to_dict()
            assert (d["status"], d["answer"]) == ("determined", False)
            assert kb.ask("appealable", case).answer is True
    # the modified knowledge base still agrees on everything else
    assert other.ask("appellant", {"person": {"age": 18}}).answer == "young_person"


THREAD_CASES: list[tuple[str, dict[str, Any], Any]] = [
    ("appealable", {"decision": {"kind": "refuse_assessment"}}, True),
    ("appealable", {"decision": {"kind": "refuse_plan"}}, True),
    ("appealable", {"decision": {"kind": "issue_plan"}, "appeal": {"grounds": ["decision"]}}, False),
    ("appealable", {"decision": {"kind": "plan_amended"}, "appeal": {"grounds": ["section_b"]}}, True),
    ("appealable", {"decision": {"kind": "plan_amended"}, "appeal": {"grounds": ["section_a"]}}, False),
    ("appealable", {"decision": {"kind": "refuse_assessment"}, "appeal": {"type": "disability_discrimination"}}, False),
    ("appealable", {}, None),
    ("appellant", {"person": {"age": 8}}, "parent"),
    ("appellant", {"person": {"age": 19}}, "young_person"),
    ("appellant", {"person": {"age": 15, "over_compulsory_school_age": False}}, "parent"),
    ("mediation_available", {"decision": {"kind": "cease_plan"}}, True),
    ("mediation_available", {"decision": {"kind": "plan_delayed"}, "appeal": {"grounds": ["decision"]},
                             "mediation": {"issues": ["education"]}}, False),
]


def test_many_threads_asking_different_cases_all_get_the_right_answers(kb: redress.KnowledgeBase) -> None:
    def worker(n: int) -> list[tuple[int, Any, Any]]:
        wrong = []
        for i in range(50):
            question, case, expected = THREAD_CASES[(n * 7 + i) % len(THREAD_CASES)]
            answer = kb.ask(question, {**case, "id": f"t{n}-{i}"})
            if answer.answer != expected or answer.case != f"t{n}-{i}":
                wrong.append((i, (question, case, expected), (answer.answer, answer.case)))
        return wrong

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(worker, range(8)))
    assert results == [[]] * 8


# ---------------------------------------------------------------------- no code from text


def test_the_engine_never_evaluates_text(kb: redress.KnowledgeBase, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    entry = copy_rules(tmp_path / "rules")
    kb.ask("appealable", REFUSAL)  # everything pyDatalog imports lazily is imported now
    calls: list[str] = []

    def forbidden(name: str) -> Any:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            raise AssertionError(f"{name} was called")
        return refuse

    answers: dict[str, Any] = {}
    with monkeypatch.context() as m:
        m.setattr(pyDatalog.pyDatalog, "load", forbidden("pyDatalog.load"))
        m.setattr(pyDatalog.pyDatalog, "ask", forbidden("pyDatalog.ask"))
        m.setattr(pyDatalog.pyParser, "load", forbidden("pyParser.load"))
        m.setattr(pyDatalog.pyParser, "ask", forbidden("pyParser.ask"))
        m.setattr(builtins, "eval", forbidden("eval"))
        m.setattr(builtins, "exec", forbidden("exec"))
        fresh = redress.load(entry)
        answers["appealable"] = fresh.ask("appealable", REFUSAL).answer
        answers["appellant"] = fresh.ask("appellant", {"person": {"age": 18}}).answer
        answers["undetermined"] = fresh.ask("appealable", PLAN_NO_GROUNDS).status
    assert calls == []
    assert answers == {"appealable": True, "appellant": "young_person", "undetermined": "undetermined"}


def test_every_atom_of_a_proof_is_checked_against_the_engine_of_record(tmp_path: Path) -> None:
    """The Prover re-derives each answer; pyDatalog's answers for the atoms it proves must agree.
    An engine built from rules in which refusing an assessment is limb (z) of s.51(2), not (a),
    still finds the refusal appealable, but the proof's atom appealable_decision_kind differs."""
    entry = copy_rules(tmp_path / "rules")
    appeals = entry.parent / "appeals.rules"
    text = appeals.read_text(encoding="utf-8")
    assert "fact appealable_decision_kind(refuse_assessment, a)" in text
    appeals.write_text(text.replace("fact appealable_decision_kind(refuse_assessment, a)",
                                    "fact appealable_decision_kind(refuse_assessment, z)"), encoding="utf-8")
    variant = redress.load(entry)
    assert variant.ask("appealable", REFUSAL).answer is True
    checked = redress.load()
    checked._engines = dict.fromkeys(range(len(checked._boundaries) + 1), variant.engine)
    with pytest.raises(KnowledgeBaseError, match=r"appealable_decision_kind\('refuse_assessment', 'a'\) not derived"):
        checked.ask("appealable", REFUSAL)
    never = redress.load(never_appealable(tmp_path / "never"))
    checked = redress.load()
    checked._engines = dict.fromkeys(range(len(checked._boundaries) + 1), never.engine)
    with pytest.raises(KnowledgeBaseError, match=r"proof of appealable\('case',\) not derived"):
        checked.ask("appealable", REFUSAL)


def test_proof_nodes_are_immutable_and_hashable(kb: redress.KnowledgeBase) -> None:
    """Answers share proof subtrees (across cases too), so no caller may change one."""
    node = kb.ask("appealable", REFUSAL).explanation
    with pytest.raises(AttributeError):
        node.conclusion = "tampered"  # type: ignore[misc]
    assert hash(node) == hash(kb.ask("appealable", REFUSAL).explanation)


def test_proofs_are_the_same_whether_or_not_the_engines_model_lets_the_prover_stop_early(
        kb: redress.KnowledgeBase) -> None:
    """With pyDatalog's model the Prover stops trying a relation's rules once it has proved every
    row the engine found and no later rule reads an input the case leaves unknown. On generated
    cases, every question's result is the one trying every rule (no model to stop on) gives."""
    from redress.api import CASE_KEY
    from redress.caseload import cases, generate
    from redress.proof.prover import Prover
    from redress.queries.model import Model

    for case in cases(generate(60, seed=5)):
        valid = validate_case(case)
        facts, unknown = kb.input_facts(valid)
        relations = [q.relation for q in kb.program.questions.values()]
        model = kb._engine_on(valid.get("as_of")).explore(facts, relations)
        fast = Prover(kb.program, model, unknown, CASE_KEY, "this case", frozenset(valid.values), valid.get("as_of"))
        full = Prover(kb.program, Model(model.inputs), unknown, CASE_KEY, "this case", frozenset(valid.values),
                      valid.get("as_of"))
        for q in kb.program.questions.values():
            pattern = q.pattern
            assert fast.atom(q.relation, pattern) == full.atom(q.relation, pattern), (case, q.name)
