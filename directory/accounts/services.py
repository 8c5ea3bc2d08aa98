"""Accounts: registration, sign-in checks, API tokens and trainer links.

Takes the session and never commits; the caller commits once.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.accounts.models import (
    ApiToken,
    Role,
    User,
    hash_token,
    spend_time_like_a_password_check,
)
from directory.audit.services import Actor, record_event
from directory.db import utcnow
from directory.errors import Conflict, InvalidInput
from directory.trainers.models import Trainer

MIN_PASSWORD_LENGTH = 10


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(session: Session, email: str, password: str, role: Role,
                trainer: Trainer | None = None) -> User:
    """Create an account; the email must be new and the password long enough."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput({"password": [
            f"Use at least {MIN_PASSWORD_LENGTH} characters."]})
    if find_user(session, email) is not None:
        raise Conflict("An account with this email already exists.")
    user = User(email=normalize_email(email), role=role)
    user.set_password(password)
    session.add(user)
    if trainer is not None:
        link_trainer(session, user, trainer)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user with this email and password, or None (never say which)."""
    user = find_user(session, email)
    if user is None:
        spend_time_like_a_password_check(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def record_login(session: Session, user: User) -> None:
    user.last_login_at = utcnow()
    record_event(session, "login", "users", user.id, actor=Actor(user.id, user.role.value))


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
    holder = session.scalar(select(User).where(User.trainer_id == trainer.id))
    if holder is not None and holder is not user:
        raise Conflict(f"Trainer {trainer.id} is already linked to another account.")
    user.trainer = trainer
    session.flush()
