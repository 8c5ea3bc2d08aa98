def test_conditions_list_with_tiers_codes_and_synonyms(client):
    response = client.get("/api/v1/conditions")
    assert response.status_code == 200
    by_code = {c["code"]: c for c in response.json}
    assert len(by_code) >= 25
    heart_failure = by_code["heart-failure"]
    assert heart_failure["risk_tier"] == "high"
    assert "I50" in heart_failure["icd10_prefixes"]
    assert "CHF" in heart_failure["synonyms"]


def test_conditions_list_is_empty_before_catalogs_load(client, empty_catalogs):
    assert client.get("/api/v1/conditions").json == []
