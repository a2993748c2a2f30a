"""The HTTP API (redress.frontends.web): in-process through TestClient, plus one real uvicorn server."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator, MutableMapping
from urllib.parse import quote

import pytest

pytest.importorskip("fastapi")
import httpx  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

import redress  # noqa: E402
from redress.errors import KnowledgeBaseError  # noqa: E402
from redress.kb.schema import CONTRACT_QUESTIONS  # noqa: E402
from redress.frontends.web import AnswerModel, BodyLimit, create_app  # noqa: E402

REFUSAL = {"id": "case-a", "as_of": "2025-02-01", "decision": {"kind": "refuse_assessment", "sent": "2025-01-10"}}
CAMDEN = {"id": "case-c", "as_of": "2025-06-01", "authority": "camden", "person": {"role": "parent", "age": 11},
          "decision": {"kind": "plan_amended", "sent": "2025-01-10"}, "appeal": {"grounds": ["section_f", "section_h2"]},
          "mediation": {"issues": ["education"]}}
ERROR_KEYS = {"code", "message", "field"}


@pytest.fixture(scope="module")
def kb() -> redress.KnowledgeBase:
    return redress.load()


@pytest.fixture(scope="module")
def app(kb: redress.KnowledgeBase) -> FastAPI:
    app: FastAPI = create_app(kb)
    return app


@pytest.fixture(scope="module")
def client(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def copy_kb(kb: redress.KnowledgeBase, **program_changes: Any) -> redress.KnowledgeBase:
    program = dataclasses.replace(kb.program, **program_changes)
    return redress.KnowledgeBase(program, kb.modules, kb.warnings, kb.rules_version, kb.services)


def assert_error_shape(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == ERROR_KEYS, body
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert error["field"] is None or isinstance(error["field"], str)
    assert "Traceback" not in response.text
    return dict(error)


# ---------------------------------------------------------------------- /ask


def test_ask_refusal_to_assess_is_appealable_and_is_the_python_answer(client: TestClient,
                                                                        kb: redress.KnowledgeBase) -> None:
    response = client.post("/ask", json={"question": "appealable", "case": REFUSAL})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["answer"] is True
    assert body["status"] == "determined"
    assert body == kb.ask("appealable", REFUSAL).to_dict()


def test_every_answer_matches_the_documented_answer_model(client: TestClient) -> None:
    # AnswerModel forbids extra keys: a field added to Answer.to_dict() but not to the model fails here.
    response = client.post("/batch", json={"cases": [REFUSAL, CAMDEN, {}], "questions": "all"})
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert len(lines) == 3 * len(CONTRACT_QUESTIONS)
    for line in lines:
        assert "answer" in line, line
        AnswerModel.model_validate(line["answer"])
    assert any(line["answer"].get("details") for line in lines)  # local_contacts for camden
    assert any(line["answer"].get("possible") for line in lines)  # a list that further facts could extend


# ---------------------------------------------------------------------- the one error shape

ERRORS = [
    # (method, path, request kwargs, status, code, field)
    ("POST", "/ask", {"content": b'{"question": "appealable", "case": {', "headers": {"content-type": "application/json"}},
     400, "invalid_json", None),
    ("POST", "/ask", {"json": {"question": "appealable", "case": {"decision": {"kind": "refuse"}}}},
     400, "invalid_case", "case.decision.kind"),
    ("POST", "/ask", {"json": {"question": "appealable", "case": {"decision": {"sent": "2025-13-01"}}}},
     400, "invalid_case", "case.decision.sent"),
    ("POST", "/ask", {"json": {"question": "appealable", "case": {"decision": {"knd": "cease_plan"}}}},
     400, "invalid_case", "case.decision.knd"),
    ("POST", "/ask", {"json": {"question": "appealable", "case": {"appeal": {"grounds": ["section_f", "x"]}}}},
     400, "invalid_case", "case.appeal.grounds[1]"),
    ("POST", "/ask", {"json": {"question": "appealable", "case": {"person": {"age": 17,
                                                                             "over_compulsory_school_age": False}}}},
     400, "invalid_case", "case.person.over_compulsory_school_age"),
    ("POST", "/ask", {"json": {"question": "apealable", "case": REFUSAL}}, 400, "bad_question", "question"),
    ("POST", "/ask", {"json": {"case": REFUSAL}}, 422, "validation_error", "question"),
    ("POST", "/ask", {"json": {"question": "appealable", "case": ["refuse_assessment"]}},
     422, "validation_error", "case"),
    ("POST", "/ask", {"json": {"question": "appealable", "case": REFUSAL, "as_of": "2025-01-01"}},
     422, "validation_error", "as_of"),
    ("POST", "/ask", {"content": b'{"question": "appealable", "case": {}}', "headers": {"content-type": "text/plain"}},
     415, "unsupported_media_type", None),
    ("POST", "/batch", {"json": {"cases": [REFUSAL], "questions": ["appealable", "apealable"]}},
     400, "bad_question", "questions[1]"),
    ("POST", "/batch", {"json": {"cases": REFUSAL}}, 422, "validation_error", "cases"),
    ("POST", "/batch", {"json": {"cases": [REFUSAL], "questions": "some"}}, 422, "validation_error", "questions"),
    ("POST", "/batch", {"content": b"[", "headers": {"content-type": "application/json"}}, 400, "invalid_json", None),
    ("GET", "/no-such-route", {}, 404, "not_found", None),
    ("GET", "/provisions/CoP 99.99", {}, 404, "unknown_provision", "provision_id"),
    ("GET", "/ask", {}, 405, "method_not_allowed", None),
    ("DELETE", "/provisions", {}, 405, "method_not_allowed", None),
]


@pytest.mark.parametrize("method, path, kwargs, status, code, field", ERRORS,
                         ids=[f"{e[0]} {e[1]} {e[4]} {e[5]}" for e in ERRORS])
def test_errors_have_one_shape_status_and_field(client: TestClient, method: str, path: str, kwargs: dict[str, Any],
                                                status: int, code: str, field: str | None) -> None:
    response = client.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    error = assert_error_shape(response)
    assert (error["code"], error["field"]) == (code, field)


def test_a_question_in_the_contract_but_not_encoded_is_400_not_encoded(kb: redress.KnowledgeBase) -> None:
    partial = copy_kb(kb, questions={k: v for k, v in kb.program.questions.items() if k != "routes"})
    client = TestClient(create_app(partial))
    response = client.post("/ask", json={"question": "routes", "case": REFUSAL})
    assert response.status_code == 400
    assert assert_error_shape(response) == {"code": "not_encoded", "field": "question",
                                            "message": response.json()["error"]["message"]}
    assert "routes" in response.json()["error"]["message"]
    batch = client.post("/batch", json={"cases": [REFUSAL], "questions": ["appealable", "routes"]})
    assert (batch.status_code, assert_error_shape(batch)["field"]) == (400, "questions[1]")
    listed = {row["name"]: row for row in client.get("/questions").json()}
    assert listed["routes"]["encoded"] is False and listed["routes"]["kind"] is None
    everything = client.post("/batch", json={"cases": [REFUSAL], "questions": "all"}).text.splitlines()
    assert "routes" not in {json.loads(line)["question"] for line in everything}


def test_internal_errors_are_500_in_the_one_shape_without_a_traceback(kb: redress.KnowledgeBase) -> None:
    broken = copy_kb(kb)
    real_ask = broken.ask

    def ask(question: str, case: Any) -> redress.Answer:
        if question == "appealable":
            raise RuntimeError("secret internals /home/x/app.py line 3")
        if question == "appellant":
            raise KnowledgeBaseError("the knowledge base gives 2 different answers to 'appellant'")
        return real_ask(question, case)

    setattr(broken, "ask", ask)  # an instance attribute shadows the method
    client = TestClient(create_app(broken), raise_server_exceptions=False)
    response = client.post("/ask", json={"question": "appealable", "case": REFUSAL})
    assert response.status_code == 500
    assert assert_error_shape(response) == {"code": "internal_error", "message": "internal server error", "field": None}
    assert "secret" not in response.text
    response = client.post("/ask", json={"question": "appellant", "case": REFUSAL})
    assert (response.status_code, assert_error_shape(response)["code"]) == (500, "knowledge_base_error")
    # once a batch has begun streaming, a failing line is reported and the rest still answered
    lines = [json.loads(line) for line in client.post("/batch", json={
        "cases": [REFUSAL], "questions": ["appealable", "appellant", "mediation_available"]}).text.splitlines()]
    assert [line.get("error", {}).get("code") for line in lines] == ["internal_error", "knowledge_base_error", None]
    assert lines[2]["answer"]["question"] == "mediation_available"
    assert "secret" not in json.dumps(lines)


def test_every_route_answers_its_4xx_in_the_one_shape(app: FastAPI, client: TestClient) -> None:
    checked = 0
    for route in app.routes:
        path_template: str = getattr(route, "path", "")
        path = re.sub(r"\{[^}]*\}", "no such thing", path_template)
        methods = getattr(route, "methods", None) or set()
        responses = [client.request("PATCH", path)]  # no route takes PATCH: 405
        if "POST" in methods:
            responses += [client.post(path, content=b"{", headers={"content-type": "application/json"}),
                          client.post(path, json=[]), client.post(path, content=b"x", headers={"content-type": "x/y"})]
        if "GET" in methods and "{" in path_template:
            responses.append(client.get(path))
        errors = [r for r in responses if 400 <= r.status_code < 500]
        assert errors, f"no 4xx for {path_template}"
        for response in errors:
            assert_error_shape(response)
            checked += 1
    assert checked >= len(app.routes)


# ---------------------------------------------------------------------- /batch


def test_batch_streams_one_line_per_case_and_question_in_order(client: TestClient, kb: redress.KnowledgeBase) -> None:
    bad = {"decision": {"kind": "refuse_assessment", "sent": "10/01/2025"}}
    cases = [REFUSAL, bad, CAMDEN]
    questions = ["appealable", "appeal_deadline"]
    response = client.post("/batch", json={"cases": cases, "questions": questions})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [(line["case_index"], line["question"]) for line in lines] == [(i, q) for i in range(3) for q in questions]
    for line in lines[:2] + lines[4:]:
        assert line["answer"] == kb.ask(line["question"], cases[line["case_index"]]).to_dict()
    for line in lines[2:4]:
        assert set(line) == {"case_index", "question", "error"}
        assert line["error"]["code"] == "invalid_case"
        assert line["error"]["field"] == "case.decision.sent"


def test_batch_sends_each_line_as_it_is_answered(app: FastAPI) -> None:
    """At the ASGI level: one body message per line, so the response is never built whole."""
    body = json.dumps({"cases": [REFUSAL, REFUSAL, REFUSAL], "questions": ["appealable", "appellant"]}).encode()
    sent: list[dict[str, Any]] = []

    async def run() -> None:
        requested = False

        async def receive() -> MutableMapping[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(30)
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(dict(message))

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
                 "path": "/batch", "raw_path": b"/batch", "root_path": "", "query_string": b"", "server": ("t", 80),
                 "client": ("t", 1), "headers": [(b"content-type", b"application/json"),
                                                 (b"content-length", str(len(body)).encode())]}
        await app(scope, receive, send)

    asyncio.run(run())
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    chunks = [m["body"] for m in sent[1:] if m["type"] == "http.response.body" and m.get("body")]
    assert len(chunks) == 6
    assert all(chunk.count(b"\n") == 1 and chunk.endswith(b"\n") for chunk in chunks)


# ---------------------------------------------------------------------- /questions, /provisions, /health


def test_questions_lists_every_contract_question(client: TestClient, kb: redress.KnowledgeBase) -> None:
    rows = client.get("/questions").json()
    assert [row["name"] for row in rows][:len(CONTRACT_QUESTIONS)] == list(CONTRACT_QUESTIONS)
    for row in rows:
        assert set(row) == {"name", "kind", "description", "encoded"}
        assert row["encoded"] == (row["name"] in kb.questions)
        if row["encoded"]:
            assert row["kind"] == kb.questions[row["name"]].kind


def test_provisions_lists_each_with_its_dates(client: TestClient, kb: redress.KnowledgeBase) -> None:
    rows = client.get("/provisions").json()
    assert [row["id"] for row in rows] == list(kb.provisions)
    assert all(set(row) == {"id", "title", "source", "in_force_from", "in_force_until", "caveats"} for row in rows)


def test_provision_lists_the_rules_citing_it_and_the_questions_resting_on_them(client: TestClient,
                                                                                kb: redress.KnowledgeBase) -> None:
    body = client.get("/provisions/CoP 11.13").json()
    assert body["id"] == "CoP 11.13" and "mediation" in body["text"]
    assert body["rules"] == [r.label for r in kb.program.rules if "CoP 11.13" in r.cites]
    assert body["rules"]
    assert "mediation_available" in body["questions"]
    assert "appeal_deadline" not in body["questions"]  # dependency, not "every question"


@pytest.mark.parametrize("path", ["/provisions/SI 2017/1306 reg 2", "/provisions/" + quote("SI 2017/1306 reg 2", safe=""),
                                  "/provisions/SI%202017/1306%20reg%202"])
def test_provision_ids_with_slashes_and_spaces(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == "SI 2017/1306 reg 2"
    assert "recommendations_available" in body["questions"]


def test_every_listed_provision_can_be_fetched_by_its_id(client: TestClient, kb: redress.KnowledgeBase) -> None:
    for pid in kb.provisions:
        response = client.get("/provisions/" + quote(pid, safe=""))
        assert (response.status_code, response.json()["id"]) == (200, pid)


def test_health(client: TestClient, kb: redress.KnowledgeBase) -> None:
    assert client.get("/health").json() == {"status": "ok", "rules_version": kb.rules_version}


def test_openapi_documents_ask_with_its_request_answer_and_error_shapes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ask = spec["paths"]["/ask"]["post"]
    assert ask["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/AskRequest"}
    schemas = spec["components"]["schemas"]
    assert set(schemas["AskRequest"]["required"]) == {"question", "case"}
    assert schemas["AskRequest"]["examples"]
    assert ask["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/AnswerModel"}
    for status in ("400", "422"):
        assert ask["responses"][status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorResponse"}
    assert {"question", "case", "status", "answer", "citations", "explanation", "missing",
            "rules_version"} <= set(schemas["AnswerModel"]["required"])
    because = schemas["ProofNodeModel"]["properties"]["because"]
    assert because["items"] == {"$ref": "#/components/schemas/ProofNodeModel"}  # the tree is recursive
    assert "application/x-ndjson" in spec["paths"]["/batch"]["post"]["responses"]["200"]["content"]
    assert "HTTPValidationError" not in schemas  # FastAPI's own 422 shape is never what we send


# ---------------------------------------------------------------------- body limit


def test_a_body_over_the_limit_is_413(kb: redress.KnowledgeBase) -> None:
    client = TestClient(create_app(kb, max_body_bytes=300))
    small = client.post("/ask", json={"question": "appealable", "case": REFUSAL})
    assert small.status_code == 200
    big = {"question": "appealable", "case": {**REFUSAL, "id": "x" * 400}}
    response = client.post("/ask", json=big)  # Content-Length says so
    assert response.status_code == 413
    assert assert_error_shape(response)["code"] == "payload_too_large"

    def chunks() -> Iterator[bytes]:  # chunked: no Content-Length, the bytes themselves count
        yield json.dumps(big).encode()

    response = client.post("/ask", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert_error_shape(response)


def test_the_body_limit_reads_content_length_and_counts_streamed_chunks() -> None:
    reached: list[bytes] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover - must not be reached
        reached.append((await receive())["body"])

    async def run(pieces: list[bytes], declared: int | None) -> list[dict[str, Any]]:
        queue = [{"type": "http.request", "body": p, "more_body": i < len(pieces) - 1} for i, p in enumerate(pieces)]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return queue.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        headers = [] if declared is None else [(b"content-length", str(declared).encode())]
        await BodyLimit(app, 250)({"type": "http", "headers": headers}, receive, send)
        return sent

    sent = asyncio.run(run([b"x" * 100], 1000))  # refused on the header, before reading
    assert sent[0]["status"] == 413 and not reached
    sent = asyncio.run(run([b"x" * 100] * 3, None))
    assert sent[0]["status"] == 413 and not reached
    sent = asyncio.run(run([b"x" * 100] * 3, 100))  # a Content-Length that lies is no way round it
    assert sent[0]["status"] == 413 and not reached
    assert json.loads(sent[1]["body"])["error"]["code"] == "payload_too_large"
    asyncio.run(run([b"x" * 100, b"y" * 100], None))
    assert reached == [b"x" * 100 + b"y" * 100]  # under the limit: the whole body, in one piece


# ---------------------------------------------------------------------- one real server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_real_uvicorn_server_answers(kb: redress.KnowledgeBase, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "redress.frontends.web:app_factory", "--factory",
                             "--port", str(port), "--host", "127.0.0.1"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server not up in 20 s:\n" + (tmp_path / "server.log").read_text()
            time.sleep(0.1)
        response = httpx.post(f"{base}/ask", json={"question": "appealable", "case": REFUSAL}, timeout=10)
        assert response.status_code == 200
        assert response.json()["answer"] is True
        assert response.json() == kb.ask("appealable", REFUSAL).to_dict()
        # over the wire: an encoded slash in a provision id, and a chunked NDJSON stream
        provision = httpx.get(f"{base}/provisions/{quote('SI 2017/1306 reg 2', safe='')}", timeout=10)
        assert provision.json()["id"] == "SI 2017/1306 reg 2"
        with httpx.stream("POST", f"{base}/batch", json={"cases": [REFUSAL, 7], "questions": ["appealable"]},
                          timeout=10) as stream:
            assert stream.headers.get("transfer-encoding") == "chunked"
            lines = [json.loads(line) for line in stream.iter_lines() if line]
        assert [sorted(line) for line in lines] == [["answer", "case_index", "question"],
                                                    ["case_index", "error", "question"]]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_a_warmed_server_keeps_what_lives_as_long_as_it_out_of_the_collector(kb: redress.KnowledgeBase) -> None:
    """warm() ends by freezing the objects alive then (the rules, engines, calendars): a full
    collection in the middle of a request no longer walks them (p99 under load 155-177 ms
    before, 92-97 ms after, benchmarks/load_http.py)."""
    import gc

    from redress.frontends.web import warm

    gc.unfreeze()
    try:
        warm(kb)
        assert gc.get_freeze_count() > 0
        assert kb.ask("appealable", REFUSAL).answer is True  # still answers once frozen
    finally:
        gc.unfreeze()
