"""The ``redress`` command: a thin click group over the Python API."""

from __future__ import annotations

import json
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, TextIO, TypeVar

import click

from redress.kb.schema import AUTHORITIES
from redress.core.errors import (CaseValidationError, KnowledgeBaseError, QueryError, RedressCheckError, RedressError,
                            RedressSyntaxError)

if TYPE_CHECKING:
    from rich.console import Console

    from redress.api import Answer, KnowledgeBase
    from redress.batch import BatchSummary
    from redress.parser import ast
    from redress.waiting import CertificateWait

__all__ = ["main", "cli"]

EXIT_BAD_INPUT = 2
EXIT_RULES = 3
R = TypeVar("R")  # a report of redress.reports.graph


def _fail(err: RedressError, as_json: bool, code: int = EXIT_BAD_INPUT) -> None:
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta["redress.failed"] = True
    if as_json:
        click.echo(json.dumps({"error": err.to_dict()}), err=True)
    else:
        click.echo(f"error: {err}", err=True)
    sys.exit(code)


def _load(rules: Path | None = None, now: bool = False) -> KnowledgeBase:
    """Load the knowledge base and say which rules answer (path and rules_version) on standard
    error, so JSON on standard output stays JSON; and say so when a rules/ folder here is not them.
    Said when the command ends (``now``: at once), unless it failed: an error alone on standard
    error stays one JSON body under --json."""
    from redress.api import default_rules_path, load

    kb = load(rules)
    entry = rules or default_rules_path()
    lines = [f"rules: {entry} ({kb.rules_version})"]
    here = Path("rules") / "main.rules"
    if rules is None and here.is_file() and here.resolve() != entry.resolve():
        lines.append(f"note: these are the installed rules, not {here} here; pass --rules {here} to use those "
                     "(or install with pip install -e .)")
    ctx = click.get_current_context()

    def say() -> None:
        if not ctx.meta.get("redress.failed"):
            click.echo("\n".join(lines), err=True)

    if now:
        say()
    else:
        ctx.call_on_close(say)
    return kb


def _read_case(source: TextIO) -> Any:
    from redress.kb.schema import parse_json

    try:
        text = source.read()
    except (OSError, UnicodeDecodeError) as err:
        raise CaseValidationError(f"cannot read the case: {err}", "case") from None
    return parse_json(text, "case")


@click.group()
@click.version_option(package_name="redress")
def cli() -> None:
    """redress: SEND dispute routes (England) as cited rules, answered with proofs."""


@cli.command()
@click.argument("question")
@click.option("--case", "case_file", type=click.File("r"), required=True, help="Case JSON file, or - for standard input.")
@click.option("--json", "as_json", is_flag=True, help="Print the contract's answer JSON (same as --format json).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "dot", "svg"]), default=None,
              help="How to print the answer and its proof (default: text).")
