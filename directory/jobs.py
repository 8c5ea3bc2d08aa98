"""Background jobs on huey: credential imports, mail retries and the reminder scan.

Each app has one Huey, its queue where JOBS_URL says: a SQLite file in the instance
folder by default (embedded: `make run` needs no other service), or Redis. The worker
is `flask jobs worker`; each task runs in an app context of its own. With
JOBS_IMMEDIATE (the tests' setting) a task runs at once, in the process that queues it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from huey import Huey, RedisHuey, SqliteHuey, crontab
from redis import ConnectionPool

from directory.db import today, utcnow
from directory.extensions import db

log = logging.getLogger(__name__)
HEARTBEAT = "worker-heartbeat"
# Longer than the heartbeat's minute, with room for a busy scheduler.
WORKER_SILENT_AFTER_SECONDS = 150
REDIS_CONNECT_TIMEOUT_SECONDS = 1

jobs_cli = AppGroup("jobs", help="The background worker and its queue.")


@dataclass(frozen=True)
class Jobs:
    huey: Huey
    tasks: dict[str, Callable]  # what the app queues, by name


def init_jobs(app: Flask) -> None:
    huey = _huey(app.config["JOBS_URL"], app.config["JOBS_IMMEDIATE"])
    app.extensions["jobs"] = Jobs(huey, _register_tasks(huey, app))


def _huey(url: str, immediate: bool) -> Huey:
    if url.startswith(("redis://", "rediss://")):
        # A Redis that does not answer fails a request's enqueue (or /readyz) in a
        # second, not at the operating system's connect timeout.
        pool = ConnectionPool.from_url(url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS)
        return RedisHuey("referfit", connection_pool=pool, immediate=immediate)
    if url.startswith("sqlite:///"):
        return SqliteHuey("referfit", filename=url.removeprefix("sqlite:///"),
                          immediate=immediate)
    raise ValueError(f"JOBS_URL must be sqlite:///<file> or redis://<host>, not {url!r}.")


def queue() -> Huey:
    return current_app.extensions["jobs"].huey


def enqueue(name: str, *args) -> None:
    """Queue the task `name` (one of _register_tasks's) to run with `args`."""
    current_app.extensions["jobs"].tasks[name](*args)


def _register_tasks(huey: Huey, app: Flask) -> dict[str, Callable]:
    from directory.imports.jobs import expire_jobs, run_job
    from directory.notifications import events
    from directory.notifications.services import deliver_due, send_by_smtp

    def in_app_context(task: Callable) -> Callable:
        @wraps(task)
        def run(*args):
            with app.app_context():
                try:
                    return task(*args)
                finally:
                    db.session.remove()
        return run

    @huey.task(name="import_credentials")
    @in_app_context
    def import_credentials(job_id: int) -> None:
        run_job(db.session, job_id)

    @huey.periodic_task(crontab(minute="*"), name="deliver_mail")
    @in_app_context
    def deliver_mail() -> None:
        """Retry mail that failed (fresh mail goes straight after its commit)."""
        if current_app.config["MAIL_BACKEND"] == "smtp":
            deliver_due(db.session, send_by_smtp, utcnow())

    # Hourly, though the reminders are daily: each goes once, and a worker that was
    # down at one hour catches up at the next.
    @huey.periodic_task(crontab(minute="7"), name="scan_notifications")
    @in_app_context
    def scan_notifications() -> None:
        events.overdue_reports(db.session, today())
        events.unopened_referrals(db.session, utcnow())
        events.expiring_credentials(db.session, today())
        db.session.commit()

    @huey.periodic_task(crontab(minute="*/10"), name="expire_import_jobs")
    @in_app_context
    def expire_import_jobs() -> None:
        expire_jobs(db.session)

    @huey.periodic_task(crontab(minute="*"), name="heartbeat")
    def heartbeat() -> None:
        beat(huey)

    @huey.on_startup()
    def started() -> None:
        beat(huey)

    return {"import_credentials": import_credentials}


def beat(huey: Huey) -> None:
    huey.put(HEARTBEAT, time.time())


def worker_state() -> str:
    """For /readyz: whether a worker has been seen lately, and what waits for it."""
    huey = queue()
    if huey.immediate:
        return "ok"  # tasks run in the process that queues them
    try:
        last = huey.get(HEARTBEAT, peek=True)
        waiting = huey.pending_count()
    except Exception:  # noqa: BLE001  (the queue's store is down: say so, do not fail)
        log.warning("The job queue cannot be read.", exc_info=True)
        return "down: the job queue cannot be read"
    if last is None or time.time() - last > WORKER_SILENT_AFTER_SECONDS:
        return f"no worker seen: run flask jobs worker ({waiting} job(s) waiting)"
    return "ok"


@jobs_cli.command("worker")
@click.option("--workers", default=2, show_default=True,
              help="Threads running jobs (imports, mail); periodic jobs run beside them.")
def worker_command(workers: int) -> None:
    """Run queued jobs and the periodic ones (mail retries, reminders) until stopped."""
    huey = queue()
    if huey.immediate:
        raise click.ClickException("JOBS_IMMEDIATE is set: tasks run where they are "
                                   "queued, and there is nothing for a worker to do.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("huey").setLevel(logging.WARNING)  # not a line per task a minute
    click.echo(f"Job worker: {workers} thread(s), queue in {type(huey.storage).__name__}; "
               "stop it with Ctrl-C.")
    huey.create_consumer(workers=workers, periodic=True).run()
