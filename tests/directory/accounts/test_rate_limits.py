"""Sign-in and token requests are rate limited, in memory or in Redis.

Redis tests are skipped with a message when no server is reachable, unless CI=true,
where that fails the run (as for PostgreSQL in tests/conftest.py).
"""

from __future__ import annotations

import os
import re
import uuid

import pytest
import redis

from directory.accounts.models import Role
from directory.accounts.services import create_user
from directory.db import today
from directory.extensions import db, limiter
from directory.referrals.schemas import ReferralCreateSchema
from directory.referrals.services import create_referral
from directory.search.sync import search_snapshots
from tests.apps import build_app, isolated
from tests.factories import (
    PASSWORD,
    add_trainers,
    credential_payload,
    experience,
    make_trainer,
    referral_body,
)

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BAD_LOGIN = {"email": "nobody@example.com", "password": "wrong password"}


@pytest.fixture(scope="session")
def redis_server():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        message = (f"Redis is not reachable at {REDIS_URL} ({error}); "
                   "start it or set TEST_REDIS_URL.")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    yield client
    client.close()


@pytest.fixture(params=["memory", "redis"])
def storage(request):
    """The storage URI, and a Redis client for the Redis variant."""
    if request.param == "memory":
        return "memory://", None
    return REDIS_URL, request.getfixturevalue("redis_server")


@pytest.fixture
def limited_app(database_url, storage, tmp_path, monkeypatch):
    uri, _redis = storage
    prefix = f"referfit-test-{uuid.uuid4().hex}"
    # The limiter is one object per process and keeps the first key prefix it is given;
    # clear it so this test's prefix applies and runs sharing a Redis never collide.
    monkeypatch.setattr(limiter, "_key_prefix", "")
    app = build_app(database_url, tmp_path, **{
        "WTF_CSRF_ENABLED": False,  # CSRF has its own tests
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": uri,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_RATE_LIMIT": "3 per minute",
        "LOGIN_ACCOUNT_RATE_LIMIT": "8 per minute",
        "LOGIN_ADDRESS_RATE_LIMIT": "6 per minute",
        "CORRECTION_RATE_LIMIT": "2 per hour",
        "SELF_REFERRAL_RATE_LIMIT": "2 per hour",
        "MESSAGE_RATE_LIMIT": "2 per hour",
    })
    with isolated(app, tmp_path):
        yield app
    if _redis is not None:
        for key in _redis.scan_iter(f"*{prefix}*"):
            _redis.delete(key)
    with app.app_context():
        db.engine.dispose()


