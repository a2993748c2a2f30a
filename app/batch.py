"""Batch runs: many cases, many questions, streamed from a file to a file.

Input is JSONL (one case per line) or CSV (one case per row; columns are dotted case fields,
lists separated by ``;``). Output is JSONL or CSV, one line per case and question (layout
``long``) or one per case (``wide``), written to a temporary file beside the target and renamed
into place only when complete, so an interrupted run never leaves a half-written answers file.
A bad input line is reported with its line number and skipped; the rest are answered. Memory
stays flat: the engine of record holds one case at a time, the compiled engines one chunk.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, TextIO

from redress.api import Answer, KnowledgeBase
from redress.core.errors import CaseValidationError, RedressError, printable, shown
from redress.kb.schema import CSV_NULL, FIELDS, NOT_UTF8, case_line, validate_case
from redress.compiled.answerfile import LAYOUTS, Layout, csv_value

__all__ = ["BatchProblem", "BatchSummary", "read_cases", "run_batch", "CSV_COLUMNS"]

CHUNK = 250_000  # lines the compiled engines answer at a time: memory stays flat
CSV_COLUMNS = ("line", "case", "question", "status", "answer", "citations", "missing", "rules_version")


@dataclass(frozen=True)
class BatchProblem:
    line: int
    message: str
    field: str | None = None

    def __str__(self) -> str:
        return f"line {self.line}: " + (f"{self.field}: " if self.field else "") + self.message


@dataclass
class BatchSummary:
    cases: int = 0
    answers: int = 0
    problems: list[BatchProblem] = field(default_factory=list)


def _csv_case(row: dict[str, str], line: int) -> dict[str, Any]:
    """A CSV row (dotted field columns) as the contract's nested case JSON."""
    case: dict[str, Any] = {}
    for column, text in row.items():
        if column is None:
            raise CaseValidationError("more values than columns in this row", None)
        text = (text or "").strip()
        if text == "":
            continue  # an empty cell is an unknown field
        spec = FIELDS.get(column)
        value: Any = text
        if spec is None:
            raise CaseValidationError("unknown column (expected dotted case fields such as decision.kind)",
                                      printable(column))
        if spec.null_means and text.lower() == CSV_NULL:
            value = None  # the field's known "none" / "has not happened"
        elif spec.type == "enum_list":
            value = [v.strip() for v in text.split(";") if v.strip()]
        elif spec.type == "int":
            try:
                value = int(text)
            except ValueError:
                raise CaseValidationError(f"not a whole number: {shown(text)}", column) from None
        elif spec.type == "bool":
            if text.lower() not in ("true", "false"):
                raise CaseValidationError(f"expected true or false, got {shown(text)}", column)
            value = text.lower() == "true"
        parts = column.split(".")
        node = case
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return case


# What ``errors="surrogateescape"`` makes of bytes that are not UTF-8: such a line is one bad line.
_UNDECODED = re.compile("[\udc80-\udcff]")


def read_cases(source: TextIO, fmt: str) -> Iterator[tuple[int, dict[str, Any] | BatchProblem]]:
    """Yield (line number, case or problem) lazily; blank JSONL lines are skipped. ``source`` is
    opened with ``errors="surrogateescape"`` (see :func:`open_cases`), so no byte stops the run."""
    if fmt == "csv":
        read = 0  # lines taken from the file: the csv module does not count the one it fails on

        def counted() -> Iterator[str]:
            nonlocal read
            for text in source:
                read += 1
                yield text

        reader = csv.DictReader(counted())
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as err:  # e.g. a field over the csv module's size limit: that row only
                yield read, BatchProblem(read, f"unreadable CSV row: {err}")
                continue
            line = read
            if any(_UNDECODED.search(v) for v in (*row.values(), *row.keys()) if isinstance(v, str)):
                yield line, BatchProblem(line, NOT_UTF8)
                continue
            try:
                yield line, _csv_case(row, line)
            except CaseValidationError as err:
                yield line, BatchProblem(line, err.bare_message, err.field)
    for number, text in enumerate(source, start=1):
        if not text.strip():
            continue
        if _UNDECODED.search(text):
            yield number, BatchProblem(number, NOT_UTF8)
            continue
        try:
            yield number, case_line(text)
        except CaseValidationError as err:
            yield number, BatchProblem(number, err.bare_message)


