"""The workspaces in headless Chromium: a curator moves a trainer and revokes the only
clinical credential, a trainer closes their books and asks for a correction, an admin
links a trainer account and reads the audit log and the outbox, and a doctor's mail
about an accepted referral lands in the outbox.

Each flow has its own trainer and accounts, seeded up front, so the tests pass in any
order. Everything is done through the pages, by role and label, as a keyboard or
screen-reader user would find it; the server writes, so it has its own database.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from directory.accounts.models import Role
from directory.accounts.services import create_user
from tests.browser.helpers import fill_referral_form, serve, sign_in, sign_out
from tests.factories import PASSWORD, credential_payload, make_trainer

pytestmark = pytest.mark.browser
ADMIN = "admin.ws@example.com"
CURATOR = "curator.ws@example.com"
DOCTOR = "dr.watch@example.com"  # looks at the match page
REFERRER = "dr.refer@example.com"  # writes the referral of the last test
TRAINER_NEAR = "coach.near@example.com"  # Maria Near's account
UNLINKED = "coach.unlinked@example.com"  # a trainer account the admin links to Nora Next
TRAINER_DANA = "coach.dana@example.com"  # Dana Accept's account
TRAINER_RITA = "coach.rita@example.com"  # Rita Retry's account, for the refused forms

EXPERIENCE = [{"condition": "type-2-diabetes", "years": 6, "level": "expert"},
              {"condition": "hypertension", "years": 4, "level": "expert"},
              # A high-risk condition: it needs a verified clinical-level credential.
              {"condition": "heart-failure", "years": 3, "level": "experienced"}]
CURATED = {"first_name": "Carl", "last_name": "Curated", "email": "carl.curated@example.com",
           "postal_code": "60601"}
NEAR = {"first_name": "Maria", "last_name": "Near", "email": "maria.near@example.com",
        "postal_code": "60614"}
NEXT = {"first_name": "Nora", "last_name": "Next", "email": "nora.next@example.com",
        "postal_code": "60610"}
DANA = {"first_name": "Dana", "last_name": "Accept", "email": "dana.accept@example.com",
        "postal_code": "60611"}
RITA = {"first_name": "Rita", "last_name": "Retry", "email": "rita.retry@example.com",
        "postal_code": "60647"}
NUMBERS = {"curated": "CEP-1001", "near": "CEP-1002", "next": "CEP-1003", "dana": "CEP-1004",
           "rita": "CEP-1005"}
ACCOUNTS = {"near": TRAINER_NEAR, "dana": TRAINER_DANA, "rita": TRAINER_RITA}


@pytest.fixture(scope="module")
def workspace_server(tmp_path_factory):
    """A live server with five clinical trainers in Chicago and every party's account;
    yields its URL and the trainers' ids."""
    ids = {}

    def seed(session):
        for key, person in (("curated", CURATED), ("near", NEAR), ("next", NEXT),
                            ("dana", DANA), ("rita", RITA)):
            credential = credential_payload(credential_number=NUMBERS[key],
                                            expires_on="2099-06-30")
            trainer = make_trainer(session, **person, conditions=EXPERIENCE,
                                   credentials=[credential])
            ids[key] = trainer.id
            if key in ACCOUNTS:
                create_user(session, ACCOUNTS[key], PASSWORD, Role.TRAINER, trainer)
        create_user(session, UNLINKED, PASSWORD, Role.TRAINER)
        create_user(session, ADMIN, PASSWORD, Role.ADMIN)
        create_user(session, CURATOR, PASSWORD, Role.CURATOR)
        create_user(session, DOCTOR, PASSWORD, Role.DOCTOR)
        create_user(session, REFERRER, PASSWORD, Role.DOCTOR)
    # Many sign-ins within a minute, all from 127.0.0.1.
    with serve(tmp_path_factory.mktemp("browser-workspaces"), seed) as url:
        yield url, ids


# -- Helpers ------------------------------------------------------------------------------

def open_nav(page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name,
                                                            exact=True).click()


def flash(page):
    return page.locator("p.flash")


def search_distance(page, server: str, near: str, name: str) -> str:
    """The distance the public search prints for the trainer `name` near `near`."""
    page.goto(server + "/")
    search = page.get_by_role("search", name="Find a trainer")
    search.get_by_label("Place").fill(near)
    search.get_by_label("Name or keywords").fill(name)
    search.get_by_role("button", name="Search").click()
    result = page.locator("li.result").filter(
        has=page.get_by_role("heading", name=name, exact=True))
    expect(result).to_have_count(1)
    return result.locator(".distance").inner_text()


