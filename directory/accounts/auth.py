"""How a request says who it is: a session cookie for pages, a bearer token for the API."""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from directory.accounts.models import User
from directory.accounts.services import token_for_secret
from directory.audit.services import ANONYMOUS, Actor
from directory.extensions import db, login_manager


def is_api_request() -> bool:
    return request.path.startswith("/api/")


@login_manager.user_loader
def load_user_from_session(user_id: str) -> User | None:
    # The API ignores session cookies: a page on another site could make a browser send
    # them (CSRF), while it cannot make it send a bearer token.
    if is_api_request():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.is_active else None


@login_manager.request_loader
def load_user_from_token(_request) -> User | None:
    secret = bearer_token()
    if secret is None or not is_api_request():
        return None
    token = token_for_secret(db.session, secret)
    if token is None:
        return None
    user = token.user
    # Commit the coarse last-used time now, alone, before the view starts its own work.
    db.session.commit()
    return user


def bearer_token() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() or None if scheme.lower() == "bearer" else None


def identify_request() -> None:
    """Load the user once per request and remember them as the audit log's actor."""
    if is_api_request() and bearer_token() and not current_user.is_authenticated:
        # A bad token is a 401 even where none is needed, so clients notice at once.
        raise Unauthorized("The API token is invalid, expired or revoked.",
                           www_authenticate=WWWAuthenticate("bearer"))
    g.actor = (Actor(current_user.id, current_user.role.value)
               if current_user.is_authenticated else ANONYMOUS)


def register_authentication(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to see that page."
    app.before_request(identify_request)
