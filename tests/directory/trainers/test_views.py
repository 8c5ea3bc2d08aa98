import pytest
from sqlalchemy import func, select

from directory.trainers.models import Trainer
from tests.factories import credential_payload, make_trainer, trainer_payload


@pytest.fixture
def client(curator):
    """These tests are about the directory's behaviour, so they write as a curator."""
    return curator


def count_trainers(session) -> int:
    return session.scalar(select(func.count(Trainer.id)))


def test_create_trainer_geocodes_and_returns_profile(client):
    response = client.post("/api/v1/trainers", json=trainer_payload())
    assert response.status_code == 201, response.json
    body = response.json
    assert body["full_name"] == "Maria Lopez"
    assert body["city"] == "New York" and body["state"] == "NY"
    assert body["location"]["precision"] == "postal_code"
    assert abs(body["location"]["latitude"] - 40.7484) < 0.01
    assert body["credentials"][0]["certification"] == "ACSM-CEP"
    assert body["credentials"][0]["level"] == "clinical"
    assert body["credentials"][0]["effective_status"] == "verified"
    assert body["conditions"][0]["condition"] == "type-2-diabetes"
    assert body["conditions"][0]["risk_tier"] == "moderate"
    assert body["modes"] == ["in_person", "virtual"]
    assert client.get(f"/api/v1/trainers/{body['id']}").json == body


def test_create_accepts_city_and_state_and_condition_synonyms(client):
    payload = trainer_payload(postal_code=None, city="St. Louis", state="MO",
                              conditions=[{"condition": "high blood pressure", "clients": 40,
                                           "level": "experienced"},
                                          {"condition": "E11.9", "years": 2,
                                           "level": "familiar"}])
    response = client.post("/api/v1/trainers", json=payload)
    assert response.status_code == 201, response.json
    assert response.json["location"]["precision"] == "city"
    assert [c["condition"] for c in response.json["conditions"]] == [
        "hypertension", "type-2-diabetes"]


def test_create_with_coordinates_has_address_precision(client):
    payload = trainer_payload(postal_code="02139", latitude=42.3601, longitude=-71.0942)
    response = client.post("/api/v1/trainers", json=payload)
    assert response.json["location"] == {"latitude": 42.3601, "longitude": -71.0942,
                                         "precision": "address"}


def test_expired_credential_is_never_shown_verified(client):
    credential = credential_payload(issued_on="2020-01-01", expires_on="2023-01-01")
    response = client.post("/api/v1/trainers", json=trainer_payload(credentials=[credential]))
    shown = response.json["credentials"][0]
    assert shown["status"] == "verified"
    assert shown["effective_status"] == "expired"


def assert_rejected(response, field: str, text: str = "") -> None:
    assert response.status_code == 422, response.json
    messages = response.json["errors"]["json"]
    flat = {key: value for key, value in messages.items()}
    assert field in flat, messages
    assert text in str(flat[field])


def test_unknown_field_is_rejected(client, session):
    response = client.post("/api/v1/trainers", json=trainer_payload(favourite_colour="red"))
    assert_rejected(response, "favourite_colour", "Unknown field")
    assert count_trainers(session) == 0


def test_missing_names_are_reported_per_field(client):
    payload = trainer_payload()
    del payload["first_name"], payload["last_name"]
    response = client.post("/api/v1/trainers", json=payload)
    assert set(response.json["errors"]["json"]) == {"first_name", "last_name"}


def test_unresolvable_place_is_rejected_with_suggestions(client, session):
    payload = trainer_payload(postal_code=None, city="Philadelfia", state="NJ")
    response = client.post("/api/v1/trainers", json=payload)
    assert_rejected(response, "city", "Philadelfia")
    assert count_trainers(session) == 0


def test_a_place_is_required(client):
    response = client.post("/api/v1/trainers", json=trainer_payload(postal_code=None))
    assert_rejected(response, "postal_code", "Give a postal_code")


def test_unknown_certification_and_condition_are_named(client, session):
    payload = trainer_payload(credentials=[credential_payload(certification="Wizard of Fitness")],
                              conditions=[{"condition": "dragon pox", "years": 1,
                                           "level": "familiar"}])
    response = client.post("/api/v1/trainers", json=payload)
    errors = response.json["errors"]["json"]
    assert "Wizard of Fitness" in str(errors["credentials"]["0"]["certification"])
    assert "dragon pox" in str(errors["conditions"]["0"]["condition"])
    assert count_trainers(session) == 0


def test_duplicate_credential_number_per_issuer_is_rejected(client, session):
    first = client.post("/api/v1/trainers", json=trainer_payload(
        credentials=[credential_payload(credential_number="ACSM-1")]))
    assert first.status_code == 201
    # ACSM-EP shares the issuer ACSM, so the same number is the same credential.
    second = client.post("/api/v1/trainers", json=trainer_payload(
        credentials=[credential_payload(certification="ACSM-EP", credential_number="ACSM-1")]))
    assert_rejected(second, "credentials", "already registered")
    assert count_trainers(session) == 1


