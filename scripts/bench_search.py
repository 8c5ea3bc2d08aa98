"""Benchmark directory search: index build time, and query latency through the Flask app.

Usage:  .venv/bin/python scripts/bench_search.py [--count 200000] [--queries 300]
                                                 [--workdir DIR]

Builds (or, with --workdir, reuses) a SQLite directory of `count` demo trainers and
its search index, then sends a deterministic mix of queries (place only, place and
condition, free text, typos, filters, sorts) through the app's test client and prints
the index build time and the p50 and p95 latency of the queries.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import flask_migrate
from sqlalchemy import func, select

from directory import create_app
from directory.catalogs.services import load_catalogs
from directory.demo.services import demo_directory, load_demo_batches
from directory.extensions import db
from directory.search.cli import rebuild_index
from directory.search.sync import search_index
from directory.trainers.models import Trainer

PLACES = ["10001", "Brooklyn, NY", "Chicago, IL", "90012", "Houston, TX", "Phoenix, AZ",
          "Philadelphia, PA", "San Antonio, TX", "San Diego, CA", "Dallas, TX", "Austin, TX",
          "Seattle, WA", "Denver, CO", "02108", "Miami, FL", "Atlanta, GA", "Boise, ID",
          "St. Louis, MO", "Saint Paul, MN", "Burlington, VT", "41.88,-87.63"]
CONDITIONS = ["high blood pressure", "type 2 diabetes", "E11.9", "COPD", "osteoporosis",
              "heart failure", "diabetis", "Parkinson's", "back pain", "pregnancy", "I50"]
TEXTS = ["diabetis", "Jonh Smiht", "Garcia", "cardiac rehab", "Maria Lopez", "osteoporsis",
         "ACSM-CEP", "strength conditioning", "Nguyen", "parkinsons", "Brooklyn"]


def queries(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    kinds = [
        lambda: {"near": rng.choice(PLACES)},
        lambda: {"near": rng.choice(PLACES), "condition": rng.choice(CONDITIONS)},
        lambda: {"q": rng.choice(TEXTS)},
        lambda: {"q": rng.choice(TEXTS), "near": rng.choice(PLACES), "radius": 50},
        lambda: {"near": rng.choice(PLACES), "level": "clinical", "verified_only": "true",
                 "sort": "distance"},
        lambda: {"near": rng.choice(PLACES), "condition": rng.choice(CONDITIONS),
                 "accepting": "true", "max_price": 120, "mode": "in_person", "sort": "price"},
        lambda: {"near": rng.choice(PLACES), "mode": "virtual", "language": "es"},
        lambda: {"certification": "clinical exercise physiologist", "near": rng.choice(PLACES),
                 "accessible": "step_free_access"},
    ]
    return ["/api/v1/trainers?" + urlencode(rng.choice(kinds)(), doseq=True)
            for _ in range(count)]


def build(app, count: int, reuse_index: bool) -> float | None:
    """Load the directory if needed and rebuild the index; return the build seconds."""
    with app.app_context():
        flask_migrate.upgrade()
        load_catalogs(db.session, app.config["DATA_DIR"])
        db.session.commit()
        have = db.session.scalar(select(func.count(Trainer.id)))
        if have < count:
            generator = demo_directory(db.session, 1, date(2026, 1, 1), app.config["DATA_DIR"])
            for _ in load_demo_batches(db.session, generator, count, index=False):
                db.session.commit()
        if reuse_index and search_index().exists():
            return None
        started = time.perf_counter()
        rebuild_index(db.session)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--workdir", type=Path, default=Path("instance/bench-search"))
    parser.add_argument("--reuse-index", action="store_true",
                        help="Keep an index already built in the workdir (no build time).")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{args.workdir.resolve() / 'bench.sqlite3'}",
        "SEARCH_INDEX_DIR": str(args.workdir / "index"), "RATELIMIT_ENABLED": False})
    build_seconds = build(app, args.count, args.reuse_index)
    client = app.test_client()
    urls = queries(args.queries)
    for url in urls[:20]:  # warm caches (gazetteer, catalogs, index readers)
        client.get(url)
    timings, statuses = [], set()
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        statuses.add(response.status_code)
    timings.sort()
    built = "reused" if build_seconds is None else f"{build_seconds:.0f} s"
    print(f"trainers: {args.count}; index build: {built}")
    print(f"queries: {len(urls)} (statuses {sorted(statuses)}); "
          f"p50 {statistics.median(timings):.1f} ms, "
          f"p95 {timings[int(0.95 * (len(timings) - 1))]:.1f} ms, max {timings[-1]:.1f} ms")


if __name__ == "__main__":
    main()
