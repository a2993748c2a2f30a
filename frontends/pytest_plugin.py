"""pytest plugin: every ``scenario`` block in a ``.rules`` file is a test.

A failure names the file, the line of the failing ``expect`` and the answer that was given.
Scenarios run against the bundled knowledge base, loaded once per session. Files under a
``next/`` folder are drafts for questions not yet encoded and are not collected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator, cast

import pytest

from redress.parser import ast
from redress.parser.parse import parse_file

__all__ = ["ScenarioFile", "ScenarioItem", "run_scenario", "case_from_givens"]

_KB: Any = None


def _kb() -> Any:
    global _KB
    if _KB is None:
        from redress.api import load

        _KB = load()
    return _KB


def case_from_givens(givens: tuple[ast.Given, ...]) -> dict[str, Any]:
    """``given decision.kind = "x"`` lines -> the contract's nested case JSON."""
    case: dict[str, Any] = {}
    for given in givens:
        parts = given.field.split(".")
        node = case
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = given.value
    return case


class ScenarioFailure(AssertionError):
    pass


def scenario_problems(kb: Any, scenario: ast.Scenario) -> list[str]:
    """Static checks against the knowledge base: cited provisions, givens, questions."""
    from redress.core.errors import CaseValidationError
    from redress.kb.schema import validate_case

    problems: list[str] = []
    for cid in scenario.cites:
        if cid not in kb.provisions:
            problems.append(f"{scenario.span}: cites undeclared provision {cid!r}")
    try:
        validate_case(case_from_givens(scenario.givens))
    except CaseValidationError as err:
        line = next((g.span for g in scenario.givens if err.field and err.field.startswith(g.field)), scenario.span)
        problems.append(f"{line}: {err}")
    for exp in scenario.expectations:
        if exp.question not in kb.questions:
            problems.append(f"{exp.span}: {exp.question!r} is not a question this knowledge base answers")
        if exp.kind == "cites" and exp.value not in kb.provisions:
            problems.append(f"{exp.span}: expects a citation of undeclared provision {exp.value!r}")
    return list(dict.fromkeys(problems))


def run_scenario(kb: Any, scenario: ast.Scenario) -> None:
    """Check every expectation; raise ScenarioFailure listing each one that does not hold."""
    problems = scenario_problems(kb, scenario)
    if problems:
        raise ScenarioFailure("\n".join([f"scenario {scenario.title!r} ({scenario.span}) is malformed:", *problems]))
    case = case_from_givens(scenario.givens)
    answers: dict[str, Any] = {}
    for exp in scenario.expectations:
        if exp.question not in answers:
            answers[exp.question] = kb.ask(exp.question, case)
        check = _EXPECTATION_CHECKS.get(exp.kind)
        problem = check(exp, answers[exp.question].to_dict(), f"{exp.span}") if check else None
        if problem is not None:
            problems.append(problem)
    if problems:
        raise ScenarioFailure("\n".join([f"scenario {scenario.title!r} ({scenario.span}):", *problems]))


# Each kind of expectation checked against the answer's contract JSON ``got``: the problem found
# (prefixed by ``where``, the expectation's line), or None when it holds.

def _check_equals(exp: ast.Expectation, got: dict[str, Any], where: str) -> str | None:
    expected = exp.value
    actual = got["answer"]
    if got["status"] != "determined":
        return (f"{where}: expected {exp.question} = {expected!r}, but it is undetermined "
                f"(missing {', '.join(got['missing'])})")
    if isinstance(expected, list) and isinstance(actual, list):
        if sorted(map(str, expected)) != sorted(map(str, actual)):
            return f"{where}: expected {exp.question} = {sorted(expected)}, got {sorted(actual)}"
    elif actual != expected:
        return f"{where}: expected {exp.question} = {expected!r}, got {actual!r}"
    return None


def _check_undetermined(exp: ast.Expectation, got: dict[str, Any], where: str) -> str | None:
    if got["status"] != "undetermined":
        return f"{where}: expected {exp.question} undetermined, got {got['answer']!r}"
    absent = [m for m in exp.value if m not in got["missing"]]  # type: ignore[attr-defined]
    if absent:
        return f"{where}: expected missing {absent}, got missing {got['missing']}"
    return None


def _check_membership(exp: ast.Expectation, got: dict[str, Any], where: str) -> str | None:
    """``includes`` or ``excludes``: an exclusion holds only when no further fact could add the member."""
    values = got["answer"] or []
    possible = [p["member"] for p in got.get("possible") or []]
    if exp.kind == "excludes" and (None in possible or exp.value in possible):
        return (f"{where}: cannot check that {exp.question} excludes {exp.value!r}: further facts "
                f"could still add it (missing {', '.join(got['missing'])})")
    if (exp.value in values) != (exp.kind == "includes"):
        return (f"{where}: expected {exp.question} {exp.kind} {exp.value!r}, got {values!r}"
                + (f" (undetermined, missing {', '.join(got['missing'])})"
                   if got["status"] != "determined" else ""))
    return None


def _check_possibly(exp: ast.Expectation, got: dict[str, Any], where: str) -> str | None:
    """Not established, but further facts could add it, settled by (at least) the fields named."""
    member, fields = cast("tuple[Any, tuple[str, ...]]", exp.value)
    ways = {p["member"]: p.get("missing") or [] for p in got.get("possible") or []}
    if member not in ways:
        return (f"{where}: expected {exp.question} possibly {member!r}, got answer "
                f"{got['answer']!r} and possible {list(ways)!r}")
    absent = [f for f in fields if f not in ways[member]]
    if absent:
        return f"{where}: expected {member!r} to be settled by {absent}, got missing {ways[member]}"
    return None


def _check_cites(exp: ast.Expectation, got: dict[str, Any], where: str) -> str | None:
    if exp.value not in got["citations"]:
        return f"{where}: expected {exp.question} to cite {exp.value!r}, cites {got['citations']}"
    return None


_EXPECTATION_CHECKS: dict[str, Callable[[ast.Expectation, dict[str, Any], str], str | None]] = {
    "equals": _check_equals, "undetermined": _check_undetermined, "includes": _check_membership,
    "excludes": _check_membership, "possibly": _check_possibly, "cites": _check_cites,
}


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: ast.Scenario, **kwargs: Any):
        super().__init__(**kwargs)
        self.scenario = scenario

    def runtest(self) -> None:
        run_scenario(_kb(), self.scenario)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.scenario.span.line - 1, f"scenario: {self.scenario.title}"


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[ScenarioItem]:
        module = parse_file(self.path)
        for item in module.items:
            if isinstance(item, ast.Scenario):
                yield ScenarioItem.from_parent(self, name=item.title, scenario=item)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    if file_path.suffix == ".rules" and "next" not in file_path.parts:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None
