import pytest

pytestmark = pytest.mark.browser


def test_start_page_shows_the_directory_and_links_to_the_api(page, live_server):
    page.goto(live_server + "/")
    assert page.title() == "ReferFit"
    assert page.locator("h1").inner_text() == "Find a trainer qualified for your patient"
    assert page.locator("#count-trainers").inner_text() == "3"
    page.get_by_role("link", name="API reference").click()
    page.wait_for_url("**/api/docs")
    assert page.locator("h1").inner_text().startswith("ReferFit API")


def test_api_reference_links_each_operation_to_its_section(page, live_server):
    page.goto(live_server + "/api/docs")
    page.get_by_role("link", name="POST /api/v1/trainers", exact=True).click()
    section = page.locator("section.operation:target")
    assert "Add a trainer" in section.inner_text()
    section.get_by_role("link", name="TrainerCreate").click()
    assert "first_name" in page.locator("section.schema:target").inner_text()


def test_pages_fit_a_phone_screen(phone, live_server):
    for path in ("/", "/api/docs", "/search?near=10001&condition=diabetes", "/trainers/1"):
        phone.goto(live_server + path)
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"


def test_missing_page_is_friendly(page, live_server):
    response = page.goto(live_server + "/nowhere")
    assert response.status == 404
    assert page.get_by_role("link", name="Back to the start page").is_visible()
