"""The migrations build exactly the schema the models describe, on each database."""

from datetime import date, datetime

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from directory import create_app
from directory.extensions import db
from tests.apps import DATA_DIR


# SQLite cannot reflect an index on an expression (import rows' upper-cased numbers);
# PostgreSQL compares it.
@pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index:sqlalchemy.exc.SAWarning")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based "
                            "index:UserWarning")
def test_models_and_migrations_agree(session):
    context = MigrationContext.configure(session.connection(), opts={"compare_type": True})
    assert compare_metadata(context, db.metadata) == []


def test_a_populated_sqlite_database_upgrades_to_the_latest_schema(tmp_path):
    """SQLite alters a table by copying it: rows that point at it must survive that."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}",
                      "DATA_DIR": str(DATA_DIR)})
    with app.app_context():
        flask_migrate.upgrade(revision=ACCOUNTS_REVISION)
        with db.engine.begin() as connection:
            metadata = sa.MetaData()
            metadata.reflect(connection)
            for table, values in (("trainers", {"id": 1}), ("certifications", {"id": 1}),
                                  ("credentials", {"trainer_id": 1, "certification_id": 1}),
                                  ("users", {"trainer_id": 1, "email": "t@example.com"})):
                connection.execute(metadata.tables[table].insert(),
                                   [required_values(metadata.tables[table]) | values])
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(sa.text(
                "SELECT c.trainer_id, u.trainer_id FROM credentials c, users u")).all() == [(1, 1)]
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()


ACCOUNTS_REVISION = "f73679edb482"  # the second: trainers, credentials and users exist


def required_values(table: sa.Table) -> dict:
    """A value of the right type for each column the table requires."""
    samples = {sa.Integer: 1, sa.String: "x", sa.Boolean: True, sa.Float: 1.0,
               sa.DateTime: datetime(2026, 1, 1), sa.Date: date(2026, 1, 1), sa.JSON: [],
               sa.Text: "x"}
    return {column.name: next(value for kind, value in samples.items()
                              if isinstance(column.type, kind))
            for column in table.columns if not column.nullable}
