"""Keep the search index in step with the database, after every commit.

A session hook notes which trainers a flush touched (their own rows, credentials or
condition experience). Just before the commit their documents are built, inside the
transaction; once the commit has succeeded they are written to the index in one batch.
A rollback drops them. Bulk Core inserts call `mark_for_reindex` themselves.
"""

from __future__ import annotations

from itertools import chain

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from directory.conditions.models import TrainerConditionExperience
from directory.credentials.models import Credential
from directory.search.index import TrainerIndex, document
from directory.trainers.models import Trainer, TrainerStatus

DIRTY, PENDING = "search_dirty", "search_pending"


def search_index() -> TrainerIndex:
    """The app's index, opened once per process."""
    if "referfit_search" not in current_app.extensions:
        current_app.extensions["referfit_search"] = TrainerIndex(
            current_app.config["SEARCH_INDEX_DIR"])
    return current_app.extensions["referfit_search"]


def mark_for_reindex(session: Session, trainer_ids) -> None:
    session.info.setdefault(DIRTY, set()).update(trainer_ids)


def trainers_with_documents(session: Session, ids) -> list[Trainer]:
    return session.scalars(
        select(Trainer).where(Trainer.id.in_(ids)).options(
            selectinload(Trainer.credentials).joinedload(Credential.certification),
            selectinload(Trainer.condition_experience).joinedload(
                TrainerConditionExperience.condition),
        )).all()


@event.listens_for(Session, "after_flush")
def _note_touched_trainers(session: Session, _flush_context) -> None:
    touched = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Trainer):
            touched.add(obj.id)
        elif isinstance(obj, Credential | TrainerConditionExperience):
            touched.add(obj.trainer_id)
    if touched:
        mark_for_reindex(session, touched - {None})


@event.listens_for(Session, "before_commit")
def _build_documents(session: Session) -> None:
    if not has_app_context() or not session.info.get(DIRTY):
        return
    session.flush()  # so the last changes are noted too
    ids = session.info.pop(DIRTY, set())
    listed = [t for t in trainers_with_documents(session, ids)
              if t.status is TrainerStatus.ACTIVE]
    deletions = ids - {t.id for t in listed}
    session.info[PENDING] = ([document(t) for t in listed], deletions)


@event.listens_for(Session, "after_commit")
def _write_documents(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if pending and has_app_context():
        search_index().write(*pending)


@event.listens_for(Session, "after_rollback")
def _forget_documents(session: Session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(DIRTY, None)
