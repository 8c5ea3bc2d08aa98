"""POST /api/v1/referrals: the prescription's validation and computed targets, the stored
ranking, and the overdue and concern flags on the doctor's side."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from directory.db import today, utcnow
from directory.referrals.models import ReferralUpdate
from tests.factories import add_trainers, credential_payload, experience, referral_body

URL = "/api/v1/referrals"
NOT_BLUNTING = ["metformin", "lisinopril 10 mg"]


@pytest.fixture
def trainers(session):
    conditions = [{**experience("type-2-diabetes"), "years": 6},
                  {**experience("hypertension"), "years": 4}]
    return add_trainers(
        session,
        *({"last_name": name, "postal_code": zip_code, "conditions": conditions,
           "credentials": [credential_payload(expires_on="2099-06-30")]}
          for name, zip_code in (("Near", "60614"), ("Next", "60601"), ("Far", "10001"))))


@pytest.fixture
def doctor(api_as, trainers):
    return api_as("doctor")


def body(intensity: dict | None = None, patient: dict | None = None,
         cleared_up_to: str = "vigorous", **overrides) -> dict:
    """The journey's referral, without a beta-blocker unless asked, with these changes;
    cleared up to vigorous intensity unless said (the clearance tests say)."""
    data = referral_body(**{"medications": NOT_BLUNTING, **overrides})
    data["prescription"]["clearance"] = {"given": True, "up_to": cleared_up_to}
    data["prescription"]["intensity"] = present({**data["prescription"]["intensity"],
                                                 **(intensity or {})})
    data["patient"] = present({**data["patient"], **(patient or {})})
    return data


def present(fields: dict) -> dict:
    """The fields given a value: None leaves a field out."""
    return {k: v for k, v in fields.items() if v is not None}


def created(client, data: dict) -> dict:
    response = client.post(URL, json=data)
    assert response.status_code == 201, response.json
    return response.json


def refused(client, data: dict) -> dict:
    """The errors of a refused referral; nothing of it is stored."""
    response = client.post(URL, json=data)
    assert response.status_code == 422, response.json
    assert client.get(URL).json == []
    return response.json["errors"]["json"]


def intensity_errors(client, **intensity) -> dict:
    return refused(client, body(intensity))["prescription"]["intensity"]


def years_ago(years: int, on: date) -> date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February, in a year without one
        return on.replace(year=on.year - years, day=28)


# -- validation -------------------------------------------------------------------------------

def test_age_or_birth_date_is_required(doctor):
    data = body()
    del data["patient"]["age"]
    errors = refused(doctor, data)
    assert errors == {"patient": {"age": ["Give the patient's date of birth or age."]}}


@pytest.mark.parametrize("days_ahead", [0, 1, 400])
def test_birth_date_must_be_in_the_past(doctor, days_ahead):
    born = (today() + timedelta(days=days_ahead)).isoformat()
    errors = refused(doctor, body(patient={"age": None, "birth_date": born}))
    assert errors == {"patient": {"birth_date": ["The date of birth is not in the past."]}}


@pytest.mark.parametrize("born", [
    pytest.param(lambda now: now - timedelta(days=1), id="under-a-year"),
    pytest.param(lambda now: date(1890, 1, 1), id="over-120"),
])
def test_a_birth_date_giving_an_impossible_age_is_refused(doctor, born):
    """An entered age must be 1-120; one computed from the birth date is held to the same."""
    errors = refused(doctor, body(patient={"age": None,
                                           "birth_date": born(today()).isoformat()}))
    assert list(errors) == ["patient"]
    assert list(errors["patient"]) == ["birth_date"]


@pytest.mark.parametrize(("low", "high", "value_low", "value_high"), [
    ("percent_low", "percent_high", 60, 40),
    ("heart_rate_low", "heart_rate_high", 130, 110),
    ("rpe_low", "rpe_high", 14, 12),
])
def test_upside_down_ranges_are_refused_beside_their_upper_end(doctor, low, high, value_low,
                                                                value_high):
    method = {"percent_low": "heart_rate_reserve", "heart_rate_low": "heart_rate",
              "rpe_low": "rpe"}[low]
    errors = intensity_errors(doctor, method=method, **{low: value_low, high: value_high})
    [message] = errors[high]
    # In words a form shows beside the field: its value and the other end's.
    assert message == (f"The range runs down: this end, {value_high}, is below the other, "
                       f"{value_low}.")


def test_upside_down_blood_pressure_in_an_update_is_refused(api_as, doctor, trainers, session):
    referral = created(doctor, body(shortlist=[trainers[0].id], send=True))
    trainer = api_as("trainer", trainer=trainers[0])
    assert trainer.post(f"{URL}/{referral['id']}/transitions",
                        json={"to": "accepted"}).status_code == 200
    updates = f"{URL}/{referral['id']}/updates"
    response = trainer.post(updates, json={"kind": "assessment", "systolic": 80,
                                           "diastolic": 120})
    assert response.status_code == 422, response.json
    [message] = response.json["errors"]["json"]["systolic"]
    assert message == "The systolic pressure (80) is below the diastolic (120)."
    response = trainer.post(updates, json={"kind": "assessment", "systolic": 130})
    assert response.status_code == 422, response.json
    assert response.json["errors"]["json"]["diastolic"] == [
        "Give both systolic and diastolic pressure."]
    seen = doctor.get(f"{URL}/{referral['id']}").json
    assert (seen["status"], seen["updates"]) == ("accepted", [])


def test_entered_heart_rate_above_the_predicted_maximum_is_refused(doctor):
    # 62 years old, Tanaka: 208 - 0.7 x 62 = 164.6, shown as 165.
    errors = intensity_errors(doctor, method="heart_rate", heart_rate_low=120,
                              heart_rate_high=170)
    assert errors == {"heart_rate_high": ["170 is above the predicted maximum of 165."]}
    # Fox: 220 - 62 = 158; 160 is within Tanaka's maximum but not Fox's.
    errors = intensity_errors(doctor, method="heart_rate", heart_rate_low=120,
                              heart_rate_high=160, max_formula="fox")
    assert errors == {"heart_rate_high": ["160 is above the predicted maximum of 158."]}


def test_an_entered_heart_rate_at_the_shown_maximum_is_not_called_above_it(doctor):
    """At 62 the maximum is 164.6, shown as 165: a refusal naming 165 as the maximum must
    not be for 165 itself ("165 is above the predicted maximum of 165")."""
    response = doctor.post(URL, json=body({"method": "heart_rate", "heart_rate_low": 120,
                                           "heart_rate_high": 165}))
    if response.status_code != 201:
        assert response.status_code == 422, response.json
        [message] = response.json["errors"]["json"]["prescription"]["intensity"][
            "heart_rate_high"]
        assert message != "165 is above the predicted maximum of 165."


def test_entered_heart_rate_must_be_above_resting(doctor):
    errors = intensity_errors(doctor, method="heart_rate", heart_rate_low=72,
                              heart_rate_high=120, resting_heart_rate=72)
    assert errors == {"heart_rate_low": ["The target must be above the resting heart rate."]}


@pytest.mark.parametrize(("intensity", "maximum"), [
    ({"measured_max_heart_rate": 140, "resting_heart_rate": 140}, "140"),
    ({"measured_max_heart_rate": 140, "resting_heart_rate": 150}, "140"),
    ({"resting_heart_rate": 166}, "165"),  # 164.6 predicted at 62
])
def test_resting_heart_rate_at_or_above_the_maximum_is_refused(doctor, intensity, maximum):
    errors = intensity_errors(doctor, **intensity)
    [message] = errors["resting_heart_rate"]
    assert message == (f"A resting heart rate of {intensity['resting_heart_rate']} is not below "
                       f"the maximum of {maximum}.")


@pytest.mark.parametrize("field", ["resting_heart_rate", "heart_rate_low",
                                   "measured_max_heart_rate"])
@pytest.mark.parametrize("beats", [0, 29, 231])
def test_impossible_heart_rates_are_refused(doctor, field, beats):
    errors = intensity_errors(doctor, **{field: beats})
    assert errors[field] == ["A heart rate must be 30-230 beats a minute."]


@pytest.mark.parametrize(("low", "high", "field"), [(5, 12, "rpe_low"), (12, 21, "rpe_high")])
def test_rpe_outside_the_borg_scale_is_refused(doctor, low, high, field):
    errors = intensity_errors(doctor, method="rpe", rpe_low=low, rpe_high=high)
    assert errors == {field: ["RPE is on the Borg 6-20 scale."]}


@pytest.mark.parametrize(("method", "field"), [("heart_rate_reserve", "resting_heart_rate"),
                                               ("heart_rate", "heart_rate_low"),
                                               ("rpe", "rpe_low")])
def test_each_method_asks_for_its_numbers(doctor, method, field):
    data = body()
    data["prescription"]["intensity"] = {"method": method}
    errors = refused(doctor, data)["prescription"]["intensity"]
    assert list(errors) == [field]


def test_unknown_condition_is_refused_under_conditions(doctor):
    errors = refused(doctor, body(conditions=["hypertension", "dragon pox"]))
    assert list(errors) == ["conditions"]
    [message] = errors["conditions"]["1"]
    assert "dragon pox" in message


def test_unknown_place_is_refused_under_patient_place(doctor):
    errors = refused(doctor, body(patient={"place": "Atlantis, ZZ"}))
    assert list(errors) == ["patient"]
    [message] = errors["patient"]["place"]
    assert "Could not find the place 'Atlantis, ZZ'" in message


def test_unknown_place_and_condition_are_named_together(doctor):
    errors = refused(doctor, body(patient={"place": "99999"}, conditions=["dragon pox"]))
    assert set(errors) == {"patient", "conditions"}
    assert set(errors["patient"]) == {"place"}


def test_shortlist_trainer_outside_the_ranking_is_refused(doctor, trainers):
    near, nearby, far = trainers
    errors = refused(doctor, body(shortlist=[near.id, far.id, 999_999]))
    assert errors == {"shortlist": {
        "1": [f"Trainer {far.id} is not among the recommended trainers."],
        "2": ["Trainer 999999 is not among the recommended trainers."]}}
    errors = refused(doctor, body(shortlist=[nearby.id, nearby.id]))
    assert errors == {"shortlist": {"1": ["A trainer is listed twice."]}}


@pytest.mark.parametrize("role", ["doctor", "trainer", "admin", "curator", None])
def test_account_email_must_be_a_patients_account(doctor, user_factory, role):
    email = user_factory(role).email if role else "nobody@example.org"
    errors = refused(doctor, body(patient={"account_email": email}))
    [message] = errors["patient"]["account_email"]
    assert message.startswith("No patient account has this email")


def test_account_email_of_a_patient_lets_them_read_it(doctor, api_as):
    patient = api_as("patient")
    referral = created(doctor, body(patient={"account_email": patient.user.email.upper()}))
    assert patient.get(f"{URL}/{referral['id']}").status_code == 200


# -- computed targets -------------------------------------------------------------------------

def targets(client, **intensity) -> dict:
    return created(client, body(intensity))["prescription"]["intensity"]


@pytest.mark.parametrize(("formula", "maximum", "low", "high"), [
    # 62 years old, resting 72, 40-59% of the heart-rate reserve, by hand:
    # Tanaka 208 - 43.4 = 164.6; reserve 92.6; 72 + 37.04 = 109.04; 72 + 54.63 = 126.63.
    ("tanaka", 165, 109, 127),
    # Fox 220 - 62 = 158; reserve 86; 72 + 34.4 = 106.4; 72 + 50.74 = 122.74.
    ("fox", 158, 106, 123),
    # Gellish 207 - 43.4 = 163.6; reserve 91.6; 72 + 36.64 = 108.64; 72 + 54.04 = 126.04.
    ("gellish", 164, 109, 126),
])
def test_karvonen_targets_by_formula(doctor, formula, maximum, low, high):
    found = targets(doctor, max_formula=formula)
    assert {k: found[k] for k in ("method", "max_formula", "maximum_heart_rate",
                                  "resting_heart_rate", "percent_low", "percent_high",
                                  "heart_rate_low", "heart_rate_high", "note")} == {
        "method": "heart_rate_reserve", "max_formula": formula, "maximum_heart_rate": maximum,
        "resting_heart_rate": 72, "percent_low": 40, "percent_high": 59,
        "heart_rate_low": low, "heart_rate_high": high, "note": None}
    assert (found["rpe_low"], found["rpe_high"], found["intensity_class"]) == (
        12, 13, "moderate")


def test_tanaka_is_the_default_formula(doctor):
    found = targets(doctor)
    assert (found["max_formula"], found["heart_rate_low"], found["heart_rate_high"]) == (
        "tanaka", 109, 127)


def test_a_measured_maximum_overrides_the_formula(doctor):
    # Reserve 150 - 70 = 80: 70 + 40 = 110, 70 + 56 = 126.
    found = targets(doctor, resting_heart_rate=70, measured_max_heart_rate=150,
                    percent_low=50, percent_high=70, max_formula="fox")
    assert (found["maximum_heart_rate"], found["max_formula"]) == (150, None)
    assert (found["heart_rate_low"], found["heart_rate_high"]) == (110, 126)


def test_entered_heart_rates_are_kept(doctor):
    # Reserve 164.6 - 72 = 92.6; 115 is 46% of it (moderate), 130 is 63% (vigorous).
    found = targets(doctor, method="heart_rate", heart_rate_low=115, heart_rate_high=130)
    assert (found["method"], found["heart_rate_low"], found["heart_rate_high"]) == (
        "heart_rate", 115, 130)
    assert (found["percent_low"], found["percent_high"]) == (None, None)
    assert (found["rpe_low"], found["rpe_high"], found["intensity_class"]) == (
        12, 17, "moderate_to_vigorous")


@pytest.mark.parametrize(("low", "high", "rpe", "name"), [
    (20, 30, (9, 11), "light"),  # very light starts on the light band
    (30, 39, (9, 11), "light"),
    (40, 59, (12, 13), "moderate"),
    (60, 80, (14, 17), "vigorous"),
    (90, 95, (14, 17), "vigorous"),
])
def test_default_rpe_follows_the_intensity_class(doctor, low, high, rpe, name):
    found = targets(doctor, percent_low=low, percent_high=high)
    assert ((found["rpe_low"], found["rpe_high"]), found["intensity_class"]) == (rpe, name)


def test_entered_rpe_is_kept(doctor):
    found = targets(doctor, rpe_low=11, rpe_high=14)
    assert (found["rpe_low"], found["rpe_high"]) == (11, 14)
    assert (found["heart_rate_low"], found["heart_rate_high"]) == (109, 127)


@pytest.mark.parametrize("medication", ["Metoprolol succinate 50 mg", "atenolol",
                                        "Beta-blocker (unspecified)", "verapamil SR 240 mg",
                                        "diltiazem", "ivabradine"])
def test_rpe_replaces_heart_rate_targets_on_a_blunting_medication(doctor, medication):
    referral = created(doctor, body(medications=["metformin", medication]))
    found = referral["prescription"]["intensity"]
    assert referral["heart_rate_blunted"] is True
    assert referral["medications"] == ["metformin", medication]
    assert found["method"] == "rpe"
    assert (found["heart_rate_low"], found["heart_rate_high"]) == (None, None)
    assert (found["rpe_low"], found["rpe_high"]) == (12, 13)
    assert medication in found["note"] and "metformin" not in found["note"]


@pytest.mark.parametrize("medications", [[], ["metformin"], ["lisinopril", "amlodipine",
                                                              "atorvastatin"]])
def test_other_medications_keep_heart_rate_targets(doctor, medications):
    referral = created(doctor, body(medications=medications))
    found = referral["prescription"]["intensity"]
    assert referral["heart_rate_blunted"] is False
    assert (found["method"], found["heart_rate_low"], found["heart_rate_high"], found["note"]) == (
        "heart_rate_reserve", 109, 127, None)


def test_the_age_is_computed_from_the_birth_date(doctor):
    now = today()
    birthday_today = years_ago(62, now)
    birthday_tomorrow = years_ago(62, now + timedelta(days=1))
    for born, expected in ((birthday_today, 62), (birthday_tomorrow, 61),
                           (date(1930, 1, 1), now.year - 1930)):
        referral = created(doctor, body(patient={"age": 30, "birth_date": born.isoformat()}))
        assert referral["patient"]["birth_date"] == born.isoformat()
        assert referral["patient"]["age"] == expected  # the birth date wins over the age
    referral = created(doctor, body(patient={"birth_date": birthday_today.isoformat(),
                                             "age": None}))
    # ...and drives the targets: 62 gives the journey's 109-127.
    found = referral["prescription"]["intensity"]
    assert (found["heart_rate_low"], found["heart_rate_high"]) == (109, 127)


def test_the_prescription_is_stored_as_written(doctor):
    referral = created(doctor, body(min_level="clinical", cleared_up_to="moderate"))
    prescription = referral["prescription"]
    assert prescription["goals"] == ["HbA1c below 7%", "walk 30 minutes without stopping"]
    assert (prescription["frequency_per_week"], prescription["time_minutes"]) == (3, 30)
    assert prescription["clearance"] == {"given": True, "up_to": "moderate",
                                         "override_reason": None}
    assert prescription["avoid"] == ["heavy overhead lifting"]
    assert (referral["report_every_weeks"], referral["min_level"]) == (4, "clinical")
    assert referral["patient"]["place"] == "Chicago, IL 60614"
    assert referral["conditions"] == sorted(referral["conditions"])
    assert len(referral["conditions"]) == 2
    assert referral["preferences"]["modes"] == ["in_person"]


# -- the ranking kept with the referral -------------------------------------------------------

def test_the_ranking_is_stored_as_the_matches_api_ranks_in_its_own_shape(doctor, trainers,
                                                                         session):
    data = body()
    referral = created(doctor, data)
    prefs = data["preferences"]
    response = doctor.post("/api/v1/matches", json={
        "near": data["patient"]["place"], "conditions": data["conditions"],
        "max_distance": prefs["max_distance"], "modes": prefs["modes"],
        "avoid": data["prescription"]["avoid"], "limit": 10})
    assert response.status_code == 200, response.json
    stored, shown = referral["ranking"], response.json
    assert [m["trainer"]["id"] for m in stored["matches"]] == [
        m["trainer"]["id"] for m in shown["matches"]]
    assert {m["trainer"]["id"] for m in stored["matches"]} == {t.id for t in trainers[:2]}
    # The same ranking, kept in the referral's own shape (StoredRankingSchema): the trainer
    # as named then, without the API's live prices and credential badges.
    keep = ("score", "distance", "travel", "components", "reasons")
    assert [{k: m[k] for k in keep} for m in stored["matches"]] == [
        {k: m[k] for k in keep} for m in shown["matches"]]
    assert [set(m["trainer"]) for m in stored["matches"]] == [
        {"id", "name", "city", "state"}] * 2
    assert {k: v for k, v in stored.items() if k not in ("matches",)} == {
        k: v for k, v in shown.items() if k not in ("matches",)}
    # ...and it stays the one the doctor chose from, whatever the directory becomes.
    add_trainers(session, {"last_name": "Newcomer", "postal_code": "60614",
                           "conditions": [experience("type-2-diabetes")]})
    assert doctor.get(f"{URL}/{referral['id']}").json["ranking"] == stored


# -- overdue reports and concerns -------------------------------------------------------------

@pytest.fixture
def in_progress(doctor, api_as, trainers):
    """A referral in progress, reporting every 4 weeks, and its trainer's client."""
    referral = created(doctor, body(shortlist=[trainers[0].id], send=True))
    trainer = api_as("trainer", trainer=trainers[0])
    rid = referral["id"]
    assert trainer.post(f"{URL}/{rid}/transitions", json={"to": "accepted"}).status_code == 200
    assessment = {"kind": "assessment", "notes": "Baseline."}
    assert trainer.post(f"{URL}/{rid}/updates", json=assessment).status_code == 201
    return rid, trainer


