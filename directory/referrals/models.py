from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.db import TimestampMixin, str_enum, utcnow
from directory.extensions import db
from matching.types import CredentialLevel

# Patient details and clinical data: the audit log records that they changed, never what
# they are (it is kept for good, and read by admins who need not see patients' health).
PRIVATE = {"audit": "redact"}


class Delivery(StrEnum):
    ACCOUNT = "account"  # the trainer's ReferFit account (and its email)
    EMAIL = "email"  # a claim link to the profile's email: no account yet
    UNDELIVERABLE = "undeliverable"  # no account, no email: the letter is the way


class ReferralStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


# What the addressed trainer reads: theirs once sent, not after declining; a cancelled
# one only if they had taken it on (Referral.readable_by_addressee).
TRAINER_READS = (ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS,
                 ReferralStatus.COMPLETED)


class ConcernStatus(StrEnum):
    """A report's concern: raised, seen by the doctor, then settled by either side (or by
    a later report that raises none)."""
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class EntryKind(StrEnum):
    """What a thread entry says: words, or a step in a concern's life."""
    MESSAGE = "message"
    ACKNOWLEDGED = "acknowledged"  # the doctor has seen the concern (words optional)
    RESOLVED = "resolved"  # either side settles it (words optional)
    CLEARED = "cleared"  # a later report raised no concern


class UpdateKind(StrEnum):
    ASSESSMENT = "assessment"  # the initial consultation
    PROGRESS = "progress"


class Referral(TimestampMixin, db.Model):
    """A doctor's exercise referral: the patient, the prescription, the chosen trainer."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a patient's self-referral: the patient then stands where the doctor would.
    doctor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The patient's own account, when the doctor names it: it lets them read the referral.
    patient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    patient_name: Mapped[str] = mapped_column(String(200), info=PRIVATE)
    patient_birth_date: Mapped[date | None] = mapped_column(info=PRIVATE)
    patient_age: Mapped[int] = mapped_column(info=PRIVATE)  # from the birth date if given
    patient_email: Mapped[str | None] = mapped_column(String(254), info=PRIVATE)
    patient_phone: Mapped[str | None] = mapped_column(String(32), info=PRIVATE)
    patient_place: Mapped[str] = mapped_column(String(200), info=PRIVATE)  # "Chicago, IL 60601"
    conditions: Mapped[list[str]] = mapped_column(default=list, info=PRIVATE)  # catalog codes
    medications: Mapped[list[str]] = mapped_column(default=list, info=PRIVATE)
    heart_rate_blunted: Mapped[bool] = mapped_column(default=False)
    # A self-referral's ACSM pre-participation screening: answers and advice.
    screening: Mapped[dict | None] = mapped_column(db.JSON, info=PRIVATE)
    # FITT-VP with the computed intensity targets (see schemas.PrescriptionSchema).
    prescription: Mapped[dict] = mapped_column(db.JSON, info=PRIVATE)
    preferences: Mapped[dict] = mapped_column(db.JSON)
    min_level: Mapped[CredentialLevel | None] = mapped_column(str_enum(CredentialLevel))
    report_every_weeks: Mapped[int]
    status: Mapped[ReferralStatus] = mapped_column(
        str_enum(ReferralStatus), default=ReferralStatus.DRAFT, index=True)
    # The trainer it is addressed to now, and the doctor's ordered short list.
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("trainers.id"), index=True)
    shortlist: Mapped[list[int]] = mapped_column(db.JSON, default=list)
    # The ranking the doctor chose from, as shown, so the choice can be reviewed later.
    ranking: Mapped[dict] = mapped_column(db.JSON, info={"audit": "skip"})
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How the current addressee got it (a Delivery value), when, and when they opened it.
    delivered_by: Mapped[str | None] = mapped_column(String(16))
    delivered_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]

    @property
    def self_referral(self) -> bool:
        return self.doctor_id is None

    def readable_by_addressee(self) -> bool:
        """Whether the trainer it is addressed to may read it (see TRAINER_READS)."""
        if self.status in TRAINER_READS:
            return True
        return self.status is ReferralStatus.CANCELLED and any(
            e.to_status is ReferralStatus.ACCEPTED for e in self.events)

    def report_due_on(self) -> date | None:
        """When the trainer's next report is due, for a referral in progress."""
        if self.status is not ReferralStatus.IN_PROGRESS:
            return None
        last = max([u.created_at for u in self.updates] or [self.status_changed_at])
        return last.date() + timedelta(weeks=self.report_every_weeks)

    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="ReferralEvent.id", cascade="all, delete-orphan")
    updates: Mapped[list[ReferralUpdate]] = relationship(
        back_populates="referral", order_by="ReferralUpdate.id", cascade="all, delete-orphan")
    thread: Mapped[list[ThreadEntry]] = relationship(
        back_populates="referral", order_by="ThreadEntry.id", cascade="all, delete-orphan")


