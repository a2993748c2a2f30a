"""The web app's pages in process (TestClient): content negotiation, CSRF, escaping, errors on
the page and never a 500. The browser tests (tests/test_browser.py) drive the same pages."""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from starlette.requests import Request  # noqa: E402

import redress  # noqa: E402
from redress.frontends.web import create_app  # noqa: E402
from redress.frontends.webui import CSRF_COOKIE, wants_html  # noqa: E402

HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
REFUSAL = {"decision.kind": "refuse_assessment", "decision.sent": "2025-10-31",
           "mediation.certificate_issued": "2025-11-20"}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(redress.load())) as c:
        yield c


def _token(client: TestClient) -> str:
    client.get("/", headers=HTML)
    token = client.cookies.get(CSRF_COOKIE)
    assert token
    return str(token)


def _facts(facts: dict[str, Any]) -> str:
    return json.dumps(facts)


def _request(accept: str | None) -> Request:
    headers = [] if accept is None else [(b"accept", accept.encode())]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": b""})


def test_content_negotiation_prefers_json_unless_html_is_asked_for() -> None:
    assert wants_html(_request(HTML["accept"]))
    assert wants_html(_request("text/html"))
    for accept in (None, "*/*", "application/json", "application/json, text/html;q=0.5", "text/html;q=0"):
        assert not wants_html(_request(accept)), accept


def test_provisions_and_questions_answer_json_unchanged_and_html_to_a_browser(client: TestClient) -> None:
    for path in ("/provisions", "/provisions/CoP 11.13", "/questions"):
        as_json = client.get(path)
        assert as_json.headers["content-type"] == "application/json"
        page = client.get(path, headers=HTML)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert client.get("/provisions/CoP 11.13").json()["id"] == "CoP 11.13"
    page = client.get("/provisions/CoP 11.13", headers=HTML).text
    assert "<h1 class=\"heading-xl\">" in page and "Rules citing it" in page
    missing = client.get("/provisions/CoP 99.99", headers=HTML)
    assert missing.status_code == 404 and "Provision not found" in missing.text
    assert client.get("/provisions/CoP 99.99").json()["error"]["code"] == "unknown_provision"


def test_the_html_routes_stay_out_of_the_openapi_description(client: TestClient) -> None:
    paths = set(client.get("/openapi.json").json()["paths"])
    assert not any(p == "/" or p.startswith("/interview") for p in paths)
    assert {"/ask", "/batch", "/questions", "/provisions"} <= paths


