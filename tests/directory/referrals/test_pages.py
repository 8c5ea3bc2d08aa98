"""The referral pages: the doctor's form and ranking, the trainer's inbox and reports,
the patient's letter, self-screening; with CSRF, as a browser sends them."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from directory.referrals.models import Referral
from directory.trainers.models import Trainer
from tests.web import csrf_token, sign_in

FORM = {
    "patient_name": "Pat Example", "patient_age": "62", "patient_place": "60614",
    "conditions": ["type 2 diabetes", "high blood pressure"],
    "medications": "metoprolol 50 mg\nmetformin",
    "goals": "HbA1c below 7%\nwalk 30 minutes", "frequency_per_week": "3",
    "time_minutes": "30", "type": "brisk walking", "intensity_method": "heart_rate_reserve",
    "resting_heart_rate": "72", "max_formula": "tanaka", "percent_low": "40",
    "percent_high": "59", "clearance_given": "true", "clearance_up_to": "moderate",
    "report_every_weeks": "4", "max_distance": "10", "modes": "in_person",
    "avoid": "heavy overhead lifting",
}


@pytest.fixture
def doctor(client, user_factory):
    user = user_factory("doctor")
    sign_in(client, user.email)
    return client


def post(client, path: str, data: dict, page: str | None = None, **kwargs):
    return client.post(path, data={"csrf_token": csrf_token(client, page or path), **data},
                       **kwargs)


def send_from_the_form(doctor) -> tuple[int, str]:
    """Preview FORM, tick the first trainer and create: that trainer, and the page."""
    ids = re.findall(r'name="shortlist" value="(\d+)"',
                     post(doctor, "/referrals/new", {**FORM, "action": "preview"})
                     .get_data(as_text=True))
    location = post(doctor, "/referrals/new", {**FORM, "action": "create",
                                               "shortlist": ids[0]}).location
    return int(ids[0]), location


def test_the_doctor_sees_rpe_replace_heart_rate_then_creates_and_sends(doctor, trainers,
                                                                       session):
    preview = post(doctor, "/referrals/new", {**FORM, "action": "preview"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page
    assert "RPE replaces heart-rate targets: metoprolol 50 mg blunts" in page
    assert "Recommended trainers near" in page
    ids = re.findall(r'name="shortlist" value="(\d+)"', page)
    assert sorted(map(int, ids)) == sorted(t.id for t in trainers)

    created = post(doctor, "/referrals/new", {**FORM, "action": "create",
                                              "shortlist": ids[0]})
    assert created.status_code == 302, created.get_data(as_text=True)
    referral = session.scalar(select(Referral))
    assert (referral.status.value, referral.trainer_id) == ("sent", int(ids[0]))
    detail = doctor.get(created.location).get_data(as_text=True)
    assert "Referral 1 sent." in detail or f"Referral {referral.id} sent." in detail
    assert "perceived exertion (Borg RPE) 12-13" in detail


def test_form_errors_are_listed_and_nothing_is_saved(doctor, trainers, session):
    response = post(doctor, "/referrals/new", {**FORM, "patient_age": "",
                                               "percent_low": "70", "action": "preview"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give the patient&#39;s date of birth or age." in page
    assert "The range runs down" in page
    assert session.scalar(select(Referral)) is None


def test_the_trainer_accepts_and_reports_through_the_page(doctor, client, trainers, session,
                                                          user_factory):
    trainer_id, location = send_from_the_form(doctor)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    trainer_user = user_factory("trainer", trainer=session.get(Trainer, trainer_id))
    sign_in(client, trainer_user.email)
    referral_id = int(location.rsplit("/", 1)[1])
    path = f"/referrals/{referral_id}"

    inbox = client.get("/referrals").get_data(as_text=True)
    assert f"Referral {referral_id}" in inbox
    assert post(client, f"{path}/transitions", {"to": "accepted"}, page=path).status_code == 302
    assert post(client, f"{path}/updates", {"kind": "assessment", "resting_heart_rate": "70",
                                            "notes": "Baseline"}, page=path).status_code == 302
    assert post(client, f"{path}/updates", {"kind": "progress", "sessions_attended": "8",
                                            "concern": "true", "notes": "Dizzy"},
                page=path).status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "in progress" in page and "Concern: the trainer asks the doctor to review." in page


def test_the_letter_prints_the_prescription_and_both_parties(doctor, trainers, session):
    trainer_id, location = send_from_the_form(doctor)
    letter = doctor.get(f"{location}/letter").get_data(as_text=True)
    assert 'href="/static/print.css" media="print"' in letter
    assert "Pat Example" in letter and "heavy overhead lifting" in letter
    assert session.get(Trainer, trainer_id).full_name in letter


def test_the_letter_and_the_trainers_view_say_who_referred(doctor, client, trainers,
                                                            user_factory, session):
    """With practice details the letter names the doctor, the practice and the phone;
    the trainer the referral goes to reads the same."""
    post(doctor, "/account/doctor", {
        "name": "Gregory House", "credentials": "MD", "npi": "1234567893",
        "practice_name": "Princeton Plainsboro Internal Medicine", "phone": "(609) 555-0100"})
    trainer_id, location = send_from_the_form(doctor)
    expected = ["Gregory House, MD", "Princeton Plainsboro Internal Medicine",
                "Phone (609) 555-0100", "NPI 1234567893"]
    letter = doctor.get(f"{location}/letter").get_data(as_text=True)
    assert all(part in letter for part in expected), letter
    trainer = user_factory("trainer", trainer=session.get(Trainer, trainer_id))
    sign_in(client, trainer.email)
    view = client.get(location).get_data(as_text=True)
    assert "Referred by" in view and all(part in view for part in expected)


def test_without_practice_details_the_letter_shows_the_doctors_email(doctor, trainers):
    trainer_id, location = send_from_the_form(doctor)
    letter = doctor.get(f"{location}/letter").get_data(as_text=True)
    assert "(no practice details given yet)" in letter and "Dr. " not in letter


def test_self_screening_advises_and_carries_the_result_to_search(client):
    response = post(client, "/screening", {"exercises_regularly": "false",
                                            "known_disease": "true", "symptoms": "false",
                                            "desired_intensity": "vigorous"})
    page = response.get_data(as_text=True)
    assert "See a doctor first" in page
    assert "clearance=recommended" in page and "start=light_to_moderate" in page


def test_the_screening_result_is_shown_before_search_results_and_kept(client, trainers):
    page = client.get("/search?near=60614&clearance=recommended&start=light_to_moderate")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert text.index("Your screening: see a doctor for medical clearance first") < (
        text.index("Maria Near"))
    assert '<input type="hidden" name="clearance" value="recommended">' in text
    start = client.get("/?clearance=recommended_before_vigorous&start=moderate")
    assert "see a doctor before vigorous exercise" in start.get_data(as_text=True)


def test_the_doctor_can_mark_blunting_for_a_drug_not_recognised(doctor, trainers):
    form = {**FORM, "medications": "investigational drug X", "heart_rate_blunted": "true",
            "action": "preview"}

    page = post(doctor, "/referrals/new", form).get_data(as_text=True)

    assert "RPE replaces heart-rate targets: a medication the doctor named blunts" in page


def test_creating_without_a_ticked_trainer_keeps_the_ranking_to_tick(doctor, trainers,
                                                                      session):
    response = post(doctor, "/referrals/new", {**FORM, "action": "create"})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tick at least one trainer: the first ticked gets the referral." in page
    assert "Recommended trainers near" in page and 'name="shortlist"' in page
    assert session.scalar(select(Referral)) is None


def test_beyond_the_clearance_the_preview_says_so_and_keeps_the_ranking(doctor, trainers,
                                                                        session):
    form = {**FORM, "medications": "metformin", "percent_low": "60", "percent_high": "85"}
    preview = post(doctor, "/referrals/new", {**form, "action": "preview"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 422, page
    assert ("This prescription reaches vigorous intensity (RPE 14-17, 60-85% of the "
            "heart-rate reserve), beyond the medical clearance, which covers up to "
            "moderate.") in page
    assert "Recommended trainers near" in page
    ids = re.findall(r'name="shortlist" value="(\d+)"', page)
    refused = post(doctor, "/referrals/new", {**form, "action": "create", "shortlist": ids[0]})
    assert refused.status_code == 422 and session.scalar(select(Referral)) is None

    reason = "Cleared by cardiology after a stress test."
    created = post(doctor, "/referrals/new", {**form, "action": "create", "shortlist": ids[0],
                                              "clearance_override_reason": reason})
    assert created.status_code == 302, created.get_data(as_text=True)
    detail = doctor.get(created.location).get_data(as_text=True)
    assert f"Prescribed beyond the clearance:</strong> {reason}" in detail


def field_error(page: str, name: str) -> str:
    """The error list rendered beside the field `name`, as text."""
    found = re.search(rf'<ul class="error field-errors" id="{name}-errors">(.*?)</ul>', page,
                      re.S)
    assert found, f"no error beside {name}"
    return re.sub(r"<[^>]+>", " ", found.group(1)).strip()


def test_each_error_is_beside_its_field_in_plain_words_and_input_is_kept(doctor, trainers):
    form = {**FORM, "time_minutes": "", "frequency_per_week": "9", "patient_place": "60614",
            "percent_low": "70", "action": "preview"}
    response = post(doctor, "/referrals/new", form)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert field_error(page, "time_minutes") == "Fill this in."
    assert field_error(page, "frequency_per_week") == "Enter a value from 1 to 7."
    assert field_error(page, "percent_high") == (
        "The range runs down: this end, 59, is below the other, 70.")
    assert "3 answers need correcting" in page
    assert "Missing data for required field" not in page and "Time minutes" not in page
    assert 'aria-invalid="true" aria-describedby="time_minutes-errors"' in page
    # What was typed stays.
    assert 'name="patient_name" type="text" value="Pat Example"' in page
    assert 'name="frequency_per_week" type="number" value="9"' in page
    assert ">HbA1c below 7%\nwalk 30 minutes</textarea>" in page


def test_required_fields_are_marked(doctor):
    page = doctor.get("/referrals/new").get_data(as_text=True)
    for name in ("patient_name", "patient_place", "goals", "frequency_per_week",
                 "time_minutes", "type", "condition-0"):
        # Seen, not read out twice: the input's own `required` tells a screen reader.
        assert re.search(rf'<label for="{name}">[^<]+</label><span class="required" '
                         r'aria-hidden="true">\(required\)', page), name


def test_only_the_chosen_methods_intensity_inputs_are_read(doctor, trainers):
    # Values left in the heart-rate inputs (hidden once RPE is chosen) are not read.
    form = {**FORM, "medications": "metformin", "intensity_method": "rpe", "rpe_low": "11",
            "rpe_high": "13", "resting_heart_rate": "500", "heart_rate_low": "x",
            "percent_low": "90", "action": "preview"}
    response = post(doctor, "/referrals/new", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "RPE 11-13." in page
    # Each input says which methods it belongs to, for the style sheet to show.
    assert re.search(r'class="field by-method method-heart_rate_reserve method-heart_rate">\s*'
                     r'<label for="resting_heart_rate">', page)
    assert re.search(r'class="field by-method method-rpe">\s*<label for="rpe_low">', page)


def test_beyond_the_clearance_is_said_beside_the_intensity(doctor, trainers):
    form = {**FORM, "medications": "metformin", "percent_low": "60", "percent_high": "85"}
    page = post(doctor, "/referrals/new", {**form, "action": "preview"}).get_data(as_text=True)
    assert "beyond the medical clearance" in field_error(html.unescape(page), "intensity_method")


def test_refer_to_this_trainer_on_match_carries_the_patient_and_the_choice(doctor, trainers):
    query = "near=60614&conditions=type+2+diabetes&conditions=hypertension&max_distance=10"
    match = doctor.get(f"/match?{query}").get_data(as_text=True)
    links = re.findall(r'href="(/referrals/new\?[^"]+)"[^>]*>Refer to this trainer', match)
    assert len(links) == len(trainers)
    link = html.unescape(links[0])
    chosen = int(re.search(r"shortlist=(\d+)", link).group(1))
    start = doctor.get(link).get_data(as_text=True)
    name = next(t.full_name for t in trainers if t.id == chosen)
    assert f"You chose {name} on the match page" in start
    assert 'name="patient_place" type="text" value="60614"' in start
    assert 'value="type 2 diabetes"' in start and 'value="hypertension"' in start
    assert 'name="max_distance" type="number" value="10"' in start
    assert f'<input type="hidden" name="shortlist" value="{chosen}">' in start
    # The doctor writes the prescription; the ranking comes back with the choice ticked.
    ranked = post(doctor, "/referrals/new", {**FORM, "shortlist": str(chosen),
                                             "action": "preview"}, page=link)
    ticked = re.findall(r'name="shortlist" value="(\d+)" checked', ranked.get_data(as_text=True))
    assert ticked == [str(chosen)]


def test_a_search_in_km_opens_the_referral_form_in_miles(doctor, trainers):
    match = doctor.get("/match?near=60614&conditions=type+2+diabetes&max_distance=16.1"
                       "&units=km").get_data(as_text=True)
    link = html.unescape(re.findall(r'href="(/referrals/new\?[^"]+)"', match)[0])
    assert "max_distance=10.0" in link


def test_refer_to_this_trainer_is_offered_to_doctors_only(client, trainers, user_factory):
    query = "/match?near=60614&conditions=type+2+diabetes&max_distance=10"
    assert "Refer to this trainer" not in client.get(query).get_data(as_text=True)
    sign_in(client, user_factory("patient").email)
    assert "Refer to this trainer" not in client.get(query).get_data(as_text=True)
