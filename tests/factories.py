"""Builders of valid input and saved rows; each test overrides only what it is about."""

from __future__ import annotations

from itertools import count

from directory.accounts.models import Role
from directory.accounts.services import create_user
from directory.trainers.services import create_trainer

PASSWORD = "correct horse battery staple"
_numbers = count(1)
_emails = count(1)


def trainer_payload(**overrides) -> dict:
    """A valid POST /api/v1/trainers body."""
    payload = {
        "first_name": "Maria",
        "last_name": "Lopez",
        "email": "maria.lopez@example.com",
        "bio": "Clinical exercise physiologist.",
        "languages": ["en", "es"],
        "years_experience": 9,
        "modes": ["in_person", "virtual"],
        "price_min": 80,
        "price_max": 120,
        "postal_code": "10001",
        "credentials": [credential_payload()],
        "conditions": [{"condition": "type-2-diabetes", "years": 6, "level": "expert"}],
    }
    payload.update(overrides)
    return payload


def credential_payload(**overrides) -> dict:
    payload = {
        "certification": "ACSM-CEP",
        "credential_number": f"T-{next(_numbers):06d}",
        "issued_on": "2024-03-01",
        "expires_on": "2099-03-01",
        "status": "verified",
        "verification_source": "ACSM registry",
    }
    payload.update(overrides)
    return payload


def make_trainer(session, **overrides):
    """Save a trainer through the service (the catalogs must be loaded)."""
    from directory.trainers.schemas import TrainerCreateSchema

    trainer = create_trainer(session, TrainerCreateSchema().load(trainer_payload(**overrides)))
    session.commit()
    return trainer


def make_user(session, role: str, trainer=None, email: str | None = None):
    """Add an account with PASSWORD (not committed): a trainer's with trainer=..."""
    email = email or f"{role}{next(_emails)}@example.com"
    return create_user(session, email, PASSWORD, Role(role), trainer)
