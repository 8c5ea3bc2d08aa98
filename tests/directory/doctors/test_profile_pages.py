"""A doctor's practice details: the page that keeps them, and where referrals show them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.doctors.models import DoctorProfile
from tests.web import post_form, sign_in

DETAILS = {"name": "Gregory House", "credentials": "MD", "npi": "1234567893",
           "practice_name": "Princeton Plainsboro Internal Medicine",
           "address_line": "1 Hospital Plaza", "city": "Princeton", "state": "nj",
           "postal_code": "08540", "phone": "(609) 555-0100", "fax": "(609) 555-0101"}


@pytest.fixture
def doctor(client, user_factory):
    user = user_factory("doctor")
    sign_in(client, user.email)
    client.user = user
    return client


def test_a_doctor_saves_practice_details_and_the_account_shows_them(doctor, session):
    saved = post_form(doctor, "/account/doctor", DETAILS)
    assert (saved.status_code, saved.location) == (302, "/account")
    profile = session.scalar(select(DoctorProfile))
    assert (profile.user_id, profile.signature, profile.state, profile.fax) == (
        doctor.user.id, "Gregory House, MD", "NJ", "(609) 555-0101")
    account = doctor.get("/account").get_data(as_text=True)
    assert "Gregory House, MD, NPI 1234567893" in account


def test_a_mistyped_npi_is_refused_beside_its_field_and_the_input_kept(doctor, session):
    refused = post_form(doctor, "/account/doctor", {**DETAILS, "npi": "1234567890"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="npi-errors"><li>That NPI&#39;s last digit does not check out' in page
    assert 'value="Princeton Plainsboro Internal Medicine"' in page
    assert session.scalar(select(DoctorProfile)) is None


def test_one_npi_belongs_to_one_account(doctor, client, user_factory, session):
    post_form(doctor, "/account/doctor", DETAILS)
    other = user_factory("doctor")
    sign_in(client, other.email)  # the same browser, another doctor
    refused = post_form(client, "/account/doctor", {**DETAILS, "name": "Someone Else"})
    assert refused.status_code == 422
    assert "Another account already has this NPI" in refused.get_data(as_text=True)
    assert session.scalars(select(DoctorProfile.name)).all() == ["Gregory House"]


def test_changing_the_details_keeps_one_profile(doctor, session):
    post_form(doctor, "/account/doctor", DETAILS)
    post_form(doctor, "/account/doctor", {**DETAILS, "phone": "609-555-0199"})
    assert session.scalars(select(DoctorProfile.phone)).all() == ["609-555-0199"]


@pytest.mark.parametrize("role", ["patient", "trainer", "curator", "admin"])
def test_only_doctors_have_practice_details(client, user_factory, role):
    sign_in(client, user_factory(role).email)
    assert client.get("/account/doctor").status_code == 403
