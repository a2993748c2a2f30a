"""The public Python API: ``load()`` a knowledge base, ``ask()`` it a contract question.

Loading runs the whole pipeline (parse -> check -> compile -> engine) and either returns a
complete knowledge base or raises; nothing is half-loaded.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import difflib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import os
from typing import TYPE_CHECKING

from redress import kbcache
from redress.core.errors import KnowledgeBaseError, NotEncodedError, QueryError, RedressCheckError
from redress.kb import ir
from redress.kb.ir import CASE_KEY
from redress.kb.answers import CONFLICT, UNDETERMINED, Outcome, Possible, assemble
from redress.kb.schema import CONTRACT_QUESTIONS, FIELDS, Case, validate_case
from redress.parser import ast
from redress.queries.engine import DatalogEngine

if TYPE_CHECKING:
    from redress.kb.checker import Diagnostic
from redress.proof.nodes import ProofNode, SharedProofs, Status, render_value
from redress.proof.prover import Prover, shareable_relations
from redress.proof.wording import Wording

__all__ = ["Answer", "Possible", "KnowledgeBase", "load", "default_rules_path", "question_listing"]



def default_rules_path() -> Path:
    """The bundled knowledge base's entry file."""
    return Path(str(resources.files("redress.rules").joinpath("main.rules")))


@dataclass(frozen=True)
class Answer:
    """One answer, shaped as the contract's answer JSON (plus optional extensions)."""

    question: str
    case: str | None
    status: str  # determined | undetermined
    answer: Any
    citations: tuple[str, ...]
    explanation: ProofNode
    missing: tuple[str, ...]
    rules_version: str
    caveats: tuple[str, ...] = ()
    possible: tuple[Possible, ...] | None = None  # list questions: members further facts could add
    as_of: _dt.date | None = None
    details: dict[str, Any] | None = None  # local_contacts: each service's name, contacts and seed
    in_force: tuple[tuple[str, str | None, str | None], ...] = ()  # (provision, from, until) of each citation

    def outcome(self) -> tuple[str, Any, list[dict[str, Any]] | None, list[str]]:
        """(status, answer, possible, missing) as JSON values: what every backend gives alike,
        the compiled batch engines included (each possible member as ``{"member", "missing"}``)."""
        return (self.status, _jsonable(self.answer),
                None if self.possible is None else [p.to_dict() for p in self.possible], list(self.missing))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "question": self.question,
            "case": self.case,
            "status": self.status,
            "answer": _jsonable(self.answer),
            "citations": list(self.citations),
            "explanation": self.explanation.to_dict(),
            "missing": list(self.missing),
            "rules_version": self.rules_version,
            "caveats": list(self.caveats),
        }
        if self.possible is not None:
            out["possible"] = [p.to_dict() for p in self.possible]
        if self.as_of is not None:
            out["as_of"] = self.as_of.isoformat()
        if self.details is not None:
            out["details"] = self.details
        if self.in_force:
            out["in_force"] = [{"provision": p, "from": f, "until": u} for p, f, u in self.in_force]
        return out


def _missing_fields(node: ProofNode) -> list[str]:
    """Fields whose absence leaves the answer open: only along unknown paths, never inside a
    branch that already failed on a known fact."""
    if node.kind == "missing" and node.field:
        return [node.field]
    return [f for child in node.because if child.status is Status.UNKNOWN for f in _missing_fields(child)]


def _conflict(q: ir.Question, values: list[Any]) -> KnowledgeBaseError:
    """Two different values proved for one answer (status ``conflict``): the compiled backends
    report it per case, so one inconsistent case does not stop a batch; the engine of record
    refuses to answer from inconsistent rules (``kb.answers``, last paragraph)."""
    return KnowledgeBaseError(f"the knowledge base gives {len(values)} different answers to '{q.name}': "
                              + ", ".join(render_value(v) for v in values))


def _jsonable(value: Any) -> Any:
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


