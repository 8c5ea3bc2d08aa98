from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from directory.db import TimestampMixin, str_enum, utcnow
from directory.extensions import db

if TYPE_CHECKING:
    from directory.doctors.models import DoctorProfile
    from directory.trainers.models import Trainer

# Compared against when an email is unknown, so a failed login takes as long either way.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")
TOKEN_PREFIX = "rf_"


class Role(StrEnum):
    PATIENT = "patient"
    DOCTOR = "doctor"
    TRAINER = "trainer"
    CURATOR = "curator"
    ADMIN = "admin"


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    # info["audit"] tells the audit log to record that the value changed, never the value.
    password_hash: Mapped[str] = mapped_column(String(255), info={"audit": "redact"})
    role: Mapped[Role] = mapped_column(str_enum(Role))
    active: Mapped[bool] = mapped_column(default=True)
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("trainers.id"), unique=True)
    last_login_at: Mapped[datetime | None] = mapped_column(info={"audit": "skip"})
    # Part of the id sign-in cookies carry: raising it ends every session made before
    # (a password reset, a deactivation).
    session_epoch: Mapped[int] = mapped_column(default=0)

    trainer: Mapped[Trainer | None] = relationship()
    doctor_profile: Mapped[DoctorProfile | None] = relationship(back_populates="user")
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user",
                                                  order_by="ApiToken.id")

    @property
    def is_active(self) -> bool:  # Flask-Login logs out deactivated accounts
        return self.active

    def get_id(self) -> str:
        """What session and remember-me cookies store (see auth.load_user_from_session)."""
        return f"{self.id}.{self.session_epoch}"

    def end_sessions(self) -> None:
        self.session_epoch += 1

    def set_password(self, password: str) -> None:
        # scrypt is memory-hard; werkzeug picks sound parameters and salts each hash.
        # Only the test suite, which makes thousands of accounts, asks for a cheaper one.
        method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


def spend_time_like_a_password_check(password: str) -> None:
    check_password_hash(_DUMMY_HASH, password)


def hash_token(secret: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough to make a stolen table useless.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(db.Model):
    """A bearer token for the API; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info={"audit": "redact"})
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None] = mapped_column(info={"audit": "skip"})
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")

    @classmethod
    def issue(cls, user: User, name: str, lifetime: timedelta) -> tuple[ApiToken, str]:
        """Make a token for the user; the secret is returned once and never stored."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls(user=user, name=name, token_hash=hash_token(secret),
                    expires_at=utcnow() + lifetime)
        return token, secret

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now and self.user.is_active


class PasswordReset(db.Model):
    """A one-time link an admin made for a user to choose a new password; only its hash
    is stored, and it works once, before it expires."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info={"audit": "redact"})
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @classmethod
    def issue(cls, user: User, created_by: User | None,
              lifetime: timedelta) -> tuple[PasswordReset, str]:
        """Make a reset for the user; the secret is returned once and never stored."""
        secret = secrets.token_urlsafe(32)
        reset = cls(user=user, created_by_id=created_by.id if created_by else None,
                    token_hash=hash_token(secret), expires_at=utcnow() + lifetime)
        return reset, secret

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and self.expires_at > now and self.user.is_active
