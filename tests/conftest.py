"""Fixtures shared by the suite: an app on each database, a client, the catalogs.

Database tests run twice, on SQLite and on PostgreSQL. PostgreSQL tests are skipped
with a message when no server is reachable, unless CI=true, where that fails the run.
Each run builds its schema with the Alembic migrations (so they are tested too) in a
throwaway database, and each test starts from empty tables.
"""

from __future__ import annotations

import os
import uuid
from itertools import count

import flask_migrate
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from directory import create_app
from directory.accounts.models import Role
from directory.accounts.services import create_user, issue_token
from directory.catalogs.services import load_catalogs
from directory.config import REPO_ROOT, normalize_database_url
from directory.extensions import db

POSTGRES_URL = normalize_database_url(
    os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
)
DATA_DIR = REPO_ROOT / "data"
PASSWORD = "correct horse battery staple"
_emails = count(1)


def migrate(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
    migrate(url)
    return url


@pytest.fixture(scope="session")
def postgres_url():
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
        migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request):
    return request.getfixturevalue(f"{request.param.replace('postgresql', 'postgres')}_url")


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    Tests keep an app context open for their own database work; without this, requests
    would share its `g` (the signed-in user) and its database session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "DATA_DIR": str(DATA_DIR),
        # Rate limits are tested on their own; elsewhere they would only add noise.
        "RATELIMIT_ENABLED": False,
        # Thousands of test accounts: a cheap hash (tests/directory/accounts checks scrypt).
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    app.test_client_class = IsolatedClient
    app.instance_path = str(tmp_path / "instance")  # previews and the like stay per test
    with app.app_context():
        yield app
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def catalogs(session):
    load_catalogs(session, DATA_DIR)
    session.commit()


@pytest.fixture
def user_factory(session):
    """Make an account: user_factory("doctor"), or a trainer's with trainer=..."""
    def make(role: str, trainer=None, email: str | None = None):
        email = email or f"{role}{next(_emails)}@example.com"
        user = create_user(session, email, PASSWORD, Role(role), trainer)
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
def curator_page(client, user_factory, catalogs):
    """The test client, signed in on the pages as a new curator (as `client.user`)."""
    from tests.directory.accounts.helpers import sign_in  # it imports this module

    user = user_factory("curator")
    sign_in(client, user.email)
    client.user = user
    return client


@pytest.fixture
def curator(api_as):
    return api_as("curator")
