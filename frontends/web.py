"""The HTTP API: a thin FastAPI factory over the Python API (``redress.load()``, ``kb.ask()``).

No reasoning happens here: every answer is ``kb.ask(question, case).to_dict()``, and every error
is the one JSON shape ``{"error": {"code": ..., "message": ..., "field": ...}}`` (for a
``RedressError``, its ``to_dict()``, as the CLI's ``--json`` errors).

>>> from fastapi.testclient import TestClient
>>> client = TestClient(create_app())
>>> client.post("/ask", json={"question": "appealable",
...                           "case": {"decision": {"kind": "refuse_assessment"}}}).json()["answer"]
True

Run it with ``redress serve`` (see :func:`serve`) or
``uvicorn redress.frontends.web:app_factory --factory``.
"""

from __future__ import annotations

import datetime as _dt
import gc
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import IO, Any, Awaitable, Callable, Iterable, Iterator, Literal, MutableMapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError, PydanticSerializationError, to_json
from starlette.exceptions import HTTPException as StarletteHTTPException

try:  # the C parser (uvicorn's own choice when httptools is installed): a tenth of an ask's cost less
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _HttpProtocol
except ImportError:  # pragma: no cover - the pure-Python parser, where httptools is not installed
    from uvicorn.protocols.http.h11_impl import H11Protocol as _HttpProtocol  # type: ignore[assignment]

from redress.api import KnowledgeBase, load, question_listing
from redress.core.errors import (CaseValidationError, KnowledgeBaseError, RedressCheckError, RedressError,
                            RedressSyntaxError)
from redress.kb import ir
from redress.kb.schema import NOT_UTF8, Case, parse_json, validate_case

__all__ = ["create_app", "app_factory", "serve", "AskRequest", "BatchRequest", "AnswerModel", "ProofNodeModel",
           "ErrorResponse", "DEFAULT_MAX_BODY_BYTES", "DEFAULT_MAX_BATCH_BYTES"]

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
# An NDJSON /batch body is streamed to a temporary file (memory holds 1 MiB of it at most) and
# answered line by line; each line is one case, of at most DEFAULT_MAX_BODY_BYTES.
DEFAULT_MAX_BATCH_BYTES = 256 * 1024 * 1024
_SPOOL_IN_MEMORY = 1024 * 1024
NDJSON = "application/x-ndjson"

log = logging.getLogger("redress.frontends.web")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_REFUSAL: dict[str, Any] = {"id": "case-a", "as_of": "2025-02-01", "decision": {"kind": "refuse_assessment", "sent": "2025-01-10"}}


# ---------------------------------------------------------------------- models (the contract's shapes)


class AskRequest(BaseModel):
    """One contract question about one case."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "appealable", "case": _REFUSAL}]})

    question: str = Field(description="a contract question, e.g. appealable, mediation_deadline, routes")
    case: dict[str, Any] = Field(description="the case, as in the contract; every field is optional")


class BatchRequest(BaseModel):
    """Many cases, each asked the same questions; answered as NDJSON lines, case by case."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"cases": [_REFUSAL, {"decision": {"kind": "cease_plan"}}], "questions": ["appealable", "appeal_deadline"]}]})

    # Any, not dict: a case that is not an object is one bad case (an error line), not a bad batch.
    cases: list[Any] = Field(description="the cases; each is validated on its own")
    questions: list[str] | Literal["all"] = Field("all", description='question names, or "all" (every encoded one)')

    @field_validator("questions", mode="before")
    @classmethod
    def _names_or_all(cls, value: Any) -> Any:
        # checked whole, so an error names "questions" rather than a branch of the union
        if value == "all" or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            return value
        raise PydanticCustomError("questions", 'must be "all" or a list of question names')


class StepModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    basis: str | None