@click.option("--rules", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Entry rule file (default: the bundled knowledge base).")
@click.option("--record", "record_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write a replayable decision record to this file.")
def ask(question: str, case_file: TextIO, as_json: bool, fmt: str | None, rules: Path | None,
        record_file: Path | None) -> None:
    """Answer QUESTION about a case, with its proof. QUESTION may be 'all' or a comma list: then one
    report answers each (JSON: a list of answers)."""
    from redress.kb.schema import validate_case
    from redress.waiting import certificate_wait

    fmt = fmt or ("json" if as_json else "text")
    try:
        case = _read_case(case_file)
        kb = _load(rules)
        many = question == "all" or "," in question
        names = _question_names(kb, question)
        if many and (fmt not in ("text", "json") or record_file is not None):
            raise QueryError("several questions make one report in text or JSON; --format "
                             f"{fmt}{' and --record' if record_file else ''} take one question")
        valid = validate_case(case)
        answers = kb.ask_many(names, valid)
    except (RedressSyntaxError, RedressCheckError, KnowledgeBaseError) as err:
        _fail(err, fmt == "json", EXIT_RULES)
        return
    except RedressError as err:
        _fail(err, fmt == "json")
        return
    waits = {a.question: w for a in answers if (w := certificate_wait(kb, valid, a)) is not None}
    if many:
        _echo_report(answers, waits, fmt)
        return
    answer = answers[0]
    if record_file is not None:
        from redress.reports.records import make_record, write_record

        write_record(record_file, make_record(kb, question, case, answer))
    _echo_answer(answer, waits.get(answer.question), fmt, as_json)


def _question_names(kb: KnowledgeBase, questions: str) -> list[str]:
    """The questions asked: 'all' of the knowledge base's, or a comma list."""
    return list(kb.questions) if questions == "all" else [q.strip() for q in questions.split(",") if q.strip()]


def _echo_report(answers: list[Answer], waits: dict[str, CertificateWait], fmt: str) -> None:
    """Several answers: one report in text, or a JSON list."""
    from redress.reports.render import report_text

    click.echo(json.dumps([{**a.to_dict(), **({"waiting_on": waits[a.question].to_dict()} if a.question in waits
                                              else {})} for a in answers], indent=2, ensure_ascii=False)
               if fmt == "json" else report_text(answers, {q: w.lines() for q, w in waits.items()}))


def _echo_answer(answer: Answer, wait: CertificateWait | None, fmt: str, as_json: bool) -> None:
    """One answer in ``fmt``: text or JSON (with what it waits on), or an export format."""
    from redress.reports.render import answer_json, answer_text

    if fmt in ("text", "json"):
        if fmt == "json":
            click.echo(answer_json(answer) if wait is None else
                       json.dumps({**answer.to_dict(), "waiting_on": wait.to_dict()}, indent=2, ensure_ascii=False))
        else:
            click.echo(answer_text(answer, wait.lines() if wait else ()))
        return
    from redress.reports import export

    try:
        click.echo({"markdown": export.answer_markdown, "dot": export.answer_dot, "svg": export.answer_svg}[fmt](answer))
    except RedressError as err:
        _fail(err, as_json)


@cli.command()
@click.argument("record_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.option("--rules", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
def replay(record_file: Path, as_json: bool, rules: Path | None) -> None:
    """Re-evaluate a decision record; say identical or differs, and what changed since. Exit 1 if it differs."""
    from redress.reports.records import read_record
    from redress.reports.records import replay as run_replay

    try:
        result = run_replay(_load(rules), read_record(record_file))
    except RedressError as err:
        _fail(err, as_json)
        return
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(result.text())
    sys.exit(0 if result.identical else 1)


@cli.command()
@click.argument("cases", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--questions", default="all", show_default=True, help="Comma-separated questions, or 'all'.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Answers file.")
@click.option("--in-format", type=click.Choice(["jsonl", "csv", "parquet"]), default=None,
              help="Default: from the extension.")
@click.option("--out-format", type=click.Choice(["jsonl", "csv"]), default=None, help="Default: from the extension.")
@click.option("--rules", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on standard error.")
@click.option("--engine", type=click.Choice(["numpy", "duckdb", "pydatalog"]), default="numpy", show_default=True,
              help="numpy: the vectorised backend; duckdb: the generated SQL; pydatalog: the engine of record, "
                   "with full proofs per line. All three answer identically.")
@click.option("--layout", type=click.Choice(["long", "wide"]), default="long", show_default=True,
              help="long: one line per case and question; wide: one line per case, its answers keyed by question.")
def batch(cases: Path, questions: str, out: Path, in_format: str | None, out_format: str | None,
          rules: Path | None, progress: bool, engine: str, layout: str) -> None:
    """Answer questions for every case in CASES (JSONL, CSV or Parquet): one output line per case and
    question, or with --layout wide one per case.

    Bad input lines are reported with their line number and skipped; the exit code is then 4.
    The answers file is written atomically. The compiled engine answers identically to pyDatalog
    (status and answer); proofs and citations come from `redress ask` or --engine pydatalog.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from redress.batch import count_lines, progress_chunk, run_batch, run_batch_compiled

    in_fmt = in_format or {".csv": "csv", ".parquet": "parquet"}.get(cases.suffix.lower(), "jsonl")

    out_fmt = out_format or ("csv" if out.suffix.lower() == ".csv" else "jsonl")
    try:
        with _terminate_unwinds():
            kb = _load(rules)
            names = _question_names(kb, questions)
            for name in names:
                kb._question(name)  # fail fast on an unknown or unencoded question
            if engine == "pydatalog" and in_fmt == "parquet":
                raise CaseValidationError("Parquet input needs a compiled engine (--engine numpy or duckdb)", "CASES")
            console = _stderr_console()
            live = progress and console.is_terminal  # elsewhere (a log, a pipe): only the summary line below
            total = count_lines(cases) if live and in_fmt != "parquet" else None  # only the bar needs it
            with Progress(TextColumn("answering"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                          disable=not live, transient=True, console=console) as bar:
                task = bar.add_task("cases", total=total)

                def on_line(line: int) -> None:
                    bar.update(task, completed=line)
                    if engine != "pydatalog":  # once a chunk: shown now, not at the next timed refresh
                        bar.refresh()

                if engine == "pydatalog":
                    summary = run_batch(kb, cases, names, out, in_fmt, out_fmt, on_line if live else None, layout=layout)
                else:
                    summary = run_batch_compiled(kb, cases, names, out, in_fmt, out_fmt, on_line if live else None,
                                                 chunk=progress_chunk(total if live else None), backend=engine,
                                                 layout=layout)
    except RedressError as err:
        _fail(err, False)
        return
    except KeyboardInterrupt as err:
        click.echo(f"aborted{_by(err)}: {out} was not written", err=True)
        sys.exit(128 + (err.signum if isinstance(err, Interrupted) else signal.SIGINT))
    _echo_batch_summary(cases, out, summary)
    sys.exit(4 if summary.problems else 0)


def _echo_batch_summary(cases: Path, out: Path, summary: BatchSummary) -> None:
    """Each line skipped, then the counts, on standard error."""
    for problem in summary.problems:
        click.echo(f"{cases}:{problem}", err=True)
    n, skipped = summary.cases, len(summary.problems)
    click.echo(f"{n} case{'s' * (n != 1)}, {summary.answers} answer{'s' * (summary.answers != 1)} -> {out}; "
               f"{skipped} line{'s' * (skipped != 1)} skipped", err=True)


class Interrupted(KeyboardInterrupt):
    """A signal other than SIGINT, raised where the program is so clean-up runs as for Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _terminate_unwinds() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C while the block runs, so a batch's temporary answers file and
    folders are removed (a handler can only be set in the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    received: list[int] = []

    def interrupt(signum: int, _frame: Any) -> None:
        received.append(signum)
        raise Interrupted(signum)

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    except Exception as err:
        # DuckDB turns a signal that lands inside a query into its own error ("Query interrupted")
        if type(err).__name__ != "InterruptException" and "Query interrupted" not in str(err):
            raise
        raise (Interrupted(received[-1]) if received else KeyboardInterrupt()) from err
    finally:
        signal.signal(signal.SIGTERM, previous)


def _by(err: KeyboardInterrupt) -> str:
    return f" by {signal.Signals(err.signum).name}" if isinstance(err, Interrupted) else ""


_scenarios_option = click.option("--scenarios", type=click.Path(exists=True, file_okay=False, path_type=Path),
                                 default=None, help="Scenario tests folder (default: the bundled rules/scenarios).")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json", "dot"]), default="json", show_default=True)
@_scenarios_option
@click.option("--rules", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
def graph(fmt: str, scenarios: Path | None, rules: Path | None) -> None:
    """The citation graph: provisions, rules, predicates, questions and scenario tests."""
    from redress.reports import graph as g

    try:
        citation = g.citation_graph(_load(rules), scenarios)
    except RedressError as err:
        _fail(err, fmt == "json")
        return
    click.echo(g.dumps(g.graph_json(citation)) if fmt == "json" else g.graph_dot(citation))


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@_scenarios_option
@click.option("--reference", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The domain reference naming the chapter-11 paragraphs (default: ../shared, else built in).")
@click.option("--rules", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
def coverage(as_json: bool, scenarios: Path | None, reference: Path | None, rules: Path | None) -> None:
    """Which provisions and chapter-11 paragraphs are encoded by a rule and exercised by a scenario."""
    from redress.reports import graph as g

    _report(as_json, lambda: g.coverage(_load(rules), scenarios, reference), g.coverage_json, g.coverage_text)


@cli.command()
@click.argument("provision")
@click.option("--json", "as_json", is_flag=True)
@_scenarios_option
@click.option("--rules", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
def impact(provision: str, as_json: bool, scenarios: Path | None, rules: Path | None) -> None:
    """Every rule, question and scenario test whose answer can change if PROVISION changes."""
    from redress.reports import graph as g

    _report(as_json, lambda: g.impact(_load(rules), provision, scenarios), g.impact_json, g.impact_text)


def _report(as_json: bool, build: Callable[[], R], to_json: Callable[[R], Any], to_text: Callable[[R], str]) -> None:
    """Build a report and print it as JSON or text; a RedressError as the one error shape."""
    from redress.reports import graph as g

    try:
        report = build()
    except RedressError as err:
        _fail(err, as_json)
        return
    click.echo(g.dumps(to_json(report)) if as_json else to_text(report))


@cli.command()
@click.option("--dialect", type=click.Choice(["duckdb", "postgres"]), default="duckdb", show_default=True)
@click.option("--rules", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
def sql(dialect: str, rules: Path | None) -> None:
    """Emit the rules as SQL to run next to an authority's own case records.

    The script builds the working-day calendar, expects cases in redress_cases (one column per
    contract field), and fills redress_answers(case_id, question, status, answer, possible,
    missing, possible_missing): the fields as bit sets, named by redress_fields(bit, field).
    """
    import datetime as _dt

    from redress.law import dates
    from redress.compiled.sqlgen import full_script

    kb = _load(rules)
    start, end = _dt.date(1990, 1, 1), _dt.date(2100, 12, 31)
    holidays = dates.bank_holidays_between(start.year, end.year)
    patterns = kb.patterns
    click.echo(f"-- redress {kb.rules_version} ({dialect}): calendar, rules and answers")
    for statement in full_script(kb.program.in_force_on(_dt.date.today()), patterns, holidays, start,
                                 end + _dt.timedelta(days=40), dialect):
        click.echo(statement + ";")


@cli.command()
@click.option("--cases", "n", default=100_000, show_default=True, type=int, help="Synthetic cases.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.option("--peer", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The OpenFisca peer's folder (default: ../shared/peers/openfisca-send).")
@click.option("--runs", default=3, show_default=True, type=int)
def bench(n: int, as_json: bool, peer: Path | None, runs: int) -> None:
    """Measure redress beside the OpenFisca peer on the same seeded inputs."""
    from redress.bench import bench_text, run_bench

    result = run_bench(n, peer, runs, log=lambda text: click.echo(f"... {text}", err=True))
    click.echo(json.dumps(result, indent=2) if as_json else bench_text(result))


def _stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


@cli.command()
@click.argument("question", default="routes")
@click.option("--json", "as_json", is_flag=True, help="Print the case and the answers as JSON at the end.")
@click.option("--rules", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Entry rule file (default: the bundled knowledge base).")
def interview(question: str, as_json: bool, rules: Path | None) -> None:
    """Answer QUESTION (default: routes, "What can the family do?") by a guided interview that asks,
    one at a time, only the facts that can change the answer; reads answers from standard input."""
    from redress import interview as iv
    from redress.api import load

    try:
        kb = load(rules)
        session = iv.Interview(kb, question)
    except (RedressSyntaxError, RedressCheckError, KnowledgeBaseError) as err:
        _fail(err, as_json, EXIT_RULES)
        return
    except RedressError as err:
        _fail(err, as_json)
        return

    def say(text: str = "") -> None:
        click.echo(text, err=as_json)  # under --json the prompts stay off standard output

    def read(p: iv.Prompt, options: list[str]) -> object:
        say(p.question)
        if p.hint:
            say(f"  ({p.hint})")
        for n, label in enumerate(options, 1):
            say(f"  {n}. {label}")
        if p.kind == "date":
            say("  a date as YYYY-MM-DD" + (", or 'none'" if p.none_label else ""))
        while True:
            click.echo("> ", nl=False, err=as_json)
            line = sys.stdin.readline()
            if not sys.stdin.isatty():
                click.echo(line.rstrip("\n"), err=as_json)  # show what a pipe answered
            if not line:
                _fail(CaseValidationError("the input ended before the interview finished", p.field), as_json)
            try:
                return iv.parse_text(p, line)
            except CaseValidationError as err:
                say(f"  {getattr(err, 'bare_message', str(err))}; try again")

    facts: dict[str, object] = {}
    say(session.title)
    say()
    authority = iv.prompt("authority")
    choice = read(authority, [o.label for o in authority.options] + [str(authority.none_label)])
    if choice is not None:
        facts["authority"] = choice
    while (field := session.next_field(facts)) is not None:
        p = iv.prompt(field)
        say()
        value = read(p, [o.label for o in p.options] + ([p.none_label] if p.none_label and p.kind != "date" else []))
        facts[field] = value
    answers = session.answers(facts, shown=True)
    if as_json:
        click.echo(json.dumps({"case": iv.nest(facts), "answers": list(answers.values())}, indent=2,
                              ensure_ascii=False))
        return
    say()
    for name, answer in answers.items():
        if name in session.questions or answer["answer"] is not None:  # the timeline's dates, when known
            text, _ = iv.sentence(name, answer)
            say(f"{text}.")
            if answer["citations"]:
                say(f"    law: {'; '.join(answer['citations'])}")
    say()
    say("case: " + json.dumps(iv.nest(facts), ensure_ascii=False))
    say(f"rules_version: {kb.rules_version}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--rules", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Entry rule file (default: the bundled knowledge base).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Server processes sharing the port, each with its own knowledge base (about one per core).")
@click.option("--access-log/--no-access-log", default=False, show_default=True, help="Log every request.")
def serve(host: str, port: int, rules: Path | None, workers: int, access_log: bool) -> None:
    """Serve the HTTP API (needs the extra: pip install 'redress[web]')."""
    try:
        from redress.frontends.web import serve as run_server
    except ImportError as err:
        raise click.ClickException(f"the HTTP API needs the web extra: pip install 'redress[web]' ({err})")
    try:
        kb = _load(rules, now=True)
    except RedressError as err:
        _fail(err, False, EXIT_RULES)
        return
    run_server(host=host, port=port, kb=kb, workers=workers, access_log=access_log, rules=rules)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--show", type=click.Choice(["ast", "ir"]), default=None, help="Dump a pipeline stage.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def check(paths: tuple[Path, ...], show: str | None, strict: bool) -> None:
    """Check rule files (default: the bundled knowledge base); print file:line:col diagnostics."""
    from redress.api import default_rules_path

    failed = False
    for path in paths or (default_rules_path(),):
        failed = _check_one(path, show, strict) or failed
    sys.exit(EXIT_RULES if failed else 0)


def _check_one(path: Path, show: str | None, strict: bool) -> bool:
    """Check one entry rule file, what it includes and the authorities beside it — the build
    ``load()`` answers from — printing its diagnostics (and ``show``'s stage); True when it fails."""
    from redress.kb.build import build

    try:
        made = build(path)
    except RedressError as err:  # a syntax error, or an authority file that cannot be read
        click.echo(str(err), err=True)
        return True
    for diag in made.diagnostics:
        click.echo(str(diag), err=True)
    failed = bool(made.errors) or (strict and bool(made.warnings))
    if show == "ast":
        for module in made.modules:
            for item in module.items:
                click.echo(repr(item))
    elif show == "ir" and made.program is not None:
        for number, stratum in enumerate(made.program.strata):
            click.echo(f"stratum {number}: {', '.join(stratum)}")
        for rule in made.program.rules:
            click.echo(repr(rule))
    if failed:
        return True
    files = len(made.modules) - (1 if made.authorities else 0)
    n_rules = sum(1 for m in made.modules for i in m.items if type(i).__name__ in ("Rule", "Exception_"))
    authorities = (f" and {made.authorities} authorit{'ies' if made.authorities != 1 else 'y'}"
                   if made.authorities else "")
    click.echo(f"{path}: ok ({files} file{'s' * (files != 1)}{authorities}, {n_rules} rule{'s' * (n_rules != 1)}, "
               f"{len(made.warnings)} warning{'s' * (len(made.warnings) != 1)})")
    click.echo(f"rules_version: {made.rules_version}")
    return False


@cli.command()
@click.option("--json", "as_json", is_flag=True)
def questions(as_json: bool) -> None:
    """List the questions the knowledge base answers."""
    from redress.api import question_listing

    rows = question_listing(_load())
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        for row in rows:
            click.echo(f"{row['name']:<36} {row['kind'] or '-':<8} {row['description']}")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
def provisions(as_json: bool) -> None:
    """List the provisions the knowledge base encodes."""

    kb = _load()
    if as_json:
        click.echo(json.dumps([{"id": p.id, "title": p.title, "source": p.source,
                                "in_force_from": p.in_force_from.isoformat() if p.in_force_from else None,
                                "in_force_until": p.in_force_until.isoformat() if p.in_force_until else None,
                                "caveats": list(p.caveats)} for p in kb.provisions.values()], indent=2))
    else:
        for p in kb.provisions.values():
            click.echo(f"{p.id:<28} {p.title}")


@cli.command()
@click.option("--authority", type=click.Choice(list(AUTHORITIES)), default=None, help="One authority only.")
@click.option("--json", "as_json", is_flag=True)
def leaflets(authority: str | None, as_json: bool) -> None:
    """List where each authority's leaflet departs from the law, beside the provision."""
    from redress.api import default_rules_path
    from redress.kb.authorities import leaflet_provision_id, load_authorities, related_provisions

    kb = _load()
    rows: list[dict[str, Any]] = []
    for a in sorted(load_authorities(default_rules_path().parent / "authorities").values(), key=lambda a: a.id):
        if authority and a.id != authority:
            continue
        for d in a.departures:
            encoded = related_provisions(d.provision, kb.provisions)
            rows.append({"authority": a.id, "leaflet": leaflet_provision_id(a), "seed": a.seed, "id": d.id,
                         "kind": d.kind, "statement": d.statement, "provision": d.provision,
                         "encoded_as": [{"id": i, "title": kb.provisions[i].title} for i in encoded],
                         "explanation": d.explanation})
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    current = None
    for row in rows:
        if row["authority"] != current:
            current = row["authority"]
            click.echo(f"\n== {current} ({row['leaflet']}, seed {row['seed']})")
        shown = "; ".join(f"{e['id']}: {e['title']}" for e in row["encoded_as"]) or "not encoded in this knowledge base"
        law = f"{row['provision']} ({shown})"
        click.echo(f"\n[{row['kind']}] the leaflet says: {row['statement']}")
        click.echo(f"    the law: {law}")
        click.echo(f"    {row['explanation']}")


def main() -> None:
    cli(prog_name="redress")
