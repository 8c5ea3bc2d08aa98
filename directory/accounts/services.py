"""Accounts: registration, sign-in checks, API tokens, trainer links, and the admin's
changes to an account (role, deactivation, one-time password-reset links).

Takes the session and never commits; the caller commits once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.accounts.models import (
    ApiToken,
    PasswordReset,
    Role,
    User,
    hash_token,
    spend_time_like_a_password_check,
)
from directory.audit.services import Actor, record_event
from directory.db import utcnow
from directory.errors import Conflict, InvalidInput
from directory.trainers.models import Trainer
from directory.trainers.services import check_not_merged

MIN_PASSWORD_LENGTH = 10
RESET_LIFETIME = timedelta(hours=24)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(session: Session, email: str, password: str, role: Role,
                trainer: Trainer | None = None) -> User:
    """Create an account; the email must be new and the password long enough."""
    check_password_length(password)
    if find_user(session, email) is not None:
        raise Conflict("An account with this email already exists.")
    user = User(email=normalize_email(email), role=role)
    user.set_password(password)
    session.add(user)
    if trainer is not None:
        link_trainer(session, user, trainer)
    session.flush()
    return user


def check_password_length(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput({"password": [
            f"Use at least {MIN_PASSWORD_LENGTH} characters."]})


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user with this email and password, or None (never say which)."""
    user = find_user(session, email)
    if user is None:
        spend_time_like_a_password_check(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def pending_approval(session: Session, email: str, password: str) -> bool:
    """Whether these are the right email and password of a doctor who registered
    themselves and waits for approval (only the account's owner learns so)."""
    user = find_user(session, email)
    return (user is not None and not user.active and user.doctor_profile is not None
            and user.doctor_profile.awaiting_approval and user.check_password(password))


def record_login(session: Session, user: User) -> None:
    user.last_login_at = utcnow()
    record_event(session, "login", "users", user.id, actor=Actor(user.id, user.role.value))


def sign_out(session: Session, user: User) -> None:
    """End every session and remember-me cookie of the account (API tokens stay)."""
    user.end_sessions()
    record_event(session, "logout", "users", user.id, actor=Actor(user.id, user.role.value))


def issue_token(session: Session, user: User, name: str, lifetime_days: int):
    token, secret = ApiToken.issue(user, name, timedelta(days=lifetime_days))
    session.add(token)
    session.flush()
    return token, secret


def token_for_secret(session: Session, secret: str) -> ApiToken | None:
    """Return the usable token with this secret, noting when it was last used."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    now = utcnow()
    if token is None or not token.is_usable(now):
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        token.last_used_at = now  # coarse on purpose: one write per token per 5 minutes
    return token


def revoke_token(session: Session, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    session.flush()


def link_trainer(session: Session, user: User, trainer: Trainer) -> None:
    """Make `user` the account of `trainer`; each profile has at most one account."""
    if user.role is not Role.TRAINER:
        raise InvalidInput({"email": ["Only a trainer account can be linked to a profile."]})
    check_not_merged(trainer)
    holder = session.scalar(select(User).where(User.trainer_id == trainer.id))
    if holder is not None and holder is not user:
        raise Conflict(f"Trainer {trainer.id} is already linked to another account.")
    user.trainer = trainer
    session.flush()


def unlink_trainer(session: Session, user: User) -> None:
    user.trainer = None
    session.flush()


def change_role(session: Session, user: User, role: Role, admin: User) -> None:
    """Give `user` another role; a trainer profile stays only with a trainer account.

    Admins cannot change their own role, so the last admin can never demote themselves.
    """
    if user.id == admin.id:
        raise InvalidInput({"role": [
            "You cannot change your own role; another admin can."]})
    if role is not Role.TRAINER:
        user.trainer = None
    user.role = role
    session.flush()


def set_active(session: Session, user: User, active: bool, admin: User) -> None:
    """Deactivate or reactivate `user`; deactivating also ends their API tokens and
    reset links, which then stay dead even if the account comes back."""
    if user.id == admin.id and not active:
        raise InvalidInput({"active": [
            "You cannot deactivate your own account; another admin can."]})
    user.active = active
    if not active:
        now = utcnow()
        user.end_sessions()
        _revoke_tokens(user, now)
        _spend_open_resets(session, user, now)
    session.flush()


def _revoke_tokens(user: User, now: datetime) -> None:
    for token in user.tokens:
        if token.revoked_at is None:
            token.revoked_at = now


def issue_password_reset(session: Session, user: User,
                         admin: User) -> tuple[PasswordReset, str]:
    """Make a one-time reset link for `user`, ending any earlier one; returns the reset
    and its secret, which is shown once and never stored."""
    if not user.active:
        raise InvalidInput({"user": [
            "Reactivate the account first: a deactivated account's link would not work."]})
    _spend_open_resets(session, user, utcnow())
    reset, secret = PasswordReset.issue(user, admin, RESET_LIFETIME)
    session.add(reset)
    session.flush()
    return reset, secret


def find_usable_reset(session: Session, secret: str, *,
                      for_update: bool = False) -> PasswordReset | None:
    """The reset with this secret if it can still be used; None for unknown, used and
    expired alike. `for_update` locks it, so two submissions cannot both use it."""
    query = select(PasswordReset).where(PasswordReset.token_hash == hash_token(secret))
    reset = session.scalar(query.with_for_update() if for_update else query)
    return reset if reset is not None and reset.is_usable(utcnow()) else None


def use_password_reset(session: Session, reset: PasswordReset, password: str) -> None:
    """Set the new password and end every session and API token made with the old one:
    a reset often means the old password was lost to someone else."""
    check_password_length(password)
    reset.user.set_password(password)
    reset.used_at = utcnow()
    reset.user.end_sessions()
    _revoke_tokens(reset.user, reset.used_at)
    session.flush()


def _spend_open_resets(session: Session, user: User, now: datetime) -> None:
    """Mark the user's live links used: only the newest link may ever work."""
    open_resets = session.scalars(select(PasswordReset).where(
        PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None),
        PasswordReset.expires_at > now))
    for reset in open_resets:
        reset.used_at = now
