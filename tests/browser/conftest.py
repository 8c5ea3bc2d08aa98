"""A live server on a seeded SQLite database, and headless Chromium driven by Playwright.

Chromium comes from the system (Debian's `chromium`, installed by `make test` where it
can): Playwright's own browser download needs a network this project cannot assume.
"""

from __future__ import annotations

import os

import pytest

from tests.browser.helpers import CHROMIUM_ARGS, chromium_path, serve
from tests.factories import make_trainer


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
