"""Keep the search index in step with the database, after every commit.

A session hook notes which trainers a flush touched (their own rows, credentials or
condition experience). Just before the commit their documents are built, inside the
transaction; once the commit has succeeded they are written to the index in one batch.
A rollback drops them. Bulk Core inserts call `mark_for_reindex` themselves.
"""

from __future__ import annotations

from itertools import chain

from flask import current_app, has_app_context
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, selectinload

from directory.conditions.models import Condition, TrainerConditionExperience
from directory.credentials.models import Certification, Credential
from directory.db import utcnow
from directory.search.index import TrainerIndex, document
from directory.search.models import DirectoryChange, DirectoryVersion
from directory.search.snapshot import KEPT_VERSIONS, MAX_PATCHED_TRAINERS, SnapshotCache
from directory.trainers.models import Trainer, TrainerStatus

DIRTY, PENDING, CATALOG_CHANGED = "search_dirty", "search_pending", "search_catalog_changed"
PENDING_STALE = "search_pending_stale"
BULK_CHANGED = "search_bulk_changed"
ID_CHUNK = 5_000


def search_index() -> TrainerIndex:
    """The app's index, opened once per process."""
    if "referfit_search" not in current_app.extensions:
        current_app.extensions["referfit_search"] = TrainerIndex(
            current_app.config["SEARCH_INDEX_DIR"])
    return current_app.extensions["referfit_search"]


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
    if any(session.info.get(key) for key in (DIRTY, CATALOG_CHANGED, BULK_CHANGED)):
        _bump_directory_version(session)
    if not has_app_context() or not session.info.get(DIRTY):
        return
    ids = session.info.pop(DIRTY, set())
    listed = [t for t in trainers_with_documents(session, ids)
              if t.status is TrainerStatus.ACTIVE]
    deletions = ids - {t.id for t in listed}
    session.info[PENDING] = ([document(t) for t in listed], deletions)


def _bump_directory_version(session: Session) -> None:
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


@event.listens_for(Session, "after_commit")
def _write_documents(session: Session) -> None:
    if session.in_nested_transaction():
        return
    pending = session.info.pop(PENDING, None)
    stale = session.info.pop(PENDING_STALE, None)
    if not has_app_context():
        return
    if pending:
        search_index().write(*pending)
    if stale and search_index().exists():
        search_index().mark_stale()


@event.listens_for(Session, "after_rollback")
def _forget_documents(session: Session) -> None:
    for key in (PENDING, DIRTY, CATALOG_CHANGED, PENDING_STALE, BULK_CHANGED):
        session.info.pop(key, None)
