"""A live server on a seeded SQLite database, and headless Chromium driven by Playwright.

Chromium comes from the system (Debian's `chromium`, installed by `make test` where it
can): Playwright's own browser download needs a network this project cannot assume.
"""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from directory import create_app
from directory.extensions import db
from tests.apps import DATA_DIR, create_database
from tests.factories import PASSWORD, make_trainer

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which(
        "chromium-browser")


@contextmanager
def serve(folder: Path, seed, **config):
    """Serve the app on a new migrated SQLite database in `folder`, with the catalogs and
    whatever `seed(session)` adds; yield its base URL, and stop it afterwards."""
    url = f"sqlite:///{folder / 'live.sqlite3'}"
    create_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(DATA_DIR),
                      "SEARCH_INDEX_DIR": str(folder / "search-index"), **config})
    app.instance_path = str(folder / "instance")  # previews and the like stay in `folder`
    with app.app_context():
        seed(db.session)
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        with app.app_context():
            db.engine.dispose()


def sign_in(page, server: str, email: str, password: str = PASSWORD) -> None:
    page.goto(server + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#account-email")).to_have_text(email)


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def fill_referral_form(page, server: str):
    """As a signed-in doctor: the new-referral form filled for a patient near 60614 with
    type 2 diabetes and high blood pressure; returns the form, for more."""
    page.goto(server + "/referrals/new")
    form = page.get_by_role("form", name="Referral")
    precautions = "Check blood glucose before each session"
    for label, value in (("Name", "Pat Example"), ("Phone", "773-555-0199"),
                         ("Resting heart rate", "72"), ("Precautions", precautions)):
        form.get_by_label(label, exact=True).fill(value)
    for label, value in (("or age", "62"), ("ZIP or City, ST", "60614"),
                         ("Condition 1", "type 2 diabetes"),
                         ("Condition 2", "high blood pressure"),
                         ("Goals, one a line", "HbA1c below 7%\nwalk 30 minutes"),
                         ("Days a week", "3"), ("Minutes a session", "30"),
                         ("Type of exercise", "brisk walking"), ("% of reserve, from", "40"),
                         ("% of reserve, to", "59"), ("Report back every (weeks)", "4"),
                         ("Travel at most (miles)", "10")):
        form.get_by_label(label).fill(value)
    form.get_by_label("Intensity by").select_option("heart_rate_reserve")
    form.get_by_label("Medical clearance given").check()
    form.get_by_label("up to", exact=True).select_option("moderate")
    return form


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The shared server: three trainers, one with a name that must never run as script."""
    def seed(session):
        for last_name in ("Adams", "Baker", "<script>alert(1)</script>"):
            make_trainer(session, last_name=last_name)
    with serve(tmp_path_factory.mktemp("browser"), seed) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        message = "Chromium is not installed (apt-get install chromium); browser tests need it."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    yield page
    context.close()
