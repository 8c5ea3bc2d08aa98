"""A trainer's capacity for new referrals: what takes a place, and what matching does."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from directory.db import utcnow
from directory.referrals.capacity import filled, has_room, referrals_taken
from directory.referrals.models import ReferralEvent
from tests.factories import referral_body

AT_CAPACITY = "At capacity: takes no more new referrals this month"  # as the doctor reads it
MATCH = {"near": "60614", "conditions": ["type 2 diabetes"], "max_distance": 10}


def set_capacity(session, trainer, capacity) -> None:
    trainer.referral_capacity = capacity
    session.commit()


def send(doctor, trainer, shortlist=None):
    return doctor.post("/api/v1/referrals", json=referral_body(
        shortlist=shortlist or [trainer.id], send=True))


def test_no_capacity_means_no_limit_and_zero_means_none(session, trainers, api_as):
    near, _ = trainers
    doctor = api_as("doctor")
    for _ in range(3):
        assert send(doctor, near).status_code == 201
    assert referrals_taken(session, near.id, utcnow()) == 3
    assert has_room(session, near, utcnow())
    set_capacity(session, near, 0)
    assert not has_room(session, near, utcnow())


def test_the_last_place_taken_closes_the_trainer_to_new_referrals(session, trainers, api_as):
    near, _ = trainers
    set_capacity(session, near, 1)
    doctor = api_as("doctor")
    assert send(doctor, near).status_code == 201
    assert filled(session, utcnow()) == {near.id} and not has_room(session, near, utcnow())
    refused = send(doctor, near)
    assert refused.status_code == 422
    assert refused.json["errors"]["json"]["shortlist"] == {"0": [
        f"Trainer {near.id} cannot take this referral: {AT_CAPACITY}."]}


def test_declined_withdrawn_and_old_referrals_free_their_place(session, trainers, api_as):
    near, _ = trainers
    doctor, trainer = api_as("doctor"), api_as("trainer", trainer=near)
    declined, withdrawn, old = (send(doctor, near).json["id"] for _ in range(3))
    trainer.post(f"/api/v1/referrals/{declined}/transitions",
                 json={"to": "declined", "reason": "Full."})
    doctor.post(f"/api/v1/referrals/{withdrawn}/transitions", json={"to": "cancelled"})
    session.execute(update(ReferralEvent).where(ReferralEvent.referral_id == old)
                    .values(occurred_at=utcnow() - timedelta(days=31)))
    session.commit()
    assert referrals_taken(session, near.id, utcnow()) == 0


def test_a_referral_passed_on_counts_for_the_trainer_who_has_it(session, trainers, api_as):
    near, other = trainers
    doctor, trainer = api_as("doctor"), api_as("trainer", trainer=near)
    rid = send(doctor, near, shortlist=[near.id, other.id]).json["id"]
    trainer.post(f"/api/v1/referrals/{rid}/transitions",
                 json={"to": "declined", "reason": "Full."})
    moved = doctor.post(f"/api/v1/referrals/{rid}/transitions", json={"to": "sent"})
    assert moved.status_code == 200, moved.json
    now = utcnow()
    assert (referrals_taken(session, near.id, now), referrals_taken(session, other.id, now)) \
        == (0, 1)


def test_a_trainer_at_capacity_is_excluded_from_matches_with_the_reason(session, trainers,
                                                                        client):
    near, other = trainers
    before = client.post("/api/v1/matches", json=MATCH).json
    assert near.id in [m["trainer"]["id"] for m in before["matches"]]
    set_capacity(session, near, 0)
    after = client.post("/api/v1/matches", json=MATCH).json
    assert [m["trainer"]["id"] for m in after["matches"]] == [other.id]
    (excluded,) = [e for e in after["excluded"] if e["trainer_id"] == near.id]
    assert excluded["reasons"] == [AT_CAPACITY]


def test_the_reason_is_on_the_doctors_match_page(session, trainers, client):
    near, _ = trainers
    set_capacity(session, near, 0)
    page = client.get("/match", query_string={"near": "60614",
                                              "conditions": "type 2 diabetes"})
    assert AT_CAPACITY in page.get_data(as_text=True)


def test_sending_a_drafted_referral_to_a_trainer_now_full_is_refused(session, trainers,
                                                                     api_as):
    near, _ = trainers
    doctor = api_as("doctor")
    draft = doctor.post("/api/v1/referrals", json=referral_body(shortlist=[near.id]))
    assert draft.status_code == 201
    set_capacity(session, near, 0)
    refused = doctor.post(f"/api/v1/referrals/{draft.json['id']}/transitions",
                          json={"to": "sent"})
    assert refused.status_code == 422
    assert refused.json["errors"]["json"]["trainer_id"] == [
        f"Trainer {near.id} cannot take this referral: {AT_CAPACITY}."]


def test_capacity_is_part_of_the_profile_api(session, trainers, api_as, client):
    near, _ = trainers
    trainer = api_as("trainer", trainer=near)
    changed = trainer.patch(f"/api/v1/trainers/{near.id}", json={"referral_capacity": 4})
    assert changed.status_code == 200 and changed.json["referral_capacity"] == 4
    assert trainer.patch(f"/api/v1/trainers/{near.id}",
                         json={"referral_capacity": -1}).status_code == 422
    assert client.get(f"/api/v1/trainers/{near.id}").json["referral_capacity"] == 4


def test_a_patient_cannot_ask_a_trainer_at_capacity_and_is_told_why(session, trainers,
                                                                   api_as):
    near, _ = trainers
    set_capacity(session, near, 0)
    asked = api_as("patient").post("/api/v1/referrals/self", json={
        "trainer_id": near.id, "goals": ["walk"],
        "patient": {"name": "Sam", "age": 58, "place": "60614"},
        "screening": {"exercises_regularly": False, "known_disease": False,
                      "symptoms": False, "desired_intensity": "moderate"}})
    assert asked.status_code == 422
    assert asked.json["errors"]["json"]["trainer_id"] == [
        f"This trainer cannot take you on ({AT_CAPACITY}): choose another."]
