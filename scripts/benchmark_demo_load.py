"""Benchmark the demo generator and loader: how fast and how lean a big directory loads.

Usage:  .venv/bin/python scripts/benchmark_demo_load.py --count 100000 [--database-url URL]

Loads `count` demo trainers into a fresh database (a temporary SQLite file unless
--database-url is given, which must point at an empty, migrated database) and prints the
median and p95 time per batch of 1,000 trainers, the overall rate and the peak memory.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import flask_migrate

from directory import create_app
from directory.catalogs.services import load_catalogs
from directory.demo.services import BATCH_SIZE, demo_directory, load_demo_batches
from directory.extensions import db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            flask_migrate.upgrade()
            load_catalogs(db.session, app.config["DATA_DIR"])
            db.session.commit()
            generator = demo_directory(db.session, args.seed, date(2026, 1, 1),
                                       app.config["DATA_DIR"])
            timings = []
            started = previous = time.perf_counter()
            for _ in load_demo_batches(db.session, generator, args.count):
                db.session.commit()
                now = time.perf_counter()
                timings.append(now - previous)
                previous = now
            total = time.perf_counter() - started
    report(args.count, timings, total)


def report(count: int, timings: list[float], total: float) -> None:
    ms = sorted(t * 1000 for t in timings)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"trainers: {count}  batches of {BATCH_SIZE}: {len(ms)}")
    print(f"per batch: median {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms")
    print(f"total: {total:.1f} s ({count / total:,.0f} trainers/s), peak RSS {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
