"""Measure record linkage on a labelled truth set: precision and recall of automatic links.

Usage:  .venv/bin/python scripts/measure_linkage.py [--seed 1] [--directory 20000]
                                                    [--rows 5000] [--examples 5]

Builds the truth set of `directory.demo.truthset` for the seed (a directory of demo-like
people and a certifying body's list with known answers), replays the list through
`LinkageIndex` as the import reconciler does, and prints what linkage got right and
wrong, with examples. The same seed always prints the same figures (timings aside).
"""

from __future__ import annotations

import argparse

from directory.demo.truthset import run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--directory", type=int, default=20_000, help="trainers in the directory")
    parser.add_argument("--rows", type=int, default=5_000, help="rows in the imported list")
    parser.add_argument("--examples", type=int, default=5, help="false links and misses shown")
    args = parser.parse_args()
    report = run(args.seed, args.directory, args.rows)
    print(f"seed {args.seed}, directory {args.directory}, rows {args.rows}")
    print(report.format(args.examples))


if __name__ == "__main__":
    main()
