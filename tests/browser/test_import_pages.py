"""A curator imports a credential list with a preview, then works the review queue.

The import writes trainers, so it runs on its own live server and database rather than
the shared one, whose directory the search tests count on.
"""

from __future__ import annotations

import re

import pytest

from directory.accounts.models import Role
from directory.accounts.services import create_user
from tests.browser.helpers import serve
from tests.factories import PASSWORD, make_trainer

pytestmark = pytest.mark.browser
CURATOR = "curator@example.com"
LIST = b"""\
first_name,last_name,certification,credential_number,status,expires_on,email,city,state,postal_code
Robert,Smith,NSCA-CSCS,NS-1001,verified,2028-03-31,,Chicago,IL,60614
Zoe,Newman,NSCA-CPT,NS-1003,verified,2027-06-30,zoe@example.com,Seattle,WA,98101
John,Miller,NSCA-CSCS,NS-1004,verified,2029-01-15,john.miller@example.org,,,
John,Miller,NSCA-CSCS,NS-1007,verified,2029-01-15,,Dallas,TX,75201
"""


@pytest.fixture(scope="module")
def import_server(tmp_path_factory):
    """A live server whose directory holds Smith and two John Millers, and a curator."""
    def seed(session):
        base = {"credentials": [], "conditions": []}
        make_trainer(session, **base, first_name="Robert", last_name="Smith",
                     email="rsmith@example.com", postal_code="60614")
        for email, postal_code in (("jm1@example.com", "60601"), ("jm2@example.com", "78701")):
            make_trainer(session, **base, first_name="John", last_name="Miller",
                         email=email, postal_code=postal_code)
        create_user(session, CURATOR, PASSWORD, Role.CURATOR)
    with serve(tmp_path_factory.mktemp("browser-imports"), seed) as url:
        yield url


def count(page, key: str) -> str:
    return page.locator(f'[data-count="{key}"]').inner_text()


def test_curator_previews_applies_and_links_a_doubtful_row(page, import_server):
    page.goto(import_server + "/login")
    page.get_by_label("Email").fill(CURATOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    assert page.locator("h1").inner_text() == "Import a credential list"
    page.get_by_label("Credential list").set_input_files(
        files=[{"name": "nsca.csv", "mimeType": "text/csv", "buffer": LIST}])
    page.get_by_label("Certifying body").select_option("NSCA")
    assert page.get_by_label("Preview first").is_checked()
    page.get_by_role("button", name="Import", exact=True).click()

    assert page.get_by_role("heading", name="Preview: nothing has been written yet").is_visible()
    assert [count(page, k) for k in ("rows", "created", "linked", "review")] == ["4", "1", "1",
                                                                                  "2"]
    page.get_by_role("button", name="Apply this import").click()

    assert re.search(r"/imports/\d+$", page.url)
    assert "applied: 4 rows, 1 created, 1 linked" in page.locator(".flash").inner_text()
    assert [count(page, k) for k in ("rows", "created", "linked", "review")] == ["4", "1", "1",
                                                                                  "2"]
    assert page.locator("tr.action-review").count() == 2

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reviews").click()
    assert page.locator("h1").inner_text() == "Review queue"
    page.get_by_role("link", name=re.compile(r"^Review \d+$")).first.click()

    first_review = page.url
    assert "John Miller" in page.locator("h1").inner_text()
    marked = page.locator("td.differs mark")
    assert marked.all_inner_texts() == ["jm1@example.com", "jm2@example.com"]
    assert marked.first.evaluate("e => getComputedStyle(e).backgroundColor") != (
        "rgba(0, 0, 0, 0)")
    page.get_by_role("button", name="Link to John Miller").first.click()

    assert page.url != first_review and re.search(r"/reviews/\d+$", page.url)
    assert re.fullmatch(r"Review \d+: linked \(trainer \d+\)\.",
                        page.locator(".flash").inner_text())
    assert "Dallas" in page.locator("table").inner_text()


def overflow(page) -> int:
    """How far the page is wider than the phone's screen, once laid out."""
    page.wait_for_load_state()
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_import_pages_fit_a_phone(phone, import_server):
    phone.goto(import_server + "/login")
    phone.get_by_label("Email").fill(CURATOR)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    widths = {}

    phone.goto(import_server + "/imports")
    widths["upload"] = overflow(phone)
    phone.get_by_label("Credential list").set_input_files(files=[{
        "name": "phone.csv", "mimeType": "text/csv",
        "buffer": LIST.replace(b"NS-10", b"NS-20").replace(b"Zoe,Newman", b"Ann,Lee")}])
    phone.get_by_label("Certifying body").select_option("NSCA")
    phone.get_by_role("button", name="Import", exact=True).click()
    widths["preview"] = overflow(phone)
    phone.get_by_role("button", name="Apply this import").click()
    assert re.search(r"/imports/\d+$", phone.url)
    widths["report"] = overflow(phone)
    phone.goto(import_server + "/reviews")
    widths["queue"] = overflow(phone)
    phone.locator("tr", has_text="NS-2004").get_by_role("link").click()
    assert "John Miller" in phone.locator("h1").inner_text()
    widths["review"] = overflow(phone)

    assert {name: px for name, px in widths.items() if px > 0} == {}
