"""`flask notifications scan` queues the daily reminders once; `deliver` sends the queue."""

from __future__ import annotations

from datetime import timedelta

from directory.db import today, utcnow
from directory.notifications.models import Message, MessageStatus
from tests.directory.notifications.helpers import messages


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_scan_queues_expiry_notices_once(app, session, parties, user_factory):
    user_factory("curator")
    parties.trainer_row.credentials[0].expires_on = today() + timedelta(days=20)
    session.commit()
    first = run(app, "notifications", "scan")
    assert first.exit_code == 0, first.output
    assert ("Queued 0 overdue-report reminder(s), 0 unopened-referral notice(s) and 2 expiry "
            "notice(s).") in first.output
    assert "and 0 expiry notice(s)" in run(app, "notifications", "scan").output
    later = run(app, "notifications", "scan", "--today",
                (today() + timedelta(days=1)).isoformat())
    assert "and 1 expiry notice(s)" in later.output  # the curators' digest of that day
    assert len(messages(session, kind="expiring_digest")) == 2


def test_deliver_says_there_is_nothing_to_send_without_smtp(app):
    result = run(app, "notifications", "deliver")
    assert result.exit_code == 0
    assert "MAIL_BACKEND is not smtp" in result.output


def test_deliver_retries_the_queue_and_reports(app, session):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=9,
                      MAIL_TIMEOUT_SECONDS=1)  # the discard port: nothing answers SMTP
    session.add(Message(kind="k", recipient="r@example.com", subject="s", body="b",
                        status=MessageStatus.QUEUED, attempts=0,
                        next_attempt_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    result = run(app, "notifications", "deliver")
    assert result.exit_code == 0, result.output
    assert "Sent 0; 1 will be retried; 0 failed for good." in result.output
