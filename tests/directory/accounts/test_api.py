"""The accounts API: bearer tokens, users, trainer account links and trainers' own edits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from directory.accounts.models import ApiToken, User
from directory.db import utcnow
from tests.factories import PASSWORD, credential_payload, make_trainer

TOKENS = "/api/v1/auth/tokens"


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def issue(client, email: str, **fields):
    return client.post(TOKENS, json={"email": email, "password": PASSWORD, **fields})


def test_token_is_shown_once_and_listed_without_secrets(client, user_factory):
    user = user_factory("doctor")
    issued = issue(client, user.email.upper(), name="laptop", lifetime_days=7)
    assert issued.status_code == 201
    secret = issued.json["token"]
    assert secret.startswith("rf_") and len(secret) > 40
    assert issued.json["name"] == "laptop"

    listed = client.get(TOKENS, headers=bearer(secret))
    assert listed.status_code == 200
    assert [token["id"] for token in listed.json] == [issued.json["id"]]
    assert set(listed.json[0]) == {"id", "name", "created_at", "expires_at", "last_used_at",
                                   "revoked_at"}
    assert secret not in listed.get_data(as_text=True)


def test_only_the_hash_of_a_token_is_stored(client, session, user_factory):
    secret = issue(client, user_factory("doctor").email).json["token"]
    stored = session.scalars(select(ApiToken)).one()
    assert stored.token_hash != secret and secret not in stored.token_hash


def test_revoked_token_is_refused(client, user_factory):
    secret = issue(client, user_factory("doctor").email).json["token"]
    token_id = client.get(TOKENS, headers=bearer(secret)).json[0]["id"]
    assert client.delete(f"{TOKENS}/{token_id}", headers=bearer(secret)).status_code == 204
    response = client.get(TOKENS, headers=bearer(secret))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert response.json["code"] == 401


def test_expired_token_is_refused(client, session, user_factory):
    secret = issue(client, user_factory("doctor").email).json["token"]
    token = session.scalars(select(ApiToken)).one()
    token.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert client.get(TOKENS, headers=bearer(secret)).status_code == 401


def test_token_of_a_deactivated_account_is_refused(api_as, session):
    doctor = api_as("doctor")
    doctor.user.active = False
    session.commit()
    assert doctor.get(TOKENS).status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/trainers", "/api/v1/conditions"])
def test_bad_token_is_401_even_where_none_is_needed(client, path):
    response = client.get(path, headers=bearer("rf_not-a-real-token"))
    assert response.status_code == 401
    assert "Bearer" in response.headers["WWW-Authenticate"].title()
    assert client.get(path).status_code == 200


def test_api_ignores_the_session_cookie(client, user_factory):
    user = user_factory("admin")
    with client.session_transaction() as cookie_session:
        cookie_session["_user_id"] = str(user.id)
    assert client.get("/account").status_code == 200
    assert client.get(TOKENS).status_code == 401


@pytest.mark.parametrize("email, password", [
    ("known", "wrong password!"), ("nobody@example.com", PASSWORD),
], ids=["wrong-password", "unknown-email"])
def test_bad_credentials_get_no_token(client, session, user_factory, email, password):
    known = user_factory("doctor").email
    response = client.post(TOKENS, json={"email": known if email == "known" else email,
                                         "password": password})
    assert response.status_code == 401
    assert response.json["message"] == "Email or password is incorrect."
    assert session.scalars(select(ApiToken)).all() == []


@pytest.mark.parametrize("days", [0, 366])
def test_token_lifetime_must_be_within_a_year(client, session, user_factory, days):
    response = issue(client, user_factory("doctor").email, lifetime_days=days)
    assert response.status_code == 422
    assert "lifetime_days" in response.json["errors"]["json"]
    assert session.scalars(select(ApiToken)).all() == []


def test_tokens_need_no_csrf_token(client, user_factory):
    user = user_factory("doctor")
    client.get("/login")  # a session cookie, as a browser would have
    assert issue(client, user.email).status_code == 201


def test_nobody_revokes_another_accounts_token(api_as):
    owner, admin = api_as("doctor"), api_as("admin")
    token_id = owner.get(TOKENS).json[0]["id"]
    response = admin.delete(f"{TOKENS}/{token_id}")
    assert response.status_code == 404  # looks missing, as if it did not exist
    assert response.json["message"] == f"You have no token with id {token_id}."
    assert owner.get(TOKENS).status_code == 200


def test_admin_creates_a_doctor(api_as, client):
    admin = api_as("admin")
    response = admin.post("/api/v1/users", json={
        "email": "Dr.Jones@Example.com", "password": PASSWORD, "role": "doctor"})
    assert response.status_code == 201
    assert response.json["email"] == "dr.jones@example.com"
    assert response.json["role"] == "doctor" and response.json["active"] is True
    assert "password" not in response.json and "password_hash" not in response.json
    assert PASSWORD not in response.get_data(as_text=True)
    assert "dr.jones@example.com" in {u["email"] for u in admin.get("/api/v1/users").json}
    assert issue(client, "dr.jones@example.com").status_code == 201


def test_creating_a_user_with_a_taken_email_is_409(api_as, session):
    admin = api_as("admin")
    body = {"email": admin.user.email.upper(), "password": PASSWORD, "role": "doctor"}
    response = admin.post("/api/v1/users", json=body)
    assert response.status_code == 409
    assert session.scalar(select(User).where(User.role == "doctor")) is None


@pytest.mark.parametrize("role", ["curator", "doctor", "trainer"])
def test_only_admins_manage_users(api_as, role, session):
    caller = api_as(role)
    body = {"email": "sneaky@example.com", "password": PASSWORD, "role": "admin"}
    assert caller.post("/api/v1/users", json=body).status_code == 403
    assert caller.get("/api/v1/users").status_code == 403
    assert session.scalar(select(User).where(User.email == "sneaky@example.com")) is None


def test_anonymous_callers_get_401_from_users(client):
    assert client.get("/api/v1/users").status_code == 401


@pytest.fixture
def trainer(session):
    return make_trainer(session)


def link(curator, trainer, email):
    return curator.put(f"/api/v1/trainers/{trainer.id}/account", json={"email": email})


def test_curator_links_a_trainer_account_to_a_profile(curator, trainer, user_factory):
    account = user_factory("trainer")
    response = link(curator, trainer, account.email)
    assert response.status_code == 200
    assert response.json["trainer_id"] == trainer.id
    assert response.json["email"] == account.email


def test_only_trainer_accounts_can_be_linked(curator, trainer, user_factory, session):
    patient = user_factory("patient")
    response = link(curator, trainer, patient.email)
    assert response.status_code == 422
    session.refresh(patient)
    assert patient.trainer_id is None


def test_a_profile_has_one_account(curator, trainer, user_factory, session):
    first, second = user_factory("trainer", trainer=trainer), user_factory("trainer")
    response = link(curator, trainer, second.email)
    assert response.status_code == 409
    session.refresh(second)
    session.refresh(first)
    assert (first.trainer_id, second.trainer_id) == (trainer.id, None)


def test_linking_an_unknown_email_is_404(curator, trainer):
    assert link(curator, trainer, "nobody@example.com").status_code == 404


def test_trainers_cannot_link_accounts(api_as, trainer, user_factory):
    own = api_as("trainer", trainer=trainer)
    assert link(own, trainer, user_factory("trainer").email).status_code == 403


def test_trainer_edits_own_bio(api_as, trainer):
    own = api_as("trainer", trainer=trainer)
    response = own.patch(f"/api/v1/trainers/{trainer.id}", json={"bio": "Now in Queens."})
    assert response.status_code == 200
    assert response.json["bio"] == "Now in Queens."


@pytest.mark.parametrize("changes", [
    {"last_name": "Renamed"}, {"status": "inactive"}, {"bio": "Sneaky.", "first_name": "Ann"},
], ids=["last_name", "status", "bio-and-first_name"])
def test_trainer_cannot_change_own_record_fields(api_as, trainer, session, changes):
    own = api_as("trainer", trainer=trainer)
    before = (trainer.first_name, trainer.last_name, trainer.status, trainer.bio)
    assert own.patch(f"/api/v1/trainers/{trainer.id}", json=changes).status_code == 403
    session.refresh(trainer)
    assert (trainer.first_name, trainer.last_name, trainer.status, trainer.bio) == before


def test_trainer_cannot_manage_own_credentials(api_as, trainer, session):
    own = api_as("trainer", trainer=trainer)
    credential = trainer.credentials[0]
    added = own.post(f"/api/v1/trainers/{trainer.id}/credentials", json=credential_payload())
    assert added.status_code == 403
    changed = own.patch(f"/api/v1/credentials/{credential.id}", json={"status": "verified",
                                                                     "expires_on": "2199-01-01"})
    assert changed.status_code == 403
    session.refresh(trainer)
    assert len(trainer.credentials) == 1
    assert str(trainer.credentials[0].expires_on) == "2099-03-01"


def test_trainer_cannot_edit_another_trainer(api_as, trainer, session):
    other = make_trainer(session, last_name="Other", bio="Original.")
    own = api_as("trainer", trainer=trainer)
    assert own.patch(f"/api/v1/trainers/{other.id}", json={"bio": "Mine."}).status_code == 403
    session.refresh(other)
    assert other.bio == "Original."
