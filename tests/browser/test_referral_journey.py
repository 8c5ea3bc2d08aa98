"""The referral journey of issue 7 in headless Chromium: a doctor prescribes and picks a
ranked trainer, the trainer accepts and reports (once with a concern), the doctor sees the
flag and the timeline, the patient prints the letter, and nobody else can read any of it.

Referrals and accounts are written here, so this runs on its own live server and
database rather than the shared one, whose directory other browser tests count on.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from directory.accounts.models import Role
from directory.accounts.services import create_user
from tests.browser.helpers import (
    fill_prescription,
    fill_referral_form,
    serve,
    sign_in,
    sign_out,
)
from tests.factories import PASSWORD, credential_payload, make_trainer

pytestmark = pytest.mark.browser
DOCTOR = "dr.house@example.com"
OTHER_DOCTOR = "dr.other@example.com"
TRAINER = "coach.near@example.com"  # the account of the first (nearest) trainer
OTHER_TRAINER = "coach.next@example.com"  # the second trainer's account: not addressed
PATIENT = "pat.example@example.com"
ADMIN = "admin@example.com"
NEAR = {"first_name": "Maria", "last_name": "Near", "email": "maria.near@example.com",
        "phone": "312-555-0101", "postal_code": "60614"}
# Far from the referrals' patient (another city): not in their rankings.
UNCLAIMED = {"first_name": "Quinn", "last_name": "Far", "email": "quinn.far@example.com",
             "postal_code": "10001"}
# Has no account, near Seattle patients only: the issue's journey refers to her.
UMA = {"first_name": "Uma", "last_name": "Unclaimed", "email": "uma.unclaimed@example.com",
       "phone": "206-555-0150", "postal_code": "98101"}
UMA_NUMBER = "CEP-5151"
NEXT = {"first_name": "Nora", "last_name": "Next", "email": "nora.next@example.com",
        "phone": "312-555-0102", "postal_code": "60601"}


@pytest.fixture(scope="module")
def referral_server(tmp_path_factory):
    """A live server with two clinical trainers near 60614 and every party's account."""
    def seed(session):
        conditions = [{"condition": "type-2-diabetes", "years": 6, "level": "expert"},
                      {"condition": "hypertension", "years": 4, "level": "expert"}]
        near, following = (
            make_trainer(session, **person, conditions=conditions,
                         credentials=[credential_payload(expires_on="2099-06-30")])
            for person in (NEAR, NEXT))
        create_user(session, DOCTOR, PASSWORD, Role.DOCTOR)
        create_user(session, OTHER_DOCTOR, PASSWORD, Role.DOCTOR)
        create_user(session, TRAINER, PASSWORD, Role.TRAINER, near)
        create_user(session, OTHER_TRAINER, PASSWORD, Role.TRAINER, following)
        create_user(session, PATIENT, PASSWORD, Role.PATIENT)
        create_user(session, ADMIN, PASSWORD, Role.ADMIN)
        make_trainer(session, **UNCLAIMED, credentials=[credential_payload(
            credential_number="CEP-4242", expires_on="2099-06-30")])
        make_trainer(session, **UMA, conditions=conditions, credentials=[credential_payload(
            credential_number=UMA_NUMBER, expires_on="2099-06-30")])
    with serve(tmp_path_factory.mktemp("browser-referrals"), seed) as url:
        yield url


