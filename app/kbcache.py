"""The compiled-knowledge-base cache: JSON that can only rebuild the pipeline's own data classes.

A cached load must never run code it reads, and never trust a file someone else could have
written. So the cache is not a pickle: it is JSON whose objects name one of an allow-list of
frozen dataclasses (the AST, the IR, spans and diagnostics), rebuilt by calling their generated
constructors, which only store fields. And it is read only from a folder and a file owned by the
user and writable by no one else; anything else (missing, unreadable, foreign, corrupt, stale, or
from another version of the code) is ignored and the knowledge base is built afresh.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import importlib
import importlib.util
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any, Callable

from redress.core.errors import Span
from redress.kb import ir
from redress.parser import ast

__all__ = ["cache_file", "read_cache", "write_cache", "code_digest", "code_files", "CODE_PACKAGES"]

FORMAT = 1


# Imported only when a cache holds one: a cached load runs no checker, so need not import it.
_LAZY = {"Diagnostic": ("redress.kb.checker", "Diagnostic")}


def _classes() -> dict[str, type]:
    found: dict[str, type] = {"Span": Span}
    for prefix, module in (("ir", ir), ("ast", ast)):
        for name, value in vars(module).items():
            if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__:
                found[f"{prefix}.{name}"] = value
    return found


_CLASSES = _classes()
_NAMES = {cls: name for name, cls in _CLASSES.items()}


def _class(name: str) -> Callable[..., Any]:
    """An allowed class by its cache name; KeyError for any other name."""
    if name not in _CLASSES and name in _LAZY:
        module, attr = _LAZY[name]
        cls = getattr(importlib.import_module(module), attr)
        _CLASSES[name], _NAMES[cls] = cls, name
    return _CLASSES[name]


def _encode(value: Any) -> Any:
    """Plain JSON for str, int, float, bool, None and tuples; tagged objects for the rest."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    if isinstance(value, list):
        return {"L": [_encode(v) for v in value]}
    if isinstance(value, dict):
        return {"M": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return {"d": value.isoformat()}
    name = _NAMES.get(type(value))
    if name is None:
        raise TypeError(f"the cache cannot hold a {type(value).__name__}")
    return {"C": name, "f": [_encode(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init]}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if not isinstance(value, dict):
        return value
    if "C" in value:
        return _class(value["C"])(*(_decode(v) for v in value["f"]))  # KeyError: not one of ours
    if "L" in value:
        return [_decode(v) for v in value["L"]]
    if "M" in value:
        return {_decode(k): _decode(v) for k, v in value["M"]}
    if "d" in value:
        return _dt.date.fromisoformat(value["d"])
    raise ValueError("unknown tag in the cache")


def _private(st: os.stat_result, folder: bool) -> bool:
    """Owned by this user, writable by no one else (and, for the file, a regular file)."""
    kind_ok = stat.S_ISDIR(st.st_mode) if folder else stat.S_ISREG(st.st_mode)
    return kind_ok and st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def cache_file(entry: Path) -> Path | None:
    """The cache file for an entry rule file, in ``$XDG_CACHE_HOME/redress`` (created 0700), or
    None when that folder cannot be made or is not private to this user."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "redress"
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _private(os.lstat(base), folder=True):
            return None
    except OSError:
        return None
    key = hashlib.sha256(str(entry.resolve()).encode()).hexdigest()[:32]
    return base / f"kb-{key}.json"


# The packages whose code shapes the cached object: the AST and spans (core, parser), the checker's
# diagnostics, the IR and the authorities' services (kb, which reads the built-ins' signatures and
# the calendar's bounds from law), and how it is built and stored (the root package: api, kbcache).
CODE_PACKAGES = ("redress.core", "redress.law", "redress.parser", "redress.kb", "redress.queries", "redress")


def code_files() -> list[tuple[str, Path]]:
    """Every source file of ``CODE_PACKAGES`` (``*.py`` and the grammar), named package/file."""
    files = []
    for package in CODE_PACKAGES:
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.submodule_search_locations is not None, package
        for folder in map(Path, spec.submodule_search_locations):
            for path in sorted(folder.glob("*.py")) + sorted(folder.glob("*.lark")):
                files.append((f"{package}/{path.name}", path))
    return files


def code_digest(files: list[tuple[str, Path]] | None = None) -> str:
    """What the cached object depends on besides the rule files: the pipeline's own code
    (``code_files()``, each file's name and bytes) and the Python version."""
    h = hashlib.sha256(sys.version.encode())
    for name, path in code_files() if files is None else files:
        h.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _fingerprint(path: Path) -> str:
    """A source's hash; a folder's is its listing's (a file added beside the rules is a change),
    and a missing one's a marker (a folder created later is a change)."""
    if path.is_dir():
        return "dir:" + hashlib.sha256("\0".join(sorted(p.name for p in path.iterdir())).encode()).hexdigest()
    if not path.exists():
        return "absent"
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _file_hashes(paths: list[Path]) -> dict[str, str]:
    return {str(p): _fingerprint(p) for p in paths}


def read_cache(cache: Path) -> dict[str, Any] | None:
    """The stored knowledge base's fields (``program``, ``modules``, ``warnings``,
    ``rules_version``, ``services``), or None for a cache that is absent, not private to this
    user, unreadable, corrupt, or built from other files or other code."""
    try:
        fd = os.open(cache, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            if not _private(os.fstat(f.fileno()), folder=False):
                return None
            stored = json.loads(f.read())
        if stored["format"] != FORMAT or stored["code"] != code_digest():
            return None
        if _file_hashes([Path(p) for p in stored["files"]]) != stored["files"]:
            return None
        fields = _decode(stored["kb"])
        if not isinstance(fields, dict) or not isinstance(fields.get("program"), ir.Program):
            return None
        return fields
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
        return None  # json's errors are ValueErrors; a bad shape fails a lookup or a constructor


def write_cache(cache: Path, fields: dict[str, Any], sources: list[Path]) -> None:
    """Store a knowledge base's fields atomically, readable and writable by this user only."""
    tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    try:
        for name in _LAZY:
            _class(name)
        text = json.dumps({"format": FORMAT, "code": code_digest(), "files": _file_hashes(sources),
                           "kb": _encode(fields)}, ensure_ascii=False, separators=(",", ":"))
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, cache)
    except (OSError, TypeError, ValueError, RecursionError):
        tmp.unlink(missing_ok=True)  # a cache that cannot be written only costs the next load its time
