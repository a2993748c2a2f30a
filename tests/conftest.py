"""Session-wide test setup: the compiled-knowledge-base cache lives in a private temporary folder,
so the suite (and every CLI it starts, which inherits the environment) never reads or writes the
real user's cache.

``XDG_CACHE_HOME`` is set when this file is imported, before collection, so before any load,
even one a test module or the scenario plugin might make while being collected; the session
fixture below holds it there for the whole session and removes the folder at the end. A test that
wants a cache of its own sets ``XDG_CACHE_HOME`` itself (``monkeypatch.setenv``, undone after it).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

# Where the user's cache would have been, for the tests that check it is never the one used.
USER_CACHE_HOME = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
SESSION_CACHE_HOME = Path(tempfile.mkdtemp(prefix="redress-test-cache-"))
os.environ["XDG_CACHE_HOME"] = str(SESSION_CACHE_HOME)


@pytest.fixture(scope="session", autouse=True)
def kb_cache_home() -> Iterator[Path]:
    """The session's cache folder (``$XDG_CACHE_HOME``), for every test unless it sets its own."""
    os.environ["XDG_CACHE_HOME"] = str(SESSION_CACHE_HOME)
    yield SESSION_CACHE_HOME
    shutil.rmtree(SESSION_CACHE_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def user_cache_home() -> Path:
    """Where the user's cache would have been, had the suite not moved it."""
    return USER_CACHE_HOME
