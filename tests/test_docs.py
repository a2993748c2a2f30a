"""The docs are kept honest by tests: their examples run, and nothing public goes undocumented."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from redress.frontends.cli import cli
from redress.frontends.docgen import case_fields_reference, cli_reference
from redress.kb.schema import CONTRACT_QUESTIONS
from redress.parser.parse import parse_text

import docs_examples  # tests/docs_examples.py: the command examples and their regeneration

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
PAGES = sorted(DOCS.glob("*.md"))
AUDIENCE_PAGES = ["policy-officer.md", "developer.md", "auditor.md"]


def _blocks(kind: str, with_readme: bool = False) -> list[tuple[str, int, str]]:
    out = []
    for page in [*PAGES, REPO / "README.md"] if with_readme else PAGES:
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(rf"```{kind}\n(.*?)```", text, flags=re.S):
            out.append((page.name, text[: m.start()].count("\n") + 1, m.group(1)))
    return out


@pytest.mark.parametrize("page,line,block", _blocks("redress"), ids=lambda v: str(v)[:40])
def test_rule_examples_parse(page: str, line: int, block: str) -> None:
    parse_text(block, f"docs/{page}:{line}")


@pytest.mark.parametrize("example", docs_examples.examples(), ids=lambda e: e.where)
def test_command_examples_print_what_the_docs_show(example: docs_examples.Example) -> None:
    """Every `$ redress ...` example in docs/ and the README, error outputs included. When an
    answer changes on purpose: python tests/docs_examples.py --write (see its docstring)."""
    assert docs_examples.mismatch(example, docs_examples.run(example)) is None


def test_every_shown_output_is_an_example_that_runs() -> None:
    """A block that shows a proof or a diagnostic starts with the command that prints it, so
    the test above checks it; only grammar forms and diagrams go unrun."""
    for page in [*PAGES, REPO / "README.md"]:
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r"```(text|console)\n(.*?)```", text, flags=re.S):
            body = m.group(2)
            if re.search(r"[✓✗]|^\S+:\d+:\d+:", body, flags=re.M):
                where = f"{page.name}:{text[: m.start()].count(chr(10)) + 1}"
                assert body.startswith("$ redress "), f"{where}: an output without the command that prints it"


@pytest.mark.parametrize("page", [p.name for p in [*PAGES, REPO / "README.md"]
                                  if "```pycon" in p.read_text(encoding="utf-8")])
def test_python_examples_run(page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each page's ```pycon blocks (docs/ and the README) run as one doctest session, in order."""
    import doctest

    monkeypatch.chdir(REPO)
    text = "\n".join(block for name, _, block in _blocks("pycon", with_readme=True) if name == page)
    test = doctest.DocTestParser().get_doctest(text, {}, f"docs/{page}", f"docs/{page}", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures: list[str] = []
    runner.run(test, out=failures.append)
    assert runner.failures == 0, "".join(failures)


def test_every_command_is_documented_and_the_cli_reference_is_current() -> None:
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == cli_reference(), \
        "docs/cli.md is stale: python -m redress.frontends.docgen > docs/cli.md"
    audience = "".join((DOCS / p).read_text(encoding="utf-8") for p in AUDIENCE_PAGES)
    for name in cli.commands:  # type: ignore[attr-defined]
        assert f"redress {name}" in audience, f"command 'redress {name}' is in no audience page"


def test_the_case_fields_reference_is_current() -> None:
    assert (DOCS / "case-fields.md").read_text(encoding="utf-8") == case_fields_reference(), \
        "docs/case-fields.md is stale: python -m redress.frontends.docgen fields > docs/case-fields.md"


def test_every_contract_question_is_documented() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in PAGES) + (REPO / "README.md").read_text(encoding="utf-8")
    for question in CONTRACT_QUESTIONS:
        assert f"`{question}`" in text, f"question {question} is not documented"


def test_docs_build_in_strict_mode(tmp_path: Path) -> None:
    mkdocs = shutil.which("mkdocs") or str(Path(sys.executable).parent / "mkdocs")
    result = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
