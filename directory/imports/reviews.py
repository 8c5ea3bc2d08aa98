"""The review queue: rows an import could not decide, and a curator's choice for each."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.audit.services import IMPORT_BATCH
from directory.credentials.models import Certification, Credential
from directory.credentials.services import apply_credential_changes
from directory.db import utcnow
from directory.errors import Conflict, InvalidInput
from directory.imports.models import ImportRow, ReviewStatus
from directory.imports.services import (
    PERSON_FIELDS,
    chunks,
    credential_changes,
    dates_problem,
    new_credential_from_row,
    new_trainer,
    serialize_writes,
)
from directory.linkage.engine import digits, fold
from directory.trainers.models import Trainer
from directory.trainers.services import check_not_merged, checked_place
from matching.types import VerificationStatus


def registered_credential(session: Session, issuer: str, number: str) -> Credential | None:
    """The credential holding this number, in any letter case (issuers' numbers have none)."""
    return session.scalar(select(Credential).where(
        Credential.issuer == issuer,
        func.upper(Credential.credential_number) == number.upper()))


def decide_review(session: Session, review: ImportRow, decision: str,
                  trainer: Trainer | None, curator_id: int | None) -> ImportRow:
    """Apply a curator's choice for a row in review: link, create or reject."""
    serialize_writes(session)
    session.refresh(review)  # as it is now that no import or decision runs beside us
    if review.review_status is not ReviewStatus.PENDING:
        raise Conflict(f"Review {review.id} was already decided "
                       f"({review.review_status.value}).")
    if (decision == "link") != (trainer is not None):
        raise InvalidInput({"trainer_id": ["A link names its trainer; nothing else does."]})
    if trainer is not None:
        check_not_merged(trainer)
    session.info[IMPORT_BATCH] = review.batch_id
    data = _loaded(review.data)
    if decision == "reject":
        review.review_status = ReviewStatus.REJECTED
    else:
        source = f"{review.issuer} list, import {review.batch_id}, review {review.id}"
        registered = registered_credential(session, review.issuer, data["credential_number"])
        if decision == "create":
            if registered is not None:
                raise Conflict(f"{review.issuer} number {data['credential_number']} is "
                               f"registered to trainer {registered.trainer_id} meanwhile; "
                               "link to that trainer instead.")
            trainer = new_trainer(data, checked_place(data))
            session.add(trainer)
            review.review_status = ReviewStatus.CREATED
        else:
            review.review_status = ReviewStatus.LINKED
        if registered is None:
            certification = session.scalar(select(Certification).where(
                Certification.code == data["certification"]))
            trainer.credentials.append(new_credential_from_row(
                data, {certification.code: certification}, source))
        elif registered.trainer_id != trainer.id:
            raise Conflict(f"{review.issuer} number {data['credential_number']} is registered "
                           f"to trainer {registered.trainer_id}, not {trainer.id}.")
        elif changes := credential_changes(registered, data):
            if (problem := dates_problem(registered, changes)) is not None:
                raise InvalidInput({"expires_on": [problem]})
            apply_credential_changes(registered, {**changes, "verification_source": source})
        session.flush()
        review.trainer_id = trainer.id
    review.decided_by_id, review.decided_at = curator_id, utcnow()
    session.flush()
    return review


def _loaded(data: dict) -> dict:
    loaded = dict(data)
    for key in ("issued_on", "expires_on"):
        if loaded.get(key):
            loaded[key] = date.fromisoformat(loaded[key])
    loaded["status"] = VerificationStatus(loaded.get("status", "verified"))
    return loaded


def review_details(session: Session, reviews: list[ImportRow]) -> list[dict]:
    """Reviews with each candidate trainer's own values and where they differ from the row."""
    ids = {c["trainer_id"] for review in reviews for c in review.candidates}
    trainers = {t.id: t for chunk in chunks(sorted(ids))
                for t in session.scalars(select(Trainer).where(Trainer.id.in_(chunk)))}
    return [{
        "id": review.id, "batch_id": review.batch_id, "row": review.row,
        "issuer": review.issuer, "credential_number": review.credential_number,
        "data": review.data or {}, "reasons": review.reasons,
        "review_status": review.review_status, "trainer_id": review.trainer_id,
        "decided_by_id": review.decided_by_id, "decided_at": review.decided_at,
        "candidates": [_candidate(review.data or {}, c, trainers.get(c["trainer_id"]))
                       for c in review.candidates],
    } for review in reviews]


def _candidate(data: dict, candidate: dict, trainer: Trainer | None) -> dict:
    values = {f: getattr(trainer, f) for f in PERSON_FIELDS} if trainer else {}
    return {**candidate, "name": trainer.full_name if trainer else "(no longer listed)",
            "fields": values,
            "differences": [f for f in PERSON_FIELDS
                            if data.get(f) and values.get(f) and not same_value(
                                f, data[f], values[f])]}


def same_value(field_name: str, a: str, b: str) -> bool:
    """Equal once case, accents, punctuation and phone or ZIP formatting are set aside."""
    if field_name == "phone":
        return digits(a) == digits(b)
    if field_name == "postal_code":
        return a[:5] == b[:5]
    return fold(a) == fold(b)


def reviews_query(status: ReviewStatus, issuer: str | None = None):
    """Reviews in a status, oldest first: the queue is worked in the order rows came."""
    query = select(ImportRow).where(ImportRow.review_status == status)
    if issuer:
        query = query.where(ImportRow.issuer == issuer.strip().upper())
    return query.order_by(ImportRow.id)


def pending_review_count(session: Session) -> int:
    """How many rows wait in the review queue (the upload page and the workspace say)."""
    return session.scalar(select(func.count(ImportRow.id)).where(
        ImportRow.review_status == ReviewStatus.PENDING))
