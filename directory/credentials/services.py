"""Find certifications by code or alias, and attach credentials to trainers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Row, Select, and_, func, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from directory.accounts.models import User
from directory.audit.models import AuditEvent
from directory.audit.queries import actor_emails
from directory.credentials.models import (
    Certification,
    CorrectionRequest,
    CorrectionStatus,
    Credential,
)
from directory.db import utcnow
from directory.errors import InvalidInput
from directory.imports.models import ImportBatch, ImportRow
from directory.trainers.models import Trainer, TrainerStatus
from matching.types import VerificationStatus


def find_certification(session: Session, text: str) -> Certification | None:
    """Find a certification by its code or one of its aliases, in any case."""
    wanted = text.strip().casefold()
    for certification in session.scalars(select(Certification)):
        if wanted in {n.casefold() for n in (certification.code, *certification.aliases)}:
            return certification
    return None


def credential_rows(session: Session, entries: list[dict]) -> list[Credential]:
    """Build credentials from input, checking the catalog and number uniqueness."""
    rows, errors, numbers = [], {}, set()
    for index, entry in enumerate(entries):
        certification = find_certification(session, entry["certification"])
        if certification is None:
            errors[index] = {"certification": [
                f"Unknown certification {entry['certification']!r}; "
                "see GET /api/v1/certifications."
            ]}
            continue
        number = entry["credential_number"].strip()
        key = (certification.issuer, number)
        if key in numbers or _number_taken(session, *key):
            errors[index] = {"credential_number": [
                f"{certification.issuer} credential number {number!r} is already registered."
            ]}
            continue
        numbers.add(key)
        rows.append(new_credential(certification, number, entry))
    if errors:
        raise InvalidInput({"credentials": errors})
    return rows


def _number_taken(session: Session, issuer: str, number: str) -> bool:
    query = select(Credential.id).where(  # numbers have no case: "ab12" is "AB12"
        Credential.issuer == issuer, func.upper(Credential.credential_number) == number.upper()
    )
    return session.scalar(query) is not None


def new_credential(certification: Certification, number: str, entry: dict) -> Credential:
    return Credential(certification=certification,
                      **credential_values(certification, number, entry))


def credential_values(certification: Certification, number: str, entry: dict) -> dict:
    """A new credential's columns (but its trainer's), for an object or a bulk insert."""
    verified = entry["status"] is VerificationStatus.VERIFIED
    return {
        "certification_id": certification.id,
        "issuer": certification.issuer,
        "credential_number": number,
        "issued_on": entry["issued_on"],
        "expires_on": entry["expires_on"],
        "status": entry["status"],
        "verified_at": utcnow() if verified else None,
        "verification_source": entry["verification_source"],
    }


def add_credential(session: Session, trainer, data: dict) -> Credential:
    (credential,) = credential_rows(session, [data])
    trainer.credentials.append(credential)
    session.flush()
    return credential


def update_credential(session: Session, credential: Credential, changes: dict) -> Credential:
    """Apply a curator's change; a verification needs a source and is timestamped."""
    merged = {key: changes.get(key, getattr(credential, key))
              for key in ("status", "issued_on", "expires_on", "verification_source")}
    if merged["issued_on"] and merged["expires_on"] and merged["issued_on"] > merged["expires_on"]:
        raise InvalidInput({"expires_on": ["Must not be before issued_on."]})
    verifying = changes.get("status") is VerificationStatus.VERIFIED
    if verifying and not changes.get("verification_source"):
        raise InvalidInput({"verification_source": [
            "Say where the credential was checked when verifying it."]})
    if merged["status"] is VerificationStatus.VERIFIED and not merged["verification_source"]:
        raise InvalidInput({"verification_source": [
            "A verified credential keeps the source it was checked against."]})
    apply_credential_changes(credential, changes)
    session.flush()
    return credential


def apply_credential_changes(credential: Credential, changes: dict) -> None:
    """Set checked changes; date every verification, clear the date when unverified."""
    for key, value in changes.items():
        setattr(credential, key, value)
    if changes.get("status") is VerificationStatus.VERIFIED:
        credential.verified_at = utcnow()  # every verification, renewals too, is dated
    elif credential.status is not VerificationStatus.VERIFIED:
        credential.verified_at = None  # no longer verified; the source stays as history


# -- The curators' workspace ------------------------------------------------------------

MAX_REVOCATION_REASON = 500
# How far ahead a verified credential counts as expiring soon: the curators' workspace
# counts these and the expiry notices tell their trainers.
EXPIRY_NOTICE_DAYS = 60
# What a curator reads in a credential's history; bookkeeping columns are left out.
PROVENANCE_FIELDS = ("status", "credential_number", "issued_on", "expires_on",
                     "verification_source", "revocation_reason")


def verify_credential(session: Session, credential: Credential, source: str,
                      expires_on: date | None, today: date) -> Credential:
    """Record a curator's check with the issuer, with the renewed expiry if there is one."""
    expiry = expires_on or credential.expires_on
    if expiry is not None and expiry <= today:
        raise InvalidInput({"expires_on": [
            f"It expired on {expiry}: give the expiry date the issuer has now, after today."]})
    changes = {"status": VerificationStatus.VERIFIED, "verification_source": source.strip(),
               "revocation_reason": None}
    if expires_on is not None:
        changes["expires_on"] = expires_on
    return update_credential(session, credential, changes)


