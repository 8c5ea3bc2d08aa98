"""Rows written by directory.bulk read back as the ORM would have saved them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import inspect, select

from directory.bulk import BulkInsert, new_ids
from directory.credentials.models import Certification, Credential
from directory.trainers.models import Trainer
from matching.types import VerificationStatus
from tests.factories import make_trainer

VALUES = {"first_name": "Zoë", "last_name": "O'Hara", "email": "zoe@example.org",
          "postal_code": "98101", "city": "Seattle", "state": "WA", "latitude": 47.6,
          "longitude": -122.3, "location_precision": "postal_code",
          "languages": ["en", "es"], "accepting_new_clients": False}


def columns(obj) -> dict:
    return {attr.key: getattr(obj, attr.key) for attr in inspect(obj).mapper.column_attrs
            if attr.key not in ("id", "created_at", "updated_at")}


def test_a_bulk_inserted_trainer_reads_back_as_an_orm_saved_one(session):
    by_orm = Trainer(**VALUES)
    session.add(by_orm)
    session.flush()
    bulk = BulkInsert(session, Trainer.__table__)
    (trainer_id,) = new_ids(session, Trainer.__table__, 1)
    bulk.write(session, [bulk.fill(bulk.row(VALUES), id=trainer_id)])
    session.expire_all()
    written = session.get(Trainer, trainer_id)
    assert columns(written) == columns(session.get(Trainer, by_orm.id))
    assert written.created_at.tzinfo is UTC and written.languages == ["en", "es"]


def test_dates_enums_and_json_null_survive_the_trip(session):
    trainer = make_trainer(session, credentials=[])
    certification = session.scalar(select(Certification).where(Certification.code == "NSCA-CPT"))
    bulk = BulkInsert(session, Credential.__table__)
    verified_at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    (credential_id,) = new_ids(session, Credential.__table__, 1)
    bulk.write(session, [bulk.fill(bulk.row({
        "trainer_id": trainer.id, "certification_id": certification.id, "issuer": "NSCA",
        "credential_number": "NS-1", "expires_on": date(2028, 6, 30),
        "status": VerificationStatus.VERIFIED, "verified_at": verified_at}), id=credential_id)])
    session.expire_all()
    credential = session.get(Credential, credential_id)
    assert (credential.status, credential.expires_on, credential.verified_at) == (
        VerificationStatus.VERIFIED, date(2028, 6, 30), verified_at)


def test_ids_handed_out_are_never_handed_out_again(session):
    first = new_ids(session, Trainer.__table__, 3)
    bulk = BulkInsert(session, Trainer.__table__)
    bulk.write(session, [bulk.fill(bulk.row(VALUES), id=id_) for id_ in first])
    after = make_trainer(session, credentials=[])  # the ORM's next id, from the sequence
    assert len(set(first)) == 3 and after.id not in first
    assert min(new_ids(session, Trainer.__table__, 2)) > max(*first, after.id)
