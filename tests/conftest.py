"""Session-wide test setup: the compiled-knowledge-base cache lives in a private temporary folder,
so the suite (and every CLI it starts, which inherits the environment) never reads or writes the
real user's cache."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

_CACHE_HOME = tempfile.mkdtemp(prefix="redress-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE_HOME
atexit.register(shutil.rmtree, _CACHE_HOME, ignore_errors=True)