def open_referrals(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()


def write_referral(page, server: str) -> int:
    """As the signed-in doctor: prescribe, rank, tick the first trainer, create; the id."""
    form = fill_referral_form(page, server)
    form.get_by_label("Patient's ReferFit account").fill(PATIENT)
    form.get_by_label("Medications, one a line").fill("metoprolol 50 mg\nmetformin")
    form.get_by_label("Exercises or movements to avoid").fill("heavy overhead lifting")
    page.get_by_role("button", name="Show recommended trainers").click()

    ranked = page.get_by_role("region", name=re.compile("^Recommended trainers near"))
    expect(ranked).to_be_visible()
    # The beta-blocker blunts the heart-rate response, so RPE stands in for it.
    assert "RPE replaces heart-rate targets" in ranked.locator(".warning").inner_text()
    choices = ranked.get_by_role("checkbox")
    assert choices.count() == 2
    assert "Maria Near" in ranked.locator("li.result").first.inner_text()
    choices.first.check()
    page.get_by_role("button", name="Create the referral (send to the first ticked trainer)"
                     ).click()

    expect(page).to_have_url(re.compile(r"/referrals/\d+$"))
    referral_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator(".flash")).to_have_text(f"Referral {referral_id} sent.")
    return referral_id


def report(page, numbers: dict[str, str], notes: str, concern: bool = False) -> None:
    """As the signed-in trainer: fill the report form on the referral page and send it."""
    form = page.get_by_role("form", name="Report to the doctor")
    for label, value in numbers.items():
        form.get_by_label(label, exact=True).fill(value)
    form.get_by_label("Notes").fill(notes)
    if concern:
        form.get_by_label("Ask the doctor to review (a concern)").check()
    form.get_by_role("button", name="Send to the doctor").click()
    expect(page.locator(".flash")).to_have_text("Your report was sent to the doctor.")


def test_doctor_trainer_doctor_patient_journey(page, referral_server):
    server = referral_server
    sign_in(page, server, DOCTOR)
    referral_id = write_referral(page, server)
    path = f"/referrals/{referral_id}"
    rx = page.get_by_role("region", name="Exercise prescription")
    assert "perceived exertion (Borg RPE) 12-13" in rx.inner_text()
    assert "RPE replaces heart-rate targets" in rx.inner_text()
    sign_out(page)

    # The trainer finds it in the inbox, accepts, assesses and reports twice.
    sign_in(page, server, TRAINER)
    open_referrals(page)
    assert page.locator("h1").inner_text() == "Referral inbox"
    row = page.locator("tbody tr", has_text=f"Referral {referral_id}")
    assert "sent" in row.inner_text()
    row.get_by_role("link", name=f"Referral {referral_id}").click()
    expect(page).to_have_url(server + path)
    assert "metoprolol 50 mg" in page.get_by_role("region", name="Patient, referrer and trainer"
                                                  ).inner_text()
    page.get_by_role("button", name="Accept").click()
    expect(page.locator(".flash")).to_have_text(f"Referral {referral_id} is now accepted.")

    expect(page.get_by_role("heading", name="Initial assessment")).to_be_visible()
    report(page, {"Resting heart rate": "70", "Blood pressure, systolic": "138",
                  "Blood pressure, diastolic": "86", "Weight (kg)": "92",
                  "Six-minute walk (m)": "410"}, "Baseline: walks 15 minutes comfortably.")
    expect(page.get_by_role("heading", name="Progress update")).to_be_visible()
    report(page, {"Sessions attended": "6", "Minutes of activity a week": "90",
                  "Strength days a week": "1"}, "Good progress, brisk walks.")
    report(page, {"Sessions attended": "11"}, "Dizzy after intervals on two occasions.",
           concern=True)
    assert "in progress" in page.locator("p.muted", has_text="Status:").inner_text()
    sign_out(page)

    # The doctor sees the flag on the dashboard and the reports on the timeline.
    sign_in(page, server, DOCTOR)
    open_referrals(page)
    row = page.locator("tbody tr", has_text=f"Referral {referral_id}")
    assert "in progress" in row.inner_text()
    expect(row.locator(".badge", has_text="Concern raised")).to_be_visible()
    row.get_by_role("link", name=f"Referral {referral_id}").click()
    expect(page.get_by_role("region", name="Open concerns")).to_contain_text(
        "Dizzy after intervals")
    timeline = page.get_by_role("region", name="Timeline").locator("li")
    texts = timeline.all_inner_texts()
    assert any("-> sent" in t for t in texts) and any("sent -> accepted" in t for t in texts)
    updates = page.locator("ol.timeline li.update")
    assert updates.count() == 3
    assert "Initial assessment" in updates.nth(0).inner_text()
    assert "BP 138/86" in updates.nth(0).inner_text()
    assert "90 min/week active" in updates.nth(1).inner_text()
    concern = page.locator("ol.timeline li.update.concern")
    assert concern.count() == 1
    assert "Dizzy after intervals" in concern.inner_text()
    assert "Concern: the trainer asks the doctor to review." in concern.inner_text()
    sign_out(page)

    # The patient reads the referral, the trainer's contacts, and prints the letter.
    sign_in(page, server, PATIENT)
    open_referrals(page)
    assert page.locator("h1").inner_text() == "Your referrals"
    page.get_by_role("link", name=f"Referral {referral_id}").click()
    people = page.get_by_role("region", name="Patient, referrer and trainer").inner_text()
    assert "Maria Near" in people and NEAR["email"] in people and NEAR["phone"] in people
    assert f"mention referral {referral_id}" in people
    # A patient reads and writes messages, no more: no moves, and not others' ranking.
    expect(page.get_by_role("button", name=re.compile("Accept|Cancel|Send to"))
           ).to_have_count(0)
    expect(page.get_by_role("button", name="Send message")).to_be_visible()
    expect(page.get_by_role("region", name="The ranking it chose from")).to_have_count(0)
    page.get_by_role("link", name="Printable referral letter").click()
    expect(page).to_have_url(f"{server}{path}/letter")
    assert page.locator('link[rel="stylesheet"][href$="/print.css"]').get_attribute(
        "media") == "print"
    letter = page.locator("main").inner_text()
    for expected in ("Pat Example, age 62", "Type 2 Diabetes", "metoprolol 50 mg",
                     "Maria Near", NEAR["email"], NEAR["phone"], DOCTOR,
                     "perceived exertion (Borg RPE) 12-13", "RPE replaces heart-rate targets",
                     "heavy overhead lifting", "Check blood glucose before each session",
                     "Given, up to moderate intensity", "Every 4 weeks"):
        assert expected.lower() in letter.lower(), (expected, letter)
    expect(page.locator(".no-print")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".no-print")).to_be_hidden()
    expect(page.get_by_role("heading", name="Exercise referral")).to_be_visible()
    pdf = page.pdf(format="Letter")  # "one clean page"
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1


