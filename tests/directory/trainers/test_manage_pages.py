"""The curators' trainer pages, driven as a browser would: the filtered and sorted list,
adding and editing a record with the location checked first, and deactivating.

Forms are submitted with every value the page rendered (FormReader), so a test posts
exactly what a browser would, changed only where the test says.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from directory.credentials.models import CorrectionRequest, CorrectionStatus
from directory.db import today
from directory.trainers import pages
from directory.trainers.models import LocationPrecision, Trainer, TrainerStatus
from directory.trainers.services import deactivate_trainer
from tests.factories import credential_payload, make_trainer
from tests.web import FormReader, client_as, csrf_token, submit, text

ROLES = ("anonymous", "patient", "doctor", "trainer", "curator", "admin")
STAFF_PAGE = {"anonymous": 302, "patient": 403, "doctor": 403, "trainer": 403,
              "curator": 200, "admin": 200}
STAFF_POST = {**STAFF_PAGE, "curator": 302, "admin": 302}


@pytest.fixture
def curator(app, user_factory):
    return client_as(app, user_factory("curator"))


def listed(response) -> list[str]:
    """The names in the list's table, in order."""
    assert response.status_code == 200, text(response)[:300]
    return re.findall(r'<th scope="row"><a href="/manage/trainers/\d+">([^<]+)</a>',
                      response.get_data(as_text=True))