def match(page, near: str, condition: str):
    """Rank trainers on the referral match page; the matches and the excluded lists."""
    open_nav(page, "Referral match")
    form = page.get_by_role("form", name="Referral")
    form.get_by_label("Patient's place").fill(near)
    form.get_by_label("Condition 1").fill(condition)
    form.get_by_role("button", name="Rank trainers").click()
    expect(page.get_by_role("heading", name=re.compile("^Best suited near"))).to_be_visible()
    return page.locator("ol.results li.match"), page.locator("ul.excluded > li")


def request_correction(page, number: str, message: str) -> None:
    """As the signed-in trainer, on their profile: ask the curators to correct `number`."""
    form = page.get_by_role("form", name="Ask for a correction")
    form.get_by_label("Which credential").select_option(label=f"ACSM-CEP {number}")
    form.get_by_label("What is wrong, and what should it say?").fill(message)
    form.get_by_role("button", name="Send to the curators").click()
    expect(flash(page)).to_have_text("Your request is with the curators.")
    row = page.locator("tbody tr", has_text=message)
    expect(row).to_contain_text(f"ACSM-CEP {number}")
    expect(row.get_by_role("cell", name="Open", exact=True)).to_be_visible()


def write_referral(page, server: str, trainer: str) -> int:
    """As the signed-in doctor: prescribe, rank, tick `trainer`, create; the id."""
    fill_referral_form(page, server)
    page.get_by_role("button", name="Show recommended trainers").click()

    ranked = page.get_by_role("region", name=re.compile("^Recommended trainers near"))
    expect(ranked).to_be_visible()
    ranked.get_by_role("checkbox", name=trainer, exact=True).check()
    page.get_by_role("button", name="Create the referral (send to the first ticked trainer)"
                     ).click()
    expect(page).to_have_url(re.compile(r"/referrals/\d+$"))
    referral_id = int(page.url.rsplit("/", 1)[1])
    expect(flash(page)).to_have_text(f"Referral {referral_id} sent.")
    return referral_id


# -- The flows ----------------------------------------------------------------------------

def test_curator_moves_a_trainer_and_revokes_the_only_clinical_credential(
        page, workspace_server):
    server, _ = workspace_server
    name = "Carl Curated"
    # Before: anyone sees him 60601 -> 60657 away, and matched for heart failure.
    before = search_distance(page, server, "60657", name)
    assert re.fullmatch(r"\d+\.\d mi", before) and before != "0.0 mi", before
    matches, _ = match(page, "60614", "heart failure")
    expect(matches.filter(has_text=name)).to_have_count(1)

    sign_in(page, server, CURATOR)
    open_nav(page, "Workspace")
    expect(page.get_by_role("heading", level=1)).to_have_text("Workspace")
    page.get_by_role("main").get_by_role("link", name="Trainers", exact=True).click()
    filters = page.get_by_role("form", name="Filter trainers")
    filters.get_by_label("Name", exact=True).fill("Curated")
    filters.get_by_role("button", name="Show trainers").click()
    expect(page.get_by_role("status")).to_have_text("1 trainer.")
    page.get_by_role("link", name="Curated, Carl").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    location = page.locator("dl.details dd").first
    expect(location).to_contain_text("Chicago, IL, 60601")

    # A new ZIP, checked first: the place is shown, nothing is saved.
    record = page.get_by_role("form", name="Trainer record")
    zip_code = record.get_by_label("ZIP code")
    expect(zip_code).to_have_value("60601")
    zip_code.fill("60657")
    record.get_by_role("button", name="Check location").click()
    preview = page.get_by_role("status").filter(has_text="Nothing is saved yet")
    expect(preview).to_contain_text("60657")
    expect(preview).to_contain_text("Chicago")
    expect(location).to_contain_text("Chicago, IL, 60601")  # still the stored place
    expect(zip_code).to_have_value("60657")  # what was typed stays for the save
    record.get_by_role("button", name="Save changes").click()
    expect(flash(page)).to_have_text(f"Saved {name}.")
    expect(location).to_contain_text("Chicago, IL, 60657")
    expect(zip_code).to_have_value("60657")

    # The credential: revoked from the keyboard (Tab from the reason reaches the button).
    credentials = page.get_by_role("region", name="Credentials")
    credentials.get_by_role("link", name=re.compile("^ACSM-CEP:")).click()
    number = NUMBERS["curated"]
    expect(page.get_by_role("heading", level=1)).to_have_text(f"ACSM-CEP credential {number}")
    revoke = page.get_by_role("region", name="Revoke")
    reason = revoke.get_by_label("Reason")
    reason.fill("ACSM registry lists the certification as lapsed")
    reason.press("Tab")
    button = revoke.get_by_role("button", name="Revoke")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(flash(page)).to_have_text(
        f"Revoked ACSM {number}; it no longer counts in matching.")
    provenance = page.get_by_role("region", name="Provenance")
    change = provenance.locator("tbody tr").filter(has_text="Revocation reason")
    expect(change).to_have_count(1)
    expect(change).to_contain_text(CURATOR)
    expect(change).to_contain_text(re.compile(r"Status: verified\W+(changed to\s+)?revoked"))
    expect(change).to_contain_text(
        "Revocation reason: ACSM registry lists the certification as lapsed")
    sign_out(page)

    # After: the search measures from the new ZIP ...
    after = search_distance(page, server, "60657", name)
    assert after == "0.0 mi" and after != before
    # ... and a doctor no longer gets him for heart failure, and is told why.
    sign_in(page, server, DOCTOR)
    matches, excluded = match(page, "60614", "heart failure")
    expect(matches.filter(has_text=name)).to_have_count(0)
    left_out = excluded.filter(has=page.get_by_role("link", name=name, exact=True))
    expect(left_out).to_have_count(1)
    expect(left_out).to_contain_text("Heart failure needs a verified clinical-level credential")


