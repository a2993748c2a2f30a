"""The one exception hierarchy of redress.

Every error a user can cause is a ``RedressError``; each carries enough location to act on it:
a source span (rule files), a JSON field path (cases), or a question name.

This is the base layer (``redress.core``): it imports only the standard library, and every stage
(parser, kb, queries) and front-end imports its errors from here. ``redress.errors`` re-exports
it for users.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from typing import Any

__all__ = ["Span", "RedressError", "RedressSyntaxError", "RedressCheckError", "CaseValidationError", "QueryError",
           "NotEncodedError", "DataError", "KnowledgeBaseError", "CalculationError", "shown", "printable"]


@dataclass(frozen=True)
class Span:
    """A region of a source file: 1-based line and column, end exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class RedressError(Exception):
    """Root of every error redress raises on purpose."""

    code = "redress_error"
    field: str | None = None  # where in the input: a case's dotted path, "question", ...; set by subclasses

    def to_dict(self) -> dict[str, Any]:
        """The error as JSON, the one shape the CLI's ``--json`` (on standard error) and the HTTP
        API's error bodies put under ``"error"``: its ``code``, its ``message`` without the location
        prefix the text form has, and its ``field`` (None when no field of the input is at fault).
        A subclass says what it locates by setting ``field`` and ``bare_message``."""
        message = getattr(self, "bare_message", None)
        return {"code": self.code, "message": message if isinstance(message, str) else str(self), "field": self.field}


class RedressSyntaxError(RedressError):
    """A rule file does not parse. The message shows file:line:column, the line and a caret."""

    code = "syntax_error"

    def __init__(self, message: str, span: Span, context: str = "", expected: tuple[str, ...] = ()):
        self.span = span
        self.context = context
        self.expected = expected
        self.bare_message = message
        text = f"{span}: {message}"
        if context:
            text += "\n" + context.rstrip("\n")
        if expected:
            text += "\nexpected one of: " + ", ".join(expected)
        super().__init__(text)


class RedressCheckError(RedressError):
    """The checker found errors; ``diagnostics`` holds every one of them, in source order."""

    code = "check_error"

    def __init__(self, diagnostics: list["object"]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))


class CaseValidationError(RedressError):
    """A case (JSON) is malformed; ``field`` is the dotted path of the offending field."""

    code = "invalid_case"

    def __init__(self, message: str, field: str | None = None):
        self.field = field
        self.bare_message = message
        super().__init__(f"{field}: {message}" if field else message)


class QueryError(RedressError):
    """A question cannot be asked: unknown, or not yet encoded in the knowledge base."""

    code = "bad_question"

    def __init__(self, message: str, field: str | None = "question"):
        self.field = field
        self.bare_message = message
        super().__init__(message)


class NotEncodedError(QueryError):
    """The question is in the contract but the knowledge base does not encode it yet."""

    code = "not_encoded"


class DataError(RedressError):
    """Bundled or supplied data (authorities, records) is malformed; names file and field."""

    code = "data_error"

    def __init__(self, message: str, file: str | None = None, field: str | None = None):
        self.file = file
        self.field = field
        self.bare_message = message
        where = ":".join(p for p in (file, field) if p)
        super().__init__(f"{where}: {message}" if where else message)


class KnowledgeBaseError(RedressError):
    """The rules, not the caller, are at fault: two answers to a one-value question, or the
    proof builder and the engine disagree. Reported as a defect of the knowledge base."""

    code = "knowledge_base_error"

    def __init__(self, message: str):
        self.field = None
        self.bare_message = message
        super().__init__(message)


class CalculationError(RedressError):
    """A built-in could not compute a value (e.g. a date beyond the supported calendar)."""

    code = "calculation_error"

    def __init__(self, message: str):
        self.field = None
        self.bare_message = message
        super().__init__(message)


class _Shown(reprlib.Repr):
    """reprlib, with integers too long for ``repr`` (over 4,300 digits) described, not printed."""

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 4000 * 3.33:  # repr refuses more than 4,300 digits
            return f"<an integer of about {int(x.bit_length() * 0.30103)} digits>"
        return super().repr_int(x, level)


_SHOWN = _Shown()
_SHOWN.maxlevel = 3
_SHOWN.maxstring = _SHOWN.maxother = 60
_SHOWN.maxlist = _SHOWN.maxtuple = _SHOWN.maxdict = _SHOWN.maxset = 6


def shown(value: object) -> str:
    """A value as an error message quotes it: its repr, cut short (a 1 MB string, a 900-deep list,
    a 5,000-digit integer all print in a line), with lone surrogates escaped so it can be written
    as UTF-8."""
    return _SHOWN.repr(value)


def printable(text: object, limit: int = 200) -> str:
    """User text (a key, a name) as an error message quotes it: cut to ``limit`` characters, any
    character UTF-8 cannot hold (a lone surrogate) as a backslash escape; not text, its ``shown``."""
    if not isinstance(text, str):
        return shown(text)
    cut = text if len(text) <= limit else text[:limit] + "..."
    return cut.encode("utf-8", "backslashreplace").decode("utf-8")
