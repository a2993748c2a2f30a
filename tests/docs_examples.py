"""The command examples in docs/ and the README, as data, and how to bring them up to date.

An example is a ```console block, or a ```text block whose first line is ``$ redress ...``: the
command, then the output it shows. The output may be trimmed: its lines must appear in the real
output in the same order (compared without their indentation), a line ``...`` stands for any
lines, and ``...`` inside a line for any text; rules_version digests compare as ``sha256:…``.

    python tests/docs_examples.py            # list the examples whose output no longer matches
    python tests/docs_examples.py --write    # rewrite those with the real output, in full

``--write`` leaves matching examples alone (trimmed ones stay trimmed) and writes the others'
standard output then standard error, without the ``rules: PATH (...)`` line every command
prints on standard error (it names this machine's path). Re-trim a rewritten example by hand if
it should show less. tests/test_docs.py runs every example.
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
SOURCES = [*sorted((REPO / "docs").glob("*.md")), REPO / "README.md"]
_BLOCK = re.compile(r"```(console|text)\n(\$ redress [^\n]*)\n(.*?)```", flags=re.S)
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class Example:
    path: Path
    line: int  # of the command
    command: str  # after "$ redress "
    shown: str  # the output as the page shows it
    span: tuple[int, int]  # of ``shown`` in the page's text

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"


def examples() -> list[Example]:
    out = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for m in _BLOCK.finditer(text):
            out.append(Example(path, text[: m.start(2)].count("\n") + 1, m.group(2)[len("$ redress "):], m.group(3),
                               m.span(3)))
    return out


def run(example: Example) -> str:
    """The command's output, run in the repository as the pages assume: stdout, then stderr."""
    import os

    from redress.frontends.cli import cli

    here = Path.cwd()
    os.chdir(REPO)
    try:
        result = CliRunner().invoke(cli, shlex.split(example.command))
    finally:
        os.chdir(here)
    stderr = [line for line in result.stderr.splitlines() if not line.startswith("rules: ")]
    return "\n".join([*result.stdout.rstrip("\n").split("\n"), *stderr]).strip("\n") + "\n"


def _pattern(line: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part.strip()) for part in _DIGEST.sub("sha256:…", line).split("...")))


def mismatch(example: Example, actual: str) -> str | None:
    """None if every shown line is in the actual output, in order; else the first one that is not."""
    lines = [_DIGEST.sub("sha256:…", line).strip() for line in actual.split("\n")]
    at = 0
    for shown in example.shown.rstrip("\n").split("\n"):
        if not shown.strip() or shown.strip() == "...":
            continue
        pattern = _pattern(shown.strip())
        while at < len(lines) and not pattern.fullmatch(lines[at]):
            at += 1
        if at == len(lines):
            return f"{example.where}: not printed (or not in this order): {shown.strip()!r}"
        at += 1
    return None


def main(argv: list[str]) -> int:
    write = "--write" in argv
    stale: dict[Path, list[tuple[Example, str]]] = {}
    for example in examples():
        actual = run(example)
        problem = mismatch(example, actual)
        if problem:
            print(problem)
            stale.setdefault(example.path, []).append((example, actual))
    if write:
        for path, items in stale.items():
            text = path.read_text(encoding="utf-8")
            for example, actual in sorted(items, key=lambda item: -item[0].span[0]):  # from the end: spans hold
                text = text[: example.span[0]] + actual + text[example.span[1]:]
            path.write_text(text, encoding="utf-8")
            print(f"rewrote {len(items)} example(s) in {path.relative_to(REPO)}")
    return 1 if stale and not write else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
