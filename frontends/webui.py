"""The policy officers' web app: server-rendered pages beside the JSON API (``redress serve``).

Plain HTML forms in the style of the GOV.UK Design System, which work without JavaScript. Every
answer comes from the public Python API (``kb.ask_many`` through :mod:`redress.interview`,
``Answer.to_dict()``); these pages only lay it out.

The facts given so far travel in the URL (``?facts={"decision.kind": "refuse_assessment"}``), so
every page is a plain GET that changes nothing on the server, can be bookmarked, and "back"
is a link. Answers are sent by POST with a CSRF token (a random value in a SameSite=Strict
cookie that the form must repeat); a wrong answer is shown on its page with the field's error.

Pages: ``/`` (start: "What can the family do?"), ``/interview/{question}`` (the start of any
question's interview), ``.../next`` and ``.../ask/{field}`` (one question), ``.../result``
(with ``?print=1``), downloads ``.../record.json``, ``.../proof.svg`` and ``.../timeline.svg``;
``/provisions``, ``/provisions/{id}`` and ``/questions`` answer HTML to a browser (see
:func:`wants_html`).
"""

from __future__ import annotations

import datetime as _dt
import hmac
import json
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from redress import interview as iv
from redress.api import KnowledgeBase
from redress.core.errors import CaseValidationError, RedressError
from redress.reports.export import answer_svg
from redress.reports.graph import citation_graph, coverage, impact
from redress.kb.schema import AUTHORITIES, FIELDS
from redress.reports.records import _rule_sources, make_record
from redress.reports.timeline import Event, timeline_svg

__all__ = ["install", "wants_html", "WebUI"]

log = logging.getLogger("redress.frontends.webui")

CSRF_COOKIE = "redress_csrf"
_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 500: "internal_error", 503: "unavailable"}
_STATUS_WORDS = {"true": "Yes", "false": "No", "unknown": "Not known"}
_ISO = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_RULE = re.compile(r"\brule '([a-z0-9_]+)'")
# Vocabulary identifiers (they all contain "_") written as their plain-English labels in proofs.
_VOCAB = {v: o.label for f in FIELDS if f != "id" for o in iv.prompt(f).options for v in [o.value] if "_" in v}
_VOCAB.update(iv.ROUTE_NAMES)
_IDENT = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _VOCAB), key=len, reverse=True)) + r")\b")

# The timeline's steps: the facts that start the clocks, and the deadlines the knowledge base answers.
_FACT_EVENTS = (("decision.sent", "Decision sent"), ("mediation.adviser_contacted", "Adviser contacted"),
                ("mediation.requested", "Mediation asked for"), ("mediation.certificate_issued", "Certificate issued"),
                ("mediation.concluded", "Mediation ended"), ("recommendation.issued", "Recommendation made"))
_DEADLINE_EVENTS = {"adviser_contact_deadline": "Contact the adviser by", "certificate_due": "Certificate due",
                    "mediation_deadline": "Mediation by", "appeal_deadline": "Appeal deadline",
                    "recommendation_response_due": "Response due"}

