"""A curator imports a credential list with a preview, then works the review queue.

The import writes trainers, so it runs on its own live server and database rather than
the shared one, whose directory the search tests count on.
"""

from __future__ import annotations

import hashlib
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from directory.accounts.models import Role
from directory.accounts.services import create_user
from directory.db import utcnow
from directory.imports.models import ImportJob, JobStatus
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
def import_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("browser-imports")


@pytest.fixture(scope="module")
def import_server(import_folder):
    """A live server whose directory holds Smith and two John Millers, a curator, and
    one import job that a worker (there is none) would be running."""
    def seed(session):
        base = {"credentials": [], "conditions": []}
        make_trainer(session, **base, first_name="Robert", last_name="Smith",
                     email="rsmith@example.com", postal_code="60614")
        for email, postal_code in (("jm1@example.com", "60601"), ("jm2@example.com", "78701")):
            make_trainer(session, **base, first_name="John", last_name="Miller",
                         email=email, postal_code=postal_code)
        curator = create_user(session, CURATOR, PASSWORD, Role.CURATOR)
        session.flush()
        session.add(ImportJob(
            curator_id=curator.id, filename="running.csv", issuer="NSCA",
            options={"profile": None, "mapping": [], "dry_run": False, "full_list": False},
            sha256=hashlib.sha256(LIST).hexdigest(), size_bytes=len(LIST), content=LIST,
            status=JobStatus.RUNNING, rows_done=1, rows_total=4))
    with serve(import_folder, seed) as url:
        yield url


@pytest.fixture
def running_job(import_server, import_folder):
    """The seeded running job's id, and a way to move it on as a worker would."""
    engine = sa.create_engine(f"sqlite:///{import_folder / 'live.sqlite3'}")
    table = ImportJob.__table__
    with engine.connect() as connection:
        job_id = connection.scalar(sa.select(table.c.id).where(
            table.c.filename == "running.csv"))

    def advance(**values):
        with engine.begin() as connection:
            connection.execute(table.update().where(table.c.id == job_id).values(
                updated_at=utcnow(), **values))
    # Each test meets it running, whatever the one before moved it to.
    advance(status=JobStatus.RUNNING, rows_done=1, rows_total=4, content=LIST, errors=None,
            finished_at=None)
    yield job_id, advance
    engine.dispose()


def count(page, key: str) -> str:
    return page.locator(f'[data-count="{key}"]').inner_text()


def sign_in_curator(page, server: str) -> None:
    page.goto(server + "/login")
    page.get_by_label("Email").fill(CURATOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_the_progress_page_follows_the_job_without_javascript(browser, import_server,
                                                               running_job):
    job_id, advance = running_job
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in_curator(page, import_server)
        page.goto(f"{import_server}/imports/jobs/{job_id}")
        status = page.get_by_role("status")
        expect(status).to_contain_text("Reconciling rows: 1 of 4.")
        bar = page.get_by_role("progressbar", name="Rows reconciled")
        assert (bar.get_attribute("value"), bar.get_attribute("max")) == ("1", "4")

        advance(rows_done=3)  # the page refreshes itself every two seconds
        expect(status).to_contain_text("Reconciling rows: 3 of 4.", timeout=10_000)
        assert bar.get_attribute("value") == "3"

        advance(status=JobStatus.FAILED, finished_at=utcnow(), content=None,
                errors={"file": ["The worker stopped while running this import."]})
        heading = page.get_by_role("heading", name="The import was refused; nothing changed")
        expect(heading).to_be_visible(timeout=10_000)
        expect(page.get_by_role("alert")).to_have_text(
            "The worker stopped while running this import.")
        assert page.locator('meta[http-equiv="refresh"]').count() == 0  # it has ended
        page.get_by_role("link", name="Upload a corrected file").click()
        assert page.locator("h1").inner_text() == "Import a credential list"
    finally:
        context.close()


def test_curator_previews_applies_and_links_a_doubtful_row(page, import_server):
    sign_in_curator(page, import_server)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    assert page.locator("h1").inner_text() == "Import a credential list"
    page.get_by_label("Credential list").set_input_files(
        files=[{"name": "nsca.csv", "mimeType": "text/csv", "buffer": LIST}])
    page.get_by_label("Certifying body").select_option("NSCA")
    assert page.get_by_label("Preview first").is_checked()
    page.get_by_role("button", name="Import", exact=True).click()

    # The upload became a job; the test server runs it at once, so its page shows the
    # finished preview rather than the progress bar.
    preview_url = page.url
    assert re.search(r"/imports/jobs/\d+$", preview_url)
    assert page.get_by_role("heading", name="Preview: nothing has been written yet").is_visible()
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    assert [count(page, k) for k in ("rows", "created", "linked", "review")] == ["4", "1", "1",
                                                                                  "2"]
    page.get_by_role("button", name="Apply this import").click()

    # Applying queues the real import; its job's page sends on to the report.
    assert re.search(r"/imports/\d+$", page.url) and "/jobs/" not in page.url
    assert "applied: 4 rows, 1 created, 1 linked" in page.locator(".flash").inner_text()
    assert [count(page, k) for k in ("rows", "created", "linked", "review")] == ["4", "1", "1",
                                                                                  "2"]
    assert page.locator("tr.action-review").count() == 2
    report_url = page.url

    # The preview, opened again, leads to its import instead of applying it twice.
    page.goto(preview_url)
    assert page.get_by_role("button", name="Apply this import").count() == 0
    page.get_by_role("link", name=re.compile(r"^import job \d+$")).click()
    assert page.url == report_url

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


def test_import_pages_fit_a_phone(phone, import_server, running_job):
    sign_in_curator(phone, import_server)
    widths = {}

    phone.goto(f"{import_server}/imports/jobs/{running_job[0]}")
    assert phone.get_by_role("progressbar", name="Rows reconciled").is_visible()
    widths["progress"] = overflow(phone)

    phone.goto(import_server + "/imports")
    widths["upload"] = overflow(phone)
    phone.get_by_label("Credential list").set_input_files(files=[{
        "name": "phone.csv", "mimeType": "text/csv",
        "buffer": LIST.replace(b"NS-10", b"NS-20").replace(b"Zoe,Newman", b"Ann,Lee")}])
    phone.get_by_label("Certifying body").select_option("NSCA")
    phone.get_by_role("button", name="Import", exact=True).click()
    assert re.search(r"/imports/jobs/\d+$", phone.url)
    widths["preview"] = overflow(phone)
    phone.get_by_role("button", name="Apply this import").click()
    assert re.search(r"/imports/\d+$", phone.url) and "/jobs/" not in phone.url
    widths["report"] = overflow(phone)
    phone.goto(import_server + "/reviews")
    widths["queue"] = overflow(phone)
    phone.locator("tr", has_text="NS-2004").get_by_role("link").click()
    assert "John Miller" in phone.locator("h1").inner_text()
    widths["review"] = overflow(phone)
    phone.goto(import_server + "/imports")
    phone.get_by_label("Credential list").set_input_files(files=[{
        "name": "broken.csv", "mimeType": "text/csv", "buffer": b"first_name\nAnn\n"}])
    phone.get_by_label("Certifying body").select_option("NSCA")
    phone.get_by_role("button", name="Import", exact=True).click()
    assert phone.get_by_role("heading", name="The import was refused; nothing changed")\
        .is_visible()
    widths["refusal"] = overflow(phone)

    assert {name: px for name, px in widths.items() if px > 0} == {}
