"""`flask credentials import`: the same import as the API, from a file on disk."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from directory.audit.models import AuditEvent
from directory.credentials.models import Credential
from directory.imports import services
from directory.imports.models import ImportBatch, ImportRow
from directory.trainers.models import Trainer
from tests.directory.imports.helpers import flask_import

TABLES = (Trainer, Credential, ImportBatch, ImportRow, AuditEvent)
CANONICAL = ("first_name,last_name,certification,credential_number,status,expires_on,email,"
             "postal_code\n"
             "Zoe,Newman,NSCA-CPT,NS-1003,active,2027-06-30,zoe.newman@example.com,98101\n"
             "Priya,Raman,NSCA-CSCS,NS-1004,active,2028-01-15,priya@example.org,60601\n")
# The NSCA's own headers and words: "Not Certified", day-month-year dates.
NSCA_OWN = ("FirstName,LastName,Credential,Certification ID,Cert Status,Recertification Date,"
            "Postal Code\n"
            "Zoe,Newman,CSCS,NS-1003,Not Certified,30-Jun-2027,98101\n")
# Headers no profile knows.
ODD = ("Given,Surname,Qualification,Cert No,Zip\n"
       "Zoe,Newman,NSCA-CPT,NS-1003,98101\n")


def counts(session) -> dict[str, int]:
    return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in TABLES}


@pytest.fixture
def write(tmp_path):
    """Write a list to a file in tmp_path; its path."""
    def make(text: str | bytes, name: str = "list.csv"):
        path = tmp_path / name
        if isinstance(text, str):
            path.write_text(text, encoding="utf-8")
        else:
            path.write_bytes(text)
        return path
    return make


def only_batch(session) -> ImportBatch:
    session.expire_all()
    [batch] = session.scalars(select(ImportBatch)).all()
    return batch


def test_an_import_prints_its_summary(app, session, write):
    result = flask_import(app, write(CANONICAL))

    assert result.exit_code == 0, result.output
    batch = only_batch(session)
    assert f"Import {batch.id} applied. NSCA, 2 rows:" in result.stdout
    summary = dict(line.split() for line in result.stdout.splitlines()
                   if line.startswith("  ") and len(line.split()) == 2)
    assert summary == {"created": "2", "linked": "0", "updated": "0", "unchanged": "0",
                       "review": "0", "rejected": "0"}
    assert counts(session)["trainers"] == 2


def test_rejected_rows_are_listed_with_their_reason(app, write):
    text = CANONICAL + "Hana,Sato,NSCA-CPT,NS-1005,active,2027-02-30,hana@example.org,78701\n"

    result = flask_import(app, write(text))

    assert result.exit_code == 0, result.output
    assert "rejected   1" in result.stdout
    assert "row 3: expires_on: '2027-02-30' is not a real date" in result.stderr


def test_a_dry_run_writes_nothing_and_says_so(app, session, write):
    before = counts(session)

    result = flask_import(app, write(CANONICAL), "--dry-run")

    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was written. NSCA, 2 rows:" in result.stdout.splitlines()
    assert "created    2" in result.stdout
    assert counts(session) == before


def test_report_writes_the_json_report(app, session, write, tmp_path):
    path = tmp_path / "out" / "report.json"
    path.parent.mkdir()

    result = flask_import(app, write(CANONICAL), "--report", str(path))

    assert result.exit_code == 0, result.output
    report = json.loads(path.read_text(encoding="utf-8"))
    assert set(report) == {"batch_id", "issuer", "dry_run", "summary", "rows"}
    assert (report["batch_id"], report["issuer"], report["dry_run"]) == (
        only_batch(session).id, "NSCA", False)
    assert report["summary"] == only_batch(session).summary
    [first, second] = report["rows"]
    assert set(first) == {"row", "action", "trainer_id", "confidence", "reasons", "errors"}
    assert (first["row"], first["action"], second["row"]) == (1, "created", 2)
    trainer_ids = set(session.scalars(select(Credential.trainer_id)))
    assert {first["trainer_id"], second["trainer_id"]} == trainer_ids


def test_a_dry_run_report_has_no_batch(app, session, write, tmp_path):
    path = tmp_path / "report.json"

    result = flask_import(app, write(CANONICAL), "--dry-run", "--report", str(path))

    assert result.exit_code == 0, result.output
    report = json.loads(path.read_text(encoding="utf-8"))
    assert (report["batch_id"], report["dry_run"]) == (None, True)
    assert [row["action"] for row in report["rows"]] == ["created", "created"]


def test_the_report_matches_what_the_api_stores(app, curator, write, tmp_path):
    path = tmp_path / "report.json"
    flask_import(app, write(CANONICAL), "--report", str(path))
    report = json.loads(path.read_text(encoding="utf-8"))

    stored = curator.get(f"/api/v1/imports/{report['batch_id']}")

    assert stored.json == report


def test_the_named_profile_reads_the_issuers_headers_and_words(app, session, write):
    # Listed as certified first, so that the lapsed list has a credential to update.
    assert flask_import(app, write(NSCA_OWN.replace("Not Certified", "Certified")),
                        "--profile", "nsca").exit_code == 0

    result = flask_import(app, write(NSCA_OWN), "--profile", "nsca")

    assert result.exit_code == 0, result.output
    session.expire_all()
    saved = session.scalar(select(Credential))
    assert (saved.credential_number, saved.certification.code, saved.status.value,
            saved.expires_on.isoformat()) == ("NS-1003", "NSCA-CSCS", "expired", "2027-06-30")
    assert {batch.profile for batch in session.scalars(select(ImportBatch))} == {"nsca"}


def test_the_canonical_profile_does_not_read_an_issuers_headers(app, session, write):
    result = flask_import(app, write(NSCA_OWN), "--profile", "canonical")

    assert result.exit_code != 0
    assert "Missing required columns" in result.output
    assert counts(session)["import_batches"] == 0


def test_map_names_headers_the_profile_does_not_know(app, session, write):
    result = flask_import(app, write(ODD), "--map", "Given=first_name",
                          "--map", "Surname=last_name", "--map", "Qualification=certification",
                          "--map", "Cert No=credential_number", "--map", "Zip=postal_code")

    assert result.exit_code == 0, result.output
    session.expire_all()
    saved = session.scalar(select(Credential))
    assert (saved.credential_number, saved.trainer.last_name, saved.trainer.postal_code) == (
        "NS-1003", "Newman", "98101")


def test_curator_is_recorded_on_the_batch_and_as_the_audit_actor(
        app, session, user_factory, write):
    curator = user_factory("curator", email="Cora@Example.com")

    result = flask_import(app, write(CANONICAL), "--curator", "  cora@example.com ")

    assert result.exit_code == 0, result.output
    batch = only_batch(session)
    assert batch.curator_id == curator.id
    actors = set(session.execute(select(AuditEvent.actor_id, AuditEvent.actor_role).where(
        AuditEvent.import_batch_id == batch.id)))
    assert actors == {(curator.id, "curator")}


def test_without_curator_the_batch_and_its_changes_are_the_systems(
        app, session, write):
    assert flask_import(app, write(CANONICAL)).exit_code == 0

    batch = only_batch(session)
    assert batch.curator_id is None
    actors = set(session.execute(select(AuditEvent.actor_id, AuditEvent.actor_role).where(
        AuditEvent.import_batch_id == batch.id)))
    assert actors == {(None, "system")}


@pytest.mark.parametrize("role", ["doctor", "unknown"])
def test_a_curator_email_that_is_not_staff_is_refused(app, session, user_factory,
                                                      write, role):
    email = "someone@example.com"
    if role != "unknown":
        user_factory(role, email=email)
    before = counts(session)

    result = flask_import(app, write(CANONICAL), "--curator", email)

    assert result.exit_code != 0
    assert f"{email} is not an active curator or admin account" in result.output
    assert counts(session) == before


@pytest.mark.parametrize(("text", "options", "reason"), [
    ("", (), "The file is empty."),
    (b"\x00\x01\x02binary\x00", (), "looks binary"),
    ("FirstName,LastName\nZoe,Newman\n", (), "Missing required columns"),
    (CANONICAL, ("--profile", "nope"), "Unknown profile 'nope'"),
    (CANONICAL, ("--map", "Cert No"), "'Cert No' is not 'Header=column'"),
    (CANONICAL, ("--map", "Cert No=number"), "'number' is not a column"),
], ids=["empty", "binary", "missing-columns", "unknown-profile", "map-without-equals",
        "map-to-unknown-column"])
def test_a_refused_import_exits_non_zero_saying_nothing_changed_and_why(
        app, session, write, text, options, reason):
    before = counts(session)

    result = flask_import(app, write(text), *options)

    assert result.exit_code == 1, result.output
    assert "nothing changed" in result.output
    assert reason in result.output
    assert counts(session) == before


def test_an_unknown_issuer_is_refused_naming_the_known_ones(app, session, write):
    result = flask_import(app, write(CANONICAL), issuer="XYZ")

    assert result.exit_code == 1, result.output
    assert "nothing changed" in result.output
    assert "Unknown issuer 'XYZ'" in result.output and "NSCA" in result.output
    assert counts(session)["import_batches"] == 0


def test_a_file_over_the_limit_is_refused_saying_nothing_changed(app, session, write):
    path = write(CANONICAL)
    app.config["IMPORT_MAX_BYTES"] = 100
    before = counts(session)

    result = flask_import(app, path)

    assert result.exit_code == 1, result.output
    assert "IMPORT_MAX_BYTES" in result.output
    assert "nothing changed" in result.output
    assert counts(session) == before


def test_a_missing_file_is_refused_by_name(app, tmp_path):
    result = flask_import(app, tmp_path / "nowhere.csv")

    assert result.exit_code == 2
    assert "nowhere.csv" in result.output and "does not exist" in result.output


def test_running_the_same_file_again_changes_nothing(app, session, write):
    path = write(CANONICAL)
    assert flask_import(app, path).exit_code == 0
    stamps = session.execute(select(Credential.id, Credential.updated_at)).all()

    result = flask_import(app, path)

    assert result.exit_code == 0, result.output
    assert "unchanged  2" in result.stdout
    assert session.execute(select(Credential.id, Credential.updated_at)).all() == stamps
    assert counts(session)["trainers"] == 2


@pytest.mark.parametrize("name", ["credential_values_from_row", "_import_row"])
def test_a_crash_midway_leaves_the_database_as_it_was(monkeypatch, app, session, write, name):
    original, seen = getattr(services, name), []

    def flaky(*args, **kwargs):
        seen.append(1)
        if len(seen) > 1:
            raise RuntimeError("disk on fire")
        return original(*args, **kwargs)

    monkeypatch.setattr(services, name, flaky)
    before = counts(session)

    result = flask_import(app, write(CANONICAL))

    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError)
    assert counts(session) == before


def test_columns_the_import_does_not_read_are_named(app, write):
    text = ("first_name,last_name,certification,credential_number,postal_code,Notes\n"
            "Zoe,Newman,NSCA-CPT,NS-1003,98101,call first\n")

    result = flask_import(app, write(text))

    assert result.exit_code == 0, result.output
    assert "Columns not read: Notes" in result.stderr