class _Writer:
    """The engine of record's answers: full answers (citations, missing, proof) in JSONL; CSV as
    the compiled engines lay it out, plus citations and missing in the long layout."""

    def __init__(self, out: TextIO, shape: Layout):
        self.shape = shape
        self.out = out
        self.csv = csv.writer(out) if shape.fmt == "csv" and shape.layout == "long" else None
        if self.csv:
            self.csv.writerow(CSV_COLUMNS)
        elif shape.fmt == "csv":
            out.write(shape.header())

    def write(self, line: int, case_id: str | None, answers: list[Answer]) -> None:
        if self.shape.layout == "wide":
            if self.shape.fmt == "csv":
                self.out.write(self.shape.head(line, case_id) + "".join(
                    self.shape.piece(k, *a.outcome()) for k, a in enumerate(answers)) + self.shape.end())
                return
            shown = {a.question: {k: v for k, v in a.to_dict().items() if k not in ("question", "case", "rules_version")}
                     for a in answers}
            self.out.write(json.dumps({"line": line, "case": case_id, "rules_version": self.shape.rules_version,
                                       "engine": self.shape.engine, "answers": shown}, ensure_ascii=False) + "\n")
            return
        for answer in answers:
            d = answer.to_dict()
            if self.csv:
                self.csv.writerow([line, d["case"] or "", d["question"], d["status"], csv_value(d["answer"]),
                                   ";".join(d["citations"]), ";".join(d["missing"]), d["rules_version"]])
            else:
                self.out.write(json.dumps({"line": line, **d, "engine": self.shape.engine}, ensure_ascii=False) + "\n")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def _sweep(folder: Path, prefix: str, suffix: str = "") -> None:
    """Remove what killed runs left in ``folder`` (SIGKILL and power loss run no clean-up): this
    user's entries named ``<prefix><pid>.<random><suffix>``, as the temporary names below are,
    whose process is gone. A live run's are kept."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(suffix)):
            continue
        pid, dot, rest = name[len(prefix):len(name) - len(suffix)].partition(".")
        try:
            if not (pid.isdigit() and dot and rest and "." not in rest) or _alive(int(pid)) \
                    or entry.lstat().st_uid != os.getuid():
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink()
        except OSError:
            continue


def _work_folder(out: Path) -> Path:
    """A temporary folder beside ``out`` for DuckDB's spill files, named by this process."""
    folder = out.resolve().parent
    prefix = ".redress-batch-"
    _sweep(folder, prefix)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}.", dir=folder))


@contextmanager
def _atomic_output(out: Path) -> Iterator[Path]:
    """A temporary file beside ``out``, renamed onto it only if the block completes: an
    interrupted run never leaves a half-written answers file (nor, on the next run, one that a
    killed run left)."""
    folder, prefix = out.resolve().parent, f".{out.name}."
    _sweep(folder, prefix, ".partial")
    fd, tmp_name = tempfile.mkstemp(prefix=f"{prefix}{os.getpid()}.", suffix=".partial", dir=folder)
    os.close(fd)
    try:
        yield Path(tmp_name)
        os.replace(tmp_name, out)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def open_cases(path: Path, fmt: str) -> TextIO:
    """A cases file as text in which a byte that is not UTF-8 becomes a lone surrogate, so a
    bad line is reported as one (not a ``UnicodeDecodeError`` ending the run). A JSONL line ends
    at LF only, as the compiled engines count them; CSV rows are the csv module's to split."""
    return path.open(encoding="utf-8", errors="surrogateescape", newline="" if fmt == "csv" else "\n")


