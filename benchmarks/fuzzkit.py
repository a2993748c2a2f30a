"""What the two fuzzers share: the tally of outcomes, the timed and bounded run of one input,
and the printed figures.

An outcome is one of: fine (an answer, or a ``RedressError`` that says where: file:line:col for
rule files, a JSON path for cases); *uncaught* (any exception that is not a ``RedressError``);
*unlocated* (a ``RedressError`` without a location); *slow* (over 5 s of CPU time; the
slowest wall time is reported too).
Each bad outcome is counted by its cause -- the exception type, the first words of its message
and the innermost frame inside redress -- with the index of its first input, so any finding is
replayed with ``--only INDEX`` (every input is generated from ``(seed, index)`` alone).
"""

from __future__ import annotations

import json
import re
import resource
import signal
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Callable, Iterator

from redress.errors import RedressError

ROOT = Path(__file__).resolve().parent.parent
SLOW_SECONDS = 5.0
HANG_SECONDS = 60.0  # a run is cut off after this much CPU time (and counted slow and uncaught)


class Hung(Exception):
    """Raised into a run that went on past HANG_SECONDS."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hung(f"still running after {HANG_SECONDS:.0f} s of CPU")


def _cpu() -> float:
    """CPU seconds of the whole process (every thread: the HTTP test client runs the app on its own)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _shape(message: str) -> str:
    """A message with its particulars (quoted text, numbers, positions) blanked, so one cause counts once."""
    message = re.sub(r"'[^']*'|\"[^\"]*\"", "'_'", message)
    return re.sub(r"0x[0-9a-f]+|\d+", "N", message)[:60]


def cause(err: BaseException) -> str:
    """A short, stable name for why an exception happened: type, message head, innermost redress frame."""
    message = _shape(str(err).split("\n", 1)[0])
    where = ""
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if "/redress/" in frame.filename or any(f"/{d}/" in frame.filename for d in ("app", "core", "law", "parser", "kb", "queries", "compiled", "reports", "frontends")):
            where = f" at {Path(frame.filename).name}:{frame.name}"
            break
    return f"{type(err).__name__}: {message}{where}"


@dataclass
class Tally:
    """Counts of every outcome of one front-end, with the first input index of each bad cause."""

    name: str
    tried: int = 0
    errors: int = 0  # RedressErrors with a location: the expected answer to bad input
    uncaught: Counter[str] = field(default_factory=Counter)
    unlocated: Counter[str] = field(default_factory=Counter)
    slow: Counter[str] = field(default_factory=Counter)
    first: dict[str, int] = field(default_factory=dict)
    worst: float = 0.0  # CPU seconds of the slowest run
    worst_wall: float = 0.0

    def bad(self, kind: Counter[str], key: str, index: int) -> None:
        kind[key] += 1
        self.first.setdefault(key, index)

    def run(self, index: int, label: str, thunk: Callable[[], Any], located: Callable[[RedressError], bool],
            inputs: int = 1) -> Any:
        """Run ``inputs`` inputs (one, or a batch's lines) through ``thunk``; classify the outcome.
        Slow is judged per input: a batch of 5,000 lines in 6 s is no line over 5 s. Returns the
        result, or None."""
        self.tried += 1
        wall, cpu = time.perf_counter(), _cpu()
        result: Any = None
        previous = signal.signal(signal.SIGPROF, _alarm)
        signal.setitimer(signal.ITIMER_PROF, HANG_SECONDS)
        try:
            result = thunk()
        except RedressError as err:
            self.errors += 1
            if not located(err):
                self.bad(self.unlocated, f"{type(err).__name__}: {_shape(str(err))}", index)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as err:  # noqa: B036 - counting every other exception is the point
            self.bad(self.uncaught, cause(err), index)
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, previous)
        # slow is judged on CPU time, which the shared machine's load does not inflate; wall time is kept too
        spent, waited = _cpu() - cpu, time.perf_counter() - wall
        self.worst, self.worst_wall = max(self.worst, spent), max(self.worst_wall, waited)
        if spent / inputs > SLOW_SECONDS:
            self.bad(self.slow, f"{label} ({spent:.1f} s)", index)
        return result

    def figures(self) -> dict[str, Any]:
        return {"tried": self.tried, "located_errors": self.errors, "uncaught": sum(self.uncaught.values()),
                "unlocated": sum(self.unlocated.values()), "over_5s": sum(self.slow.values()),
                "slowest_s": round(self.worst, 3), "slowest_wall_s": round(self.worst_wall, 3),
                "causes": {kind: {k: {"count": n, "first_index": self.first[k]} for k, n in counter.most_common()}
                           for kind, counter in (("uncaught", self.uncaught), ("unlocated", self.unlocated),
                                                 ("over_5s", self.slow)) if counter}}


