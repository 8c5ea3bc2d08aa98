"""Helpers of the browser tests: a live server on its own database, and the sign-in,
sign-out and referral-form steps that several flows share."""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import expect
from werkzeug.serving import make_server

from directory.extensions import db
from tests.apps import build_app, create_database
from tests.factories import PASSWORD

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which(
        "chromium-browser")


@contextmanager
def serve(folder: Path, seed):
    """Serve a test app (tests/apps.py: its settings, rate limits off) on a new SQLite
    database in `folder`, with the catalogs and whatever `seed(session)` adds; yield its
    base URL, and stop it afterwards."""
    url = f"sqlite:///{folder / 'live.sqlite3'}"
    create_database(url)
    app = build_app(url, folder)
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
    for label, value in (("Name", "Pat Example"), ("Phone", "773-555-0199")):
        form.get_by_label(label, exact=True).fill(value)
    for label, value in (("or age", "62"), ("ZIP or City, ST", "60614"),
                         ("Condition 1", "type 2 diabetes"),
                         ("Condition 2", "high blood pressure"),
                         ("Travel at most (miles)", "10")):
        form.get_by_label(label).fill(value)
    return fill_prescription(form)


def fill_prescription(form):
    """The referral form's prescription: 40-59% of the heart-rate reserve, three days a
    week, under clearance up to moderate intensity."""
    precautions = "Check blood glucose before each session"
    form.get_by_label("Intensity by").select_option("heart_rate_reserve")
    for label, value in (("Resting heart rate", "72"), ("Precautions", precautions)):
        form.get_by_label(label, exact=True).fill(value)
    for label, value in (("Goals, one a line", "HbA1c below 7%\nwalk 30 minutes"),
                         ("Days a week", "3"), ("Minutes a session", "30"),
                         ("Type of exercise", "brisk walking"), ("% of reserve, from", "40"),
                         ("% of reserve, to", "59"), ("Report back every (weeks)", "4")):
        form.get_by_label(label).fill(value)
    form.get_by_label("Medical clearance given").check()
    form.get_by_label("up to", exact=True).select_option("moderate")
    return form
