def test_certifications_list_with_levels_and_aliases(client):
    response = client.get("/api/v1/certifications")
    assert response.status_code == 200
    by_code = {c["code"]: c for c in response.json}
    assert by_code["ACSM-CEP"]["level"] == "clinical"
    assert by_code["ACSM-CEP"]["issuer"] == "ACSM"
    assert by_code["NSCA-CSCS"]["level"] == "performance"
    assert "CSCS" in by_code["NSCA-CSCS"]["aliases"]
    assert by_code["ACE-CPT"]["renewal_years"] == 2
