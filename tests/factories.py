"""Builders of valid input and saved rows; each test overrides only what it is about."""

from __future__ import annotations

import csv
import io
from itertools import count

from directory.accounts.models import Role
from directory.accounts.services import create_user
from directory.trainers.schemas import TrainerCreateSchema
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


def add_trainers(session, *people: dict) -> list:
    """Save trainers (trainer_payload overrides) in one commit, so one index write."""
    trainers = [create_trainer(session, TrainerCreateSchema().load(trainer_payload(**person)))
                for person in people]
    session.commit()
    return trainers


def experience(condition: str, level: str = "expert") -> dict:
    return {"condition": condition, "years": 3, "level": level}


def referral_body(**overrides) -> dict:
    body = {
        "patient": {"name": "Pat Example", "age": 62, "place": "60614",
                    "email": "pat@example.org", "phone": "(312) 555-0100"},
        "conditions": ["type 2 diabetes", "high blood pressure"],
        "medications": ["metoprolol succinate 50 mg", "metformin"],
        "prescription": {
            "goals": ["HbA1c below 7%", "walk 30 minutes without stopping"],
            "frequency_per_week": 3,
            "intensity": {"method": "heart_rate_reserve", "resting_heart_rate": 72,
                          "percent_low": 40, "percent_high": 59},
            "time_minutes": 30, "type": "brisk walking and light resistance training",
            "avoid": ["heavy overhead lifting"], "precautions": "Check glucose before sessions.",
            "clearance": {"given": True, "up_to": "moderate"}, "report_every_weeks": 4},
        "preferences": {"max_distance": 10, "modes": ["in_person"]},
    }
    body.update(overrides)
    return body


NEWMAN = {"first_name": "Zoe", "last_name": "Newman", "certification": "NSCA-CPT",
          "credential_number": "NS-1003", "status": "active", "expires_on": "2027-06-30",
          "email": "zoe.newman@example.com", "postal_code": "98101"}


def person(base: dict = NEWMAN, **overrides) -> dict:
    return {**base, **overrides}


def as_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(dict.fromkeys(k for r in rows for k in r)))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()
