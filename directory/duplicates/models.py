from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.db import str_enum, utcnow
from directory.extensions import db
from directory.trainers.models import Trainer


class DuplicateStatus(StrEnum):
    PENDING = "pending"  # waits for a curator
    MERGED = "merged"  # one trainer was merged into the other
    DISTINCT = "distinct"  # a curator found two people; never suggested again
    WITHDRAWN = "withdrawn"  # one of the two was merged with a third trainer meanwhile


class SuspectedDuplicate(db.Model):
    """Two trainers record linkage takes for one person, and a curator's verdict."""

    __tablename__ = "suspected_duplicates"
    __table_args__ = (
        # One row per pair, whichever order it was found in.
        UniqueConstraint("trainer_id", "other_id"),
        CheckConstraint("trainer_id < other_id", name="pair_in_id_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id"), index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("trainers.id"), index=True)
    confidence: Mapped[float]
    # The engine's explanation, field by field, with the bits each counted.
    reasons: Mapped[list[str]] = mapped_column(default=list)
    found_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[DuplicateStatus] = mapped_column(
        str_enum(DuplicateStatus), default=DuplicateStatus.PENDING, index=True)
    survivor_id: Mapped[int | None] = mapped_column(ForeignKey("trainers.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    trainer: Mapped[Trainer] = relationship(foreign_keys=[trainer_id])
    other: Mapped[Trainer] = relationship(foreign_keys=[other_id])

    @property
    def pair(self) -> tuple[Trainer, Trainer]:
        return self.trainer, self.other
