"""Rows an import must not settle alone: they wait for a curator, every time, and what
a batch creates never leaks into the queue as a temporary id."""

from __future__ import annotations

from sqlalchemy import func, select

from directory.credentials.models import Credential
from directory.imports.models import ImportRow, ReviewStatus
from directory.trainers.models import Trainer
from matching.types import VerificationStatus
from tests.directory.imports.helpers import imported, row_actions
from tests.factories import NEWMAN, person


def pending(session) -> int:
    return session.scalar(select(func.count(ImportRow.id)).where(
        ImportRow.review_status == ReviewStatus.PENDING))


def stored(session, number: str) -> Credential:
    session.expire_all()
    return session.scalar(select(Credential).where(Credential.credential_number == number))


def test_a_number_registered_to_another_name_is_queued_once(curator, session):
    imported(curator, [NEWMAN])
    stranger = person(first_name="Omar", last_name="Haddad")

    first = imported(curator, [stranger])
    again = imported(curator, [stranger])

    assert row_actions(first) == row_actions(again) == ["review"]
    assert again["rows"][0]["reasons"][0].startswith("already waiting in the review queue")
    assert pending(session) == 1


def test_a_list_without_status_never_lifts_a_revocation(curator, session):
    imported(curator, [NEWMAN])
    imported(curator, [person(status="revoked")])
    assert stored(session, "NS-1003").status is VerificationStatus.REVOKED

    without_status = {k: v for k, v in NEWMAN.items() if k != "status"}
    assert row_actions(imported(curator, [without_status])) == ["unchanged"]
    relisted = imported(curator, [person(status="active")])

    assert row_actions(relisted) == ["review"]
    assert "the credential was revoked; the list says verified" in relisted["rows"][0]["reasons"]
    assert stored(session, "NS-1003").status is VerificationStatus.REVOKED


def test_an_earlier_expiry_waits_for_a_curator(curator, session):
    imported(curator, [NEWMAN])

    older = imported(curator, [person(expires_on="2026-12-31")])

    assert row_actions(older) == ["review"]
    assert older["rows"][0]["reasons"] == [
        "the list's expiry 2026-12-31 is earlier than the recorded 2027-06-30: an older list?"]
    assert stored(session, "NS-1003").expires_on.isoformat() == "2027-06-30"


def test_review_candidates_name_trainers_the_batch_created_by_their_real_ids(
        curator, session):
    # One new person, listed twice for one certification under two numbers: the second
    # row is a conflict with the trainer the first row creates.
    report = imported(curator, [NEWMAN, person(credential_number="NS-2003")])

    assert row_actions(report) == ["created", "review"]
    [review] = session.scalars(select(ImportRow).where(
        ImportRow.review_status == ReviewStatus.PENDING)).all()
    assert [c["trainer_id"] for c in review.candidates] == [report["rows"][0]["trainer_id"]]
    assert session.get(Trainer, review.candidates[0]["trainer_id"]) is not None


def test_an_overlong_rejected_number_does_not_stop_the_import(curator, session):
    report = imported(curator, [NEWMAN, person(credential_number="X" * 80,
                                               first_name="Ann", last_name="Lee")])

    assert row_actions(report) == ["created", "rejected"]
    assert stored(session, "NS-1003") is not None


def test_a_duplicate_of_a_row_in_review_waits_with_it(curator, session):
    imported(curator, [NEWMAN])
    stranger = person(first_name="Omar", last_name="Haddad")

    report = imported(curator, [stranger, stranger])

    assert row_actions(report) == ["review", "review"]
    assert report["rows"][1]["reasons"] == ["duplicate of row 1, review there"]
    assert pending(session) == 1


def test_a_forgiven_certification_spelling_is_said(curator, session):
    report = imported(curator, [person(certification="Certified Personal Trainr")])

    assert report["rows"][0]["reasons"][0] == (
        "certification 'Certified Personal Trainr' read as NSCA-CPT")


def test_the_stored_report_names_no_trainer_for_review_rows(curator, session):
    imported(curator, [NEWMAN])
    batch = imported(curator, [person(first_name="Omar", last_name="Haddad")])["batch_id"]
    [review] = session.scalars(select(ImportRow).where(ImportRow.batch_id == batch)).all()
    newman = stored(session, "NS-1003").trainer_id
    assert curator.post(f"/api/v1/reviews/{review.id}",
                        json={"decision": "link", "trainer_id": newman}).status_code == 200

    report = curator.get(f"/api/v1/imports/{batch}").json

    assert [(r["action"], r["trainer_id"]) for r in report["rows"]] == [("review", None)]
