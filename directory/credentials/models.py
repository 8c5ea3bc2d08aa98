from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.db import TimestampMixin, str_enum, utcnow
from directory.db import today as current_day
from directory.extensions import db
from matching.credentials import effective_status
from matching.types import CredentialLevel, VerificationStatus

if TYPE_CHECKING:
    from directory.trainers.models import Trainer


class Certification(TimestampMixin, db.Model):
    """A certification a body issues, e.g. ACSM-CEP; reference data from data/."""

    __tablename__ = "certifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    issuer: Mapped[str] = mapped_column(String(16), index=True)  # short code, e.g. "ACSM"
    issuer_name: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[CredentialLevel] = mapped_column(str_enum(CredentialLevel))
    accreditation: Mapped[str | None] = mapped_column(String(100))
    renewal_years: Mapped[int | None]
    # Free-text names seen in issuers' exports, used for fuzzy mapping.
    aliases: Mapped[list[str]] = mapped_column(default=list)
    description: Mapped[str] = mapped_column(String(1000), default="")
    # Set when a curator edits the entry in the app: `flask catalogs load` then keeps
    # the edit rather than put the file's values back (unless told to reset edits).
    edited_at: Mapped[datetime | None] = mapped_column(info={"audit": "skip"})

    def __repr__(self) -> str:
        return f"<Certification {self.code}>"


class Credential(TimestampMixin, db.Model):
    """One trainer's holding of one certification, as the issuer numbered it."""

    __tablename__ = "credentials"
    __table_args__ = (
        # The issuer is copied from the certification so the database itself can
        # refuse the same credential number twice from one issuer.
        UniqueConstraint("issuer", "credential_number"),
        CheckConstraint(
            "issued_on IS NULL OR expires_on IS NULL OR issued_on <= expires_on",
            name="issued_before_expiry",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id"), index=True)
    certification_id: Mapped[int] = mapped_column(ForeignKey("certifications.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(16))
    credential_number: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date | None]
    expires_on: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[VerificationStatus] = mapped_column(
        str_enum(VerificationStatus), default=VerificationStatus.UNVERIFIED
    )
    verified_at: Mapped[datetime | None]
    verification_source: Mapped[str | None] = mapped_column(String(200))
    # Why a curator revoked it (cleared when it is verified again).
    revocation_reason: Mapped[str | None] = mapped_column(String(500))

    trainer: Mapped[Trainer] = relationship(back_populates="credentials")
    certification: Mapped[Certification] = relationship(lazy="joined")

    def effective_status(self, today: date | None = None) -> VerificationStatus:
        return effective_status(self.status, self.expires_on, today or current_day())

    def __repr__(self) -> str:
        return f"<Credential {self.issuer} {self.credential_number}>"


class CorrectionStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"  # the curator changed what was asked, or confirmed it is right
    DECLINED = "declined"


class CorrectionRequest(db.Model):
    """A trainer's request to correct their credentials; only a curator acts on it."""

    __tablename__ = "correction_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id"), index=True)
    # None when the request is about a credential the directory does not list yet.
    credential_id: Mapped[int | None] = mapped_column(ForeignKey("credentials.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[CorrectionStatus] = mapped_column(
        str_enum(CorrectionStatus), default=CorrectionStatus.OPEN, index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(1000))

    trainer: Mapped[Trainer] = relationship()
    credential: Mapped[Credential | None] = relationship()
