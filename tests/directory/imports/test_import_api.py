"""POST /api/v1/imports and the recorded batches: formats, dry runs, re-runs, updates,
refusals, row-level rejections and all-or-nothing writes."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from directory.audit.models import AuditEvent
from directory.credentials.models import Credential
from directory.db import today
from directory.imports import services
from directory.imports.jobs import UNEXPECTED
from directory.imports.models import ImportBatch, ImportRow
from directory.trainers.models import Trainer
from tests.directory.imports.helpers import (
    URL,
    finished_job,
    imported,
    refusal_of,
    report_of,
    row_actions,
    upload,
)
from tests.factories import NEWMAN, as_csv, credential_payload, make_trainer, person

TABLES = (Trainer, Credential, ImportBatch, ImportRow, AuditEvent)
OKAFOR = {"first_name": "Chidi", "last_name": "Okafor", "certification": "NSCA-CSCS",
          "credential_number": "NS-1004", "status": "active", "expires_on": "2028-01-15",
          "email": "chidi.okafor@example.com", "postal_code": "60614"}
# Clearly different people: no name, email or postal code in common.
OTHERS = [
    {"first_name": first, "last_name": last, "certification": "NSCA-CPT",
     "credential_number": f"NS-{3000 + n}", "expires_on": "2027-06-30",
     "email": f"{first.lower()}@example.org", "postal_code": postal}
    for n, (first, last, postal) in enumerate([
        ("Priya", "Raman", "60601"), ("Mateo", "Silva", "33101"), ("Hana", "Sato", "78701")])]
NSCA_HEADER = ("FirstName,LastName,Credential,Certification ID,Cert Status,"
               "Recertification Date,E-mail,Postal Code\n")


def as_json(rows: list[dict]) -> bytes:
    return json.dumps(rows).encode()


def as_json_lines(rows: list[dict]) -> bytes:
    return "\n".join(json.dumps(row) for row in rows).encode() + b"\n"


def as_xlsx(rows: list[dict]) -> bytes:
    """A workbook whose expiry cells are real spreadsheet dates, not text."""
    workbook = Workbook()
    headers = list(rows[0])
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append([date.fromisoformat(row[h]) if h == "expires_on" else row[h]
                                for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def counts(session) -> dict[str, int]:
    return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in TABLES}


def error_text(answer) -> str:
    """Everything an error answer (or a failed job's errors) says, as one string to look
    for words in."""
    return json.dumps(answer)


def credential(session, number: str) -> Credential:
    session.expire_all()  # the request wrote through its own session
    return session.scalar(select(Credential).where(Credential.credential_number == number))


def trainer_json(client, trainer_id: int) -> dict:
    response = client.get(f"/api/v1/trainers/{trainer_id}")
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def holder(session):
    """A trainer already in the directory, with an NSCA credential of their own."""
    return make_trainer(session, first_name="Ana", last_name="Okonkwo",
                        email="ana@example.com", postal_code="10001", conditions=[],
                        credentials=[credential_payload(certification="NSCA-CSCS",
                                                        credential_number="NS-5000")])


# Formats


@pytest.mark.parametrize(("filename", "encode"), [
    ("list.csv", as_csv), ("list.json", as_json), ("list.jsonl", as_json_lines),
    ("list.xlsx", as_xlsx)], ids=["csv", "json", "json-lines", "xlsx"])
def test_each_format_creates_the_listed_trainer_with_the_credential(
        curator, session, filename, encode):
    [row] = report_of(curator, upload(curator, encode([NEWMAN]), filename))["rows"]

    assert row["action"] == "created" and row["errors"] == []
    saved = credential(session, "NS-1003")
    assert (saved.trainer_id, saved.certification.code, saved.expires_on) == (
        row["trainer_id"], "NSCA-CPT", date(2027, 6, 30))
    assert (saved.trainer.first_name, saved.trainer.last_name) == ("Zoe", "Newman")


def test_issuer_profile_headers_and_words_are_understood(curator, session):
    content = NSCA_HEADER + "Zoe,Newman,CSCS,NS-1003,Certified,30-Jun-2027,,98101\n"
    report_of(curator, upload(curator, content.encode()))
    lapsed = content.replace("Certified", "Not Certified")

    report = report_of(curator, upload(curator, lapsed.encode()))

    assert row_actions(report) == ["updated"]
    assert report["rows"][0]["reasons"] == ["status verified -> expired"]
    saved = credential(session, "NS-1003")
    assert (saved.certification.code, saved.status.value, saved.expires_on) == (
        "NSCA-CSCS", "expired", date(2027, 6, 30))


def test_a_lapsed_or_revoked_credential_never_lists_a_new_trainer(curator, session):
    content = (NSCA_HEADER + "Zoe,Newman,CSCS,NS-1003,Not Certified,30-Jun-2027,,98101\n"
               "Ann,Lee,CSCS,NS-1004,Revoked,30-Jun-2027,,98101\n")

    report = report_of(curator, upload(curator, content.encode()))

    assert row_actions(report) == ["rejected", "rejected"]
    assert [r["errors"][0]["message"] for r in report["rows"]] == [
        "No trainer matches, and an expired credential is no reason to list a new one.",
        "No trainer matches, and a revoked credential is no reason to list a new one."]
    assert counts(session)["trainers"] == 0


# Dry run and the recorded batch


def test_dry_run_reports_what_would_happen_and_writes_nothing(curator, session):
    before = counts(session)

    job = finished_job(curator, upload(curator, as_csv([NEWMAN, OKAFOR]), dry_run="true"))

    assert (job["status"], job["dry_run"], job["batch_id"]) == ("done", True, None)
    report = job["report"]
    assert (report["batch_id"], report["dry_run"]) == (None, True)
    assert row_actions(report) == ["created", "created"]
    assert [row["trainer_id"] for row in report["rows"]] == [None, None]
    assert counts(session) == before


def test_dry_run_and_real_run_report_the_same_actions(curator, holder):
    content = as_csv([NEWMAN, person(OKAFOR, certification="NSCA-CPT",
                                     credential_number="NS-5000"), person(credential_number="")])

    dry = report_of(curator, upload(curator, content, dry_run="true"))
    real = report_of(curator, upload(curator, content))

    assert row_actions(dry) == row_actions(real) == ["created", "rejected", "rejected"]
    assert dry["summary"] == real["summary"]
    assert [r["errors"] for r in dry["rows"]] == [r["errors"] for r in real["rows"]]


def test_real_run_records_the_batch_with_its_file_curator_and_summary(
        curator, session):
    content = as_csv([NEWMAN, OKAFOR])

    report = report_of(curator, upload(curator, content, filename="nsca-2026.csv"))

    assert report["dry_run"] is False
    batch = session.get(ImportBatch, report["batch_id"])
    assert (batch.issuer, batch.profile, batch.filename, batch.file_format) == (
        "NSCA", "nsca", "nsca-2026.csv", "csv")
    assert (batch.sha256, batch.size_bytes) == (hashlib.sha256(content).hexdigest(),
                                                len(content))
    assert batch.curator_id == curator.user.id
    assert batch.summary == report["summary"] == {
        "rows": 2, "created": 2, "linked": 0, "updated": 0, "unchanged": 0, "review": 0,
        "rejected": 0}


def test_recorded_batch_is_listed_and_its_report_reads_back_as_posted(curator, holder):
    posted = imported(curator, [NEWMAN, person(credential_number="bad number!")])

    listed = curator.get(URL).json
    stored = curator.get(f"{URL}/{posted['batch_id']}")

    assert [item["id"] for item in listed["items"]] == [posted["batch_id"]]
    assert listed["items"][0]["summary"] == posted["summary"]
    assert stored.status_code == 200, stored.json
    assert stored.json == posted


def test_batches_are_listed_newest_first(curator):
    first = imported(curator, [NEWMAN])["batch_id"]
    second = imported(curator, [OKAFOR])["batch_id"]

    assert [item["id"] for item in curator.get(URL).json["items"]] == [second, first]


def test_an_import_is_queued_as_a_job_the_curator_follows_at_its_location(curator):
    response = upload(curator, as_csv([NEWMAN]))

    assert response.status_code == 202, response.json
    assert response.headers["Location"] == f"{URL}/jobs/{response.json['id']}"
    followed = curator.get(response.headers["Location"])
    assert followed.status_code == 200, followed.json
    assert (followed.json["id"], followed.json["filename"], followed.json["issuer"]) == (
        response.json["id"], "list.csv", "NSCA")


def test_an_unknown_job_is_404(curator):
    response = curator.get(f"{URL}/jobs/999999")

    assert response.status_code == 404
    assert "999999" in response.json["message"]


def test_an_unknown_batch_is_404(curator):
    response = curator.get(f"{URL}/999999")

    assert response.status_code == 404
    assert "999999" in response.json["message"]


# Re-imports and newer lists


def test_reimporting_the_same_file_reports_every_row_unchanged_and_changes_nothing(
        curator, session):
    content = as_csv([NEWMAN, OKAFOR])
    assert row_actions(report_of(curator, upload(curator, content))) == ["created", "created"]
    stamps = session.execute(select(Trainer.id, Trainer.updated_at)).all()
    credential_stamps = session.execute(select(Credential.id, Credential.updated_at)).all()
    trainers, credentials = counts(session)["trainers"], counts(session)["credentials"]

    again = report_of(curator, upload(curator, content))

    assert row_actions(again) == ["unchanged", "unchanged"]
    assert again["summary"]["unchanged"] == again["summary"]["rows"] == 2
    assert (counts(session)["trainers"], counts(session)["credentials"]) == (
        trainers, credentials)
    assert session.execute(select(Trainer.id, Trainer.updated_at)).all() == stamps
    assert session.execute(select(Credential.id, Credential.updated_at)).all() == \
        credential_stamps
    touched = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.import_batch_id == again["batch_id"],
        AuditEvent.object_type.in_(["trainers", "credentials"])))
    assert touched == 0


def test_a_newer_list_updates_status_and_expiry_and_names_the_change(
        curator, session):
    first = imported(curator, [NEWMAN])

    report = imported(curator, [person(status="revoked", expires_on="2028-06-30")])

    [row] = report["rows"]
    assert (row["action"], row["trainer_id"]) == ("updated", first["rows"][0]["trainer_id"])
    assert sorted(row["reasons"]) == ["expires_on 2027-06-30 -> 2028-06-30",
                                      "status verified -> revoked"]
    saved = credential(session, "NS-1003")
    assert (saved.status.value, saved.expires_on) == ("revoked", date(2028, 6, 30))
    assert str(report["batch_id"]) in saved.verification_source
    shown = trainer_json(curator, row["trainer_id"])["credentials"][0]
    assert (shown["status"], shown["effective_status"]) == ("revoked", "revoked")


def test_a_newer_list_that_leaves_out_the_expiry_keeps_the_recorded_one(
        curator, session):
    imported(curator, [NEWMAN])
    without_expiry = {k: v for k, v in NEWMAN.items() if k != "expires_on"}

    report = imported(curator, [{**without_expiry, "status": "lapsed"}])

    assert report["rows"][0]["reasons"] == ["status verified -> expired"]
    assert credential(session, "NS-1003").expires_on == date(2027, 6, 30)


# Expiry as users see it


@pytest.mark.parametrize("days_left", [0, -1, -400], ids=["today", "yesterday", "last-year"])
def test_a_credential_listed_active_but_past_its_expiry_is_not_shown_verified(
        curator, days_left):
    expiry = (today() + timedelta(days=days_left)).isoformat()

    report = imported(curator, [person(status="active", expires_on=expiry)])

    shown = trainer_json(curator, report["rows"][0]["trainer_id"])["credentials"]
    assert [(c["credential_number"], c["expires_on"], c["effective_status"])
            for c in shown] == [("NS-1003", expiry, "expired")]


def test_a_credential_expiring_tomorrow_is_still_verified(curator):
    expiry = (today() + timedelta(days=1)).isoformat()

    report = imported(curator, [person(expires_on=expiry)])

    shown = trainer_json(curator, report["rows"][0]["trainer_id"])["credentials"]
    assert [c["effective_status"] for c in shown] == ["verified"]


@pytest.mark.parametrize(("valid_through", "effective"), [(0, "verified"), (-1, "expired")],
                         ids=["through-today", "through-yesterday"])
def test_a_last_valid_day_list_counts_that_day_as_valid(curator, valid_through,
                                                          effective):
    day = today() + timedelta(days=valid_through)
    content = ("First,Last,Certification Title,Certificate #,Status,Valid Through,Zip\n"
               f"Zoe,Newman,NCSF CPT,NC-77,Active,{day:%m/%d/%Y},98101\n")

    report = report_of(curator, upload(curator, content.encode(), issuer="NCSF"))

    shown = trainer_json(curator, report["rows"][0]["trainer_id"])["credentials"]
    assert [(c["expires_on"], c["effective_status"]) for c in shown] == [
        ((day + timedelta(days=1)).isoformat(), effective)]


# The audit log and the search index


def test_every_change_an_import_makes_carries_its_batch_id(curator, session):
    imported(curator, [NEWMAN])
    last_before = session.scalar(select(func.max(AuditEvent.id)))

    report = imported(curator, [person(status="revoked"), OKAFOR])

    written = session.execute(select(AuditEvent.object_type, AuditEvent.action,
                                     AuditEvent.import_batch_id)
                              .where(AuditEvent.id > last_before)).all()
    assert {(kind, action) for kind, action, _ in written} >= {
        ("trainers", "create"), ("credentials", "create"), ("credentials", "update")}
    assert {batch for kind, _, batch in written
            if kind != "import_batches"} == {report["batch_id"]}


def test_the_batch_records_own_audit_event_carries_its_batch_id(curator, session):
    report = imported(curator, [NEWMAN])

    recorded = session.scalar(select(AuditEvent).where(
        AuditEvent.object_type == "import_batches",
        AuditEvent.object_id == str(report["batch_id"])))

    assert recorded.import_batch_id == report["batch_id"]


def test_the_audit_log_filters_an_imports_changes_by_batch_id(api_as, curator):
    first = imported(curator, [NEWMAN])["batch_id"]
    second = imported(curator, [OKAFOR])["batch_id"]

    response = api_as("admin").get("/api/v1/audit-events",
                                   query_string={"import_batch_id": second})

    assert response.status_code == 200, response.json
    events = response.json["items"]
    assert {e["import_batch_id"] for e in events} == {second} != {first}
    assert {(e["object_type"], e["action"], e["actor_id"]) for e in events} >= {
        ("trainers", "create", curator.user.id), ("credentials", "create", curator.user.id)}


def test_a_trainer_the_import_creates_is_found_by_search_at_once(curator, client, holder):
    def found(text):
        response = client.get("/api/v1/trainers", query_string={"q": text})
        assert response.status_code == 200, response.json
        return [item["last_name"] for item in response.json["items"]]

    assert found("Newman") == []

    imported(curator, [NEWMAN])

    assert found("Newman") == ["Newman"]


def test_a_search_before_the_first_import_finds_nothing_rather_than_failing(client):
    response = client.get("/api/v1/trainers", query_string={"q": "Newman"})

    assert response.status_code == 200, response.json
    assert response.json["items"] == []


# Refusals: the whole file, before any row


@pytest.mark.parametrize(("content", "filename", "expected"), [
    (b"", "list.csv", "The file is empty."),
    (b"  \n\n", "list.csv", "The file is empty."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "list.csv", "looks binary"),
    (b"FirstName,LastName\n", "list.csv", "no data rows"),
    (b'[{"first_name": "Zoe"', "list.json", "The JSON is not valid"),
], ids=["empty", "blank", "binary", "header-only", "broken-json"])
def test_a_file_that_cannot_be_read_is_refused_with_the_reason(
        curator, session, content, filename, expected):
    before = counts(session)

    errors = refusal_of(curator, upload(curator, content, filename))

    assert expected in error_text(errors)
    assert counts(session) == before


def test_missing_required_columns_are_named(curator, session):
    before = counts(session)

    text = error_text(refusal_of(
        curator, upload(curator, b"FirstName,LastName,Postal Code\nZoe,Newman,98101\n")))

    assert "Missing required columns: certification, credential_number" in text
    assert "'Credential'" in text and "'Certification ID'" in text  # the profile's headers
    assert counts(session) == before


@pytest.mark.parametrize(("form", "expected"), [
    ({"issuer": "XYZ"}, "Unknown issuer 'XYZ'"),
    ({"profile": "nope"}, "Unknown profile 'nope'"),
    ({"profile": "acsm"}, "Profile 'acsm' is for ACSM lists, not NSCA"),
    ({"map": "Certification ID"}, "'Certification ID' is not 'Header=column'"),
    ({"map": "=credential_number"}, "'=credential_number' is not 'Header=column'"),
    ({"map": "Certification ID=number"}, "'number' is not a column"),
], ids=["issuer", "profile", "profile-of-another-issuer", "map-no-equals", "map-no-header",
        "map-unknown-column"])
def test_bad_options_are_refused_with_the_reason_and_nothing_written(
        curator, session, form, expected):
    before = counts(session)

    response = upload(curator, as_csv([NEWMAN]), **form)

    assert response.status_code == 422, response.json
    assert expected in error_text(response.json)
    assert counts(session) == before


def test_a_file_over_the_import_limit_is_refused_and_nothing_written(
        app, curator, session):
    content = as_csv([NEWMAN, OKAFOR])
    app.config["IMPORT_MAX_BYTES"] = len(content) - 1
    before = counts(session)

    response = upload(curator, content)

    assert response.status_code in (413, 422), response.json
    assert "too large" in response.json["message"] or "larger" in response.json["message"]
    assert "split" in error_text(response.json).lower()
    assert counts(session) == before


def test_a_file_far_over_the_limit_is_refused_before_it_is_read(
        app, curator, session):
    app.config["IMPORT_MAX_BYTES"] = 1024
    before = counts(session)

    response = upload(curator, as_csv([person(credential_number=f"NS-{n}")
                                       for n in range(3000)]))

    assert response.status_code == 413, response.json
    assert "nothing was saved" in response.json["message"]
    assert counts(session) == before


def test_a_file_at_the_limit_is_accepted(app, curator):
    content = as_csv([NEWMAN])
    app.config["IMPORT_MAX_BYTES"] = len(content)

    assert row_actions(report_of(curator, upload(curator, content))) == ["created"]


def test_the_import_limit_not_the_general_request_limit_applies_to_uploads(
        app, curator):
    content = as_csv([NEWMAN, *OTHERS])
    app.config["MAX_CONTENT_LENGTH"] = len(content) // 2

    report = report_of(curator, upload(curator, content))

    assert report["summary"]["created"] == 4


# Row by row: values, rejections, duplicates


def test_several_date_formats_in_one_list_read_as_the_same_day(curator, session):
    days = ["2027-06-30", "06/30/2027", "30-Jun-2027"]
    rows = [{**other, "expires_on": day} for other, day in zip(OTHERS, days, strict=True)]

    report = imported(curator, rows)

    assert row_actions(report) == ["created"] * 3
    assert {credential(session, row["credential_number"]).expires_on for row in rows} == {
        date(2027, 6, 30)}


@pytest.mark.parametrize(("value", "expected"), [
    ("02/30/2027", "not a real date"),
    ("2027-13-01", "not a real date"),
    ("next spring", "format"),
], ids=["february-30", "month-13", "words"])
def test_an_impossible_date_rejects_its_row_naming_the_files_column(
        curator, session, value, expected):
    content = NSCA_HEADER + f"Zoe,Newman,CSCS,NS-1003,Certified,{value},,98101\n"

    report = report_of(curator, upload(curator, content.encode()))

    [row] = report["rows"]
    assert row["action"] == "rejected"
    [error] = row["errors"]
    assert (error["column"], error["field"]) == ("Recertification Date", "expires_on")
    assert repr(value) in error["message"] and expected in error["message"]
    assert credential(session, "NS-1003") is None


def test_a_row_expiring_before_it_was_issued_is_rejected(curator, session):
    report = imported(curator, [person(issued_on="2027-07-01", expires_on="2027-06-30")])

    [row] = report["rows"]
    assert row["action"] == "rejected"
    assert [e["field"] for e in row["errors"]] == ["expires_on"]
    assert "2027-07-01" in row["errors"][0]["message"]
    assert credential(session, "NS-1003") is None


def test_stray_whitespace_and_mixed_case_are_tidied(curator, session):
    messy = person(first_name="  Zoe ", last_name=" Newman  ", certification="  nsca-cpt ",
                   credential_number=" ns-1003 ", status=" ACTIVE ",
                   email=" Zoe.Newman@Example.COM ", postal_code=" 98101 ")

    report = imported(curator, [messy])

    assert row_actions(report) == ["created"]
    saved = credential(session, "NS-1003")
    assert (saved.certification.code, saved.status.value) == ("NSCA-CPT", "verified")
    assert (saved.trainer.first_name, saved.trainer.last_name, saved.trainer.email,
            saved.trainer.postal_code) == ("Zoe", "Newman", "zoe.newman@example.com", "98101")


def test_rejected_rows_never_block_valid_ones(curator, session):
    rows = [NEWMAN, person(OKAFOR, email="not an email", credential_number="NS-2"),
            person(OKAFOR, last_name=""), {**OTHERS[0], "credential_number": "NS-4"}]

    report = imported(curator, rows)

    assert row_actions(report) == ["created", "rejected", "rejected", "created"]
    assert report["summary"]["rejected"] == 2
    assert [(e["column"], e["field"]) for e in report["rows"][1]["errors"]] == [
        ("email", "email")]
    assert [(e["column"], e["field"]) for e in report["rows"][2]["errors"]] == [
        ("last_name", "last_name")]
    assert credential(session, "NS-1003") is not None
    assert credential(session, "NS-4") is not None
    assert credential(session, "NS-2") is None


def test_row_errors_name_the_files_own_header(curator):
    content = NSCA_HEADER + "Zoe,Newman,CSCS,NS-1003,Certified,06/30/2027,zoe@,98101\n"

    [row] = report_of(curator, upload(curator, content.encode()))["rows"]

    assert [(e["column"], e["field"]) for e in row["errors"]] == [("E-mail", "email")]


def test_a_duplicate_row_is_reported_once_and_applied_once(curator, session):
    report = imported(curator, [NEWMAN, OKAFOR, NEWMAN])

    assert row_actions(report) == ["created", "created", "unchanged"]
    third = report["rows"][2]
    assert third["trainer_id"] == report["rows"][0]["trainer_id"]
    assert any("duplicate of row 1" in reason for reason in third["reasons"])
    assert counts(session)["credentials"] == 2
    assert counts(session)["trainers"] == 2


def test_the_same_number_twice_with_different_details_rejects_the_later_row(
        curator, session):
    report = imported(curator, [NEWMAN, person(expires_on="2029-01-01")])

    assert row_actions(report) == ["created", "rejected"]
    [error] = report["rows"][1]["errors"]
    assert error["field"] == "credential_number" and "row 1" in error["message"]
    assert credential(session, "NS-1003").expires_on == date(2027, 6, 30)


def test_a_number_registered_for_another_certification_is_rejected(
        curator, session, holder):
    report = imported(curator, [person(first_name="Ana", last_name="Okonkwo",
                                       certification="NSCA-CPT", credential_number="NS-5000")])

    [row] = report["rows"]
    assert row["action"] == "rejected"
    [error] = row["errors"]
    assert error["field"] == "certification"
    assert "registered for NSCA-CSCS, not NSCA-CPT" in error["message"]
    assert credential(session, "NS-5000").certification.code == "NSCA-CSCS"


@pytest.mark.parametrize("dates", [{"expires_on": "2023-01-01"},
                                   {"issued_on": "2100-01-01", "expires_on": ""}],
                         ids=["expiry-before-recorded-issue", "issue-after-recorded-expiry"])
def test_an_update_contradicting_the_recorded_dates_rejects_its_row_only(
        curator, session, holder, dates):
    """The holder's NS-5000 was issued 2024-03-01 and expires 2099-03-01."""
    contradicting = person(first_name="Ana", last_name="Okonkwo", certification="NSCA-CSCS",
                           credential_number="NS-5000", **dates)

    report = report_of(curator, upload(curator, as_csv([contradicting, NEWMAN])))

    assert row_actions(report) == ["rejected", "created"]
    assert {e["field"] for e in report["rows"][0]["errors"]} <= {"issued_on", "expires_on"}
    saved = credential(session, "NS-5000")
    assert (saved.issued_on, saved.expires_on) == (date(2024, 3, 1), date(2099, 3, 1))


def test_a_clear_match_links_the_credential_to_the_trainer_already_listed(
        curator, session, holder):
    report = imported(curator, [person(first_name="Ana", last_name="Okonkwo",
                                       email="ana@example.com", postal_code="10001",
                                       credential_number="NS-6000")])

    [row] = report["rows"]
    assert (row["action"], row["trainer_id"]) == ("linked", holder.id)
    assert counts(session)["trainers"] == 1
    assert credential(session, "NS-6000").trainer_id == holder.id


# All or nothing


def failing_after(monkeypatch, name: str, calls: int) -> None:
    """Make services.`name` fail on its call number `calls` + 1."""
    original, seen = getattr(services, name), []

    def flaky(*args, **kwargs):
        seen.append(1)
        if len(seen) > calls:
            raise RuntimeError("disk on fire")
        return original(*args, **kwargs)

    monkeypatch.setattr(services, name, flaky)


@pytest.mark.parametrize(("name", "calls"), [("credential_values_from_row", 1),
                                             ("_import_row", 1)],
                         ids=["while-building-credentials", "after-the-flush"])
def test_a_crash_midway_through_an_api_import_leaves_the_database_as_it_was(
        monkeypatch, curator, client, session, holder, name, calls):
    imported(curator, [person(status="revoked")])  # something for the failed run to update
    before = counts(session)
    stamps = session.execute(select(Credential.id, Credential.status,
                                     Credential.updated_at)).all()
    failing_after(monkeypatch, name, calls)

    errors = refusal_of(curator, upload(curator, as_csv([person(status="active"), *OTHERS])))

    assert errors == {"file": [UNEXPECTED]}
    assert UNEXPECTED.startswith("The import stopped on an unexpected error; nothing changed.")
    assert counts(session) == before
    assert session.execute(select(Credential.id, Credential.status,
                                  Credential.updated_at)).all() == stamps
    assert client.get("/api/v1/trainers", query_string={"q": "Raman"}).json["items"] == []
