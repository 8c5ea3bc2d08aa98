"""A referral's conversation through the API: messages between its parties, unread counts,
emails that carry no words, and a concern acknowledged, resolved or cleared by a report."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.notifications.models import Message
from tests.factories import referral_body

URL = "/api/v1/referrals"


@pytest.fixture
def referral(api_as, user_factory, trainers):
    """A referral sent to the first trainer, whose account and the patient's are parties."""
    doctor = api_as("doctor")
    patient = api_as("patient")
    body = referral_body(shortlist=[t.id for t in trainers], send=True)
    body["patient"]["account_email"] = patient.user.email
    created = doctor.post(URL, json=body)
    assert created.status_code == 201, created.json
    trainer = api_as("trainer", trainer=trainers[0])
    return {"id": created.json["id"], "doctor": doctor, "trainer": trainer, "patient": patient}


@pytest.fixture
def concern(referral):
    """The trainer accepted, assessed and raised a concern; its report's id."""
    rid, trainer = referral["id"], referral["trainer"]
    assert trainer.post(f"{URL}/{rid}/transitions", json={"to": "accepted"}).status_code == 200
    assert trainer.post(f"{URL}/{rid}/updates", json={"kind": "assessment",
                                                     "notes": "Baseline."}).status_code == 201
    raised = trainer.post(f"{URL}/{rid}/updates", json={"concern": True,
                                                       "notes": "Dizzy after intervals."})
    assert raised.status_code == 201 and raised.json["concern_status"] == "open"
    return raised.json["id"]


def say(client, rid: int, words: str):
    return client.post(f"{URL}/{rid}/messages", json={"body": words})


def mails(session, kind: str = "referral_thread") -> list[Message]:
    return list(session.scalars(select(Message).where(Message.kind == kind)
                                .order_by(Message.id)))


def test_the_parties_read_each_others_messages_in_order(referral):
    rid = referral["id"]
    assert say(referral["trainer"], rid, "Can we start on Monday?").status_code == 201
    assert say(referral["doctor"], rid, "Yes, after her glucose check.").status_code == 201
    assert say(referral["patient"], rid, "Monday suits me.").status_code == 201
    for party in ("doctor", "trainer", "patient"):
        thread = referral[party].get(f"{URL}/{rid}/messages").json
        assert [(e["author_role"], e["body"]) for e in thread] == [
            ("trainer", "Can we start on Monday?"), ("doctor", "Yes, after her glucose check."),
            ("patient", "Monday suits me.")]


def test_unread_counts_others_entries_until_the_conversation_is_read(referral):
    rid, doctor = referral["id"], referral["doctor"]
    say(referral["trainer"], rid, "One question.")
    say(referral["trainer"], rid, "And another.")
    say(doctor, rid, "Ask away.")
    assert doctor.get(f"{URL}/{rid}").json["unread_messages"] == 2
    assert [r["unread_messages"] for r in doctor.get(URL).json] == [2]
    doctor.get(f"{URL}/{rid}/messages")
    assert doctor.get(f"{URL}/{rid}").json["unread_messages"] == 0
    assert referral["trainer"].get(f"{URL}/{rid}").json["unread_messages"] == 1


def test_one_email_until_read_and_it_carries_no_words(referral, session):
    rid, doctor = referral["id"], referral["doctor"]
    say(referral["trainer"], rid, "Her sugar was 54 before the session.")
    say(referral["trainer"], rid, "We stopped and she had juice.")
    to_doctor = [m for m in mails(session) if m.recipient == doctor.user.email]
    assert len(to_doctor) == 1
    assert to_doctor[0].subject == f"Referral #{rid}: the trainer wrote a message"
    for mail in mails(session):
        assert "sugar" not in mail.body and "juice" not in mail.body
        assert "Pat Example" not in mail.body + mail.subject
    doctor.get(f"{URL}/{rid}/messages")  # read: the next message is news again
    say(referral["trainer"], rid, "She is fine now.")
    assert len([m for m in mails(session) if m.recipient == doctor.user.email]) == 2
    # The author is never told of their own words; the patient, a party, is.
    assert not [m for m in mails(session) if m.recipient == referral["trainer"].user.email]
    assert [m for m in mails(session) if m.recipient == referral["patient"].user.email]


def test_a_trainer_reads_only_the_conversation_of_their_own_time_on_it(
        referral, api_as, trainers):
    rid, doctor, first = referral["id"], referral["doctor"], referral["trainer"]
    say(doctor, rid, "For the first trainer only.")
    assert first.post(f"{URL}/{rid}/transitions", json={"to": "declined",
                                                       "reason": "Full."}).status_code == 200
    assert say(first, rid, "Still here?").status_code == 404  # no longer theirs
    assert doctor.post(f"{URL}/{rid}/transitions", json={"to": "sent"}).status_code == 200
    second = api_as("trainer", trainer=trainers[1])
    assert second.get(f"{URL}/{rid}/messages").json == []
    assert say(second, rid, "Happy to take her.").status_code == 201
    assert [e["body"] for e in doctor.get(f"{URL}/{rid}/messages").json] == [
        "For the first trainer only.", "Happy to take her."]


