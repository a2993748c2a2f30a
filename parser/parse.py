"""Text -> AST. Lark parses; a Transformer builds frozen dataclasses with spans.

Lark's exceptions never escape this module: they become ``RedressSyntaxError`` with
file:line:column, the offending line with a caret, and what was expected.
"""

from __future__ import annotations

import builtins
import datetime as _dt
import re
import textwrap
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError
from lark.tree import Meta

from redress.core.errors import RedressSyntaxError, Span
from redress.parser import ast

__all__ = ["parse_text", "parse_file", "parse_program"]

# Friendly names for terminals in "expected ..." messages.
_TERMINAL_LABELS = {
    "NAME": "a name (lower_case)",
    "VAR": "a variable (Capitalised)",
    "STRING": 'a quoted "string"',
    "DATE": "a date (YYYY-MM-DD)",
    "INT": "a whole number",
    "SIGNED_INT": "a whole number",
    "FIELD": "a case field (e.g. decision.kind)",
    "COMPARE": "a comparison (< <= > >= !=)",
    "ANSWER_KIND": "an answer kind (yes_no, value, date, list)",
    "$END": "end of file",
}


@lru_cache(maxsize=1)
def _lark() -> Lark:
    return Lark.open_from_package(
        "redress.parser", "grammar.lark", parser="lalr", propagate_positions=True, maybe_placeholders=True
    )


def _span(file: str, meta: Meta | Token) -> Span:
    return Span(file, meta.line or 0, meta.column or 0, meta.end_line or 0, meta.end_column or 0)


