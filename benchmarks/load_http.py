"""HTTP under load: ``redress serve`` on loopback, many clients asking with proofs, then a large batch.

usage: python benchmarks/load_http.py [--workers N] [--clients 50] [--seconds 60] [--max-requests N]
                                      [--batch-cases 10000] [--json]

Starts ``redress serve --workers N`` on 127.0.0.1 (a free port), waits for ``/health``, warms it
up for a few seconds, then runs ``--clients`` keep-alive connections for ``--seconds`` (or until
``--max-requests``), each posting realistic ``/ask`` requests (the examples/ cases and generated
valid cases, every encoded question; every answer carries its proof) back to back. A lean
asyncio HTTP/1.1 client keeps the load generator's own CPU small, since it shares the machine.
Then one ``POST /batch`` of ``--batch-cases`` cases, then the bad requests of issue 14 (invalid
JSON, wrong content type, a 10 MB body, 10,000-deep nesting, an unknown question), each of which
must get a 4xx JSON error, and a last ``/health`` proving no worker is stuck. The server is
stopped at the end whatever happens.

Prints requests/s, p50/p99/max latency, errors, and the server's RSS (all its processes) idle at
start, after warm-up and at the end; and the machine's load average (it is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def _tree(pid: int) -> list[int]:
    """A process and all its descendants (the uvicorn workers)."""
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return out


def rss_mb(pid: int) -> float:
    """Resident memory of the server's processes, in MB."""
    total = 0
    for p in _tree(pid):
        try:
            total += next(int(line.split()[1]) for line in Path(f"/proc/{p}/status").read_text().splitlines()
                          if line.startswith("VmRSS:"))
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the server's processes have used: what a request costs, whatever
    else the shared machine is doing."""
    ticks = 0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def ask_bodies(n_generated: int, seed: int) -> list[bytes]:
    """Realistic /ask bodies: every example case and ``n_generated`` valid generated cases, each with
    a question; only those the knowledge base answers (so any non-200 under load is an error)."""
    import redress
    from fuzz_cases import valid_case

    kb = redress.load()
    questions = list(kb.questions)
    examples = [json.loads(p.read_text()) for p in sorted((ROOT / "examples").glob("*.json"))]
    rng = random.Random(seed)
    pairs = [(q, c) for c in examples for q in questions]
    while len(pairs) < len(examples) * len(questions) + n_generated:
        case, question = valid_case(rng), rng.choice(questions)
        try:
            kb.ask(question, case)
        except redress.errors.RedressError:
            continue
        pairs.append((question, case))
    rng.shuffle(pairs)
    return [json.dumps({"question": q, "case": c}).encode() for q, c in pairs]


def redress_questions() -> list[str]:
    import redress

    return list(redress.load().questions)


def batch_cases(n: int, seed: int) -> list[dict[str, Any]]:
    import redress
    from fuzz_cases import valid_case

    from redress.kb.schema import validate_case

    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    while len(out) < n:
        case = valid_case(rng)
        try:
            validate_case(case)
        except redress.errors.RedressError:
            continue
        out.append(case)
    return out


# ---------------------------------------------------------------------- a lean HTTP/1.1 client


async def request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, method: str, path: str,
                  body: bytes = b"", content_type: str = "application/json",
                  headers: str = "") -> tuple[int, bytes]:
    """One request on a keep-alive connection; the response body read whole (Content-Length or chunked)."""
    head = (f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n{headers}\r\n").encode()
    writer.write(head + body)
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split()[1])
    length, chunked = None, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        parts = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                break
            parts.append(await reader.readexactly(size))
            await reader.readline()
        return status, b"".join(parts)
    return status, await reader.readexactly(length or 0)


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    count: int = 0
    rss: list[float] = field(default_factory=list)  # the server's RSS (MB) every 5 s under load

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def load(port: int, bodies: list[bytes], clients: int, seconds: float, max_requests: int,
               stats: Stats, server_pid: int) -> float:
    """``clients`` connections posting /ask back to back until the time or the count runs out."""
    deadline = time.perf_counter() + seconds
    order = itertools.cycle(range(len(bodies)))

    async def one_client(k: int) -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while time.perf_counter() < deadline and stats.count < max_requests:
                stats.count += 1
                body = bodies[next(order)]
                t0 = time.perf_counter()
                try:
                    status, payload = await asyncio.wait_for(request(reader, writer, "POST", "/ask", body), 30)
                except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as err:
                    stats.error(type(err).__name__)
                    writer.close()
                    reader, writer = await asyncio.open_connection(HOST, port)
                    continue
                stats.latencies.append(time.perf_counter() - t0)
                if status != 200:
                    stats.error(f"HTTP {status}")
                elif stats.count % 97 == 0:  # spot-check that the answers carry their proofs
                    answer = json.loads(payload)
                    if "explanation" not in answer or "answer" not in answer:
                        stats.error("answer without a proof")
        finally:
            writer.close()

    async def sample_rss() -> None:
        while time.perf_counter() < deadline and stats.count < max_requests:
            await asyncio.sleep(min(5.0, max(0.0, deadline - time.perf_counter())))
            stats.rss.append(round(rss_mb(server_pid), 1))

    started = time.perf_counter()
    await asyncio.gather(sample_rss(), *(one_client(k) for k in range(clients)))
    return time.perf_counter() - started


async def post_batch(port: int, cases: list[dict[str, Any]], questions: int) -> dict[str, Any]:
    """One /batch of every case and question: streamed NDJSON in (one case a line, the questions in
    the query) where the server takes it, else the contract's JSON body."""
    attempts = [("/batch?questions=all", "application/x-ndjson", "".join(json.dumps(c) + "\n" for c in cases).encode()),
                ("/batch", "application/json", json.dumps({"cases": cases, "questions": "all"}).encode())]
    refused = []
    for path, ctype, body in attempts:
        reader, writer = await asyncio.open_connection(HOST, port, limit=2 ** 24)
        t0 = time.perf_counter()
        try:
            status, payload = await asyncio.wait_for(request(reader, writer, "POST", path, body, ctype), 900)
        finally:
            writer.close()
        seconds = time.perf_counter() - t0
        if status != 200:
            refused.append(f"{ctype}: HTTP {status} {payload[:150].decode('utf-8', 'replace')}")
            continue
        # each line parsed and counted, not kept: 160,000 answers with proofs are gigabytes as objects
        lines = answers = errors = 0
        for line in payload.splitlines():
            if line.strip():
                parsed = json.loads(line)
                lines += 1
                answers += "answer" in parsed
                errors += "error" in parsed
        del payload
        return {"status": status, "as": ctype, "cases": len(cases), "body_mb": round(len(body) / 1e6, 1),
                "lines": lines, "expected_lines": len(cases) * questions, "answers": answers, "error_lines": errors,
                "seconds": round(seconds, 1), "lines_per_s": round(lines / seconds), "refused": refused}
    return {"status": None, "cases": len(cases), "lines": 0, "expected_lines": len(cases) * questions, "answers": 0,
            "error_lines": 0, "seconds": None, "refused": refused}


