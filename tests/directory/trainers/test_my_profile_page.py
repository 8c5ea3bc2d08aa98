"""A trainer's own profile page: the descriptive fields only, their capacity, their
credentials as patients see them, and requests to the curators to correct them."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from directory.credentials.models import CorrectionRequest, CorrectionStatus
from directory.notifications.models import Message
from directory.trainers.forms import TrainerProfileForm
from directory.trainers.models import Trainer, TrainerStatus
from directory.trainers.schemas import RECORD_FIELDS
from matching.types import VerificationStatus
from tests.directory.matches.helpers import excluded, match
from tests.factories import credential_payload, make_trainer
from tests.web import FormReader, client_as, submit, text

PATH = "/my/profile"
CORRECTIONS = "/my/profile/corrections"


@pytest.fixture
def maria(session):
    return make_trainer(session, credentials=[
        credential_payload(), credential_payload(certification="ACSM-CPT",
                                                 status="unverified", verification_source=None)])


@pytest.fixture
def trainer(app, maria, user_factory):
    """Maria's browser, signed in to her linked trainer account."""
    return client_as(app, user_factory("trainer", trainer=maria))


@pytest.mark.parametrize("role, expected", [
    ("anonymous", (302, 302, 302)),
    ("patient", (403, 403, 403)),
    ("doctor", (403, 403, 403)),
    ("curator", (403, 403, 403)),
    ("admin", (403, 403, 403)),
    ("trainer", (200, 302, 302)),  # Maria's own account
])
def test_who_may_use_the_page(app, session, maria, user_factory, role, expected):
    app.config["WTF_CSRF_ENABLED"] = False  # the forms' CSRF is tested on the curators' pages
    user = None if role == "anonymous" else user_factory(
        role, trainer=maria if role == "trainer" else None)
    client = client_as(app, user)
    responses = (client.get(PATH),
                 client.post(PATH, data={"bio": "Mine now.", "languages": "en",
                                         "modes": "in_person", "accepting_new_clients": "y"}),
                 client.post(CORRECTIONS, data={"credential_id": "", "message": "Missing."}))
    assert tuple(r.status_code for r in responses) == expected
    if role == "anonymous":
        assert all(r.headers["Location"].startswith("/login?next=/my/profile")
                   for r in responses)
    session.refresh(maria)
    assert maria.bio == ("Mine now." if role == "trainer" else
                         "Clinical exercise physiologist.")


def test_a_trainer_account_not_linked_yet_is_told_what_to_do(app, user_factory):
    app.config["WTF_CSRF_ENABLED"] = False
    unlinked = client_as(app, user_factory("trainer"))
    response = unlinked.get(PATH)
    assert response.status_code == 200
    assert "Your trainer account is not linked to a profile in the directory yet." in \
        text(response)
    assert "Ask ReferFit to link your profile" in text(response)
    assert unlinked.post(CORRECTIONS, data={"message": "Link me"}).status_code == 403


def test_the_page_shows_the_profile_and_capacity(trainer, session, maria):
    page = trainer.get(PATH)
    assert page.status_code == 200
    assert "0 new referrals taken in the last 30 days; you set no monthly limit." in text(page)
    values = FormReader(page.get_data(as_text=True)).form("Your profile")
    assert (values["bio"], values["languages"], values["price_max"]) == (
        "Clinical exercise physiologist.", "en, es", "120")
    maria.referral_capacity = 3
    session.commit()
    assert "0 of 3 new referrals taken in the last 30 days." in text(trainer.get(PATH))


def test_credentials_look_exactly_as_on_the_public_profile(trainer, client, maria):
    def credentials(page) -> str:
        return re.search(r"<table>.*?</table>", page.get_data(as_text=True), re.S).group(0)

    public = credentials(client.get(f"/trainers/{maria.id}"))
    assert "ACSM-CEP" in public and "ACSM-CPT" in public and "unverified" in public
    own_page = trainer.get(PATH).get_data(as_text=True)
    assert public in own_page


