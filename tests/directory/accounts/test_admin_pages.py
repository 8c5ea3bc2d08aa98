"""The admins' user pages, driven as a browser would: filter the list, open an account,
change its role, deactivate it, link its trainer profile, and make a one-time
password-reset link that its owner then uses."""

from __future__ import annotations

import html
import logging
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from directory.accounts.models import PasswordReset
from directory.accounts.services import issue_token
from directory.audit.models import AuditEvent
from directory.db import utcnow
from directory.extensions import db, limiter
from tests.apps import build_app, isolated
from tests.factories import PASSWORD, make_trainer
from tests.web import csrf_token, post_form, sign_in

NEW_PASSWORD = "a brand new passphrase"
# Links are on SITE_URL, whatever host the admin's request named.
RESET_LINK = re.compile(
    r'id="reset-link" type="text" value="http://127.0.0.1:5000(/reset-password\?token=[^"]+)"')
UNUSABLE = "This password-reset link no longer works"


@pytest.fixture
def admin(client, user_factory):
    user = user_factory("admin")
    sign_in(client, user.email)
    return user


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def submit(client, account, action: str, data: dict | None = None):
    """Post one of the account page's forms, with the CSRF token that page rendered."""
    page = f"/admin/users/{account.id}"
    return client.post(f"{page}/{action}", data={"csrf_token": csrf_token(client, page),
                                                 **(data or {})})


def reload(session, obj):
    session.expire_all()
    return session.get(type(obj), obj.id)


def issue_link(client, account) -> str:
    """Make a reset link as the signed-in admin; returns its path."""
    response = submit(client, account, "reset")
    assert response.status_code == 200
    return RESET_LINK.search(response.get_data(as_text=True)).group(1)