async def bad_requests(port: int) -> dict[str, Any]:
    """Each must be a 4xx with the JSON error shape; then /health must still answer promptly."""
    deep = b'{"question": "appealable", "case": {"id": ' + b"[" * 10_000 + b"]" * 10_000 + b"}}"
    probes: dict[str, tuple[str, str, bytes, str, str]] = {
        "invalid JSON": ("POST", "/ask", b'{"question": "appealable", "case": {', "application/json", ""),
        "wrong content type": ("POST", "/ask", b"question=appealable", "application/x-www-form-urlencoded", ""),
        "10 MB body": ("POST", "/ask", b'{"question": "appealable", "case": {"id": "' + b"x" * 10_000_000 + b'"}}',
                       "application/json", ""),
        "10,000-deep nesting": ("POST", "/ask", deep, "application/json", ""),
        "unknown question": ("POST", "/ask", b'{"question": "appealible", "case": {}}', "application/json", ""),
        "unknown question in a batch": ("POST", "/batch", b'{"cases": [{}], "questions": ["nope"]}',
                                        "application/json", ""),
    }
    out: dict[str, Any] = {}
    for name, (method, path, body, ctype, headers) in probes.items():
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            status, payload = await asyncio.wait_for(request(reader, writer, method, path, body, ctype, headers), 60)
            try:
                shaped = set(json.loads(payload).get("error", {})) >= {"code", "message", "field"}
            except ValueError:
                shaped = False
            out[name] = {"status": status, "json_error": shaped, "ok": 400 <= status < 500 and shaped}
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as err:
            out[name] = {"status": None, "json_error": False, "ok": False, "failure": type(err).__name__}
        finally:
            writer.close()
    t0 = time.perf_counter()
    reader, writer = await asyncio.open_connection(HOST, port)
    status, _ = await asyncio.wait_for(request(reader, writer, "GET", "/health"), 30)
    writer.close()
    out["health after"] = {"status": status, "seconds": round(time.perf_counter() - t0, 3), "ok": status == 200}
    return out


# ---------------------------------------------------------------------- the run


