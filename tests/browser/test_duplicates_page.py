"""A curator finds one trainer listed twice, compares the pair and merges it; the merged
record's old profile link then leads to the one kept, and the search shows the person once.

The merge writes trainers, so it runs on its own live server and database rather than
the shared one, whose directory the search tests count on.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from directory.accounts.models import Role
from directory.accounts.services import create_user
from tests.browser.helpers import serve, sign_in
from tests.factories import PASSWORD, add_trainers, credential_payload

pytestmark = pytest.mark.browser
CURATOR = "curator.dupes@example.com"
TOMS = {"first_name": "Daniel", "last_name": "Toms", "email": None,
        "address_line": "5 McClelland Ave", "postal_code": "22027"}
DAN = {**TOMS, "first_name": "Dan", "address_line": "5 McClelland Avenue",
       "credentials": [credential_payload(certification="NSCA-CSCS")]}
# A neighbour on the same street: not the same person, never queued.
NEIGHBOUR = {**TOMS, "first_name": "Kwame", "last_name": "Okafor",
             "address_line": "7 McClelland Ave"}


@pytest.fixture(scope="module")
def duplicates_server(tmp_path_factory):
    """A live server whose directory lists Daniel Toms twice (as Daniel with an ACSM-CEP,
    as Dan with an NSCA-CSCS) beside a neighbour, and a curator; yields its URL and the
    trainers' ids."""
    ids = {}

    def seed(session):
        daniel, dan, _ = add_trainers(session, TOMS, DAN, NEIGHBOUR)
        ids.update(daniel=daniel.id, dan=dan.id)
        create_user(session, CURATOR, PASSWORD, Role.CURATOR)
    with serve(tmp_path_factory.mktemp("browser-duplicates"), seed) as url:
        yield url, ids


def flash(page):
    return page.locator("p.flash")


def test_curator_merges_a_trainer_listed_twice(page, duplicates_server):
    server, ids = duplicates_server
    daniel, dan = ids["daniel"], ids["dan"]
    sign_in(page, server, CURATOR)
    # Before the merge the public search lists the person twice.
    page.goto(f"{server}/search?q=Toms")
    expect(page.locator("#result-count")).to_have_text(re.compile("^2 trainers"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workspace",
                                                            exact=True).click()
    page.get_by_role("main").get_by_role("link", name="Duplicate trainers", exact=True).click()
    expect(page).to_have_url(f"{server}/manage/duplicates")
    expect(page.get_by_role("heading", level=1)).to_have_text("Duplicate trainers")
    queue_empty = page.get_by_text("No likely duplicates wait for a decision.")
    expect(queue_empty).to_be_visible()

    page.get_by_role("button", name="Look for duplicates now").click()
    expect(flash(page)).to_have_text("Found 1 likely duplicate pair(s): 1 new, 0 rescored, "
                                     "0 already decided.")
    expect(page.locator("table caption")).to_have_text("1 pair(s) waiting")
    pair_link = page.get_by_role("link", name=re.compile(r"^Pair \d+$"))
    expect(pair_link).to_have_count(1)
    pair_link.click()

    expect(page).to_have_url(re.compile(r"/manage/duplicates/\d+$"))
    pair_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Pair {pair_id}: Daniel Toms and Dan Toms")
    evidence = page.get_by_text(re.compile("^Confidence .* Evidence:"))
    expect(evidence).to_contain_text("first name is a nickname of the other")
    expect(evidence).to_contain_text("street address matches")
    side_by_side = page.get_by_role("table")
    expect(side_by_side.get_by_role("columnheader")).to_have_text(
        ["Field", f"Daniel Toms (trainer {daniel})", f"Dan Toms (trainer {dan})"])
    credentials = side_by_side.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="credentials", exact=True))
    expect(credentials.get_by_role("cell")).to_have_text(
        [re.compile(r"^ACSM-CEP T-\d+$"), re.compile(r"^NSCA-CSCS T-\d+$")])
    page.get_by_role("button", name=f"Keep Daniel Toms (trainer {daniel}), merge the other "
                     "into it").click()

    # The only pair is decided: back to the queue, which is empty now. Dan's credential
    # moved; both listed type 2 diabetes, so Daniel keeps one row of it.
    expect(flash(page)).to_have_text(f"Merged trainer {dan} into trainer {daniel}: moved "
                                     "credentials (1), conditions (1).")
    expect(page).to_have_url(f"{server}/manage/duplicates")
    expect(queue_empty).to_be_visible()

    # Dan's old profile link leads, permanently, to Daniel's, which holds both credentials.
    response = page.goto(f"{server}/trainers/{dan}")
    assert response.ok
    assert response.request.redirected_from.response().status == 301
    expect(page).to_have_url(f"{server}/trainers/{daniel}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Daniel Toms")
    held = page.get_by_role("table")
    expect(held).to_contain_text("ACSM-CEP")
    expect(held).to_contain_text("NSCA-CSCS")

    # The public search finds the person once.
    page.goto(server + "/")
    search = page.get_by_role("search", name="Find a trainer")
    search.get_by_label("Name or keywords").fill("Toms")
    search.get_by_role("button", name="Search").click()
    expect(page.locator("#result-count")).to_have_text(re.compile("^1 trainer"))
    result = page.locator("li.result")
    expect(result).to_have_count(1)
    expect(result.get_by_role("heading")).to_have_text("Daniel Toms")
    expect(result.get_by_role("link", name="Daniel Toms")).to_have_attribute(
        "href", f"/trainers/{daniel}")
