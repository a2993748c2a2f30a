"""IR -> numpy: the vectorised batch backend, one array element per case.

The IR is compiled once into a plan over *slots*. A relation is a short list of slots per mode;
a slot is a row pattern shared by every case: a mask (which cases have the row) and one column
per argument after the case, each either a constant (a Python int, the same for every case) or
an array (a value per case). Rows whose values come from the law (``appealable_decision_kind``)
stay constants, so most joins are settled while compiling: ``decision_kind(C, K) and
appealable_decision_kind(K)`` becomes one mask per kind the law lists. Only dates, ages and
other per-case values remain arrays.

Three-valued meaning is the SQL backend's (``sqlgen``), which mirrors the proof builder: every
relation has definitely-true (T) and possibly-true (P) slots; in P a column may be *null*
("some unknown value", an absent case field), which matches anything. Rules compile once per
mode with the same literal-by-literal semantics, so all backends answer identically (the
differential tests hold them to it).

Values are encoded as int32 (``CODE``; half the memory traffic of int64): dates as days since
1970-01-01, integers as themselves, strings as codes from a :class:`Pool` (offset far above any
date or age, so the kinds never collide).

Missing fields. A P slot also carries the case fields left unknown that it rests on (``fields``),
so an answer names what would settle it as the engine of record does (``api._missing_fields``:
the ``missing`` leaves along the proof's UNKNOWN paths, never inside a branch already false):

* an unknown input contributes its field; a rule's branch the union of its literals' (the mask
  already drops the cases where a literal is known false, where the prover's branch fails);
* a relation's row the union over the rules and branches that may give it, but nothing where the
  row is definitely true (``slots.settled``: the prover proves it TRUE and shows no open way);
* a negation of a possibly-true atom its fields; nothing where an argument of the negation is
  itself unknown (the prover cannot look the atom up, "a value it needs is unknown"); comparisons
  and built-ins name nothing.

The fields are sets of bits (``FIELD_BITS``), piecewise per slot (``Fields``: a set wherever a
mask holds), so unions and joins are bool operations on masks that exist already, and a per-case
array is made only for the answers (``masks.fmat``), within each case's unknown fields; that lets an
input name its field as one constant. Names come out in the order the rules first read the
fields (``field_order``), where the engine of record orders them as its proof of the case meets
them: the same set, not always the same order. Two corners where the prover names fewer are not
modelled, as no rule here reaches them (the differential tests would show it): its why-not shows
at most ``proof.prover.MAX_WHY_NOT`` open ways of one atom, and an atom it evaluates with a value bound
where a P row has an unknown column is TRUE when a T row holds that value.

The package, by concern: ``masks`` (values, masks, field sets, the status rule over masks),
``columns`` (the cases as arrays), ``builtins`` (built-ins over arrays), ``slots`` (row patterns,
merged and settled), ``rules`` (a rule's slots, literal by literal), ``result`` (a question's
answers as arrays), ``plan`` (a program's relations and answers) and ``engine`` (plans per
version of the rules, answers decoded).
"""

from redress.compiled.sqlgen import UnsupportedError
from redress.compiled.vector.builtins import Builtins
from redress.compiled.vector.columns import CaseColumns, FieldColumn, columns_from_cases, unknown_fields
from redress.compiled.vector.engine import CALENDAR_END, VectorEngine, field_order, keep_freed_memory
from redress.compiled.vector.masks import (BITS, CODE, STATUS_CONFLICT, STATUS_DETERMINED, STATUS_NAMES, STATUS_UNDETERMINED,
                                           Pool, holds, status_codes)
from redress.compiled.vector.plan import VectorProgram
from redress.compiled.vector.result import QuestionResult
from redress.law.workdays import Calendar

__all__ = ["BITS", "CALENDAR_END", "CODE", "STATUS_CONFLICT", "STATUS_DETERMINED", "STATUS_NAMES", "STATUS_UNDETERMINED",
           "Builtins", "Calendar", "CaseColumns", "FieldColumn", "Pool", "QuestionResult", "UnsupportedError", "VectorEngine",
           "VectorProgram", "columns_from_cases", "field_order", "holds", "keep_freed_memory", "status_codes",
           "unknown_fields"]