class ProofNodeModel(BaseModel):
    """One step of the proof tree: its conclusion, the rule and provisions it rests on, and why."""

    model_config = ConfigDict(extra="forbid")

    conclusion: str
    rule: str | None = Field(description="the label of the rule applied, if any")
    cites: list[str] = Field(description="provisions this step rests on")
    because: list[ProofNodeModel] = Field(description="the steps this one rests on")
    status: Literal["true", "false", "unknown"]
    kind: str = Field(description="rule, fact, input, missing, absent, not, compare, builtin, unknown, why_not, "
                                  "failed_rule, exception, answer")
    bindings: dict[str, str] | None = None
    field: str | None = Field(None, description="the case field this step reads (input, missing)")
    steps: list[StepModel] | None = Field(None, description="a calculation's steps, each with its legal basis")
    caveats: list[str] | None = None


class InForceModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    provision: str
    from_: str | None = Field(alias="from")
    until: str | None


class PossibleModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member: str | None = Field(description="a member further facts could add (null: one the case does not yet name)")
    missing: list[str] | None = Field(None, description="the case fields that would settle it")


class AnswerModel(BaseModel):
    """The contract's answer JSON (exactly ``Answer.to_dict()``), with its optional extensions."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "question": "appealable", "case": "case-a", "status": "determined", "answer": True,
        "citations": ["CFA 2014 s.51(1)", "CoP 11.45", "CFA 2014 s.51(2)(a)"],
        "explanation": {"conclusion": "the decision in case case-a can be appealed to the First-tier Tribunal (SEND) "
                                      "under CFA 2014 s.51", "rule": "decision_itself_appealable",
                        "cites": ["CFA 2014 s.51(1)", "CoP 11.45"], "status": "true", "kind": "rule",
                        "because": [{"conclusion": "the decision in case case-a is of kind refuse_assessment",
                                     "rule": None, "cites": [], "because": [], "status": "true", "kind": "input",
                                     "bindings": {"decision.kind": "refuse_assessment"}, "field": "decision.kind"}]},
        "missing": [], "rules_version": "sha256:...", "caveats": [], "as_of": "2025-02-01",
        "in_force": [{"provision": "CFA 2014 s.51(1)", "from": "2014-09-01", "until": None}]}]})

    question: str
    case: str | None = Field(description="the case's id, if it has one")
    status: Literal["determined", "undetermined"]
    answer: bool | str | list[str] | None = Field(description="null when undetermined")
    citations: list[str]
    explanation: ProofNodeModel
    missing: list[str] = Field(description="case fields whose values would settle an undetermined answer")
    rules_version: str
    caveats: list[str] | None = None
    possible: list[PossibleModel] | None = Field(
        None, description="list questions: each member further facts could add, with the fields that would settle it")
    as_of: str | None = None
    details: dict[str, Any] | None = Field(None, description="local_contacts: each service's details")
    in_force: list[InForceModel] | None = None


class BatchLineModel(BaseModel):
    """One NDJSON line of ``POST /batch``: an answer, or an error for that case and question."""

    case_index: int
    question: str
    answer: AnswerModel | None = None
    error: ErrorBody | None = None


class ErrorBody(BaseModel):
    code: str = Field(description="a stable identifier, e.g. invalid_case, bad_question, not_encoded, invalid_json")
    message: str
    field: str | None = Field(description="the offending field's dotted path (e.g. case.decision.kind), if any")


class ErrorResponse(BaseModel):
    """The one error shape of every error response."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"error": {
        "code": "invalid_case", "field": "case.decision.kind",
        "message": "unknown value 'refuse'; expected one of: refuse_assessment, ..."}}]})

    error: ErrorBody


BatchLineModel.model_rebuild()


class QuestionInfo(BaseModel):
    name: str
    kind: str | None = Field(description="yes_no, value, date or list; null when not encoded")
    description: str
    encoded: bool


class ProvisionInfo(BaseModel):
    id: str
    title: str
    source: str
    in_force_from: str | None
    in_force_until: str | None
    caveats: list[str]


class ProvisionDetail(ProvisionInfo):
    text: str
    rules: list[str] = Field(description="labels of the rules citing this provision")
    questions: list[str] = Field(description="questions whose answers may rest on those rules")


class Health(BaseModel):
    status: Literal["ok"]
    rules_version: str


# ---------------------------------------------------------------------- errors


