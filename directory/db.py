"""The declarative base every model inherits, and database-wide conventions."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

from sqlalchemy import JSON, DateTime, Engine, Enum, MetaData, TypeDecorator, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, registry

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database.

    SQLite keeps no offset, so values come back naive; this puts UTC back on them.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, _dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("Naive datetimes are ambiguous; pass an aware UTC datetime.")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, _dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={list[str]: JSON, datetime: UTCDateTime},
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today in UTC: the one calendar every expiry check uses."""
    return utcnow().date()


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        # SQLite ignores foreign keys unless asked on every connection.
        cursor.execute("PRAGMA foreign_keys=ON")
        # Write-ahead logging: reads never wait for a writer (an import's long write
        # holds the one write lock, not the readers). Kept by the file once set.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def commit_unless_busy(session: Session) -> bool:
    """Commit a write that can wait (a token's last-used time), or drop it at once when
    another transaction holds SQLite's write lock: never a request's failure."""
    if session.get_bind().dialect.name != "sqlite":
        return _commit_or_drop(session)
    driver = session.connection().connection.driver_connection  # no flush on the way
    waits = driver.execute("PRAGMA busy_timeout").fetchone()[0]
    driver.execute("PRAGMA busy_timeout = 0")  # ask, do not wait
    try:
        session.flush()  # takes the write lock, or fails at once
        busy = False
    except OperationalError:
        busy = True
    finally:  # restored before the connection can go back to the pool
        driver.execute(f"PRAGMA busy_timeout = {int(waits)}")
    if busy:
        session.rollback()
        return False
    return _commit_or_drop(session)


def _commit_or_drop(session: Session) -> bool:
    try:
        session.commit()
    except OperationalError:
        session.rollback()
        return False
    return True


def str_enum(enum_cls: type) -> Enum:
    """Store a StrEnum as its values in a VARCHAR, the same on every database."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=max(len(member.value) for member in enum_cls),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
