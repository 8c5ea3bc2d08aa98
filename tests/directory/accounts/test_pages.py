"""Sign-in, registration, sign-out and the admin's user list, driven as a browser would."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.accounts.models import User
from tests.factories import PASSWORD
from tests.web import csrf_token, post_form, sign_in

WRONG_CREDENTIALS = "Email or password is incorrect."


def register(client, email, password=PASSWORD, confirm=None):
    return post_form(client, "/register", {
        "email": email, "password": password,
        "confirm": password if confirm is None else confirm})


def emails(session) -> list[str]:
    session.expire_all()
    return session.scalars(select(User.email)).all()


def test_patient_registers_signs_out_and_signs_back_in(client, session):
    registered = register(client, "New.Patient@Example.com")
    assert registered.status_code == 302 and registered.location == "/account"
    page = client.get("/account").get_data(as_text=True)
    assert 'id="account-email">new.patient@example.com<' in page
    assert 'id="account-role">patient<' in page

    signed_out = client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert signed_out.status_code == 302
    assert client.get("/account").location == "/login?next=/account"

    signed_in = sign_in(client, "new.patient@example.com", path="/login?next=/account")
    assert signed_in.status_code == 302 and signed_in.location == "/account"
    assert client.get("/account").status_code == 200


def test_sign_out_needs_the_csrf_token(client, user_factory):
    sign_in(client, user_factory("patient").email)
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example", "///evil.example", "/\t/evil.example",
    "javascript:alert(1)",
])
def test_sign_in_never_redirects_off_site(client, user_factory, target):
    user = user_factory("doctor")
    response = sign_in(client, user.email, path=f"/login?next={target}")
    assert response.status_code == 302
    assert response.location == "/account"


def test_sign_in_follows_a_local_next_with_its_query(client, user_factory):
    user = user_factory("doctor")
    response = sign_in(client, user.email, path="/login?next=/account%3Ftab%3Dtokens")
    assert response.location == "/account?tab=tokens"


@pytest.mark.parametrize("email, password", [
    ("known", "wrong password!"),
    ("nobody@example.com", PASSWORD),
], ids=["wrong-password", "unknown-email"])
def test_wrong_password_and_unknown_email_look_the_same(client, user_factory, email, password):
    known = user_factory("patient").email
    response = sign_in(client, known if email == "known" else email, password)
    assert response.status_code == 401
    assert WRONG_CREDENTIALS in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_deactivated_account_cannot_sign_in(client, session, user_factory):
    user = user_factory("doctor")
    user.active = False
    session.commit()
    response = sign_in(client, user.email)
    assert response.status_code == 401
    assert WRONG_CREDENTIALS in response.get_data(as_text=True)


def test_deactivating_an_account_ends_its_open_sessions(client, session, user_factory):
    user = user_factory("doctor")
    sign_in(client, user.email)
    assert client.get("/account").status_code == 200
    user.active = False
    session.commit()
    response = client.get("/account")
    assert response.status_code == 302
    assert response.location.startswith("/login")


@pytest.mark.parametrize("password, confirm, message", [
    ("short", "short", "at least 10"),
    (PASSWORD, PASSWORD + "!", "The passwords differ."),
], ids=["short", "mismatched"])
def test_invalid_registration_creates_nothing(client, session, password, confirm, message):
    response = register(client, "someone@example.com", password, confirm)
    assert message in response.get_data(as_text=True)
    assert emails(session) == []
    assert client.get("/account").status_code == 302  # not signed in


def test_registering_a_taken_email_is_422_and_creates_nothing(client, session, user_factory):
    user_factory("doctor", email="taken@example.com")
    response = register(client, "TAKEN@example.com")
    assert response.status_code == 422
    assert "That email cannot be registered." in response.get_data(as_text=True)
    assert emails(session) == ["taken@example.com"]
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize("password, confirm", [("short", "short"), (PASSWORD, "different!!!")],
                         ids=["short", "mismatched"])
def test_invalid_registration_form_is_422(client, password, confirm):
    assert register(client, "someone@example.com", password, confirm).status_code == 422


@pytest.mark.parametrize("path, data", [
    ("/login", {"email": "someone@example.com", "password": PASSWORD}),
    ("/register", {"email": "someone@example.com", "password": PASSWORD, "confirm": PASSWORD}),
], ids=["login", "register"])
def test_forms_refuse_posts_without_csrf_token(client, session, path, data):
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "CSRF" in response.get_data(as_text=True)
    assert emails(session) == []


def test_admin_creates_an_account_from_the_users_page(client, session, user_factory):
    admin = user_factory("admin")
    sign_in(client, admin.email)
    form = {"email": "dr.who@example.com", "role": "doctor", "password": PASSWORD,
            "trainer_id": ""}
    created = post_form(client, "/admin/users", form)
    assert created.status_code == 302 and created.location == "/admin/users"
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "<td>dr.who@example.com</td><td>doctor</td>" in listing
    assert "Created doctor account dr.who@example.com." in listing

    duplicate = post_form(client, "/admin/users", form)
    assert duplicate.status_code == 422
    assert "An account with this email already exists." in duplicate.get_data(as_text=True)
    assert sorted(emails(session)) == sorted([admin.email, "dr.who@example.com"])


def test_users_page_is_for_admins_only(client, user_factory):
    assert client.get("/admin/users").location == "/login?next=/admin/users"
    sign_in(client, user_factory("curator").email)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert response.mimetype == "text/html"


def test_incomplete_sign_in_form_is_422_with_field_errors(client):
    response = post_form(client, "/login", {"email": "", "password": ""})
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)


def copied_cookies(client) -> dict[str, str]:
    return {cookie.key: cookie.value for cookie in client._cookies.values()}


def browser_with(app, cookies: dict[str, str]):
    """Another browser holding copies of these cookies, as a thief would."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


@pytest.mark.parametrize("kept", ["session", "remember_token"])
def test_signing_out_ends_every_copy_of_the_session_and_remember_me(app, client,
                                                                    user_factory, kept):
    user = user_factory("doctor")
    post_form(client, "/login", {"email": user.email, "password": PASSWORD,
                                 "remember": "y"})
    stolen = {kept: copied_cookies(client)[kept]}
    assert browser_with(app, stolen).get("/account").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert browser_with(app, stolen).get("/account").location == "/login?next=/account"


def test_signing_in_starts_a_fresh_session(client, user_factory):
    with client.session_transaction() as cookie:
        cookie["planted"] = "set before sign-in"
    sign_in(client, user_factory("doctor").email)
    with client.session_transaction() as cookie:
        assert "planted" not in cookie and cookie["_user_id"]
