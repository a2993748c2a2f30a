"""``RedressError.to_dict()``: the one error shape the CLI's ``--json`` and the HTTP API emit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import redress
import redress.errors
from redress.frontends.cli import cli
from redress.core import errors
from redress.core.errors import (CalculationError, CaseValidationError, DataError, KnowledgeBaseError, NotEncodedError,
                                 QueryError, RedressCheckError, RedressError, RedressSyntaxError, Span)

SPAN = Span("main.rules", 3, 7, 3, 9)
CHECK_ERROR = '''provision "P 1":
    title "A provision"
end
input decision_sent(Case, Date) from decision.sent
    means "the decision in {Case} was sent on {Date}".
predicate late(Case)
    means "{Case} is late".
rule late cites "P 1":
    late(C) if decision_sent(C, S) and S >= "SI 2017/1306 reg 2".
question late answers yes_no late(C) means "whether it is late".
'''


@pytest.mark.parametrize("err, expected", [
    (RedressError("plain"), {"code": "redress_error", "message": "plain", "field": None}),
    (RedressSyntaxError("unexpected 'x'", SPAN, "  x\n  ^\n", ("a name",)),
     {"code": "syntax_error", "message": "unexpected 'x'", "field": None}),
    (CaseValidationError("malformed date", "decision.sent"),
     {"code": "invalid_case", "message": "malformed date", "field": "decision.sent"}),
    (CaseValidationError("not an object"), {"code": "invalid_case", "message": "not an object", "field": None}),
    (QueryError("unknown question 'q'"), {"code": "bad_question", "message": "unknown question 'q'", "field": "question"}),
    (NotEncodedError("not encoded yet"), {"code": "not_encoded", "message": "not encoded yet", "field": "question"}),
    (DataError("not a list", "camden.yaml", "contacts"),
     {"code": "data_error", "message": "not a list", "field": "contacts"}),
    (KnowledgeBaseError("two answers"), {"code": "knowledge_base_error", "message": "two answers", "field": None}),
    (CalculationError("beyond the calendar"),
     {"code": "calculation_error", "message": "beyond the calendar", "field": None}),
])
def test_to_dict_is_code_message_without_its_location_prefix_and_field(err: RedressError,
                                                                       expected: dict[str, Any]) -> None:
    assert err.to_dict() == expected
    assert list(err.to_dict()) == ["code", "message", "field"]  # the order the bytes show
    json.dumps(err.to_dict())


def test_a_check_errors_message_is_every_diagnostic() -> None:
    err = RedressCheckError(["a.rules:1:1: error: one", "a.rules:2:1: error: two"])
    assert err.to_dict() == {"code": "check_error", "message": "a.rules:1:1: error: one\na.rules:2:1: error: two",
                             "field": None}


def test_the_public_alias_is_the_base_module() -> None:
    for name in errors.__all__:
        assert getattr(redress.errors, name) is getattr(errors, name), name
    assert set(redress.errors.__all__) == set(errors.__all__)
    assert redress.CaseValidationError is CaseValidationError


def _cli(*args: str, input: str = "{}") -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args, "--case", "-"], input=input, catch_exceptions=False)
    return result.exit_code, result.stderr


def test_the_cli_prints_to_dict_under_error(tmp_path: Path) -> None:
    code, stderr = _cli("ask", "appealable", "--json", input='{"decision": {"sent": "2025-02-30"}}')
    assert code == 2
    assert stderr == json.dumps({"error": CaseValidationError("malformed date '2025-02-30'; expected YYYY-MM-DD",
                                                              "decision.sent").to_dict()}) + "\n"
    assert stderr == ('{"error": {"code": "invalid_case", "message": "malformed date \'2025-02-30\'; expected '
                      'YYYY-MM-DD", "field": "decision.sent"}}\n')
    (tmp_path / "main.rules").write_text("relation x(A\n")
    code, stderr = _cli("ask", "appealable", "--json", "--rules", str(tmp_path / "main.rules"))
    assert code == 3
    assert stderr == '{"error": {"code": "syntax_error", "message": "unexpected \'relation\'", "field": null}}\n'
    (tmp_path / "main.rules").write_text(CHECK_ERROR)
    code, stderr = _cli("ask", "late", "--json", "--rules", str(tmp_path / "main.rules"))
    with pytest.raises(RedressCheckError) as caught:
        redress.load(tmp_path / "main.rules", use_cache=False)
    assert code == 3
    assert stderr == json.dumps({"error": caught.value.to_dict()}) + "\n"
    assert json.loads(stderr)["error"]["code"] == "check_error"


def test_http_bodies_are_to_dict_with_the_field_located_in_the_request() -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from redress.frontends.web import create_app

    client = TestClient(create_app(redress.load()), raise_server_exceptions=False)
    response = client.post("/ask", json={"question": "appealable", "case": {"decision": {"sent": "2025-13-01"}}})
    assert response.status_code == 400
    expected = CaseValidationError("malformed date '2025-13-01'; expected YYYY-MM-DD", "decision.sent").to_dict()
    assert response.json() == {"error": {**expected, "field": "case.decision.sent"}}
    assert response.content == (b'{"error":{"code":"invalid_case","message":"malformed date \'2025-13-01\'; '
                                b'expected YYYY-MM-DD","field":"case.decision.sent"}}')
    response = client.post("/ask", json={"question": "nosuch", "case": {}})
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "bad_question" and body["field"] == "question"
    # a non-HTML client of the interview pages gets the same shape, the page's sentence as message
    response = client.get("/interview/appealable/next?facts=%7Bbad", headers={"accept": "application/json"})
    assert response.status_code == 400
    assert response.content == (b'{"error":{"code":"invalid_case","message":"the facts in this link are not valid '
                                b'JSON (facts). Start again from the first question.","field":"facts"}}')