def backdate(session, referral_id: int, days: int) -> None:
    """Make the referral's updates `days` old, as if the trainer had gone quiet since."""
    for update in session.scalars(select(ReferralUpdate).where(
            ReferralUpdate.referral_id == referral_id)):
        update.created_at = utcnow() - timedelta(days=days)
    session.commit()


def test_a_fresh_report_is_due_after_the_interval(doctor, in_progress):
    rid, _trainer = in_progress
    seen = doctor.get(f"{URL}/{rid}").json
    assert seen["report_due_on"] == (today() + timedelta(weeks=4)).isoformat()
    assert (seen["report_overdue"], seen["concern"]) == (False, False)


def test_a_report_older_than_the_interval_is_overdue(doctor, in_progress, session):
    rid, _trainer = in_progress
    backdate(session, rid, 35)
    seen = doctor.get(f"{URL}/{rid}").json
    last = (utcnow() - timedelta(days=35)).date()
    assert seen["report_due_on"] == (last + timedelta(weeks=4)).isoformat()
    assert seen["report_overdue"] is True
    listed = doctor.get(URL).json
    assert [(r["id"], r["report_overdue"]) for r in listed] == [(rid, True)]


def test_the_due_day_itself_is_not_overdue(doctor, in_progress, session):
    rid, _trainer = in_progress
    backdate(session, rid, 28)
    seen = doctor.get(f"{URL}/{rid}").json
    assert (seen["report_due_on"], seen["report_overdue"]) == (today().isoformat(), False)


