"""redress: SEND dispute routes (England) as cited rules, answered with proofs.

>>> import redress
>>> kb = redress.load()
>>> kb.ask("appealable", {"decision": {"kind": "refuse_assessment"}}).answer
True
"""

from __future__ import annotations

from redress.api import Answer, KnowledgeBase, load
from redress.errors import (CalculationError, CaseValidationError, DataError, KnowledgeBaseError, NotEncodedError,
                            QueryError, RedressCheckError, RedressError, RedressSyntaxError)

__all__ = ["load", "KnowledgeBase", "Answer", "RedressError", "RedressSyntaxError", "RedressCheckError",
           "CaseValidationError", "QueryError", "NotEncodedError", "DataError", "KnowledgeBaseError",
           "CalculationError"]
__version__ = "0.1.0"
