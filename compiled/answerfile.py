"""The compiled engines' answers files: two layouts, two formats, rendered without a Python loop per case.

``long`` (the default) has one line per case and question::

    {"line":1,"case":"c0","question":"appealable","status":"determined","answer":false,"possible":null,"missing":[],"rules_version":"sha256:...","engine":"numpy"}

``wide`` has one line per case, the answers keyed by question (``possible`` only for list questions)::

    {"line":1,"case":"c0","rules_version":"sha256:...","engine":"numpy","answers":{"appealable":{"status":"determined","answer":false,"missing":[]},...}}

CSV has the same columns (wide: ``<question>.status``, ``<question>.answer`` and, for list
questions, ``<question>.possible``); lists are joined with ``;``. ``possible`` holds the members
further facts could add, each with the fields that would settle it (``{"member": ...,
"missing": [...]}``), a member the case does not yet name as null (CSV: ``(unnamed)``).
``missing`` names the fields that would settle an undetermined answer (a list: the union of its
possible members'), as the engine of record does; both compiled engines name them, in the same
order (``vector.field_order``). CSV carries no fields.

A case's text is its head (line number and case id, rendered by the database) followed by one
*piece* per question. A question has few distinct (status, answer, possible, missing) answers even
over a million cases, so each distinct piece is rendered once here, in Python, and the cases only
carry its number: the backends (numpy arrays, or SQL rows) hand over codes, never values, and
the texts are joined from references to the pieces (:meth:`Layout.write_texts`).
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from typing import Any, BinaryIO, Sequence

import numpy as np

__all__ = ["LAYOUTS", "Layout", "csv_value"]

LAYOUTS = ("long", "wide")


def csv_value(value: Any) -> str:
    """A contract value as one CSV cell: lists joined with ``;``, null as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def _csv_members(possible: list[dict[str, Any]]) -> str:
    return ";".join("(unnamed)" if p["member"] is None else str(p["member"]) for p in possible)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one encoder: json.dumps builds one a call


def _json(value: Any) -> str:
    return _ENCODER.encode(value)


