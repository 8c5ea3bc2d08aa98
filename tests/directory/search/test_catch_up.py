"""A committed change the search index missed (the process died between the commit and
its index write) is written in by the next search once it is overdue, from the
directory change log; what the log cannot replay marks the index stale."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import insert, update

from directory.search.index import TrainerIndex
from directory.search.models import DirectoryChange, DirectoryVersion
from directory.search.snapshot import directory_version
from directory.search.sync import search_index
from tests.directory.search.helpers import names, search
from tests.factories import make_trainer


@pytest.fixture
def lost_write(monkeypatch):
    """The next commits' index writes never happen, as if the process died after each."""
    monkeypatch.setattr(TrainerIndex, "write", lambda self, *args, **kwargs: True)
    return monkeypatch


def test_a_missed_change_is_caught_up_by_the_next_search(app, client, session, lost_write):
    app.config["SEARCH_CATCH_UP_SECONDS"] = 0
    lost_write.undo()
    make_trainer(session, last_name="Okafor")  # written: the record of versions begins
    lost_write.setattr(TrainerIndex, "write", lambda self, *args, **kwargs: True)
    make_trainer(session, last_name="Quillfeather")  # committed, its index write lost
    lost_write.undo()
    assert search_index().missing_versions(directory_version(session)) != []
    assert client.get("/readyz").json["checks"]["search_index"] == (
        "behind by 1 change(s): the next search writes them in")
    checked = app.test_cli_runner().invoke(args=["search", "check"])
    assert "Committed changes not yet in the index: 1" in checked.output

    assert names(search(client, q="Quillfeather")) == ["Quillfeather"]
    assert client.get("/readyz").json["checks"]["search_index"] == "ok"
    assert search_index().missing_versions(directory_version(session)) == []
    assert not search_index().stale


def test_a_gap_younger_than_the_grace_period_waits_for_its_own_write(app, client, session,
                                                                    lost_write):
    app.config["SEARCH_CATCH_UP_SECONDS"] = 3600
    lost_write.undo()
    make_trainer(session, last_name="Okafor")
    lost_write.setattr(TrainerIndex, "write", lambda self, *args, **kwargs: True)
    make_trainer(session, last_name="Quillfeather")
    assert names(search(client, q="Quillfeather")) == []  # its writer may be just late


def test_a_missed_change_the_log_cannot_replay_marks_the_index_stale(app, client, session):
    app.config["SEARCH_CATCH_UP_SECONDS"] = 0
    make_trainer(session, last_name="Okafor")
    version = directory_version(session)
    # A catalog edit (every document changes) committed, its index update lost.
    session.execute(insert(DirectoryChange).values(version=version + 1, trainer_id=None))
    session.execute(update(DirectoryVersion).values(version=version + 1))
    session.commit()
    search(client, q="Okafor")
    assert search_index().stale
    assert search_index().missing_versions(version + 1) == []  # said once, not each time


def test_writes_noted_out_of_order_close_the_gap_between_them(tmp_path):
    index = TrainerIndex(tmp_path)
    index.mark_caught_up(3)
    index._note_applied([5])
    assert (index.applied_through(), index.missing_versions(5)) == (3, [4])
    index._note_applied([4])
    assert (index.applied_through(), index.missing_versions(5)) == (5, [])


def test_catching_up_never_waits_for_a_writer_holding_the_index(app, client, session,
                                                                lost_write):
    """A rebuild or a big import holds whoosh's write lock: searches go on meanwhile, the
    index is not called stale, and a later search catches up."""
    app.config["SEARCH_CATCH_UP_SECONDS"] = 0
    lost_write.undo()
    make_trainer(session, last_name="Okafor")
    lost_write.setattr(TrainerIndex, "write", lambda self, *args, **kwargs: True)
    make_trainer(session, last_name="Quillfeather")
    lost_write.undo()
    writer = search_index().index().writer()  # another process's long write
    try:
        started = time.monotonic()
        assert names(search(client, q="Quillfeather")) == []
        assert time.monotonic() - started < 2
    finally:
        writer.cancel()
    assert not search_index().stale
    assert names(search(client, q="Quillfeather")) == ["Quillfeather"]


def test_a_commit_does_not_wait_out_another_writer_and_the_next_search_catches_up(
        app, client, session):
    """An edit committed while another process holds the index's write lock (an import
    writing thousands of documents) answers at once instead of waiting the lock's 10 s
    and calling the index stale; a search after the writer is done finds the edit."""
    app.config["SEARCH_CATCH_UP_SECONDS"] = 0
    make_trainer(session, last_name="Okafor")  # written: the record of versions begins
    writer = search_index().index().writer()  # another process's long write
    try:
        started = time.monotonic()
        make_trainer(session, last_name="Quillfeather")
        waited = time.monotonic() - started
    finally:
        writer.cancel()
    assert waited < 5  # the lock's own timeout is 10 s
    assert not search_index().stale
    assert search_index().missing_versions(directory_version(session)) != []
    assert names(search(client, q="Quillfeather")) == ["Quillfeather"]