def test_nobody_else_can_read_the_referral(browser, page, referral_server):
    server = referral_server
    sign_in(page, server, DOCTOR)
    referral_id = write_referral(page, server)
    path = f"/referrals/{referral_id}"
    sign_out(page)

    for email in (OTHER_DOCTOR, OTHER_TRAINER):
        sign_in(page, server, email)
        for url in (path, f"{path}/letter"):
            response = page.goto(server + url)
            assert response.status == 404, (email, url)
            assert "Pat Example" not in page.content()
        open_referrals(page)
        assert page.locator("tbody tr", has_text=f"Referral {referral_id}").count() == 0
        sign_out(page)

    # A stranger is asked to sign in, and learns nothing of the referral.
    stranger = browser.new_context().new_page()
    try:
        stranger.goto(server + path)
        expect(stranger).to_have_url(re.compile(r"/login\?next="))
        assert "Pat Example" not in stranger.content()
    finally:
        stranger.context.close()


def test_a_prescription_beyond_its_clearance_needs_a_reason(page, referral_server):
    """A doctor asking 60-85% of the reserve under clearance up to moderate is told why
    it is refused, next to the ranking; a recorded reason lets it through to the letter."""
    server = referral_server
    sign_in(page, server, DOCTOR)
    form = fill_referral_form(page, server)
    form.get_by_label("% of reserve, from").fill("60")
    form.get_by_label("% of reserve, to").fill("85")
    page.get_by_role("button", name="Show recommended trainers").click()
    expect(page.get_by_role("alert")).to_contain_text("1 answer needs correcting")
    beside = page.locator("#intensity_method-errors")  # the error, beside the intensity
    expect(beside).to_contain_text("This prescription reaches vigorous intensity")
    expect(beside).to_contain_text("which covers up to moderate")
    ranked = page.get_by_role("region", name=re.compile("^Recommended trainers near"))
    expect(ranked).to_be_visible()

    reason = "Cleared by cardiology after a stress test."
    page.get_by_role("form", name="Referral").get_by_label(
        "Prescribing beyond the clearance? Say why it is safe").fill(reason)
    ranked.get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Create the referral (send to the first ticked trainer)"
                     ).click()
    expect(page).to_have_url(re.compile(r"/referrals/\d+$"))
    expect(page.locator("dd", has_text="Prescribed beyond the clearance")).to_contain_text(
        reason)