class ApiError(Exception):
    """An error response in the one shape."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field, self.headers = status, code, message, field, headers

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}

    def response(self) -> JSONResponse:
        return SafeJSONResponse(self.body(), status_code=self.status, headers=self.headers)


class SafeJSONResponse(JSONResponse):
    """JSON as UTF-8, or, when the content holds a character UTF-8 cannot (a lone surrogate from a
    request's ``"\\ud800"`` echoed in a message), with such characters escaped: never a 500."""

    def render(self, content: Any) -> bytes:
        return _json_bytes(content)


def _json_bytes(content: Any) -> bytes:
    """Compact UTF-8 JSON: pydantic-core's serializer first (the same bytes as ``json.dumps`` in
    under half the time, which matters for proof trees of several KB), else the standard way."""
    try:
        return to_json(content)
    except (PydanticSerializationError, UnicodeEncodeError, ValueError):
        pass
    try:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(content, separators=(",", ":")).encode("ascii")


_RULES_AT_FAULT = (RedressSyntaxError, RedressCheckError, KnowledgeBaseError)  # as the CLI: not the caller's fault
_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
               415: "unsupported_media_type", 422: "validation_error"}


def _from_redress(err: RedressError, field: str | None = None) -> ApiError:
    """A RedressError as an API error; ``field`` overrides the error's own (to say where in the request)."""
    status = 500 if isinstance(err, _RULES_AT_FAULT) else 400
    shape = err.to_dict()
    return ApiError(status, shape["code"], shape["message"], field if field is not None else shape["field"])


def _case_error(err: CaseValidationError) -> ApiError:
    """A case error, its field located in the request: ``decision.kind`` -> ``case.decision.kind``."""
    path = err.field or "case"
    return _from_redress(err, path if path == "case" or path.startswith(("case.", "case[")) else
                         f"case{path}" if path.startswith("[") else f"case.{path}")


