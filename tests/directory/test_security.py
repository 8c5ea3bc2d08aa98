"""Protections every response gets, and the config checks that guard production."""

from __future__ import annotations

import logging
import re
import runpy
import secrets
from pathlib import Path
from types import SimpleNamespace

import pytest

import directory
from directory import create_app
from directory.config import REPO_ROOT
from directory.security import InsecureConfiguration, RedactQueryStrings
from directory.trainers import services as trainer_services
from tests.factories import make_trainer
from tests.web import sign_in

TEMPLATES = Path(directory.__file__).parent / "templates"
SECRET_DETAIL = "secret patient detail"
PATHS = [
    "/", "/login", "/register", "/api/docs", "/no-such-page", "/account",
    "/api/openapi.json", "/api/v1/trainers", "/api/v1/users", "/api/v1/nothing-here",
]


@pytest.mark.sqlite_only  # headers and error pages: the same whatever the database
@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers


@pytest.mark.sqlite_only  # headers and error pages: the same whatever the database
@pytest.mark.parametrize("path", ["/", "/api/v1/trainers"])
def test_hsts_is_sent_over_https_only(client, path):
    response = client.get(path, base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.sqlite_only  # headers and error pages: the same whatever the database
def test_a_valid_request_id_is_echoed(client):
    response = client.get("/api/v1/trainers", headers={"X-Request-ID": "abc-123.DEF_4"})
    assert response.headers["X-Request-ID"] == "abc-123.DEF_4"


@pytest.mark.sqlite_only  # headers and error pages: the same whatever the database
@pytest.mark.parametrize("given", [None, "", "has spaces", "x" * 65, "<script>", "a\u00e9"])
def test_a_missing_or_invalid_request_id_is_replaced(client, given):
    headers = {} if given is None else {"X-Request-ID": given}
    response = client.get("/", headers=headers)
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


@pytest.mark.sqlite_only  # headers and error pages: the same whatever the database
def test_each_request_gets_its_own_generated_id(client):
    assert client.get("/").headers["X-Request-ID"] != client.get("/").headers["X-Request-ID"]


@pytest.mark.sqlite_only  # headers and error pages: the same whatever the database
def test_a_body_over_the_limit_is_413_json(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 100
    response = client.post("/api/v1/auth/tokens",
                           json={"email": "a@example.com", "password": "x" * 200})
    assert response.status_code == 413
    assert response.json["code"] == 413


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")),
                         ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_templates_have_no_inline_script_or_style(template):
    html = template.read_text()
    assert "<script" not in html.lower()
    assert not re.search(r"\sstyle\s*=", html, re.IGNORECASE)
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE)  # onclick= and the like


@pytest.mark.sqlite_only  # headers and error pages: the same whatever the database
def test_unexpected_errors_reveal_nothing(client, monkeypatch, caplog):
    def fail():
        raise RuntimeError(SECRET_DETAIL)

    monkeypatch.setattr(trainer_services, "list_trainers_query", fail)
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/trainers")
    assert response.status_code == 500
    assert response.json == {"code": 500, "status": "Internal Server Error",
                             "message": "Something went wrong on our side; nothing was saved."}
    assert "RuntimeError" in caplog.text  # logged, by type and stack
    assert SECRET_DETAIL not in caplog.text


@pytest.mark.sqlite_only  # headers and error pages: the same whatever the database
def test_unexpected_errors_on_pages_are_friendly(client, monkeypatch):
    def fail(*_args, **_kwargs):
        raise RuntimeError(SECRET_DETAIL)

    monkeypatch.setattr("directory.accounts.services.authenticate", fail)
    page = sign_in(client, "a@example.com")
    html = page.get_data(as_text=True)
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert SECRET_DETAIL not in html and "Traceback" not in html


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("REFERFIT_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SITE_URL", raising=False)
    return monkeypatch


@pytest.mark.parametrize("secret_key", [None, "dev-only-insecure-secret-key", "s" * 31],
                         ids=["unset", "development", "short"])
def test_production_refuses_a_weak_secret_key(production, secret_key):
    if secret_key is not None:
        production.setenv("SECRET_KEY", secret_key)
    with pytest.raises(InsecureConfiguration, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("site_url", [None, "http://referfit.example.org"],
                         ids=["unset", "plain-http"])
def test_production_refuses_a_site_url_links_cannot_trust(production, site_url):
    production.setenv("SECRET_KEY", secrets.token_urlsafe(48))
    if site_url is not None:
        production.setenv("SITE_URL", site_url)
    with pytest.raises(InsecureConfiguration, match="https SITE_URL"):
        create_app()


@pytest.mark.parametrize(("workers", "storage", "refused"), [
    (2, "memory://", True), (1, "memory://", False), (4, "redis://127.0.0.1:6379/0", False)])
def test_gunicorn_refuses_in_memory_rate_limits_with_several_workers(monkeypatch, workers,
                                                                     storage, refused):
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", storage)
    settings = runpy.run_path(str(REPO_ROOT / "gunicorn.conf.py"))
    server = SimpleNamespace(cfg=SimpleNamespace(workers=workers))
    if refused:
        with pytest.raises(RuntimeError, match=f"in-memory rate limits and {workers} workers"):
            settings["on_starting"](server)
    else:
        settings["on_starting"](server)


def test_production_accepts_a_random_secret_key_and_secures_cookies(production):
    production.setenv("SECRET_KEY", secrets.token_urlsafe(48))
    production.setenv("SITE_URL", "https://referfit.example.org")
    app = create_app()
    assert app.config["ENV_NAME"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_session_cookie_is_httponly_and_samesite_lax(client, user_factory):
    response = sign_in(client, user_factory("doctor").email)
    assert response.status_code == 302
    cookie = next(header for header in response.headers.getlist("Set-Cookie")
                  if header.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_answers_for_an_account_are_not_cached(client, api_as, user_factory):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    sign_in(client, user_factory("patient").email)
    assert client.get("/account").headers["Cache-Control"] == "no-store"
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert api_as("doctor").get("/api/v1/auth/tokens").headers["Cache-Control"] == "no-store"


def test_access_log_drops_query_strings():
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '%s "%s" %s %s',
        ("127.0.0.1", "GET /api/v1/trainers?condition=diabetes&near=10001 HTTP/1.1", "200", "-"),
        None)
    assert RedactQueryStrings().filter(record) is True
    message = record.getMessage()
    assert "diabetes" not in message and "10001" not in message
    assert message == '127.0.0.1 "GET /api/v1/trainers?[redacted] HTTP/1.1" 200 -'


def test_access_log_filter_is_installed(app):
    assert any(isinstance(f, RedactQueryStrings) for f in logging.getLogger("werkzeug").filters)


def test_user_text_is_escaped_in_pages(client, session, user_factory):
    trainer = make_trainer(session, last_name="<script>x</script>")
    sign_in(client, user_factory("trainer", trainer=trainer).email)
    html = client.get("/account").get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script" not in html


def test_behind_a_trusted_proxy_rate_limits_see_the_real_client(database_url):
    from directory import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
                      "TRUSTED_PROXIES": 1})
    seen = {}

    @app.get("/whoami")
    def whoami():
        from flask import g, request

        g.authorized = True
        seen.update(address=request.remote_addr, secure=request.is_secure)
        return ""

    response = app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.7",
                                                          "X-Forwarded-Proto": "https"})
    assert seen == {"address": "203.0.113.7", "secure": True}
    assert "Strict-Transport-Security" in response.headers
