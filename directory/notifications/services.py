"""Email people when something needs them: queued with the change, delivered after it.

`notify` adds one Message per recipient to the session, so a message exists exactly when
the change that caused it commits. With the "smtp" backend, delivery runs after the
commit on a worker thread, so a slow or absent mail server never slows or fails the
action; a failed message waits and is retried with backoff by the next delivery pass
(each commit that queues mail starts one) or by `flask notifications deliver`.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

from flask import Flask, current_app, has_app_context, render_template
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from directory.accounts.models import Role, User
from directory.db import utcnow
from directory.extensions import db
from directory.notifications.models import Message, MessageStatus

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=10)  # a claimed message is that worker's to send for this long
# A pass stops claiming after this long, well inside LEASE (each send may time out).
PASS_TIME = timedelta(minutes=5)
SUBJECT_MAX = 200  # Message.subject's length
QUEUED = "notifications_queued"


def notify(session: Session, kind: str, recipients: Iterable[User], subject: str,
           dedupe_key: str | None = None, **context) -> list[Message]:
    """Queue the `notifications/<kind>.txt` message to each active recipient.

    With a `dedupe_key`, a recipient who already has a message under that key gets none.
    """
    body = render_template(f"notifications/{kind}.txt", **context)
    messages = []
    for user in {u.id: u for u in recipients if u.active}.values():
        key = f"{dedupe_key}:{user.id}" if dedupe_key else None
        if key and session.scalar(select(Message.id).where(Message.dedupe_key == key)):
            continue
        messages.append(_queue(session, kind, user.email, subject, body, user.id, key))
    return messages


def notify_address(session: Session, kind: str, address: str, subject: str,
                   **context) -> Message:
    """Queue the `notifications/<kind>.txt` message to an address no account has yet
    (a trainer's profile email, to claim the profile)."""
    body = render_template(f"notifications/{kind}.txt", **context)
    return _queue(session, kind, address, subject, body)


def _queue(session: Session, kind: str, address: str, subject: str, body: str,
           user_id: int | None = None, dedupe_key: str | None = None) -> Message:
    queued = current_app.config["MAIL_BACKEND"] == "smtp"
    message = Message(
        kind=kind, recipient_id=user_id, recipient=address,
        subject=_shortened(subject, SUBJECT_MAX), body=body, dedupe_key=dedupe_key,
        attempts=0, status=MessageStatus.QUEUED if queued else MessageStatus.RECORDED,
        next_attempt_at=utcnow() if queued else None)
    session.add(message)
    if queued:
        session.info[QUEUED] = True
    return message


BACKENDS = ("outbox", "smtp")


def check_mail_settings(app: Flask) -> None:
    """Refuse to start with mail settings that would drop messages or leak a password."""
    config = app.config
    if config["MAIL_BACKEND"] not in BACKENDS:
        raise ValueError(f"MAIL_BACKEND must be one of {', '.join(BACKENDS)}, "
                         f"not {config['MAIL_BACKEND']!r}.")
    if config["MAIL_USE_TLS"] and config["MAIL_USE_SSL"]:
        raise ValueError("Set MAIL_USE_TLS (STARTTLS, port 587) or MAIL_USE_SSL (port 465), "
                         "not both.")
    if config["MAIL_USERNAME"] and not (config["MAIL_USE_TLS"] or config["MAIL_USE_SSL"]):
        raise ValueError("MAIL_USERNAME without MAIL_USE_TLS or MAIL_USE_SSL would send the "
                         "password in clear text.")


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def curators(session: Session) -> list[User]:
    return _active(session, Role.CURATOR)


def admins(session: Session) -> list[User]:
    return _active(session, Role.ADMIN)


def _active(session: Session, role: Role) -> list[User]:
    return list(session.scalars(select(User).where(User.role == role,
                                                   User.active.is_(True)).order_by(User.id)))


def trainer_accounts(session: Session, trainer_id: int) -> list[User]:
    """The trainer's own account, if one is linked (a profile has at most one)."""
    return list(session.scalars(select(User).where(User.trainer_id == trainer_id,
                                                   User.active.is_(True))))


# -- Delivery ---------------------------------------------------------------------------

@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after each failure, at most an hour."""
    return timedelta(minutes=min(60, 2 ** (attempts - 1)))


def deliver_due(session: Session, send: Callable[[Message], None], now: datetime,
                limit: int = 200) -> DeliveryReport:
    """Send the queued messages due at `now`, committing each outcome on its own.

    Delivery is a worker, not a request: it commits per message so that one message's
    outcome never waits on, or is lost with, another's. A pass stops after PASS_TIME
    so that it never holds a message past its claim.
    """
    report = DeliveryReport()
    due = session.scalars(select(Message.id).where(
        Message.status == MessageStatus.QUEUED, Message.next_attempt_at <= now)
        .order_by(Message.id).limit(limit)).all()
    stop_at = utcnow() + PASS_TIME
    for message_id in due:
        if utcnow() >= stop_at:
            break  # the rest wait for the next pass
        if not _claim(session, message_id, now):
            continue  # another worker has it
        message = session.get(Message, message_id)
        try:
            send(message)
        except Exception as error:  # noqa: BLE001  (whatever the mail server did, retry)
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:500]
            if message.attempts >= MAX_ATTEMPTS:
                message.status, message.next_attempt_at = MessageStatus.FAILED, None
                report.failed += 1
            else:
                message.next_attempt_at = max(now, utcnow()) + retry_delay(message.attempts)
                report.retrying += 1
            # The id only: addresses and bodies stay out of logs.
            log.warning("Message %s not delivered (attempt %s): %s", message.id,
                        message.attempts, type(error).__name__)
        else:
            message.status, message.sent_at, message.last_error = \
                MessageStatus.SENT, utcnow(), None
            message.attempts += 1
            message.next_attempt_at = None
            report.sent += 1
        session.commit()
    return report


def _claim(session: Session, message_id: int, now: datetime) -> bool:
    """Take a due message for LEASE from the moment of claiming, unless another worker
    took it first."""
    table = Message.__table__
    claimed = session.execute(update(table).where(
        table.c.id == message_id, table.c.status == MessageStatus.QUEUED.value,
        table.c.next_attempt_at <= now).values(
            next_attempt_at=max(now, utcnow()) + LEASE)).rowcount
    session.commit()
    return claimed == 1


def send_by_smtp(message: Message) -> None:
    """Hand one message to the configured SMTP server (raises if it will not take it)."""
    config = current_app.config
    email = EmailMessage()
    email["From"], email["To"] = config["MAIL_DEFAULT_SENDER"], message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=_sender_domain(config["MAIL_DEFAULT_SENDER"]))
    email.set_content(message.body)
    connect = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    # The timeout keeps a server that never answers from holding the mail thread.
    with connect(config["MAIL_SERVER"], config["MAIL_PORT"],
                 timeout=config["MAIL_TIMEOUT_SECONDS"]) as server:
        if config["MAIL_USE_TLS"]:
            server.starttls()
        if config["MAIL_USERNAME"]:
            server.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        server.send_message(email)


def _sender_domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "referfit.invalid"


def deliver_in_background(app: Flask) -> Future:
    """Deliver due messages on the app's one mail thread (SMTP may take seconds)."""
    executor = app.extensions.setdefault("referfit_mail", ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="referfit-mail"))
    return executor.submit(_deliver_pass, app)


def _deliver_pass(app: Flask) -> DeliveryReport:
    with app.app_context():
        try:
            return deliver_due(db.session, send_by_smtp, utcnow())
        except Exception:
            log.exception("Mail delivery pass failed; the queue is kept for the next one.")
            raise
        finally:
            db.session.remove()


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    if session.in_nested_transaction() or not session.info.pop(QUEUED, None):
        return
    if has_app_context():
        deliver_in_background(current_app._get_current_object())


@event.listens_for(Session, "after_rollback")
def _forget_queued(session: Session) -> None:
    session.info.pop(QUEUED, None)