def _location(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """A pydantic location as a field path like the case's: ("body", "cases", 2) -> ``cases[2]``."""
    parts = list(loc[1:] if loc and loc[0] == "body" else loc)
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or None


def _validation_error(exc: RequestValidationError) -> ApiError:
    errors = list(exc.errors())
    invalid = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if invalid is not None:
        position = invalid["loc"][-1] if invalid.get("loc") else "?"
        detail = (invalid.get("ctx") or {}).get("error", invalid.get("msg", "invalid JSON"))
        return ApiError(400, "invalid_json", f"invalid JSON at character {position}: {detail}")
    if not errors:
        return ApiError(422, "validation_error", "the request is invalid")
    first = errors[0]
    if tuple(first.get("loc", ())) == ("body",) and isinstance(first.get("input"), bytes):  # not sent as JSON
        return ApiError(415, "unsupported_media_type", "the body must be JSON, sent as Content-Type: application/json")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return ApiError(422, "validation_error", f"{first.get('msg', 'invalid')}{more}", _location(first.get("loc", ())))


def _install_error_handlers(app: FastAPI) -> None:
    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return exc.response()

    async def redress_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RedressError)
        return _from_redress(exc).response()

    async def request_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return _validation_error(exc).response()

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "internal_error" if exc.status_code >= 500 else "http_error")
        headers = dict(exc.headers) if exc.headers else None  # e.g. Allow, on a 405
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # FastAPI's words when json.loads fails other than on syntax: too deep, or too long a number
            return ApiError(400, code, "the request body cannot be read as JSON: nested too deeply or a number "
                            "too long (over 4,300 digits)", "body", headers).response()
        return ApiError(exc.status_code, code, str(exc.detail), None, headers).response()

    async def internal(_: Request, exc: Exception) -> JSONResponse:
        # Starlette logs the traceback after this; the client sees none of it.
        return ApiError(500, "internal_error", "internal server error").response()

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RedressError, redress_error)
    app.add_exception_handler(RequestValidationError, request_validation)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, internal)


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` is a 413, whether Content-Length says so
    or the bytes streamed in (chunked) exceed it. The body is buffered (at most ``max_bytes``)
    before the application runs, so no handler ever sees a partial body."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = ApiError(413, "payload_too_large", f"the request body exceeds {self.max_bytes} bytes")
        problem = _declared_length(scope, self.max_bytes)
        if problem is not None:
            await problem.response()(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await too_large.response()(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _declared_length(scope: Scope, limit: int) -> ApiError | None:
    """The error for a Content-Length that is not a number or is over ``limit``, else None."""
    length = dict(scope.get("headers") or []).get(b"content-length")
    if length is None:
        return None
    try:
        declared = int(length)
    except ValueError:
        return ApiError(400, "bad_request", "invalid Content-Length header")
    if declared > limit:
        return ApiError(413, "payload_too_large", f"the request body exceeds {limit} bytes")
    return None


class NdjsonBatch:
    """ASGI middleware: ``POST /batch`` with an NDJSON body (one case a line, the questions in the
    query: ``?questions=appealable,routes`` or ``all``) goes to ``handler`` unbuffered, so a
    batch of any size streams in and out within a memory bound; every other request passes."""

    def __init__(self, app: ASGIApp, handler: ASGIApp):
        self.app = app
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST" and scope.get("path") == "/batch":
            ctype = dict(scope.get("headers") or []).get(b"content-type", b"")
            if ctype.split(b";")[0].strip().lower() == NDJSON.encode():
                await self.handler(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _spool(request: Request, limit: int) -> IO[bytes]:
    """The request body in a temporary file (in memory up to 1 MiB), or a 413 past ``limit``."""
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            spool.close()
            raise ApiError(413, "payload_too_large", f"the request body exceeds {limit} bytes")
        spool.write(chunk)
    spool.seek(0)
    return spool


def _ndjson_cases(spool: IO[bytes], max_line: int) -> Iterator[Any]:
    """Each non-blank line of an NDJSON body as JSON data, or the CaseValidationError it is."""
    with spool:
        while line := spool.readline(max_line + 1):
            if len(line) > max_line:
                while line and not line.endswith(b"\n"):  # skip the rest of the overlong line
                    line = spool.readline(max_line)
                yield CaseValidationError(f"a case line is over {max_line} bytes", "case")
                continue
            if not line.strip():
                continue
            try:
                yield parse_json(line.decode("utf-8"), "case", one_line=True)
            except UnicodeDecodeError:
                yield CaseValidationError(NOT_UTF8, "case")
            except CaseValidationError as err:
                yield err


# ---------------------------------------------------------------------- introspection (static, over the program)


def _provision_row(p: ir.Provision) -> dict[str, Any]:
    return {"id": p.id, "title": p.title, "source": p.source,
            "in_force_from": p.in_force_from.isoformat() if p.in_force_from else None,
            "in_force_until": p.in_force_until.isoformat() if p.in_force_until else None,
            "caveats": list(p.caveats)}


def _provision_uses(program: ir.Program, question_order: list[str]) -> dict[str, tuple[list[str], list[str]]]:
    """For each provision: the rules citing it, and the questions whose relation reaches one of
    those rules' heads through rule bodies (what its answer may rest on)."""
    reach = {name: program.cone([program.questions[name].relation]) for name in question_order}
    uses: dict[str, tuple[list[str], list[str]]] = {}
    for pid in program.provisions:
        citing = [r for r in program.rules if pid in r.cites]
        heads = {r.head.relation for r in citing}
        uses[pid] = (list(dict.fromkeys(r.label for r in citing)),
                     [name for name in question_order if heads & reach[name]])
    return uses


# ---------------------------------------------------------------------- the app


def _ndjson(kb: KnowledgeBase, cases: Iterable[Any], questions: list[str]) -> Iterator[bytes]:
    """One line per case x question, case by case; a bad case gives an error line per question."""
    for index, raw in enumerate(cases):
        valid: Case | None = None
        failure: dict[str, Any] | None = None
        try:
            if isinstance(raw, CaseValidationError):
                raise raw  # a line of an NDJSON body that is not a JSON case
            valid = validate_case(raw)
        except CaseValidationError as err:
            failure = _case_error(err).body()
        for question in questions:
            line: dict[str, Any] = {"case_index": index, "question": question}
            if valid is None:
                assert failure is not None
                line.update(failure)
            else:
                try:
                    line["answer"] = kb.ask(question, valid).to_dict()
                except RedressError as err:
                    line.update(_from_redress(err).body())
                except Exception:  # the stream has begun: report the line, keep answering the rest
                    log.exception("internal error answering %s for case %d", question, index)
                    line.update(ApiError(500, "internal_error", "internal server error").body())
            yield _json_bytes(line) + b"\n"


def create_app(kb: KnowledgeBase | None = None, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
               max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES) -> FastAPI:
    """The HTTP API over a knowledge base (default: the bundled one, loaded now)."""
    kb = kb if kb is not None else load()
    questions = question_listing(kb)
    uses = _provision_uses(kb.program, [row["name"] for row in questions if row["encoded"]])
    error: dict[str, Any] = {"model": ErrorResponse}
    body_errors: dict[int | str, dict[str, Any]] = {400: error, 413: error, 415: error}

    app = FastAPI(title="redress", version="0.1.0", responses={422: error, 500: error}, docs_url=None, redoc_url=None,
                  description="SEND dispute routes (England) as cited rules: contract questions about a case, "
                              "answered with proofs. Every error is `{\"error\": {code, message, field}}`.")
    app.state.kb = kb
    _install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    from redress.frontends import webui  # the HTML pages (/, /interview, /docs); a browser asking below gets them too

    ui = webui.install(app, kb, questions)

    @app.post("/ask", response_model=None, responses={200: {"model": AnswerModel}, **body_errors},
              summary="Answer one contract question about a case")
    async def ask(request: AskRequest) -> JSONResponse:
        # async: answered on the event loop thread, not a thread pool's. An ask is a millisecond of
        # CPU, less than the hop to a pool thread; and each pool thread would build its own engine
        # (pyDatalog's state is per thread), growing the process by one engine per thread.
        try:
            answer = kb.ask(request.question, request.case)
        except CaseValidationError as err:
            raise _case_error(err) from None
        return SafeJSONResponse(answer.to_dict())

    @app.post("/batch", response_class=StreamingResponse, responses={
        200: {"description": "one JSON line per case x question, case by case",
              "content": {NDJSON: {"schema": BatchLineModel.model_json_schema()}}},
        **body_errors}, summary="Answer questions about many cases, streamed as NDJSON")
    def batch(request: BatchRequest) -> StreamingResponse:
        """The cases as JSON (``{"cases": [...], "questions": [...]}``, at most the body limit), or
        streamed, for a batch of any size: ``Content-Type: application/x-ndjson``, one case a line,
        the questions in the query (``?questions=appealable,routes``; default all)."""
        return StreamingResponse(_ndjson(kb, request.cases, batch_names(request.questions)), media_type=NDJSON)

    def batch_names(requested: list[str] | Literal["all"]) -> list[str]:
        if requested == "all":
            return [row["name"] for row in questions if row["encoded"]]
        for i, name in enumerate(requested):
            if name not in kb.questions:
                try:
                    kb.ask(name, {})  # rejects the name before any evaluation, with the API's own message
                except RedressError as err:
                    raise _from_redress(err, f"questions[{i}]") from None
        return requested

    async def ndjson_batch(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            wanted = request.query_params.get("questions", "all")
            names = batch_names("all" if wanted == "all" else [q.strip() for q in wanted.split(",") if q.strip()])
            problem = _declared_length(scope, max_batch_bytes)
            if problem is not None:
                raise problem
            spool = await _spool(request, max_batch_bytes)
        except ApiError as err:
            await err.response()(scope, receive, send)
            return
        await StreamingResponse(_ndjson(kb, _ndjson_cases(spool, max_body_bytes), names),
                                media_type=NDJSON)(scope, receive, send)

    app.add_middleware(NdjsonBatch, handler=ndjson_batch)  # outside BodyLimit: an NDJSON batch is not buffered

    @app.get("/questions", response_model=list[QuestionInfo], summary="The contract's questions, encoded or not")
    def list_questions(request: Request) -> list[dict[str, Any]] | Response:
        return ui.questions_page(request) if webui.wants_html(request) else questions

    @app.get("/provisions", response_model=list[ProvisionInfo], summary="The provisions the rules cite")
    def list_provisions(request: Request) -> list[dict[str, Any]] | Response:
        if webui.wants_html(request):
            return ui.provisions_page(request)
        return [_provision_row(p) for p in kb.provisions.values()]

    @app.get("/provisions/{provision_id:path}", response_model=ProvisionDetail,
             responses={404: error}, summary="One provision, with the rules and questions using it")
    def get_provision(provision_id: str, request: Request) -> dict[str, Any] | Response:
        if webui.wants_html(request):
            return ui.provision_page(request, provision_id)
        provision = kb.provisions.get(provision_id)
        if provision is None:
            raise ApiError(404, "unknown_provision", f"unknown provision '{provision_id}'", "provision_id")
        rules, dependent = uses[provision_id]
        return {**_provision_row(provision), "text": provision.text, "rules": rules, "questions": dependent}

    @app.get("/health", response_model=Health, summary="Liveness, and the version of the rules answering")
    def health() -> dict[str, Any]:
        return {"status": "ok", "rules_version": kb.rules_version}

    return app


def warm(kb: KnowledgeBase) -> None:
    """Pay a server's one-time costs before its first request rather than in it: every question
    asked, on each version of the law in force since 1990, about a refusal and an amended plan
    with mediation dates, so this thread (the event loop's, which answers /ask) has loaded each
    version's engine and the date calculations their calendars (the first working-day roll alone
    imports the holiday tables: most of a second)."""
    starts = [d for d in kb.program.version_boundaries() if d.year >= 1990] + [_dt.date.today()]
    for as_of in starts:
        sent = (as_of + _dt.timedelta(days=40)).isoformat()
        for case in ({"decision": {"kind": "refuse_assessment", "sent": sent}},
                     {"person": {"age": 12, "role": "parent"}, "appeal": {"grounds": ["section_f", "section_i_named"]},
                      "decision": {"kind": "plan_amended", "sent": sent},
                      "mediation": {"adviser_contacted": sent, "certificate_issued": sent}}):
            try:
                kb.ask_many(list(kb.questions), {**case, "as_of": (as_of + _dt.timedelta(days=60)).isoformat()})
            except RedressError:
                continue  # a date the calendar cannot reach: nothing to warm there
    # What is alive now (the rules, every engine, the calendars) lives as long as the server: out
    # of the collector's sight, a full collection no longer walks it in the middle of a request.
    gc.collect()
    gc.freeze()


def app_factory() -> FastAPI:
    """``create_app()`` with defaults, for ``uvicorn redress.frontends.web:app_factory --factory``."""
    return create_app()


def served_app() -> FastAPI:
    """What ``redress serve`` runs in each worker: the app over the rules named by
    ``REDRESS_SERVE_RULES`` (default: the bundled ones), warmed (:func:`warm`)."""
    rules = os.environ.get("REDRESS_SERVE_RULES")
    app = create_app(load(rules) if rules else None)
    warm(app.state.kb)
    return app


def serve(host: str = "127.0.0.1", port: int = 8000, kb: KnowledgeBase | None = None, workers: int = 1,
          access_log: bool = False, rules: Path | None = None) -> None:
    """Run the HTTP API with uvicorn (``redress serve``) over ``kb`` (default: the bundled one);
    ``workers`` > 1 runs that many processes on one socket, each building its app from ``rules``
    with :func:`served_app`. The access log (a line per request, a tenth of a request's cost) is
    off unless asked for."""
    import uvicorn

    if workers > 1:
        if rules is not None:
            os.environ["REDRESS_SERVE_RULES"] = str(Path(rules).resolve())
        uvicorn.run("redress.frontends.web:served_app", factory=True, host=host, port=port, workers=workers,
                    access_log=access_log, http="redress.frontends.web:JsonErrors")
    else:
        app = create_app(kb)
        warm(app.state.kb)
        uvicorn.run(app, host=host, port=port, access_log=access_log, http=JsonErrors)


class JsonErrors(_HttpProtocol):
    """uvicorn's HTTP protocol, with the 400 it sends itself for a request it cannot parse (e.g.
    ``Content-Length: abc``, before the app runs) in the one JSON error shape, not plain text. At
    module level, so worker processes can import it by name."""

    def send_400_response(self, msg: str) -> None:
        body = _json_bytes(ApiError(400, "bad_request", f"malformed HTTP request: {msg}").body())
        self.transport.write(b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n"
                             b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body) + body)
        self.transport.close()
