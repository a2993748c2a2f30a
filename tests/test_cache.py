"""The compiled-knowledge-base cache runs no code it reads and trusts no file it did not write
(issue 18 item 1, issue 14 item 7)."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest

import redress
from redress import kbcache
from redress.api import default_rules_path

REFUSAL = {"as_of": "2025-02-01", "decision": {"kind": "refuse_assessment", "sent": "2025-01-10"}}


@pytest.fixture()
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("REDRESS_NO_CACHE", raising=False)
    return tmp_path / "redress"


def _planted(marker: Path) -> bytes:
    """A pickle that, if unpickled, creates ``marker``."""

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str, int]]:
            return os.open, (str(marker), os.O_CREAT | os.O_WRONLY)

    return pickle.dumps(Payload())


def _cache_path() -> Path:
    path = kbcache.cache_file(default_rules_path())
    assert path is not None
    return path


def _cache_names() -> list[str]:
    """Where this and the former (pickle) cache keep the bundled knowledge base."""
    import hashlib

    key = hashlib.sha256(str(default_rules_path().resolve()).encode()).hexdigest()[:32]
    return [f"kb-{key}.json", f"kb-{key}.pickle"]


def test_the_suite_never_touches_the_real_cache(kb_cache_home: Path, user_cache_home: Path) -> None:
    """tests/conftest.py points the cache at a temporary folder for the whole session."""
    assert Path(os.environ["XDG_CACHE_HOME"]) == kb_cache_home
    assert kb_cache_home.name.startswith("redress-test-cache-")
    path = _cache_path()
    assert path.is_relative_to(kb_cache_home)
    assert not path.is_relative_to(user_cache_home / "redress")
    redress.load()
    assert path.is_file()  # the bundled knowledge base's cache is written there, not in the user's


def test_the_code_key_covers_every_source_file_of_the_pipeline() -> None:
    """Every module of core, parser, kb and queries (and the root package, which builds and stores
    the cached object) and the grammar are hashed into the key."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    setuptools = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    hashed = {path.resolve() for _, path in kbcache.code_files()}
    for package in ("redress.core", "redress.law", "redress.parser", "redress.kb", "redress.queries", "redress"):
        folder = root / setuptools["package-dir"][package]
        expected = set(folder.glob("*.py")) | set(folder.glob("*.lark"))
        assert expected and {p.resolve() for p in expected} <= hashed, package
    assert root / "parser" / "grammar.lark" in hashed
    assert root / "law" / "builtins.py" in hashed and root / "core" / "errors.py" in hashed
    assert len({name for name, _ in kbcache.code_files()}) == len(kbcache.code_files())  # names are unique


def test_changing_any_one_source_file_changes_the_code_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = []
    for name, path in kbcache.code_files():
        copy = tmp_path / name.replace("/", "__")
        copy.write_bytes(path.read_bytes())
        files.append((name, copy))
    monkeypatch.setattr(kbcache, "code_files", lambda: files)
    before = kbcache.code_digest()
    assert before == kbcache.code_digest(files)
    seen = {before}
    for _, copy in files:
        original = copy.read_bytes()
        copy.write_bytes(original + b"\n")
        changed = kbcache.code_digest()
        assert changed not in seen, copy.name
        seen.add(changed)
        copy.write_bytes(original)
    assert kbcache.code_digest() == before
    files[0], files[1] = files[1], files[0]  # the same bytes under other names is other code
    assert kbcache.code_digest() != before


