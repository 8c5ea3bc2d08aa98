"""Benchmark a credential import: 50,000 list rows against a 200,000-trainer directory.

Usage:  .venv/bin/python scripts/bench_import.py [--directory 200000] [--rows 50000]
                                                 [--seed 1] [--workdir DIR]

Builds (or reuses, in --workdir) a SQLite directory from the record-linkage truth set
(`directory.demo.truthset`: the demo's names and places, one credential each) and
writes the set's labelled rows as one issuer's CSV list. Then, through the real code
path (`flask credentials import` calls the same functions), it times:

- a dry run: reading the file, loading the directory into the linkage index and
  reconciling every row, with each row's reconcile time (p50, p95);
- a real run on a copy of the database: the same plus applying the batch in one
  transaction, committing and refreshing the search index.

It prints the timings, the report's summary, how many automatic links were right
(the rows are labelled) and each import's peak memory: every timed import runs in a
process of its own, so the truth set's generation is not counted.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import flask_migrate
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.orm import Session

from directory import create_app
from directory.catalogs.services import load_catalogs
from directory.credentials.models import Certification, Credential
from directory.demo.truthset import CERTIFICATIONS, build_truth_set
from directory.extensions import db
from directory.geo.gazetteer import gazetteer
from directory.imports import services
from directory.imports.services import ImportOptions, prepare_import, run_import
from directory.trainers.models import Trainer
from matching.types import CredentialLevel

ISSUER = "ACSM"
# One issuer's list: the truth set's ten certifications read as ten of that issuer's,
# added to the benchmark's database only. They must stay one to one: folded into ACSM's
# four, about a fifth of the rows named a certification their trainer already held under
# another number (a conflict, sent to review) where the truth set has 3% of existing rows.
AS_ACSM = {code: f"TS-{code}" for code in CERTIFICATIONS}
COLUMNS = ("first_name", "last_name", "certification", "credential_number", "status",
           "expires_on", "email", "phone", "city", "state", "postal_code")
BATCH = 5_000


def ensure_directory(app, truth) -> None:
    with app.app_context():
        flask_migrate.upgrade()
        load_catalogs(db.session, app.config["DATA_DIR"])
        known = set(db.session.scalars(select(Certification.code)))
        db.session.add_all(Certification(code=listed, issuer=ISSUER, issuer_name=ISSUER,
                                         name=f"Truth set {code}", level=CredentialLevel.GENERAL)
                           for code, listed in AS_ACSM.items() if listed not in known)
        db.session.commit()
        if db.session.scalar(select(func.count(Trainer.id))) < len(truth.directory):
            load_people(truth)
        if db.engine.dialect.name == "postgresql":  # the ids were given: move the sequence on
            db.session.execute(text("SELECT setval(pg_get_serial_sequence('trainers', 'id'), "
                                    "(SELECT max(id) FROM trainers))"))
            db.session.commit()


def load_people(truth) -> None:
    """The truth set's directory, with the set's own trainer ids (its labels)."""
    certifications = {c.code: c for c in db.session.scalars(select(Certification))}
    zips = gazetteer().zips
    people = list(truth.directory.items())
    for start in range(0, len(people), BATCH):
        chunk = people[start:start + BATCH]
        db.session.execute(insert(Trainer), [{
            "id": trainer_id, "first_name": p.first_name, "last_name": p.last_name,
            "email": p.email, "phone": p.phone, "city": p.city, "state": p.state,
            "postal_code": p.postal_code, "latitude": zips[p.postal_code].point[0],
            "longitude": zips[p.postal_code].point[1], "location_precision": "postal_code",
        } for trainer_id, p in chunk])
        db.session.execute(insert(Credential), [{
            "trainer_id": trainer_id, "issuer": ISSUER,
            "certification_id": certifications[AS_ACSM[truth.held[trainer_id][0]]].id,
            "credential_number": truth.held[trainer_id][1], "status": "verified",
        } for trainer_id, _ in chunk])
        db.session.commit()


def list_file(truth) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in truth.rows:
        p = row.person
        writer.writerow([p.first_name, p.last_name, AS_ACSM[row.certification], row.number,
                         "active", "2028-06-30", p.email or "", p.phone or "", p.city or "",
                         p.state or "", p.postal_code or ""])
    return out.getvalue().encode()


def timed_import(app, content: bytes, dry_run: bool) -> tuple[dict, dict]:
    ticks, lock = [], watch_write_lock()
    with app.app_context():
        started = time.perf_counter()
        prepared = prepare_import(db.session, content, "bench.csv",
                                  ImportOptions(ISSUER, dry_run=dry_run),
                                  app.config["DATA_DIR"])
        read = time.perf_counter()
        report = run_import(db.session, prepared, app.config["DATA_DIR"],
                            progress=lambda _n: ticks.append(time.perf_counter()))
        reconciled = ticks[-1]
        db.session.commit()
        done = time.perf_counter()
    per_row = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    quantiles = statistics.quantiles(per_row, n=20)
    return report, {"read": read - started, "reconcile": reconciled - read,
                    "apply": done - reconciled, "total": done - started,
                    "locked": lock.get("released", 0) - lock.get("taken", 0),
                    "row_p50_ms": quantiles[9] * 1000, "row_p95_ms": quantiles[18] * 1000}


def watch_write_lock() -> dict:
    """When the import takes the directory's write lock, and when its commit lets it go
    (before the search index is written, which holds no lock)."""
    lock, take = {}, services.serialize_writes

    def taken(session) -> None:
        lock["taken"] = time.perf_counter()
        take(session)

    def released(_session) -> None:
        if "taken" in lock:
            lock.setdefault("released", time.perf_counter())

    services.serialize_writes = taken
    event.listen(Session, "after_commit", released, insert=True)  # before the index hook
    return lock


def accuracy(labels: list[int | None], report) -> str:
    links = [(label, row["trainer_id"]) for label, row in zip(labels, report["rows"], strict=True)
             if row["action"] == "linked"]
    right = sum(1 for label, linked in links if label == linked)
    wrong = sum(1 for label, linked in links if label and label != linked)
    return (f"automatic links to directory trainers right: {right}, "
            f"to the wrong directory trainer: {wrong}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--directory", type=int, default=200_000)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("instance/bench-import"))
    parser.add_argument("--child", choices=["dry", "real"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    base = args.workdir.resolve() / f"directory-ts-{args.seed}-{args.directory}.sqlite3"
    listed = args.workdir / f"list-{args.seed}-{args.rows}.csv"
    if args.child:
        return child(args.child, base, listed, args.workdir)
    truth = build_truth_set(args.seed, args.directory, args.rows)
    ensure_directory(_app(base, args.workdir), truth)
    listed.write_bytes(list_file(truth))
    labels = [row.trainer_id for row in truth.rows]
    del truth
    print(f"{args.rows} rows ({listed.stat().st_size / 2**20:.1f} MiB CSV) against "
          f"{args.directory} trainers, seed {args.seed}")
    for mode in ("dry", "real"):
        command = [sys.executable, __file__, "--child", mode, "--directory",
                   str(args.directory), "--rows", str(args.rows), "--seed", str(args.seed),
                   "--workdir", str(args.workdir)]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        result = json.loads(output.splitlines()[-1])
        _print(f"{mode} run", result["report"], result["times"], result["peak_mib"])
    print(accuracy(labels, result["report"]))


def child(mode: str, base: Path, listed: Path, workdir: Path) -> None:
    """One timed import in this process; prints its report and figures as JSON."""
    database = base
    if mode == "real":  # on a copy, so the directory stays as built
        database = base.with_suffix(".run.sqlite3")
        remove_database(database)  # with a killed run's write-ahead log, if any
        shutil.copyfile(base, database)
    report, times = timed_import(_app(database, workdir), listed.read_bytes(),
                                 dry_run=mode == "dry")
    if mode == "real":
        remove_database(database)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"report": {"summary": report["summary"], "rows": [
        {"action": r["action"], "trainer_id": r["trainer_id"]} for r in report["rows"]]},
        "times": times, "peak_mib": peak}))


def remove_database(database: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def _app(database: Path, workdir: Path):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                       "SEARCH_INDEX_DIR": str(workdir / "index"), "RATELIMIT_ENABLED": False})


def _print(label: str, report: dict, times: dict, peak_mib: float) -> None:
    summary = ", ".join(f"{k} {v}" for k, v in report["summary"].items())
    print(f"{label}: read {times['read']:.1f} s, reconcile {times['reconcile']:.1f} s, "
          f"apply and commit {times['apply']:.1f} s (write lock held "
          f"{times['locked']:.1f} s), total {times['total']:.1f} s; "
          f"per row p50 {times['row_p50_ms']:.2f} ms, p95 {times['row_p95_ms']:.2f} ms; "
          f"peak memory {peak_mib:.0f} MiB")
    print(f"  {summary}")


if __name__ == "__main__":
    main()
