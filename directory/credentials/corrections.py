"""Trainers ask for corrections of their credentials; curators answer them.

A trainer never changes a credential: the request waits in the curators' queue, and the
curator who resolves it makes whatever change is right through the usual credential
pages, then says what was done.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from directory.accounts.models import User
from directory.credentials.models import CorrectionRequest, CorrectionStatus, Credential
from directory.db import utcnow
from directory.errors import Conflict, InvalidInput
from directory.notifications import events
from directory.trainers.models import Trainer

MAX_MESSAGE = 2000
MAX_RESOLUTION = 1000  # CorrectionRequest.resolution's length


def request_correction(session: Session, trainer: Trainer, user: User,
                       credential: Credential | None, message: str) -> CorrectionRequest:
    """Queue a trainer's request; `credential` is None for one the directory lacks."""
    message = message.strip()
    if not message:
        raise InvalidInput({"message": ["Say what is wrong and what it should be."]})
    if len(message) > MAX_MESSAGE:
        raise InvalidInput({"message": [f"Keep it under {MAX_MESSAGE} characters."]})
    if credential is not None and credential.trainer_id != trainer.id:
        raise InvalidInput({"credential_id": ["That credential is not on your profile."]})
    request = CorrectionRequest(trainer=trainer, credential=credential,
                                requested_by_id=user.id, message=message)
    session.add(request)
    session.flush()
    events.correction_requested(session, request)
    return request


def resolve_correction(session: Session, request: CorrectionRequest, curator: User,
                       status: CorrectionStatus, resolution: str) -> CorrectionRequest:
    """Close a request as resolved or declined, saying what was done and why."""
    if status is CorrectionStatus.OPEN:
        raise InvalidInput({"status": ["Choose resolved or declined."]})
    resolution = resolution.strip()
    if not resolution:
        raise InvalidInput({"resolution": ["Say what was done, for the record."]})
    if len(resolution) > MAX_RESOLUTION:
        raise InvalidInput({"resolution": [f"Keep it under {MAX_RESOLUTION} characters."]})
    _claim(session, request, status)
    request.status, request.resolution = status, resolution
    request.resolved_by_id, request.resolved_at = curator.id, utcnow()
    session.flush()
    return request


def _claim(session: Session, request: CorrectionRequest, status: CorrectionStatus) -> None:
    """Close the stored request only if it is still open: two curators answering at once
    cannot both succeed, nor the second overwrite the first."""
    table = CorrectionRequest.__table__
    closed = session.execute(update(table).where(
        table.c.id == request.id, table.c.status == CorrectionStatus.OPEN.value)
        .values(status=status.value)).rowcount
    if closed == 0:
        session.refresh(request)
        raise Conflict(f"This request was already {request.status.value}.")


def open_corrections_query():
    """Open requests, oldest first: the curators' queue."""
    return (select(CorrectionRequest).where(CorrectionRequest.status == CorrectionStatus.OPEN)
            .order_by(CorrectionRequest.created_at, CorrectionRequest.id))


def corrections_of(session: Session, trainer: Trainer) -> list[CorrectionRequest]:
    """A trainer's requests, newest first, for their workspace."""
    return list(session.scalars(select(CorrectionRequest)
                                .where(CorrectionRequest.trainer_id == trainer.id)
                                .order_by(CorrectionRequest.id.desc())))
