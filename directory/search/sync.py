"""Keep the search index in step with the database, after every commit.

A session hook notes which trainers a flush touched (their own rows, credentials or
condition experience). Just before the commit their documents are built, inside the
transaction; once the commit has succeeded they are written to the index in one batch.
A change to many trainers (an import) reads their documents after the commit instead.
A rollback drops them. Bulk Core inserts call `mark_for_reindex` themselves.
"""

from __future__ import annotations

import logging
from itertools import chain

from flask import current_app, has_app_context
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, selectinload

from directory.conditions.models import Condition, TrainerConditionExperience
from directory.credentials.models import Certification, Credential
from directory.db import utcnow
from directory.extensions import db
from directory.search.index import TrainerIndex, document
from directory.search.models import DirectoryChange, DirectoryVersion
from directory.search.snapshot import (
    KEPT_VERSIONS,
    MAX_PATCHED_TRAINERS,
    SnapshotCache,
    directory_version,
)
from directory.trainers.models import Trainer, TrainerStatus

log = logging.getLogger(__name__)
# Grace periods a change the log cannot replay waits before the index is called stale.
PATIENCE = 6
DIRTY, PENDING, CATALOG_CHANGED = "search_dirty", "search_pending", "search_catalog_changed"
PENDING_STALE = "search_pending_stale"
BULK_CHANGED = "search_bulk_changed"
ID_CHUNK = 5_000
REQUEST_WRITE_WAIT = 0.25  # seconds a commit's index write waits for another writer (one
# trainer's write takes a few milliseconds; an import's, seconds)
# A commit touching more trainers reads their documents after it, holding no lock
# (a few hundred take a tenth of a second to read; an import's thousands, seconds).
DOCUMENTS_AFTER_COMMIT_OVER = 200


def search_index() -> TrainerIndex:
    """The app's index, opened once per process."""
    if "referfit_search" not in current_app.extensions:
        current_app.extensions["referfit_search"] = TrainerIndex(
            current_app.config["SEARCH_INDEX_DIR"])
    return current_app.extensions["referfit_search"]


def caught_up_index(version: int) -> TrainerIndex:
    """The app's index, first given any committed change it missed (see catch_up_index).
    `version` is the directory version the search's snapshot was read at: an index that
    holds every version up to it costs nothing more."""
    index = search_index()
    if not index.missing_versions(version):
        return index
    try:
        catch_up_index(db.engine, index, current_app.config["SEARCH_CATCH_UP_SECONDS"])
    except Exception as error:  # a search never fails for this; the next one retries
        log.warning("Catching the search index up failed (%s).", type(error).__name__)
    return index


def search_snapshots() -> SnapshotCache:
    """The app's snapshot cache, one per process."""
    return current_app.extensions.setdefault("referfit_snapshots", SnapshotCache())


def mark_bulk_change(session: Session) -> None:
    """Tell searches that many trainers changed at once (a Core bulk insert)."""
    session.info[BULK_CHANGED] = True


def mark_for_reindex(session: Session, trainer_ids) -> None:
    session.info.setdefault(DIRTY, set()).update(trainer_ids)


def trainers_with_documents(session: Session, ids) -> list[Trainer]:
    ids = sorted(ids)
    # In chunks: a large import touches tens of thousands, past SQLite's variable limit.
    return [trainer for start in range(0, len(ids), ID_CHUNK)
            for trainer in session.scalars(
                select(Trainer).where(Trainer.id.in_(ids[start:start + ID_CHUNK])).options(
                    selectinload(Trainer.credentials).joinedload(Credential.certification),
                    selectinload(Trainer.condition_experience).joinedload(
                        TrainerConditionExperience.condition),
                ))]


@event.listens_for(Session, "after_flush")
def _note_touched_trainers(session: Session, _flush_context) -> None:
    touched = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Trainer):
            touched.add(obj.id)
        elif isinstance(obj, Credential | TrainerConditionExperience):
            touched.add(obj.trainer_id)
        elif isinstance(obj, Certification | Condition):
            session.info[CATALOG_CHANGED] = True
    if touched:
        mark_for_reindex(session, touched - {None})