def test_a_doctors_practice_details_reach_the_letter(page, referral_server):
    server = referral_server
    sign_in(page, server, DOCTOR)
    page.goto(server + "/account")
    page.get_by_role("link", name="Give them").click()
    for label, value in (("Your name", "Gregory House"), ("Credentials (MD, DO, NP, PA ...)", "MD"),
                         ("NPI (10 digits)", "1234567890"), ("Practice", "Plainsboro Clinic"),
                         ("Phone", "(609) 555-0100")):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#npi-errors")).to_contain_text("does not check out")
    page.get_by_label("NPI (10 digits)").fill("1234567893")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Your practice details are saved")

    referral_id = write_referral(page, server)
    page.goto(f"{server}/referrals/{referral_id}/letter")
    referred_by = page.locator("section", has=page.get_by_role("heading", name="Referred by"))
    for part in ("Gregory House, MD", "Plainsboro Clinic", "Phone (609) 555-0100"):
        expect(referred_by).to_contain_text(part)



def test_a_doctor_registers_with_an_npi_and_an_admin_approves(page, referral_server):
    server, email = referral_server, "dr.reyes@example.org"
    page.goto(server + "/register")
    page.get_by_role("link", name="Register as a doctor").click()
    for label, value in (("Email", email), ("Your name", "Dana Reyes"),
                         ("NPI (10 digits)", "1497758544"), ("Practice", "Lakeview Clinic")):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Password (at least", exact=False).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Register and ask for approval").click()
    expect(page.get_by_role("status")).to_contain_text("Your doctor account is registered")

    page.goto(server + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("waits for an administrator")

    sign_in(page, server, ADMIN)
    page.goto(server + "/admin/users?active=no")
    page.get_by_role("link", name=email).click()
    expect(page.locator("#user-status")).to_have_text("awaiting approval")
    page.get_by_role("button", name="Approve this doctor").click()
    expect(page.locator(".flash")).to_contain_text("is approved as a doctor")
    sign_out(page)
    sign_in(page, server, email)



def test_a_trainer_claims_their_profile_from_the_emailed_link(page, referral_server):
    server = referral_server
    page.goto(server + "/search?near=10001")
    page.get_by_role("link", name="Quinn Far").first.click()
    page.get_by_role("link", name="Is this you? Claim this profile").click()
    page.get_by_role("button", name="Email me the link").click()
    expect(page.get_by_role("status")).to_contain_text("q•••@example.com")

    sign_in(page, server, ADMIN)  # the outbox stands in for the trainer's mailbox
    page.goto(server + "/admin/outbox?kind=claim_link")
    page.get_by_role("link", name="Claim your ReferFit trainer profile").first.click()
    link = re.search(r"https?://\S+(/claim/\S+)", page.locator(".message-body").inner_text())
    sign_out(page)

    page.goto(server + link.group(1))
    page.get_by_label("One of your credential numbers on the profile").fill("CEP-0000")
    page.get_by_label("Choose a password", exact=False).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Claim my profile").click()
    expect(page.locator("#credential_number-errors")).to_contain_text("not one of this profile")
    page.get_by_label("One of your credential numbers on the profile").fill("CEP-4242")
    page.get_by_label("Choose a password", exact=False).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Claim my profile").click()
    expect(page.locator(".flash")).to_contain_text("Your profile is yours now")


def read_outbox(page, server: str, kind: str, to: str) -> str:
    """As the signed-in admin: the body of the newest `kind` message to `to` (the outbox
    stands in for mailboxes)."""
    page.goto(f"{server}/admin/outbox?kind={kind}")
    page.get_by_role("row").filter(has_text=to).get_by_role("link").first.click()
    return page.locator(".message-body").inner_text()


def test_the_issues_journey_from_registration_to_the_patient_told(page, referral_server):
    """Issue 16's "Done means": a doctor registers with an NPI and is approved, refers a
    patient to a trainer without an account from /match, is refused above the clearance
    first; the emailed link leads the trainer to claim the profile and accept; the trainer
    reports a concern, the doctor acknowledges and replies, the trainer reads it; the
    patient is told; the letter shows the doctor's name, practice and phone."""
    server, email = referral_server, "dr.okafor@example.org"
    page.goto(server + "/register/doctor")
    for label, value in (("Email", email), ("Your name", "Ada Okafor"),
                         ("Credentials (MD, DO, NP, PA ...)", "MD"),
                         ("NPI (10 digits)", "1245319599"), ("Practice", "Pike Street Clinic"),
                         ("Phone", "(206) 555-0111")):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Password (at least", exact=False).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Register and ask for approval").click()
    expect(page.get_by_role("status")).to_contain_text("Your doctor account is registered")
    sign_in(page, server, ADMIN)
    page.goto(server + "/admin/users?active=no")
    page.get_by_role("link", name=email).click()
    page.get_by_role("button", name="Approve this doctor").click()
    sign_out(page)

    # The doctor finds Uma on the match page and refers to her from there.
    sign_in(page, server, email)
    page.goto(server + "/match?near=98101&conditions=type+2+diabetes&max_distance=10")
    uma = page.locator("li.result", has_text="Uma Unclaimed")
    uma.get_by_role("link", name="Refer to this trainer").click()
    expect(page.get_by_role("status")).to_contain_text("You chose Uma Unclaimed")
    form = page.get_by_role("form", name="Referral")
    expect(form.get_by_label("ZIP or City, ST")).to_have_value("98101")
    expect(form.get_by_label("Condition 1")).to_have_value("type 2 diabetes")
    for label, value in (("Name", "Lee Patient"), ("Email", "lee.patient@example.org")):
        form.get_by_label(label, exact=True).fill(value)
    form.get_by_label("or age").fill("58")
    fill_prescription(form)
    # Only the chosen method's inputs are offered.
    form.get_by_label("Intensity by").select_option("rpe")
    expect(form.get_by_label("% of reserve, from")).to_be_hidden()
    expect(form.get_by_label("RPE, from (6-20)")).to_be_visible()
    form.get_by_label("Intensity by").select_option("heart_rate_reserve")
    expect(form.get_by_label("RPE, from (6-20)")).to_be_hidden()
    # Above the clearance: refused with why, beside the intensity.
    form.get_by_label("% of reserve, from").fill("60")
    form.get_by_label("% of reserve, to").fill("85")
    page.get_by_role("button", name="Show recommended trainers").click()
    expect(page.locator("#intensity_method-errors")).to_contain_text(
        "reaches vigorous intensity")
    form.get_by_label("% of reserve, from").fill("40")
    form.get_by_label("% of reserve, to").fill("59")
    page.get_by_role("button", name="Rank again").click()
    ranked = page.get_by_role("region", name=re.compile("^Recommended trainers near"))
    choice = ranked.locator("li.result", has_text="Uma Unclaimed")
    expect(choice.get_by_role("checkbox")).to_be_checked()  # carried from /match
    expect(choice).to_contain_text("no account yet: gets a link by email")
    page.get_by_role("button", name="Create the referral (send to the first ticked trainer)"
                     ).click()
    expect(page.locator("#delivery")).to_contain_text("Emailed to the trainer")
    referral_id = int(page.url.rsplit("/", 1)[1])
    sign_out(page)

    # Uma's email leads her to claim the profile with a credential number, then accept.
    sign_in(page, server, ADMIN)
    mail = read_outbox(page, server, "referral_claim_link", UMA["email"])
    assert f"referral #{referral_id}" in mail and "Lee Patient" not in mail
    link = re.search(r"https?://\S+(/claim/\S+)", mail).group(1)
    sign_out(page)
    page.goto(server + link)
    page.get_by_label("One of your credential numbers on the profile").fill(UMA_NUMBER)
    page.get_by_label("Choose a password", exact=False).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Claim my profile").click()
    expect(page.locator(".flash")).to_contain_text("Your profile is yours now")
    open_referrals(page)
    page.get_by_role("link", name=f"Referral {referral_id}").click()
    expect(page.get_by_role("region", name="Patient, referrer and trainer")).to_contain_text(
        "Ada Okafor, MD")
    page.get_by_role("button", name="Accept").click()
    report(page, {"Resting heart rate": "74"}, "Light-headed after the walk test.",
           concern=True)
    sign_out(page)

    # The doctor acknowledges the concern and replies.
    sign_in(page, server, email)
    open_referrals(page)
    row = page.locator("tbody tr", has_text=f"Referral {referral_id}")
    expect(row.locator(".badge", has_text="Concern raised: acknowledge it")).to_be_visible()
    row.get_by_role("link", name=f"Referral {referral_id}").click()
    concerns = page.get_by_role("region", name="Open concerns")
    expect(concerns).to_contain_text("Light-headed after the walk test.")
    concerns.get_by_label("Your reply to the trainer (optional)").fill(
        "Check her glucose first; keep to RPE 11 until I see her.")
    concerns.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".flash")).to_have_text("The concern is acknowledged.")
    expect(page.get_by_role("region", name="Open concerns")).to_contain_text("Acknowledged")
    sign_out(page)

    # The trainer sees the reply, new, and answers in the conversation.
    sign_in(page, server, UMA["email"])
    open_referrals(page)
    row = page.locator("tbody tr", has_text=f"Referral {referral_id}")
    expect(row.locator(".badge", has_text="1 unread message")).to_be_visible()
    row.get_by_role("link", name=f"Referral {referral_id}").click()
    thread = page.get_by_role("region", name="Messages")
    expect(thread.locator("li.unread")).to_contain_text("keep to RPE 11 until I see her")
    expect(thread.locator("li.unread")).to_contain_text("Ada Okafor, MD (doctor)")
    thread.get_by_label("Write a message", exact=False).fill("Will do: glucose 6.1 today.")
    thread.get_by_role("button", name="Send message").click()
    expect(page.locator(".flash")).to_have_text("Your message was sent.")
    expect(page.get_by_role("region", name="Messages")).to_contain_text("glucose 6.1 today")
    sign_out(page)

    # The patient was told who accepted and how to book; the letter shows the doctor.
    sign_in(page, server, ADMIN)
    told = read_outbox(page, server, "patient_accepted", "lee.patient@example.org")
    assert "Uma Unclaimed has accepted your exercise referral" in told
    assert UMA["phone"] in told and f"mention referral #{referral_id}" in told
    assert "Light-headed" not in told and "diabetes" not in told.lower()
    page.goto(f"{server}/referrals/{referral_id}/letter")
    referred_by = page.locator("section", has=page.get_by_role("heading", name="Referred by"))
    for part in ("Ada Okafor, MD", "Pike Street Clinic", "Phone (206) 555-0111"):
        expect(referred_by).to_contain_text(part)