def use_link(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return post_form(client, path, {"password": password,
                                    "confirm": password if confirm is None else confirm})


# The user list


def test_user_list_filters_by_role_status_and_email(client, session, admin, user_factory):
    user_factory("doctor", email="dr.ann@clinic.example")
    user_factory("doctor", email="dr.bob@other.example").active = False
    user_factory("patient", email="pat_100%@clinic.example")
    session.commit()

    def listed(query: str) -> set[str]:
        response = client.get(f"/admin/users?{query}")
        assert response.status_code == 200
        return set(re.findall(r"<tr><td>([^<]+)</td>", response.get_data(as_text=True)))

    everyone = {admin.email, "dr.ann@clinic.example", "dr.bob@other.example",
                "pat_100%@clinic.example"}
    assert listed("") == everyone
    assert listed("role=doctor") == {"dr.ann@clinic.example", "dr.bob@other.example"}
    assert listed("active=no") == {"dr.bob@other.example"}
    assert listed("role=doctor&active=yes") == {"dr.ann@clinic.example"}
    assert listed("email=CLINIC") == {"dr.ann@clinic.example", "pat_100%@clinic.example"}
    # % and _ are letters to look for, not wildcards.
    assert listed("email=_100%25") == {"pat_100%@clinic.example"}
    assert listed("email=r_b") == set()


def test_user_list_pages_keep_the_filters(client, session, admin, user_factory):
    for _ in range(51):
        user_factory("patient")
    first = client.get("/admin/users?role=patient").get_data(as_text=True)
    assert "51 accounts." in first and "Page 1 of 2" in first
    assert 'href="/admin/users?role=patient&amp;page=2"' in first
    second = client.get("/admin/users?role=patient&page=2").get_data(as_text=True)
    assert second.count("<tr><td>") == 1


def test_unknown_filter_values_are_422_with_the_reason(client, admin):
    response = client.get("/admin/users?role=wizard")
    assert response.status_code == 422
    assert "Not a valid choice." in text(response)


def test_each_user_links_to_their_account_page(client, admin, user_factory):
    doctor = user_factory("doctor")
    listing = client.get("/admin/users").get_data(as_text=True)
    assert (f'<a href="/admin/users/{doctor.id}">Manage<span class="visually-hidden"> '
            f"{doctor.email}</span></a>") in listing


# One account's page


def test_account_page_shows_the_account(client, session, admin, user_factory):
    trainer = make_trainer(session, first_name="Maria", last_name="Lopez")
    account = user_factory("trainer", trainer=trainer)
    account.last_login_at = utcnow().replace(year=2030, month=1, day=2, hour=3, minute=4)
    session.commit()
    page = text(client.get(f"/admin/users/{account.id}"))
    assert f"<h1>{account.email}</h1>" in page
    assert 'id="user-role">trainer<' in page and 'id="user-status">active<' in page
    assert f'<a href="/manage/trainers/{trainer.id}">Maria Lopez</a>' in page
    assert "2030-01-02 03:04 UTC" in page
    assert account.created_at.strftime("%Y-%m-%d %H:%M UTC") in page
    for action in ("role", "active", "trainer", "reset"):
        assert f'action="/admin/users/{account.id}/{action}"' in page


def test_an_unknown_account_is_404(client, admin):
    response = client.get("/admin/users/999999")
    assert response.status_code == 404
    assert "There is no account with id 999999." in text(response)


def test_own_account_page_offers_no_role_change_or_deactivation(client, admin):
    page = text(client.get(f"/admin/users/{admin.id}"))
    assert "This is your own account" in page
    assert f'action="/admin/users/{admin.id}/role"' not in page
    assert f'action="/admin/users/{admin.id}/active"' not in page


# Roles


def test_admin_changes_a_role(client, session, admin, user_factory):
    doctor = user_factory("doctor")
    response = submit(client, doctor, "role", {"role": "curator"})
    assert response.status_code == 302 and response.location == f"/admin/users/{doctor.id}"
    assert f"{doctor.email} is now a curator." in text(client.get(response.location))
    assert reload(session, doctor).role.value == "curator"


def test_a_trainer_given_another_role_is_unlinked(client, session, admin,
                                                   user_factory):
    account = user_factory("trainer", trainer=make_trainer(session))
    response = submit(client, account, "role", {"role": "doctor"})
    assert "is now a doctor, no longer linked to a trainer profile." in text(
        client.get(response.location))
    account = reload(session, account)
    assert account.role.value == "doctor" and account.trainer_id is None


def test_admin_cannot_change_their_own_role(client, session, admin):
    response = submit(client, admin, "role", {"role": "doctor"})
    assert response.status_code == 422
    assert "You cannot change your own role; another admin can." in text(response)
    assert reload(session, admin).role.value == "admin"


def test_an_unknown_role_is_refused_on_the_form(client, session, admin, user_factory):
    doctor = user_factory("doctor")
    response = submit(client, doctor, "role", {"role": "wizard"})
    assert response.status_code == 422
    page = text(response)
    assert '<select aria-describedby="role-errors" aria-invalid="true" id="role"' in page
    assert '<ul class="error" id="role-errors"><li>Not a valid choice.</li></ul>' in page
    # One alert for the refused form, not one per message.
    assert page.count('role="alert"') == 1
    assert '<div class="error" role="alert"><p>Correct the field marked below.</p></div>' in page
    assert reload(session, doctor).role.value == "doctor"


def test_a_refused_form_without_fields_says_why_in_one_alert(client, admin):
    response = submit(client, admin, "active", {"active": "no"})
    page = text(response)
    assert page.count('role="alert"') == 1
    assert ('<div class="error" role="alert"><p>You cannot deactivate your own account; '
            "another admin can.</p></div>") in page


# Deactivation


def test_deactivation_revokes_tokens_and_reset_links(client, session, admin, user_factory):
    doctor = user_factory("doctor")
    token, secret = issue_token(session, doctor, "laptop", 30)
    session.commit()
    link = issue_link(client, doctor)

    response = submit(client, doctor, "active", {"active": "no"})
    assert response.status_code == 302
    assert "is deactivated" in text(client.get(response.location))
    assert reload(session, token).revoked_at is not None
    assert session.scalar(select(PasswordReset.used_at)) is not None
    api = client.application.test_client()
    assert api.get("/api/v1/auth/tokens",
                   headers={"Authorization": f"Bearer {secret}"}).status_code == 401

    reactivated = submit(client, doctor, "active", {"active": "yes"})
    assert "is active again" in text(client.get(reactivated.location))
    assert reload(session, doctor).active
    # Neither the token nor the link comes back with the account.
    assert reload(session, token).revoked_at is not None
    assert client.get(link).status_code == 404


def test_deactivating_twice_changes_nothing_more(client, session, admin, user_factory):
    doctor = user_factory("doctor")
    submit(client, doctor, "active", {"active": "no"})
    assert submit(client, doctor, "active", {"active": "no"}).status_code == 302
    assert not reload(session, doctor).active


def test_admin_cannot_deactivate_themselves(client, session, admin):
    response = submit(client, admin, "active", {"active": "no"})
    assert response.status_code == 422
    assert "You cannot deactivate your own account; another admin can." in text(response)
    assert reload(session, admin).active


def test_a_bad_active_value_is_refused(client, session, admin, user_factory):
    doctor = user_factory("doctor")
    assert submit(client, doctor, "active", {"active": "maybe"}).status_code == 422
    assert reload(session, doctor).active


# Trainer links


def test_admin_links_and_unlinks_a_trainer_profile(client, session, admin,
                                                   user_factory):
    trainer = make_trainer(session, first_name="Maria", last_name="Lopez")
    account = user_factory("trainer")
    response = submit(client, account, "trainer", {"trainer_id": str(trainer.id)})
    assert response.status_code == 302
    assert f"{account.email} is now linked to the profile of Maria Lopez." in text(
        client.get(response.location))
    assert reload(session, account).trainer_id == trainer.id

    unlinked = submit(client, account, "trainer", {"trainer_id": ""})
    assert "is no longer linked to a trainer profile." in text(client.get(unlinked.location))
    assert reload(session, account).trainer_id is None


def test_a_profile_with_another_account_is_a_conflict(client, session, admin,
                                                      user_factory):
    trainer = make_trainer(session)
    user_factory("trainer", trainer=trainer)
    account = user_factory("trainer")
    response = submit(client, account, "trainer", {"trainer_id": str(trainer.id)})
    assert response.status_code == 409
    page = text(response)
    assert f"Trainer {trainer.id} is already linked to another account." in page
    assert f'value="{trainer.id}"' in page  # what was typed stays in the field
    assert reload(session, account).trainer_id is None


def test_only_a_trainer_account_can_be_linked(client, session, admin, user_factory):
    trainer = make_trainer(session)
    doctor = user_factory("doctor")
    response = submit(client, doctor, "trainer", {"trainer_id": str(trainer.id)})
    assert response.status_code == 422
    assert "Only a trainer account can be linked to a profile." in text(response)
    assert reload(session, doctor).trainer_id is None


@pytest.mark.parametrize("trainer_id, message", [
    ("999999", "There is no trainer with this id."),
    ("abc", "Not a valid integer value."),
])
def test_a_bad_trainer_id_is_refused_next_to_the_field(client, admin, user_factory,
                                                       trainer_id, message):
    account = user_factory("trainer")
    response = submit(client, account, "trainer", {"trainer_id": trainer_id})
    assert response.status_code == 422
    page = text(response)
    assert message in page and 'aria-describedby="trainer_id-errors"' in page


def test_reset_link_works_exactly_once(app, client, session, admin, user_factory):
    doctor = user_factory("doctor")
    issued = submit(client, doctor, "reset")
    assert issued.status_code == 200
    assert "It is shown only this once" in text(issued)
    assert 'role="status"' not in text(issued)  # read with the page, not announced
    reset = session.scalar(select(PasswordReset))
    assert reset.expires_at.strftime("%Y-%m-%d %H:%M UTC") in text(issued)
    assert timedelta(hours=23, minutes=59) < reset.expires_at - utcnow() <= timedelta(hours=24)
    link = RESET_LINK.search(issued.get_data(as_text=True)).group(1)

    visitor = app.test_client()
    form = visitor.get(link)
    assert form.status_code == 200 and doctor.email in text(form)
    done = use_link(visitor, link)
    assert done.status_code == 302 and done.location == "/login"
    assert "Your password is changed." in text(visitor.get("/login"))
    assert sign_in(visitor, doctor.email, PASSWORD).status_code == 401
    assert sign_in(visitor, doctor.email, NEW_PASSWORD).status_code == 302

    again = app.test_client()
    assert again.get(link).status_code == 404
    second = again.post(link, data={"csrf_token": csrf_token(again, "/login"),
                                    "password": "another passphrase",
                                    "confirm": "another passphrase"})
    assert second.status_code == 404
    assert sign_in(again, doctor.email, NEW_PASSWORD).status_code == 302


def test_unknown_used_and_expired_links_look_the_same(app, client, session, admin,
                                                      user_factory):
    used, expired = user_factory("doctor"), user_factory("doctor")
    used_link, expired_link = issue_link(client, used), issue_link(client, expired)
    use_link(app.test_client(), used_link)
    reset = session.scalar(select(PasswordReset).where(PasswordReset.user_id == expired.id))
    reset.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()

    visitor = app.test_client()
    pages = [visitor.get(path) for path in
             (used_link, expired_link, "/reset-password?token=not-a-real-token")]
    assert [page.status_code for page in pages] == [404, 404, 404]
    bodies = {re.sub(r'value="[^"]*"', "", text(page)) for page in pages}
    assert len(bodies) == 1
    assert UNUSABLE in bodies.pop() and "Ask an admin for a new link." in text(pages[0])


def test_a_new_link_ends_the_earlier_one(app, client, admin, user_factory):
    doctor = user_factory("doctor")
    first, second = issue_link(client, doctor), issue_link(client, doctor)
    visitor = app.test_client()
    assert visitor.get(first).status_code == 404
    assert use_link(visitor, second).status_code == 302


def test_a_deactivated_accounts_link_is_unusable(app, client, session, admin, user_factory):
    doctor = user_factory("doctor")
    link = issue_link(client, doctor)
    doctor.active = False  # even without the page, which also spends the link
    session.commit()
    assert app.test_client().get(link).status_code == 404


def test_no_link_for_a_deactivated_account(client, session, admin, user_factory):
    doctor = user_factory("doctor")
    submit(client, doctor, "active", {"active": "no"})
    response = submit(client, doctor, "reset")
    assert response.status_code == 422
    assert "Reactivate the account first" in text(response)
    assert session.scalar(select(PasswordReset)) is None


@pytest.mark.parametrize("password, confirm, message", [
    ("short", "short", "Field must be between 10 and 128 characters long."),
    (NEW_PASSWORD, NEW_PASSWORD + "!", "The passwords differ."),
], ids=["short", "mismatched"])
def test_a_refused_new_password_keeps_the_link_usable(app, client, session, admin,
                                                      user_factory, password, confirm,
                                                      message):
    doctor = user_factory("doctor")
    link = issue_link(client, doctor)
    visitor = app.test_client()
    response = use_link(visitor, link, password, confirm)
    assert response.status_code == 422 and message in text(response)
    assert sign_in(visitor, doctor.email, PASSWORD).status_code == 302
    assert session.scalar(select(PasswordReset.used_at)) is None


def test_using_a_link_signs_out_whoever_is_signed_in(client, admin, user_factory):
    doctor = user_factory("doctor")
    link = issue_link(client, doctor)
    assert use_link(client, link).status_code == 302
    assert client.get("/admin/users").location == "/login?next=/admin/users"


def test_the_reset_secret_is_never_audited_or_logged(app, client, session, admin,
                                                     user_factory, caplog):
    caplog.set_level(logging.DEBUG)
    doctor = user_factory("doctor")
    link = issue_link(client, doctor)
    use_link(app.test_client(), link)
    secret = link.split("token=", 1)[1]
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "password_resets")).all()
    assert [event.action for event in events] == ["create", "update"]
    assert events[0].changes["token_hash"] == {"before": None, "after": "[redacted]"}
    assert all(secret not in str(event.changes) for event in events)
    assert secret not in caplog.text
    # The secret is in the query string, which the access log drops.
    logging.getLogger("werkzeug").info('127.0.0.1 - - "%s" 200 -', f"GET {link} HTTP/1.1")
    assert secret not in caplog.text
    assert '"GET /reset-password?[redacted] HTTP/1.1" 200' in caplog.text