def test_trainer_closes_their_books_and_asks_for_a_correction(page, workspace_server):
    server, _ = workspace_server
    name, number = "Maria Near", NUMBERS["near"]
    message = "My CEP number is CEP-1002-A since the renewal."
    sign_in(page, server, TRAINER_NEAR)
    open_nav(page, "My profile")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    usage = page.locator("#capacity-use")
    expect(usage).to_have_text("0 new referrals taken in the last 30 days; "
                               "you set no monthly limit.")
    profile = page.get_by_role("form", name="Your profile")
    capacity = profile.get_by_label("New referrals a month")
    expect(capacity).to_have_value("")
    capacity.fill("0")
    profile.get_by_role("button", name="Save your profile").click()
    expect(flash(page)).to_have_text("Your profile is saved.")
    expect(usage).to_have_text("0 of 0 new referrals taken in the last 30 days.")
    expect(capacity).to_have_value("0")

    expect(page.get_by_text("You have not asked for any correction.")).to_be_visible()
    request_correction(page, number, message)
    sign_out(page)

    sign_in(page, server, DOCTOR)
    matches, excluded = match(page, "60614", "type 2 diabetes")
    expect(matches.filter(has_text=name)).to_have_count(0)
    left_out = excluded.filter(has=page.get_by_role("link", name=name, exact=True))
    expect(left_out).to_contain_text("At capacity: takes no more new referrals this month")
    sign_out(page)

    # The curators find the request from the workspace.
    sign_in(page, server, CURATOR)
    open_nav(page, "Workspace")
    waiting = page.locator("dl.stats > div").filter(has_text="Correction requests")
    assert int(waiting.locator("dd").inner_text()) >= 1
    waiting.get_by_role("link", name="Correction requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Correction requests")
    request = page.get_by_role("article", name=re.compile(f": {name}$"))
    expect(request).to_have_count(1)
    expect(request).to_contain_text(message)
    expect(request.get_by_role("link", name=f"ACSM-CEP {number}")).to_be_visible()
    expect(request.get_by_role("button", name="Resolve")).to_be_visible()


def test_admin_links_a_trainer_account_and_reads_the_audit_log_and_outbox(
        page, workspace_server):
    server, ids = workspace_server
    trainer_id, name = ids["next"], "Nora Next"
    message = "Please add my NSCA-CSCS, number 777."
    # Unlinked, the trainer's page says who can help.
    sign_in(page, server, UNLINKED)
    open_nav(page, "My profile")
    expect(page.get_by_role("main")).to_contain_text("not linked to a profile")
    sign_out(page)

    sign_in(page, server, ADMIN)
    open_nav(page, "Users")
    filters = page.get_by_role("form", name="Filter the accounts")
    filters.get_by_label("Email contains").fill("coach.unlinked")
    filters.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("status")).to_have_text("1 account.")
    page.get_by_role("link", name=f"Manage {UNLINKED}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(UNLINKED)
    user_id = int(re.search(r"/admin/users/(\d+)$", page.url).group(1))
    linked = page.locator("#user-trainer")
    expect(linked).to_have_text("none")
    page.get_by_label("Trainer profile id").fill(str(trainer_id))
    page.get_by_role("button", name="Save the link").click()
    expect(flash(page)).to_have_text(f"{UNLINKED} is now linked to the profile of {name}.")
    expect(linked).to_have_text(f"{name} (id {trainer_id})")
    expect(linked.get_by_role("link", name=name)).to_have_attribute(
        "href", f"/manage/trainers/{trainer_id}")

    page.get_by_role("link", name="Changes to this account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    event = page.locator("table.audit > tbody > tr").filter(
        has=page.get_by_role("row", name=re.compile("^trainer_id")))
    expect(event).to_have_count(1)
    expect(event.get_by_role("cell", name="update", exact=True)).to_be_visible()
    expect(event.get_by_role("link", name=f"users #{user_id}")).to_be_visible()
    expect(event).to_contain_text(ADMIN)
    change = event.get_by_role("row", name=re.compile("^trainer_id"))
    expect(change.get_by_role("cell")).to_have_text(["none", str(trainer_id)])
    sign_out(page)

    # The link works: the trainer keeps their own profile, and asks the curators.
    sign_in(page, server, UNLINKED)
    open_nav(page, "My profile")
    expect(page.locator("p.lead")).to_contain_text(name)
    request_correction(page, NUMBERS["next"], message)
    sign_out(page)

    # The curators were told, by mail the admin can read in the outbox.
    sign_in(page, server, ADMIN)
    open_nav(page, "Outbox")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outbox")
    outbox = page.get_by_role("search", name="Filter messages")
    outbox.get_by_label("Kind").select_option(label="correction requested")
    outbox.get_by_role("button", name="Filter").click()
    subject = f"{name} asks for a credential correction"
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=subject))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(CURATOR)
    row.get_by_role("link", name=subject).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(subject)
    body = page.locator("pre.message-body")
    expect(body).to_contain_text(f"{name} (trainer #{trainer_id}) asks for a correction "
                                 f"of their ACSM-CEP credential {NUMBERS['next']}")
    expect(body).to_contain_text(message)
    expect(body).to_contain_text("/manage/corrections")


