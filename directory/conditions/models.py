from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.db import TimestampMixin, str_enum
from directory.extensions import db
from matching.types import ExperienceLevel, RiskTier

if TYPE_CHECKING:
    from directory.trainers.models import Trainer


class ConditionCategory(StrEnum):
    METABOLIC = "metabolic"
    CARDIOVASCULAR = "cardiovascular"
    PULMONARY = "pulmonary"
    MUSCULOSKELETAL = "musculoskeletal"
    NEUROLOGICAL = "neurological"
    ONCOLOGY = "oncology"
    PREGNANCY = "pregnancy"
    RENAL = "renal"
    AGING = "aging"
    SURGICAL = "surgical"


class Condition(TimestampMixin, db.Model):
    """A health condition in the taxonomy; reference data from data/."""

    __tablename__ = "conditions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[ConditionCategory] = mapped_column(str_enum(ConditionCategory))
    risk_tier: Mapped[RiskTier] = mapped_column(str_enum(RiskTier))
    risk_reason: Mapped[str] = mapped_column(String(500), default="")
    icd10_prefixes: Mapped[list[str]] = mapped_column(default=list)
    synonyms: Mapped[list[str]] = mapped_column(default=list)
    # Set when a curator edits the entry in the app: `flask catalogs load` then keeps
    # the edit rather than put the file's values back (unless told to reset edits).
    edited_at: Mapped[datetime | None] = mapped_column(info={"audit": "skip"})

    def __repr__(self) -> str:
        return f"<Condition {self.code}>"


class TrainerConditionExperience(db.Model):
    """What a trainer has done with one condition: years, clients and depth."""

    __tablename__ = "trainer_condition_experience"
    __table_args__ = (
        UniqueConstraint("trainer_id", "condition_id"),
        CheckConstraint("years IS NULL OR years >= 0", name="years_not_negative"),
        CheckConstraint("clients IS NULL OR clients >= 0", name="clients_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id"), index=True)
    condition_id: Mapped[int] = mapped_column(ForeignKey("conditions.id"), index=True)
    years: Mapped[int | None]
    clients: Mapped[int | None]
    level: Mapped[ExperienceLevel] = mapped_column(str_enum(ExperienceLevel))

    trainer: Mapped[Trainer] = relationship(back_populates="condition_experience")
    condition: Mapped[Condition] = relationship(lazy="joined")
