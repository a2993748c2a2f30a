"""One direction of imports: each layer imports only its own and lower layers.

Layers, lowest first: ``redress.core`` (errors, spans) < ``redress.law`` (dates, built-ins) <
``redress.parser`` < ``redress.kb`` < ``redress.queries`` (the engine of record) <
``redress.proof`` (proofs: search, cross-check, wording) < ``redress.compiled`` (SQL, numpy,
columnar I/O) < ``redress`` (app/: the Python API, batch, bench) < ``redress.reports`` <
``redress.frontends`` (CLI, HTTP, web pages, pytest plugin); a module is in the layer of its
longest matching prefix. ``redress.rules`` is data
(rule files, no code) that any layer may read. Every module's imports are read with ``ast``, those
inside functions and ``if TYPE_CHECKING:`` blocks too, and ``importlib.import_module("...")`` /
``__import__("...")`` calls with a literal name. Only the engine module imports pyDatalog.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LAYERS = ("redress.core", "redress.law", "redress.parser", "redress.kb", "redress.queries", "redress.proof",
          "redress.compiled", "redress", "redress.reports", "redress.frontends")
DATA = ("redress.rules",)
ENGINE = "redress.queries.engine"  # the one module that may import pyDatalog

# The backward imports the code still has, each named with why. Nothing else may join them; an
# entry that no longer occurs fails too, so the list only shrinks.
KNOWN_BACKWARD = {
    ("redress.__main__", "redress.frontends.cli"): "`python -m redress` runs the CLI: the package's own entry point",
}


def layer(module: str) -> int | None:
    """The layer of a redress module (its index in LAYERS, by the longest matching prefix), or
    None: not ours, or data."""
    if module in DATA or module.startswith(tuple(f"{d}." for d in DATA)):
        return None
    matches = [(len(prefix), number) for number, prefix in enumerate(LAYERS)
               if module == prefix or module.startswith(prefix + ".")]
    return max(matches)[1] if matches else None


def package_modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module setuptools installs, by its ``redress.*`` name (pyproject's package-dir)."""
    setuptools = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    package_dir: dict[str, str] = setuptools["package-dir"]
    modules = {}
    for package in setuptools["packages"]:
        parent, _, name = package.rpartition(".")
        folder = Path(package_dir[package]) if package in package_dir else Path(package_dir[parent]) / name
        for path in sorted((root / folder).glob("*.py")):
            modules[package if path.stem == "__init__" else f"{package}.{path.stem}"] = path
    return modules


@dataclass(frozen=True)
class Import:
    line: int
    target: str  # the absolute module name imported (for ``from a import b``: ``a.b``, which has a's layer)
    text: str  # the statement as written


def imports(source: str, module: str, is_package: bool = False) -> list[Import]:
    """Every import in a module's source, wherever it stands, with relative names made absolute."""
    found = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(node.lineno, alias.name, ast.unparse(node)) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[:len(parts) - (node.level - 1)])
                base = f"{anchor}.{base}" if base else anchor
            found += [Import(node.lineno, f"{base}.{alias.name}" if alias.name != "*" else base, ast.unparse(node))
                      for alias in node.names]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__")))):
            found.append(Import(node.lineno, node.args[0].value, ast.unparse(node)))
    return found


def _known(module: str, target: str, known: dict[tuple[str, str], str]) -> tuple[str, str] | None:
    return next((k for k in known if k[0] == module and (target == k[1] or target.startswith(k[1] + "."))), None)


def violations(source: str, module: str, file: str = "<source>", is_package: bool = False,
               known: dict[tuple[str, str], str] | None = None, seen: set[tuple[str, str]] | None = None) -> list[str]:
    """What in a module's source breaks the layering, each as ``file:line: module imports ...``;
    a backward import in ``known`` is not reported but added to ``seen``."""
    own = layer(module)
    found = []
    for imp in imports(source, module, is_package):
        target = layer(imp.target)
        if own is not None and target is not None and target > own:
            allowed = _known(module, imp.target, known or {})
            if allowed is not None:
                (seen if seen is not None else set()).add(allowed)
                continue
            found.append(f"{file}:{imp.line}: {module} ({LAYERS[own]}) imports {imp.target} "
                         f"({LAYERS[target]}, a higher layer): {imp.text}")
        if imp.target.split(".")[0] == "pyDatalog" and module != ENGINE:
            found.append(f"{file}:{imp.line}: {module} imports pyDatalog, which only {ENGINE} may: {imp.text}")
    return found


# ----------------------------------------------------------------------------- the package


def test_the_package_has_the_layers_it_is_checked_against() -> None:
    modules = package_modules()
    for prefix in LAYERS + DATA:
        assert any(m == prefix or m.startswith(prefix + ".") for m in modules), prefix
    assert ENGINE in modules
    assert len(modules) > 30  # the whole package, not an empty glob


