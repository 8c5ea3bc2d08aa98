"""How a request says who it is: a session cookie for pages, a bearer token for the API."""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from directory.accounts.models import User
from directory.accounts.services import token_for_secret
from directory.audit.services import ANONYMOUS, Actor
from directory.db import commit_unless_busy
from directory.extensions import db, login_manager


def is_api_request() -> bool:
    return request.path.startswith("/api/")


@login_manager.user_loader
def load_user_from_session(cookie_id: str) -> User | None:
    """The active user a cookie names, unless their sessions were ended since it was
    made (User.get_id: "<id>.<epoch>"; a bare id is epoch 0)."""
    user_id, _, epoch = cookie_id.partition(".")
    epoch = epoch or "0"
    if not (user_id + epoch).isascii() or not user_id.isdigit() or not epoch.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_epoch != int(epoch):
        return None
    return user


def bearer_token() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() or None if scheme.lower() == "bearer" else None


def api_user() -> User | None:
    """The API's caller, from the bearer token alone.

    The API ignores session and remember-me cookies: a page on another site could make
    a browser send them (CSRF), while it cannot make it send a bearer token.
    """
    secret = bearer_token()
    if secret is None:
        return None
    token = token_for_secret(db.session, secret)
    if token is None:
        # A bad token is a 401 even where none is needed, so clients notice at once.
        raise Unauthorized("The API token is invalid, expired or revoked.",
                           www_authenticate=WWWAuthenticate("bearer"))
    user = token.user
    # The coarse last-used time, alone, before the view's own work; dropped rather than
    # waited for while another transaction (an import) holds the write lock.
    commit_unless_busy(db.session)
    return user


def identify_request() -> None:
    """Load the caller once per request and remember them as the audit log's actor."""
    if is_api_request():
        # Flask-Login reads the current user from here first: no cookie is consulted.
        g._login_user = api_user() or login_manager.anonymous_user()
    g.actor = (Actor(current_user.id, current_user.role.value)
               if current_user.is_authenticated else ANONYMOUS)


def register_authentication(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to see that page."
    app.before_request(identify_request)
