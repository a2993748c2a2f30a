"""Where an HTTP ask's time goes, in CPU milliseconds per request (so the shared machine's load
does not skew it): the ask alone, the ask with its answer encoded as JSON, and the whole ASGI
application called in-process (routing, request validation, middleware, response), each over
the same realistic /ask bodies as benchmarks/load_http.py. What a real server adds on top
(HTTP parsing, sockets) is that benchmark's ``server CPU per ask`` minus the last figure.

usage: python benchmarks/profile_http.py [--cases 300] [--rounds 3] [--top N]

``--top N`` also prints the N functions with the most own time inside the application.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_http import ask_bodies  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--top", type=int, default=0)
    args = parser.parse_args(argv)

    import redress
    from redress.frontends.web import SafeJSONResponse, create_app

    bodies = ask_bodies(args.cases, 1)
    requests = [json.loads(b) for b in bodies]
    kb = redress.load()
    app = create_app(kb)

    async def call(body: bytes) -> None:
        scope = {"type": "http", "method": "POST", "path": "/ask", "raw_path": b"/ask", "root_path": "",
                 "query_string": b"", "http_version": "1.1", "scheme": "http", "server": ("127.0.0.1", 80),
                 "client": ("127.0.0.1", 1), "headers": [(b"content-type", b"application/json"),
                                                         (b"content-length", str(len(body)).encode())]}
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        status: list[int] = []

        async def send(message: Any) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await app(scope, receive, send)
        assert status == [200], status

    async def all_bodies() -> None:
        for body in bodies:
            await call(body)

    def ask() -> None:
        for r in requests:
            kb.ask(r["question"], r["case"])

    def ask_and_encode() -> None:
        for r in requests:
            SafeJSONResponse(kb.ask(r["question"], r["case"]).to_dict())

    def application() -> None:
        asyncio.run(all_bodies())

    stages: list[tuple[str, Callable[[], None]]] = [("ask", ask), ("ask + JSON response", ask_and_encode),
                                                    ("whole ASGI app", application)]
    for _, run in stages:  # warm: engines built, caches filled
        run()
    figures: dict[str, list[float]] = {name: [] for name, _ in stages}
    for _ in range(args.rounds):
        for name, run in stages:
            cpu = time.process_time()
            run()
            figures[name].append((time.process_time() - cpu) / len(bodies) * 1000)
    print(f"CPU ms per /ask request, best of {args.rounds}, over {len(bodies)} realistic requests:")
    for name, values in figures.items():
        print(f"  {name:<22} {min(values):.3f}")
    if args.top:
        profile = cProfile.Profile()
        profile.enable()
        application()
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
