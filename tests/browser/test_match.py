import pytest

pytestmark = pytest.mark.browser


def test_doctor_ranks_trainers_for_a_referral_and_reads_why(page, live_server):
    page.goto(live_server + "/")
    page.get_by_role("link", name="Referral match").click()
    page.get_by_label("Patient's place").fill("10001")
    page.get_by_label("Condition 1").fill("E11.9")
    page.get_by_role("button", name="Rank trainers").click()
    assert page.locator("#match-heading").inner_text() == "Best suited near New York, NY 10001"
    first = page.locator("li.match").first
    assert first.locator("meter").first.get_attribute("value")
    why = first.locator("details")
    assert not why.locator("li").first.is_visible()
    why.locator("summary").click()
    assert "ACSM-CEP, verified until 2099-03" in why.inner_text()
    assert "with type 2 diabetes (expert)" in why.inner_text()


def test_unknown_place_is_explained_on_the_referral_form(page, live_server):
    page.goto(live_server + "/match?near=99999&conditions=E11.9")
    assert page.locator("#near-errors").inner_text().startswith("Could not find the place")
    assert page.get_by_label("Condition 1").input_value() == "E11.9"


def test_referral_ranking_fits_a_phone(phone, live_server):
    phone.goto(live_server + "/match?near=10001&conditions=E11.9")
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
