"""Golden tests of the parser's and checker's messages: what `redress check` tells a user.

Each ``tests/golden/<name>.rules`` is checked from the repository root (so paths print as
``tests/golden/<name>.rules``) and its output compared with ``tests/golden/<name>.err``: the
checker's diagnostics one per line, or the full RedressSyntaxError text. Files named
``_*.rules`` are only included by other goldens and are not run themselves.

Update mode: ``REDRESS_UPDATE_GOLDEN=1 pytest tests/test_golden.py`` rewrites every ``.err``
from the current output; review the diff in git before committing it.
"""

from __future__ import annotations

import inspect
import os
import re
from pathlib import Path

import pytest

import redress.kb.checker
from redress.errors import RedressSyntaxError
from redress.kb.checker import check
from redress.parser.parse import parse_program

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden"
UPDATE = os.environ.get("REDRESS_UPDATE_GOLDEN") == "1"

# Goldens whose .err holds what a user *should* see, not what redress prints today. They are
# expected to fail until the message is fixed; update mode leaves their .err alone. When a fix
# lands, delete the entry (an unexpected pass fails the run to remind you) and, if the wording
# differs from the proposal, regenerate the .err with update mode.
KNOWN_WRONG: dict[str, str] = {}

# Codes no rule file can provoke, each with the test that shows its message instead.
NO_GOLDEN = {
    # every bundled built-in has every form; tests/test_builtins.py removes one to show the error
    "builtin-backend": "tests/test_builtins.py::test_the_checker_rejects_a_builtin_a_backend_lacks",
}


def golden_files() -> list[Path]:
    return sorted(p for p in GOLDEN.glob("*.rules") if not p.name.startswith("_"))


def _params() -> list[object]:
    params: list[object] = []
    for rules in golden_files():
        marks = []
        if rules.stem in KNOWN_WRONG and not UPDATE:
            marks.append(pytest.mark.xfail(reason=KNOWN_WRONG[rules.stem], strict=True))
        params.append(pytest.param(rules, id=rules.stem, marks=marks))
    return params


def checker_output(rules: Path) -> str:
    """What `redress check` prints for one entry file (without its closing 'ok' line)."""
    try:
        modules = parse_program(rules.relative_to(REPO))
    except RedressSyntaxError as err:
        return f"{err}\n"
    return "".join(f"{diagnostic}\n" for diagnostic in check(modules))


@pytest.mark.parametrize("rules", _params())
def test_golden(rules: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    expected_file = rules.with_suffix(".err")
    actual = checker_output(rules)
    if UPDATE:
        if rules.stem in KNOWN_WRONG:
            pytest.skip(f"{expected_file.name} holds the intended output; not rewritten")
        if not expected_file.exists() or expected_file.read_text(encoding="utf-8") != actual:
            expected_file.write_text(actual, encoding="utf-8")
        return
    assert expected_file.exists(), f"no {expected_file.name}: run with REDRESS_UPDATE_GOLDEN=1 and review it"
    assert actual == expected_file.read_text(encoding="utf-8")


def test_every_err_file_has_its_rules_file() -> None:
    orphans = [p.name for p in GOLDEN.glob("*.err") if not p.with_suffix(".rules").exists()]
    assert not orphans


def test_helper_files_are_included_by_some_golden() -> None:
    texts = "\n".join(p.read_text(encoding="utf-8") for p in GOLDEN.glob("*.rules"))
    unused = [p.name for p in GOLDEN.glob("_*.rules") if f'include "{p.name}"' not in texts]
    assert not unused


def checker_codes() -> set[str]:
    """Every code kb/checker.py can emit, read from its ``self.error("code", ...)`` calls."""
    source = inspect.getsource(redress.kb.checker)
    calls = re.findall(r"self\.(?:error|warning)\(", source)
    codes = re.findall(r'self\.(?:error|warning)\(\s*"([a-z][a-z0-9-]*)"', source)
    assert len(codes) == len(calls), "a self.error/self.warning call without a literal code: this test cannot see it"
    return set(codes)


def test_every_checker_code_has_a_golden() -> None:
    codes = checker_codes()
    assert len(codes) >= 20, f"the code regex found too few codes in kb/checker.py: {sorted(codes)}"
    covered = set()
    for err in GOLDEN.glob("*.err"):
        if err.stem not in KNOWN_WRONG:
            covered.update(re.findall(r"\[([a-z][a-z0-9-]*)\]$", err.read_text(encoding="utf-8"), re.MULTILINE))
    assert set(NO_GOLDEN) <= codes - covered, "a code in NO_GOLDEN has a golden now, or no longer exists"
    missing = sorted(codes - covered - set(NO_GOLDEN))
    assert not missing, f"diagnostic codes with no golden test in tests/golden: {missing}"


def test_goldens_cover_each_kind_of_syntax_error() -> None:
    names = {p.stem for p in golden_files()}
    for kind in ("keyword", "missing-dot", "unterminated-string", "bad-date", "include-missing", "include-cycle"):
        assert f"syntax-{kind}" in names
