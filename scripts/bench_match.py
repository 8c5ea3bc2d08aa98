"""Benchmark referral matching: latency and memory through the Flask app.

Usage:  .venv/bin/python scripts/bench_match.py [--count 200000] [--referrals 300]
                                                [--workdir DIR]

Builds (or reuses, in --workdir) a SQLite directory of `count` demo trainers, then posts
a deterministic mix of referrals (realistic places, condition mixes, modes, minimum
levels) to POST /api/v1/matches asking for the top 20 with explanations, and prints the
p50 and p95 latency and the process's peak memory.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time
from datetime import date
from pathlib import Path

import flask_migrate
from sqlalchemy import case, func, select, update

from directory import create_app
from directory.catalogs.services import load_catalogs
from directory.demo.services import demo_directory, load_demo_batches
from directory.extensions import db
from directory.trainers.models import Trainer

PLACES = ["60601", "Chicago, IL", "10001", "Brooklyn, NY", "90012", "Houston, TX",
          "Phoenix, AZ", "Philadelphia, PA", "San Antonio, TX", "San Diego, CA", "Dallas, TX",
          "Seattle, WA", "Denver, CO", "02108", "Miami, FL", "Atlanta, GA", "Boise, ID",
          "St. Louis, MO", "Minneapolis, MN", "Portland, OR"]
CONDITION_MIXES = [["I25.10"], ["I25.10", "type 2 diabetes"], ["high blood pressure"],
                   ["E11.9", "obesity"], ["osteoporosis", "falls risk"], ["COPD"],
                   ["heart failure", "chronic kidney disease"], ["ACL reconstruction"],
                   ["pregnancy"], ["Parkinson's", "falls risk"], ["low back pain"], []]
MODES = [["in_person"], ["in_person", "in_home"], ["in_person", "virtual"]]


def referrals(count: int, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        body = {"near": rng.choice(PLACES), "conditions": rng.choice(CONDITION_MIXES),
                "max_distance": rng.choice([10, 25, 40]), "modes": rng.choice(MODES),
                "limit": 20}
        if rng.random() < 0.2:
            body["min_level"] = rng.choice(["specialist", "clinical"])
        if rng.random() < 0.3:
            body.update(budget=rng.choice([60, 90, 120]), budget_is_hard=rng.random() < 0.5)
        bodies.append(body)
    return bodies


def ensure_directory(app, count: int) -> None:
    with app.app_context():
        flask_migrate.upgrade()
        load_catalogs(db.session, app.config["DATA_DIR"])
        db.session.commit()
        if db.session.scalar(select(func.count(Trainer.id))) < count:
            generator = demo_directory(db.session, 1, date(2026, 1, 1), app.config["DATA_DIR"])
            for _ in load_demo_batches(db.session, generator, count, index=False):
                db.session.commit()
        # A tenth of the trainers set a capacity and one in a hundred take no referrals,
        # so every match pays for the live capacity check as it would in use.
        db.session.execute(update(Trainer).where(Trainer.id % 10 == 0).values(
            referral_capacity=case((Trainer.id % 100 == 0, 0), else_=4)))
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--referrals", type=int, default=300)
    parser.add_argument("--workdir", type=Path, default=Path("instance/bench-search"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{args.workdir.resolve() / 'bench.sqlite3'}",
        "SEARCH_INDEX_DIR": str(args.workdir / "index"), "RATELIMIT_ENABLED": False})
    ensure_directory(app, args.count)
    client = app.test_client()
    bodies = referrals(args.referrals)
    started = time.perf_counter()
    client.post("/api/v1/matches", json=bodies[0])  # builds the snapshot, loads the gazetteer
    warmup = time.perf_counter() - started
    timings, statuses = [], set()
    for body in bodies:
        started = time.perf_counter()
        response = client.post("/api/v1/matches", json=body)
        timings.append((time.perf_counter() - started) * 1000)
        statuses.add(response.status_code)
    timings.sort()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"trainers: {args.count}; first request (snapshot build): {warmup:.1f} s")
    print(f"referrals: {len(bodies)} (statuses {sorted(statuses)}); "
          f"p50 {statistics.median(timings):.1f} ms, "
          f"p95 {timings[int(0.95 * (len(timings) - 1))]:.1f} ms, max {timings[-1]:.1f} ms; "
          f"peak RSS {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
