"""Imports as background jobs: a page or the API queues the file, the worker runs it.

The request checks only what is cheap (issuer, profile, mapping, size) and answers at
once; reading, reconciling and applying happen in the worker, which writes its progress
as it goes (in transactions of their own, so a page can show it) and the outcome in the
same transaction as the import it applies.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import asdict
from datetime import timedelta

from flask import current_app, g
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.exceptions import ServiceUnavailable

from directory.audit.services import Actor
from directory.db import utcnow
from directory.errors import InvalidInput
from directory.imports.models import ImportJob, JobStatus
from directory.imports.schemas import ReportSchema
from directory.imports.services import ImportOptions, check_options, prepare_import, run_import
from directory.jobs import enqueue

log = logging.getLogger(__name__)
PREVIEW_LIFETIME = timedelta(hours=24)  # a dry run's file, kept to be applied
# A running job whose progress has not moved for this long lost its worker (a crash or
# a restart mid-run): nothing of it was applied, since applying is all or nothing.
STALLED_AFTER = timedelta(minutes=30)
PROGRESS_EVERY_SECONDS = 0.5
NOT_QUEUED = ("The background queue is unreachable, so nothing was imported; try again in a "
              "few minutes.")
UNEXPECTED = ("The import stopped on an unexpected error; nothing changed. Try again, and "
              "tell the site's operators if it happens again.")


def queue_import(session: Session, content: bytes, filename: str, options: ImportOptions,
                 curator_id: int | None) -> ImportJob:
    """Check the options, keep the file and queue its import; the job, committed."""
    issuer, _, _ = check_options(session, options, current_app.config["DATA_DIR"])
    stored = {key: value for key, value in asdict(options).items() if key != "issuer"}
    return _queued(session, ImportJob(
        curator_id=curator_id, filename=filename[:255], issuer=issuer, options=stored,
        sha256=hashlib.sha256(content).hexdigest(), size_bytes=len(content),
        content=content))


def import_options(job: ImportJob) -> ImportOptions:
    """The options a job was queued with (queue_import stores them beside the issuer)."""
    return ImportOptions(job.issuer, **{**job.options, "mapping": tuple(job.options["mapping"])})


def apply_dry_run(session: Session, dry_run: ImportJob, curator_id: int | None) -> ImportJob:
    """Queue a finished preview's real import, as `curator_id`'s, once: the new job, or
    the one an earlier (or simultaneous) apply queued."""
    if dry_run.applied_as_id is not None:
        return session.get(ImportJob, dry_run.applied_as_id)
    if not (dry_run.dry_run and dry_run.status is JobStatus.DONE):
        raise InvalidInput({"job": [f"Import job {dry_run.id} is not a finished preview."]})
    if preview_expired(dry_run):
        raise InvalidInput({"job": ["That preview has expired; upload the file again."]})
    content = dry_run.content
    # Only one apply takes the preview's file: a double click's second finds it taken,
    # and goes to the job the first queued.
    taken = session.execute(update(ImportJob).where(
        ImportJob.id == dry_run.id, ImportJob.applied_as_id.is_(None),
        ImportJob.content.is_not(None)).values(content=None)).rowcount
    if not taken:
        session.refresh(dry_run)
        return apply_dry_run(session, dry_run, curator_id)
    job = ImportJob(curator_id=curator_id, filename=dry_run.filename, issuer=dry_run.issuer,
                    options={**dry_run.options, "dry_run": False}, sha256=dry_run.sha256,
                    size_bytes=dry_run.size_bytes, content=content)
    session.add(job)
    session.flush()
    dry_run.applied_as_id = job.id
    return _queued(session, job)


def _queued(session: Session, job: ImportJob) -> ImportJob:
    session.add(job)
    session.flush()
    job_id = job.id
    session.commit()
    # Queued with nothing open in this session: with JOBS_IMMEDIATE the job runs here
    # and now, in a session of its own, and must not run inside this one's transaction.
    try:
        enqueue("import_credentials", job_id)
    except Exception as error:  # the queue's store (Redis, a file) is unreachable
        log.exception("Import job %s could not be queued.", job_id)
        _finish(session, job, JobStatus.FAILED, errors={"file": [NOT_QUEUED]})
        raise ServiceUnavailable(NOT_QUEUED) from error
    return job


def run_job(session: Session, job_id: int) -> None:
    """Run a queued import to its end: done (applied, or a dry run's report) or failed."""
    if not _claim(session, job_id):
        return  # run already: a queue may deliver a task twice
    job = session.get(ImportJob, job_id)
    if job.curator is not None:
        g.actor = Actor(job.curator.id, job.curator.role.value)  # the audit log names them
    data_dir = current_app.config["DATA_DIR"]
    try:
        prepared = prepare_import(session, job.content, job.filename, import_options(job),
                                  data_dir)
        progress = Progress(session, job_id, len(prepared.table.rows))
        report = run_import(session, prepared, data_dir, job.curator_id, progress.advance)
    except InvalidInput as error:
        session.rollback()
        _finish(session, job, JobStatus.FAILED, errors=error.errors)
        return
    except Exception:
        session.rollback()
        log.exception("Import job %s stopped on an unexpected error.", job_id)
        _finish(session, job, JobStatus.FAILED, errors={"file": [UNEXPECTED]})
        return
    if report["dry_run"]:
        job.report = ReportSchema().dump(report)
    else:
        job.batch_id = report["batch_id"]
    # A real run's outcome commits with the import itself: never one without the other.
    _finish(session, job, JobStatus.DONE)


def _claim(session: Session, job_id: int) -> bool:
    claimed = session.execute(update(ImportJob).where(
        ImportJob.id == job_id, ImportJob.status == JobStatus.QUEUED).values(
        status=JobStatus.RUNNING, updated_at=utcnow())).rowcount
    session.commit()
    return claimed == 1


def _finish(session: Session, job: ImportJob, status: JobStatus,
            errors: dict | None = None) -> None:
    job.status, job.errors, job.finished_at = status, errors, utcnow()
    log.info("Import job %s %s.", job.id, status.value)
    if not (status is JobStatus.DONE and job.dry_run):
        job.content = None  # used: only a dry run's is kept, to be applied
    session.commit()


class Progress:
    """Counts rows reconciled and writes the count, at most twice a second, in a
    transaction of its own: the import's own transaction shows nobody anything."""

    def __init__(self, session: Session, job_id: int, total: int):
        self.bind, self.job_id, self.total = session.get_bind(), job_id, total
        self.done, self.written_at = 0, 0.0
        self._write(rows_total=total)

    def advance(self, rows: int) -> None:
        self.done += rows
        last = self.done >= self.total  # all reconciled: the page says "applying"
        if last or time.monotonic() - self.written_at >= PROGRESS_EVERY_SECONDS:
            self._write(rows_done=self.done)

    def _write(self, **values) -> None:
        with Session(self.bind, join_transaction_mode="create_savepoint") as session:
            session.execute(update(ImportJob).where(ImportJob.id == self.job_id).values(
                updated_at=utcnow(), **values))
            session.commit()
        self.written_at = time.monotonic()


def expire_jobs(session: Session) -> None:
    """Forget dry runs' files after a day, and fail jobs whose worker stopped mid-run."""
    now = utcnow()
    session.execute(update(ImportJob).where(
        ImportJob.status == JobStatus.DONE, ImportJob.content.is_not(None),
        ImportJob.finished_at < now - PREVIEW_LIFETIME).values(content=None))
    session.execute(update(ImportJob).where(
        ImportJob.status == JobStatus.RUNNING, ImportJob.updated_at < now - STALLED_AFTER)
        .values(status=JobStatus.FAILED, finished_at=now, content=None, errors={"file": [
            "The worker stopped while running this import; nothing changed. Upload the "
            "file again."]}))
    session.commit()


def preview_expired(job: ImportJob) -> bool:
    """Whether a finished preview is too old to apply, or its file already cleared."""
    return not job.has_content or job.finished_at < utcnow() - PREVIEW_LIFETIME


def latest_jobs(session: Session, limit: int = 10) -> list[ImportJob]:
    """The newest jobs, for the imports page to show what is queued or running."""
    return list(session.scalars(select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)))