def test_provision_search_by_paragraph(client: TestClient) -> None:
    found = client.get("/provisions", params={"q": "cop 11.13"}, headers=HTML, follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == "/provisions/CoP%2011.13"
    some = client.get("/provisions", params={"q": "s.51"}, headers=HTML).text
    assert ">CFA 2014 s.51(1)</a>" in some and ">CoP 11.13</a>" not in some


def test_every_user_value_is_escaped(client: TestClient) -> None:
    page = client.get("/provisions", params={"q": "<script>alert(1)</script>"}, headers=HTML).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    bad = client.get("/interview/routes/next", params={"facts": _facts({"<b>x</b>": 1})}, headers=HTML)
    assert bad.status_code == 400 and "<b>x</b>" not in bad.text
    assert "Content-Security-Policy" in bad.headers


def test_answers_need_the_csrf_token(client: TestClient) -> None:
    data = {"facts": "{}", "field": "decision.kind", "decision-kind": "cease_plan"}
    assert client.post("/interview/routes/answer", data=data).status_code == 403
    assert client.post("/interview/routes/answer", data={**data, "csrf": "forged"}).status_code == 403
    ok = client.post("/interview/routes/answer", data={**data, "csrf": _token(client)}, follow_redirects=False)
    assert ok.status_code == 303
    assert json.loads(re.search(r"facts=([^&]+)", ok.headers["location"]).group(1).replace("%22", '"')
                      .replace("%7B", "{").replace("%7D", "}").replace("%3A", ":").replace("%2C", ",")) == {
        "decision.kind": "cease_plan"}
    assert client.get("/interview/routes/answer").status_code == 405  # nothing changes on a GET


def test_a_wrong_answer_is_shown_on_its_page(client: TestClient) -> None:
    token = _token(client)
    data = {"csrf": token, "facts": _facts({"decision.kind": "refuse_assessment"}), "field": "decision.sent",
            "decision-sent-day": "31", "decision-sent-month": "2", "decision-sent-year": "2025"}
    page = client.post("/interview/routes/answer", data=data)
    assert page.status_code == 400
    assert "There is a problem" in page.text and "The date must be a real date" in page.text
    assert 'value="31"' in page.text  # what was typed is kept


def test_the_start_page_and_the_first_question(client: TestClient) -> None:
    start = client.get("/", headers=HTML).text
    assert "What can the family do?" in start and "London Borough of Camden" in start
    go = client.post("/interview/routes", data={"csrf": _token(client), "authority": "camden"},
                     follow_redirects=False)
    assert go.status_code == 303 and "camden" in go.headers["location"]
    first = client.get(go.headers["location"], headers=HTML).text
    assert "What did the local authority (or school) decide or do?" in first
    bad = client.post("/interview/routes", data={"csrf": _token(client), "authority": "atlantis"})
    assert bad.status_code == 400 and "Select the local authority" in bad.text


def test_result_page_downloads_and_print_view(client: TestClient) -> None:
    query = {"facts": _facts({"authority": "camden", **REFUSAL})}
    page = client.get("/interview/routes/result", params=query, headers=HTML).text
    assert "Yes — the family can appeal to the First-tier Tribunal (SEND)" in page
    assert "Friday 2 January 2026" in page and "<svg" in page and "Global Mediation" in page
    assert 'href="/provisions/HESC%20Rules%20r.12%283%29"' in page
    assert "Uncertain" in page and redress.load().rules_version in page
    record = client.get("/interview/routes/record.json", params={**query, "of": "appeal_deadline"})
    assert record.headers["content-disposition"].startswith("attachment")
    body = record.json()
    assert body["format"] == "redress-decision-record/1" and body["answer"]["answer"] == "2026-01-02"
    timeline = client.get("/interview/routes/timeline.svg", params=query)
    assert timeline.headers["content-type"] == "image/svg+xml" and "25 December to 1 January" in timeline.text
    printed = client.get("/interview/routes/result", params={**query, "print": "1"}, headers=HTML).text
    assert "Download or print" not in printed
    tags = re.findall(r"<details[^>]*>", printed)
    assert tags and all(re.search(r"\sopen[\s>]", t) for t in tags)  # every step shown on paper
    assert client.get("/interview/routes/record.json", params={**query, "of": "nonsense"}).status_code == 400


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(["decision.kind", "decision.sent", "appeal.grounds", "person.age", "authority",
                              "mediation.certificate_issued", "nonsense", ""]),
       values=st.dictionaries(st.sampled_from(["decision-kind", "decision-sent-day", "decision-sent-month",
                                               "decision-sent-year", "appeal-grounds", "person-age", "authority",
                                               "mediation-certificate-issued-which"]),
                              st.text(max_size=12)),
       facts=st.one_of(st.just("{}"), st.text(max_size=20), st.just(_facts(REFUSAL))))
def test_no_form_input_gives_a_500(client: TestClient, field: str, values: dict[str, str], facts: str) -> None:
    response = client.post("/interview/routes/answer",
                           data={"csrf": _token(client), "facts": facts, "field": field, **values},
                           follow_redirects=False)
    assert response.status_code in (303, 400), response.text[:300]


@pytest.mark.parametrize("path", ["/interview/routes/next?facts=%7Bnot json", "/interview/routes/ask/nonsense",
                                  "/interview/routes/result?facts=" + json.dumps({"decision.kind": "refuse"}),
                                  "/interview/nope/result", "/interview/routes/proof.svg?of=nonsense"])
def test_bad_links_are_error_pages_not_500s(client: TestClient, path: str) -> None:
    response = client.get(path, headers=HTML)
    assert response.status_code in (400, 404) and "<h1" in response.text


def test_api_docs_are_served_from_the_package(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "/docs-assets/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs-assets/swagger-ui.css").status_code == 200