def test_same_number_from_another_issuer_is_accepted(client):
    for certification in ("ACSM-CEP", "NSCA-CSCS"):
        payload = trainer_payload(credentials=[credential_payload(
            certification=certification, credential_number="12345")])
        assert client.post("/api/v1/trainers", json=payload).status_code == 201


def test_inconsistent_values_are_rejected(client):
    cases = [
        (trainer_payload(price_min=150, price_max=100), "price_max"),
        (trainer_payload(latitude=40.0), "longitude"),
        (trainer_payload(modes=["in_home"]), "service_radius_km"),
        (trainer_payload(modes=[]), "modes"),
        (trainer_payload(postal_code="1234"), "postal_code"),
        (trainer_payload(languages=["English"]), "languages"),
        (trainer_payload(credentials=[credential_payload(issued_on="2025-01-01",
                                                         expires_on="2024-01-01")]),
         "credentials"),
        (trainer_payload(credentials=[credential_payload(verification_source=None)]),
         "credentials"),
        (trainer_payload(conditions=[{"condition": "asthma", "level": "expert"}]), "conditions"),
    ]
    for payload, field in cases:
        assert_rejected(client.post("/api/v1/trainers", json=payload), field)


def test_list_pages_active_trainers_with_total(client, session):
    for last_name in ("Adams", "Brown", "Clark"):
        make_trainer(session, last_name=last_name)
    page = client.get("/api/v1/trainers?page=1&page_size=2").json
    assert page["total"] == 3 and page["pages"] == 2 and page["page_size"] == 2
    assert [t["last_name"] for t in page["items"]] == ["Adams", "Brown"]
    assert [t["last_name"] for t in client.get("/api/v1/trainers?page=2&page_size=2")
            .json["items"]] == ["Clark"]
    assert client.get("/api/v1/trainers?page_size=500").status_code == 422


def test_patch_changes_fields_and_geocodes_again(client, session):
    trainer = make_trainer(session)
    response = client.patch(f"/api/v1/trainers/{trainer.id}",
                            json={"bio": "Now in Boston.", "postal_code": "02108"})
    assert response.status_code == 200, response.json
    assert response.json["bio"] == "Now in Boston."
    assert response.json["state"] == "MA"
    assert abs(response.json["location"]["latitude"] - 42.36) < 0.05


def test_patch_replaces_condition_experience(client, session):
    trainer = make_trainer(session)
    response = client.patch(f"/api/v1/trainers/{trainer.id}", json={"conditions": [
        {"condition": "type-2-diabetes", "years": 1, "level": "familiar"},
        {"condition": "COPD", "years": 4, "level": "experienced"}]})
    assert [(c["condition"], c["years"]) for c in response.json["conditions"]] == [
        ("type-2-diabetes", 1), ("copd", 4)]


def test_invalid_patch_changes_nothing(client, session):
    trainer = make_trainer(session)
    before = client.get(f"/api/v1/trainers/{trainer.id}").json
    response = client.patch(f"/api/v1/trainers/{trainer.id}",
                            json={"bio": "changed", "postal_code": "00000"})
    assert response.status_code == 422
    assert client.get(f"/api/v1/trainers/{trainer.id}").json == before


def test_delete_deactivates_and_patch_reactivates(client, session):
    trainer = make_trainer(session)
    assert client.delete(f"/api/v1/trainers/{trainer.id}").status_code == 204
    assert client.get("/api/v1/trainers").json["total"] == 0
    kept = client.get(f"/api/v1/trainers/{trainer.id}").json
    assert kept["status"] == "inactive" and kept["credentials"]
    response = client.patch(f"/api/v1/trainers/{trainer.id}", json={"status": "active"})
    assert response.json["status"] == "active"
    assert client.get("/api/v1/trainers").json["total"] == 1


def test_missing_trainer_and_wrong_method_answer_json(client):
    missing = client.get("/api/v1/trainers/999999")
    assert missing.status_code == 404
    assert missing.json["message"] == "There is no trainer with id 999999."
    wrong = client.put("/api/v1/trainers/1", json={})
    assert wrong.status_code == 405 and wrong.json["code"] == 405
    assert "PATCH" in wrong.headers["Allow"]


def test_malformed_json_is_a_clear_error(client):
    response = client.post("/api/v1/trainers", data="{not json",
                           content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.is_json


def test_a_zip_in_another_state_is_refused(client, session):
    response = client.post("/api/v1/trainers",
                           json=trainer_payload(postal_code="10001", state="MA"))
    assert_rejected(response, "state", "ZIP 10001 is in NY, not MA")
    assert count_trainers(session) == 0


def test_the_plain_list_loads_a_page_in_a_few_queries(client, session, app):
    from sqlalchemy import event

    from directory.extensions import db

    for last_name in ("A", "B", "C", "D", "E"):
        make_trainer(session, last_name=last_name)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get("/api/v1/trainers?page_size=5").json["total"] == 5
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    # One query per relation for the whole page, never one per trainer.
    assert sum("FROM credentials" in sql for sql in statements) == 1
    assert sum("FROM trainer_condition_experience" in sql for sql in statements) == 1
