from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from directory.credentials.models import Credential
from directory.credentials.services import find_certification
from matching.types import VerificationStatus
from tests.factories import make_trainer


def test_effective_status_reads_the_expiry(session):
    credential = make_trainer(session).credentials[0]
    credential.expires_on = date(2030, 1, 1)
    assert credential.effective_status(date(2029, 12, 31)) is VerificationStatus.VERIFIED
    assert credential.effective_status(date(2030, 1, 2)) is VerificationStatus.EXPIRED


def test_database_refuses_a_number_twice_from_one_issuer(session):
    trainer = make_trainer(session)
    existing = trainer.credentials[0]
    session.add(Credential(trainer=trainer, certification=find_certification(session, "ACSM-EP"),
                           issuer="ACSM", credential_number=existing.credential_number))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


@pytest.mark.parametrize("text", ["ACSM-CEP", "acsm-cep", "Clinical Exercise Physiologist",
                                  "ACSM-RCEP"])
def test_find_certification_by_code_or_alias(session, text):
    assert find_certification(session, text).code == "ACSM-CEP"
