"""A new user's loop on a fresh copy of the checkout, installed with the README's own command:
the answer prints, and an edit to rules/ is what `check`, `ask`, `batch` and `serve` then use
(issue 17). Slow (a real venv and pip install, a few minutes at most under load) and bounded."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
INSTALL_TIMEOUT = 900


def _files() -> list[str]:
    """What a clone of this working tree holds: the tracked and the new, not the ignored."""
    if (REPO / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                                capture_output=True, text=True, check=True).stdout.split("\n")
        return [f for f in listed if f and (REPO / f).is_file()]
    skip = {".venv", ".git", "__pycache__", ".pytest_cache", ".mypy_cache", "site", "redress.egg-info"}
    return [str(p.relative_to(REPO)) for p in REPO.rglob("*") if p.is_file() and not skip & set(p.parts)]


def _quickstart() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Quickstart"):]
    return re.search(r"```sh\n(.*?)\n```", section, flags=re.S).group(1)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], subprocess.CompletedProcess[str]]:
    root = tmp_path_factory.mktemp("fresh") / "redress"
    for name in _files():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, root / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env["PIP_CACHE_DIR"] = os.environ.get("PIP_CACHE_DIR") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pip")
    env["XDG_CACHE_HOME"] = str(root.parent / "cache")  # a new user's empty compiled-KB cache
    first = subprocess.run(["bash", "-c", _quickstart()], cwd=root, env=env, capture_output=True, text=True,
                           timeout=INSTALL_TIMEOUT)
    return root, env, first


def _run(clone: tuple[Path, dict[str, str], object], *args: str) -> subprocess.CompletedProcess[str]:
    root, env, _ = clone
    return subprocess.run([str(root / ".venv" / "bin" / "redress"), *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_readme_quickstart_works_verbatim(clone: tuple[Path, dict[str, str], subprocess.CompletedProcess[str]]) -> None:
    root, _, first = clone
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.startswith("appealable: yes   (case example-refusal)")
    assert f"rules: {root}/rules/main.rules (sha256:" in first.stderr


def test_rule_edits_take_effect(clone: tuple[Path, dict[str, str], subprocess.CompletedProcess[str]]) -> None:
    root, _, first = clone
    assert first.returncode == 0, first.stderr
    appeals = root / "rules" / "appeals.rules"
    original = appeals.read_text(encoding="utf-8")
    try:
        appeals.write_text(original + "\nrule typo cites \"CFA 2014 s.51(1)\":\n    appealable(C) if decison_kind(C, x).\n",
                           encoding="utf-8")
        checked = _run(clone, "check")
        assert checked.returncode == 3, checked.stdout + checked.stderr
        # the checkout's file (named relative to it), not an installed copy in site-packages
        assert checked.stderr.startswith("rules/appeals.rules:") and "decison_kind" in checked.stderr
        assert "site-packages" not in checked.stdout + checked.stderr

        # the law changes: a refusal to assess is no longer appealable in itself
        fact = 'fact appealable_decision_kind(refuse_assessment, a) cites "CFA 2014 s.51(2)(a)".\n'
        assert fact in original
        appeals.write_text(original.replace(fact, ""), encoding="utf-8")
        assert _run(clone, "check").returncode == 0
        asked = _run(clone, "ask", "appealable", "--case", "examples/refusal-to-assess.json", "--json")
        answer = json.loads(asked.stdout)  # the rules line is on standard error: this is JSON
        assert answer["answer"] is False
        assert f"rules: {root}/rules/main.rules ({answer['rules_version']})" in asked.stderr
        out = root.parent / "answers.jsonl"
        batch = _run(clone, "batch", "examples/cases.jsonl", "--questions", "appealable", "--out", str(out))
        assert batch.returncode == 4 and f"rules: {root}/rules/main.rules" in batch.stderr  # line 2 is a bad case
        assert json.loads(out.read_text().splitlines()[0])["answer"] is False

        # serving needs the web extra, which the README's quickstart does not install
        env = clone[1]
        extra = subprocess.run([str(root / ".venv" / "bin" / "pip"), "install", "-q", "-e", ".[web]"], cwd=root,
                               env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        assert extra.returncode == 0, extra.stderr
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen([str(root / ".venv" / "bin" / "redress"), "serve", "--port", str(port)], cwd=root,
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                        health = json.loads(response.read())
                    break
                except OSError:
                    assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                    time.sleep(0.3)
            assert health["rules_version"] == answer["rules_version"]
        finally:
            server.terminate()
            _, err = server.communicate(timeout=30)
        assert f"rules: {root}/rules/main.rules ({answer['rules_version']})" in err
    finally:
        appeals.write_text(original, encoding="utf-8")
