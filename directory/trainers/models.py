from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.db import TimestampMixin, str_enum
from directory.extensions import db
from matching.types import DeliveryMode

if TYPE_CHECKING:
    from directory.conditions.models import TrainerConditionExperience
    from directory.credentials.models import Credential


class TrainerStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class LocationPrecision(StrEnum):
    """How exactly a trainer's point is known: it bounds how precise a distance can be."""

    ADDRESS = "address"
    POSTAL_CODE = "postal_code"
    CITY = "city"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    NON_BINARY = "non_binary"


class PaymentOption(StrEnum):
    SELF_PAY = "self_pay"
    HSA_FSA = "hsa_fsa"
    EMPLOYER_BENEFIT = "employer_benefit"
    MEDICARE_ADVANTAGE = "medicare_advantage"


class AccessibilityFeature(StrEnum):
    STEP_FREE_ACCESS = "step_free_access"
    ACCESSIBLE_RESTROOM = "accessible_restroom"
    ACCESSIBLE_PARKING = "accessible_parking"
    ADAPTIVE_EQUIPMENT = "adaptive_equipment"
    ELEVATOR = "elevator"


class SafetyItem(StrEnum):
    AED_ON_SITE = "aed_on_site"
    CPR_AED_CERTIFIED = "cpr_aed_certified"
    EMERGENCY_ACTION_PLAN = "emergency_action_plan"
    FIRST_AID_KIT = "first_aid_kit"


class GeoPoint(NamedTuple):
    latitude: float
    longitude: float
    precision: LocationPrecision


class Trainer(TimestampMixin, db.Model):
    __tablename__ = "trainers"
    __table_args__ = (
        CheckConstraint("price_min IS NULL OR price_max IS NULL OR price_min <= price_max",
                        name="price_range"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        CheckConstraint("referral_capacity IS NULL OR referral_capacity >= 0",
                        name="referral_capacity_not_negative"),
        # Nearby searches filter on a latitude band first, then longitude.
        Index("ix_trainers_status_latitude_longitude", "status", "latitude", "longitude"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable identifier in the system a record came from (demo generator, an import).
    external_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    website: Mapped[str | None] = mapped_column(String(300))
    bio: Mapped[str] = mapped_column(Text, default="")
    gender: Mapped[Gender | None] = mapped_column(str_enum(Gender))
    languages: Mapped[list[str]] = mapped_column(default=lambda: ["en"])
    years_experience: Mapped[int | None]
    accepting_new_clients: Mapped[bool] = mapped_column(default=True)
    # New referrals the trainer takes in 30 days; None sets no limit, 0 takes none.
    referral_capacity: Mapped[int | None] = mapped_column(index=True)

    offers_in_person: Mapped[bool] = mapped_column(default=True)
    offers_in_home: Mapped[bool] = mapped_column(default=False)
    offers_virtual: Mapped[bool] = mapped_column(default=False)
    service_radius_km: Mapped[float | None]

    # Floats out (asdecimal=False): SQLite has no decimal type, and prices per session
    # are never summed where cents could drift.
    price_min: Mapped[float | None] = mapped_column(Numeric(8, 2, asdecimal=False))
    price_max: Mapped[float | None] = mapped_column(Numeric(8, 2, asdecimal=False))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    sliding_scale: Mapped[bool] = mapped_column(default=False)
    payment_options: Mapped[list[str]] = mapped_column(default=list)

    facility_name: Mapped[str | None] = mapped_column(String(200))
    address_line: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(2))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    country: Mapped[str] = mapped_column(String(2), default="US")
    accessibility_features: Mapped[list[str]] = mapped_column(default=list)
    safety_items: Mapped[list[str]] = mapped_column(default=list)

    latitude: Mapped[float]
    longitude: Mapped[float]
    location_precision: Mapped[LocationPrecision] = mapped_column(str_enum(LocationPrecision))

    reports_to_doctor: Mapped[bool] = mapped_column(default=True)
    status: Mapped[TrainerStatus] = mapped_column(
        str_enum(TrainerStatus), default=TrainerStatus.ACTIVE
    )
    deactivated_at: Mapped[datetime | None]
    # Set when a curator merged this record into another (it is then inactive): the
    # survivor holds everything, and old links to this one are sent on to it.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("trainers.id"), index=True)

    credentials: Mapped[list[Credential]] = relationship(
        back_populates="trainer", cascade="all, delete-orphan", order_by="Credential.id"
    )
    condition_experience: Mapped[list[TrainerConditionExperience]] = relationship(
        back_populates="trainer", cascade="all, delete-orphan",
        order_by="TrainerConditionExperience.id",
    )

    _MODE_COLUMNS = {
        DeliveryMode.IN_PERSON: "offers_in_person",
        DeliveryMode.IN_HOME: "offers_in_home",
        DeliveryMode.VIRTUAL: "offers_virtual",
    }

    @property
    def modes(self) -> list[DeliveryMode]:
        return [mode for mode, column in self._MODE_COLUMNS.items() if getattr(self, column)]

    @modes.setter
    def modes(self, modes: list[DeliveryMode]) -> None:
        # Kept as three indexed booleans so searches can filter modes in SQL.
        for mode, column in self._MODE_COLUMNS.items():
            setattr(self, column, mode in modes)

    @property
    def location(self) -> GeoPoint:
        return GeoPoint(self.latitude, self.longitude, self.location_precision)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def __repr__(self) -> str:
        return f"<Trainer {self.id} {self.full_name!r}>"
