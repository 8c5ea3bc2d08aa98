"""Doctors register themselves with an NPI and wait for an admin's approval."""

from __future__ import annotations

from sqlalchemy import select

from directory.accounts.models import User
from directory.notifications.models import Message
from tests.factories import PASSWORD
from tests.web import csrf_token, post_form, sign_in

EMAIL = "dr.reyes@example.org"
REGISTRATION = {"email": EMAIL, "password": PASSWORD, "confirm": PASSWORD,
                "name": "Dana Reyes", "credentials": "MD", "npi": "1234567893",
                "practice_name": "Lakeview Family Medicine", "phone": "(312) 555-0142"}


def register(client, **changes):
    return post_form(client, "/register/doctor", {**REGISTRATION, **changes})


def test_a_registered_doctor_waits_for_approval_and_the_admins_are_told(
        client, user_factory, session):
    admin = user_factory("admin")
    answer = register(client)
    assert answer.status_code == 202
    assert "Your doctor account is registered." in answer.get_data(as_text=True)
    doctor = session.scalar(select(User).where(User.email == EMAIL))
    assert (doctor.role.value, doctor.active, doctor.doctor_profile.awaiting_approval) == (
        "doctor", False, True)
    (told,) = session.scalars(select(Message).where(Message.kind == "doctor_registered"))
    assert told.recipient == admin.email and "Dana Reyes, MD" in told.body
    assert PASSWORD not in told.body and f"/admin/users/{doctor.id}" in told.body


def test_until_approved_signing_in_says_so_to_the_owner_only(client, session):
    register(client)
    waiting = post_form(client, "/login", {"email": EMAIL, "password": PASSWORD})
    assert waiting.status_code == 401
    assert "waits for an administrator to check your NPI" in waiting.get_data(as_text=True)
    wrong = post_form(client, "/login", {"email": EMAIL, "password": "not the password"})
    assert "Email or password is incorrect." in wrong.get_data(as_text=True)
    assert "waits for an administrator" not in wrong.get_data(as_text=True)


def test_an_admin_approves_and_the_doctor_is_told_and_can_sign_in(app, user_factory,
                                                                  session):
    register(app.test_client())
    doctor = session.scalar(select(User).where(User.email == EMAIL))
    admin_client = app.test_client()
    sign_in(admin_client, user_factory("admin").email)
    page = admin_client.get(f"/admin/users/{doctor.id}").get_data(as_text=True)
    assert "awaiting approval" in page and "Approve this doctor" in page
    approved = admin_client.post(f"/admin/users/{doctor.id}/active", data={
        "active": "yes", "csrf_token": csrf_token(admin_client, f"/admin/users/{doctor.id}")})
    assert approved.status_code == 302, approved.get_data(as_text=True)
    session.expire_all()
    assert doctor.active and doctor.doctor_profile.approved_at is not None
    assert session.scalar(select(Message.recipient).where(
        Message.kind == "doctor_approved")) == EMAIL
    signed_in = sign_in(app.test_client(), EMAIL)
    assert (signed_in.status_code, signed_in.location) == (302, "/account")


def test_a_mistyped_npi_is_refused_and_nothing_is_made(client, session):
    refused = register(client, npi="1234567890")
    assert refused.status_code == 422
    assert "does not check out" in refused.get_data(as_text=True)
    assert 'value="Lakeview Family Medicine"' in refused.get_data(as_text=True)
    assert session.scalar(select(User).where(User.email == EMAIL)) is None


def test_a_taken_email_or_npi_is_refused(client, user_factory, session):
    taken = user_factory("patient", email=EMAIL)
    assert "That email cannot be registered" in register(client).get_data(as_text=True)
    assert register(client, email="other@example.org", npi="1234567893").status_code == 202
    again = register(client, email="third@example.org")
    assert "Another account already has this NPI" in again.get_data(as_text=True)
    assert session.get(User, taken.id).role.value == "patient"
