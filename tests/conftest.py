"""Fixtures shared by the suite: one app per database, isolated per test.

Which database a test runs on: a test that asks for `app` (directly, or through
`client`, `session`, `database_url` or any fixture built on them) runs on SQLite and on
PostgreSQL, since anything that touches SQL can differ between them. A test marked
`@pytest.mark.sqlite_only` runs on SQLite alone: keep that for pages and logic whose
outcome no database can change (rendering, form validation before any query). Tests of
`matching/` and other pure code ask for no app and run once. PostgreSQL tests are
skipped with a message when no server is reachable, unless CI=true, where that fails.

How a test is isolated: each database is migrated once per run, in each pytest-xdist
worker (so the migrations are tested too), and gets one app, with the shipped catalogs
loaded once. Each test then runs inside an outer transaction rolled back at the end
(tests/apps.py, `rolled_back`): its commits, and those of the requests and commands it
makes, are savepoints. A test that needs commits to really happen (other threads or
connections must see them: the mail thread) is marked `@pytest.mark.real_commits`; its
database is emptied and the catalogs loaded again afterwards. Settings, caches and
folders are the test's own either way (`fresh_state`).
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from directory.accounts.services import issue_token
from directory.conditions.models import Condition
from directory.config import normalize_database_url
from directory.credentials.models import Certification
from directory.extensions import db
from tests.apps import build_app, create_database, isolated
from tests.factories import make_user
from tests.web import sign_in

POSTGRES_URL = normalize_database_url(
    os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
)


def pytest_generate_tests(metafunc):
    if "database" in metafunc.fixturenames:
        if metafunc.definition.get_closest_marker("sqlite_only"):
            metafunc.parametrize("database", ["sqlite"])
        else:
            metafunc.parametrize("database", [
                "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
    create_database(url)
    return url


@pytest.fixture(scope="session")
def postgresql_url():
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except sa.exc.OperationalError as error:
        admin.dispose()
        message = (f"PostgreSQL is not reachable at {admin.url.render_as_string()}: "
                   f"{error.orig}. Start it or set TEST_POSTGRES_URL.")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    name = f"referfit_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        create_database(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(request, database):
    return request.getfixturevalue(f"{database}_url")


def _shared_app(url: str, folder):
    app = build_app(url, folder)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_app(sqlite_url, tmp_path_factory):
    yield from _shared_app(sqlite_url, tmp_path_factory.mktemp("sqlite-app"))


@pytest.fixture(scope="session")
def postgresql_app(postgresql_url, tmp_path_factory):
    yield from _shared_app(postgresql_url, tmp_path_factory.mktemp("postgresql-app"))


@pytest.fixture
def app(request, database, tmp_path):
    """The database's app, inside an app context, isolated for this test."""
    real_commits = request.node.get_closest_marker("real_commits") is not None
    with isolated(request.getfixturevalue(f"{database}_app"), tmp_path, real_commits) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def empty_catalogs(session):
    """The database as `flask db upgrade` leaves it, before `flask catalogs load`."""
    for model in (Certification, Condition):
        session.execute(sa.delete(model))
    session.commit()  # a rollback in the code under test must not bring them back


@pytest.fixture
def user_factory(session):
    """Make an account: user_factory("doctor"), or a trainer's with trainer=..."""
    def make(role: str, trainer=None, email: str | None = None):
        user = make_user(session, role, trainer, email)
        session.commit()
        return user
    return make


@pytest.fixture
def api_as(app, session, user_factory):
    """A test client that sends a bearer token for a new account of `role`."""
    def make(role: str, trainer=None):
        user = user_factory(role, trainer)
        _token, secret = issue_token(session, user, "tests", 1)
        session.commit()
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        client.user = user
        return client
    return make


@pytest.fixture
def curator_page(client, user_factory):
    """The test client, signed in on the pages as a new curator (as `client.user`)."""
    user = user_factory("curator")
    sign_in(client, user.email)
    client.user = user
    return client


@pytest.fixture
def curator(api_as):
    return api_as("curator")

