from tests.factories import credential_payload, trainer_payload


def test_create_trainer_geocodes_and_returns_profile(client, catalogs):
    response = client.post("/api/v1/trainers", json=trainer_payload())
    assert response.status_code == 201, response.json
    body = response.json
    assert body["full_name"] == "Maria Lopez"
    assert body["city"] == "New York" and body["state"] == "NY"
    assert body["location"]["precision"] == "postal_code"
    assert abs(body["location"]["latitude"] - 40.7484) < 0.01
    assert body["credentials"][0]["certification"] == "ACSM-CEP"
    assert body["credentials"][0]["effective_status"] == "verified"
    assert body["conditions"][0]["condition"] == "type-2-diabetes"
    assert body["modes"] == ["in_person", "virtual"]
