"""The isolation every test relies on (tests/apps.py): what one test writes, caches or
configures is gone for the next, and real commits are real. Each check runs two tests'
worth of isolation on an app of its own."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from directory.extensions import db
from directory.search.snapshot import directory_version
from directory.trainers.models import Trainer
from tests.apps import build_app, isolated
from tests.directory.search.helpers import names, search
from tests.factories import make_trainer, make_user


@pytest.fixture
def own_app(database_url, tmp_path):
    app = build_app(database_url, tmp_path / "app")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def outsider(database_url):
    """Another connection to the same database, as another process would have."""
    engine = sa.create_engine(database_url)

    def read(query: str):
        with engine.connect() as connection:
            return connection.execute(sa.text(query)).scalar()
    yield read
    engine.dispose()


def listed(app, **query) -> list[str]:
    return names(search(app.test_client(), **query))


def test_what_a_test_commits_and_caches_is_gone_for_the_next(own_app, tmp_path, outsider):
    with isolated(own_app, tmp_path / "first"):
        make_trainer(db.session, last_name="Gone")
        version = directory_version(db.session)
        assert listed(own_app, near="10001") == ["Gone"]  # a snapshot at `version`
        assert listed(own_app, q="Gone") == ["Gone"]  # the search index
        assert outsider("SELECT count(*) FROM trainers") == 0  # never committed
    with isolated(own_app, tmp_path / "second"):
        assert db.session.scalar(sa.select(sa.func.count(Trainer.id))) == 0
        assert directory_version(db.session) == version - 1  # rolled back too
        make_trainer(db.session, last_name="Next")
        # The same version number again, for another directory: nothing cached may serve.
        assert directory_version(db.session) == version
        assert listed(own_app, near="10001") == ["Next"]
        assert listed(own_app, q="Gone") == []


def test_a_rollback_in_the_code_under_test_keeps_what_was_committed_before(own_app,
                                                                         tmp_path):
    with isolated(own_app, tmp_path / "test"):
        user = make_user(db.session, "doctor")
        db.session.commit()
        email = user.email
        user.email = "changed@example.com"
        db.session.flush()
        db.session.rollback()  # undoes the change since the commit, and only that
        assert db.session.get(type(user), user.id).email == email
        response = own_app.test_client().post("/api/v1/auth/tokens", json={
            "email": user.email, "password": "wrong"})
        assert response.status_code == 401  # a request that writes nothing, or fails
        assert db.session.get(type(user), user.id) is not None


def test_settings_and_folders_are_the_tests_own(own_app, tmp_path):
    shipped = own_app.config["MAIL_BACKEND"]
    with isolated(own_app, tmp_path / "first"):
        own_app.config["MAIL_BACKEND"] = "smtp"
        own_app.extensions["referfit_geocoder"] = "a stand-in"
        assert own_app.instance_path == str(tmp_path / "first" / "instance")
        assert own_app.config["SEARCH_INDEX_DIR"] == str(tmp_path / "first" / "search-index")
    with isolated(own_app, tmp_path / "second"):
        assert own_app.config["MAIL_BACKEND"] == shipped
        assert own_app.extensions["referfit_geocoder"] != "a stand-in"
        assert own_app.instance_path == str(tmp_path / "second" / "instance")


def test_real_commits_reach_other_connections_and_are_cleared_after(own_app, tmp_path,
                                                                  outsider):
    catalog = outsider("SELECT count(*) FROM certifications")
    version = outsider("SELECT version FROM directory_version")
    with isolated(own_app, tmp_path / "test", real_commits=True):
        make_trainer(db.session)
        assert outsider("SELECT count(*) FROM trainers") == 1
        db.session.execute(sa.text("DELETE FROM credentials"))
        db.session.execute(sa.text("DELETE FROM certifications"))
        db.session.commit()
    assert outsider("SELECT count(*) FROM trainers") == 0
    assert outsider("SELECT count(*) FROM certifications") == catalog > 0
    assert outsider("SELECT version FROM directory_version") == version


@pytest.mark.sqlite_only
def test_a_test_marked_sqlite_only_runs_on_sqlite_alone(database):
    assert database == "sqlite"