def test_a_cache_built_by_other_code_is_not_read(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    redress.load()
    path = _cache_path()
    assert kbcache.read_cache(path) is not None
    real = kbcache.code_files()
    changed = [*real[:-1], (real[-1][0] + "~", real[-1][1])]
    monkeypatch.setattr(kbcache, "code_files", lambda: changed)
    assert kbcache.read_cache(path) is None


def test_an_authority_file_added_beside_the_rules_makes_the_cache_stale(cache_home: Path, tmp_path: Path) -> None:
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(default_rules_path().parent, rules, ignore=shutil.ignore_patterns("__pycache__"))
    redress.load(rules / "main.rules")
    path = kbcache.cache_file(rules / "main.rules")
    assert path is not None and kbcache.read_cache(path) is not None
    yaml = sorted((rules / "authorities").glob("*.yaml"))[0]
    shutil.copy(yaml, rules / "authorities" / "zz-copy.yaml")
    assert kbcache.read_cache(path) is None  # the folder's listing is part of the key


def test_a_cached_load_answers_as_a_fresh_one(cache_home: Path) -> None:
    fresh = redress.load()
    files = list(cache_home.glob("kb-*"))
    assert len(files) == 1 and files[0].suffix == ".json"
    assert files[0].stat().st_mode & 0o777 == 0o600
    assert cache_home.stat().st_mode & 0o777 == 0o700
    assert kbcache.read_cache(files[0]) is not None
    cached = redress.load()
    assert cached.program == fresh.program and cached.modules == fresh.modules
    assert cached.rules_version == fresh.rules_version and cached.services == fresh.services
    assert cached.ask("appeal_deadline", REFUSAL).to_dict() == fresh.ask("appeal_deadline", REFUSAL).to_dict()


def test_a_planted_pickle_in_a_world_writable_folder_never_runs(cache_home: Path, tmp_path: Path) -> None:
    cache_home.mkdir(mode=0o777)
    os.chmod(cache_home, 0o777)  # an existing shared folder: the old code used it as it was
    marker = tmp_path / "ran"
    for name in _cache_names():
        (cache_home / name).write_bytes(_planted(marker))
    assert kbcache.cache_file(default_rules_path()) is None  # a folder others can write is not used
    kb = redress.load()
    assert not marker.exists()
    assert kb.ask("appealable", REFUSAL).answer is True


def test_a_pickle_in_the_private_folder_is_not_loaded_either(cache_home: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = _cache_path()
    path.write_bytes(_planted(marker))
    path.with_suffix(".pickle").write_bytes(_planted(marker))
    os.chmod(path, 0o600)
    assert redress.load().ask("appealable", REFUSAL).answer is True
    assert not marker.exists()
    assert kbcache.read_cache(path) is not None  # the rebuilt cache replaced it


def test_a_foreign_or_writable_cache_file_is_ignored(cache_home: Path) -> None:
    redress.load()
    path = _cache_path()
    os.chmod(path, 0o666)
    assert kbcache.read_cache(path) is None
    os.chmod(path, 0o600)
    link = path.with_name("kb-link.json")
    link.symlink_to(path)
    assert kbcache.read_cache(link) is None  # a symlink could point anywhere


def test_a_tampered_cache_naming_another_class_is_ignored(cache_home: Path, tmp_path: Path) -> None:
    """A stale cache (a class that no longer exists) or one naming something outside the allow-list."""
    redress.load()
    path = _cache_path()
    stored = json.loads(path.read_text(encoding="utf-8"))
    for name in ("ir.NoSuchClass", "os.system", "builtins.eval"):
        stored["kb"] = {"C": name, "f": ["echo planted"]}
        path.write_text(json.dumps(stored), encoding="utf-8")
        assert kbcache.read_cache(path) is None
        assert redress.load().ask("appealable", REFUSAL).answer is True


@pytest.mark.parametrize("content", [b"", b"{", b"\x80\x81 not json", b"[]", b'{"format": 1}',
                                     b"[" * 100_000, b'{"format":1,"code":"x","files":{},"kb":null}'])
def test_a_corrupt_cache_is_ignored(cache_home: Path, content: bytes) -> None:
    redress.load()
    path = _cache_path()
    path.write_bytes(content)
    assert kbcache.read_cache(path) is None
    assert redress.load().ask("appealable", REFUSAL).answer is True
    assert kbcache.read_cache(path) is not None


def test_a_stale_cache_is_rebuilt(cache_home: Path, tmp_path: Path) -> None:
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(default_rules_path().parent, rules, ignore=shutil.ignore_patterns("__pycache__"))
    first = redress.load(rules / "main.rules")
    main = rules / "main.rules"
    main.write_text(main.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    second = redress.load(rules / "main.rules")
    assert second.rules_version != first.rules_version
    path = kbcache.cache_file(rules / "main.rules")
    assert path is not None
    stored = json.loads(path.read_text(encoding="utf-8"))
    stored["code"] = "another version of redress"
    path.write_text(json.dumps(stored), encoding="utf-8")
    assert kbcache.read_cache(path) is None


def test_an_unreadable_cache_is_ignored(cache_home: Path) -> None:
    redress.load()
    path = _cache_path()
    path.unlink()
    path.mkdir()  # not a regular file
    assert kbcache.read_cache(path) is None
    assert redress.load().ask("appealable", REFUSAL).answer is True
