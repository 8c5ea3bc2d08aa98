"""Delivery: a real SMTP exchange, retries with backoff, and actions that never wait
for (or fail with) the mail server."""

from __future__ import annotations

import socket
from datetime import timedelta
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller

from directory import create_app
from directory.db import utcnow
from directory.notifications import services
from directory.notifications.models import Message, MessageStatus
from directory.notifications.services import MAX_ATTEMPTS, deliver_due, retry_delay
from tests.directory.notifications.helpers import messages


class Inbox:
    """An aiosmtpd handler keeping what it was sent."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 (aiosmtpd names it)
        self.received.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


def use_smtp(app, port: int) -> None:
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                      MAIL_TIMEOUT_SECONDS=2)


def wait_for_delivery(app) -> None:
    """Let the mail thread finish what the last commits gave it."""
    executor = app.extensions.pop("referfit_mail", None)
    if executor is not None:
        executor.shutdown(wait=True)


@pytest.mark.real_commits  # the mail thread reads the queue on its own connection
def test_an_accepted_referral_reaches_the_doctor_over_smtp(app, session, parties,
                                                           smtp_server):
    port, inbox = smtp_server
    use_smtp(app, port)
    referral_id = parties.refer()
    parties.move(parties.trainer, referral_id, to="accepted")
    wait_for_delivery(app)
    sent = {m.recipient: m for m in messages(session)}
    assert {m.status for m in sent.values()} == {MessageStatus.SENT}
    (recipients, content), = [r for r in inbox.received
                              if r[0] == [parties.doctor.user.email]]
    assert f"Subject: Referral #{referral_id} was accepted by Maria Near" in content
    assert "From: ReferFit <no-reply@referfit.test>" in content
    assert sent[parties.doctor.user.email].sent_at is not None


@pytest.mark.real_commits  # the mail thread reads the queue on its own connection
def test_a_mail_server_that_is_down_neither_fails_nor_delays_the_action(app, session,
                                                                        parties):
    use_smtp(app, free_port())  # nothing listens there
    referral_id = parties.refer()
    parties.move(parties.trainer, referral_id, to="accepted")  # asserts the 200
    wait_for_delivery(app)
    answered, = messages(session, kind="referral_answered")
    assert answered.status is MessageStatus.QUEUED
    assert answered.attempts == 1
    assert answered.last_error.startswith("ConnectionRefusedError")
    assert answered.next_attempt_at > utcnow()  # waits a minute, then is tried again


def queued(session, **fields) -> Message:
    fields = {"attempts": 0, "next_attempt_at": utcnow() - timedelta(seconds=1), **fields}
    message = Message(kind="referral_sent", recipient="someone@example.com", subject="S",
                      body="B", status=MessageStatus.QUEUED, **fields)
    session.add(message)
    session.commit()
    return message


def refuse(_message):
    raise ConnectionRefusedError("no mail server")


def test_failures_back_off_and_give_up_after_max_attempts(session, app):
    message = queued(session)
    now = utcnow()
    report = deliver_due(session, refuse, now)
    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    assert now + timedelta(minutes=1) <= message.next_attempt_at \
        <= utcnow() + timedelta(minutes=1)
    assert deliver_due(session, refuse, now).retrying == 0  # not due yet: left alone
    for _ in range(2, MAX_ATTEMPTS + 1):
        report = deliver_due(session, refuse, message.next_attempt_at)
    assert (report.retrying, report.failed) == (0, 1)
    assert (message.status, message.attempts, message.next_attempt_at) == (
        MessageStatus.FAILED, MAX_ATTEMPTS, None)


def test_retry_delays_double_up_to_an_hour():
    assert [retry_delay(n).total_seconds() / 60 for n in range(1, 9)] == \
        [1, 2, 4, 8, 16, 32, 60, 60]


def test_a_retry_succeeds_and_clears_the_error(session, app):
    message = queued(session, attempts=2, last_error="TimeoutError: slow")
    sent = []
    report = deliver_due(session, sent.append, utcnow())
    assert report.sent == 1 and sent == [message]
    assert (message.status, message.last_error, message.attempts) == (
        MessageStatus.SENT, None, 3)


def test_a_message_another_worker_claimed_is_not_sent_twice(session, app):
    message = queued(session)
    now = utcnow()
    assert services._claim(session, message.id, now)
    sent = []
    assert deliver_due(session, sent.append, now).sent == 0 and sent == []


def test_nothing_is_logged_about_recipients_or_bodies(session, app, caplog):
    queued(session)
    deliver_due(session, refuse, utcnow())
    assert "someone@example.com" not in caplog.text
    assert "not delivered" in caplog.text


def test_a_commit_starts_delivery_and_a_rollback_queues_nothing(session, app, monkeypatch,
                                                                  user_factory):
    started = []
    monkeypatch.setattr(services, "deliver_in_background", started.append)
    app.config["MAIL_BACKEND"] = "smtp"
    doctor = user_factory("doctor")

    def concern():
        services.notify(session, "concern_reported", [doctor], "Review",
                        referral=SimpleNamespace(id=7), url="http://x/referrals/7")
    concern()
    session.rollback()
    session.commit()
    assert started == [] and messages(session) == []
    concern()
    session.commit()
    assert started == [app] and len(messages(session, status=MessageStatus.QUEUED)) == 1


def test_an_unknown_mail_backend_stops_the_app_at_start(tmp_path):
    with pytest.raises(ValueError, match="MAIL_BACKEND must be one of outbox, smtp"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "MAIL_BACKEND": "sendmail",
                    "SEARCH_INDEX_DIR": str(tmp_path)})


@pytest.mark.parametrize("settings, problem", [
    ({"MAIL_USE_TLS": True, "MAIL_USE_SSL": True}, "not both"),
    ({"MAIL_USERNAME": "referfit"}, "password in clear text"),
], ids=["tls-and-ssl", "login-in-clear"])
def test_mail_settings_that_would_fail_or_leak_stop_the_app(tmp_path, settings, problem):
    with pytest.raises(ValueError, match=problem):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SEARCH_INDEX_DIR": str(tmp_path),
                    **settings})


def test_a_long_subject_is_shortened_to_fit(session, app, user_factory):
    doctor = user_factory("doctor")
    (message,) = services.notify(session, "concern_reported", [doctor], "x" * 300,
                                 referral=SimpleNamespace(id=7), url="http://x/referrals/7")
    session.commit()
    assert len(message.subject) == 200 and message.subject.endswith("…")


def test_a_pass_claims_each_message_from_the_time_it_reaches_it(session, app):
    message = queued(session)
    long_ago = utcnow() - timedelta(hours=1)
    deliver_due(session, refuse, long_ago + timedelta(hours=2))
    assert message.next_attempt_at > utcnow()  # the retry is after now, not after `now`