def test_admins_read_the_conversation_but_others_neither_read_nor_write(referral, api_as):
    rid = referral["id"]
    say(referral["doctor"], rid, "Hello.")
    admin = api_as("admin")
    assert [e["body"] for e in admin.get(f"{URL}/{rid}/messages").json] == ["Hello."]
    assert say(admin, rid, "Admin here.").status_code == 403
    for stranger in (api_as("doctor"), api_as("patient"), api_as("curator")):
        assert stranger.get(f"{URL}/{rid}/messages").status_code == 404
        assert say(stranger, rid, "Hi.").status_code == 404


def test_a_draft_has_nobody_to_talk_to(api_as, trainers):
    doctor = api_as("doctor")
    draft = doctor.post(URL, json=referral_body()).json
    answer = say(doctor, draft["id"], "Anyone?")
    assert answer.status_code == 409 and "draft" in answer.json["message"]


@pytest.mark.parametrize("body, field", [({"body": "   "}, "body"), ({}, "body"),
                                         ({"body": "x" * 4001}, "body")])
def test_an_empty_or_overlong_message_is_refused_by_field(referral, body, field):
    answer = referral["doctor"].post(f"{URL}/{referral['id']}/messages", json=body)
    assert answer.status_code == 422 and field in answer.json["errors"]["json"]


def test_the_doctor_acknowledges_with_a_reply_and_the_trainer_resolves(
        referral, concern, session):
    rid, doctor, trainer = referral["id"], referral["doctor"], referral["trainer"]
    at = f"{URL}/{rid}/updates/{concern}/concern"
    assert trainer.post(at, json={"status": "acknowledged"}).status_code == 403
    acknowledged = doctor.post(at, json={"status": "acknowledged",
                                         "message": "Keep to RPE 11 until I see her."})
    assert acknowledged.status_code == 200 and acknowledged.json["concern_status"] == "acknowledged"
    assert doctor.get(f"{URL}/{rid}").json["concern"] is True  # seen, not settled
    assert doctor.post(at, json={"status": "acknowledged"}).status_code == 409
    (told,) = [m for m in mails(session) if m.recipient == trainer.user.email]
    assert told.subject == f"Referral #{rid}: the doctor acknowledged the concern"
    assert "RPE 11" not in told.body
    resolved = trainer.post(at, json={"status": "resolved", "message": "Fine at RPE 11."})
    assert resolved.json["concern_status"] == "resolved"
    assert doctor.get(f"{URL}/{rid}").json["concern"] is False
    thread = trainer.get(f"{URL}/{rid}/messages").json
    assert [(e["kind"], e["author_role"], e["body"], e["concern_id"]) for e in thread] == [
        ("acknowledged", "doctor", "Keep to RPE 11 until I see her.", concern),
        ("resolved", "trainer", "Fine at RPE 11.", concern)]
    assert trainer.post(at, json={"status": "resolved"}).status_code == 409


def test_the_doctor_may_resolve_a_concern_without_acknowledging_first(referral, concern):
    answer = referral["doctor"].post(f"{URL}/{referral['id']}/updates/{concern}/concern",
                                     json={"status": "resolved"})
    assert answer.status_code == 200 and answer.json["concern_status"] == "resolved"


def test_a_later_report_without_a_concern_clears_it(referral, concern, session):
    rid, doctor, trainer = referral["id"], referral["doctor"], referral["trainer"]
    assert trainer.post(f"{URL}/{rid}/updates", json={"weekly_minutes": 120}).status_code == 201
    seen = doctor.get(f"{URL}/{rid}").json
    assert seen["concern"] is False
    assert [u["concern_status"] for u in seen["updates"]] == [None, "resolved", None]
    (cleared,) = doctor.get(f"{URL}/{rid}/messages").json
    assert (cleared["kind"], cleared["author_role"], cleared["concern_id"]) == (
        "cleared", "trainer", concern)
    assert [m.subject for m in mails(session) if m.recipient == doctor.user.email] == [
        f"Referral #{rid}: the trainer reported again without a concern, which clears the "
        "earlier one"]


def test_a_later_report_with_a_concern_leaves_the_earlier_one_open(referral, concern):
    rid, trainer = referral["id"], referral["trainer"]
    again = trainer.post(f"{URL}/{rid}/updates", json={"concern": True, "notes": "Again."})
    seen = referral["doctor"].get(f"{URL}/{rid}").json
    assert [u["concern_status"] for u in seen["updates"]] == [None, "open", "open"]
    assert again.json["id"] != concern


def test_only_a_report_with_a_concern_can_be_answered(referral, concern, api_as):
    rid, doctor = referral["id"], referral["doctor"]
    assessment = doctor.get(f"{URL}/{rid}").json["updates"][0]["id"]
    for update_id in (assessment, 999_999):
        answer = doctor.post(f"{URL}/{rid}/updates/{update_id}/concern",
                             json={"status": "resolved"})
        assert answer.status_code == 404
    wrong = doctor.post(f"{URL}/{rid}/updates/{concern}/concern", json={"status": "open"})
    assert wrong.status_code == 422 and "status" in wrong.json["errors"]["json"]
    # The patient reads the referral but does not settle its concerns; strangers see nothing.
    assert referral["patient"].post(f"{URL}/{rid}/updates/{concern}/concern",
                                    json={"status": "resolved"}).status_code == 403
    assert api_as("doctor").post(f"{URL}/{rid}/updates/{concern}/concern",
                                 json={"status": "resolved"}).status_code == 404