def test_no_module_imports_a_higher_layer_and_only_the_engine_imports_pydatalog() -> None:
    found: list[str] = []
    seen: set[tuple[str, str]] = set()
    for module, path in package_modules().items():
        found += violations(path.read_text(encoding="utf-8"), module, str(path.relative_to(ROOT)),
                            path.name == "__init__.py", KNOWN_BACKWARD, seen)
    assert not found, "backward imports:\n" + "\n".join(found)
    assert seen == set(KNOWN_BACKWARD), f"no longer imported, drop from KNOWN_BACKWARD: {set(KNOWN_BACKWARD) - seen}"


def test_a_known_backward_import_is_excused_only_for_its_own_module_and_target() -> None:
    seen: set[tuple[str, str]] = set()
    assert violations("from redress.frontends.cli import main\n", "redress.__main__",
                      known=KNOWN_BACKWARD, seen=seen) == []
    assert seen == {("redress.__main__", "redress.frontends.cli")}
    assert len(violations("from redress.frontends.cli import main\n", "redress.api",
                          known=KNOWN_BACKWARD)) == 1
    assert len(violations("from redress.queries import engine\n", "redress.kb.checker", known=KNOWN_BACKWARD)) == 1


def test_the_engine_does_import_pydatalog() -> None:
    """The pyDatalog rule reads the imports it means to: the engine's own import is seen."""
    path = package_modules()[ENGINE]
    assert any(i.target.startswith("pyDatalog") for i in imports(path.read_text(encoding="utf-8"), ENGINE))


# ----------------------------------------------------------------------------- the checker itself


@pytest.mark.parametrize("module, source, line, expected", [
    ("redress.parser.parse", "from redress.api import load\n", 1, "redress.api.load"),
    ("redress.core.errors", "import os\nimport redress.parser.ast\n", 2, "redress.parser.ast"),
    ("redress.kb.compiler", "def f():\n    from redress.queries import engine\n", 2, "redress.queries.engine"),
    ("redress.kb.ir", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from redress import KnowledgeBase\n",
     3, "redress.KnowledgeBase"),
    ("redress.compiled.sqlgen", "from ..frontends import cli\n", 1, "redress.frontends.cli"),
    ("redress.batch", "from redress.reports import render\n", 1, "redress.reports.render"),
    ("redress.law.dates", "from redress.parser import ast\n", 1, "redress.parser.ast"),
    ("redress.parser.ast", "import importlib\n\nm = importlib.import_module('redress.kb.checker')\n", 3,
     "redress.kb.checker"),
])
def test_a_planted_backward_import_is_reported_with_its_module_line_and_text(module: str, source: str, line: int,
                                                                              expected: str) -> None:
    found = violations(source, module, "planted.py")
    assert len(found) == 1, found
    assert found[0].startswith(f"planted.py:{line}: {module} ("), found
    assert f" imports {expected} (" in found[0], found
    assert source.splitlines()[line - 1].strip().endswith(found[0].rsplit(": ", 1)[1]), found


def test_a_pydatalog_import_outside_the_engine_is_reported() -> None:
    source = textwrap.dedent("""\
        import os

        def run():
            from pyDatalog import pyDatalog
    """)
    found = violations(source, "redress.compiled.vector", "planted.py")
    assert found == ["planted.py:4: redress.compiled.vector imports pyDatalog, which only redress.queries.engine "
                     "may: from pyDatalog import pyDatalog"]
    assert violations(source, ENGINE) == []
    assert violations("import pyDatalog.pyParser\n", "redress.api") != []


def test_imports_within_a_layer_or_downward_and_of_the_rules_data_pass() -> None:
    assert violations("from redress.core.errors import Span\nfrom redress.parser import ast\n", "redress.kb.ir") == []
    assert violations("from . import dates\nfrom .builtins import x\nimport redress.rules\n",
                      "redress.compiled.sqlgen") == []
    assert violations("from redress.queries import engine\nfrom redress import errors\n", "redress.frontends.web") == []
    assert violations("from . import errors\n", "redress.core", is_package=True) == []


# ----------------------------------------------------------------------------- each stage imports alone


def test_a_stage_imports_without_the_api_pydatalog_or_duckdb() -> None:
    """``import redress.parser.ast`` (and the other stages' modules that do not need them) loads
    neither the API, nor pyDatalog, nor DuckDB: the root package imports the API lazily."""
    probe = textwrap.dedent("""\
        import sys
        import redress.parser.ast, redress.parser.parse, redress.kb.ir, redress.kb.compiler, redress.kb.checker
        import redress.core.errors, redress.errors
        heavy = ("pyDatalog", "redress.api", "duckdb", "numpy")
        print(sorted(m for m in sys.modules if m.split(".")[0] in heavy or m == "redress.api"))
        import redress
        assert "load" in dir(redress) and set(redress.__all__) <= set(dir(redress)), dir(redress)
        assert redress.RedressError is redress.errors.RedressError
        from redress import KnowledgeBase, load
        assert redress.load is load and "redress.api" in sys.modules and "pyDatalog" in sys.modules
    """)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout


def test_an_unknown_root_attribute_is_an_attribute_error() -> None:
    import redress

    with pytest.raises(AttributeError, match="no attribute 'no_such_thing'"):
        redress.no_such_thing  # noqa: B018
    assert not hasattr(redress, "__no_such_dunder__")
