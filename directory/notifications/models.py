from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from directory.db import str_enum, utcnow
from directory.extensions import db


class MessageStatus(StrEnum):
    QUEUED = "queued"  # waits for the mail server (again, after a failure)
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS; last_error says why
    RECORDED = "recorded"  # kept in the outbox only: no mail server is configured


class Message(db.Model):
    """One email to one person, queued with the change that caused it.

    The outbox: what was (or will be) sent, readable by admins. Bodies carry no patient
    details: a message says what needs the recipient and links to the page that shows
    it to whoever may see it.
    """

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_status_next_attempt_at", "status", "next_attempt_at"),)
    audited = False  # derived from an audited change; the outbox is its own record

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))  # the address it goes to
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[MessageStatus] = mapped_column(str_enum(MessageStatus))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Reminders found by the daily scan name what they remind of, so each goes once.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
