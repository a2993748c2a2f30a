"""The docs are kept honest by tests: their examples run, and nothing public goes undocumented."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from redress.cli import cli
from redress.docgen import case_fields_reference, cli_reference
from redress.kb.schema import CONTRACT_QUESTIONS
from redress.parser.parse import parse_text

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
PAGES = sorted(DOCS.glob("*.md"))
AUDIENCE_PAGES = ["policy-officer.md", "developer.md", "auditor.md"]


def _blocks(kind: str) -> list[tuple[str, int, str]]:
    out = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(rf"```{kind}\n(.*?)```", text, flags=re.S):
            out.append((page.name, text[: m.start()].count("\n") + 1, m.group(1)))
    return out


def _normalise(text: str) -> str:
    return re.sub(r"sha256:[0-9a-f]{64}", "sha256:…", text)


@pytest.mark.parametrize("page,line,block", _blocks("redress"), ids=lambda v: str(v)[:40])
def test_rule_examples_parse(page: str, line: int, block: str) -> None:
    parse_text(block, f"docs/{page}:{line}")


@pytest.mark.parametrize("page,line,block", _blocks("console"), ids=lambda v: str(v)[:40])
def test_console_examples_run_and_print_what_the_docs_show(page: str, line: int, block: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    lines = block.rstrip("\n").split("\n")
    assert lines[0].startswith("$ redress "), f"docs/{page}:{line}: a console block starts with '$ redress'"
    result = CliRunner().invoke(cli, shlex.split(lines[0][len("$ redress "):]))
    actual = _normalise(result.stdout + result.stderr)
    for expected in lines[1:]:
        if expected.strip() and expected.strip() != "...":
            assert _normalise(expected.rstrip()) in actual, f"docs/{page}:{line}: not printed: {expected!r}"


@pytest.mark.parametrize("page", [p.name for p in PAGES if "```pycon" in p.read_text(encoding="utf-8")])
def test_python_examples_run(page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each page's ```pycon blocks run as one doctest session, in order."""
    import doctest

    monkeypatch.chdir(REPO)
    text = "\n".join(block for name, _, block in _blocks("pycon") if name == page)
    test = doctest.DocTestParser().get_doctest(text, {}, f"docs/{page}", f"docs/{page}", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures: list[str] = []
    runner.run(test, out=failures.append)
    assert runner.failures == 0, "".join(failures)


def test_every_command_is_documented_and_the_cli_reference_is_current() -> None:
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == cli_reference(), \
        "docs/cli.md is stale: python -m redress.docgen > docs/cli.md"
    audience = "".join((DOCS / p).read_text(encoding="utf-8") for p in AUDIENCE_PAGES)
    for name in cli.commands:  # type: ignore[attr-defined]
        assert f"redress {name}" in audience, f"command 'redress {name}' is in no audience page"


def test_the_case_fields_reference_is_current() -> None:
    assert (DOCS / "case-fields.md").read_text(encoding="utf-8") == case_fields_reference(), \
        "docs/case-fields.md is stale: python -m redress.docgen fields > docs/case-fields.md"


def test_every_contract_question_is_documented() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in PAGES) + (REPO / "README.md").read_text(encoding="utf-8")
    for question in CONTRACT_QUESTIONS:
        assert f"`{question}`" in text, f"question {question} is not documented"


def test_docs_build_in_strict_mode(tmp_path: Path) -> None:
    mkdocs = shutil.which("mkdocs") or str(Path(sys.executable).parent / "mkdocs")
    result = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
