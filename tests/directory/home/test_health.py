"""/healthz says the process is alive; /readyz says whether it can serve, and what is
degraded: the database, the rate-limit storage (Redis), the search index, the background
worker."""

from __future__ import annotations

import pytest

from directory.accounts.models import Role
from directory.accounts.services import create_user
from directory.extensions import db
from directory.search.sync import search_index
from tests.apps import build_app, isolated
from tests.factories import PASSWORD, make_trainer

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_alive(client):
    assert client.get("/healthz").json == {"status": "alive"}


def test_ready_with_everything_up(client, session):
    make_trainer(session)  # the first commit creates the search index
    answer = client.get("/readyz")
    assert (answer.status_code, answer.json) == (200, {"status": "ready", "checks": {
        "database": "ok", "rate_limits": "in memory", "search_index": "ok",
        "worker": "ok"}})  # tests run jobs as they are queued


def test_a_stale_search_index_is_degraded(client, session):
    make_trainer(session)
    search_index().mark_stale()
    answer = client.get("/readyz")
    assert answer.status_code == 200 and answer.json["status"] == "degraded"
    assert answer.json["checks"]["search_index"] == "stale: run flask search reindex"


@pytest.fixture
def redis_down_app(database_url, tmp_path):
    app = build_app(database_url, tmp_path, RATELIMIT_ENABLED=True,
                    RATELIMIT_STORAGE_URI=UNREACHABLE_REDIS, WTF_CSRF_ENABLED=False,
                    JOBS_URL=UNREACHABLE_REDIS, JOBS_IMMEDIATE=False)
    with isolated(app, tmp_path):
        yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.sqlite_only  # about Redis, not the database
def test_with_redis_down_sign_in_works_and_readyz_says_so(redis_down_app, caplog):
    with redis_down_app.app_context():
        create_user(db.session, "owner@example.com", PASSWORD, Role.DOCTOR)
        db.session.commit()
    client = redis_down_app.test_client()
    signed_in = client.post("/login", data={"email": "owner@example.com",
                                            "password": PASSWORD})
    assert signed_in.status_code == 302
    token = client.post("/api/v1/auth/tokens", json={"email": "owner@example.com",
                                                     "password": PASSWORD})
    assert token.status_code == 201
    assert "Rate limit storage unreachable" in caplog.text
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["status"] == "degraded"
    assert ready.json["checks"]["rate_limits"] == "down: counted in each process's memory"
    assert ready.json["checks"]["worker"] == "down: the job queue cannot be read"


@pytest.mark.sqlite_only
def test_without_the_database_readyz_is_503(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'missing' / 'no.db'}", tmp_path)
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json["status"] == "unavailable"
    assert answer.json["checks"]["database"] == "down"
