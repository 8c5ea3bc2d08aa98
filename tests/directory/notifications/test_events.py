"""Who is told what, and when: each event that needs somebody queues one message each."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from directory.credentials.models import Credential
from directory.db import today, utcnow
from directory.imports.services import ImportOptions, import_credentials
from directory.notifications import events
from directory.notifications.models import MessageStatus
from directory.referrals.models import ReferralUpdate
from tests.apps import DATA_DIR
from tests.directory.notifications.helpers import messages
from tests.factories import make_trainer, referral_body


def test_a_sent_referral_tells_the_trainer_and_no_patient_details_travel(session, parties):
    referral_id = parties.refer()
    (sent,) = messages(session, kind="referral_sent")
    assert sent.recipient == parties.trainer.user.email
    assert sent.recipient_id == parties.trainer.user.id
    assert sent.subject == f"New referral #{referral_id} is waiting for your answer"
    assert f"http://127.0.0.1:5000/referrals/{referral_id}" in sent.body
    assert sent.status is MessageStatus.RECORDED  # the default backend keeps it in the outbox
    for private in ("Pat Example", "pat@example.org", "metoprolol", "diabetes"):
        assert private not in sent.body and private not in sent.subject


def test_the_doctor_hears_when_the_referral_is_accepted(session, parties):
    referral_id = parties.refer()
    parties.move(parties.trainer, referral_id, to="accepted")
    (answered,) = messages(session, kind="referral_answered")
    assert answered.recipient == parties.doctor.user.email
    assert answered.subject == f"Referral #{referral_id} was accepted by Maria Near"
    assert f"/referrals/{referral_id}" in answered.body
    assert "Pat Example" not in answered.body


def test_a_decline_tells_the_doctor_but_not_the_reason(session, parties):
    referral_id = parties.refer()
    parties.move(parties.trainer, referral_id, to="declined",
                 reason="Pat Example's knee needs a physio first")
    (answered,) = messages(session, kind="referral_answered")
    assert "declined" in answered.subject
    assert "next trainer on your short list" in answered.body
    assert "knee" not in answered.body and "Pat" not in answered.body


def test_a_trainer_without_an_account_gets_nothing_and_the_referral_still_goes(session,
                                                                               parties):
    parties.trainer.user.trainer_id = None
    session.commit()
    parties.refer()
    assert messages(session, kind="referral_sent") == []


def test_a_concern_is_flagged_to_the_doctor_and_routine_progress_is_not(session, parties):
    referral_id = parties.refer()
    parties.move(parties.trainer, referral_id, to="accepted")
    url = f"/api/v1/referrals/{referral_id}/updates"
    assessment = {"kind": "assessment", "notes": "Baseline."}
    assert parties.trainer.post(url, json=assessment).status_code == 201
    assert parties.trainer.post(url, json={"kind": "progress", "weekly_minutes": 90}) \
        .status_code == 201
    assert messages(session, kind="concern_reported") == []
    assert parties.trainer.post(url, json={"kind": "progress", "concern": True,
                                           "notes": "Dizzy."}).status_code == 201
    (concern,) = messages(session, kind="concern_reported")
    assert concern.recipient == parties.doctor.user.email
    assert "Dizzy" not in concern.body


def test_an_overdue_report_is_chased_once_per_due_date(session, parties):
    referral_id = parties.refer()
    parties.move(parties.trainer, referral_id, to="accepted")
    assert parties.trainer.post(f"/api/v1/referrals/{referral_id}/updates", json={
        "kind": "assessment", "notes": "Baseline."}).status_code == 201
    assert events.overdue_reports(session, today()) == 0  # due in four weeks
    session.execute(update(ReferralUpdate).values(created_at=utcnow() - timedelta(weeks=5)))
    session.commit()
    assert events.overdue_reports(session, today()) == 1
    session.commit()
    assert events.overdue_reports(session, today()) == 0  # already told
    (overdue,) = messages(session, kind="report_overdue")
    assert overdue.recipient == parties.doctor.user.email
    assert f"referral #{referral_id} was due on" in overdue.body


def test_credentials_expiring_within_60_days_tell_the_trainer_and_curators(
        session, parties, user_factory):
    curator, retired = user_factory("curator"), user_factory("curator")
    retired.active = False
    credential = parties.trainer_row.credentials[0]
    credential.expires_on = today() + timedelta(days=60)
    parties.other_row.credentials[0].expires_on = today() + timedelta(days=61)
    session.commit()
    assert events.expiring_credentials(session, today()) == 2  # the trainer, one curator
    session.commit()
    assert events.expiring_credentials(session, today()) == 0
    (notice,) = messages(session, kind="credential_expiring")
    assert notice.recipient == parties.trainer.user.email
    assert credential.credential_number in notice.body and "/my/profile" in notice.body
    (digest,) = messages(session, kind="expiring_digest")
    assert digest.recipient == curator.email
    assert digest.subject == "1 verified credential expire within 60 days"
    assert "Maria Near" in digest.body and "/manage/expiring" in digest.body


def test_a_renewed_credential_is_noticed_again_at_its_new_expiry(session, parties):
    credential = session.get(Credential, parties.trainer_row.credentials[0].id)
    credential.expires_on = today() + timedelta(days=10)
    session.commit()
    events.expiring_credentials(session, today())
    credential.expires_on = today() + timedelta(days=40)
    session.commit()
    events.expiring_credentials(session, today())
    assert len(messages(session, kind="credential_expiring")) == 2


def test_rows_left_for_review_tell_every_active_curator(session, user_factory):
    curators = [user_factory("curator"), user_factory("curator")]
    make_trainer(session)  # Maria Lopez: the one-row list below is a doubtful match
    session.commit()
    content = b"first_name,last_name,certification,credential_number\nMaria,Lopez,ACSM-CPT,M-1\n"
    import_credentials(session, content, "list.csv", ImportOptions("ACSM"), str(DATA_DIR))
    session.commit()
    waiting = messages(session, kind="reviews_waiting")
    assert sorted(m.recipient for m in waiting) == sorted(c.email for c in curators)
    assert waiting[0].subject == "1 credential from the ACSM list wait for review"
    assert "/reviews" in waiting[0].body


def test_the_patient_hears_at_their_account_who_accepted_and_how_to_book(
        session, parties, user_factory):
    patient = user_factory("patient")
    parties.trainer_row.phone = "(312) 555-0199"
    session.commit()
    body = referral_body(shortlist=[parties.trainer_row.id], send=True)
    body["patient"]["account_email"] = patient.email
    referral_id = parties.doctor.post("/api/v1/referrals", json=body).json["id"]
    assert messages(session, kind="patient_accepted") == []  # sent is not accepted
    parties.move(parties.trainer, referral_id, to="accepted")
    (told,) = messages(session, kind="patient_accepted")
    assert (told.recipient, told.recipient_id) == (patient.email, patient.id)
    assert told.subject == f"Maria Near has accepted your exercise referral #{referral_id}"
    trainer = parties.trainer_row
    assert "Phone: (312) 555-0199" in told.body and f"Email: {trainer.email}" in told.body
    assert f"mention referral #{referral_id}" in told.body
    assert f"/referrals/{referral_id}" in told.body
    for private in ("Pat Example", "metoprolol", "diabetes", "blood pressure"):
        assert private not in told.body


def test_a_patient_without_an_account_hears_at_the_email_the_doctor_gave(session, parties):
    referral_id = parties.refer()
    parties.move(parties.trainer, referral_id, to="accepted")
    (told,) = messages(session, kind="patient_accepted")
    assert (told.recipient, told.recipient_id) == ("pat@example.org", None)
    assert "/referrals/" not in told.body  # a link they could not open
    assert "Maria Near" in told.subject


def test_a_decline_is_not_sent_to_the_patient_nor_is_an_unknown_address(session, parties):
    declined = parties.refer()
    parties.move(parties.trainer, declined, to="declined", reason="Full.")
    body = referral_body(shortlist=[parties.trainer_row.id], send=True)
    body["patient"]["email"] = None
    accepted = parties.doctor.post("/api/v1/referrals", json=body).json["id"]
    parties.move(parties.trainer, accepted, to="accepted")
    assert messages(session, kind="patient_accepted") == []
