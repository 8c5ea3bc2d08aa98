"""Imports through the API and the command line, shared by the import tests."""

from __future__ import annotations

import io

from tests.factories import as_csv

URL = "/api/v1/imports"


def upload(client, content: bytes, filename: str = "list.csv", issuer: str = "NSCA", **form):
    data = {"file": (io.BytesIO(content), filename), "issuer": issuer, **form}
    return client.post(URL, data=data, content_type="multipart/form-data")


def imported(client, rows: list[dict], **form) -> dict:
    """Apply a CSV of `rows`; the report."""
    response = upload(client, as_csv(rows), **form)
    assert response.status_code == 201, response.json
    return response.json


def row_actions(report: dict) -> list[str]:
    return [row["action"] for row in report["rows"]]


def flask_import(app, path, *options, issuer: str = "NSCA"):
    return app.test_cli_runner().invoke(
        args=["credentials", "import", str(path), "--issuer", issuer, *options])
