from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.db import str_enum, utcnow
from directory.extensions import db

if TYPE_CHECKING:
    from directory.trainers.models import Trainer


class ClaimStatus(StrEnum):
    AWAITING_CURATOR = "awaiting_curator"  # to another address than the profile's
    SENT = "sent"  # a one-time link is out
    USED = "used"  # the trainer's account exists
    REFUSED = "refused"  # by a curator
    REPLACED = "replaced"  # a newer link was sent: only the newest works


class ProfileClaim(db.Model):
    """A trainer's claim of their directory profile: a one-time, expiring link to an
    email address, which with one of the profile's credential numbers makes the
    trainer's account. Only the link's hash is stored."""

    __tablename__ = "profile_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[ClaimStatus] = mapped_column(str_enum(ClaimStatus), index=True)
    note: Mapped[str] = mapped_column(String(500), default="")  # the claimant's, to a curator
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True,
                                                   info={"audit": "redact"})
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    trainer: Mapped[Trainer] = relationship()
