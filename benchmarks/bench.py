"""Benchmark script: the same as `redress bench`; prints its figures.

usage: python benchmarks/bench.py [--cases N] [--json]
"""
from redress.frontends.cli import main

if __name__ == "__main__":
    import sys

    sys.argv[1:1] = ["bench"]
    main()