def _csv_row(cells: Sequence[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)  # "\n", so a cell holding one is quoted
    return buf.getvalue()[:-1]


@dataclass(frozen=True)
class Layout:
    """How answers are laid out in a file; ``lists`` names the questions whose answer is a list."""

    layout: str
    fmt: str
    questions: tuple[str, ...]
    lists: frozenset[str]
    rules_version: str
    engine: str

    @property
    def repeat_head(self) -> bool:
        """Long layouts start every question's line with the case's head."""
        return self.layout == "long"

    def header(self) -> str:
        """The file's first line (CSV only)."""
        if self.fmt != "csv":
            return ""
        if self.layout == "long":
            return "line,case,question,status,answer,possible,rules_version,engine\n"
        cells = ["line", "case", "rules_version", "engine"]
        for q in self.questions:
            cells += [f"{q}.status", f"{q}.answer"] + ([f"{q}.possible"] if q in self.lists else [])
        return _csv_row(cells) + "\n"

    def head(self, line: int, case_id: str | None) -> str:
        """A case's head, in Python (the engine of record's writer); :meth:`head_sql` is the same in SQL."""
        if self.fmt == "csv":
            cell = "" if case_id is None else ('""' if case_id == "" else _csv_row([case_id]))
            return f"{line},{cell},"
        return f'{{"line":{line},"case":{_json(case_id)}' + (',"question":' if self.layout == "long" else "")

    def head_sql(self, line: str, case_id: str) -> str:
        """SQL for a case's head from its line number and (nullable VARCHAR) id expressions."""
        if self.fmt == "csv":
            cell = (f"COALESCE(CASE WHEN regexp_matches({case_id}, '[\",\\r\\n]') OR {case_id} = '' "
                    f"THEN '\"' || replace({case_id}, '\"', '\"\"') || '\"' ELSE {case_id} END, '')")
            return f"CAST({line} AS VARCHAR) || ',' || {cell} || ','"
        head = f"'{{\"line\":' || CAST({line} AS VARCHAR) || ',\"case\":' || COALESCE(CAST(to_json({case_id}) AS VARCHAR), 'null')"
        return head + (" || ',\"question\":'" if self.layout == "long" else "")

    def end(self) -> str:
        """Text after the last piece of a case."""
        if self.layout == "long":
            return ""
        return "\n" if self.fmt == "csv" else "}}\n"

    def piece(self, position: int, status: str, answer: Any, possible: list[dict[str, Any]] | None,
              missing: list[str]) -> str:
        """The text of question number ``position``'s answer for a case, after the head;
        ``possible``: a list question's members that further facts could add, each as
        ``{"member", "missing"}`` (else None); ``missing``: the fields that would settle it."""
        q = self.questions[position]
        if self.fmt == "csv":
            cell = "" if possible is None else _csv_members(possible)
            if self.layout == "long":
                return _csv_row([q, status, csv_value(answer), cell, self.rules_version, self.engine]) + "\n"
            cells = [status, csv_value(answer)] + ([cell] if q in self.lists else [])
            lead = _csv_row([self.rules_version, self.engine]) if position == 0 else ""
            return lead + "," + _csv_row(cells)
        shown = possible
        missing_text = _json(missing)
        if self.layout == "long":
            return (f'{_json(q)},"status":{_json(status)},"answer":{_json(answer)},"possible":{_json(shown)},'
                    f'"missing":{missing_text},"rules_version":{_json(self.rules_version)},"engine":{_json(self.engine)}}}\n')
        lead = (f',"rules_version":{_json(self.rules_version)},"engine":{_json(self.engine)},"answers":{{'
                if position == 0 else ",")
        extra = f',"possible":{_json(shown)}' if shown is not None else ""
        return f'{lead}{_json(q)}:{{"status":{_json(status)},"answer":{_json(answer)}{extra},"missing":{missing_text}}}'

    def write_texts(self, target: BinaryIO, heads: np.ndarray, codes: Sequence[np.ndarray], pieces: Sequence[str]) -> None:
        """Append each case's text to ``target``: its head (``heads``, bytes from :meth:`head_sql`),
        each question's piece by number (``codes``: 1-based into ``pieces``) and the end. The texts
        are laid out as a grid of references to the pieces' bytes and handed to the system a
        thousand at a time (``os.writev``), so no Python code runs per case and no text is copied
        before the kernel copies it into the file."""
        texts = np.empty(len(pieces) + 1, dtype=object)
        texts[1:] = [p.encode() for p in pieces]  # number 0 stays None: writing it fails loudly
        sizes = np.zeros(len(texts), dtype=np.int64)
        sizes[1:] = [len(t) for t in texts[1:]]
        head_sizes = np.fromiter(map(len, heads), dtype=np.int64, count=len(heads))
        columns: list[tuple[Any, Any]] = []  # (texts, their sizes)
        for k, code in enumerate(codes):
            if k == 0 or self.repeat_head:
                columns.append((heads, head_sizes))
            columns.append((texts[code], sizes[code]))
        if self.end():
            columns.append((self.end().encode(), len(self.end().encode())))
        grid = np.empty((len(heads), len(columns)), dtype=object)
        grid_sizes = np.empty(grid.shape, dtype=np.int64)
        for j, (column, size) in enumerate(columns):
            grid[:, j] = column
            grid_sizes[:, j] = size
        write_all(target, grid.ravel().tolist(), grid_sizes.ravel())


_IOV_MAX = os.sysconf("SC_IOV_MAX") if hasattr(os, "sysconf") and "SC_IOV_MAX" in os.sysconf_names else 16
_BLOCK = 4096 * 17  # texts joined at a time where the system has no writev


def write_all(target: BinaryIO, texts: list[bytes], sizes: np.ndarray) -> None:
    """Append ``texts`` (of ``sizes`` bytes each) to the file ``target`` in order: by ``os.writev``
    where the system has it (the kernel gathers them, with no joined copy in between), else
    joined a block at a time."""
    if not hasattr(os, "writev"):
        for start in range(0, len(texts), _BLOCK):
            target.write(b"".join(texts[start:start + _BLOCK]))
        return
    target.flush()  # what the file object holds goes first
    fd = target.fileno()
    starts = np.arange(0, len(texts), _IOV_MAX)
    expected = np.add.reduceat(sizes, starts).tolist() if len(texts) else []
    for start, size in zip(starts.tolist(), expected):
        batch = texts[start:start + _IOV_MAX]
        written = os.writev(fd, batch)
        if written < size:  # a short write (a signal, a full disk): the rest by plain writes
            rest = memoryview(b"".join(batch))[written:]
            while rest:
                rest = rest[os.write(fd, rest):]