class ReferralEvent(db.Model):
    """One transition of a referral: who moved it, from what, to what, when and why."""

    __tablename__ = "referral_events"
    # Capacity counts the referrals sent in the last 30 days (referrals.capacity).
    __table_args__ = (Index("ix_referral_events_to_status_occurred_at", "to_status",
                            "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    from_status: Mapped[ReferralStatus | None] = mapped_column(str_enum(ReferralStatus))
    to_status: Mapped[ReferralStatus] = mapped_column(str_enum(ReferralStatus))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(16))
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("trainers.id"))
    reason: Mapped[str | None] = mapped_column(String(1000), info=PRIVATE)

    referral: Mapped[Referral] = relationship(back_populates="events")


class ReferralUpdate(db.Model):
    """The trainer's report back: the initial assessment, then progress."""

    __tablename__ = "referral_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[UpdateKind] = mapped_column(str_enum(UpdateKind))
    sessions_attended: Mapped[int | None] = mapped_column(info=PRIVATE)
    # The physical activity vital sign: minutes a week of moderate or vigorous activity.
    weekly_minutes: Mapped[int | None] = mapped_column(info=PRIVATE)
    strength_days: Mapped[int | None] = mapped_column(info=PRIVATE)
    resting_heart_rate: Mapped[int | None] = mapped_column(info=PRIVATE)
    systolic: Mapped[int | None] = mapped_column(info=PRIVATE)
    diastolic: Mapped[int | None] = mapped_column(info=PRIVATE)
    weight_kg: Mapped[float | None] = mapped_column(info=PRIVATE)
    six_minute_walk_m: Mapped[int | None] = mapped_column(info=PRIVATE)
    notes: Mapped[str] = mapped_column(Text, default="", info=PRIVATE)
    concern: Mapped[bool] = mapped_column(default=False)  # asks the doctor to review
    concern_status: Mapped[ConcernStatus | None] = mapped_column(str_enum(ConcernStatus))
    # The patient showed medical clearance (a self-referral whose screening asked for it).
    clearance_confirmed: Mapped[bool] = mapped_column(default=False)

    referral: Mapped[Referral] = relationship(back_populates="updates")


class ThreadEntry(db.Model):
    """One entry of a referral's conversation: a message between its parties, or a step
    in a concern's life (with the words said with it, if any)."""

    __tablename__ = "referral_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    # The trainer the referral was addressed to then: a trainer reads only their own
    # conversation, not the one with a trainer who declined before them.
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author_role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind), default=EntryKind.MESSAGE)
    body: Mapped[str] = mapped_column(Text, default="", info=PRIVATE)
    # The report whose concern this entry acknowledges, resolves or clears.
    concern_id: Mapped[int | None] = mapped_column(ForeignKey("referral_updates.id"))

    referral: Mapped[Referral] = relationship(back_populates="thread")


class ThreadRead(db.Model):
    """How far a party has read a referral's conversation (its last entry seen)."""

    __tablename__ = "referral_message_reads"

    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    seen_through: Mapped[int] = mapped_column(default=0)  # a ThreadEntry id
