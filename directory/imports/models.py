from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String, func, text
from sqlalchemy.orm import Mapped, column_property, deferred, mapped_column, relationship

from directory.accounts.models import User
from directory.db import TimestampMixin, str_enum, utcnow
from directory.extensions import db


class RowAction(StrEnum):
    CREATED = "created"  # a new trainer, with this credential
    LINKED = "linked"  # a new credential for a trainer already in the directory
    UPDATED = "updated"  # a known credential's status or dates changed
    UNCHANGED = "unchanged"
    REVIEW = "review"  # waits for a curator to choose
    REJECTED = "rejected"  # invalid, or refused


class ReviewStatus(StrEnum):
    PENDING = "pending"
    LINKED = "linked"
    CREATED = "created"
    REJECTED = "rejected"


class ImportBatch(db.Model):
    """One applied credential list: which file, from whom, and what it did."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    issuer: Mapped[str] = mapped_column(String(16), index=True)
    profile: Mapped[str | None] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(8))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int]
    # The issuer's complete list of current credentials: one missing from it is doubtful.
    full_list: Mapped[bool] = mapped_column(default=False)
    # Null when run from the command line without --curator.
    curator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # {"rows": n, "created": n, ...}: the report's summary.
    summary: Mapped[dict] = mapped_column(db.JSON, default=dict)

    curator: Mapped[User | None] = relationship()

    @property
    def audit_import_batch_id(self) -> int:
        return self.id
    rows: Mapped[list[ImportRow]] = relationship(
        back_populates="batch", order_by="ImportRow.row", cascade="all, delete-orphan")


class ImportRow(db.Model):
    """What one data row of a batch did; a row in `review` is also a review-queue item."""

    __tablename__ = "import_rows"
    __table_args__ = (
        Index("ix_import_rows_batch_id_row", "batch_id", "row", unique=True),
        # The queue and re-imports look reviews up by issuer and credential number.
        Index("ix_import_rows_review", "review_status", "issuer", "credential_number"),
        # "Is this number on that full list?" (credentials.services.missing_from), which
        # compares numbers without case.
        Index("ix_import_rows_batch_id_number", "batch_id", func.upper(text("credential_number"))),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"))
    row: Mapped[int]  # data rows counted from 1
    action: Mapped[RowAction] = mapped_column(str_enum(RowAction))
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("trainers.id"), index=True)
    confidence: Mapped[float | None]
    reasons: Mapped[list[str]] = mapped_column(default=list)
    errors: Mapped[list[dict]] = mapped_column(db.JSON, default=list)
    issuer: Mapped[str] = mapped_column(String(16))
    credential_number: Mapped[str | None] = mapped_column(String(64))
    # The row's values for a curator to judge (review and rejected rows only).
    data: Mapped[dict | None] = mapped_column(db.JSON)
    # [{"trainer_id", "confidence", "reasons"}], best first, for review rows.
    candidates: Mapped[list[dict]] = mapped_column(db.JSON, default=list)
    review_status: Mapped[ReviewStatus | None] = mapped_column(str_enum(ReviewStatus))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    batch: Mapped[ImportBatch] = relationship(back_populates="rows")


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(TimestampMixin, db.Model):
    """An uploaded list waiting for, or being run by, the background worker; what it
    came to (an applied batch, a dry run's report, or why it failed) once it is done."""

    __tablename__ = "import_jobs"
    # Bookkeeping of the queue: the batch it applies is the audited record (who, which
    # file, what changed), and a dry run changes nothing worth a log entry.
    audited = False

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus), default=JobStatus.QUEUED)
    curator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    issuer: Mapped[str] = mapped_column(String(16))
    # ImportOptions beyond the issuer: {"profile", "mapping", "dry_run", "full_list"}.
    options: Mapped[dict] = mapped_column(db.JSON, default=dict)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    # The file, until the job has used it (a dry run's, until it is applied or expires).
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int | None]
    finished_at: Mapped[datetime | None]
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    # A dry run's report (the API's ReportSchema document).
    report: Mapped[dict | None] = deferred(mapped_column(db.JSON))
    # Why it failed: {"field": ["message", ...]}, as a refused request's errors.
    errors: Mapped[dict | None] = mapped_column(db.JSON)
    # The real run a dry run was applied as.
    applied_as_id: Mapped[int | None] = mapped_column(ForeignKey("import_jobs.id"))

    curator: Mapped[User | None] = relationship()
    batch: Mapped[ImportBatch | None] = relationship()

    @property
    def dry_run(self) -> bool:
        return bool(self.options.get("dry_run"))

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


# Whether the file is still kept, read without loading it (lists of jobs need it).
ImportJob.has_content = column_property(ImportJob.__table__.c.content.is_not(None))
