"""Rate limits: signing in, and each account's messages to other people.

Signing in has one set of limits shared by the sign-in page and the token endpoint.

Three limits, so that guessing is slow and nobody can lock an account's owner out by
failing on purpose from elsewhere:

- per address, every attempt on any account (LOGIN_ADDRESS_RATE_LIMIT): one machine
  trying many accounts;
- per account and address, failed attempts only (LOGIN_RATE_LIMIT): one machine guessing
  one password. Another address's failures never count against the owner here;
- per account, failed attempts from any address (LOGIN_ACCOUNT_RATE_LIMIT): a ceiling,
  far higher, on guessing one password from many machines.
"""

from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from directory.extensions import limiter

# One count for the sign-in page and the token endpoint alike: two doors, one lock.
SCOPE = "sign-in"


def attempted_email() -> str:
    """The account a sign-in attempt names, from a form or any JSON body."""
    data = request.form or request.get_json(silent=True)
    email = data.get("email") if hasattr(data, "get") else None
    return str(email or "").strip().lower()


def _failed(response) -> bool:
    return response.status_code == 401


def _limit(setting: str):
    return lambda: current_app.config[setting]


SIGN_IN_LIMITS = [
    limiter.shared_limit(_limit("LOGIN_ADDRESS_RATE_LIMIT"), SCOPE, methods=["POST"],
                         error_message="Too many sign-in attempts from your network."),
    limiter.shared_limit(
        _limit("LOGIN_RATE_LIMIT"), SCOPE, methods=["POST"], deduct_when=_failed,
        key_func=lambda: f"email:{attempted_email()}|{get_remote_address()}",
        error_message="Too many failed sign-ins to this account from here."),
    limiter.shared_limit(
        _limit("LOGIN_ACCOUNT_RATE_LIMIT"), SCOPE, methods=["POST"], deduct_when=_failed,
        key_func=lambda: f"email:{attempted_email()}",
        error_message="Too many failed sign-ins to this account."),
]


def sign_in_limited(view):
    """Apply every sign-in limit to a view function."""
    for limit in reversed(SIGN_IN_LIMITS):
        view = limit(view)
    return view


def signed_in_account() -> str:
    """Rate-limit key per account, whatever session it signs in with."""
    return f"account:{current_user.id}"


def per_account(setting: str, scope: str):
    """A limit on one account's POSTs, shared by every route that takes `scope` (a page
    and its API twin): each one that goes through emails someone. A refused one (a
    mistake in the form) costs nothing."""
    return limiter.shared_limit(_limit(setting), scope, key_func=signed_in_account,
                                methods=["POST"], deduct_when=_went_through,
                                exempt_when=lambda: not current_user.is_authenticated)


def _went_through(response) -> bool:
    return response.status_code < 400
