"""Bulk inserts that keep the database's write lock for the database's own work.

Turning tens of thousands of rows into what the driver takes (defaults, enums, dates,
JSON) costs seconds of Python. `BulkInsert` does it ahead, before the lock is taken,
with each column type's own bind processor, so values are stored exactly as an ORM or
Core insert would store them; under the lock only the values that need it (ids known
then) are filled in, and the rows go in by COPY on PostgreSQL and one executemany of
plain tuples on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from sqlalchemy import JSON, Table, func, select, text
from sqlalchemy.orm import Session


class BulkInsert:
    """Rows for some columns of one table, made ready for the driver ahead."""

    def __init__(self, session: Session, table: Table, but: Sequence[str] = ()):
        self.dialect = session.get_bind().dialect
        self.table = table
        self.columns = [column.name for column in table.columns if column.name not in but]
        self.position = {name: at for at, name in enumerate(self.columns)}
        self._processors = {name: _processor(table.c[name].type, self.dialect)
                            for name in self.columns}
        # Defaults worked out once for the whole batch (one timestamp, one "[]").
        self.defaults = {name: _default(table.c[name]) for name in self.columns}
        self._ready_defaults = {name: self.value(name, value)
                                for name, value in self.defaults.items()}

    def row(self, values: dict) -> list:
        """One row, ready; a column `values` leaves out gets its default."""
        return [self.value(name, values[name]) if name in values else
                self._ready_defaults[name] for name in self.columns]

    def value(self, column: str, value):
        process = self._processors[column]
        return process(value) if process is not None else value

    def fill(self, row: list, **values) -> list:
        """Set values known only now (ids) in a ready row."""
        for name, value in values.items():
            row[self.position[name]] = self.value(name, value)
        return row

    def write(self, session: Session, rows: Iterable[list]) -> None:
        connection = session.connection()
        preparer = self.dialect.identifier_preparer
        table = preparer.format_table(self.table)
        columns = ", ".join(preparer.quote(name) for name in self.columns)
        if self.dialect.name == "postgresql":
            cursor = connection.connection.dbapi_connection.cursor()
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        rows = [tuple(row) for row in rows]
        if rows:
            marks = ", ".join("?" for _ in self.columns)
            connection.exec_driver_sql(f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                                       rows)


def new_ids(session: Session, table: Table, count: int) -> list[int]:
    """`count` ids for rows about to be inserted with explicit ids. PostgreSQL draws them
    from the column's sequence, so no one else can; on SQLite, the caller must hold the
    write lock (no one else inserts until its commit)."""
    if not count:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return list(session.scalars(text(
            "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
            "FROM generate_series(1, :count)"), {"table": table.name, "count": count}))
    last = session.scalar(select(func.max(table.c.id))) or 0
    return list(range(last + 1, last + 1 + count))


def _processor(type_, dialect):
    impl = type_.dialect_impl(dialect)
    if isinstance(impl, JSON):
        # JSON as text on every database, as SQLAlchemy writes it on SQLite (None too is
        # JSON's null unless the column says otherwise). psycopg's own JSON wrapper would
        # serialize at write time, under the lock; COPY reads the text as JSON the same.
        return lambda value: None if value is None and impl.none_as_null else json.dumps(value)
    return impl.bind_processor(dialect)  # as SQLAlchemy's own inserts process values


def _default(column):
    default = column.default
    if default is None:
        return None
    return default.arg(None) if default.is_callable else default.arg
