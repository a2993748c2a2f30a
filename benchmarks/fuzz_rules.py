"""Fuzz the rule-file pipeline: mutated DSL sources through parse -> check -> compile.

usage: python benchmarks/fuzz_rules.py [--count N] [--seed S] [--only INDEX] [--json]

Each input is one of the real rule files (rules/*.rules, rules/scenarios/*.rules) mutated, or a
generated hostile file: token deletions, duplications, swaps and replacements, byte flips,
random unicode, deep nesting, very long lines, and ``include`` of missing, cyclic, absolute and
``../`` paths. It is written into a scratch copy of the rules folder and parsed there as an
entry file (with whatever it includes); the other, unmutated files of the knowledge base are
added as parsed, and the whole is checked and, if it checks, compiled. Every ``--ask-every``-th
program that compiles is also loaded into the engine and asked every question about an example
case. A parse or check error must name file:line:col.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fuzzkit import ROOT, Tally, indices, interrupted, progress, report  # noqa: E402

from redress.errors import RedressCheckError, RedressError, RedressSyntaxError  # noqa: E402

_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|\d{4}-\d{2}-\d{2}|[A-Za-z_][A-Za-z0-9_]*|\d+|:-|[<>!=]=|\s+|#[^\n]*|.',
                    re.S)
_LOCATED = re.compile(r"^[^\n]+:\d+:\d+: ")
_INCLUDES = ('include "missing.rules"', 'include "{self}"', 'include "/etc/passwd"', 'include "/etc/hostname"',
             'include "../../../../etc/hostname"', 'include "../rules/case.rules"', 'include "scenarios/../case.rules"',
             'include "case.rules"', 'include ""', 'include "."', 'include "/"', 'include "' + "x" * 5000 + '.rules"',
             'include "a\\u0000b.rules"', 'include "/proc/self/environ"', 'include "~/.bashrc"',
             'include "main.rules"')


def sources() -> dict[str, str]:
    """The real rule files the mutations start from, by name relative to the rules folder."""
    rules = ROOT / "rules"
    return {str(p.relative_to(rules)): p.read_text(encoding="utf-8")
            for p in sorted([*rules.glob("*.rules"), *(rules / "scenarios").glob("*.rules")])}


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _random_text(rng: random.Random, n: int) -> str:
    """Random code points (no surrogates: the file is written as UTF-8) with some DSL punctuation."""
    out = []
    for _ in range(n):
        pick = rng.random()
        if pick < 0.3:
            out.append(rng.choice('()[],.:-"=<>!#\n \t'))
        elif pick < 0.6:
            out.append(chr(rng.randrange(32, 127)))
        else:
            c = rng.randrange(0x80, 0x110000)
            out.append(chr(c) if not 0xD800 <= c <= 0xDFFF else "\ufffd")
    return "".join(out)


def mutate(rng: random.Random, name: str, text: str, vocab: list[str]) -> bytes:
    """One mutated source, as the bytes written to the file."""
    toks = _tokens(text)
    kind = rng.randrange(12)
    n = max(1, len(toks))
    if kind == 0:  # delete a few tokens
        for _ in range(rng.randint(1, 3)):
            if toks:
                del toks[rng.randrange(len(toks))]
    elif kind == 1:  # duplicate a run of tokens in place
        i = rng.randrange(n)
        toks[i:i] = toks[i:i + rng.randint(1, 6)]
    elif kind == 2:  # swap two tokens
        i, j = rng.randrange(n), rng.randrange(n)
        if toks:
            toks[i], toks[j] = toks[j], toks[i]
    elif kind == 3:  # replace tokens with others from the rule files' vocabulary
        for _ in range(rng.randint(1, 3)):
            if toks:
                toks[rng.randrange(len(toks))] = rng.choice(vocab)
    elif kind == 4:  # byte flips (may leave invalid UTF-8)
        raw = bytearray(text.encode())
        for _ in range(rng.randint(1, 4)):
            if raw:
                raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
        return bytes(raw)
    elif kind == 5:  # random bytes spliced in
        raw = bytearray(text.encode())
        i = rng.randrange(len(raw) + 1)
        raw[i:i] = rng.randbytes(rng.randint(1, 16))
        return bytes(raw)
    elif kind == 6:  # random unicode spliced in
        i = rng.randrange(n)
        toks.insert(i, _random_text(rng, rng.randint(1, 40)))
    elif kind == 7:  # deep nesting: parentheses, lists in scenario values, nested calls
        depth = rng.choice([50, 500, 5000, 20000])
        shape = rng.randrange(3)
        if shape == 0:
            nest = "(" * depth + "X" + ")" * depth
        elif shape == 1:
            nest = "[" * depth + '"a"' + "]" * depth
        else:
            nest = "f(" * depth + "X" + ")" * depth
        toks.insert(rng.randrange(n), nest)
    elif kind == 8:  # a very long line: an identifier, a string, a number or a comment
        size = rng.choice([10_000] * 5 + [100_000] * 4 + [1_000_000])  # a megabyte line now and then: lexing it is slow
        long = rng.choice(["a" * size, '"' + "b" * size + '"', "9" * size, "# " + "c" * size, "X" * size])
        toks.insert(rng.randrange(n), long)
    elif kind == 9:  # include lines: missing, cyclic, absolute, ../, odd
        line = rng.choice(_INCLUDES).replace("{self}", name)
        toks.insert(rng.choice([0, rng.randrange(n)]), "\n" + line + "\n")
    elif kind == 10:  # truncated
        toks = toks[:rng.randrange(n)]
    else:  # several of the token mutations at once
        for _ in range(rng.randint(2, 6)):
            i, j = rng.randrange(n), rng.randrange(n)
            if toks and i < len(toks) and j < len(toks):
                toks[i], toks[j] = toks[j], rng.choice([toks[i], rng.choice(vocab), ""])
    return "".join(toks).encode()


class RulesFuzzer:
    """A scratch rules folder (a copy of rules/) and the unmutated knowledge base, parsed once."""

    def __init__(self, ask_every: int):
        from redress.api import default_rules_path
        from redress.kb.authorities import authority_module
        from redress.parser.parse import parse_program

        self.scratch = Path(tempfile.mkdtemp(prefix="redress-fuzz-rules-"))
        self.folder = self.scratch / "rules"
        shutil.copytree(ROOT / "rules", self.folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
        self.texts = sources()
        self.vocab = sorted({t for text in self.texts.values() for t in _tokens(text) if t.strip()})
        self.base = {Path(m.path).name: m for m in parse_program(default_rules_path())}
        self.authorities = authority_module(ROOT / "rules" / "authorities")
        self.ask_every = ask_every
        self.compiled = 0
        self.case = json.loads((ROOT / "examples" / "christmas-deadline.json").read_text())

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)

    def source(self, rng: random.Random) -> tuple[str, bytes]:
        pick = rng.random()
        if pick < 0.9:
            name = rng.choice([n for n in self.texts if n != "main.rules"] if pick < 0.85 else list(self.texts))
            return name, mutate(rng, Path(name).name, self.texts[name], self.vocab)
        name = f"gen{rng.randrange(3)}.rules"
        kind = rng.randrange(4)
        if kind == 0:
            return name, _random_text(rng, rng.randint(1, 2000)).encode()
        if kind == 1:
            return name, rng.randbytes(rng.randint(1, 2000))
        if kind == 2:  # two generated files including each other
            other = self.folder / "gen_other.rules"
            other.write_text(f'include "{name}"\n')
            return name, b'include "gen_other.rules"\n'
        return name, "\n".join(rng.choice(_INCLUDES).replace("{self}", name)
                               for _ in range(rng.randint(1, 5))).encode()

    def pipeline(self, name: str, data: bytes) -> None:
        from redress.api import KnowledgeBase
        from redress.kb.build import rules_version
        from redress.kb.checker import check
        from redress.kb.compiler import compile_program
        from redress.parser.parse import parse_program

        path = self.folder / name
        original = path.read_bytes() if path.exists() else None
        path.write_bytes(data)
        try:
            parsed = parse_program(path)
        finally:
            if original is not None:
                path.write_bytes(original)
            else:
                path.unlink()
        names = {Path(m.path).name for m in parsed}
        modules = (*parsed, *(m for n, m in self.base.items() if n not in names), self.authorities)
        diagnostics = check(modules)
        errors = [d for d in diagnostics if d.severity == "error"]
        if errors:
            raise RedressCheckError(list(errors))
        program = compile_program(modules)
        self.compiled += 1
        if self.ask_every and self.compiled % self.ask_every == 0:
            kb = KnowledgeBase(program, modules, (), rules_version(modules))
            for question in kb.questions:
                kb.ask(question, self.case)


def located(err: RedressError) -> bool:
    """A rule-file error names file:line:col (every diagnostic of a check error does)."""
    if isinstance(err, RedressCheckError):
        return bool(err.diagnostics) and all(_LOCATED.match(str(d)) for d in err.diagnostics)
    if isinstance(err, RedressSyntaxError):
        return bool(_LOCATED.match(str(err)))
    return bool(_LOCATED.match(str(err)))  # the engine's own errors at ask time: a location if it can


def run(count: int, seed: int, only: int | None = None, ask_every: int = 50, start: int = 0,
        on_progress: Callable[[int, int, float], None] | None = None) -> tuple[list[Tally], bool]:
    """The tallies, and whether the run was interrupted before the end."""
    tally = Tally("parse-check")
    fuzzer = RulesFuzzer(ask_every)
    started = time.perf_counter()

    def loop() -> None:
        for done, index in enumerate(indices(count, only, start)):
            rng = random.Random(f"{seed}:{index}")
            name, data = fuzzer.source(rng)
            tally.run(index, name, lambda: fuzzer.pipeline(name, data), located)
            if on_progress:
                on_progress(done + 1, count, started)

    try:
        stopped = interrupted(loop)
    finally:
        fuzzer.close()
    return [tally], stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--only", type=int, default=None, help="replay one input by its index")
    parser.add_argument("--start", type=int, default=0, help="first index (to split a run across processes)")
    parser.add_argument("--ask-every", type=int, default=50, help="ask every Nth compiled program (0: never)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    tallies, stopped = run(args.count, args.seed, args.only, args.ask_every, args.start, progress)
    return report("rule sources", args.seed, tallies, started, args.json, stopped)


if __name__ == "__main__":
    sys.exit(main())