def days(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


def count(session, model) -> int:
    session.expire_all()  # read what the requests committed
    return session.scalar(select(func.count()).select_from(model))


# -- Who may use the pages --------------------------------------------------------------------

@pytest.fixture
def role_clients(app, session, user_factory):
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF has its own test below
    trainer = make_trainer(session)
    users = {role: user_factory(role) for role in ("patient", "doctor", "curator", "admin")}
    users["trainer"] = user_factory("trainer", trainer=trainer)
    clients = {role: client_as(app, users.get(role)) for role in ROLES}
    return trainer, clients


@pytest.mark.parametrize("method, path, expected, body", [
    ("GET", "/manage/trainers", STAFF_PAGE, None),
    ("GET", "/manage/trainers/new", STAFF_PAGE, None),
    ("POST", "/manage/trainers/new", {**STAFF_POST, "curator": 200, "admin": 200},
     {"first_name": "Nora", "last_name": "Quinn", "postal_code": "60601", "languages": "en",
      "modes": "in_person", "action": "preview"}),
    ("GET", "/manage/trainers/{id}", STAFF_PAGE, None),
    ("POST", "/manage/trainers/{id}", {**STAFF_POST, "curator": 200, "admin": 200},
     {"first_name": "Maria", "last_name": "Lopez", "postal_code": "60601",
      "languages": "en", "modes": "in_person", "action": "preview"}),
    ("POST", "/manage/trainers/{id}/status", STAFF_POST,
     {"status": "inactive", "confirm": "y"}),
])
def test_only_curators_and_admins_use_the_record_pages(role_clients, method, path, expected,
                                                       body):
    trainer, clients = role_clients
    for role in ROLES:
        response = clients[role].open(path.format(id=trainer.id), method=method, data=body)
        assert response.status_code == expected[role], role
        if role == "anonymous":
            assert response.headers["Location"].startswith("/login?next=")


def test_a_missing_trainer_is_a_404(curator):
    assert curator.get("/manage/trainers/999999").status_code == 404
    token = csrf_token(curator, "/manage/trainers/new")
    response = curator.post("/manage/trainers/999999/status",
                            data={"csrf_token": token, "status": "inactive", "confirm": "y"})
    assert response.status_code == 404


def test_a_form_without_its_csrf_token_is_refused(curator, session):
    response = curator.post("/manage/trainers/new", data={**NEW, "csrf_token": "forged"})
    assert response.status_code == 400
    assert count(session, Trainer) == 0


# -- The list ----------------------------------------------------------------------------------

@pytest.fixture
def directory(session):
    """Trainers telling every filter apart (names sort in this order)."""
    made = {
        "Ada": make_trainer(session, first_name="Ada", last_name="Adler", postal_code="10001",
                            credentials=[credential_payload(expires_on=days(20))]),
        "Ben": make_trainer(session, first_name="Ben", last_name="Baker", postal_code="60601",
                            credentials=[credential_payload(certification="ACSM-CPT",
                                                            expires_on=days(50))]),
        "Cy": make_trainer(session, first_name="Cy", last_name="Cole", postal_code="02108",
                           credentials=[credential_payload(status="unverified",
                                                           verification_source=None)]),
        # Verified once, but it lapsed yesterday: it no longer counts as verified.
        "Di": make_trainer(session, first_name="Di", last_name="Dunn", postal_code="60614",
                           credentials=[credential_payload(issued_on="2020-01-01",
                                                           expires_on=days(-1))]),
        "Ed": make_trainer(session, first_name="Ed", last_name="Evans", postal_code="98101",
                           credentials=[]),
        "Fay": make_trainer(session, first_name="Fay", last_name="Ford", postal_code="10001"),
    }
    deactivate_trainer(session, made["Fay"])
    session.commit()
    return made


@pytest.mark.parametrize("query, names", [
    ({}, ["Adler, Ada", "Baker, Ben", "Cole, Cy", "Dunn, Di", "Evans, Ed"]),
    ({"status": "inactive"}, ["Ford, Fay"]),
    ({"status": "all", "name": "d"}, ["Adler, Ada", "Dunn, Di", "Evans, Ed", "Ford, Fay"]),
    ({"name": "BEN"}, ["Baker, Ben"]),
    ({"name": "ada adl"}, ["Adler, Ada"]),
    ({"name": "%"}, []),
    ({"place": "chicago"}, ["Baker, Ben", "Dunn, Di"]),
    ({"place": "MA"}, ["Cole, Cy"]),
    ({"place": "981"}, ["Evans, Ed"]),
    ({"place": "New York, ny"}, ["Adler, Ada"]),
    ({"level": "clinical"}, ["Adler, Ada"]),
    ({"level": "general"}, ["Baker, Ben"]),
    ({"verification": "verified"}, ["Adler, Ada", "Baker, Ben"]),
    ({"verification": "unverified_only"}, ["Cole, Cy", "Dunn, Di"]),
    ({"verification": "none"}, ["Evans, Ed"]),
    ({"expiring": "30"}, ["Adler, Ada"]),
    ({"expiring": "60"}, ["Adler, Ada", "Baker, Ben"]),
])
def test_filters(curator, directory, query, names):
    assert listed(curator.get("/manage/trainers", query_string=query)) == names


def test_flagged_lists_trainers_with_an_open_correction_request(curator, session, directory,
                                                                user_factory):
    asker = user_factory("curator")
    session.add_all([
        CorrectionRequest(trainer=directory["Cy"], requested_by_id=asker.id, message="Fix"),
        CorrectionRequest(trainer=directory["Ed"], requested_by_id=asker.id, message="Old",
                          status=CorrectionStatus.RESOLVED, resolution="Done.")])
    session.commit()
    response = curator.get("/manage/trainers", query_string={"flagged": "y"})
    assert listed(response) == ["Cole, Cy"]
    assert "Correction asked" in text(response)


@pytest.mark.parametrize("sort, order, names", [
    ("name", "desc", ["Evans, Ed", "Dunn, Di", "Cole, Cy", "Baker, Ben", "Adler, Ada"]),
    ("city", "asc", ["Cole, Cy", "Baker, Ben", "Dunn, Di", "Adler, Ada", "Evans, Ed"]),
    ("city", "desc", ["Evans, Ed", "Adler, Ada", "Baker, Ben", "Dunn, Di", "Cole, Cy"]),
    # Soonest first; trainers with no verified expiry last, whichever the order.
    ("expiry", "asc", ["Adler, Ada", "Baker, Ben", "Cole, Cy", "Dunn, Di", "Evans, Ed"]),
    ("expiry", "desc", ["Baker, Ben", "Adler, Ada", "Cole, Cy", "Dunn, Di", "Evans, Ed"]),
])
def test_sorting(curator, directory, sort, order, names):
    query = {"sort": sort, "order": order}
    assert listed(curator.get("/manage/trainers", query_string=query)) == names


def test_recently_updated_first(curator, session, directory):
    directory["Cy"].bio = "Changed today."
    session.commit()
    query = {"sort": "updated", "order": "desc"}
    assert listed(curator.get("/manage/trainers", query_string=query))[0] == "Cole, Cy"


def test_columns_follow_the_credentials_effective_status(curator, directory):
    rows = text(curator.get("/manage/trainers"))
    assert f"Adler, Ada New York, NY Clinical Verified {days(20)} Active Taking, no limit" in rows
    assert "Dunn, Di Chicago, IL None Unverified only Active" in rows
    assert "Evans, Ed Seattle, WA None No credentials Active" in rows


def test_pages_carry_the_filters(curator, directory, monkeypatch):
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    query = {"status": "all", "sort": "name"}
    page_one = curator.get("/manage/trainers", query_string=query)
    assert listed(page_one) == ["Adler, Ada", "Baker, Ben"]
    assert "6 trainers; page 1 of 3." in text(page_one)
    [following] = re.findall(r'href="([^"]+)">Next', page_one.get_data(as_text=True))
    assert "status=all" in following and "sort=name" in following
    assert listed(curator.get(following.replace("&amp;", "&"))) == ["Cole, Cy", "Dunn, Di"]


def test_the_page_size_is_fifty():
    assert pages.PAGE_SIZE == 50


@pytest.mark.parametrize("query, field, message", [
    ({"level": "expert"}, "level", "Not a valid choice."),
    ({"expiring": "45"}, "expiring", "Not a valid choice."),
    ({"status": "gone"}, "status", "Not a valid choice."),
    ({"sort": "salary"}, "sort", "Not a valid choice."),
    ({"page": "two"}, "page", "Not a valid integer value."),
    ({"page": "0"}, "page", "Number must be between 1 and 100000."),
    ({"name": "x" * 101}, "name", "Field cannot be longer than 100 characters."),
])
def test_invalid_filters_are_explained(curator, directory, query, field, message):
    response = curator.get("/manage/trainers", query_string=query)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<ul class="error" id="{field}-errors"><li>{message}</li>' in page
    assert 'aria-invalid="true"' in page


# -- Adding a trainer -----------------------------------------------------------------------

NEW = {"first_name": "Nora", "last_name": "Quinn", "email": "nora@example.com",
       "phone": "+1 312 555 0100", "bio": "Cardiac rehab.", "languages": "en, ES",
       "years_experience": "12", "referral_capacity": "4", "modes": ["in_person", "in_home"],
       "service_radius_km": "15", "price_min": "60", "price_max": "90",
       "payment_options": ["self_pay", "hsa_fsa"], "postal_code": "60601",
       "accessibility_features": ["elevator"], "safety_items": ["aed_on_site"],
       "conditions-0-condition": "hypertension", "conditions-0-level": "expert",
       "conditions-0-years": "5"}


def test_adding_a_trainer(curator, session):
    response = submit(curator, "/manage/trainers/new", "Trainer record", NEW)
    assert response.status_code == 302
    trainer = session.scalars(select(Trainer)).one()
    assert response.headers["Location"] == f"/manage/trainers/{trainer.id}"
    assert (trainer.full_name, trainer.languages, trainer.modes[1].value) == (
        "Nora Quinn", ["en", "es"], "in_home")
    assert (trainer.referral_capacity, trainer.price_max, trainer.city, trainer.state) == (
        4, 90, "Chicago", "IL")
    assert trainer.payment_options == ["self_pay", "hsa_fsa"]
    [experience] = trainer.condition_experience
    assert (experience.condition.code, experience.level.value, experience.years) == (
        "hypertension", "expert", 5)
    assert "Saved Nora Quinn." in text(curator.get(response.headers["Location"]))


def test_a_refused_trainer_keeps_what_was_typed(curator, session):
    typed = {**NEW, "first_name": "", "phone": "call me", "price_min": "95.5",
             "years_experience": "eleven", "conditions-1-condition": "copd",
             "conditions-1-years": "3"}
    response = submit(curator, "/manage/trainers/new", "Trainer record", typed)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field, message in [("first_name", "Give the first name."),
                           ("phone", "Not a phone number."),
                           ("years_experience", "Not a valid integer."),
                           ("conditions-1-level", "Missing data for required field.")]:
        assert f'<ul class="error" id="{field}-errors"><li>{message}</li></ul>' in page
    for field, value in [("phone", "call me"), ("years_experience", "eleven"),
                         ("price_min", "95.5"), ("email", "nora@example.com")]:
        assert f'name="{field}" type="text" value="{value}"' in page or \
            f'name="{field}" type="email" value="{value}"' in page
    assert '<option selected value="copd">' in page
    assert "Nothing was saved" in page
    assert count(session, Trainer) == 0


def test_a_price_range_upside_down_is_refused(curator, session):
    response = submit(curator, "/manage/trainers/new", "Trainer record",
                      {**NEW, "price_min": "95", "price_max": "90"})
    assert response.status_code == 422
    assert '<ul class="error" id="price_max-errors"><li>Must not be below price_min.</li>' \
        in response.get_data(as_text=True)
    assert count(session, Trainer) == 0


def test_the_geocoders_answer_is_shown_on_the_field(curator, session):
    response = submit(curator, "/manage/trainers/new", "Trainer record",
                      {**NEW, "postal_code": "00000"})
    assert response.status_code == 422
    assert "Could not find the place &#39;00000&#39;" in response.get_data(as_text=True)
    assert count(session, Trainer) == 0


def test_a_zip_in_another_state_is_refused_on_the_state(curator):
    response = submit(curator, "/manage/trainers/new", "Trainer record",
                      {**NEW, "state": "ny"})
    assert response.status_code == 422
    assert "ZIP 60601 is in IL, not NY: correct one of them." in text(response)


def test_checking_the_location_saves_nothing(curator, session):
    response = submit(curator, "/manage/trainers/new", "Trainer record",
                      {**NEW, "postal_code": "02108"}, action="preview")
    assert response.status_code == 200
    shown = text(response)
    assert "Nothing is saved yet." in shown
    assert re.search(r"Boston, MA, 02108, at 42\.\d+, -71\.\d+ \(located by postal code\)",
                     shown)
    assert 'value="Nora"' in response.get_data(as_text=True)
    assert count(session, Trainer) == 0


def test_checking_an_unknown_place_explains_it(curator, session):
    response = submit(curator, "/manage/trainers/new", "Trainer record",
                      {**NEW, "postal_code": "", "city": "Nowhereville", "state": "IL"},
                      action="preview")
    assert response.status_code == 422
    assert "Could not find the place 'Nowhereville, IL'." in html.unescape(text(response))
    assert count(session, Trainer) == 0


# -- Editing a trainer ----------------------------------------------------------------------

@pytest.fixture
def maria(session):
    return make_trainer(session)


def edit_path(trainer) -> str:
    return f"/manage/trainers/{trainer.id}"


def test_the_edit_page_shows_the_record(curator, maria):
    response = curator.get(edit_path(maria))
    page = response.get_data(as_text=True)
    credential = maria.credentials[0]
    assert f'<a href="/manage/credentials/{credential.id}">ACSM-CEP:' in page
    assert f'href="/manage/trainers/{maria.id}/credentials/new"' in page
    assert f'href="/trainers/{maria.id}"' in page
    assert re.search(r"Current location New York, NY, 10001: 40\.\d+, -7[34]\.\d+ "
                     r"\(located by postal code\)", text(response))
    values = FormReader(page).form("Trainer record")
    assert (values["first_name"], values["languages"], values["price_min"]) == (
        "Maria", "en, es", "80")
    assert values.getlist("modes") == ["in_person", "virtual"]
    assert (values["conditions-0-condition"], values["conditions-0-level"]) == (
        "type-2-diabetes", "expert")
    assert values["conditions-1-condition"] == ""  # room to add more


def test_a_new_zip_moves_the_trainer_and_search_finds_them_there(curator, session, client):
    maria = make_trainer(session, modes=["in_person"])  # not found online from anywhere
    before = (maria.latitude, maria.longitude)
    assert "Maria Lopez" not in text(client.get("/search?near=60601"))
    response = submit(curator, edit_path(maria), "Trainer record",
                      {"postal_code": "60601", "city": "", "state": ""})
    assert response.status_code == 302
    session.refresh(maria)
    assert (maria.latitude, maria.longitude) != before
    assert (maria.city, maria.state, maria.postal_code) == ("Chicago", "IL", "60601")
    results = text(client.get("/search?near=60601"))
    assert re.search(r"Maria Lopez.{0,200}?0\.0 mi", results)


def test_a_new_zip_brings_its_city_and_state(curator, session, maria):
    submit(curator, edit_path(maria), "Trainer record", {"postal_code": "02108"})
    session.refresh(maria)
    assert (maria.city, maria.state) == ("Boston", "MA")


def test_without_a_zip_the_city_and_state_shown_locate_the_trainer(curator, session, maria):
    response = submit(curator, edit_path(maria), "Trainer record", {"postal_code": ""})
    assert response.status_code == 302
    session.refresh(maria)
    assert (maria.city, maria.state, maria.postal_code, maria.location_precision) == (
        "New York", "NY", None, LocationPrecision.CITY)


def test_saving_other_fields_keeps_exact_coordinates(curator, session):
    exact = make_trainer(session, postal_code=None, latitude=40.7484, longitude=-73.9857)
    response = submit(curator, edit_path(exact), "Trainer record", {"bio": "Moved nowhere."})
    assert response.status_code == 302
    session.refresh(exact)
    assert (exact.bio, exact.latitude, exact.longitude, exact.location_precision) == (
        "Moved nowhere.", 40.7484, -73.9857, LocationPrecision.ADDRESS)


def test_checking_a_new_location_changes_nothing(curator, session, maria):
    response = submit(curator, edit_path(maria), "Trainer record",
                      {"postal_code": "98101", "bio": "Not yet."}, action="preview")
    assert response.status_code == 200
    assert "Seattle, WA, 98101" in text(response)
    session.expire_all()
    assert (maria.postal_code, maria.bio) == ("10001", "Clinical exercise physiologist.")


def test_editing_condition_experience(curator, session, maria):
    response = submit(curator, edit_path(maria), "Trainer record", {
        "conditions-0-condition": "",  # removes type 2 diabetes
        "conditions-1-condition": "copd", "conditions-1-level": "familiar",
        "conditions-1-clients": "8"})
    assert response.status_code == 302
    session.refresh(maria)
    assert [(e.condition.code, e.level.value, e.clients) for e in maria.condition_experience] \
        == [("copd", "familiar", 8)]


def test_a_condition_listed_twice_is_refused_on_its_row(curator, session, maria):
    response = submit(curator, edit_path(maria), "Trainer record", {
        "conditions-1-condition": "type-2-diabetes", "conditions-1-level": "familiar",
        "conditions-1-years": "1"})
    assert response.status_code == 422
    assert "is listed twice." in response.get_data(as_text=True)
    assert 'id="conditions-1-condition-errors"' in response.get_data(as_text=True)


def test_home_visits_need_a_radius(curator, maria):
    response = submit(curator, edit_path(maria), "Trainer record",
                      {"modes": ["in_home"], "service_radius_km": ""})
    assert response.status_code == 422
    assert "Trainers who visit clients&#39; homes need a service radius." in \
        response.get_data(as_text=True)


def test_no_way_to_train_is_refused_in_words(curator, maria):
    response = submit(curator, edit_path(maria), "Trainer record", {"modes": []})
    assert response.status_code == 422
    assert "Choose at least one way to train." in text(response)
    assert "Shorter than minimum length" not in text(response)


# -- Deactivating and reactivating --------------------------------------------------------------

def status_action(trainer) -> str:
    return f"/manage/trainers/{trainer.id}/status"


def test_deactivating_needs_confirmation(curator, session, maria):
    response = submit(curator, edit_path(maria), status_action(maria), {},
                      target=status_action(maria))
    assert response.status_code == 422
    assert "Tick the box to confirm." in text(response)
    session.expire_all()
    assert maria.status is TrainerStatus.ACTIVE


def test_deactivating_and_reactivating(curator, session, maria):
    response = submit(curator, edit_path(maria), status_action(maria), {"confirm": "y"},
                      target=status_action(maria))
    assert response.headers["Location"] == edit_path(maria)
    session.refresh(maria)
    assert maria.status is TrainerStatus.INACTIVE and maria.deactivated_at is not None
    page = curator.get(edit_path(maria))
    assert "Maria Lopez is inactive: hidden from search and matching." in text(page)
    assert "Yes, reactivate Maria Lopez" in text(page)
    submit(curator, edit_path(maria), status_action(maria), {"confirm": "y"},
           target=status_action(maria))
    session.refresh(maria)
    assert maria.status is TrainerStatus.ACTIVE and maria.deactivated_at is None
