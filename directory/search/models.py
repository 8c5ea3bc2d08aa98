from __future__ import annotations

from datetime import datetime

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