def progress_chunk(total: int | None, steps: int = 20, least: int = 1_000, most: int = CHUNK) -> int:
    """Lines per chunk when a person watches the progress bar: about ``steps`` steps over the file,
    so the bar moves; each chunk costs a few milliseconds more than one big one, nothing to a person."""
    return most if not total else max(least, min(most, -(-total // steps)))


def count_lines(path: Path) -> int:
    """Lines in a file (a last line without its newline counts), read a megabyte at a time."""
    count, last = 0, b"\n"
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def run_batch(kb: KnowledgeBase, source: Path, questions: list[str], out: Path, in_fmt: str, out_fmt: str,
              progress: Callable[[int], None] | None = None, layout: str = "long") -> BatchSummary:
    """Answer every question for every case in ``source`` on pyDatalog; write ``out`` atomically."""
    summary = BatchSummary()
    shape = _layout(kb, questions, out_fmt, layout, "pydatalog")
    with _atomic_output(out) as tmp_path:
        with tmp_path.open("w", encoding="utf-8", newline="") as tmp, open_cases(source, in_fmt) as src:
            writer = _Writer(tmp, shape)
            for line, item in read_cases(src, in_fmt):
                if progress:
                    progress(line)
                if isinstance(item, BatchProblem):
                    summary.problems.append(item)
                    continue
                try:
                    answers = kb.ask_many(questions, validate_case(item))
                except RedressError as err:
                    summary.problems.append(BatchProblem(line, getattr(err, "bare_message", str(err)),
                                                         getattr(err, "field", None)))
                    continue
                summary.cases += 1
                summary.answers += len(answers)
                writer.write(line, answers[0].case if answers else None, answers)
            tmp.flush()
            os.fsync(tmp.fileno())
    return summary


def run_batch_compiled(kb: KnowledgeBase, source: Path, questions: list[str], out: Path, in_fmt: str, out_fmt: str,
                       progress: Callable[[int], None] | None = None, chunk: int = CHUNK,
                       today: "Any" = None, backend: str = "numpy", layout: str = "long") -> BatchSummary:
    """The compiled engines: read columnar and validate in DuckDB, evaluate in chunks of lines
    with the vectorised numpy backend (``backend="numpy"``) or the generated SQL (``"duckdb"``),
    and append each chunk's answers to the output (see :mod:`redress.compiled.answerfile`).

    Answers carry ``status``, ``answer`` (and ``possible`` for a list, each member with the
    fields that would add it), ``missing``, ``rules_version`` and ``engine``; proofs and
    citations come from ``redress ask`` (the pyDatalog engine of record).
    """
    import datetime as _dt

    from redress.compiled.columnar import ColumnarEngine

    summary = BatchSummary()
    shape = _layout(kb, questions, out_fmt, layout, backend)
    work = _work_folder(out)
    try:
        with _atomic_output(out) as tmp_path, tmp_path.open("wb") as target:
            engine = ColumnarEngine(kb.program, kb.rules_version,
                                    kb.patterns, spill=work / "spill")
            try:
                engine.load_lines(source, in_fmt)
                first, last = engine.line_range()
                target.write(shape.header().encode())
                # Each chunk's answers are written in a thread while the next chunk is validated
                # and evaluated; one job at a time keeps the file in order and memory flat.
                with ThreadPoolExecutor(max_workers=1) as writer:
                    pending: Future[tuple[int, int]] | None = None
                    for start in range(first, last + 1, chunk):
                        end = min(start + chunk - 1, last)
                        problems = engine.validate(today or _dt.date.today(), start, end)
                        summary.problems.extend(BatchProblem(p.line, p.message, p.field) for p in problems)
                        if backend == "numpy":
                            engine.evaluate_numpy(questions)
                        else:
                            engine.evaluate(questions)
                        job = engine.answer_writer(shape)
                        if progress:  # this chunk is answered (its writing overlaps the next chunk)
                            progress(end)
                        if pending:
                            _written(summary, pending)
                        pending = writer.submit(_append_durably, job, target)
                    if pending:
                        _written(summary, pending)
            finally:
                engine.close()
            target.flush()
            os.fsync(target.fileno())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary.problems.sort(key=lambda p: p.line)
    return summary


def _append_durably(job: Callable[[BinaryIO], tuple[int, int]], target: BinaryIO) -> tuple[int, int]:
    """Run a chunk's writing job, then have the system put the chunk on disk while the next one
    is computed: the fsync before the answers file is renamed into place then waits for the last
    chunk only (over a million cases, 2 GB, that wait was more than a second)."""
    done = job(target)
    target.flush()
    os.fdatasync(target.fileno()) if hasattr(os, "fdatasync") else os.fsync(target.fileno())
    return done


def _written(summary: BatchSummary, job: "Future[tuple[int, int]]") -> None:
    n_cases, n_answers = job.result()
    summary.cases += n_cases
    summary.answers += n_answers


def _layout(kb: KnowledgeBase, questions: list[str], out_fmt: str, layout: str, engine: str) -> Layout:
    if layout not in LAYOUTS:
        raise RedressError(f"unknown layout {layout!r} (expected one of: {', '.join(LAYOUTS)})")
    lists = frozenset(q for q in questions if kb.questions[q].kind == "list")
    return Layout(layout, out_fmt, tuple(questions), lists, kb.rules_version, engine)
