"""An import reconciles without holding the directory's write lock, and takes it to
apply; whatever another writer changed meanwhile is reconciled again first."""

from __future__ import annotations

import random
import string
import threading
import time

import pytest

from directory.extensions import db
from directory.imports import services
from directory.imports.services import ImportOptions, prepare_import, run_import
from tests.apps import DATA_DIR
from tests.factories import as_csv, make_trainer, person


def test_a_trainer_added_while_a_list_reconciles_is_linked_not_duplicated(session):
    prepared = prepare_import(session, as_csv([person()]), "nsca.csv", ImportOptions("NSCA"),
                              str(DATA_DIR))
    added = []

    def another_curator_adds_zoe(_rows_done: int) -> None:
        if not added:  # as the first row is reconciled, someone else saves Zoe
            added.append(make_trainer(session, first_name="Zoe", last_name="Newman",
                                      email="zoe.newman@example.com", postal_code="98101",
                                      credentials=[]))

    report = run_import(session, prepared, str(DATA_DIR), progress=another_curator_adds_zoe)
    (row,) = report["rows"]
    assert (row["action"], row["trainer_id"]) == ("linked", added[0].id)


def test_with_nothing_changed_meanwhile_the_rows_are_reconciled_once(session, monkeypatch):
    prepared = prepare_import(session, as_csv([person()]), "nsca.csv", ImportOptions("NSCA"),
                              str(DATA_DIR))
    calls = []
    monkeypatch.setattr("directory.imports.services.Reconciler.train",
                        lambda self, rows: calls.append(len(rows)))
    report = run_import(session, prepared, str(DATA_DIR))
    assert calls == [1] and report["summary"]["created"] == 1


@pytest.mark.real_commits
def test_other_writes_go_on_while_an_import_reconciles(app, curator, session):
    """A curator's edit answers at once while another curator's import is reconciling:
    the import holds no lock until it applies."""
    trainer = make_trainer(session, last_name="Okafor")
    reconciling, edited = threading.Event(), threading.Event()
    outcome = {}

    def import_in_another_request() -> None:
        def pause_at_first_row(_rows_done: int) -> None:
            if not reconciling.is_set():
                reconciling.set()
                edited.wait(timeout=30)

        with app.app_context():
            prepared = prepare_import(db.session, as_csv([person()]), "nsca.csv",
                                      ImportOptions("NSCA"), str(DATA_DIR))
            outcome["report"] = run_import(db.session, prepared, str(DATA_DIR),
                                           progress=pause_at_first_row)
            db.session.commit()

    worker = threading.Thread(target=import_in_another_request)
    worker.start()
    try:
        assert reconciling.wait(timeout=30)
        started = time.monotonic()
        answer = curator.patch(f"/api/v1/trainers/{trainer.id}", json={"bio": "Edited."})
        waited = time.monotonic() - started
    finally:
        edited.set()
        worker.join(timeout=60)
    assert answer.status_code == 200, answer.json
    assert waited < 2
    assert outcome["report"]["summary"]["created"] == 1


def made_up_name(seed: int) -> str:
    """A name no other seed's resembles: linkage keeps such people apart."""
    return "".join(random.Random(seed).choices(string.ascii_lowercase, k=9)).capitalize()


@pytest.mark.real_commits
def test_other_writes_go_on_while_a_big_list_is_applied(app, curator, session, monkeypatch):
    """A curator's edit made the moment another's import takes the write lock to apply
    2,000 new trainers answers 200 within 2 s: the apply is bulk inserts, not minutes
    of ORM work, and the search documents are written after the lock is let go."""
    trainer = make_trainer(session, last_name="Okafor")
    rows = [person(first_name=made_up_name(2 * n), last_name=made_up_name(2 * n + 1),
                   credential_number=f"NS-{n}", email=f"person{n}@example.org")
            for n in range(2000)]
    applying, take = threading.Event(), services.serialize_writes

    def taken(import_session) -> None:
        take(import_session)
        applying.set()

    monkeypatch.setattr(services, "serialize_writes", taken)
    outcome = {}

    def import_in_the_worker() -> None:
        with app.app_context():
            prepared = prepare_import(db.session, as_csv(rows), "nsca.csv",
                                      ImportOptions("NSCA"), str(DATA_DIR))
            outcome["report"] = run_import(db.session, prepared, str(DATA_DIR))
            db.session.commit()

    worker = threading.Thread(target=import_in_the_worker)
    worker.start()
    try:
        assert applying.wait(timeout=120)
        started = time.monotonic()
        answer = curator.patch(f"/api/v1/trainers/{trainer.id}", json={"bio": "Edited."})
        waited = time.monotonic() - started
    finally:
        worker.join(timeout=120)
    assert answer.status_code == 200, answer.json
    assert waited < 2
    assert outcome["report"]["summary"]["created"] == 2000
