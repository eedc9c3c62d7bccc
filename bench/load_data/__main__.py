"""Bulk-load a realistic data set for the benchmarks, through PostgreSQL COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mediation_bench \\
        .venv/bin/python -m bench.load_data --complaints 1000000 [--seed 315] [--workers 2]

What it loads, and how: bench/load_data/__init__.py.
"""

import argparse
import os
import sys
from pathlib import Path

from .loader import RESULTS, run

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/mediation_bench"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load_data", description=__doc__.split("\n\n")[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--consumers", type=int, default=None, help="default: 300,000 (fewer below 300,000 complaints)")
    parser.add_argument("--merchants", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=315)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--results", type=Path, default=RESULTS / "load.json", help="where the figures go")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    result = run(
        url,
        complaints=args.complaints,
        seed=args.seed,
        consumers=args.consumers,
        merchants=args.merchants,
        workers=args.workers,
        results=args.results,
        command=" ".join(["python -m bench.load_data", *sys.argv[1:]]),
    )
    if not result["ok"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
