"""A patient refers themselves: the screening travels with the request, the trainer
answers as for a doctor's referral, and the patient stands where the doctor would."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.notifications.models import Message
from tests.factories import add_trainers
from tests.web import csrf_token, sign_in

URL = "/api/v1/referrals/self"
SCREENING = {"exercises_regularly": False, "known_disease": True, "symptoms": False,
             "desired_intensity": "moderate"}


def body(trainer_id: int, **overrides) -> dict:
    return {"trainer_id": trainer_id, "patient": {"name": "Sam Self", "age": 58,
                                                  "place": "60614"},
            "conditions": ["type 2 diabetes"], "goals": ["walk without stopping"],
            "screening": SCREENING, **overrides}


def test_a_patient_refers_themselves_with_their_screening(api_as, trainers, session):
    patient = api_as("patient")

    response = patient.post(URL, json=body(trainers[0].id))

    assert response.status_code == 201, response.json
    referral = response.json
    assert (referral["self_referral"], referral["doctor_id"]) == (True, None)
    assert (referral["status"], referral["trainer_id"]) == ("sent", trainers[0].id)
    assert referral["screening"]["medical_clearance"] == "recommended"
    assert referral["screening"]["recommended_intensity"] == "light_to_moderate"
    intensity = referral["prescription"]["intensity"]
    assert (intensity["rpe_low"], intensity["rpe_high"]) == (9, 13)

    trainer = api_as("trainer", trainer=trainers[0])
    assert [r["id"] for r in trainer.get("/api/v1/referrals").json] == [referral["id"]]
    assert trainer.post(f"/api/v1/referrals/{referral['id']}/transitions",
                        json={"to": "accepted"}).status_code == 200
    # Their answer is how to book, once: no doctor's "they will report back to you".
    told = session.scalars(select(Message).where(
        Message.recipient_id == patient.user.id)).all()
    assert [m.kind for m in told] == ["patient_accepted"]
    assert "mention referral" in told[0].body
    # The patient may cancel their own request, as a doctor would.
    cancelled = patient.post(f"/api/v1/referrals/{referral['id']}/transitions",
                             json={"to": "cancelled"})
    assert cancelled.json["status"] == "cancelled"
    assert api_as("patient").get(f"/api/v1/referrals/{referral['id']}").status_code == 404


def test_symptoms_while_exercising_stop_a_self_referral(api_as, trainers):
    answers = {**SCREENING, "exercises_regularly": True, "symptoms": True}

    response = api_as("patient").post(URL, json=body(trainers[0].id, screening=answers))

    assert response.status_code == 422
    assert "stop exercising and seek medical clearance" in (
        response.json["errors"]["json"]["screening"][0])


def test_only_a_suitable_nearby_trainer_can_be_asked(api_as, trainers, session):
    [seattle] = add_trainers(session, {"last_name": "Far", "postal_code": "98101",
                                       "modes": ["in_person"]})

    response = api_as("patient").post(URL, json=body(seattle.id))

    assert response.status_code == 422
    assert "not among those suited to you" in response.json["errors"]["json"]["trainer_id"][0]


@pytest.mark.parametrize("role", ["doctor", "trainer", "curator", "admin"])
def test_only_patients_refer_themselves(api_as, trainers, role):
    assert api_as(role).post(URL, json=body(trainers[0].id)).status_code == 403


def test_the_page_sends_the_request_from_the_trainers_profile(client, user_factory, trainers):
    patient = user_factory("patient")
    sign_in(client, patient.email)
    profile = client.get(f"/trainers/{trainers[0].id}").get_data(as_text=True)
    assert f"/referrals/self?trainer_id={trainers[0].id}" in profile
    path = f"/referrals/self?trainer_id={trainers[0].id}"
    form = {"csrf_token": csrf_token(client, path), "trainer_id": trainers[0].id,
            "patient_name": "Sam Self", "patient_age": "58", "patient_place": "60614",
            "conditions": "type 2 diabetes", "goals": "walk", "exercises_regularly": "false",
            "known_disease": "true", "symptoms": "false", "desired_intensity": "moderate"}

    response = client.post("/referrals/self", data=form)

    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.location).get_data(as_text=True)
    assert "Self-referral. ACSM screening:" in page and "medical clearance is recommended" in page


def test_clearance_must_be_confirmed_before_the_assessment_when_screening_asks(
        api_as, trainers):
    referral = api_as("patient").post(URL, json=body(trainers[0].id)).json
    trainer = api_as("trainer", trainer=trainers[0])
    path = f"/api/v1/referrals/{referral['id']}"
    trainer.post(f"{path}/transitions", json={"to": "accepted"})

    refused = trainer.post(f"{path}/updates", json={"kind": "assessment", "notes": "Hi"})
    confirmed = trainer.post(f"{path}/updates", json={"kind": "assessment", "notes": "Hi",
                                                      "clearance_confirmed": True})

    assert refused.status_code == 422
    assert "recommends medical clearance" in refused.json["errors"]["json"][
        "clearance_confirmed"][0]
    assert confirmed.status_code == 201, confirmed.json
    assert confirmed.json["clearance_confirmed"] is True


def test_a_self_referrals_letter_names_no_doctor(api_as, trainers, client, user_factory):
    patient = user_factory("patient")
    sign_in(client, patient.email)
    path = f"/referrals/self?trainer_id={trainers[0].id}"
    form = {"csrf_token": csrf_token(client, path), "trainer_id": trainers[0].id,
            "patient_name": "Sam Self", "patient_age": "58", "patient_place": "60614",
            "goals": "walk", "exercises_regularly": "true", "known_disease": "false",
            "symptoms": "false", "desired_intensity": "moderate"}
    location = client.post("/referrals/self", data=form).location

    letter = client.get(f"{location}/letter").get_data(as_text=True)

    assert "The patient (self-referral)" in letter
    assert "reports progress to you every 4 weeks" in letter


def test_on_the_page_an_assessment_without_the_clearance_says_why_and_keeps_the_notes(
        api_as, trainers, client, user_factory):
    referral = api_as("patient").post(URL, json=body(trainers[0].id)).json
    coach = user_factory("trainer", trainer=trainers[0])
    sign_in(client, coach.email)
    path = f"/referrals/{referral['id']}"
    client.post(f"{path}/transitions", data={"to": "accepted",
                                             "csrf_token": csrf_token(client, path)})
    refused = client.post(f"{path}/updates", data={
        "kind": "assessment", "notes": "Walked 10 minutes.",
        "csrf_token": csrf_token(client, path)})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "recommends medical clearance" in page
    assert ">Walked 10 minutes.</textarea>" in page
