"""An import reconciles without holding the directory's write lock, and takes it to
apply; whatever another writer changed meanwhile is reconciled again first."""

from __future__ import annotations

import threading
import time

import pytest

from directory.extensions import db
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