def test_a_trainer_edits_their_descriptive_fields(trainer, session, maria):
    response = submit(trainer, PATH, "Your profile", {
        "bio": "Cardiac and diabetes programs.", "price_min": "70", "price_max": "110",
        "sliding_scale": "y", "payment_options": ["hsa_fsa"], "modes": ["in_person", "in_home"],
        "service_radius_km": "12", "languages": "en, vi", "accessibility_features": ["elevator"],
        "accepting_new_clients": [], "referral_capacity": "5", "phone": "(212) 555-0188",
        "website": "https://maria.example.com"})
    assert response.status_code == 302 and response.headers["Location"] == PATH
    session.refresh(maria)
    assert (maria.bio, maria.price_min, maria.price_max, maria.sliding_scale) == (
        "Cardiac and diabetes programs.", 70, 110, True)
    assert (maria.payment_options, [m.value for m in maria.modes], maria.languages) == (
        ["hsa_fsa"], ["in_person", "in_home"], ["en", "vi"])
    assert (maria.service_radius_km, maria.accessibility_features) == (12, ["elevator"])
    assert (maria.accepting_new_clients, maria.referral_capacity) == (False, 5)
    assert (maria.phone, maria.website) == ("(212) 555-0188", "https://maria.example.com")
    assert "Your profile is saved." in text(trainer.get(PATH))


def test_the_form_holds_no_record_field(app):
    with app.test_request_context():
        fields = {field.name for field in TrainerProfileForm()}
    assert fields & RECORD_FIELDS == set()
    assert fields & {"email", "postal_code", "city", "state", "credentials"} == set()


def test_posting_record_or_verification_fields_changes_nothing_of_them(trainer, session, maria):
    credential = maria.credentials[1]
    response = submit(trainer, PATH, "Your profile", {
        "bio": "Still me.", "first_name": "Mariah", "last_name": "Renamed",
        "status": "inactive", "latitude": "10", "longitude": "10", "postal_code": "60601",
        "conditions-0-condition": "copd", "conditions-0-level": "expert",
        "conditions-0-years": "9", "credentials-0-status": "verified",
        "credential_id": str(credential.id), "verification_status": "verified"})
    assert response.status_code == 302
    session.refresh(maria)
    assert maria.bio == "Still me."
    assert (maria.full_name, maria.status, maria.postal_code) == (
        "Maria Lopez", TrainerStatus.ACTIVE, "10001")
    assert [e.condition.code for e in maria.condition_experience] == ["type-2-diabetes"]
    session.refresh(credential)
    assert credential.status is VerificationStatus.UNVERIFIED


def test_refused_changes_keep_what_was_typed(trainer, session, maria):
    response = submit(trainer, PATH, "Your profile", {
        "price_min": "150", "referral_capacity": "-1", "languages": "english",
        "website": "maria.example.com"})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    for field, message in [("referral_capacity", "Must be greater than or equal to 0"),
                           ("languages", "Use an ISO 639 code such as 'en' or 'es'."),
                           ("website", "Not a valid URL.")]:
        assert f'<ul class="error" id="{field}-errors"><li>{message}' in page, field
    values = FormReader(page).form("Your profile")
    assert (values["price_min"], values["referral_capacity"], values["languages"]) == (
        "150", "-1", "english")
    session.refresh(maria)
    assert (maria.price_min, maria.referral_capacity) == (80, None)


def test_a_lowest_price_above_the_highest_is_refused(trainer, session, maria):
    response = submit(trainer, PATH, "Your profile", {"price_min": "150"})
    assert response.status_code == 422
    assert '<ul class="error" id="price_max-errors"><li>Must not be below price_min.</li>' \
        in response.get_data(as_text=True)
    session.refresh(maria)
    assert maria.price_min == 80


