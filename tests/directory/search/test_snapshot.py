"""An incrementally refreshed snapshot equals one built from scratch."""

from datetime import date

import numpy as np
import pytest

from directory.credentials.schemas import CredentialInputSchema
from directory.credentials.services import add_credential
from directory.search import snapshot as snapshot_module
from directory.search.snapshot import (
    ROW_ARRAYS,
    SPARSE_COLUMNS,
    SnapshotCache,
    build_snapshot,
    directory_version,
)
from directory.search.sync import mark_for_reindex
from directory.trainers.services import deactivate_trainer
from tests.factories import add_trainers, credential_payload, experience, trainer_payload

TODAY = date(2026, 6, 1)


def assert_same(patched, rebuilt):
    for name in ROW_ARRAYS:
        assert np.array_equal(getattr(patched, name), getattr(rebuilt, name),
                              equal_nan=name == "price_min"), name
    for name in SPARSE_COLUMNS:
        mine, theirs = getattr(patched, name), getattr(rebuilt, name)
        for key in mine.keys() | theirs.keys():
            empty = np.zeros(len(rebuilt), dtype=bool)
            assert np.array_equal(mine.get(key, empty).astype(int),
                                  theirs.get(key, empty).astype(int)), (name, key)


@pytest.fixture
def directory(session):
    return add_trainers(session, *(
        trainer_payload(last_name=f"T{i}", postal_code=zip_code,
                        conditions=[experience("hypertension")])
        for i, zip_code in enumerate(["10001", "02108", "60601", "90012", "33101"])))


def test_patched_snapshot_equals_a_rebuilt_one(session, directory, monkeypatch):
    cache = SnapshotCache()
    before = cache.current(session, TODAY)
    builds = []
    monkeypatch.setattr(snapshot_module, "build_snapshot",
                        lambda *args: builds.append(args[2:]) or build_snapshot(*args))
    moved, gone, credentialed = directory[0], directory[1], directory[2]
    moved.latitude, moved.longitude = 47.6, -122.3  # now the northernmost row
    moved.languages = ["en", "ko"]
    deactivate_trainer(session, gone)
    add_credential(session, credentialed, CredentialInputSchema().load(
        credential_payload(certification="NSCA-CSCS")))
    session.commit()
    (added,) = add_trainers(session, trainer_payload(last_name="New", postal_code="98101",
                                                     accessibility_features=["elevator"]))
    after = cache.current(session, TODAY)
    assert after is not before and after.version == directory_version(session)
    assert added.id in after.ids and gone.id not in after.ids
    assert_same(after, build_snapshot(session, TODAY))
    # Only the changed trainers were read again, never the whole directory.
    assert builds == [({moved.id, gone.id, credentialed.id, added.id},)]


def test_a_bulk_change_rebuilds_everything(session, directory):
    cache = SnapshotCache()
    cache.current(session, TODAY)
    mark_for_reindex(session, range(1, 6000))  # more than a patch is worth
    session.commit()
    assert_same(cache.current(session, TODAY), build_snapshot(session, TODAY))


def test_a_new_day_rebuilds_since_credentials_expire(session, directory):
    cache = SnapshotCache()
    today = cache.current(session, TODAY)
    assert cache.current(session, TODAY) is today
    assert cache.current(session, date(2026, 6, 2)) is not today


def test_old_change_log_rows_go_and_snapshots_that_far_behind_rebuild(session, directory,
                                                                   monkeypatch):
    from sqlalchemy import select

    from directory.search import sync as sync_module
    from directory.search.models import DirectoryChange

    monkeypatch.setattr(snapshot_module, "KEPT_VERSIONS", 2)
    monkeypatch.setattr(sync_module, "KEPT_VERSIONS", 2)
    cache = SnapshotCache()
    cache.current(session, TODAY)
    for i in range(4):
        directory[0].bio = f"Edit {i}"
        session.commit()
    current = directory_version(session)
    assert min(session.scalars(select(DirectoryChange.version))) > current - 2
    builds = []
    monkeypatch.setattr(snapshot_module, "build_snapshot",
                        lambda *args: builds.append(args[2:]) or build_snapshot(*args))
    assert_same(cache.current(session, TODAY), build_snapshot(session, TODAY))
    assert builds == [()]  # one full build, not a patch from a pruned log
