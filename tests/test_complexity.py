"""No function in the package is above cyclomatic complexity 20, as radon measures it (the
stricter of radon and ruff's C901): past that, a function holds more than one concern."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Class, Function

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIRS = ("app", "core", "law", "parser", "kb", "queries", "compiled", "reports", "frontends")
MAX_COMPLEXITY = 20


def _sources() -> list[Path]:
    return sorted(p for d in PACKAGE_DIRS if (ROOT / d).is_dir() for p in (ROOT / d).rglob("*.py"))


def test_sources_found() -> None:
    # a moved folder must not make the check below pass vacuously
    assert len(_sources()) > 20


def _functions(blocks: list[Function | Class]) -> list[Function]:
    """Every function in ``blocks``, nested ones too: cc_visit lists top-level functions, classes and
    their methods, but keeps closures and inner classes inside their parent (not in its score)."""
    found: list[Function] = []
    for block in blocks:
        if isinstance(block, Class):
            found += _functions([*block.methods, *block.inner_classes])
        else:
            found += [block, *_functions(block.closures)]
    return found


def test_no_function_above_complexity_limit() -> None:
    over = []
    for path in _sources():
        top = [b for b in cc_visit(path.read_text(encoding="utf-8")) if not (isinstance(b, Function) and b.is_method)]
        for block in _functions(top):
            if block.complexity > MAX_COMPLEXITY:
                over.append(f"{path.relative_to(ROOT)}:{block.lineno}:{block.fullname}:{block.complexity}")
    assert not over, f"{len(over)} functions above cyclomatic complexity {MAX_COMPLEXITY}:\n" + "\n".join(over)


def test_ruff_mccabe_agrees() -> None:
    # ruff's C901 reads max-complexity from pyproject.toml ([tool.ruff.lint.mccabe]): pinned here too
    dirs = [d for d in PACKAGE_DIRS if (ROOT / d).is_dir()]
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "C901", *dirs], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