def test_fourth_sign_in_attempt_in_a_minute_is_429(limited_app):
    client = limited_app.test_client()
    statuses = [client.post("/login", data=BAD_LOGIN).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    page = client.post("/login", data=BAD_LOGIN)
    assert page.status_code == 429 and page.mimetype == "text/html"
    assert client.get("/login").status_code == 200  # only POSTs are limited


def test_fourth_token_request_in_a_minute_is_429_json(limited_app):
    client = limited_app.test_client()
    statuses = [client.post("/api/v1/auth/tokens", json=BAD_LOGIN).status_code
                for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    response = client.post("/api/v1/auth/tokens", json=BAD_LOGIN)
    assert response.status_code == 429
    assert response.json["code"] == 429
    assert "Retry-After" in response.headers


@pytest.mark.parametrize("storage", ["redis"], indirect=True)
def test_limits_are_kept_in_the_configured_redis(limited_app, storage):
    _uri, client = storage
    limited_app.test_client().post("/login", data=BAD_LOGIN)
    prefix = limited_app.config["RATELIMIT_KEY_PREFIX"]
    assert list(client.scan_iter(f"*{prefix}*")) != []


def from_address(app, number: int):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"198.51.100.{number}"
    return client


@pytest.fixture
def owner(limited_app):
    with limited_app.app_context():
        create_user(db.session, "owner@example.com", PASSWORD, Role.DOCTOR)
        db.session.commit()
    return {"email": "owner@example.com", "password": PASSWORD}


def test_failures_from_other_addresses_never_lock_the_owner_out(limited_app, owner):
    wrong = {**owner, "password": "a wrong guess"}
    statuses = [from_address(limited_app, n).post("/api/v1/auth/tokens", json=wrong
                                                  ).status_code for n in range(1, 7)]
    assert statuses == [401] * 6
    assert from_address(limited_app, 7).post("/api/v1/auth/tokens", json=owner
                                             ).status_code == 201
    assert from_address(limited_app, 8).post("/login", data=owner).status_code == 302


def test_the_owner_s_own_successes_never_count_as_failures(limited_app, owner):
    client = from_address(limited_app, 1)
    assert [client.post("/api/v1/auth/tokens", json=owner).status_code
            for _ in range(5)] == [201] * 5


def test_guessing_one_account_from_many_addresses_meets_a_ceiling(limited_app, owner):
    wrong = {**owner, "password": "a wrong guess"}
    statuses = [from_address(limited_app, n).post("/api/v1/auth/tokens", json=wrong
                                                  ).status_code for n in range(1, 10)]
    assert statuses == [401] * 8 + [429]
    refused = from_address(limited_app, 20).post("/login", data=wrong)
    assert refused.status_code == 429
    assert re.search(r"Too many failed sign-ins to this account\. Try again in \d+ seconds\.",
                     refused.get_data(as_text=True))


def test_one_address_trying_many_accounts_is_limited(limited_app):
    client = from_address(limited_app, 1)
    statuses = [client.post("/api/v1/auth/tokens", json={
        **BAD_LOGIN, "email": f"person{n}@example.com"}).status_code for n in range(7)]
    assert statuses == [401] * 6 + [429]
    assert client.post("/api/v1/auth/tokens", json=BAD_LOGIN).json["message"].startswith(
        "Too many sign-in attempts from your network. Try again in ")


def test_a_trainer_asks_for_corrections_only_so_often(limited_app):
    """Each request emails every curator: one account cannot flood them."""
    with limited_app.app_context():
        trainer = make_trainer(db.session)
        account = create_user(db.session, "coach@example.com", PASSWORD, Role.TRAINER,
                              trainer)
        db.session.commit()
        account_id = account.get_id()
    client = limited_app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"], cookie["_fresh"] = account_id, True
    statuses = [client.post("/my/profile/corrections", data={
        "credential_id": "", "message": "My NSCA-CSCS is missing."}).status_code
        for _ in range(3)]
    assert statuses == [302, 302, 429]


def test_a_patient_refers_themselves_only_so_often(limited_app):
    """Each self-referral emails the trainer: one account cannot flood them, by the page
    or the API, and signing in again does not start the count afresh. A request refused
    for a mistake costs nothing."""
    with limited_app.app_context():
        trainer = make_trainer(db.session)
        create_user(db.session, "pat@example.com", PASSWORD, Role.PATIENT)
        db.session.commit()
        trainer_id = trainer.id
    account = {"email": "pat@example.com", "password": PASSWORD}

    def api_client():
        client = limited_app.test_client()
        secret = client.post("/api/v1/auth/tokens", json=account).json["token"]
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        return client

    def ask(client, **changes):
        return client.post("/api/v1/referrals/self", json={
            "trainer_id": trainer_id, "goals": ["walk"], "conditions": ["type 2 diabetes"],
            "patient": {"name": "Pat", "age": 58, "place": "10001"},
            "screening": {"exercises_regularly": False, "known_disease": False,
                          "symptoms": False, "desired_intensity": "moderate"},
            **changes}).status_code

    first = api_client()
    assert [ask(first, goals=[]) for _ in range(3)] == [422] * 3  # mistakes: free
    assert [ask(first), ask(api_client())] == [201, 201]
    assert ask(api_client()) == 429
    page = limited_app.test_client()
    page.post("/login", data=account)
    assert page.post(f"/referrals/self?trainer_id={trainer_id}", data={}).status_code == 429


def test_messages_on_a_referral_are_limited_per_account_by_the_page_and_the_api(
        limited_app):
    """Each message may email the other parties: one account cannot flood them."""
    with limited_app.app_context():
        near = add_trainers(db.session, {"last_name": "Near", "postal_code": "60614",
                                         "conditions": [experience("type-2-diabetes")],
                                         "credentials": [credential_payload(
                                             expires_on="2099-06-30")]})[0]
        doctor = create_user(db.session, "doc@example.com", PASSWORD, Role.DOCTOR)
        referral = create_referral(db.session, doctor, ReferralCreateSchema().load(
            referral_body(shortlist=[near.id], send=True)),
            search_snapshots().current(db.session, today()), today())
        db.session.commit()
        path, account_id = f"/referrals/{referral.id}", doctor.get_id()
    api = limited_app.test_client()
    secret = api.post("/api/v1/auth/tokens", json={"email": "doc@example.com",
                                                    "password": PASSWORD}).json["token"]
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    say = [api.post(f"/api/v1{path}/messages", json=body).status_code
           for body in ({"body": " "}, {"body": "One."}, {"body": "Two."})]
    assert say == [422, 201, 201]  # a refused one costs nothing
    page = limited_app.test_client()
    with page.session_transaction() as cookie:
        cookie["_user_id"], cookie["_fresh"] = account_id, True
    assert page.post(f"{path}/messages", data={"body": "Three."}).status_code == 429
