"""Imports through the API and the command line, shared by the import tests."""

from __future__ import annotations

import io

from tests.factories import as_csv

URL = "/api/v1/imports"


def upload(client, content: bytes, filename: str = "list.csv", issuer: str = "NSCA", **form):
    data = {"file": (io.BytesIO(content), filename), "issuer": issuer, **form}
    return client.post(URL, data=data, content_type="multipart/form-data")


def finished_job(client, response) -> dict:
    """The job a 202 answer queued, as it ended (tests run jobs as they are queued)."""
    assert response.status_code == 202, response.json
    job = client.get(response.headers["Location"]).json
    assert job["status"] in ("done", "failed"), job
    return job


def report_of(client, response) -> dict:
    """The report of the import a 202 answer queued: a dry run's, or the applied batch's."""
    job = finished_job(client, response)
    assert job["status"] == "done", job
    return job["report"] if job["dry_run"] else client.get(f"{URL}/{job['batch_id']}").json


def refusal_of(client, response) -> dict:
    """Why the import a 202 answer queued was refused: its errors by field."""
    job = finished_job(client, response)
    assert job["status"] == "failed", job
    return job["errors"]


def imported(client, rows: list[dict], **form) -> dict:
    """Apply a CSV of `rows`; the report."""
    return report_of(client, upload(client, as_csv(rows), **form))


def row_actions(report: dict) -> list[str]:
    return [row["action"] for row in report["rows"]]


def flask_import(app, path, *options, issuer: str = "NSCA"):
    return app.test_cli_runner().invoke(
        args=["credentials", "import", str(path), "--issuer", issuer, *options])
