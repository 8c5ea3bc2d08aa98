"""The migrations build exactly the schema the models describe, on each database."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from directory.extensions import db


# SQLite cannot reflect an index on an expression (import rows' upper-cased numbers);
# PostgreSQL compares it.
@pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index:sqlalchemy.exc.SAWarning")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based "
                            "index:UserWarning")
def test_models_and_migrations_agree(session):
    context = MigrationContext.configure(session.connection(), opts={"compare_type": True})
    assert compare_metadata(context, db.metadata) == []