def test_capacity_zero_leaves_the_trainer_out_of_matches(trainer, client, maria):
    assert excluded(match(client, near="10001")) == {}
    response = submit(trainer, PATH, "Your profile", {"referral_capacity": "0"})
    assert response.status_code == 302
    assert "0 of 0 new referrals taken in the last 30 days." in text(trainer.get(PATH))
    body = match(client, near="10001")
    assert body["matches"] == []
    assert excluded(body) == {"Maria Lopez": [
        "At capacity: takes no more new referrals this month"]}


# -- Corrections ----------------------------------------------------------------------------

def test_asking_for_a_correction(trainer, session, maria, user_factory):
    curators = [user_factory("curator"), user_factory("curator")]
    credential = maria.credentials[1]
    response = submit(trainer, PATH, CORRECTIONS, {
        "credential_id": str(credential.id),
        "message": "  The ACSM registry verified this in March.  "}, target=CORRECTIONS)
    assert response.status_code == 302 and response.headers["Location"] == PATH
    request = session.scalars(select(CorrectionRequest)).one()
    assert (request.trainer_id, request.credential_id, request.status) == (
        maria.id, credential.id, CorrectionStatus.OPEN)
    assert request.message == "The ACSM registry verified this in March."
    messages = session.scalars(select(Message).where(
        Message.kind == "correction_requested")).all()
    assert sorted(m.recipient_id for m in messages) == sorted(c.id for c in curators)
    page = text(trainer.get(PATH))
    assert "Your request is with the curators." in page
    assert f"ACSM-CPT {credential.credential_number} The ACSM registry verified this in " \
           "March. Open" in page
    session.refresh(credential)
    assert credential.status is VerificationStatus.UNVERIFIED  # only a curator changes it


def test_asking_about_a_credential_that_is_not_listed(trainer, session):
    response = submit(trainer, PATH, CORRECTIONS, {
        "credential_id": "", "message": "My NSCA-CSCS is missing."}, target=CORRECTIONS)
    assert response.status_code == 302
    request = session.scalars(select(CorrectionRequest)).one()
    assert request.credential_id is None
    assert "A credential not listed My NSCA-CSCS is missing. Open" in text(trainer.get(PATH))


def test_the_curators_answer_is_shown(trainer, session, maria, user_factory):
    curator = user_factory("curator")
    session.add(CorrectionRequest(trainer=maria, requested_by_id=curator.id, message="Typo",
                                  status=CorrectionStatus.RESOLVED,
                                  resolution="Fixed the number."))
    session.commit()
    assert "Typo Resolved Fixed the number." in text(trainer.get(PATH))


@pytest.mark.parametrize("choice, message, field, error", [
    ("own", "   ", "message", "Say what is wrong and what it should be."),
    ("own", "x" * 2001, "message", "Keep it under 2000 characters."),
    ("other", "Not mine", "credential_id", "Not a valid choice."),
])
def test_a_refused_request_is_explained(trainer, session, maria, choice, message, field,
                                        error):
    other = make_trainer(session, last_name="Other")
    credential = maria.credentials[0] if choice == "own" else other.credentials[0]
    response = submit(trainer, PATH, CORRECTIONS, {
        "credential_id": str(credential.id), "message": message}, target=CORRECTIONS)
    assert response.status_code == 422
    assert f'<ul class="error" id="{field}-errors"><li>{error}</li></ul>' in \
        response.get_data(as_text=True)
    assert "Your request was not sent" in text(response)
    assert session.scalars(select(CorrectionRequest)).all() == []


def test_another_trainers_profile_is_never_edited(app, session, maria, user_factory):
    other = make_trainer(session, last_name="Other")
    theirs = client_as(app, user_factory("trainer", trainer=other))
    response = submit(theirs, PATH, "Your profile", {"bio": "Other's bio."})
    assert response.status_code == 302
    session.refresh(maria)
    assert maria.bio == "Clinical exercise physiologist."
    assert session.get(Trainer, other.id).bio == "Other's bio."