def test_a_new_update_clears_the_overdue_flag(doctor, in_progress, session):
    rid, trainer = in_progress
    backdate(session, rid, 60)
    assert doctor.get(f"{URL}/{rid}").json["report_overdue"] is True
    assert trainer.post(f"{URL}/{rid}/updates", json={"weekly_minutes": 90}).status_code == 201
    seen = doctor.get(f"{URL}/{rid}").json
    assert (seen["report_due_on"], seen["report_overdue"]) == (
        (today() + timedelta(weeks=4)).isoformat(), False)


def test_only_a_referral_in_progress_has_a_report_due(doctor, in_progress, session):
    rid, trainer = in_progress
    backdate(session, rid, 60)
    assert trainer.post(f"{URL}/{rid}/transitions", json={"to": "completed"}).status_code == 200
    seen = doctor.get(f"{URL}/{rid}").json
    assert (seen["report_due_on"], seen["report_overdue"]) == (None, False)


def test_an_update_with_a_concern_flags_the_referral_until_it_is_settled(doctor, in_progress):
    rid, trainer = in_progress
    updates = f"{URL}/{rid}/updates"
    assert trainer.post(updates, json={"weekly_minutes": 90}).status_code == 201
    assert doctor.get(f"{URL}/{rid}").json["concern"] is False
    assert trainer.post(updates, json={"concern": True, "notes": "Dizzy."}).status_code == 201
    seen = doctor.get(f"{URL}/{rid}").json
    assert seen["concern"] is True
    assert [u["concern"] for u in seen["updates"]] == [False, False, True]
    # A later report without a concern clears it (tests/directory/referrals/test_conversation).
    assert trainer.post(updates, json={"weekly_minutes": 120}).status_code == 201
    assert doctor.get(f"{URL}/{rid}").json["concern"] is False


