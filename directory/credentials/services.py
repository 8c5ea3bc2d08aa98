"""Find certifications by code or alias, and attach credentials to trainers."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.credentials.models import Certification, Credential
from directory.db import utcnow
from directory.errors import InvalidInput
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
    verified = entry["status"] is VerificationStatus.VERIFIED
    return Credential(
        certification=certification,
        issuer=certification.issuer,
        credential_number=number,
        issued_on=entry["issued_on"],
        expires_on=entry["expires_on"],
        status=entry["status"],
        verified_at=utcnow() if verified else None,
        verification_source=entry["verification_source"],
    )


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
