"""A referral between a doctor and a trainer with an account: what the messages are about."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from directory.trainers.models import Trainer
from tests.factories import add_trainers, credential_payload, experience, referral_body


@dataclass
class Parties:
    doctor: FlaskClient
    trainer: FlaskClient
    trainer_row: Trainer
    other_row: Trainer

    def refer(self, send: bool = True) -> int:
        """A referral to the trainer, sent unless told otherwise; its id."""
        created = self.doctor.post("/api/v1/referrals", json=referral_body(
            shortlist=[self.trainer_row.id], send=send))
        assert created.status_code == 201, created.json
        return created.json["id"]

    def move(self, client: FlaskClient, referral_id: int, **body):
        response = client.post(f"/api/v1/referrals/{referral_id}/transitions", json=body)
        assert response.status_code == 200, response.json
        return response.json


@pytest.fixture
def parties(session, api_as) -> Parties:
    conditions = [{**experience("type-2-diabetes"), "years": 6},
                  {**experience("hypertension"), "years": 4}]
    near, other = add_trainers(
        session,
        {"last_name": "Near", "postal_code": "60614", "conditions": conditions,
         "credentials": [credential_payload(expires_on="2099-06-30")]},
        {"last_name": "Next", "postal_code": "60601", "conditions": conditions,
         "credentials": [credential_payload(expires_on="2099-06-30")]},
    )
    return Parties(api_as("doctor"), api_as("trainer", trainer=near), near, other)
