from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.db import TimestampMixin
from directory.extensions import db

if TYPE_CHECKING:
    from directory.accounts.models import User


class DoctorProfile(TimestampMixin, db.Model):
    """Who a doctor's account is, as trainers and patients read it on a referral."""

    __tablename__ = "doctor_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    credentials: Mapped[str] = mapped_column(String(60), default="")  # "MD", "DO, FACC"
    npi: Mapped[str] = mapped_column(String(10), unique=True)
    # Found in the CMS NPPES extract loaded here (`flask npi import`) when last saved.
    npi_confirmed: Mapped[bool] = mapped_column(default=False)
    # None while a doctor who registered themselves waits for an admin (the account is
    # inactive until then); accounts an admin made count as approved.
    approved_at: Mapped[datetime | None]
    practice_name: Mapped[str] = mapped_column(String(200), default="")
    address_line: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    fax: Mapped[str] = mapped_column(String(32), default="")

    user: Mapped[User] = relationship(back_populates="doctor_profile")

    @property
    def awaiting_approval(self) -> bool:
        return self.approved_at is None

    @property
    def signature(self) -> str:
        """The name as a letter signs it: "Gregory House, MD"."""
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


class NpiRecord(db.Model):
    """An individual clinician in a CMS NPPES extract, to confirm NPIs offline."""

    __tablename__ = "npi_registry"

    npi: Mapped[str] = mapped_column(String(10), primary_key=True)
    last_name: Mapped[str] = mapped_column(String(100), default="")
    first_name: Mapped[str] = mapped_column(String(100), default="")
    credential: Mapped[str] = mapped_column(String(60), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(40), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    taxonomy: Mapped[str] = mapped_column(String(10), default="")  # NUCC code, the primary

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part).title()