@pytest.fixture
def limited_app(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setattr(limiter, "_key_prefix", "")  # see test_rate_limits.py
    app = build_app(sqlite_url, tmp_path, **{
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_KEY_PREFIX": f"referfit-test-{uuid.uuid4().hex}",
        "LOGIN_RATE_LIMIT": "3 per minute",
    })
    with isolated(app, tmp_path):
        yield app
    with app.app_context():
        db.engine.dispose()


def test_reset_posts_are_rate_limited_like_sign_in(limited_app):
    client = limited_app.test_client()
    path = "/reset-password?token=guessed-token"
    statuses = [client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
                            ).status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    assert client.get(path).status_code == 404  # only POSTs are limited


# Authorization and CSRF

ROLES = ("anonymous", "patient", "doctor", "trainer", "curator", "admin")


@pytest.fixture
def world(app, session, user_factory):
    """A trainer account to act on, and a signed-in page client maker per role."""
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF has its own tests below
    callers = {role: user_factory(role) for role in ROLES[1:] if role != "trainer"}
    callers["trainer"] = user_factory("trainer", trainer=make_trainer(session))

    def client_as(role):
        client = app.test_client()
        if role != "anonymous":
            with client.session_transaction() as cookie_session:
                cookie_session["_user_id"] = str(callers[role].id)
        return client
    return {"target": user_factory("trainer"), "client_as": client_as}


def expected(admin: int, curator: int = 403) -> dict[str, int]:
    return {"anonymous": 302, "patient": 403, "doctor": 403, "trainer": 403,
            "curator": curator, "admin": admin}


@pytest.mark.parametrize("method, action, data, statuses", [
    ("GET", "", None, expected(200)),
    ("POST", "/role", {"role": "trainer"}, expected(302)),
    ("POST", "/active", {"active": "yes"}, expected(302)),
    ("POST", "/trainer", {"trainer_id": ""}, expected(302)),
    ("POST", "/reset", {}, expected(200)),
], ids=["user", "change_role", "set_active", "link_trainer", "issue_reset"])
def test_who_may_use_the_account_pages(world, method, action, data, statuses):
    path = f"/admin/users/{world['target'].id}{action}"
    for role, status in statuses.items():
        response = world["client_as"](role).open(path, method=method, data=data)
        assert response.status_code == status, role
        if role == "anonymous":
            assert response.location.startswith("/login?next=")


def test_anyone_may_open_a_reset_link(world, session):
    reset, secret = PasswordReset.issue(world["target"], None, timedelta(hours=1))
    session.add(reset)
    session.commit()
    for role in ROLES:
        assert world["client_as"](role).get(f"/reset-password?token={secret}").status_code == 200
    assert world["client_as"]("patient").post(
        f"/reset-password?token={secret}",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


@pytest.mark.parametrize("action, data", [
    ("role", {"role": "curator"}), ("active", {"active": "no"}),
    ("trainer", {"trainer_id": ""}), ("reset", {}),
])
def test_account_forms_need_the_csrf_token(client, session, admin, user_factory, action,
                                           data):
    doctor = user_factory("doctor")
    response = client.post(f"/admin/users/{doctor.id}/{action}", data=data)
    assert response.status_code == 400 and "CSRF" in text(response)
    doctor = reload(session, doctor)
    assert doctor.role.value == "doctor" and doctor.active
    assert session.scalar(select(PasswordReset)) is None


def test_the_reset_form_needs_the_csrf_token(app, client, admin, user_factory):
    doctor = user_factory("doctor")
    link = issue_link(client, doctor)
    visitor = app.test_client()
    response = visitor.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert sign_in(visitor, doctor.email, PASSWORD).status_code == 302



def test_the_reset_page_sends_no_referrer_and_is_never_cached(app, client, session, admin,
                                                              user_factory):
    link = issue_link(client, user_factory("doctor"))
    page = app.test_client().get(link)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    assert app.test_client().get("/login").headers["Referrer-Policy"] == "same-origin"


def test_a_reset_password_ends_the_accounts_api_tokens(app, client, session, admin,
                                                      user_factory):
    doctor = user_factory("doctor")
    token, _secret = issue_token(session, doctor, "laptop", 30)
    session.commit()
    use_link(app.test_client(), issue_link(client, doctor))
    session.refresh(token)
    assert token.revoked_at is not None


def test_a_reset_or_a_deactivation_ends_every_open_session(app, client, session, admin,
                                                           user_factory):
    doctor, nurse = user_factory("doctor"), user_factory("doctor")
    elsewhere, other = app.test_client(), app.test_client()
    sign_in(elsewhere, doctor.email)
    sign_in(other, nurse.email)
    assert elsewhere.get("/account").status_code == 200
    use_link(app.test_client(), issue_link(client, doctor))
    assert elsewhere.get("/account").status_code == 302  # signed out: sign in again
    assert submit(client, nurse, "active", {"active": "no"}).status_code == 302
    assert other.get("/account").status_code == 302
