"""The apps tests run against: built once per database, and isolated per test.

`create_database` migrates a database and loads the shipped catalogs, as `make run`
does before the demo trainers; `build_app` makes an app on it. `isolated` runs one test:
`rolled_back` joins every session the app opens (the test's own, each request's, each
CLI command's) to one connection inside a transaction that is rolled back at the end,
so a test's commits are savepoints nobody else ever sees; `committing` lets them reach
the database and empties it afterwards; `fresh_state` gives each test its own folders,
settings and caches.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from directory import create_app
from directory.catalogs.services import load_catalogs
from directory.config import REPO_ROOT
from directory.db import utcnow
from directory.extensions import api, db, limiter
from directory.geo.services import geocoder
from directory.search.models import DirectoryVersion

DATA_DIR = REPO_ROOT / "data"
# One object each per process, which every create_app binds to its own app's settings
# (the limiter's switch and storage, the API's OpenAPI document).
PROCESS_WIDE = (limiter, api)
# A session given a connection already in a transaction (as `rolled_back` gives them)
# works in a savepoint of its own: its commit releases it, its rollback undoes only its
# own work. Sessions on an engine are not affected.
db.session.session_factory.configure(join_transaction_mode="create_savepoint")
TEST_SETTINGS = {
    "TESTING": True,
    "DATA_DIR": str(DATA_DIR),
    # Rate limits are tested on their own; elsewhere they would only add noise.
    "RATELIMIT_ENABLED": False,
    # Thousands of test accounts: a cheap hash (tests/directory/accounts checks scrypt).
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    # Jobs run inside the request that queues them (tests/directory/test_jobs.py runs
    # a real worker).
    "JOBS_IMMEDIATE": True,
}


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    Tests keep an app context open for their own database work; without this, requests
    would share its `g` (the signed-in user) and its database session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def build_app(url: str, folder: Path, **settings) -> Flask:
    """An app on `url` (a database made by `create_database`), its folders in `folder`."""
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": url,
                      "SEARCH_INDEX_DIR": str(folder / "search-index"), **settings})
    app.test_client_class = IsolatedClient
    app.instance_path = str(folder / "instance")  # previews and the like stay in `folder`
    app.process_wide_state = [(extension, dict(vars(extension))) for extension in PROCESS_WIDE]
    with app.app_context():
        geocoder()  # the offline gazetteer's index, built once per app, not once per test
    return app


def rebind_process_wide(app: Flask) -> None:
    """Bind the process-wide extensions to `app` again, as create_app left them."""
    for extension, attributes in app.process_wide_state:
        vars(extension).clear()
        vars(extension).update(attributes)


def create_database(url: str) -> None:
    """Build the schema with the Alembic migrations (so that they are tested too) and
    load the shipped catalogs, as `flask db upgrade` and `flask catalogs load` do."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(DATA_DIR)})
    with app.app_context():
        flask_migrate.upgrade()
        _load_catalogs()
        db.engine.dispose()


def _load_catalogs() -> None:
    load_catalogs(db.session, DATA_DIR)
    db.session.commit()
    db.session.remove()


@contextmanager
def isolated(app: Flask, folder: Path, real_commits: bool = False) -> Iterator[Flask]:
    """Run one test on `app`, in an app context: its own folders, settings and caches,
    and a database that ends as it began (rolled back, or emptied after real commits)."""
    database = committing if real_commits else rolled_back
    with fresh_state(app, folder), database(app):
        try:
            yield app
        finally:
            finish_background_work(app)


@contextmanager
def rolled_back(app: Flask) -> Iterator[None]:
    """Within an app context: every session of `app` works in one outer transaction,
    and its commits only release savepoints; everything is rolled back at the end."""
    with app.app_context():
        engines = db.engines  # this app's own mapping, shared by all its contexts
        engine = engines[None]
        with engine.connect() as connection, _outer_transaction(connection):
            engines[None] = connection
            try:
                yield
            finally:
                engines[None] = engine
                db.session.remove()


@contextmanager
def _outer_transaction(connection: sa.Connection) -> Iterator[None]:
    """Begin a transaction that savepoints can nest in, and roll it back at the end.

    pysqlite begins and ends transactions on its own, which would commit or lose the
    savepoints: on this one connection, the driver is told to leave them to us
    (SQLAlchemy's recipe, without changing the engine's other connections)."""
    driver = connection.connection.driver_connection
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        driver.isolation_level = None
    transaction = connection.begin()
    if sqlite:
        connection.exec_driver_sql("BEGIN")
    try:
        yield
    finally:
        transaction.rollback()
        if sqlite:
            driver.isolation_level = ""  # the driver's default, for the next checkout


@contextmanager
def committing(app: Flask) -> Iterator[None]:
    """Within an app context: real commits on real connections; afterwards the database
    is put back as `create_database` left it."""
    with app.app_context():
        try:
            yield
        finally:
            db.session.remove()
            empty_database()
            _load_catalogs()


def empty_database() -> None:
    """Delete every row, then put back the ones the migrations seed."""
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
        connection.execute(sa.insert(DirectoryVersion).values(
            id=1, version=0, changed_at=utcnow()))


@contextmanager
def fresh_state(app: Flask, folder: Path) -> Iterator[None]:
    """Give one test its own index and instance folders, and put back afterwards the
    settings and app-wide caches (search index, snapshots, catalog names) as they were,
    so nothing cached in one test is read in the next."""
    rebind_process_wide(app)  # another app may have been made since
    settings = copy.deepcopy(dict(app.config))
    extensions = dict(app.extensions)
    instance_path = app.instance_path
    app.config["SEARCH_INDEX_DIR"] = str(folder / "search-index")
    app.instance_path = str(folder / "instance")
    try:
        yield
    finally:
        app.extensions.clear()
        app.extensions.update(extensions)
        app.config.clear()
        app.config.update(settings)
        app.instance_path = instance_path


def finish_background_work(app: Flask) -> None:
    """Wait for the mail thread, which would otherwise outlive the test's database."""
    executor = app.extensions.pop("referfit_mail", None)
    if executor is not None:
        executor.shutdown(wait=True)
