"""Correction requests: a trainer asks, one curator answers, and an answer is final."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from directory.credentials.corrections import request_correction, resolve_correction
from directory.credentials.models import CorrectionRequest, CorrectionStatus
from directory.errors import Conflict, InvalidInput
from tests.factories import make_trainer


@pytest.fixture
def asked(session, user_factory):
    trainer = make_trainer(session)
    request = request_correction(session, trainer, user_factory("trainer", trainer=trainer),
                                 trainer.credentials[0], "My number is M-100.")
    session.commit()
    return request


def test_a_second_curator_answering_at_the_same_time_is_refused(session, asked,
                                                                 user_factory):
    # Another curator declined it after this one read it as open.
    session.execute(update(CorrectionRequest).where(CorrectionRequest.id == asked.id)
                    .values(status=CorrectionStatus.DECLINED.value))
    with pytest.raises(Conflict, match="already declined"):
        resolve_correction(session, asked, user_factory("curator"),
                           CorrectionStatus.RESOLVED, "Fixed the number.")
    assert asked.status is CorrectionStatus.DECLINED and asked.resolution is None


def test_a_note_too_long_is_refused_not_cut(session, asked, user_factory):
    with pytest.raises(InvalidInput) as refused:
        resolve_correction(session, asked, user_factory("curator"),
                           CorrectionStatus.RESOLVED, "x" * 1001)
    assert refused.value.errors == {"resolution": ["Keep it under 1000 characters."]}


def test_a_trainer_cannot_ask_about_another_trainers_credential(session, user_factory):
    mine, theirs = make_trainer(session), make_trainer(session, last_name="Other")
    with pytest.raises(InvalidInput) as refused:
        request_correction(session, mine, user_factory("trainer", trainer=mine),
                           theirs.credentials[0], "Fix this.")
    assert refused.value.errors == {"credential_id": ["That credential is not on your profile."]}
