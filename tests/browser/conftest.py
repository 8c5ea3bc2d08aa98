"""A live server on a seeded SQLite database, and headless Chromium driven by Playwright.

Chromium comes from the system (Debian's `chromium`, installed by `make test` where it
can): Playwright's own browser download needs a network this project cannot assume.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from directory import create_app
from directory.catalogs.services import load_catalogs
from directory.extensions import db
from tests.conftest import DATA_DIR, migrate
from tests.factories import make_trainer

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which(
        "chromium-browser")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'live.sqlite3'}"
    migrate(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(DATA_DIR)})
    with app.app_context():
        load_catalogs(db.session, DATA_DIR)
        db.session.commit()
        for last_name in ("Adams", "Baker", "<script>alert(1)</script>"):
            make_trainer(db.session, last_name=last_name)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


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
