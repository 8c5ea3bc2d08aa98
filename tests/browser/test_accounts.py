import pytest

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"


def test_patient_registers_signs_out_and_signs_back_in(page, live_server):
    page.goto(live_server + "/")
    page.get_by_role("link", name="Register").click()
    page.get_by_label("Email").fill("pat@example.com")
    page.get_by_label("Password (at least").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    assert page.locator("#account-role").inner_text() == "patient"
    assert "your patient account is ready" in page.locator(".flash").inner_text()

    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("link", name="Sign in").is_visible()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("pat@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.locator("#account-email").inner_text() == "pat@example.com"


def test_wrong_password_is_explained_without_saying_which_part(page, live_server):
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Email or password is incorrect."


def test_account_page_asks_strangers_to_sign_in_first(page, live_server):
    page.goto(live_server + "/account")
    assert "/login?next=" in page.url
    assert page.locator("h1").inner_text() == "Sign in"


def test_pages_run_under_the_content_security_policy(page, live_server):
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    for path in ("/", "/login", "/register", "/api/docs"):
        page.goto(live_server + path)
    # The stylesheet loaded: the header is laid out as a flex row.
    assert page.locator(".site-header").evaluate("e => getComputedStyle(e).display") == "flex"
    assert violations == []
