"""A sent referral reaches its trainer, and its status says how: their account, a link
to claim their profile at its email, or neither (the letter)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from directory.db import today, utcnow
from directory.notifications.events import unopened_referrals
from directory.notifications.models import Message
from directory.referrals.models import Delivery
from directory.referrals.schemas import ReferralCreateSchema
from directory.referrals.services import create_referral, reach
from directory.search.sync import search_snapshots
from tests.factories import PASSWORD, referral_body
from tests.web import csrf_token, post_form, sign_in


def send_to(session, doctor, trainer):
    data = ReferralCreateSchema().load(referral_body(shortlist=[trainer.id], send=True))
    referral = create_referral(session, doctor, data, search_snapshots().current(
        session, today()), today())
    session.commit()
    return referral


def doctor_sees(client, referral) -> str:
    return client.get(f"/referrals/{referral.id}").get_data(as_text=True)


def test_to_a_trainer_with_an_account_the_inbox_and_when_it_was_opened(
        app, client, trainers, user_factory, session):
    doctor, coach = user_factory("doctor"), user_factory("trainer", trainer=trainers[0])
    referral = send_to(session, doctor, trainers[0])
    sign_in(client, doctor.email)
    assert "In the trainer's ReferFit inbox since" in doctor_sees(client, referral)
    assert "not opened yet" in doctor_sees(client, referral)  # the doctor's look is no open
    trainer_client = app.test_client()
    sign_in(trainer_client, coach.email)
    trainer_client.get(f"/referrals/{referral.id}")
    session.refresh(referral)
    assert referral.opened_at is not None
    assert f"opened on {referral.opened_at:%Y-%m-%d}" in doctor_sees(client, referral)


def test_to_a_trainer_without_an_account_a_claim_link_leads_to_the_referral(
        app, client, trainers, user_factory, session):
    doctor = user_factory("doctor")
    referral = send_to(session, doctor, trainers[0])
    (mail,) = session.scalars(select(Message).where(Message.kind == "referral_claim_link"))
    assert mail.recipient == trainers[0].email and f"#{referral.id}" in mail.subject
    assert "Pat Example" not in mail.body  # no patient details leave in email
    sign_in(client, doctor.email)
    assert "Emailed to the trainer on" in doctor_sees(client, referral)

    trainer_client = app.test_client()
    link = re.search(r"https?://[^/\s]+(/claim/\S+)", mail.body).group(1)
    number = trainers[0].credentials[0].credential_number
    claimed = post_form(trainer_client, link, {"credential_number": number,
                                               "password": PASSWORD, "confirm": PASSWORD})
    assert claimed.status_code == 302
    page = trainer_client.get(f"/referrals/{referral.id}")
    assert page.status_code == 200 and "Accept" in page.get_data(as_text=True)
    accepted = trainer_client.post(f"/referrals/{referral.id}/transitions", data={
        "to": "accepted", "csrf_token": csrf_token(trainer_client, f"/referrals/{referral.id}")})
    assert accepted.status_code == 302
    session.refresh(referral)
    assert referral.status.value == "accepted" and referral.opened_at is not None


def test_without_an_account_or_an_email_the_doctor_is_told_to_use_the_letter(
        client, user_factory, session, trainers):
    trainer = trainers[1]
    trainer.email = None
    session.commit()
    doctor = user_factory("doctor")
    referral = send_to(session, doctor, trainer)
    sign_in(client, doctor.email)
    page = doctor_sees(client, referral)
    assert "Not deliverable online:" in page and f"/referrals/{referral.id}/letter" in page
    assert session.scalar(select(Message).where(Message.recipient.is_(None))) is None
    assert referral.delivered_by == "undeliverable"


def test_the_ranking_says_how_each_trainer_would_get_the_referral(client, trainers,
                                                                  user_factory, session):
    user_factory("trainer", trainer=trainers[0])
    trainers[1].email = None
    session.commit()
    sign_in(client, user_factory("doctor").email)
    form = {"patient_name": "Pat Example", "patient_age": "62", "patient_place": "60614",
            "conditions": ["type 2 diabetes"], "goals": "walk", "frequency_per_week": "3",
            "time_minutes": "30", "type": "walking", "resting_heart_rate": "72",
            "max_distance": "10", "modes": "in_person", "action": "preview"}
    page = post_form(client, "/referrals/new", form).get_data(as_text=True)
    ranked = {int(i): label for i, label in re.findall(
        r'name="shortlist" value="(\d+)".*?class="tag reach-\w+">([^<]+)<', page, re.S)}
    assert ranked == {trainers[0].id: "answers on ReferFit",
                      trainers[1].id: "not reachable online: give the patient the letter"}


def unopened_for(session, referral, days: int) -> None:
    referral.delivered_at = utcnow() - timedelta(days=days)
    session.commit()


def test_unopened_too_long_the_doctor_is_told_once_and_may_send_it_on(
        app, client, trainers, user_factory, session):
    doctor = user_factory("doctor")
    data = ReferralCreateSchema().load(referral_body(
        shortlist=[trainers[0].id, trainers[1].id], send=True))
    referral = create_referral(session, doctor, data,
                               search_snapshots().current(session, today()), today())
    session.commit()
    sign_in(client, doctor.email)
    early = client.post(f"/referrals/{referral.id}/transitions", data={
        "to": "sent", "csrf_token": csrf_token(client, f"/referrals/{referral.id}")})
    assert early.status_code == 409  # two days are not three
    assert unopened_referrals(session, utcnow()) == 0

    unopened_for(session, referral, 4)
    assert unopened_referrals(session, utcnow()) == 1
    assert unopened_referrals(session, utcnow()) == 0  # once
    (told,) = session.scalars(select(Message).where(Message.kind == "referral_unopened"))
    assert told.recipient == doctor.email and "Pat Example" not in told.body
    page = doctor_sees(client, referral)
    assert "The trainer has not opened it in 3 days." in page
    moved = client.post(f"/referrals/{referral.id}/transitions", data={
        "to": "sent", "csrf_token": csrf_token(client, f"/referrals/{referral.id}")})
    assert moved.status_code == 302, moved.get_data(as_text=True)
    session.refresh(referral)
    assert (referral.status.value, referral.trainer_id) == ("sent", trainers[1].id)
    passed = referral.events[-1]
    assert (passed.trainer_id, passed.reason) == (trainers[0].id, "not opened within 3 days")


def test_the_trainers_first_read_through_the_api_marks_it_opened(api_as, trainers, session):
    doctor = api_as("doctor")
    sent = doctor.post("/api/v1/referrals", json=referral_body(
        shortlist=[trainers[0].id], send=True)).json
    assert (sent["delivered_by"], sent["opened_at"]) == ("email", None)
    assert doctor.get(f"/api/v1/referrals/{sent['id']}").json["opened_at"] is None
    trainer = api_as("trainer", trainer=trainers[0])
    first = trainer.get(f"/api/v1/referrals/{sent['id']}").json
    assert first["delivered_by"] == "email" and first["opened_at"] is not None
    assert doctor.get(f"/api/v1/referrals/{sent['id']}").json["opened_at"] == first["opened_at"]


def test_a_profile_whose_account_was_closed_is_reached_only_by_the_letter(
        session, trainers, user_factory):
    coach = user_factory("trainer", trainer=trainers[0])
    assert reach(session, [trainers[0].id]) == {trainers[0].id: Delivery.ACCOUNT}
    coach.active = False
    session.commit()
    # Claimed already, so no claim link either (and its email may be the closed account's).
    assert reach(session, [trainers[0].id]) == {trainers[0].id: Delivery.UNDELIVERABLE}
    assert reach(session, [trainers[1].id]) == {trainers[1].id: Delivery.EMAIL}
