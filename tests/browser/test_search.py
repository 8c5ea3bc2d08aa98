import pytest

pytestmark = pytest.mark.browser


def test_patient_searches_by_place_and_misspelled_condition(page, live_server):
    page.goto(live_server + "/")
    page.get_by_label("Place").fill("10001")
    page.get_by_label("Condition").fill("diabetis")
    page.get_by_role("button", name="Search").click()
    assert page.locator("#result-count").inner_text().startswith("3 trainers within 25 mi")
    assert "“diabetis” → Type 2 diabetes" in page.get_by_text("Read as:").inner_text()
    first = page.locator("li.result").first
    assert "✓ verified" in first.locator(".badges").inner_text()
    assert "mi" in first.locator(".distance").inner_text()


def test_result_opens_a_profile_with_credentials_and_conditions(page, live_server):
    page.goto(live_server + "/search?near=10001&sort=distance")
    page.locator("li.result h3 a").first.click()
    table = page.get_by_role("table")
    assert "ACSM-CEP" in table.inner_text()
    assert "American College of Sports Medicine" in table.inner_text()
    assert "verified" in table.inner_text()
    assert "Type 2 diabetes: expert" in page.locator("main").inner_text()
    page.get_by_role("link", name="← Back to the search").click()
    assert "/search" in page.url


def test_unknown_place_is_explained_next_to_the_field(page, live_server):
    page.goto(live_server + "/")
    page.get_by_label("Place").fill("99999")
    page.get_by_label("Place").press("Enter")  # the keyboard submits the form
    assert page.locator("#near-errors").inner_text().startswith("Could not find the place")
    assert page.get_by_label("Place").get_attribute("aria-invalid") == "true"


def test_search_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/")
    page.get_by_label("Place").fill("New York, NY")
    page.get_by_role("button", name="Search").click()
    assert page.locator("li.result").count() == 3
    context.close()


def test_names_are_shown_as_text_never_run(page, live_server):
    dialogs = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.goto(live_server + "/search?near=10001")
    assert page.get_by_text("<script>alert(1)</script>", exact=False).count() == 1
    assert dialogs == []


def test_results_page_through(page, live_server):
    page.goto(live_server + "/search?near=10001&page_size=2&sort=distance")
    assert page.locator("li.result").count() == 2
    page.get_by_role("link", name="Next").click()
    assert page.locator("li.result").count() == 1
    assert "Page 2 of 2" in page.locator("nav.pages").inner_text()


def test_empty_results_suggest_what_to_change(page, live_server):
    page.goto(live_server + "/search?near=Boise,+ID&radius=5")
    assert page.locator("#result-count").inner_text().startswith("0 trainers")
    assert "Try a larger distance" in page.locator(".empty").inner_text()


def test_keyboard_users_can_skip_to_the_search_form(page, live_server):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("e => e === document.activeElement")
    skip.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "near"
