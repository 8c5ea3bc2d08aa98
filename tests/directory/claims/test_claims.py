"""Trainers claim their profiles: a one-time link to the profile's email (or, for
another address, after a curator's approval) and one of its credential numbers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from directory.accounts.models import User
from directory.claims import services
from directory.claims.models import ClaimStatus, ProfileClaim
from directory.db import utcnow
from directory.notifications.models import Message
from tests.factories import PASSWORD, credential_payload, make_trainer
from tests.web import csrf_token, post_form, sign_in

NUMBER = "CEP-31337"


@pytest.fixture
def trainer(session):
    return make_trainer(session, email="maria.lopez@example.com",
                        credentials=[credential_payload(credential_number=NUMBER)])


def ask_for_link(client, trainer, **data):
    path = f"/trainers/{trainer.id}/claim"
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


def the_link(session, address: str) -> str:
    body = session.scalars(select(Message.body).where(Message.recipient == address)
                           .order_by(Message.id.desc())).first()
    return re.search(r"https?://[^/\s]+(/claim/\S+)", body).group(1)


def claim_with(client, link: str, number: str = NUMBER):
    return post_form(client, link, {"credential_number": number, "password": PASSWORD,
                                    "confirm": PASSWORD})


def test_the_link_goes_to_the_profiles_email_and_makes_the_trainers_account(
        client, trainer, session):
    profile = client.get(f"/trainers/{trainer.id}").get_data(as_text=True)
    assert "Not yet claimed by the trainer" in profile
    sent = ask_for_link(client, trainer, action="send")
    assert sent.status_code == 202
    assert "We sent a one-time link to m•••@example.com" in sent.get_data(as_text=True)
    link = the_link(session, "maria.lopez@example.com")

    wrong = claim_with(client, link, number="CEP-00000")
    assert wrong.status_code == 422
    assert "That is not one of this profile&#39;s credential numbers" in wrong.get_data(
        as_text=True)
    claimed = claim_with(client, link, number=" cep-31337 ")  # as the body wrote it, or not
    assert (claimed.status_code, claimed.location) == (302, "/my/profile")
    account = session.scalar(select(User).where(User.email == "maria.lopez@example.com"))
    assert (account.role.value, account.trainer_id) == ("trainer", trainer.id)
    assert "Claimed: the trainer keeps this profile" in client.get(
        f"/trainers/{trainer.id}").get_data(as_text=True)
    assert client.get(link).status_code == 404  # once only


def test_a_second_request_soon_after_sends_nothing_more(client, trainer, session):
    ask_for_link(client, trainer, action="send")
    ask_for_link(client, trainer, action="send")
    assert session.scalar(select(Message.id).where(Message.kind == "claim_link")
                          .offset(1)) is None


def test_only_the_newest_link_works_and_none_after_a_week(client, trainer, session):
    first = services.request_link(session, trainer, now=utcnow() - timedelta(hours=1))
    session.commit()
    old_link = the_link(session, trainer.email)
    services.request_link(session, trainer)
    session.commit()
    assert first.status is ClaimStatus.REPLACED and client.get(old_link).status_code == 404
    newest = session.scalar(select(ProfileClaim).where(ProfileClaim.status == ClaimStatus.SENT))
    newest.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert client.get(the_link(session, trainer.email)).status_code == 404


def test_another_address_waits_for_a_curator(client, trainer, user_factory, session, app):
    curator = user_factory("curator")
    asked = ask_for_link(client, trainer, action="ask", **{
        "email": "maria@newgym.example", "note": "I moved to New Gym in May."})
    assert asked.status_code == 202
    assert session.scalar(select(Message.recipient).where(
        Message.kind == "claim_requested")) == curator.email
    assert session.scalar(select(Message).where(Message.kind == "claim_link")) is None

    staff = app.test_client()
    sign_in(staff, curator.email)
    queue = staff.get("/manage/claims").get_data(as_text=True)
    assert "maria@newgym.example" in queue and "I moved to New Gym in May." in queue
    (claim,) = session.scalars(select(ProfileClaim)).all()
    approved = staff.post(f"/manage/claims/{claim.id}", data={
        "decision": "approve", "csrf_token": csrf_token(staff, "/manage/claims")})
    assert approved.status_code == 302
    assert claim_with(client, the_link(session, "maria@newgym.example")).status_code == 302
    assert session.scalar(select(User.trainer_id).where(
        User.email == "maria@newgym.example")) == trainer.id


def test_a_refused_claim_sends_nothing(client, trainer, user_factory, session, app):
    curator = user_factory("curator")
    ask_for_link(client, trainer, action="ask", **{"email": "someone@example.net"})
    staff = app.test_client()
    sign_in(staff, curator.email)
    (claim,) = session.scalars(select(ProfileClaim)).all()
    staff.post(f"/manage/claims/{claim.id}", data={
        "decision": "refuse", "csrf_token": csrf_token(staff, "/manage/claims")})
    session.refresh(claim)
    assert claim.status is ClaimStatus.REFUSED
    assert session.scalar(select(Message).where(Message.kind == "claim_link")) is None


def test_a_claimed_profile_cannot_be_claimed_again(client, trainer, user_factory, session):
    user_factory("trainer", trainer=trainer)
    page = client.get(f"/trainers/{trainer.id}/claim").get_data(as_text=True)
    assert "This profile is claimed already" in page and "<form" not in page.split("<main")[1]
    refused = client.post(f"/trainers/{trainer.id}/claim", data={
        "action": "send", "csrf_token": csrf_token(client, "/login")})
    assert refused.status_code == 422
    assert 'role="alert">This profile is claimed already' in refused.get_data(as_text=True)
    assert session.scalar(select(Message).where(Message.kind == "claim_link")) is None


def test_a_profile_without_email_asks_for_an_address(client, session):
    no_email = make_trainer(session, email=None, credentials=[])
    page = client.get(f"/trainers/{no_email.id}/claim").get_data(as_text=True)
    assert "Email me the link" not in page and "Give your address" in page


def test_curators_invite_unclaimed_profiles_in_bulk(app, trainer, user_factory, session):
    claimed = make_trainer(session, last_name="Okafor", email="k.okafor@example.com",
                           credentials=[])
    user_factory("trainer", trainer=claimed)
    no_email = make_trainer(session, last_name="Quist", email=None, credentials=[])
    staff = app.test_client()
    sign_in(staff, user_factory("curator").email)
    answer = staff.post("/manage/claims/invite", data={
        "trainer_ids": f"{trainer.id}, {claimed.id}\n{no_email.id} 999999",
        "csrf_token": csrf_token(staff, "/manage/claims")}, follow_redirects=True)
    assert ("Invitations: 1 already claimed, 1 invited, 1 no email, 1 unknown id(s)."
            in answer.get_data(as_text=True))
    assert session.scalars(select(Message.recipient).where(
        Message.kind == "claim_link")).all() == ["maria.lopez@example.com"]