def test_entered_heart_rates_without_a_resting_rate_get_the_rpe_of_their_class(
        api_as, trainers):
    # Age 30, Tanaka maximum 187: 150-160 is 80-86% of maximum, vigorous (RPE 14-17).
    intensity = {"method": "heart_rate", "heart_rate_low": 150, "heart_rate_high": 160}
    body = referral_body()
    body["patient"]["age"] = 30
    body["medications"] = []
    body["prescription"]["intensity"] = intensity
    body["prescription"]["clearance"] = {"given": True, "up_to": "vigorous"}

    response = api_as("doctor").post("/api/v1/referrals", json=body)

    assert response.status_code == 201, response.json
    targets = response.json["prescription"]["intensity"]
    assert (targets["rpe_low"], targets["rpe_high"], targets["intensity_class"]) == (
        14, 17, "vigorous")


# -- the prescription against its clearance ---------------------------------------------

def test_a_prescription_beyond_its_clearance_is_refused_saying_why(doctor):
    response = doctor.post(URL, json=body({"percent_low": 60, "percent_high": 85},
                                          cleared_up_to="light"))
    assert response.status_code == 422, response.json
    assert response.json["errors"]["json"]["prescription"]["intensity"] == [
        "This prescription reaches vigorous intensity (RPE 14-17, 60-85% of the heart-rate "
        "reserve), beyond the medical clearance, which covers up to light. Lower the "
        "intensity, or say why it is safe in the clearance's override reason."]


