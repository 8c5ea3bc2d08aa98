from datetime import UTC

import click
from flask import current_app
from flask.cli import AppGroup

from directory.db import utcnow
from directory.extensions import db
from directory.notifications import events
from directory.notifications.services import deliver_due, send_by_smtp

notifications_cli = AppGroup("notifications", help="Email reminders and the mail queue.")


@notifications_cli.command("scan")
@click.option("--today", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The day to check against [default: today, UTC].")
def scan_command(day) -> None:
    """Queue reminders: overdue reports, referrals lying unopened, and credentials
    expiring within 60 days.

    Run it daily (cron or a systemd timer); each reminder goes once, so running it
    more often, or twice, sends nothing twice.
    """
    now = day.replace(tzinfo=UTC) if day else utcnow()
    overdue = events.overdue_reports(db.session, now.date())
    unopened = events.unopened_referrals(db.session, now)
    expiring = events.expiring_credentials(db.session, now.date())
    db.session.commit()
    click.echo(f"Queued {overdue} overdue-report reminder(s), {unopened} unopened-referral "
               f"notice(s) and {expiring} expiry notice(s).")


@notifications_cli.command("deliver")
def deliver_command() -> None:
    """Send queued messages that are due, now (retries after failures included)."""
    if current_app.config["MAIL_BACKEND"] != "smtp":
        click.echo("MAIL_BACKEND is not smtp: messages stay in the outbox, nothing to send.")
        return
    report = deliver_due(db.session, send_by_smtp, utcnow())
    click.echo(f"Sent {report.sent}; {report.retrying} will be retried; "
               f"{report.failed} failed for good.")