@dataclass
class KnowledgeBase:
    """A checked, compiled knowledge base with its engine."""

    program: ir.Program
    modules: tuple[ast.Module, ...]
    warnings: tuple[Diagnostic, ...]
    rules_version: str
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    engine: DatalogEngine = field(init=False)
    _shared: dict[int, SharedProofs] = field(init=False, default_factory=dict)  # per epoch, like _engines

    def __post_init__(self) -> None:
        self.engine = DatalogEngine(self.program)
        self._boundaries = self.program.version_boundaries()
        self._engines: dict[int, DatalogEngine] = {}
        self._in_force = {cid: (cid, p.in_force_from.isoformat() if p.in_force_from else None,
                                p.in_force_until.isoformat() if p.in_force_until else None)
                          for cid, p in self.program.provisions.items()}
        self._case_inputs = tuple(rel for rel in self.program.relations.values() if rel.kind == "input" and rel.field)

    # ------------------------------------------------------------------ introspection
    @property
    def questions(self) -> dict[str, ir.Question]:
        return dict(self.program.questions)

    @property
    def provisions(self) -> dict[str, ir.Provision]:
        return dict(self.program.provisions)

    # ------------------------------------------------------------------ asking
    def _question(self, name: str) -> ir.Question:
        if name in self.program.questions:
            return self.program.questions[name]
        if name in CONTRACT_QUESTIONS:
            raise NotEncodedError(f"question '{name}' is in the contract but not yet encoded in this knowledge base "
                                  f"(encoded: {', '.join(sorted(self.program.questions))})")
        known = sorted(set(CONTRACT_QUESTIONS) | set(self.program.questions))
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; questions: {', '.join(known)}"
        raise QueryError(f"unknown question '{name}'{hint}")

    def input_facts(self, case: Case) -> tuple[dict[str, list[tuple[Any, ...]]], dict[str, str]]:
        """The case as input rows per relation, and the input relations whose field is unknown."""
        facts: dict[str, list[tuple[Any, ...]]] = {}
        unknown: dict[str, str] = {}
        for rel in self._case_inputs:
            assert rel.field is not None
            if not case.known(rel.field):
                if not rel.as_recorded:
                    unknown[rel.name] = rel.field
                continue
            value = case.get(rel.field)
            spec = FIELDS[rel.field]
            if value is None:  # a nullable field given as null: known, with no row ("none")
                facts[rel.name] = []
            elif spec.type == "enum_list":
                facts[rel.name] = [(CASE_KEY, v) for v in value]
            elif spec.type == "bool":  # both values are facts, so "known false" is expressible
                facts[rel.name] = [(CASE_KEY, "true" if value else "false")]
            else:
                facts[rel.name] = [(CASE_KEY, value)]
        return facts, unknown

    def ask(self, question: str, case: Mapping[str, Any] | Case) -> Answer:
        """Answer a contract question about a case (JSON data or a validated Case)."""
        return self.ask_many([question], case)[0]

    def ask_many(self, questions: list[str], case: Mapping[str, Any] | Case) -> list[Answer]:
        """Several questions about one case: one model and one proof memo serve them all."""
        qs = [self._question(q) for q in questions]
        valid = case if isinstance(case, Case) else validate_case(case)
        facts, unknown = self.input_facts(valid)
        as_of: _dt.date = valid.get("as_of")
        model = self._engine_on(as_of).explore(facts, [q.relation for q in qs])
        label = f"case {valid.id}" if valid.id else "this case"
        prover = Prover(self.program, model, unknown, CASE_KEY, label, frozenset(valid.values), as_of,
                        self._shared_on(as_of))
        out = []
        for q in qs:
            pattern = q.pattern
            answer = self._answer(q, valid, prover.atom(q.relation, pattern), prover, pattern)
            # how the case was read (an authority not encoded) is said on every answer it shaped
            out.append(replace(answer, caveats=(*valid.notes, *answer.caveats)) if valid.notes else answer)
        return out

    def _engine_on(self, as_of: _dt.date) -> DatalogEngine:
        """One engine per distinct set of rules in force; there are few (the provisions' dates)."""
        epoch = bisect.bisect_right(self._boundaries, as_of)
        if epoch not in self._engines:
            active = frozenset(r.label for r in self.program.rules if not self.program.not_in_force(r, as_of))
            self._engines[epoch] = (self.engine if active == frozenset(r.label for r in self.program.rules)
                                    else DatalogEngine(self.program.in_force_on(as_of)))
        return self._engines[epoch]

    def _shared_on(self, as_of: _dt.date) -> SharedProofs:
        """The proofs of case-independent atoms, one set per version of the law like the engines."""
        epoch = bisect.bisect_right(self._boundaries, as_of)
        if epoch not in self._shared:
            self._shared[epoch] = SharedProofs(shareable_relations(self.program, as_of, CASE_KEY))
        return self._shared[epoch]

    @property
    def patterns(self) -> dict[str, tuple[Any, ...]]:
        """Each question's atom with the case bound and its answer position open, as the
        compiled backends take them."""
        return {name: q.pattern for name, q in self.questions.items()}

    def _answer(self, q: ir.Question, case: Case, result: Any, prover: Prover, pattern: tuple[Any, ...]) -> Answer:
        """The answer the contract's rule (``kb.answers.assemble``) gives from the proved and the
        possible rows, and its explanation: the proofs that decide it, or the ways it may yet change."""
        true_rows = [(row, node) for row, status, node in result.rows if status is Status.TRUE]
        maybe = [node for _, status, node in result.rows if status is Status.UNKNOWN]
        if result.rest is Status.UNKNOWN and result.rest_node is not None:
            maybe.append(result.rest_node)
        if q.kind == "yes_no":
            outcome = assemble(q.kind, [True] if true_rows else [], bool(maybe))
            explanation = self._yes_no_explanation(q, result, prover, pattern, true_rows, maybe, outcome)
        else:
            assert q.answer_position is not None
            values = [row[q.answer_position] for row, _ in true_rows]
            nodes = [node for _, node in true_rows]
            if q.kind == "list":
                outcome, explanation = self._list_answer(q, values, nodes, result)
            else:
                outcome = assemble(q.kind, values, bool(maybe))
                if outcome.status == CONFLICT:  # where the engine of record parts from the compiled backends
                    raise _conflict(q, values)
                explanation = self._value_explanation(q, result, values, nodes, maybe, outcome)
        if outcome.waits_on_fields:  # the proof is walked for its missing fields only then
            outcome = outcome.naming(_missing_fields(explanation))
        citations, caveats = self._sources(explanation)
        return Answer(q.name, case.id, outcome.status, outcome.answer, citations, explanation, outcome.missing,
                      self.rules_version, caveats, outcome.possible, case.get("as_of"),
                      self._details(outcome.answer, outcome.possible), self._versions(citations))

    def _details(self, answer: Any, possible: tuple[Possible, ...] | None) -> dict[str, Any] | None:
        """The services named in the answer or its possible members, with their details (None: none)."""
        shown = [*(answer if isinstance(answer, list) else [answer]), *(p.member for p in possible or ())]
        return {v: self.services[v] for v in shown if isinstance(v, str) and v in self.services} or None

    @staticmethod
    def _yes_no_explanation(q: ir.Question, result: Any, prover: Prover, pattern: tuple[Any, ...],
                            true_rows: list[tuple[Any, ProofNode]], maybe: list[ProofNode], outcome: Outcome) -> ProofNode:
        """A yes/no answer's explanation: its first proof (yes), the ways it may yet hold
        (undetermined), or why it does not (no)."""
        if outcome.answer is True:
            return true_rows[0][1]
        if outcome.status == UNDETERMINED:
            return ProofNode(prover.wording.cannot_tell(q.relation, pattern), Status.UNKNOWN, "why_not",
                             because=tuple(maybe))
        rest: ProofNode | None = result.rest_node
        assert rest is not None
        return rest

    @staticmethod
    def _value_explanation(q: ir.Question, result: Any, values: list[Any], nodes: list[ProofNode],
                           maybe: list[ProofNode], outcome: Outcome) -> ProofNode:
        """A value answer's explanation: the ways it may yet change (undetermined), the value's proof,
        or why there is none."""
        if outcome.status == UNDETERMINED:
            return ProofNode(Wording.cannot_tell_value(q.description), Status.UNKNOWN, "why_not",
                             because=tuple(nodes) + tuple(maybe))
        if values:
            return nodes[0]
        rest: ProofNode | None = result.rest_node
        assert rest is not None
        return rest

    def _list_answer(self, q: ir.Question, values: list[Any], nodes: list[ProofNode],
                     result: Any) -> tuple[Outcome, ProofNode]:
        """A list question: the members the facts establish, and each member further facts could
        add with the fields that would settle it (None as member: some the case does not yet name)."""
        assert q.answer_position is not None
        ways: dict[Any, list[ProofNode]] = {}
        for row, status, node in result.rows:
            if status is Status.UNKNOWN and row[q.answer_position] not in values:
                ways.setdefault(row[q.answer_position], []).append(node)
        if result.rest is Status.UNKNOWN and result.rest_node is not None:
            ways.setdefault(None, []).append(result.rest_node)
        outcome = assemble(q.kind, values, {m: tuple(dict.fromkeys(f for n in ns for f in _missing_fields(n)))
                                            for m, ns in ways.items()})
        assert outcome.possible is not None
        maybe = tuple(n for p in outcome.possible for n in ways[p.member])
        children = tuple(nodes) + maybe
        if not children and result.rest_node is not None:
            children = (result.rest_node,)
        status = Status.UNKNOWN if outcome.status == UNDETERMINED else Status.TRUE
        explanation = ProofNode(f"{q.description}: " + (", ".join(render_value(v) for v in values) or "none"),
                                status, "answer", because=children)
        return outcome, explanation

    def _versions(self, citations: tuple[str, ...]) -> tuple[tuple[str, str | None, str | None], ...]:
        return tuple(self._in_force[cid] for cid in citations if cid in self._in_force)

    def _sources(self, node: ProofNode) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The provisions a proof cites (by its rules, or as the basis of a calculation's step),
        in order of first use, and its caveats: those of each provision cited by a step the answer
        rests on, then those such steps raise. A step the answer rests on: every step but the
        alternatives that failed beside it (a false step under a true or open one, unless a
        negation rests on its failing), so no caveat is raised by a way the case does not go.
        One walk, depth first in order (``ProofNode.walk``'s), marking which steps it rests on."""
        provisions = self.program.provisions
        cited: dict[str, None] = {}
        resting: dict[str, None] = {}
        raised: dict[str, None] = {}
        false = Status.FALSE
        stack = [(node, True)]
        while stack:  # a warm ask's proof has dozens of steps: plain loops, no per-step lists
            n, rests = stack.pop()
            found = n.cites
            if n.steps:
                found = (*found, *(basis for _, basis in n.steps if basis and basis in provisions))
            for cid in found:
                cited[cid] = None
                if rests:
                    resting[cid] = None
            if rests:
                for caveat in n.caveats:
                    raised[caveat] = None
            if n.because:
                keep_false = n.status is false or n.kind == "not"
                for child in reversed(n.because):
                    stack.append((child, rests and (keep_false or child.status is not false)))
        caveats = {f"{cid}: {caveat}": None for cid in resting if cid in provisions for caveat in provisions[cid].caveats}
        return tuple(cited), tuple({**caveats, **raised})


def question_listing(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """The contract's questions and any the rules add, encoded or not: ``{name, kind, description,
    encoded}`` each. The one listing `redress questions --json` and HTTP ``GET /questions`` print."""
    rows = []
    for name in dict.fromkeys([*CONTRACT_QUESTIONS, *kb.questions]):
        q = kb.questions.get(name)
        rows.append({"name": name, "kind": q.kind if q else None,
                     "description": q.description if q else "not yet encoded", "encoded": q is not None})
    return rows


def load(path: str | Path | None = None, *, use_cache: bool = True) -> KnowledgeBase:
    """Load, check and compile a knowledge base (default: the bundled one).

    Raises ``RedressSyntaxError`` or ``RedressCheckError`` (with every diagnostic); on success
    the knowledge base is complete and its warnings are in ``kb.warnings``. A checked and
    compiled knowledge base is cached (``$XDG_CACHE_HOME/redress``) against the hashes of every
    file it was built from and of the compiler itself, so an unchanged one loads without
    re-parsing or re-checking; ``REDRESS_NO_CACHE=1`` turns the cache off.

    The cache cannot run code: it is JSON that rebuilds only the pipeline's own dataclasses (not
    a pickle, which runs whatever a planted file names). It is read only from a folder and a
    file owned by the user and writable by no one else, so no one else's file is trusted; a cache
    that is foreign, unreadable, corrupt or stale is ignored and the rules are built afresh
    (see :mod:`redress.kbcache`).
    """
    entry = Path(path) if path is not None else default_rules_path()
    use_cache = use_cache and not os.environ.get("REDRESS_NO_CACHE")
    cache = kbcache.cache_file(entry) if use_cache else None
    if cache is not None:
        cached = kbcache.read_cache(cache)
        if cached is not None:
            return KnowledgeBase(**cached)
    kb, sources = _build(entry)
    if cache is not None:
        kbcache.write_cache(cache, {"program": kb.program, "modules": kb.modules, "warnings": kb.warnings,
                                    "rules_version": kb.rules_version, "services": kb.services}, sources)
    return kb


def _build(entry: Path) -> tuple[KnowledgeBase, list[Path]]:
    """The whole pipeline (``kb.build``). Imported here, so a cached load never pays for the
    parser, checker or compiler."""
    from redress.kb.build import build

    made = build(entry)
    if made.program is None:
        raise RedressCheckError(list(made.errors))
    return KnowledgeBase(made.program, made.modules, made.warnings, made.rules_version, made.services), list(made.sources)