def test_doctor_is_mailed_when_the_trainer_accepts(page, workspace_server):
    server, _ = workspace_server
    name = "Dana Accept"
    sign_in(page, server, REFERRER)
    referral_id = write_referral(page, server, name)
    sign_out(page)

    sign_in(page, server, TRAINER_DANA)
    open_nav(page, "Referrals")
    page.get_by_role("link", name=f"Referral {referral_id}", exact=True).click()
    page.get_by_role("button", name="Accept").click()
    expect(flash(page)).to_have_text(f"Referral {referral_id} is now accepted.")
    sign_out(page)

    sign_in(page, server, ADMIN)
    open_nav(page, "Outbox")
    outbox = page.get_by_role("search", name="Filter messages")
    outbox.get_by_label("Recipient").fill(REFERRER)
    outbox.get_by_role("button", name="Filter").click()
    subject = f"Referral #{referral_id} was accepted by {name}"
    expect(page.locator("table caption")).to_have_text("1 message")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=subject))
    expect(row).to_contain_text(REFERRER)
    expect(row).to_contain_text("referral answered")
    row.get_by_role("link", name=subject).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(subject)
    expect(page.locator("dl.details")).to_contain_text(REFERRER)
    body = page.locator("pre.message-body")
    expect(body).to_contain_text(f"{name} has accepted referral #{referral_id}.")
    expect(body).to_contain_text(re.compile(rf"https?://\S+/referrals/{referral_id}\b"))

    # The trainer was told of the new referral, too.
    page.get_by_role("link", name="Outbox", exact=True).first.click()
    outbox.get_by_label("Recipient").fill(TRAINER_DANA)
    outbox.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name=f"New referral #{referral_id} is waiting for your "
                            "answer")).to_be_visible()


# -- A page shown again after a refused form keeps its other forms posting where they belong

def test_trainer_saves_the_profile_after_a_refused_correction_request(page, workspace_server):
    server, _ = workspace_server
    sign_in(page, server, TRAINER_RITA)
    open_nav(page, "My profile")
    correction = page.get_by_role("form", name="Ask for a correction")
    correction.get_by_role("button", name="Send to the curators").click()  # no message
    expect(correction.get_by_role("alert")).to_contain_text("Your request was not sent")
    profile = page.get_by_role("form", name="Your profile")
    profile.get_by_label("New referrals a month").fill("5")
    profile.get_by_role("button", name="Save your profile").click()
    expect(flash(page)).to_have_text("Your profile is saved.")


def test_curator_saves_the_record_after_a_refused_deactivation(page, workspace_server):
    server, ids = workspace_server
    sign_in(page, server, CURATOR)
    page.goto(f"{server}/manage/trainers/{ids['rita']}")
    status = page.get_by_role("region", name="Deactivate")
    status.get_by_role("button", name="Deactivate").click()  # the box left unticked
    expect(status.get_by_role("alert")).to_contain_text("Nothing changed")
    record = page.get_by_role("form", name="Trainer record")
    record.get_by_label("Phone", exact=True).fill("312-555-0199")
    record.get_by_role("button", name="Save changes").click()
    expect(flash(page)).to_have_text("Saved Rita Retry.")