def wants_html(request: Request) -> bool:
    """Whether the client prefers HTML to JSON (a browser): ``text/html`` is acceptable and
    weighted at least as high as ``application/json``. API clients (``*/*``, JSON) get JSON."""
    weights: dict[str, float] = {}
    for part in request.headers.get("accept", "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        weights[media.lower()] = max(q, weights.get(media.lower(), 0.0))
    html = weights.get("text/html", 0.0)
    return html > 0 and html >= weights.get("application/json", 0.0)


def _plain(text: str) -> str:
    """A proof conclusion for a reader: dates written out, vocabulary identifiers as their labels."""
    text = _ISO.sub(lambda m: iv.long_date(m.group(1)), text)
    text = _RULE.sub(lambda m: f"the rule “{m.group(1).replace('_', ' ')}”", text)
    return _IDENT.sub(lambda m: f"“{_VOCAB[m.group(1)][:1].lower()}{_VOCAB[m.group(1)][1:]}”", text)


def _provision_url(pid: str) -> str:
    return "/provisions/" + quote(pid, safe="/")


@dataclass
class Page:
    """What a template needs about the interview in progress."""

    question: str
    title: str
    facts: dict[str, Any]

    @property
    def json(self) -> str:
        return json.dumps(self.facts, separators=(",", ":"))

    def link(self, tail: str = "next", **extra: Any) -> str:
        query = {"facts": self.json} if self.facts else {}
        query.update({k: v for k, v in extra.items() if v is not None})
        return f"/interview/{self.question}/{tail}" + ("?" + urlencode(query) if query else "")


class WebUI:
    """The pages over one knowledge base."""

    def __init__(self, kb: KnowledgeBase, questions: list[dict[str, Any]]):
        self.kb = kb
        self.question_rows = questions
        self.env = Environment(loader=PackageLoader("redress.frontends", "templates"), autoescape=select_autoescape(["html"]),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(rules_version=kb.rules_version, provision_url=_provision_url, plain=_plain,
                                long_date=iv.long_date, display_value=iv.display_value, route_names=iv.ROUTE_NAMES,
                                is_provision=lambda pid: pid in kb.provisions,
                                status_words=_STATUS_WORDS)
        self._interviews: dict[str, iv.Interview] = {}
        self._coverage: tuple[Any, Any] | None = None
        self._sources: dict[str, str] | None = None

    # ------------------------------------------------------------------ helpers
    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        token = request.cookies.get(CSRF_COOKIE) or ""
        if not re.fullmatch(r"[A-Za-z0-9_-]{32,64}", token):
            token = secrets.token_urlsafe(32)
        html = self.env.get_template(template).render(csrf=token, **context)
        response = HTMLResponse(html, status_code=status)
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")
        response.headers["Content-Security-Policy"] = ("default-src 'self'; img-src 'self' data:; "
                                                       "style-src 'self'; frame-ancestors 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    def error(self, request: Request, status: int, heading: str, message: str, code: str | None = None,
              field: str | None = None, err: RedressError | None = None) -> Response:
        """An error page; to a client that does not ask for HTML, the API's one error shape (for a
        RedressError ``err``, its ``to_dict()`` with the page's ``message``)."""
        if not wants_html(request):
            body = ({**err.to_dict(), "message": message} if err is not None else
                    {"code": code or _CODES.get(status, "http_error"), "message": message, "field": field})
            return JSONResponse({"error": body}, status_code=status)
        return self.render(request, "error.html", status, heading=heading, message=message)

    def expired(self, request: Request) -> Response:
        return self.error(request, 403, "Your session has expired",
                          "The form could not be checked (its security token did not match). "
                          "Go back, reload the page and try again.", "csrf_failed", "csrf")

    def interview(self, question: str) -> iv.Interview:
        if question not in self._interviews:
            self._interviews[question] = iv.Interview(self.kb, question)
        return self._interviews[question]

    def title(self, question: str) -> str:
        return self.interview(question).title

    def _facts(self, request: Request) -> dict[str, Any]:
        raw = request.query_params.get("facts")
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            raise CaseValidationError("the facts in this link are not valid JSON", "facts") from None
        return iv.check_facts(data)

    def _guard(self, request: Request, question: str,
               body: Callable[[iv.Interview, dict[str, Any]], Response]) -> Response:
        """Run a page: an unknown question is a 404 page, bad facts a 400 page; never a bare 500."""
        if question not in self.kb.questions:
            return self.error(request, 404, "Page not found", f"There is no interview for '{question}'.")
        try:
            return body(self.interview(question), self._facts(request))
        except RedressError as err:
            shape = err.to_dict()
            where = f" ({shape['field']})" if shape["field"] else ""
            return self.error(request, 400, "There is a problem with these facts",
                              f"{shape['message']}{where}. Start again from the first question.", err=err)
        except Exception:
            log.exception("internal error on %s", request.url.path)
            return self.error(request, 500, "Sorry, there is a problem with the service", "Try again later.")

    def _summary(self, page: Page) -> list[dict[str, str]]:
        rows = []
        for field, value in page.facts.items():
            label = iv.prompt(field).question if field != "authority" else "Local authority"
            rows.append({"field": field, "label": label, "value": iv.display_value(field, value),
                         "change": page.link(f"ask/{field}")})
        return rows

    # ------------------------------------------------------------------ interview pages
    def start(self, request: Request, question: str) -> Response:
        def body(interview: iv.Interview, facts: dict[str, Any]) -> Response:
            page = Page(question, self.title(question), facts)
            return self.render(request, "start.html", page=page, family=question == iv.FAMILY,
                               authorities=[(a, iv.AUTHORITY_NAMES[a]) for a in AUTHORITIES],
                               description=self.kb.questions[question].description)
        return self._guard(request, question, body)

    def next(self, request: Request, question: str) -> Response:
        def body(interview: iv.Interview, facts: dict[str, Any]) -> Response:
            answers = interview.answers(facts)
            field = interview.next_field(facts, answers)
            page = Page(question, self.title(question), facts)
            if field is None:
                return RedirectResponse(page.link("result"), status_code=303)
            return self._question(request, interview, page, field, answers, {}, None)
        return self._guard(request, question, body)

    def ask(self, request: Request, question: str, field: str) -> Response:
        def body(interview: iv.Interview, facts: dict[str, Any]) -> Response:
            if field not in FIELDS or field == "id":
                return self.error(request, 404, "Page not found", f"There is no question about '{field}'.")
            page = Page(question, self.title(question), facts)
            return self._question(request, interview, page, field, interview.answers(facts), {}, None)
        return self._guard(request, question, body)

    def _question(self, request: Request, interview: iv.Interview, page: Page, field: str,
                  answers: Mapping[str, Mapping[str, Any]], entered: Mapping[str, Any], error: str | None,
                  status: int = 200) -> HTMLResponse:
        p = iv.prompt(field)
        order = list(page.facts)
        if field in page.facts:
            before = order[:order.index(field)]
            back = page.link(f"ask/{before[-1]}") if before else page.link("start")
        else:
            back = page.link(f"ask/{order[-1]}") if order else page.link("start")
        checked, parts, text = _prefill(p, entered, page.facts)
        reasons = [{"id": pid, "title": self.kb.provisions[pid].title, "quote": interview.help_quote(pid)}
                   for pid in interview.reasons(field, answers)]
        settled = [(name, *iv.sentence(name, a)) for name, a in answers.items() if name in interview.questions
                   and a["status"] == "determined" and a["answer"] != []]  # an empty list says nothing yet
        return self.render(request, "question.html", status, page=page, prompt=p, back=back, error=error,
                           checked_values=checked, date_parts=parts,
                           text_value=text, reasons=reasons, summary=self._summary(page),
                           settled=settled, action=f"/interview/{page.question}/answer", authority=field == "authority")

    async def answer(self, request: Request, question: str) -> Response:
        form = await request.form()
        values = {k: [str(v) for v in form.getlist(k)] for k in form.keys()}

        def one(name: str) -> str:
            got = values.get(name) or [""]
            return got[0]

        if not _csrf_ok(request, one("csrf")):
            return self.expired(request)

        def body(interview: iv.Interview, _: dict[str, Any]) -> Response:
            try:
                facts = iv.check_facts(json.loads(one("facts") or "{}"))
            except ValueError:
                raise CaseValidationError("the facts sent are not valid JSON", "facts") from None
            field = one("field")
            if field not in FIELDS or field == "id":
                raise CaseValidationError("unknown case field", "field")
            page = Page(question, self.title(question), facts)
            p = iv.prompt(field)
            try:
                value = self._read(p, values, one)
                new = {k: v for k, v in facts.items() if k != field} if field not in facts else dict(facts)
                new[field] = value
                new = iv.check_facts(new)
            except CaseValidationError as err:
                entered = {k: v for k, v in values.items() if k not in ("csrf", "facts", "field")}
                return self._question(request, interview, page, field, interview.answers(facts), entered,
                                      _sentence_case(getattr(err, "bare_message", str(err))), 400)
            if field == "authority" and value is None:
                new.pop("authority", None)
            return RedirectResponse(Page(question, page.title, new).link("next"), status_code=303)

        # the facts travel in the form here, so _guard's reading of the query finds none
        return self._guard(request, question, body)

    @staticmethod
    def _read(p: iv.Prompt, values: Mapping[str, list[str]], one: Callable[[str], str]) -> Any:
        """The value a submitted form gives for the prompt's field."""
        if p.kind == "choices":
            chosen = [v for v in values.get(p.name, []) if v]
            if not chosen:
                raise CaseValidationError("select at least one option", p.field)
            return [iv.parse_choice(p, v) for v in chosen]
        if p.kind in ("choice", "yes_no"):
            if not one(p.name):
                raise CaseValidationError("select an option", p.field)
            return iv.parse_choice(p, one(p.name))
        if p.kind == "date":
            if p.none_label is not None:
                which = one(f"{p.name}-which")
                if not which:
                    raise CaseValidationError("select whether it has happened", p.field)
                if which == iv.NONE:
                    return None
            return iv.parse_date_parts(p.field, one(f"{p.name}-day"), one(f"{p.name}-month"), one(f"{p.name}-year"))
        text = one(p.name).strip()
        if not text:
            raise CaseValidationError("enter a number", p.field)
        return iv.parse_text(p, text)

    async def begin(self, request: Request, question: str) -> Response:
        """The start page's form: the authority, then the first question."""
        form = await request.form()
        if not _csrf_ok(request, str(form.get("csrf") or "")):
            return self.expired(request)
        if question not in self.kb.questions:
            return self.error(request, 404, "Page not found", f"There is no interview for '{question}'.")
        choice = str(form.get("authority") or "")
        if choice not in (*AUTHORITIES, iv.NONE):
            page = Page(question, self.title(question), {})
            return self.render(request, "start.html", 400, page=page, family=question == iv.FAMILY,
                               authorities=[(a, iv.AUTHORITY_NAMES[a]) for a in AUTHORITIES],
                               description=self.kb.questions[question].description,
                               error="Select the local authority, or national rules only")
        facts = {"authority": choice} if choice in AUTHORITIES else {}
        return RedirectResponse(Page(question, self.title(question), facts).link("next"), status_code=303)

    # ------------------------------------------------------------------ results
    def _answers(self, interview: iv.Interview, facts: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return interview.answers(facts, shown=True)

    def _events(self, facts: Mapping[str, Any], answers: Mapping[str, Mapping[str, Any]]) -> list[Event]:
        events = [Event(_dt.date.fromisoformat(facts[f]), label, "fact") for f, label in _FACT_EVENTS
                  if isinstance(facts.get(f), str)]
        for name, label in _DEADLINE_EVENTS.items():
            a = answers.get(name)
            if a is not None and a["status"] == "determined" and isinstance(a["answer"], str):
                events.append(Event(_dt.date.fromisoformat(a["answer"]), label, "deadline"))
        return events

    def result(self, request: Request, question: str) -> Response:
        def body(interview: iv.Interview, facts: dict[str, Any]) -> Response:
            page = Page(question, self.title(question), facts)
            answers = self._answers(interview, facts)
            names = {k: str(v.get("name", k)) for a in answers.values() for k, v in (a.get("details") or {}).items()}
            primary = interview.questions[0]
            headline, tone = iv.sentence(primary, answers[primary], names)
            deadline = answers.get("appeal_deadline")
            subline = (iv.sentence("appeal_deadline", deadline)[0] + "." if question == iv.FAMILY and tone == "yes"
                       and deadline is not None and deadline["status"] == "determined" and deadline["answer"] else None)
            rows = self._result_rows(interview, answers, names)
            caveats = list(dict.fromkeys(c for a in answers.values() for c in a.get("caveats") or []))
            contacts = {k: v for a in answers.values() if a["question"] == "local_contacts"
                        for k, v in (a.get("details") or {}).items()}
            events = self._events(facts, answers)
            svg = Markup(timeline_svg(events, "Deadline timeline for this case")) if len(events) >= 2 else None
            routes = next((r for r in rows if r["name"] == "routes"), None)
            return self.render(request, "result.html", page=page, headline=headline, subline=subline, tone=tone, rows=rows,
                               caveats=caveats, contacts=contacts, timeline=svg, events=events,
                               summary=self._summary(page), routes=routes,
                               print_view=request.query_params.get("print") == "1",
                               open_more=interview.next_field(facts) is not None)
        return self._guard(request, question, body)

    def _result_rows(self, interview: iv.Interview, answers: Mapping[str, Mapping[str, Any]],
                     names: Mapping[str, str]) -> list[dict[str, Any]]:
        """One row of the result page per answer shown: its sentence, members, and the questions that would settle it."""
        rows = []
        for name in interview.shown:
            a = answers[name]
            if name not in interview.questions and a["answer"] is None:
                continue  # a deadline the facts do not settle (or that does not apply) is not asked for
            text, t = iv.sentence(name, a, names)
            established, maybe = iv.members(a)
            rows.append({"name": name, "title": self.title(name), "answer": a, "sentence": text, "tone": t,
                         "established": established,
                         "maybe": [(m, [_as_clause(iv.prompt(f).question) for f in fields if f in FIELDS])
                                   for m, fields in maybe],
                         "missing": [iv.prompt(f).question for f in a.get("missing") or [] if f in FIELDS]})
        return rows

    def _one(self, interview: iv.Interview, request: Request) -> str:
        of = request.query_params.get("of") or interview.questions[0]
        if of not in interview.shown:
            raise CaseValidationError(f"this interview does not answer '{of}'", "of")
        return of

    def record(self, request: Request, question: str) -> Response:
        def body(interview: iv.Interview, facts: dict[str, Any]) -> Response:
            of = self._one(interview, request)
            case = iv.nest(facts)
            record = make_record(self.kb, of, case, self.kb.ask(of, case))
            return Response(json.dumps(record, indent=2, ensure_ascii=False) + "\n", media_type="application/json",
                            headers={"Content-Disposition": f'attachment; filename="redress-{of}-record.json"'})
        return self._guard(request, question, body)

    def proof(self, request: Request, question: str) -> Response:
        def body(interview: iv.Interview, facts: dict[str, Any]) -> Response:
            of = self._one(interview, request)
            try:
                svg = answer_svg(self.kb.ask(of, iv.nest(facts)), timeout=30)
            except RedressError as err:  # Graphviz missing or failing: say so on a page
                return self.error(request, 503, "The proof picture cannot be drawn", str(err))
            return Response(svg, media_type="image/svg+xml",
                            headers={"Content-Disposition": f'attachment; filename="redress-{of}-proof.svg"'})
        return self._guard(request, question, body)

    def timeline(self, request: Request, question: str) -> Response:
        def body(interview: iv.Interview, facts: dict[str, Any]) -> Response:
            events = self._events(facts, self._answers(interview, facts))
            if not events:
                return self.error(request, 404, "No timeline", "The facts given have no dates to draw.")
            return Response(timeline_svg(events, "Deadline timeline for this case"), media_type="image/svg+xml")
        return self._guard(request, question, body)

    # ------------------------------------------------------------------ provisions and questions
    def _coverage_of(self) -> tuple[Any, Any]:
        if self._coverage is None:
            graph = citation_graph(self.kb)
            self._coverage = (graph, {p.id: p for p in coverage(self.kb, graph=graph).provisions})
        return self._coverage

    def provisions_page(self, request: Request) -> Response:
        search = (request.query_params.get("q") or "").strip()
        provisions = list(self.kb.provisions.values())
        if search:
            exact = [p for p in provisions if p.id.lower() == search.lower()]
            if exact:
                return RedirectResponse(_provision_url(exact[0].id), status_code=303)
            needle = search.lower()
            provisions = [p for p in provisions if needle in p.id.lower() or needle in p.title.lower()]
        _, cov = self._coverage_of()
        return self.render(request, "provisions.html", provisions=provisions, search=search, coverage=cov)

    def provision_page(self, request: Request, provision_id: str) -> Response:
        provision = self.kb.provisions.get(provision_id)
        if provision is None:
            return self.error(request, 404, "Provision not found",
                              f"There is no provision '{provision_id}'. Search the provisions list.")
        graph, cov = self._coverage_of()
        report = impact(self.kb, provision_id, graph=graph)
        if self._sources is None:
            self._sources = _rule_sources(self.kb)
        rules = [(label, self._sources.get(label, "")) for label in report.citing_rules]
        return self.render(request, "provision.html", p=provision, rules=rules, questions=report.questions,
                           scenarios=report.scenarios, coverage=cov.get(provision_id))

    def questions_page(self, request: Request) -> Response:
        return self.render(request, "questions.html", questions=self.question_rows)


def _csrf_ok(request: Request, token: str) -> bool:
    """A form's token must repeat the cookie's (double submit: another site can make the browser
    send the cookie, but cannot read it to put it in the form)."""
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    return bool(token) and hmac.compare_digest(token.encode(), cookie.encode())


def _prefill(p: iv.Prompt, entered: Mapping[str, list[str]], facts: Mapping[str, Any]
             ) -> tuple[set[str], dict[str, str], str]:
    """What a question page shows already chosen or typed: what was just sent (with an error), or
    the fact given before (when changing it)."""
    n = p.name
    if entered:
        parts = {part: (entered.get(f"{n}-{part}") or [""])[0] for part in ("day", "month", "year")}
        return set(entered.get(n, [])) | set(entered.get(f"{n}-which", [])), parts, (entered.get(n) or [""])[0]
    parts = {"day": "", "month": "", "year": ""}
    if p.field not in facts:
        return set(), parts, ""
    value = facts[p.field]
    if value is None:
        return {iv.NONE}, parts, ""
    if isinstance(value, bool):
        return {"yes" if value else "no"}, parts, ""
    if isinstance(value, list):
        return {str(v) for v in value}, parts, ""
    if p.kind == "date" and isinstance(value, str):
        d = _dt.date.fromisoformat(value)
        return {"date"}, {"day": str(d.day), "month": str(d.month), "year": str(d.year)}, ""
    return {str(value)}, parts, str(value)


def _as_clause(question: str) -> str:
    """"Who is the disagreement with?" -> "who is the disagreement with", to list after "depending on"."""
    return question[:1].lower() + question[1:].rstrip("?")


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _install_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) from the ``swagger-ui-bundle`` package's files: no CDN, works offline."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="redress – API documentation",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon-32x32.png")


def install(app: FastAPI, kb: KnowledgeBase, questions: list[dict[str, Any]]) -> WebUI:
    """Add the HTML pages to the API's app; returns the pages for content negotiation."""
    ui = WebUI(kb, questions)
    app.mount("/static", StaticFiles(packages=[("redress.frontends", "static")]), name="static")
    _install_docs(app)
    hidden: dict[str, Any] = {"include_in_schema": False, "response_class": HTMLResponse}

    @app.get("/", **hidden)
    def home(request: Request) -> Response:
        return ui.start(request, iv.FAMILY)

    @app.get("/interview/{question}", **hidden)
    def start(request: Request, question: str) -> Response:
        return ui.start(request, question)

    @app.get("/interview/{question}/start", **hidden)
    def start_again(request: Request, question: str) -> Response:
        return ui.start(request, question)

    @app.post("/interview/{question}", **hidden)
    async def begin(request: Request, question: str) -> Response:
        return await ui.begin(request, question)

    @app.get("/interview/{question}/next", **hidden)
    def next_question(request: Request, question: str) -> Response:
        return ui.next(request, question)

    @app.get("/interview/{question}/ask/{field}", **hidden)
    def ask_field(request: Request, question: str, field: str) -> Response:
        return ui.ask(request, question, field)

    @app.post("/interview/{question}/answer", **hidden)
    async def answer(request: Request, question: str) -> Response:
        return await ui.answer(request, question)

    @app.get("/interview/{question}/result", **hidden)
    def result(request: Request, question: str) -> Response:
        return ui.result(request, question)

    @app.get("/interview/{question}/record.json", include_in_schema=False)
    def record(request: Request, question: str) -> Response:
        return ui.record(request, question)

    @app.get("/interview/{question}/proof.svg", include_in_schema=False)
    def proof(request: Request, question: str) -> Response:
        return ui.proof(request, question)

    @app.get("/interview/{question}/timeline.svg", include_in_schema=False)
    def timeline(request: Request, question: str) -> Response:
        return ui.timeline(request, question)

    return ui
