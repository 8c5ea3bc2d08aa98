import pytest

from tests.factories import make_trainer


def test_front_page_counts_the_directory(client, session):
    make_trainer(session)
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="count-trainers">1<' in html
    assert 'id="count-certifications">13<' in html


@pytest.mark.sqlite_only  # rendered without a query
def test_api_docs_page_lists_every_operation_without_external_assets(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for operation in ("GET /api/v1/trainers", "POST /api/v1/trainers",
                      "PATCH /api/v1/trainers/{trainer_id}", "GET /api/v1/geocode"):
        assert operation in html
    assert "TrainerCreate" in html
    assert "http://" not in html and "https://" not in html and "<script" not in html


@pytest.mark.sqlite_only  # rendered without a query
def test_openapi_document_is_served(client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/trainers/{trainer_id}" in spec["paths"]


@pytest.mark.sqlite_only  # rendered without a query
def test_unknown_page_is_a_friendly_html_404(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert "404 Not Found" in page.get_data(as_text=True)


@pytest.mark.sqlite_only  # rendered without a query
def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.json["code"] == 404