@event.listens_for(Session, "before_commit")
def _build_documents(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer commit does this once
    session.flush()  # commit() flushes after this hook: note the last changes first
    version = None
    if any(session.info.get(key) for key in (DIRTY, CATALOG_CHANGED, BULK_CHANGED)):
        version = _bump_directory_version(session)
    if not has_app_context() or not session.info.get(DIRTY):
        return
    ids = session.info.pop(DIRTY, set())
    if len(ids) > DOCUMENTS_AFTER_COMMIT_OVER:
        # Many trainers (an import): their documents are read after the commit, not
        # inside it, where building them would hold the directory's write lock.
        session.info[PENDING] = (None, ids, version)
    else:
        session.info[PENDING] = (*documents_for(session, ids), version)


def documents_for(session: Session, ids) -> tuple[list[dict], set[int]]:
    """The index documents of these trainers as the session sees them: the active
    ones' to write, the others' ids to delete."""
    listed = [t for t in trainers_with_documents(session, ids)
              if t.status is TrainerStatus.ACTIVE]
    return [document(t) for t in listed], set(ids) - {t.id for t in listed}


def _bump_directory_version(session: Session) -> int:
    """Count the change and log which trainers it touched, in the same transaction as
    the change itself: searches see both together, or neither."""
    catalog_changed = session.info.pop(CATALOG_CHANGED, None)
    bulk = session.info.pop(BULK_CHANGED, None)
    if catalog_changed:
        # Index documents hold catalog names and synonyms: they need a rebuild.
        session.info[PENDING_STALE] = True
    connection = session.connection()
    table = DirectoryVersion.__table__
    bumped = connection.execute(update(table).where(table.c.id == 1)
                                .values(version=table.c.version + 1, changed_at=utcnow()))
    if bumped.rowcount == 0:  # a database made without the migrations' seed row
        connection.execute(table.insert().values(id=1, version=1, changed_at=utcnow()))
    version = connection.execute(select(table.c.version).where(table.c.id == 1)).scalar_one()
    ids = session.info.get(DIRTY, set())
    everything = catalog_changed or bulk or len(ids) > MAX_PATCHED_TRAINERS
    rows = [{"version": version, "trainer_id": None}] if everything else [
        {"version": version, "trainer_id": trainer_id} for trainer_id in ids]
    changes = DirectoryChange.__table__
    connection.execute(changes.insert(), rows)
    # Snapshots further behind than this rebuild in full, so older rows can go.
    connection.execute(changes.delete().where(changes.c.version <= version - KEPT_VERSIONS))
    return version


@event.listens_for(Session, "after_commit")
def _write_documents(session: Session) -> None:
    if session.in_nested_transaction():
        return
    pending = session.info.pop(PENDING, None)
    stale = session.info.pop(PENDING_STALE, None)
    if not has_app_context():
        return
    if pending and pending[0] is None:
        _, ids, version = pending
        search_index().write_fresh(lambda: _fresh_documents(db.engine, ids), (version,))
    elif pending:
        upserts, deletions, version = pending
        # A request does not wait out another's long write (an import's): what it
        # could not write, the next search catches up (catch_up_index).
        search_index().write(upserts, deletions, version, wait_seconds=REQUEST_WRITE_WAIT)
    if stale and search_index().exists():
        search_index().mark_stale()


@event.listens_for(Session, "after_rollback")
def _forget_documents(session: Session) -> None:
    for key in (PENDING, DIRTY, CATALOG_CHANGED, PENDING_STALE, BULK_CHANGED):
        session.info.pop(key, None)


def catch_up_index(engine, index: TrainerIndex, grace_seconds: float) -> None:
    """Write to the index what committed changes it missed (a crash or a failed write
    between a commit and its index update), from the directory change log.

    A version counts as missed once it has been missing for `grace_seconds`: a commit
    in another process writes its own documents a moment after it commits. Called
    before searches; it never fails one (a failure is logged and marks the index stale).
    """
    with Session(engine) as session:  # its own: sees every commit made so far
        current = directory_version(session)
        if index.applied_through() is None:  # no record kept yet: in step, as before
            index.mark_caught_up(current)
            return
        missed = index.overdue_versions(current, grace_seconds)
        if not missed:
            return
        changed = {}
        for version, trainer_id in session.execute(
                select(DirectoryChange.version, DirectoryChange.trainer_id)
                .where(DirectoryChange.version.in_(missed))):
            changed.setdefault(version, set()).add(trainer_id)
    unreplayable = {v for v in missed if None in changed.get(v, {None})}
    if unreplayable:
        # Forgotten by the change log, or "everything changed": only a rebuild repairs.
        # A big commit may still be writing its own documents, so wait longer first.
        if unreplayable - set(index.overdue_versions(current, grace_seconds * PATIENCE)):
            return
        log.warning("The search index missed %d directory change(s) it cannot replay; "
                    "run `flask search reindex`.", len(missed))
        index.mark_stale()
        index.mark_caught_up(current)  # stale says it; do not warn on every search
        return
    ids = set().union(*changed.values())

    # Without waiting for the index's write lock: a writer holding it (a rebuild, a big
    # import) must not stall searches; the next search tries again.
    if index.write_fresh(lambda: _fresh_documents(engine, ids), missed, wait_seconds=0):
        log.info("The search index caught up with %d missed change(s).", len(missed))


def _fresh_documents(engine, ids) -> tuple[list[dict], set[int]]:
    """Documents read in a session of their own, once the index's write lock is held:
    they see every commit made so far, and no later one can be overwritten by them."""
    with Session(engine) as fresh:
        return documents_for(fresh, ids)
