"""Alembic environment: the app's engine and metadata, from Flask-Migrate."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

log = logging.getLogger("alembic.env")
config = context.config
if config.config_file_name:
    # Keep the app's loggers: alembic.ini's defaults would silence them.
    fileConfig(config.config_file_name, disable_existing_loggers=False)
migrate = current_app.extensions["migrate"]
target_metadata = migrate.db.metadata


def run_migrations_offline() -> None:
    """Emit SQL to stdout (`flask db upgrade --sql`) instead of running it."""
    context.configure(url=migrate.db.engine.url.render_as_string(hide_password=False),
                      target_metadata=target_metadata, literal_binds=True,
                      **migrate.configure_args)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty_revision(context_, revision, directives):
        # `flask db migrate` with no model changes writes nothing.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            log.info("No changes in schema detected.")

    configure_args = {"process_revision_directives": skip_empty_revision,
                      **migrate.configure_args}
    with migrate.db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one, which the
            # foreign keys pointing at it refuse while enforced (alembic's batch mode
            # docs). Off for the migration and checked after it (SQLite's DDL is not
            # transactional here: a failed migration leaves what it did); on again for
            # the pool whatever happens.
            _sqlite_foreign_keys(connection, "OFF")
        try:
            context.configure(connection=connection, target_metadata=target_metadata,
                              **configure_args)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    _check_references(connection)
        finally:
            if sqlite:
                connection.rollback()  # nothing is left open once alembic has committed
                _sqlite_foreign_keys(connection, "ON")


def _check_references(connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"The migration left {len(broken)} broken references, the first "
                           f"{broken[0]}: restore the database from its backup.")


def _sqlite_foreign_keys(connection, state: str) -> None:
    # A PRAGMA outside any transaction: SQLite ignores this one inside a transaction.
    connection.exec_driver_sql(f"PRAGMA foreign_keys={state}")
    connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
