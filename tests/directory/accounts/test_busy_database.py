"""While another transaction holds SQLite's write lock (a long import), bearer requests
still answer: the token's last-used time is dropped rather than waited for, and reads
never wait for the writer (write-ahead logging)."""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from directory.accounts.models import ApiToken
from directory.db import utcnow
from directory.extensions import db


@pytest.mark.sqlite_only
@pytest.mark.real_commits
def test_a_bearer_request_answers_while_another_writer_holds_the_lock(app, api_as):
    client = api_as("doctor")
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == client.user.id))
    token.last_used_at = utcnow() - timedelta(hours=1)  # due for an update
    db.session.commit()
    path = db.engine.url.database
    assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # the one write lock, as an import holds it
        started = time.monotonic()
        answer = client.get("/api/v1/referrals")
        waited = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert answer.status_code == 200, answer.get_data(as_text=True)[:200]
    assert waited < 2  # not the 5 s busy timeout
    # Once the lock is free the time is written again.
    assert client.get("/api/v1/referrals").status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at > utcnow() - timedelta(minutes=1)