def test_a_recorded_reason_lets_the_doctor_prescribe_beyond_it(doctor):
    data = body({"percent_low": 60, "percent_high": 85}, cleared_up_to="light")
    data["prescription"]["clearance"]["override_reason"] = (
        "Cleared by cardiology after a stress test.")
    referral = created(doctor, data)
    assert referral["prescription"]["clearance"] == {
        "given": True, "up_to": "light",
        "override_reason": "Cleared by cardiology after a stress test."}


@pytest.mark.parametrize(("intensity", "up_to"), [
    ({"percent_low": 40, "percent_high": 59}, "moderate"),  # moderate, cleared to moderate
    ({"percent_low": 30, "percent_high": 39}, "light"),
    ({"method": "rpe", "rpe_low": 9, "rpe_high": 13}, "moderate"),
])
def test_within_the_clearance_is_accepted(doctor, intensity, up_to):
    assert created(doctor, body(intensity, cleared_up_to=up_to))["prescription"]


def test_without_a_limit_on_the_clearance_any_intensity_is_accepted(doctor):
    data = body({"percent_low": 60, "percent_high": 85})
    data["prescription"]["clearance"] = {"given": True}
    assert created(doctor, data)["prescription"]["intensity"]["intensity_class"] == "vigorous"


@pytest.mark.parametrize(("intensity", "name"), [
    ({"percent_low": 50, "percent_high": 70}, "moderate_to_vigorous"),  # the 50-70%
    ({"percent_low": 30, "percent_high": 59}, "light_to_moderate"),
    ({"method": "rpe", "rpe_low": 11, "rpe_high": 14}, "light_to_vigorous"),
])
def test_a_band_across_two_classes_is_named_by_both(doctor, intensity, name):
    found = created(doctor, body(intensity))["prescription"]["intensity"]
    assert found["intensity_class"] == name
