"""The issue's journey through the API: doctor -> trainer -> doctor, and nobody else."""

from __future__ import annotations

from directory.doctors.models import DoctorProfile
from tests.factories import referral_body


def test_doctor_to_trainer_to_doctor(api_as, user_factory, trainers, session):
    doctor = api_as("doctor")
    created = doctor.post("/api/v1/referrals", json=referral_body())
    assert created.status_code == 201, created.json
    referral = created.json
    intensity = referral["prescription"]["intensity"]
    # On a beta-blocker, perceived exertion replaces heart-rate targets.
    assert referral["heart_rate_blunted"] is True
    assert intensity["method"] == "rpe"
    assert (intensity["heart_rate_low"], intensity["heart_rate_high"]) == (None, None)
    assert (intensity["rpe_low"], intensity["rpe_high"]) == (12, 13)
    assert "metoprolol" in intensity["note"]
    ranked = [m["trainer"]["id"] for m in referral["ranking"]["matches"]]
    assert set(ranked) == {t.id for t in trainers}
    assert referral["status"] == "draft"

    rid, first = referral["id"], ranked[0]
    sent = doctor.post(f"/api/v1/referrals/{rid}/transitions",
                       json={"to": "sent", "trainer_id": first})
    assert sent.status_code == 200, sent.json
    assert (sent.json["status"], sent.json["trainer_id"]) == ("sent", first)

    trainer = api_as("trainer", trainer=session.get(type(trainers[0]), first))
    inbox = trainer.get("/api/v1/referrals").json
    assert [r["id"] for r in inbox] == [rid]
    assert trainer.post(f"/api/v1/referrals/{rid}/transitions",
                        json={"to": "accepted"}).json["status"] == "accepted"
    assessment = trainer.post(f"/api/v1/referrals/{rid}/updates", json={
        "kind": "assessment", "resting_heart_rate": 70, "systolic": 138, "diastolic": 86,
        "weight_kg": 92.5, "six_minute_walk_m": 410, "weekly_minutes": 40,
        "strength_days": 0, "notes": "Baseline done."})
    assert assessment.status_code == 201, assessment.json
    for update in ({"sessions_attended": 10, "weekly_minutes": 90, "strength_days": 1},
                   {"sessions_attended": 9, "weekly_minutes": 60, "strength_days": 1,
                    "concern": True, "notes": "Dizzy after two sessions."}):
        assert trainer.post(f"/api/v1/referrals/{rid}/updates", json=update).status_code == 201

    seen = doctor.get(f"/api/v1/referrals/{rid}").json
    assert seen["status"] == "in_progress"
    assert [(e["from_status"], e["to_status"]) for e in seen["events"]] == [
        (None, "draft"), ("draft", "sent"), ("sent", "accepted"), ("accepted", "in_progress")]
    assert [u["kind"] for u in seen["updates"]] == ["assessment", "progress", "progress"]
    assert seen["concern"] is True and seen["report_overdue"] is False

    for role in ("patient", "doctor", "curator"):
        assert api_as(role).get(f"/api/v1/referrals/{rid}").status_code == 404
    other_trainer = api_as("trainer", trainer=session.get(type(trainers[0]), ranked[1]))
    assert other_trainer.get(f"/api/v1/referrals/{rid}").status_code == 404
    assert api_as("admin").get(f"/api/v1/referrals/{rid}").status_code == 200


def test_the_api_says_who_referred_with_the_practice_and_contacts(api_as, trainers, session):
    doctor = api_as("doctor")
    plain = doctor.post("/api/v1/referrals", json=referral_body()).json
    assert plain["referrer"] is None  # no practice details given yet
    session.add(DoctorProfile(user_id=doctor.user.id, name="Gregory House", credentials="MD",
                              npi="1234567893", practice_name="Plainsboro Clinic",
                              phone="(609) 555-0100"))
    session.commit()
    sent = doctor.post("/api/v1/referrals", json=referral_body(
        shortlist=[trainers[0].id], send=True)).json
    trainer = api_as("trainer", trainer=trainers[0])
    referrer = trainer.get(f"/api/v1/referrals/{sent['id']}").json["referrer"]
    assert {k: referrer[k] for k in ("name", "credentials", "npi", "practice_name", "phone",
                                     "email")} == {
        "name": "Gregory House", "credentials": "MD", "npi": "1234567893",
        "practice_name": "Plainsboro Clinic", "phone": "(609) 555-0100",
        "email": doctor.user.email}
