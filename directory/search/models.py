from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from directory.db import utcnow
from directory.extensions import db


class DirectoryVersion(db.Model):
    """A counter bumped, in the same transaction, by every commit that changes what
    search sees (trainers, their credentials and conditions, the catalogs).

    Each process's search snapshot compares it to the version it was built from.
    """

    __tablename__ = "directory_version"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1: a single row
    version: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class DirectoryChange(db.Model):
    """Which trainers a version changed, so snapshots reload only those.

    A row without a trainer means "everything": a bulk load or a catalog edit.
    """

    __tablename__ = "directory_changes"
    __table_args__ = (Index("ix_directory_changes_version", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int]
    trainer_id: Mapped[int | None]
