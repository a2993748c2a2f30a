"""The whole pipeline, once: parse -> (the authorities beside the rules) -> check -> compile.

``redress.load()`` builds a knowledge base with it and ``redress check`` reports on it, so the
command checks exactly what answers are given from: the same files, the same authorities and
the same ``rules_version``. A caller that only reads a cached knowledge base never imports this.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redress.kb import ir
from redress.kb.authorities import authority_module, service_details
from redress.kb.checker import Diagnostic, check
from redress.kb.compiler import compile_program
from redress.parser import ast
from redress.parser.parse import parse_program

__all__ = ["Build", "build", "rules_version"]


@dataclass(frozen=True)
class Build:
    """What the pipeline made of one entry file: ``program`` is None when the checker found errors."""

    entry: Path
    modules: tuple[ast.Module, ...]
    diagnostics: tuple[Diagnostic, ...]
    program: ir.Program | None
    rules_version: str
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: tuple[Path, ...] = ()  # every file and folder the build read (the cache's key)
    authorities: int = 0  # authority files read beside the rules

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "warning")


def rules_version(modules: tuple[ast.Module, ...]) -> str:
    """The digest of every source text (rule files and authority files), by file name."""
    h = hashlib.sha256()
    for module in sorted(modules, key=lambda m: Path(m.path).name + m.path):
        h.update(Path(module.path).name.encode())
        h.update(b"\0")
        h.update(module.text.encode())
        h.update(b"\0")
    return "sha256:" + h.hexdigest()


def build(entry: Path) -> Build:
    """Parse ``entry`` and what it includes, add the authorities folder beside it, check, and
    compile when the checker finds no error. A syntax error or a bad authority file raises
    (RedressSyntaxError, KnowledgeBaseError) with its file and line; check diagnostics are returned."""
    modules = parse_program(entry)
    sources = [Path(m.path).resolve() for m in modules]
    folder = entry.parent / "authorities"
    services: dict[str, dict[str, Any]] = {}
    sources.append(folder.resolve())  # the folder too: one added or removed is a change (kbcache)
    authorities = 0
    if folder.is_dir():  # local data beside the rules becomes cited facts, checked like rules
        modules += (authority_module(folder),)
        services = service_details(folder)
        files = sorted(p.resolve() for p in folder.glob("*.yaml"))
        sources += files
        authorities = len(files)
    diagnostics = tuple(check(modules))
    program = None if any(d.severity == "error" for d in diagnostics) else compile_program(modules)
    return Build(entry, modules, diagnostics, program, rules_version(modules), services, tuple(sources), authorities)