def start_server(port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "redress", "serve", "--host", HOST, "--port", str(port),
                             "--workers", str(workers)], stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with socket.create_connection((HOST, port), timeout=1) as s:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return proc
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise SystemExit("server not up in 120 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(p * len(sorted_values)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--max-requests", type=int, default=2_000_000)
    parser.add_argument("--cases", type=int, default=2000, help="generated valid cases among the /ask bodies")
    parser.add_argument("--batch-cases", type=int, default=10_000, help="0: no /batch")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    bodies = ask_bodies(args.cases, args.seed)
    n_questions = len(redress_questions())
    cases = batch_cases(args.batch_cases, args.seed) if args.batch_cases else []
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"redress-load-{port}.log"
    load_before = os.getloadavg()
    proc = start_server(port, args.workers, log)
    try:
        rss_idle = rss_mb(proc.pid)
        asyncio.run(load(port, bodies, args.clients, args.warmup, args.max_requests, Stats(), proc.pid))
        rss_warm = rss_mb(proc.pid)
        stats = Stats()
        cpu0, client0 = cpu_seconds(proc.pid), time.process_time()
        elapsed = asyncio.run(load(port, bodies, args.clients, args.seconds, args.max_requests, stats, proc.pid))
        server_cpu, client_cpu = cpu_seconds(proc.pid) - cpu0, time.process_time() - client0
        rss_loaded = rss_mb(proc.pid)
        batch = asyncio.run(post_batch(port, cases, n_questions)) if cases else None
        rss_end = rss_mb(proc.pid)
        bad = asyncio.run(bad_requests(port))
    finally:
        stop_server(proc)
    lat = sorted(stats.latencies)
    figures = {
        "workers": args.workers, "clients": args.clients, "seconds": round(elapsed, 1), "requests": len(lat),
        "asks_per_s": round(len(lat) / elapsed, 1), "p50_ms": round(percentile(lat, 0.50) * 1000, 1),
        "p99_ms": round(percentile(lat, 0.99) * 1000, 1), "max_ms": round((lat[-1] if lat else float("nan")) * 1000, 1),
        "errors": sum(stats.errors.values()), "error_kinds": stats.errors,
        "server_cpu_ms_per_ask": round(server_cpu / max(1, len(lat)) * 1000, 3),
        "client_cpu_ms_per_ask": round(client_cpu / max(1, len(lat)) * 1000, 3),
        # what the server's CPU cost per ask allows on two cores of its own
        "asks_per_s_on_2_free_cores": round(2 / (server_cpu / len(lat))) if lat and server_cpu else None,
        "rss_mb": {"idle": round(rss_idle, 1), "after_warmup": round(rss_warm, 1), "after_load": round(rss_loaded, 1),
                   "end": round(rss_end, 1), "every_5s_under_load": stats.rss},
        "batch": batch, "bad_requests": bad,
        "loadavg_before": [round(x, 2) for x in load_before], "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(), "server_log": str(log),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"redress serve --workers {args.workers}: {args.clients} clients x {elapsed:.0f} s, "
              f"{figures['requests']:,} asks with proofs")
        print(f"  {figures['asks_per_s']:,.0f} asks/s   p50 {figures['p50_ms']} ms   p99 {figures['p99_ms']} ms   "
              f"max {figures['max_ms']} ms   errors {figures['errors']} {stats.errors or ''}")
        print(f"  server CPU {figures['server_cpu_ms_per_ask']} ms per ask (so {figures['asks_per_s_on_2_free_cores']:,} "
              f"asks/s on two free cores), load generator {figures['client_cpu_ms_per_ask']} ms per ask")
        r = figures["rss_mb"]
        print(f"  server RSS (MB): idle {r['idle']}, after warm-up {r['after_warmup']}, after load {r['after_load']}, "
              f"end {r['end']}; every 5 s under load: {r['every_5s_under_load']}")
        if batch:
            if batch["status"] == 200:
                print(f"  /batch of {batch['cases']:,} cases as {batch['as']} ({batch['body_mb']} MB): "
                      f"{batch['lines']:,} of {batch['expected_lines']:,} lines ({batch['answers']:,} answers, "
                      f"{batch['error_lines']} error lines) in {batch['seconds']} s, {batch['lines_per_s']:,} lines/s")
            for refusal in batch["refused"]:
                print(f"  /batch refused: {refusal}")
        for name, result in bad.items():
            print(f"  {name:<28} {'ok ' if result['ok'] else 'BAD'} HTTP {result['status']}")
        print(f"  load average before {figures['loadavg_before']}, after {figures['loadavg_after']} "
              f"on {figures['cpus']} CPUs")
    targets_met = (figures["errors"] == 0 and figures["asks_per_s"] >= 1000 and figures["p99_ms"] <= 100
                   and all(r["ok"] for r in bad.values())
                   and (batch is None or batch["lines"] == batch["expected_lines"]))
    return 0 if targets_met else 1


if __name__ == "__main__":
    sys.exit(main())
