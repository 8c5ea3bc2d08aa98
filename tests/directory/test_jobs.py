"""Background jobs: a real worker (`flask jobs worker`, its own process) runs an uploaded
import while the page shows its progress; the periodic jobs and their housekeeping."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from directory.config import REPO_ROOT
from directory.credentials.models import Credential
from directory.db import utcnow
from directory.extensions import db
from directory.imports.jobs import PREVIEW_LIFETIME, STALLED_AFTER, expire_jobs, run_job
from directory.imports.models import ImportJob, JobStatus
from directory.jobs import init_jobs, queue
from directory.notifications.models import Message
from directory.trainers.models import Trainer
from tests.directory.imports.helpers import URL, upload
from tests.factories import as_csv, credential_payload, make_trainer, make_user, person
from tests.web import sign_in

WORKER_START_SECONDS = 60


def people(count: int) -> list[dict]:
    return [person(first_name=f"Zoe{n}", last_name=f"Newman{n}",
                   credential_number=f"NS-{5000 + n}", email=f"zoe{n}@example.org")
            for n in range(count)]


@pytest.fixture
def queued_jobs(app, tmp_path):
    """The app's jobs on a real queue (a SQLite file) that only a worker runs."""
    app.config.update(JOBS_IMMEDIATE=False, JOBS_URL=f"sqlite:///{tmp_path / 'jobs.sqlite3'}")
    init_jobs(app)  # fresh_state puts the immediate queue back afterwards
    return app


@pytest.fixture
def worker(queued_jobs, database_url, tmp_path):
    """Start `flask jobs worker` on the test's database and queue; stop it by its pid."""
    def start() -> subprocess.Popen:
        env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": database_url,
               "JOBS_URL": queued_jobs.config["JOBS_URL"],
               "SEARCH_INDEX_DIR": queued_jobs.config["SEARCH_INDEX_DIR"]}
        with open(tmp_path / "worker.log", "wb") as log:
            started.append(subprocess.Popen(
                [sys.executable, "-m", "flask", "jobs", "worker", "--workers", "1"],
                cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        return started[-1]

    started: list[subprocess.Popen] = []
    yield start
    for process in started:
        process.send_signal(signal.SIGINT)  # huey's graceful stop
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(condition, seconds: float = WORKER_START_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s")


@pytest.mark.real_commits
def test_a_worker_runs_an_uploaded_import_while_the_page_shows_its_progress(
        queued_jobs, worker, curator, client, session, user_factory):
    sign_in(client, user_factory("curator").email)
    answer = upload(curator, as_csv(people(300)))
    assert answer.status_code == 202, answer.json
    job_url = answer.headers["Location"]
    assert curator.get(job_url).json["status"] == "queued"
    page = client.get(job_url.replace("/api/v1/imports/jobs", "/imports/jobs"))
    assert 'http-equiv="refresh"' in page.get_data(as_text=True)
    assert "no worker seen" in page.get_data(as_text=True)
    assert client.get("/readyz").json["checks"]["worker"].startswith("no worker seen")

    worker()
    job = wait_for(lambda: (j := curator.get(job_url).json)["status"] in ("done", "failed")
                   and j)

    assert job["status"] == "done", job
    assert (job["rows_total"], job["rows_done"]) == (300, 300)
    report = curator.get(f"{URL}/{job['batch_id']}").json
    assert report["summary"]["rows"] == 300, report["summary"]
    assert session.scalar(select(func.count(Credential.id)).where(
        Credential.credential_number.like("NS-5%"))) == report["summary"]["created"] > 0
    assert client.get("/readyz").json["checks"]["worker"] == "ok"
    done = client.get(job_url.replace("/api/v1/imports/jobs", "/imports/jobs"))
    assert done.status_code == 302 and done.location.endswith(f"/imports/{job['batch_id']}")


def test_the_job_page_shows_rows_done_of_total_and_refreshes_itself(client, session, curator,
                                                                    user_factory):
    job = ImportJob(filename="big.csv", issuer="NSCA", options={"dry_run": False},
                    sha256="0" * 64, size_bytes=1, status=JobStatus.RUNNING, rows_done=120,
                    rows_total=1000)
    session.add(job)
    session.commit()
    sign_in(client, user_factory("curator").email)
    page = client.get(f"/imports/jobs/{job.id}").get_data(as_text=True)
    assert '<progress aria-label="Rows reconciled" value="120" max="1000">' in page
    assert "120 of 1000" in page and 'http-equiv="refresh"' in page
    shown = curator.get(f"{URL}/jobs/{job.id}").json
    assert (shown["status"], shown["rows_done"], shown["rows_total"]) == ("running", 120, 1000)


def test_a_job_twice_delivered_runs_once(app, curator, session):
    answer = upload(curator, as_csv([person()]))
    job_id = curator.get(answer.headers["Location"]).json["id"]
    run_job(db.session, job_id)  # delivered again: already done, nothing happens
    assert len(session.scalars(select(Trainer).where(Trainer.last_name == "Newman")).all()) == 1


def test_housekeeping_forgets_old_previews_and_fails_jobs_whose_worker_died(session):
    long_ago = utcnow() - max(PREVIEW_LIFETIME, STALLED_AFTER) - timedelta(minutes=1)
    old_preview, fresh_preview, stalled = (
        ImportJob(filename=name, issuer="NSCA", options={"dry_run": dry}, sha256="0" * 64,
                  size_bytes=1, content=b"x", status=status)
        for name, dry, status in (("old.csv", True, JobStatus.DONE),
                                  ("fresh.csv", True, JobStatus.DONE),
                                  ("stalled.csv", False, JobStatus.RUNNING)))
    session.add_all([old_preview, fresh_preview, stalled])
    session.flush()
    session.execute(update(ImportJob).where(ImportJob.id.in_([old_preview.id, stalled.id]))
                    .values(finished_at=long_ago, updated_at=long_ago))
    session.execute(update(ImportJob).where(ImportJob.id == fresh_preview.id)
                    .values(finished_at=utcnow()))
    session.commit()

    expire_jobs(session)

    session.expire_all()
    assert (old_preview.content, fresh_preview.content) == (None, b"x")
    assert stalled.status is JobStatus.FAILED and "worker stopped" in stalled.errors["file"][0]


def test_the_reminder_scan_and_mail_retries_are_periodic_jobs(app, session):
    periodic = {task.__name__: task for task in queue()._registry._periodic_tasks}
    assert {"scan_notifications", "deliver_mail", "expire_import_jobs", "heartbeat"} <= set(
        periodic)
    soon = (utcnow() + timedelta(days=30)).date().isoformat()
    make_trainer(session, credentials=[credential_payload(expires_on=soon)])
    make_user(session, "curator")
    session.commit()

    periodic["scan_notifications"]().execute()  # what the worker does each hour

    assert session.scalar(select(Message).where(Message.subject.contains("expir"))) is not None


def test_an_unreachable_queue_is_a_clear_503_and_the_job_says_it_failed(
        curator, session, monkeypatch):
    def unreachable(*_args):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr("directory.imports.jobs.enqueue", unreachable)
    answer = upload(curator, as_csv([person()]))

    assert answer.status_code == 503, answer.json
    assert "queue is unreachable" in answer.json["message"]
    job = session.scalar(select(ImportJob))
    assert (job.status, job.content) == (JobStatus.FAILED, None)
    assert session.scalar(select(Trainer).where(Trainer.last_name == "Newman")) is None
