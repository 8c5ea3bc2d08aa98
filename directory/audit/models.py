from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from directory.db import utcnow
from directory.extensions import db


class AuditEvent(db.Model):
    """One write to the database: who made it, to what, and what changed."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # "anonymous" or "system" (a command-line task) when there is no account behind it.
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    # {field: {"before": ..., "after": ...}}; redacted fields say only that they changed.
    changes: Mapped[dict] = mapped_column(db.JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # The credential import that made the change, if one did.
    import_batch_id: Mapped[int | None] = mapped_column(index=True)
