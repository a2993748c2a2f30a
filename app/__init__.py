"""redress: SEND dispute routes (England) as cited rules, answered with proofs.

>>> import redress
>>> kb = redress.load()
>>> kb.ask("appealable", {"decision": {"kind": "refuse_assessment"}}).answer
True

The root package is light: importing it (or any stage, ``redress.parser.ast``) loads only the
exceptions. The API (``load``, ``KnowledgeBase``, ``Answer``), and with it pyDatalog, is imported
the first time one of its names is used (PEP 562 ``__getattr__``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from redress.core.errors import (CalculationError, CaseValidationError, DataError, KnowledgeBaseError, NotEncodedError,
                                 QueryError, RedressCheckError, RedressError, RedressSyntaxError)

if TYPE_CHECKING:
    from redress.api import Answer, KnowledgeBase, load

__all__ = ["load", "KnowledgeBase", "Answer", "RedressError", "RedressSyntaxError", "RedressCheckError",
           "CaseValidationError", "QueryError", "NotEncodedError", "DataError", "KnowledgeBaseError",
           "CalculationError"]
__version__ = "0.1.0"

# The names imported on first use, and the module each comes from.
_LAZY = {"load": "redress.api", "KnowledgeBase": "redress.api", "Answer": "redress.api"}


def __getattr__(name: str) -> object:
    """``redress.load`` and the API's other names, imported on first use; and, as when the root
    imported the API eagerly, a submodule by its name (``redress.api``, ``redress.errors``)."""
    if name in _LAZY:
        value: object = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later uses are plain attribute reads
        return value
    if not name.startswith("__"):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{name}":
                raise  # the submodule exists but something it imports does not
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
