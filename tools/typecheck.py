"""Type-check the package under its import names, ``redress.*``.

The source folders (app/, core/, kb/, parser/, queries/, rules/) are mapped onto ``redress.*`` by
``[tool.setuptools] package-dir`` in pyproject.toml, a mapping mypy cannot follow from the
command line: ``mypy app kb ...`` names the modules ``app.cli``, ``kb.ir`` and so on, and
every ``from redress... import`` becomes a missing import (``Any``). This script reads the
same mapping, hands mypy each file under its real module name, and otherwise behaves like
``mypy``: options come from ``[tool.mypy]`` in pyproject.toml, extra command-line options are
passed through, errors name the real files, and the exit status is 0 only when clean.

    python tools/typecheck.py [MYPY OPTIONS]
"""
from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

from mypy import build
from mypy.errors import CompileError
from mypy.main import process_options
from mypy.modulefinder import BuildSource

ROOT = Path(__file__).resolve().parent.parent


def package_sources(root: Path = ROOT) -> list[BuildSource]:
    """Every module setuptools installs, as (file relative to ``root``, ``redress.*`` name)."""
    setuptools = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    package_dir: dict[str, str] = setuptools["package-dir"]
    sources = []
    for package in setuptools["packages"]:
        # setuptools' rule: a package's folder is its own mapping, else its parent's plus its name
        parent, _, name = package.rpartition(".")
        folder = Path(package_dir[package]) if package in package_dir else Path(package_dir[parent]) / name
        for path in sorted((root / folder).glob("*.py")):
            module = package if path.stem == "__init__" else f"{package}.{path.stem}"
            sources.append(BuildSource(str(folder / path.name), module))
    return sources


def main(argv: list[str]) -> int:
    os.chdir(ROOT)  # the sources' paths, and so the errors' paths, are relative to the root
    _, options = process_options(["--config-file", str(ROOT / "pyproject.toml"), *argv],
                                 require_targets=False)
    try:
        result = build.build(package_sources(), options)
    except CompileError as err:
        print("\n".join(err.messages), file=sys.stderr)
        return 2
    errors = [line for line in result.errors if ": error:" in line]
    for line in result.errors:
        print(line)
    files = {line.split(":", 1)[0] for line in errors}
    checked = len(package_sources())
    if errors:
        print(f"Found {len(errors)} error{'s' * (len(errors) != 1)} in {len(files)} "
              f"file{'s' * (len(files) != 1)} (checked {checked} source files)")
        return 1
    print(f"Success: no issues found in {checked} source files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
