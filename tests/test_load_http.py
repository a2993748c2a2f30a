"""``redress serve --workers 2`` as a real server on loopback, briefly under the load benchmark's
clients (benchmarks/load_http.py): several processes answer, with no errors, and every bad
request of issue 14 gets a 4xx JSON error without leaving a worker stuck."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import load_http  # noqa: E402


def test_serve_with_two_workers_answers_under_load_and_refuses_bad_requests(tmp_path: Path) -> None:
    bodies = load_http.ask_bodies(20, seed=3)
    port = load_http.free_port()
    proc = load_http.start_server(port, 2, tmp_path / "server.log")
    try:
        assert len(load_http._tree(proc.pid)) >= 3  # the supervisor and its two workers
        stats = load_http.Stats()
        asyncio.run(load_http.load(port, bodies, clients=8, seconds=3, max_requests=400, stats=stats,
                                   server_pid=proc.pid))
        bad = asyncio.run(load_http.bad_requests(port))
    finally:
        load_http.stop_server(proc)
    assert proc.poll() is not None
    assert stats.latencies and stats.errors == {}
    assert {name: result["ok"] for name, result in bad.items()} == {name: True for name in bad}, bad


def test_the_http_profile_runs(capsys: pytest.CaptureFixture[str]) -> None:
    # benchmarks/profile_http.py once imported a response class web.py no longer has: run it small
    import profile_http

    assert profile_http.main(["--cases", "5", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert "whole ASGI app" in out and "ask + JSON response" in out
