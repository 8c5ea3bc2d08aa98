"""Trainers the referral tests rank and choose from."""

from __future__ import annotations

import pytest

from tests.factories import add_trainers, credential_payload, experience


@pytest.fixture
def trainers(session):
    """Two clinical trainers near the patient, experienced with diabetes and hypertension."""
    conditions = [{**experience("type-2-diabetes"), "years": 6},
                  {**experience("hypertension"), "years": 4}]
    return add_trainers(
        session,
        {"last_name": "Near", "postal_code": "60614", "conditions": conditions,
         "credentials": [credential_payload(expires_on="2099-06-30")]},
        {"last_name": "Next", "postal_code": "60601", "conditions": conditions,
         "credentials": [credential_payload(expires_on="2099-06-30")]},
    )
