"""Merging two trainer records: everything moves to the survivor, audited, and the other
record is left as a pointer that nothing writes to."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from directory.accounts.models import User
from directory.accounts.services import link_trainer
from directory.audit.models import AuditEvent
from directory.credentials.corrections import request_correction
from directory.db import today
from directory.duplicates.models import DuplicateStatus, SuspectedDuplicate
from directory.duplicates.services import merge_trainers
from directory.errors import Conflict, InvalidInput
from directory.imports.models import ImportRow
from directory.imports.reviews import decide_review
from directory.imports.services import ImportOptions, import_credentials
from directory.referrals.conversation import entries_for, post_message
from directory.referrals.models import (
    Referral,
    ReferralEvent,
    ReferralStatus,
    ReferralUpdate,
    UpdateKind,
)
from directory.referrals.schemas import ReferralCreateSchema
from directory.referrals.services import create_referral, next_on_shortlist
from directory.search.sync import search_snapshots
from directory.trainers.models import Trainer, TrainerStatus
from directory.trainers.services import deactivate_trainer, update_trainer
from tests.apps import DATA_DIR
from tests.factories import as_csv, credential_payload, experience, make_trainer, referral_body


@pytest.fixture
def twins(session):
    """Daniel Toms twice: the survivor with one credential and no phone; the other with
    another credential, a phone, more experience and a Spanish-speaking clientele."""
    survivor = make_trainer(session, first_name="Daniel", last_name="Toms", phone=None,
                            languages=["en"], conditions=[experience("hypertension",
                                                                     "familiar")])
    other = make_trainer(session, first_name="Dan", last_name="Toms", phone="703-555-0100",
                         languages=["en", "es"],
                         credentials=[credential_payload(certification="NSCA-CSCS")],
                         conditions=[{"condition": "hypertension", "years": 8,
                                      "level": "expert"},
                                     experience("type-2-diabetes")])
    return survivor, other


def refer_to(session, user_factory, trainer, shortlist=None) -> Referral:
    referral = create_referral(
        session, user_factory("doctor"),
        ReferralCreateSchema().load(referral_body(
            shortlist=shortlist or [trainer.id], send=True,
            patient={"name": "Pat Example", "age": 62, "place": "10001"},
            conditions=["type 2 diabetes"], preferences={})),
        search_snapshots().current(session, today()), today())
    session.commit()
    return referral


def test_everything_of_the_merged_record_moves_to_the_survivor(session, user_factory, twins):
    survivor, other = twins
    account = user_factory("trainer", trainer=other)
    referral = refer_to(session, user_factory, other)
    session.add(ReferralUpdate(referral_id=referral.id, trainer_id=other.id,
                               kind=UpdateKind.ASSESSMENT))
    post_message(session, referral, account, "Booked for Monday.")
    correction = request_correction(session, other, account, other.credentials[0], "Typo.")
    number = other.credentials[0].credential_number
    credential_ids = {c.id for c in survivor.credentials + other.credentials}
    session.commit()

    result = merge_trainers(session, other, survivor, curator_id=None)
    session.commit()

    assert {c.id for c in survivor.credentials} == credential_ids
    assert other.credentials == [] and other.condition_experience == []
    experience_by_condition = {row.condition.code: row for row in survivor.condition_experience}
    assert set(experience_by_condition) == {"hypertension", "type-2-diabetes"}
    # Both had hypertension: the survivor keeps the deeper level and the longer years.
    assert (experience_by_condition["hypertension"].level.value,
            experience_by_condition["hypertension"].years) == ("expert", 8)
    assert referral.trainer_id == survivor.id
    assert {u.trainer_id for u in referral.updates} == {survivor.id}
    # The trainer still reads the conversation they had under the merged record.
    assert [e.body for e in entries_for(referral, session.get(User, account.id))] == [
        "Booked for Monday."]
    # Its history stays as it happened: sent to the record then addressed.
    assert {e.trainer_id for e in session.scalars(select(ReferralEvent).where(
        ReferralEvent.referral_id == referral.id)) if e.trainer_id} == {other.id}
    assert correction.trainer_id == survivor.id
    assert session.get(User, account.id).trainer_id == survivor.id
    assert (survivor.phone, survivor.languages) == ("703-555-0100", ["en", "es"])
    assert (other.status, other.merged_into_id) == (TrainerStatus.INACTIVE, survivor.id)
    assert other.deactivated_at is not None
    assert result.moved == {"credentials": 1, "conditions": 2, "referrals": 1,
                            "referral_updates": 1, "referral_messages": 1,
                            "correction_requests": 1, "import_rows": 0, "account": 1,
                            "review_candidates": 0, "earlier_merges": 0}
    assert result.filled == ["phone", "languages"]
    assert any(c.credential_number == number for c in survivor.credentials)


def test_the_merge_and_every_moved_row_are_in_the_audit_log(session, twins):
    survivor, other = twins
    moved_credential = other.credentials[0].id
    merge_trainers(session, other, survivor, curator_id=None)
    session.commit()
    events = session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
        ["merge", "update"]))).all()
    merge = next(e for e in events if e.action == "merge")
    assert (merge.object_type, merge.object_id) == ("trainers", str(other.id))
    assert merge.changes["merged_into_id"]["after"] == survivor.id
    assert merge.changes["moved"]["after"]["credentials"] == 1
    credential_moves = [e for e in events if e.object_type == "credentials"
                        and e.object_id == str(moved_credential)]
    assert credential_moves[0].changes["trainer_id"] == {"before": other.id,
                                                         "after": survivor.id}
    pointer = [e for e in events if e.action == "update" and e.object_type == "trainers"
               and e.object_id == str(other.id)]
    assert pointer[0].changes["merged_into_id"] == {"before": None, "after": survivor.id}
    assert pointer[0].changes["status"] == {"before": "active", "after": "inactive"}


def test_import_history_and_waiting_reviews_follow_the_survivor(session, twins):
    survivor, other = twins
    number = other.credentials[0].credential_number
    listed = {"first_name": "Dan", "last_name": "Toms", "certification": "NSCA-CSCS",
              "credential_number": number, "postal_code": "10001"}
    # One row of the list is Dan's known credential; another only names "D Toms",
    # which waits for review with both records as candidates.
    doubtful = {"first_name": "D", "last_name": "Toms", "certification": "NSCA-CSCS",
                "credential_number": "NEW-1", "postal_code": "10001"}
    import_credentials(session, as_csv([listed, doubtful]), "nsca.csv",
                       ImportOptions("NSCA"), str(DATA_DIR))
    session.commit()
    review = session.scalar(select(ImportRow).where(ImportRow.credential_number == "NEW-1"))
    assert review.review_status is not None
    assert {c["trainer_id"] for c in review.candidates} == {survivor.id, other.id}

    result = merge_trainers(session, other, survivor, curator_id=None)
    session.commit()
    history = session.scalar(select(ImportRow).where(ImportRow.credential_number == number))
    assert history.trainer_id == survivor.id
    assert [c["trainer_id"] for c in review.candidates] == [survivor.id]
    assert (result.moved["import_rows"], result.moved["review_candidates"]) == (1, 1)


def test_a_record_merged_earlier_points_at_the_new_survivor(session, twins):
    survivor, other = twins
    third = make_trainer(session, first_name="Danny", last_name="Toms")
    merge_trainers(session, third, other, curator_id=None)
    merge_trainers(session, other, survivor, curator_id=None)
    session.commit()
    assert third.merged_into_id == survivor.id  # one hop, never a chain


def test_the_pairs_of_the_merged_record_are_settled(session, twins):
    survivor, other = twins
    third = make_trainer(session, first_name="Donna", last_name="Toms")
    low, high = sorted([survivor.id, other.id])
    merged_pair = SuspectedDuplicate(trainer_id=low, other_id=high, confidence=0.99)
    lapsed = SuspectedDuplicate(trainer_id=other.id, other_id=third.id, confidence=0.4)
    session.add_all([merged_pair, lapsed])
    session.commit()
    merge_trainers(session, other, survivor, curator_id=None)
    session.commit()
    assert (merged_pair.status, merged_pair.survivor_id) == (DuplicateStatus.MERGED,
                                                             survivor.id)
    assert lapsed.status is DuplicateStatus.WITHDRAWN


def test_a_merge_is_refused_when_it_would_lose_or_tangle_something(session, user_factory,
                                                                    twins):
    survivor, other = twins
    with pytest.raises(InvalidInput) as refusal:
        merge_trainers(session, survivor, survivor, curator_id=None)
    assert refusal.value.errors == {"survivor_id": [
        "A trainer cannot be merged into itself."]}
    user_factory("trainer", trainer=survivor)
    user_factory("trainer", trainer=other)
    with pytest.raises(Conflict, match="Both trainers have a sign-in account"):
        merge_trainers(session, other, survivor, curator_id=None)
    session.rollback()
    assert other.merged_into_id is None and len(other.credentials) == 1


def test_nothing_writes_to_a_merged_record(session, user_factory, twins):
    survivor, other = twins
    merge_trainers(session, other, survivor, curator_id=None)
    session.commit()
    with pytest.raises(Conflict, match=f"merged into trainer {survivor.id}"):
        merge_trainers(session, other, survivor, curator_id=None)
    with pytest.raises(Conflict, match="merged into"):
        update_trainer(session, other, {"status": TrainerStatus.ACTIVE})
    with pytest.raises(Conflict, match="merged into"):
        link_trainer(session, user_factory("trainer"), other)


def test_a_merge_reads_both_records_as_committed_before_it_decides(session, twins):
    """Two curators merging one pair both ways at once: the second sees the first."""
    survivor, other = twins
    # Another request merged `survivor` into `other` meanwhile; this session's copies
    # of both still say neither is merged.
    session.execute(update(Trainer).where(Trainer.id == survivor.id).values(
        merged_into_id=other.id, status=TrainerStatus.INACTIVE).execution_options(
        synchronize_session=False))
    assert survivor.merged_into_id is None  # the stale copy
    with pytest.raises(Conflict, match=f"Trainer {survivor.id} was merged into trainer "
                                       f"{other.id}"):
        merge_trainers(session, other, survivor, curator_id=None)


def test_a_merge_into_an_inactive_record_is_refused(session, twins):
    survivor, other = twins
    deactivate_trainer(session, survivor)
    with pytest.raises(Conflict, match=f"Trainer {survivor.id} is inactive"):
        merge_trainers(session, other, survivor, curator_id=None)


def test_after_a_merge_the_short_list_offers_the_next_trainer(session, user_factory, twins):
    """A decline by the merged record still counts: the doctor is offered the next one."""
    survivor, other = twins
    third = make_trainer(session, first_name="Kwame", last_name="Okafor")
    referral = refer_to(session, user_factory, other, shortlist=[other.id, third.id])
    session.add(ReferralEvent(referral_id=referral.id, from_status=ReferralStatus.SENT,
                              to_status=ReferralStatus.DECLINED, actor_role="trainer",
                              trainer_id=other.id))
    session.flush()
    merge_trainers(session, other, survivor, curator_id=None)
    session.refresh(referral)
    assert next_on_shortlist(referral) == third.id


def test_an_import_review_cannot_link_to_a_merged_record(session, twins):
    survivor, other = twins
    import_credentials(session, as_csv([{
        "first_name": "D", "last_name": "Toms", "certification": "NSCA-CSCS",
        "credential_number": "NEW-1", "postal_code": "10001"}]), "nsca.csv",
        ImportOptions("NSCA"), str(DATA_DIR))
    review = session.scalar(select(ImportRow).where(ImportRow.credential_number == "NEW-1"))
    merge_trainers(session, other, survivor, curator_id=None)
    with pytest.raises(Conflict, match=f"merged into trainer {survivor.id}"):
        decide_review(session, review, "link", other, curator_id=None)