def _unquote(token: str) -> str:
    if token.startswith('"""'):
        # text usually starts on the opening line; dedent the continuation lines on their own
        first, _, rest = token[3:-3].partition("\n")
        return "\n".join(p for p in (first.strip(), textwrap.dedent(rest).strip()) if p)
    body = token[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _date(token: Token, file: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(str(token))
    except ValueError:
        raise RedressSyntaxError(f"not a real date: {token}", _span(file, token)) from None


def _int(token: Token, file: str) -> int:
    try:
        return int(token)
    except ValueError:  # Python will not convert a number of over 4,300 digits
        raise RedressSyntaxError(f"number too long: {len(token)} digits", _span(file, token)) from None


@v_args(meta=True, inline=True)
class _ToAst(Transformer[Token, Any]):
    """Each method builds one node; names match the grammar's rules and aliases."""

    def __init__(self, file: str):
        super().__init__()
        self.file = file

    def _s(self, meta: Meta) -> Span:
        return _span(self.file, meta)

    # terms
    def var(self, meta: Meta, tok: Token) -> ast.Var:
        return ast.Var(str(tok), self._s(meta))

    def anon(self, meta: Meta, tok: Token) -> ast.Var:
        # each _ is a variable of its own, named by its place: no written variable starts with _
        return ast.Var(f"_{tok.line}_{tok.column}", self._s(meta))

    def symbol(self, meta: Meta, tok: Token) -> ast.Const:
        return ast.Const(str(tok), self._s(meta))

    def string(self, meta: Meta, tok: Token) -> ast.Const:
        return ast.Const(_unquote(str(tok)), self._s(meta))

    def date(self, meta: Meta, tok: Token) -> ast.Const:
        return ast.Const(_date(tok, self.file), self._s(meta))

    def int(self, meta: Meta, tok: Token) -> ast.Const:
        return ast.Const(_int(tok, self.file), self._s(meta))

    def args(self, meta: Meta, *terms: ast.Term) -> tuple[ast.Term, ...]:
        return terms

    def atom(self, meta: Meta, name: Token, args: tuple[ast.Term, ...] | None) -> ast.Atom:
        return ast.Atom(str(name), args or (), self._s(meta))

    def call(self, meta: Meta, name: Token, args: tuple[ast.Term, ...] | None) -> tuple[str, tuple[ast.Term, ...]]:
        return str(name), args or ()

    # literals
    def negation(self, meta: Meta, atom: ast.Atom) -> ast.Negation:
        return ast.Negation(atom, self._s(meta))

    def comparison(self, meta: Meta, left: ast.Term, op: Token, right: ast.Term) -> ast.Comparison:
        return ast.Comparison(str(op), left, right, self._s(meta))

    def equality(self, meta: Meta, left: ast.Term, right: ast.Term) -> ast.Comparison:
        return ast.Comparison("=", left, right, self._s(meta))

    def assignment(self, meta: Meta, target: ast.Term, call: tuple[str, tuple[ast.Term, ...]]) -> ast.Assignment:
        if not isinstance(target, ast.Var):
            raise RedressSyntaxError(f"the result of {call[0]}(...) must go into a Variable, not {target}", target.span)
        return ast.Assignment(target, call[0], call[1], self._s(meta))

    def body(self, meta: Meta, *literals: ast.Literal) -> tuple[ast.Literal, ...]:
        return literals

    def unless(self, meta: Meta, *atoms: ast.Atom) -> tuple[ast.Literal, ...]:
        return tuple(ast.Negation(a, a.span, written_as="unless") for a in atoms)

    def cites(self, meta: Meta, *ids: Token) -> tuple[tuple[str, ...], Span]:
        return tuple(_unquote(str(i)) for i in ids), self._s(meta)

    def params(self, meta: Meta, *names: Token) -> tuple[str, ...]:
        return tuple(str(n) for n in names)

    # items
    def include(self, meta: Meta, path: Token) -> ast.Include:
        return ast.Include(_unquote(str(path)), self._s(meta))

    def prov_title(self, meta: Meta, s: Token) -> tuple[str, Any]:
        return "title", _unquote(str(s))

    def prov_text(self, meta: Meta, s: Token) -> tuple[str, Any]:
        return "text", _unquote(str(s))

    def prov_source(self, meta: Meta, s: Token) -> tuple[str, Any]:
        return "source", _unquote(str(s))

    def prov_in_force(self, meta: Meta, start: Token, until: Token | None) -> tuple[str, Any]:
        return "in_force", (_date(start, self.file), _date(until, self.file) if until else None)

    def prov_caveat(self, meta: Meta, s: Token) -> tuple[str, Any]:
        return "caveat", _unquote(str(s))

    def provision(self, meta: Meta, pid: Token, *fields: tuple[str, Any]) -> ast.Provision:
        values: dict[str, Any] = {}
        caveats: list[str] = []
        for key, value in fields:
            if key == "caveat":
                caveats.append(value)
            elif key == "in_force":
                values["in_force_from"], values["in_force_until"] = value
            else:
                values[key] = value
        return ast.Provision(_unquote(str(pid)), self._s(meta), caveats=tuple(caveats), **values)

    def predicate_decl(self, meta: Meta, name: Token, params: tuple[str, ...] | None, tmpl: Token) -> ast.PredicateDecl:
        return ast.PredicateDecl(str(name), params or (), _unquote(str(tmpl)), self._s(meta))

    def input_decl(
        self, meta: Meta, name: Token, params: tuple[str, ...] | None, field: Token, recorded: Token | None, tmpl: Token
    ) -> ast.InputDecl:
        return ast.InputDecl(str(name), params or (), str(field), _unquote(str(tmpl)), self._s(meta), recorded is not None)

    def _cites(self, meta: Meta, cites: tuple[tuple[str, ...], Span] | None) -> tuple[tuple[str, ...], Span]:
        return cites if cites is not None else ((), self._s(meta))

    def fact(self, meta: Meta, atom: ast.Atom, cites: tuple[tuple[str, ...], Span] | None) -> ast.Fact:
        ids, span = self._cites(meta, cites)
        return ast.Fact(atom, ids, self._s(meta), span)

    def rule(
        self,
        meta: Meta,
        label: Token,
        cites: tuple[tuple[str, ...], Span] | None,
        head: ast.Atom,
        body: tuple[ast.Literal, ...],
        unless: tuple[ast.Literal, ...] | None,
    ) -> ast.Rule:
        ids, span = self._cites(meta, cites)
        return ast.Rule(str(label), head, body + (unless or ()), ids, self._s(meta), span)

    def exception(
        self,
        meta: Meta,
        label: Token,
        target: Token,
        cites: tuple[tuple[str, ...], Span] | None,
        body: tuple[ast.Literal, ...],
    ) -> ast.Exception_:
        ids, span = self._cites(meta, cites)
        return ast.Exception_(str(label), str(target), body, ids, self._s(meta), span)

    def question(self, meta: Meta, name: Token, kind: Token, atom: ast.Atom, desc: Token) -> ast.Question:
        return ast.Question(str(name), str(kind), atom, _unquote(str(desc)), self._s(meta))

    # chapters and the classification of their paragraphs
    def chapter(self, meta: Meta, prefix: Token, first: Token, last: Token) -> ast.Chapter:
        return ast.Chapter(_unquote(str(prefix)), _int(first, self.file), _int(last, self.file), self._s(meta))

    def cls_descriptive(self, meta: Meta) -> tuple[str, tuple[str, ...]]:
        return "descriptive", ()

    def cls_guidance(self, meta: Meta) -> tuple[str, tuple[str, ...]]:
        return "guidance only", ()

    def cls_outside(self, meta: Meta) -> tuple[str, tuple[str, ...]]:
        return "outside the reference", ()

    def cls_encoded_by(self, meta: Meta, *ids: Token) -> tuple[str, tuple[str, ...]]:
        return "encoded by", tuple(_unquote(str(i)) for i in ids)

    def classification(self, meta: Meta, first: Token, last: Token | None, status: tuple[str, tuple[str, ...]],
                       reason: Token) -> ast.Classification:
        return ast.Classification(_unquote(str(first)), _unquote(str(last)) if last is not None else None,
                                  status[0], status[1], _unquote(str(reason)), self._s(meta))

    # scenarios
    def j_string(self, meta: Meta, tok: Token) -> str:
        return _unquote(str(tok))

    def j_int(self, meta: Meta, tok: Token) -> builtins.int:  # plain ``int`` here is the method above
        return _int(tok, self.file)

    def j_true(self, meta: Meta) -> bool:
        return True

    def j_false(self, meta: Meta) -> bool:
        return False

    def j_null(self, meta: Meta) -> None:
        return None

    def j_list(self, meta: Meta, *items: Any) -> list[Any]:
        return [i for i in items if i is not None] if items != (None,) else []

    def strings(self, meta: Meta, *toks: Token) -> tuple[str, ...]:
        return tuple(_unquote(str(t)) for t in toks)

    def sc_cites(self, meta: Meta, *ids: Token) -> tuple[str, Any]:
        return "cites", tuple(_unquote(str(i)) for i in ids)

    def sc_given(self, meta: Meta, field: Token, value: Any) -> tuple[str, Any]:
        return "given", ast.Given(str(field), value, self._s(meta))

    def _expect(self, meta: Meta, question: Token, kind: str, value: Any) -> tuple[str, Any]:
        return "expect", ast.Expectation(str(question), kind, value, self._s(meta))

    def sc_equals(self, meta: Meta, q: Token, value: Any) -> tuple[str, Any]:
        return self._expect(meta, q, "equals", value)

    def sc_undetermined(self, meta: Meta, q: Token, missing: tuple[str, ...] | None) -> tuple[str, Any]:
        return self._expect(meta, q, "undetermined", tuple(missing or ()))

    def sc_includes(self, meta: Meta, q: Token, value: Any) -> tuple[str, Any]:
        return self._expect(meta, q, "includes", value)

    def sc_excludes(self, meta: Meta, q: Token, value: Any) -> tuple[str, Any]:
        return self._expect(meta, q, "excludes", value)

    def sc_possibly(self, meta: Meta, q: Token, value: Any, missing: tuple[str, ...] | None) -> tuple[str, Any]:
        return self._expect(meta, q, "possibly", (value, tuple(missing or ())))

    def sc_expect_cites(self, meta: Meta, q: Token, value: Token) -> tuple[str, Any]:
        return self._expect(meta, q, "cites", _unquote(str(value)))

    def scenario(self, meta: Meta, title: Token, *lines: tuple[str, Any]) -> ast.Scenario:
        cites: tuple[str, ...] = ()
        givens: list[ast.Given] = []
        expects: list[ast.Expectation] = []
        for key, value in lines:
            if key == "cites":
                cites += value
            elif key == "given":
                givens.append(value)
            else:
                expects.append(value)
        return ast.Scenario(_unquote(str(title)), cites, tuple(givens), tuple(expects), self._s(meta))


def _expected_labels(parser: Lark, names: set[str] | frozenset[str]) -> tuple[str, ...]:
    labels: set[str] = set()
    for name in names:
        if name in _TERMINAL_LABELS:
            labels.add(_TERMINAL_LABELS[name])
            continue
        try:
            pattern = parser.get_terminal(name).pattern
        except KeyError:
            labels.add(name)
            continue
        if pattern.type == "re" and (keyword := re.fullmatch(r"([a-z_]+)\\b", pattern.value)):
            labels.add(f'"{keyword.group(1)}"')  # a keyword, which the grammar bounds by \b
        else:
            labels.add(f'"{pattern.value}"' if pattern.type == "str" else name)
    return tuple(sorted(labels))


def _pos(err: UnexpectedCharacters) -> int:
    """Where the unexpected character is: lark sets ``pos_in_stream`` to it but types the
    attribute as ``None`` (its class-level default)."""
    return cast(int, err.pos_in_stream)


def _syntax_error(err: UnexpectedInput, text: str, file: str, parser: Lark) -> RedressSyntaxError:
    line, column = err.line, err.column
    if isinstance(err, UnexpectedEOF) or line in (None, -1):
        lines = text.split("\n")
        line, column = len(lines), len(lines[-1]) + 1
    span = Span(file, line, column, line, column + 1)
    lines = text.split("\n")  # Lark counts only \n; splitlines() also breaks at \f, \r, U+2028
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    # the whole offending line, then a caret under the column (Lark's get_context clips the line)
    context = f"{line:>4} | {source_line}\n     | {' ' * (column - 1)}^" if source_line or lines else ""
    expected: tuple[str, ...] = ()
    if isinstance(err, UnexpectedToken):
        got = "end of file" if err.token.type == "$END" else f"{str(err.token)!r}"
        message = f"unexpected {got}"
        # the interactive parser knows exactly what this state accepts; err.expected merges
        # lookaheads of LALR states that share a core, listing words that cannot follow here
        accepts = err.interactive_parser.accepts() if err.interactive_parser is not None else err.expected
        expected = _expected_labels(parser, accepts or err.expected)
    elif isinstance(err, UnexpectedCharacters) and _pos(err) < len(text) and text[_pos(err)] == '"':
        message = 'unterminated string: no closing " on this line'
    elif isinstance(err, UnexpectedCharacters):
        message = f"unexpected character {text[_pos(err)]!r}" if _pos(err) < len(text) else "unexpected input"
        expected = _expected_labels(parser, err.allowed or set())
    else:
        message = "unexpected end of file"
        expected = _expected_labels(parser, getattr(err, "expected", set()) or set())
    return RedressSyntaxError(message, span, context, expected)


def parse_text(text: str, file: str = "<string>") -> ast.Module:
    """Parse one rule file's text into a Module.

    >>> parse_text('include "x.rules"').items[0].path
    'x.rules'
    """
    parser = _lark()
    try:
        tree = parser.parse(text)
    except UnexpectedInput as err:
        raise _syntax_error(err, text, file, parser) from None
    except RecursionError:
        raise _too_deep(text, file) from None
    try:
        items = _ToAst(file).transform(tree).children
    except VisitError as err:  # a node callback raised (e.g. an impossible date)
        if isinstance(err.orig_exc, RedressSyntaxError):
            raise err.orig_exc from None
        if isinstance(err.orig_exc, RecursionError):
            raise _too_deep(text, file) from None
        raise
    except RecursionError:  # the tree is deeper than Python's stack: hundreds of nested lists
        raise _too_deep(text, file) from None
    return ast.Module(file, text, tuple(items))


def _too_deep(text: str, file: str) -> RedressSyntaxError:
    """A syntax error at the first bracket nested deeper than any rule file needs."""
    depth, line, column = 0, 1, 0
    for ch in text:
        column += 1
        if ch == "\n":
            line, column = line + 1, 0
        elif ch in "([{":
            depth += 1
            if depth > _MAX_DEPTH:
                break
        elif ch in ")]}":
            depth -= 1
    return RedressSyntaxError(f"nested too deeply (more than {_MAX_DEPTH} brackets)", Span(file, line, max(column, 1),
                                                                                             line, max(column, 1) + 1))


_MAX_DEPTH = 100


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def parse_file(path: Path) -> ast.Module:
    """Parse one rule file. Its syntax errors quote the offending line only if it is a ``.rules``
    file: a file named by mistake (``/etc/passwd``) is never echoed."""
    shown = _display(path)
    try:
        data = path.read_bytes()
    except (OSError, ValueError) as err:  # ValueError: a NUL in the path
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise RedressSyntaxError(f"cannot read rule file: {reason}", Span(shown, 1, 1, 1, 1)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise RedressSyntaxError(f"not UTF-8 text: byte 0x{data[err.start]:02x}", Span(shown, line, column, line,
                                                                                       column + 1)) from None
    try:
        return parse_text(text, shown)
    except RedressSyntaxError as err:
        if path.suffix == ".rules" or not err.context:
            raise
        raise RedressSyntaxError(err.bare_message, err.span, "", err.expected) from None


def _confined(root: Path, folder: Path, include: ast.Include) -> Path:
    """The file an ``include`` names: a relative path to a ``.rules`` file inside the entry
    file's folder tree (after symbolic links), else a syntax error at the include line."""
    if "\0" in include.path:
        raise RedressSyntaxError("an included path cannot hold a NUL character", include.span)
    named = Path(include.path)
    if named.is_absolute():
        raise RedressSyntaxError("include takes a path relative to the including file, not an absolute one",
                                 include.span)
    if named.suffix != ".rules":
        raise RedressSyntaxError("include names a .rules file", include.span)
    try:
        inside = (folder / named).resolve().is_relative_to(root)
    except (OSError, ValueError) as err:
        raise RedressSyntaxError(f"cannot read included file: {err}", include.span) from None
    if not inside:
        raise RedressSyntaxError(f"include must stay inside the rules folder {_display(root)}", include.span)
    return folder / named


def parse_program(entry: Path) -> tuple[ast.Module, ...]:
    """Parse an entry file and, depth first, every file it includes (each once, in order).

    An include cycle, a missing include, or one that leaves the entry file's folder tree (an
    absolute path, ``../``, a symbolic link out) is a syntax error at the include line.
    """
    modules: list[ast.Module] = []
    done: set[Path] = set()
    try:
        root = entry.resolve().parent
    except (OSError, ValueError) as err:  # a name too long, a NUL in the path
        raise RedressSyntaxError(f"cannot read rule file: {err}", Span(str(entry)[:200], 1, 1, 1, 1)) from None

    def visit(path: Path, stack: tuple[Path, ...], at: Span | None) -> None:
        try:
            real = path.resolve()
            found = real.is_file()
        except (OSError, ValueError) as err:
            if at is None:
                raise RedressSyntaxError(f"cannot read rule file: {err}", Span(_display(path)[:200], 1, 1, 1, 1)) from None
            raise RedressSyntaxError(f"cannot read included file: {err}", at) from None
        if real in stack:
            chain = " -> ".join(p.name for p in (*stack, real))
            assert at is not None
            raise RedressSyntaxError(f"include cycle: {chain}", at)
        if real in done:
            return
        if not found:
            if at is None:
                raise RedressSyntaxError("rule file not found", Span(_display(path), 1, 1, 1, 1))
            raise RedressSyntaxError(f"included file not found: {_display(path)}", at)
        module = parse_file(path)
        done.add(real)
        modules.append(module)
        for item in module.items:
            if isinstance(item, ast.Include):
                visit(_confined(root, real.parent, item), (*stack, real), item.span)

    visit(entry, (), None)
    return tuple(modules)
