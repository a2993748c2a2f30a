"""The public name of redress's exceptions: ``redress.errors`` re-exports ``redress.core.errors``.

The hierarchy lives in the base layer, ``redress.core.errors``, so that the parser, the knowledge
base and the queries import it without importing the API. This alias keeps the documented name
for users (``from redress.errors import CaseValidationError``); it holds no logic of its own.
"""

from redress.core.errors import (CalculationError, CaseValidationError, DataError, KnowledgeBaseError, NotEncodedError,
                                 QueryError, RedressCheckError, RedressError, RedressSyntaxError, Span, printable,
                                 shown)

__all__ = ["Span", "RedressError", "RedressSyntaxError", "RedressCheckError", "CaseValidationError", "QueryError",
           "NotEncodedError", "DataError", "KnowledgeBaseError", "CalculationError", "shown", "printable"]