def revoke_credential(session: Session, credential: Credential, reason: str) -> Credential:
    """Revoke a credential, keeping the curator's reason with it."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput({"reason": ["Say why the credential is revoked."]})
    if len(reason) > MAX_REVOCATION_REASON:
        raise InvalidInput({"reason": [
            f"Keep the reason to {MAX_REVOCATION_REASON} characters."]})
    apply_credential_changes(credential, {"status": VerificationStatus.REVOKED,
                                          "revocation_reason": reason})
    session.flush()
    return credential


@dataclass(frozen=True)
class ProvenanceEntry:
    """One recorded change of a credential, as a curator reads it."""

    occurred_at: datetime
    action: str  # create, update or delete
    actor_email: str | None
    actor_role: str  # a role, or "system" for a command-line task
    import_batch_id: int | None
    changes: dict[str, tuple]  # field: (before, after), in PROVENANCE_FIELDS order


def provenance(session: Session, credential: Credential) -> list[ProvenanceEntry]:
    """The credential's audit trail, oldest first; empty for one loaded in bulk."""
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == Credential.__tablename__,
                                 AuditEvent.object_id == str(credential.id))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)).all()
    emails = actor_emails(session, events)
    return [ProvenanceEntry(
        event.occurred_at, event.action, emails.get(event.actor_id), event.actor_role,
        event.import_batch_id,
        {key: (event.changes[key]["before"], event.changes[key]["after"])
         for key in PROVENANCE_FIELDS if key in event.changes},
    ) for event in events]


def currently_verified(today: date):
    """SQL for "effectively verified today": see matching.credentials.effective_status."""
    return and_(Credential.status == VerificationStatus.VERIFIED,
                or_(Credential.expires_on.is_(None), Credential.expires_on > today))


def _expiring_within(today: date, days: int) -> tuple:
    """SQL for an active trainer's credential, verified today, that lapses within `days`
    (one without an expiry date never lapses)."""
    return (Trainer.status == TrainerStatus.ACTIVE, currently_verified(today),
            Credential.expires_on <= today + timedelta(days=days))


def expiring_credentials(today: date, days: int) -> Select:
    """Active trainers' verified credentials lapsing within `days`, soonest first."""
    return (select(Credential).join(Credential.trainer)
            .options(contains_eager(Credential.trainer))
            .where(*_expiring_within(today, days))
            .order_by(Credential.expires_on, Credential.id))


def count_expiring_credentials(session: Session, today: date,
                               days: int = EXPIRY_NOTICE_DAYS) -> int:
    """How many credentials expiring_credentials() lists."""
    return session.scalar(select(func.count(Credential.id)).join(Credential.trainer)
                          .where(*_expiring_within(today, days)))


def trainers_without_verified_credential(today: date) -> Select:
    """Active trainers none of whose credentials counts as verified today."""
    verified = select(Credential.id).where(Credential.trainer_id == Trainer.id,
                                           currently_verified(today))
    return (select(Trainer).where(Trainer.status == TrainerStatus.ACTIVE, ~verified.exists())
            .order_by(Trainer.last_name, Trainer.first_name, Trainer.id))


@dataclass(frozen=True)
class FullListCheck:
    """An issuer's latest complete list and the credentials it no longer confirms."""

    issuer: str
    batch: ImportBatch | None  # None: the issuer never sent a complete list
    missing: Select | None  # see missing_from; None without a complete list


def unconfirmed_credentials(session: Session) -> list[FullListCheck]:
    """For each issuer, what its latest full list leaves out (see missing_from)."""
    latest = latest_full_lists(session)
    issuers = session.scalars(select(Certification.issuer).distinct()
                              .order_by(Certification.issuer))
    return [FullListCheck(issuer, latest.get(issuer),
                          missing_from(latest[issuer]) if issuer in latest else None)
            for issuer in issuers]


def latest_full_lists(session: Session) -> dict[str, ImportBatch]:
    newest = (select(func.max(ImportBatch.id)).where(ImportBatch.full_list.is_(True))
              .group_by(ImportBatch.issuer))
    return {batch.issuer: batch for batch in session.scalars(
        select(ImportBatch).where(ImportBatch.id.in_(newest)))}


def missing_from(batch: ImportBatch) -> Select:
    """Active trainers' current-looking credentials of the batch's issuer that the full
    list left out. Ones added after it are not expected on it; numbers have no case."""
    listed = select(ImportRow.id).where(
        ImportRow.batch_id == batch.id,
        func.upper(ImportRow.credential_number) == func.upper(Credential.credential_number))
    return (select(Credential).join(Credential.trainer)
            .options(contains_eager(Credential.trainer))
            .where(Credential.issuer == batch.issuer,
                   Credential.status.in_([VerificationStatus.VERIFIED,
                                          VerificationStatus.UNVERIFIED]),
                   Credential.created_at < batch.created_at,
                   Trainer.status == TrainerStatus.ACTIVE, ~listed.exists())
            .order_by(Credential.credential_number, Credential.id))


def recently_closed_corrections(session: Session, limit: int) -> list[Row]:
    """The latest resolved or declined correction requests, with who closed each."""
    query = (select(CorrectionRequest, User.email)
             .outerjoin(User, User.id == CorrectionRequest.resolved_by_id)
             .where(CorrectionRequest.status != CorrectionStatus.OPEN)
             .options(joinedload(CorrectionRequest.trainer),
                      joinedload(CorrectionRequest.credential))
             .order_by(CorrectionRequest.resolved_at.desc(), CorrectionRequest.id.desc())
             .limit(limit))
    return list(session.execute(query).all())
