"""Batch never loses data (issue 14 item 6): a batch of N lines (default 100,000) with 1 % malformed
lines of every odd kind, answered by `redress batch`; then the same run interrupted by SIGINT and
by SIGTERM. Prints lines, bad lines reported (and whether each has its number), good lines
answered, seconds, and what an interrupted run left behind.

usage: python benchmarks/batch_robust.py [--lines N] [--engine numpy|duckdb|pydatalog]
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOOD = {"as_of": "2025-02-01", "decision": {"kind": "refuse_assessment", "sent": "2025-01-10"}}
BAD = [b'{"id": "x\x1fy"}', b'{"id": "\xff\xfe"}', b"[" * 3000, b'{"id": "\\ud800"}', b'{"id": "a\x00b"}',
       b'{"a"}\r{"b"}', b'{"id": ' + b"9" * 5000 + b"}", b'{"decision": {"kind": "' + b"x" * 100_000 + b'"}}',
       b'{"decision": {"sent": "2100-12-31"}}', b"[1]", b'{"decision": {"kind": "refuse_assess']


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--engine", default="numpy", choices=["numpy", "duckdb", "pydatalog"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        src, out = folder / "cases.jsonl", folder / "answers.jsonl"
        bad_lines = [n for n in range(1, args.lines + 1) if n % 100 == 37]
        bad = set(bad_lines)
        with src.open("wb") as f:
            for n in range(1, args.lines + 1):
                f.write((BAD[n // 100 % len(BAD)] if n in bad else json.dumps({**GOOD, "id": f"c{n}"}).encode()) + b"\n")
        command = [sys.executable, "-m", "redress", "batch", str(src), "--out", str(out), "--engine", args.engine,
                   "--questions", "appealable", "--no-progress"]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True)
        seconds = time.perf_counter() - start
        reported = [int(m) for m in re.findall(rb":line (\d+): ", done.stderr)]
        answered = sum(1 for _ in out.open("rb")) if out.exists() else 0
        print(f"{'lines':<36} {args.lines}")
        print(f"{'malformed lines':<36} {len(bad_lines)}")
        print(f"{'bad lines reported, with number':<36} {len(reported)} (all and only the bad ones: {reported == bad_lines})")
        print(f"{'good lines answered':<36} {answered} of {args.lines - len(bad_lines)}")
        print(f"{'exit code':<36} {done.returncode} (4: some lines skipped)")
        print(f"{'seconds':<36} {seconds:.2f}")
        out.unlink(missing_ok=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            while proc.poll() is None and not any(p.suffix == ".partial" for p in folder.iterdir()):
                time.sleep(0.01)
            proc.send_signal(sig)
            _, err = proc.communicate()
            left = [p.name for p in folder.iterdir() if p.suffix == ".partial" or p.name.startswith(".redress-batch-")]
            said = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
            print(f"{sig.name + ': exit, message':<36} {proc.returncode}, {said[0]!r}")
            print(f"{sig.name + ': output / partial files left':<36} {out.exists()} / {left}")


if __name__ == "__main__":
    main()