def report(title: str, seed: int, tallies: list[Tally], started: float, as_json: bool, stopped: bool = False) -> int:
    """Print the figures; the exit status is 1 when anything uncaught, unlocated or slow was found."""
    figures = {t.name: t.figures() for t in tallies}
    total = {k: sum(f[k] for f in figures.values()) for k in ("uncaught", "unlocated", "over_5s")}
    if as_json:
        print(json.dumps({"fuzz": title, "seed": seed, "seconds": round(time.perf_counter() - started, 1),
                          "interrupted": stopped, "totals": total, "frontends": figures}, indent=2))
    else:
        print(f"{title}: seed {seed}, {time.perf_counter() - started:.0f} s" + (" (interrupted)" if stopped else ""))
        for name, f in figures.items():
            print(f"  {name:<16} tried {f['tried']:>8,}  uncaught {f['uncaught']:>6,}  no location {f['unlocated']:>6,}"
                  f"  over 5 s {f['over_5s']:>4,}  (slowest {f['slowest_s']:.2f} s CPU, {f['slowest_wall_s']:.2f} s wall)")
            for kind, causes in f.get("causes", {}).items():
                for key, c in causes.items():
                    print(f"      {kind:<9} {c['count']:>7,} x {key}  [first: --only {c['first_index']}]")
        print(f"  total: uncaught {total['uncaught']:,}, without a location {total['unlocated']:,}, "
              f"over 5 s {total['over_5s']:,}")
    return 1 if any(total.values()) else 0


def indices(count: int, only: int | None, start: int = 0) -> Iterator[int]:
    """The input indices to run: ``count`` from ``start`` (so a run can be split across processes), or one."""
    return iter([only]) if only is not None else iter(range(start, start + count))


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def interrupted(run: Callable[[], None]) -> bool:
    """Run the loop; SIGINT or SIGTERM ends it early so the figures so far still print. Both are
    set here: a job started in the background by a shell inherits SIGINT ignored."""
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        run()
    except KeyboardInterrupt:
        return True
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return False


def combine(paths: list[Path]) -> dict[str, Any]:
    """The figures of a run split across processes (``--start``), each printed with ``--json``, added up."""
    parts = [json.loads(p.read_text()) for p in paths]
    frontends: dict[str, dict[str, Any]] = {}
    for part in parts:
        for name, f in part["frontends"].items():
            into = frontends.setdefault(name, {"tried": 0, "located_errors": 0, "uncaught": 0, "unlocated": 0,
                                               "over_5s": 0, "slowest_s": 0.0, "causes": {}})
            for key in ("tried", "located_errors", "uncaught", "unlocated", "over_5s"):
                into[key] += f[key]
            into["slowest_s"] = max(into["slowest_s"], f["slowest_s"])
            into["slowest_wall_s"] = max(into.get("slowest_wall_s", 0.0), f["slowest_wall_s"])
            for kind, causes in f.get("causes", {}).items():
                for cause_, c in causes.items():
                    slot = into["causes"].setdefault(kind, {}).setdefault(cause_, {"count": 0, "first_index": c["first_index"]})
                    slot["count"] += c["count"]
                    slot["first_index"] = min(slot["first_index"], c["first_index"])
    totals = {k: sum(f[k] for f in frontends.values()) for k in ("uncaught", "unlocated", "over_5s")}
    return {"fuzz": parts[0]["fuzz"], "seed": parts[0]["seed"], "parts": [str(p) for p in paths],
            "interrupted": any(p.get("interrupted") for p in parts),
            "seconds": max(p["seconds"] for p in parts), "totals": totals, "frontends": frontends}


if __name__ == "__main__":  # python benchmarks/fuzzkit.py PART.json ...: the parts' figures added up
    print(json.dumps(combine([Path(a) for a in sys.argv[1:]]), indent=2))


def progress(done: int, count: int, started: float) -> None:
    if done and done % max(1, count // 20) == 0:
        print(f"  ... {done:,}/{count:,} in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
