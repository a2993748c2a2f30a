"""Bad requests are safe (issue 18 item 3, issue 14 item 4's bad requests): every one a 4xx in the
one JSON error shape, never a 500 nor a stuck worker; /batch loses no line whatever a case holds,
and streams an NDJSON body of any size within a memory bound."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import redress
from redress.frontends.web import create_app

NDJSON = {"content-type": "application/x-ndjson"}
JSON = {"content-type": "application/json"}
REFUSAL = {"id": "r", "as_of": "2025-02-01", "decision": {"kind": "refuse_assessment", "sent": "2025-01-10"}}
ERROR_KEYS = {"code", "message", "field"}


@pytest.fixture(scope="module")
def kb() -> redress.KnowledgeBase:
    return redress.load()


@pytest.fixture(scope="module")
def app(kb: redress.KnowledgeBase) -> FastAPI:
    return create_app(kb)


@pytest.fixture(scope="module")
def client(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def _error(response: httpx.Response) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == ERROR_KEYS, body
    assert len(response.content) < 2000, "the bad value is quoted cut short"
    return dict(body["error"])


def _ask(question: bytes, case: bytes) -> bytes:
    return b'{"question": ' + question + b', "case": ' + case + b"}"


BAD_ASKS = {
    "invalid JSON": (b"{not json", JSON),
    "wrong content type": (json.dumps({"question": "appealable", "case": REFUSAL}).encode(), {"content-type": "text/plain"}),
    "10 MB body": (b" " * 10_000_000, JSON),
    "10,000-deep nesting": (_ask(b'"appealable"', b'{"a": ' * 10_000 + b"1" + b"}" * 10_000), JSON),
    "10,000-deep list": (b"[" * 10_000 + b"]" * 10_000, JSON),
    "unknown question": (_ask(b'"appealible"', b"{}"), JSON),
    "lone surrogate question": (_ask(b'"\\ud800"', b"{}"), JSON),
    "lone surrogate case id": (_ask(b'"appealable"', b'{"id": "\\ud800"}'), JSON),
    "lone surrogate key": (_ask(b'"appealable"', b'{"decision": {"\\udfff": 1}}'), JSON),
    "lone surrogate value": (_ask(b'"appealable"', b'{"decision": {"kind": "\\ud800"}}'), JSON),
    "5,000-digit id": (_ask(b'"appealable"', b'{"id": ' + b"9" * 5000 + b"}"), JSON),
    "5,000-digit age": (_ask(b'"appealable"', b'{"person": {"age": ' + b"9" * 5000 + b"}}"), JSON),
    "1 MB string": (_ask(b'"appealable"', b'{"decision": {"kind": "' + b"x" * 1_000_000 + b'"}}'), JSON),
    "date past the calendar": (_ask(b'"appeal_deadline"', b'{"decision": {"kind": "refuse_assessment", '
                                                          b'"sent": "2100-12-31"}}'), JSON),
    "Content-Length: abc": (b"{}", {**JSON, "content-length": "abc"}),
}


@pytest.mark.parametrize("name", list(BAD_ASKS))
def test_every_bad_ask_is_a_4xx_json_error(client: TestClient, name: str) -> None:
    body, headers = BAD_ASKS[name]
    error = _error(client.post("/ask", content=body, headers=headers))
    if name.startswith("lone surrogate ") and name != "lone surrogate question":
        assert error["field"] is not None and error["field"].startswith("case")
    if name == "date past the calendar":
        assert error["field"] == "case.decision.sent"
    assert client.post("/ask", json={"question": "appealable", "case": REFUSAL}).json()["answer"] is True


def test_a_lone_surrogate_in_a_batch_loses_no_line(client: TestClient) -> None:
    body = b'{"cases": [{"id": "a"}, {"id": "\\ud800"}, {"id": "b"}], "questions": ["appealable", "routes"]}'
    response = client.post("/batch", content=body, headers=JSON)
    assert response.status_code == 200
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [(line["case_index"], line["question"]) for line in lines] == [
        (i, q) for i in range(3) for q in ("appealable", "routes")]
    assert [("error" in line) for line in lines] == [False, False, True, True, False, False]
    assert lines[2]["error"]["field"] == "case.id"


def test_an_ndjson_batch_answers_every_line_or_says_why(client: TestClient, kb: redress.KnowledgeBase) -> None:
    body = b"\n".join([json.dumps(REFUSAL).encode(), b"", b"{oops", b'{"id": "\xff"}', b"[" * 5000,
                       json.dumps({"decision": {"kind": "cease_plan"}}).encode(), b"x" * 2_000_000]) + b"\n"
    response = client.post("/batch?questions=appealable,appeal_deadline", content=body, headers=NDJSON)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [(line["case_index"], line["question"]) for line in lines] == [
        (i, q) for i in range(6) for q in ("appealable", "appeal_deadline")]
    assert lines[0]["answer"] == kb.ask("appealable", REFUSAL).to_dict()
    assert [("error" in line) for line in lines[::2]] == [False, True, True, True, False, True]
    assert "UTF-8" in lines[4]["error"]["message"] and "deep" in lines[6]["error"]["message"]
    assert "over" in lines[10]["error"]["message"]


@pytest.mark.parametrize("query, field", [("questions=appealible", "questions[0]"), ("questions=routes,%ED%A0%80", "questions[1]")])
def test_an_ndjson_batch_with_an_unknown_question_is_400(client: TestClient, query: str, field: str) -> None:
    assert _error(client.post(f"/batch?{query}", content=b"{}\n", headers=NDJSON))["field"] == field


def test_an_ndjson_batch_over_its_limit_is_413(kb: redress.KnowledgeBase) -> None:
    small = TestClient(create_app(kb, max_batch_bytes=10_000), raise_server_exceptions=False)
    assert _error(small.post("/batch", content=b"{}\n" * 5000, headers=NDJSON))["code"] == "payload_too_large"
    assert _error(small.post("/batch", content=b"{}\n", headers={**NDJSON, "content-length": "abc"}))["code"] == "bad_request"


def stream_realistic_cases(kb: redress.KnowledgeBase, n: int, max_body_bytes: int,
                           measure: bool = False) -> tuple[int, int, int]:
    """``n`` realistic cases as an NDJSON body past the JSON body limit, streamed through /batch:
    (body bytes, answer lines, peak bytes Python allocated while they streamed, if ``measure``)."""
    client = TestClient(create_app(kb, max_body_bytes=max_body_bytes), raise_server_exceptions=False)
    kinds = ["refuse_assessment", "plan_finalised", "cease_plan", "refuse_amend", "issue_plan"]
    cases = [{"id": f"case-{i:05d}", "as_of": "2025-06-01", "person": {"role": "parent", "age": 5 + i % 12},
              "decision": {"kind": kinds[i % 5], "sent": f"2025-0{1 + i % 5}-1{i % 10}"},
              "appeal": {"grounds": ["section_f", "section_i_named"][: 1 + i % 2]}} for i in range(n)]
    body = "".join(json.dumps(c) + "\n" for c in cases).encode()
    del cases
    count = peak = 0
    if measure:
        tracemalloc.start()
    try:
        with client.stream("POST", "/batch?questions=appealable", content=body, headers=NDJSON) as response:
            assert response.status_code == 200
            for line in response.iter_lines():
                if line:
                    assert "answer" in json.loads(line), line
                    count += 1
        if measure:
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return len(body), count, peak


def test_a_batch_past_the_body_limit_streams(kb: redress.KnowledgeBase) -> None:
    """1,000 cases (about 190 KB) past a 16 KiB body limit, one answer each. The memory figure
    for 10,000 cases past the default 1 MiB limit: `python tests/test_web_robust.py 10000`."""
    size, count, _ = stream_realistic_cases(kb, 1000, 16 * 1024)
    assert size > 8 * 16 * 1024 and count == 1000


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_request_the_server_cannot_parse_gets_the_json_error_shape(tmp_path: Path) -> None:
    """``Content-Length: abc`` never reaches the app: uvicorn answers it, as `redress serve` sets it up."""
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-c", f"from redress.frontends.web import serve; serve(port={port})"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.1)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"POST /ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}")
            raw = b""
            while chunk := sock.recv(65536):
                raw += chunk
        head, _, payload = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400") and b"application/json" in head.lower(), raw
        assert set(json.loads(payload)["error"]) == ERROR_KEYS
        assert httpx.post(f"http://127.0.0.1:{port}/ask", json={"question": "appealable", "case": REFUSAL},
                          timeout=10).json()["answer"] is True  # the worker is not stuck
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    start = time.perf_counter()
    size, count, peak = stream_realistic_cases(redress.load(), n, 1024 * 1024, measure=True)
    print(f"cases {n}, body {size / 1e6:.2f} MB, answer lines {count}, Python peak {peak / 1e6:.1f} MB, "
          f"{time.perf_counter() - start:.1f} s")
